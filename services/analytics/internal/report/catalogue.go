package report

import (
	"embed"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/l4l-platform/l4l/libs/profile"
)

// The label catalogues, one JSON file per base language. English is complete; the others
// hold what has been translated and fall back to English label by label.
//
//go:embed lang/*.json
var catalogueFiles embed.FS

// English is the fallback language.
const English = "en"

var catalogues = func() map[string]map[string]string {
	out := map[string]map[string]string{}
	entries, err := catalogueFiles.ReadDir("lang")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		b, err := catalogueFiles.ReadFile("lang/" + e.Name())
		if err != nil {
			panic(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			panic(fmt.Sprintf("report catalogue %s: %v", e.Name(), err))
		}
		out[strings.TrimSuffix(e.Name(), ".json")] = m
	}
	return out
}()

// Labels are one language's labels.
type Labels struct {
	Lang string
	own  map[string]string
}

// Get is the label for key, in English when the language has none.
func (l Labels) Get(key string) string {
	if s, ok := l.own[key]; ok {
		return s
	}
	if s, ok := catalogues[English][key]; ok {
		return s
	}
	return key
}

// LabelsFor are the labels of a language tag (its base language decides).
func LabelsFor(tag string) Labels {
	return Labels{Lang: tag, own: catalogues[base(tag)]}
}

func base(tag string) string {
	b, _, _ := strings.Cut(strings.ToLower(tag), "-")
	return b
}

// Languages are the language tags a country's report is offered in: English, then the
// profile's locale and languages, each once by base language, and only those with a
// catalogue.
func Languages(x *profile.Index) []string {
	out := []string{English}
	seen := map[string]bool{English: true}
	s := x.Spec()
	for _, tag := range append([]string{s.Locale}, s.Languages...) {
		b := base(tag)
		if tag == "" || seen[b] || catalogues[b] == nil {
			continue
		}
		seen[b] = true
		out = append(out, tag)
	}
	return out
}

// ErrLanguage says an explicit ?lang= is not one the country's report is offered in.
type ErrLanguage struct{ Offered []string }

func (e ErrLanguage) Error() string {
	return "one of " + strings.Join(e.Offered, ", ")
}

// Choose picks the language: an explicit choice (lang) must be offered (by tag or base
// language); otherwise the best Accept-Language match; otherwise English.
func Choose(offered []string, lang, acceptLanguage string) (string, error) {
	match := func(want string) (string, bool) {
		want = strings.TrimSpace(want)
		if i := slices.IndexFunc(offered, func(o string) bool { return strings.EqualFold(o, want) }); i >= 0 {
			return offered[i], true
		}
		i := slices.IndexFunc(offered, func(o string) bool { return base(o) == base(want) })
		if i >= 0 && want != "" && want != "*" {
			return offered[i], true
		}
		return "", false
	}
	if lang != "" {
		if got, ok := match(lang); ok {
			return got, nil
		}
		return "", ErrLanguage{offered}
	}
	type weighted struct {
		tag string
		q   float64
	}
	var wants []weighted
	for part := range strings.SplitSeq(acceptLanguage, ",") {
		tag, params, _ := strings.Cut(part, ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if strings.TrimSpace(tag) != "" && q > 0 {
			wants = append(wants, weighted{tag, q})
		}
	}
	slices.SortStableFunc(wants, func(a, b weighted) int {
		switch {
		case a.q > b.q:
			return -1
		case a.q < b.q:
			return 1
		}
		return 0
	})
	for _, w := range wants {
		if got, ok := match(w.tag); ok {
			return got, nil
		}
	}
	return English, nil
}

package report

import (
	"bytes"
	_ "embed"
	"html/template"
	"strconv"
	"strings"

	"github.com/l4l-platform/l4l/services/analytics/internal/domain"
)

//go:embed report.html.tmpl
var pageSource string

var pageTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"raw": func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) },
	"f1":  func(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) },
	"dec": func(n int) int { return n - 1 },
}).Parse(pageSource))

// view is the template's data: the report and its language.
type view struct {
	Report
	L Labels
}

// T is a label of the report's language.
func (v view) T(key string) string { return v.L.Get(key) }

// Name is a KPI's name in the report's language: the catalogue's, or for a standard's
// area "<standard label>: <area name from the profile>", or the English definition's.
func (v view) Name(key, english string) string {
	if s, ok := v.L.own["kpi."+key]; ok {
		return s
	}
	if strings.HasPrefix(key, domain.StandardKeyPrefix) {
		if _, area, ok := strings.Cut(english, ": "); ok {
			return v.L.Get("standard") + ": " + area
		}
	}
	return english
}

// Figure is a value as shown: percentages with %, ratios and days as computed.
func (v view) Figure(val *float64, unit string) string {
	if val == nil {
		return "—"
	}
	s := strconv.FormatFloat(*val, 'f', -1, 64)
	if unit == domain.Percent {
		return s + "%"
	}
	return s
}

// Change is a signed change; percentages in percentage points.
func (v view) Change(d *float64, unit string) string {
	if d == nil {
		return "—"
	}
	s := strconv.FormatFloat(*d, 'f', -1, 64)
	if *d > 0 {
		s = "+" + s
	} else if *d < 0 {
		s = "−" + s[1:]
	}
	if unit == domain.Percent {
		s += " " + v.L.Get("pp")
	}
	return s
}

// HTML renders the report's page in a language.
func HTML(r Report, l Labels) ([]byte, error) {
	var b bytes.Buffer
	if err := pageTemplate.Execute(&b, view{r, l}); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Quarter is the report's quarter.
func (v view) Quarter() domain.Period { return v.Quarters[len(v.Quarters)-1] }

// Baseline is the first quarter with data.
func (v view) Baseline() domain.Period { return v.Quarters[v.First] }

// Level is the scope's kind (District, County, Country) in the report's language.
func (v view) Level() string {
	if s, ok := v.L.own["level."+v.ScopeKind]; ok {
		return s
	}
	if s, ok := catalogues[English]["level."+v.ScopeKind]; ok {
		return s
	}
	return v.ScopeKindName
}

package analytics_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/l4l-platform/l4l/libs/service/servicetest"
	"github.com/l4l-platform/l4l/services/analytics"
	"github.com/l4l-platform/l4l/services/analytics/internal/domain"
	"github.com/l4l-platform/l4l/services/analytics/internal/fixture"
)

// servicetest checks every response against the OpenAPI document; kin-openapi reads
// neither HTML nor PDF bodies by itself (wanted in servicetest).
func init() {
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("application/pdf", openapi3filter.FileBodyDecoder)
}

var pointTag = regexp.MustCompile(`<circle class="point"[^>]*data-kpi="([^"]+)" data-quarter="([^"]+)" data-value="([^"]+)"`)

// chartPoints are the report page's chart points: quarter → KPI → value as written.
func chartPoints(page string) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, m := range pointTag.FindAllStringSubmatch(page, -1) {
		if out[m[2]] == nil {
			out[m[2]] = map[string]string{}
		}
		out[m[2]][m[1]] = m[3]
	}
	return out
}

var rowTag = regexp.MustCompile(`<tr data-kpi="([^"]+)"(?: data-value="([^"]+)")?>`)

// chartedKeys are the KPIs the report draws (all but the per-area standards, which are
// matched by prefix).
var chartedKeys = []string{"ht_meeting_all_standards", "plc_sessions_held", "plc_active", "coaching_coverage",
	"teachers_meeting_english_benchmark", "teachers_meeting_maths_benchmark", "leaders_graduated"}

func charted(key string) bool {
	return strings.HasPrefix(key, domain.StandardKeyPrefix) || strings.Contains(" "+strings.Join(chartedKeys, " ")+" ", " "+key+" ")
}

// matchesKPIAPI checks that every chart point and every KPI row of a report page equals
// the KPI API's answer for the same scope and quarter, and that every figure the API has
// for a charted KPI is drawn. It returns how many values it compared.
func matchesKPIAPI(t *testing.T, env *servicetest.Env, tok, page, kpis, quarter string) int {
	t.Helper()
	points := chartPoints(page)
	if len(points) == 0 {
		t.Fatalf("no chart points in the page")
	}
	compared := 0
	for q, byKey := range points {
		p, err := domain.ParseQuarter(q)
		if err != nil {
			t.Fatalf("chart point of quarter %q: %v", q, err)
		}
		rep := report(t, env, tok, kpis+"?period=quarter&at="+p.From)
		api := rep.Periods[0].KPIs
		for _, v := range api {
			if !charted(v.Key) {
				continue
			}
			got, drawn := byKey[v.Key]
			switch {
			case v.Value == nil && drawn:
				t.Errorf("%s %s: drawn as %s, the API has no figure", q, v.Key, got)
			case v.Value != nil && !drawn:
				t.Errorf("%s %s: the API says %v, not drawn", q, v.Key, *v.Value)
			case v.Value != nil && got != strconv.FormatFloat(*v.Value, 'f', -1, 64):
				t.Errorf("%s %s: drawn as %s, the API says %v", q, v.Key, got, *v.Value)
			default:
				compared++
			}
		}
	}
	rep := report(t, env, tok, kpis+"?period=quarter&at="+mustQuarter(t, quarter).From)
	rows := map[string]string{}
	for _, m := range rowTag.FindAllStringSubmatch(page, -1) {
		rows[m[1]] = m[2]
	}
	for _, v := range rep.Periods[0].KPIs {
		want := ""
		if v.Value != nil {
			want = strconv.FormatFloat(*v.Value, 'f', -1, 64)
		}
		got, ok := rows[v.Key]
		if !ok || got != want {
			t.Errorf("row %s: the page says %q, the API %q", v.Key, got, want)
		}
		compared++
	}
	return compared
}

func mustQuarter(t *testing.T, q string) domain.Period {
	t.Helper()
	p, err := domain.ParseQuarter(q)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// pdfText is pdftotext's reading of a PDF (Debian poppler-utils). Without it the test
// skips on a workstation and fails in CI (CI=true): `make debian-packages` installs it.
func pdfText(t *testing.T, pdf []byte, name string) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext is not installed (CI=true): run `make debian-packages`")
		}
		t.Skip("pdftotext is not installed; `make debian-packages` installs it (CI fails instead of skipping)")
	}
	dir := filepath.Join("testdata", "out")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v", path, err)
	}
	return string(out)
}

func get(env *servicetest.Env, tok, path string, header map[string]string) *servicetest.Response {
	return env.Do(servicetest.Request{Method: "GET", Path: path, Token: tok, Header: header})
}

// TestQuarterlyReport renders the fixture district's and the country's quarterly report
// and checks them against the KPI API, prints them to PDF and reads the PDF back.
func TestQuarterlyReport(t *testing.T) {
	env := servicetest.Start(t, analytics.Definition)
	pub := newPublisher(t, env)
	pub.send(fixture.District()...)
	pub.send(fixture.OtherDistrict()...)
	pub.settled()

	deo := env.Token([]string{"deo"}, fixture.Tenant, "")
	analyst := env.Token([]string{"analyst"}, "rw", "")
	district := "/v1/tenants/" + fixture.Tenant + "/reports/quarterly"
	country := "/v1/countries/rw/reports/quarterly"

	t.Run("district page equals the KPI API", func(t *testing.T) {
		r := get(env, deo, district+"?quarter=2026Q4", nil)
		if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("%d %s: %s", r.Status, r.Header.Get("Content-Type"), r.Body)
		}
		if got := r.Header.Get("Content-Language"); got != "en" {
			t.Errorf("Content-Language %q, want en", got)
		}
		page := string(r.Body)
		n := matchesKPIAPI(t, env, deo, page, "/v1/tenants/"+fixture.Tenant+"/kpis", "2026Q4")
		t.Logf("%d values compared with the KPI API", n)
		// Hand-worked: h1 (r1), h2 (r2late, 5 November) and h3 (r3b) meet every standard
		// by the quarter's end; h4's school is unknown. l1 and n1 graduated in October.
		points := chartPoints(page)
		if got := points["2026Q4"]["ht_meeting_all_standards"]; got != "100" {
			t.Errorf("2026Q4 all standards drawn as %q, want 100", got)
		}
		if got := points["2026Q4"]["leaders_graduated"]; got != "2" {
			t.Errorf("2026Q4 leaders graduated drawn as %q, want 2", got)
		}
		for _, want := range []string{"Leadership for Learning", "Gasabo", "2026Q4", "Since last quarter", "Since baseline"} {
			if !strings.Contains(page, want) {
				t.Errorf("page lacks %q", want)
			}
		}
		if strings.Contains(page, "<script") || regexp.MustCompile(`(src|href)="https?:`).MatchString(page) {
			t.Error("the page has a script or an external asset")
		}
		if !strings.Contains(page, `id="notes"`) || !strings.Contains(page, "Units with no data this quarter") {
			t.Error("no data-quality note on the sectors without data")
		}
	})

	t.Run("country page equals the roll-up", func(t *testing.T) {
		start := time.Now()
		r := get(env, analyst, country+"?quarter=2026Q4", nil)
		t.Logf("national report (30 districts × %d quarters): %s", len(chartPoints(string(r.Body))), time.Since(start))
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		n := matchesKPIAPI(t, env, analyst, string(r.Body), "/v1/countries/rw/kpis", "2026Q4")
		t.Logf("%d values compared with the roll-up", n)
		// (3 + 1) of (3 + 1) head teachers meet every standard.
		if got := chartPoints(string(r.Body))["2026Q4"]["ht_meeting_all_standards"]; got != "100" {
			t.Errorf("national all standards drawn as %q, want 100", got)
		}
		if !strings.Contains(string(r.Body), `id="behind"`) || !strings.Contains(string(r.Body), "Kicukiro") {
			t.Error("no districts-furthest-behind table naming Kicukiro")
		}
	})

	t.Run("the default quarter is the last that ended", func(t *testing.T) {
		r := get(env, deo, district, nil)
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		want := domain.QuarterOf(domain.QuarterOf(time.Now().In(time.FixedZone("Africa/Kigali", 2*3600))).FromTime().AddDate(0, 0, -1)).Name
		if !strings.Contains(string(r.Body), "<h1>Quarterly programme report: Gasabo, "+want+"</h1>") {
			t.Errorf("default report is not of %s", want)
		}
	})

	t.Run("PDF", func(t *testing.T) {
		if _, err := exec.LookPath("chromium"); err != nil && os.Getenv("CI") != "true" {
			t.Skip("chromium is not installed; `make debian-packages` installs it (CI fails instead of skipping)")
		}
		start := time.Now()
		r := get(env, deo, district+"?quarter=2026Q4", map[string]string{"Accept": "application/pdf"})
		t.Logf("district PDF: %d bytes in %s", len(r.Body), time.Since(start))
		if b := get(env, deo, district+"?quarter=2026Q4", map[string]string{"Accept": "text/html,application/pdf;q=0.9,*/*;q=0.8"}); !strings.HasPrefix(b.Header.Get("Content-Type"), "text/html") {
			t.Errorf("a browser's Accept got %s", b.Header.Get("Content-Type"))
		}
		if r.Status != 200 || r.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(string(r.Body), "%PDF-") {
			t.Fatalf("%d %s: %.200s", r.Status, r.Header.Get("Content-Type"), r.Body)
		}
		text := pdfText(t, r.Body, "report-gasabo-2026Q4.pdf")
		for _, want := range []string{"Leadership for Learning", "Page 1 of", "Gasabo", "2026Q4",
			"Head teachers meeting every leadership standard", "100%", "Units with no data this quarter"} {
			if !strings.Contains(text, want) {
				t.Errorf("the PDF's text lacks %q", want)
			}
		}
		rep := report(t, env, deo, "/v1/tenants/"+fixture.Tenant+"/kpis?period=quarter&at=2026-10-01")
		for _, key := range []string{"plc_sessions_held", "leaders_graduated", "coaching_coverage"} {
			v := kpi(t, rep.Periods[0].KPIs, key)
			if v.Value == nil {
				continue
			}
			want := strconv.FormatFloat(*v.Value, 'f', -1, 64)
			if v.Unit == domain.Percent {
				want += "%"
			}
			// The row's line starts with the name (a long name wraps onto the next line).
			start := strings.Join(strings.Fields(v.Name)[:3], " ")
			if !regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(start) + `.*\s` + regexp.QuoteMeta(want) + `\s`).MatchString(text) {
				t.Errorf("the PDF does not show %s = %s", v.Name, want)
			}
		}
	})

	t.Run("an empty district says no data yet", func(t *testing.T) {
		tok := env.Token([]string{"deo"}, "rw-nyarugenge", "")
		r := get(env, tok, "/v1/tenants/rw-nyarugenge/reports/quarterly?quarter=2026Q4", nil)
		if r.Status != 200 || !strings.Contains(string(r.Body), "No data yet") || strings.Contains(string(r.Body), `class="point"`) {
			t.Fatalf("%d: %.300s", r.Status, r.Body)
		}
		if _, err := exec.LookPath("chromium"); err != nil && os.Getenv("CI") != "true" {
			t.Skip("chromium is not installed")
		}
		r = get(env, tok, "/v1/tenants/rw-nyarugenge/reports/quarterly?quarter=2026Q4&format=pdf&lang=rw", nil)
		if r.Status != 200 || r.Header.Get("Content-Language") != "rw-RW" {
			t.Fatalf("%d %q: %.300s", r.Status, r.Header.Get("Content-Language"), r.Body)
		}
		text := pdfText(t, r.Body, "report-nyarugenge-rw.pdf")
		for _, want := range []string{"Nta makuru arahari", "Urupapuro 1 kuri", "Leadership for Learning"} {
			if !strings.Contains(text, want) {
				t.Errorf("the Kinyarwanda PDF's text lacks %q:\n%s", want, text)
			}
		}
	})

	t.Run("languages", func(t *testing.T) {
		for _, c := range []struct{ query, accept, lang, says string }{
			{"", "fr-FR,fr;q=0.9,en;q=0.5", "fr-RW", "Rapport trimestriel du programme"},
			{"&lang=fr", "", "fr-RW", "Chefs d'établissement répondant à toutes les normes de leadership"},
			{"", "de-DE", "en", "Quarterly programme report"},
			{"&lang=rw", "", "rw-RW", "Raporo y'igihembwe"},
		} {
			r := get(env, deo, district+"?quarter=2026Q4"+c.query, map[string]string{"Accept-Language": c.accept})
			if r.Status != 200 || r.Header.Get("Content-Language") != c.lang || !strings.Contains(string(r.Body), template(c.says)) {
				t.Errorf("%q %q: %d Content-Language %q, want %q saying %q", c.query, c.accept, r.Status, r.Header.Get("Content-Language"), c.lang, c.says)
			}
		}
	})

	t.Run("a Kenyan county's report in Swahili", func(t *testing.T) {
		tok := env.Token([]string{"cde"}, "ke-nairobi", "")
		r := get(env, tok, "/v1/tenants/ke-nairobi/reports/quarterly?quarter=2026Q4", map[string]string{"Accept-Language": "sw"})
		if r.Status != 200 || r.Header.Get("Content-Language") != "sw-KE" {
			t.Fatalf("%d %q: %.300s", r.Status, r.Header.Get("Content-Language"), r.Body)
		}
		for _, want := range []string{"Kaunti: Nairobi", "Hakuna data bado", "Ripoti ya robo mwaka"} {
			if !strings.Contains(string(r.Body), want) {
				t.Errorf("the Swahili page lacks %q", want)
			}
		}
	})

	t.Run("bad parameters are 400s naming them", func(t *testing.T) {
		for q, field := range map[string]string{
			"quarter=2027Q5": "quarter", "quarter=Q1-2026": "quarter", "quarter=2099Q1": "quarter",
			"format=docx": "format", "lang=sw": "lang", "lang=de": "lang",
		} {
			r := get(env, deo, district+"?"+q, nil)
			if r.Status != 400 || !strings.Contains(string(r.Body), `"field":"`+field+`"`) {
				t.Errorf("%s: %d %s, want 400 naming %s", q, r.Status, r.Body, field)
			}
		}
		r := get(env, deo, district+"?quarter=2027Q5&format=docx&lang=de", nil)
		var named []string
		for _, f := range r.Problem(t).Errors {
			named = append(named, f.Field)
		}
		if strings.Join(named, " ") != "quarter format lang" {
			t.Errorf("three bad parameters: named %v", named)
		}
	})

	t.Run("PDF without Chromium is 503, HTML still served", func(t *testing.T) {
		t.Setenv("L4L_CHROMIUM", filepath.Join(t.TempDir(), "no-chromium"))
		r := get(env, deo, district+"?quarter=2026Q4&format=pdf", nil)
		if r.Status != 503 || !strings.Contains(string(r.Body), "Chromium") {
			t.Errorf("%d %s, want 503 naming Chromium", r.Status, r.Body)
		}
		if r := get(env, deo, district+"?quarter=2026Q4&format=html", nil); r.Status != 200 {
			t.Errorf("HTML: %d", r.Status)
		}
	})

	t.Run("callers refused", func(t *testing.T) {
		for _, c := range []struct {
			name, tok, path string
			status          int
		}{
			{"no token", "", district, 401},
			{"a head teacher", env.Token([]string{"ht"}, fixture.Tenant, ""), district, 403},
			{"an SEO narrowed to a sector", env.Token([]string{"seo"}, fixture.Tenant, fixture.Remera), district, 403},
			{"another district's DEO", env.Token([]string{"deo"}, fixture.Other, ""), district, 403},
			{"a DEO on the national report", deo, country, 403},
			{"Kenya's analyst on Rwanda's report", env.Token([]string{"analyst"}, "ke", ""), country, 403},
			{"an unknown country", env.Token([]string{"analyst"}, "zz", ""), "/v1/countries/zz/reports/quarterly", 404},
		} {
			r := get(env, c.tok, c.path+"?quarter=2026Q4", nil)
			if r.Status != c.status || strings.Contains(string(r.Body), "Gasabo") {
				t.Errorf("%s: %d, want %d: %.200s", c.name, r.Status, c.status, r.Body)
			}
		}
	})
}

// template escapes text as html/template writes it in the page.
func template(s string) string {
	return strings.NewReplacer("'", "&#39;", "&", "&amp;").Replace(s)
}

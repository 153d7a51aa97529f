package report

import (
	"math"
	"strings"
	"testing"

	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/services/analytics/internal/domain"
)

func load(t *testing.T, country string) *profile.Index {
	t.Helper()
	r, err := profile.LoadRegistry(country)
	if err != nil {
		t.Fatal(err)
	}
	x, _ := r.Country(country)
	return x
}

func TestLanguages(t *testing.T) {
	if got := strings.Join(Languages(load(t, "rw")), " "); got != "en rw-RW fr-RW" {
		t.Errorf("Rwanda offers %q", got)
	}
	if got := strings.Join(Languages(load(t, "ke")), " "); got != "en sw-KE" {
		t.Errorf("Kenya offers %q", got)
	}
	rw := []string{"en", "rw-RW", "fr-RW"}
	for _, c := range []struct{ lang, accept, want string }{
		{"", "", "en"},
		{"fr", "", "fr-RW"},
		{"FR-rw", "", "fr-RW"},
		{"rw-RW", "fr", "rw-RW"},
		{"", "fr-CA;q=0.8, rw;q=0.9", "rw-RW"},
		{"", "de, fr;q=0.1", "fr-RW"},
		{"", "de, *", "en"},
		{"", "fr;q=0", "en"},
		{"", "en-GB", "en"},
	} {
		got, err := Choose(rw, c.lang, c.accept)
		if err != nil || got != c.want {
			t.Errorf("Choose(%q, %q) = %q, %v; want %q", c.lang, c.accept, got, err, c.want)
		}
	}
	for _, bad := range []string{"sw", "de", "*"} {
		if _, err := Choose(rw, bad, ""); err == nil {
			t.Errorf("Choose(%q) chose, want an error", bad)
		}
	}
}

// Every translated label has an English original (a misspelt key would never show), and
// a page in each language shows no raw key.
func TestCataloguesAreConsistent(t *testing.T) {
	for lang, labels := range catalogues {
		for key := range labels {
			if _, ok := catalogues[English][key]; !ok && !strings.HasPrefix(key, "kpi.") && !strings.HasPrefix(key, "level.") && !strings.HasPrefix(key, "_") {
				t.Errorf("%s: label %q has no English original", lang, key)
			}
			if k, ok := strings.CutPrefix(key, "kpi."); ok && !isKPI(k) {
				t.Errorf("%s: %q names no KPI", lang, key)
			}
		}
		page, err := HTML(Build(sample(t)), LabelsFor(lang))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(page), "chart.") || strings.Contains(string(page), "note_") {
			t.Errorf("%s: the page shows a raw label key", lang)
		}
	}
}

func isKPI(key string) bool {
	for _, d := range domain.Defs {
		if d.Key == key {
			return true
		}
	}
	return false
}

func val(key, unit string, num, den int) domain.Value {
	v := domain.Value{Key: key, Name: key, Unit: unit, Numerator: num, Denominator: den}
	v.Finish()
	return v
}

// sample is three quarters: nothing, then 1 of 3 head teachers meeting every standard
// and no PLC session, then 2 of 3 and 4 sessions.
func sample(t *testing.T) Input {
	t.Helper()
	qs, err := domain.Periods(load(t, "rw"), domain.Quarter, "2026-10-01", 3)
	if err != nil {
		t.Fatal(err)
	}
	kpis := func(met, sessions, coached int) []domain.Value {
		return []domain.Value{
			val(domain.StandardKeyPrefix+"leading_learning", domain.Percent, met, 3),
			val("ht_meeting_all_standards", domain.Percent, met, 3),
			val("plc_sessions_held", domain.Count, sessions, 0),
			val("coaching_coverage", domain.Percent, coached, 3),
			val("seo_coverage", domain.Percent, 1, 15),
			val("coaching_sessions_per_coach", domain.Ratio, 0, 2),
			val("teachers_meeting_english_benchmark", domain.Percent, 0, 0),
		}
	}
	empty := kpis(0, 0, 0)
	empty[4] = val("seo_coverage", domain.Percent, 0, 15)
	return Input{Programme: "Leadership for Learning", Scope: "rw-gasabo", ScopeName: "Gasabo", ScopeKind: "district",
		Quarters: qs, KPIs: [][]domain.Value{empty, kpis(1, 0, 1), kpis(2, 4, 2)}, AsOf: qs[2].To,
		Units: []Unit{
			{Code: "a", Name: "Remera", KPIs: []domain.Value{val("ht_meeting_all_standards", domain.Percent, 2, 2)}},
			{Code: "b", Name: "Kacyiru", KPIs: []domain.Value{val("ht_meeting_all_standards", domain.Percent, 0, 1), val("plc_sessions_held", domain.Count, 1, 0)}},
			// Head teachers in post, nothing recorded: a data-quality note, not "behind".
			{Code: "c", Name: "Bumbogo", KPIs: []domain.Value{val("ht_meeting_all_standards", domain.Percent, 0, 2)}},
		}}
}

func TestBuild(t *testing.T) {
	r := Build(sample(t))
	if r.Empty || r.First != 1 {
		t.Fatalf("empty %v, first %d; want data from the second quarter", r.Empty, r.First)
	}
	rows := map[string]Row{}
	for _, row := range r.Rows {
		rows[row.Key] = row
	}
	f := func(p *float64) any {
		if p == nil {
			return nil
		}
		return *p
	}
	for _, c := range []struct {
		key             string
		last, base      any
		baselineQuarter string
	}{
		// 2/3 − 1/3 is 33.3 points (66.7 − 33.3 would say 33.4).
		{"ht_meeting_all_standards", 33.3, 33.3, "2026Q3"},
		// No session in 2026Q3: the baseline is the first quarter with one, none yet.
		{"plc_sessions_held", 4.0, nil, ""},
		{"seo_coverage", 0.0, 0.0, "2026Q3"},
	} {
		row := rows[c.key]
		if f(row.SinceLast) != c.last || f(row.SinceBaseline) != c.base || row.Baseline != c.baselineQuarter {
			t.Errorf("%s: since last %v, since baseline %v (%s); want %v, %v (%s)", c.key, f(row.SinceLast),
				f(row.SinceBaseline), row.Baseline, c.last, c.base, c.baselineQuarter)
		}
	}
	if len(r.Behind) != 2 || r.Behind[0].Name != "Kacyiru" || r.Behind[1].Name != "Remera" {
		t.Errorf("behind: %+v", r.Behind)
	}
	if len(r.NoData) != 1 || r.NoData[0] != "Bumbogo" {
		t.Errorf("no data: %v", r.NoData)
	}
	// The sample records PLC sessions and standards, but no coaching session and no
	// lesson observation.
	if strings.Join(r.Gaps, " ") != "note_no_coaching_sessions note_no_observations" {
		t.Errorf("gaps: %v", r.Gaps)
	}
	if len(r.Charts) != len(Headline) {
		t.Fatalf("%d charts", len(r.Charts))
	}
	std := r.Charts[0]
	if len(std.Series) != 2 || std.Series[0].Key != domain.StandardKeyPrefix+"leading_learning" || std.Max != 100 {
		t.Errorf("standards chart: %+v", std)
	}
	for _, c := range r.Charts {
		for _, s := range c.Series {
			for _, p := range s.Points {
				if p.X < padLeft || p.X > float64(c.Width-padRight) || p.Y < padTop || p.Y > float64(c.Height-padBottom) {
					t.Errorf("%s %s %s: point (%v, %v) outside the plot", c.ID, s.Key, p.Quarter, p.X, p.Y)
				}
			}
		}
	}
	plc := r.Charts[1]
	if plc.Max != 5 || len(plc.Series) != 1 || len(plc.Series[0].Points) != 2 || plc.Series[0].Points[1].Value != 4 {
		t.Errorf("PLC chart: max %v, series %+v", plc.Max, plc.Series)
	}
	// Points are placed by value: 4 of a 5 axis is 80% up the plot.
	p := plc.Series[0].Points[1]
	if want := padTop + float64(chartHeight-padTop-padBottom)*0.2; math.Abs(p.Y-want) > 1e-9 {
		t.Errorf("4 of 5 drawn at y %v, want %v", p.Y, want)
	}
}

func TestEmptyScope(t *testing.T) {
	in := sample(t)
	in.KPIs = [][]domain.Value{in.KPIs[0], in.KPIs[0], in.KPIs[0]}
	in.Units = nil
	r := Build(in)
	if !r.Empty {
		t.Fatal("a scope with nothing recorded is not empty")
	}
	page, err := HTML(r, LabelsFor("sw-KE"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), "Hakuna data bado") || strings.Contains(string(page), "<svg") {
		t.Errorf("empty page: %s", page)
	}
}

func TestNiceCeil(t *testing.T) {
	for in, want := range map[float64]float64{0: 1, 0.4: 1, 1: 1, 1.5: 2, 3: 5, 7: 10, 10: 10, 11: 20, 267.5: 500} {
		if got := niceCeil(in); got != want {
			t.Errorf("niceCeil(%v) = %v, want %v", in, got, want)
		}
	}
}

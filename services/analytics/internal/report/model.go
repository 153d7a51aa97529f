// Package report is the quarterly programme report (issue 14): the KPIs of a district or
// a country for a quarter with their change since the last quarter and the baseline,
// charts over time, the units furthest behind and data-quality notes, rendered as an HTML
// page with inline SVG (no external assets) and printed to PDF by headless Chromium. It
// takes KPIs already computed by internal/domain, so every figure equals the KPI API's.
package report

import (
	"math"
	"slices"
	"strings"

	"github.com/l4l-platform/l4l/services/analytics/internal/domain"
)

// MaxQuarters bounds the charts: three years of quarters.
const MaxQuarters = 12

// Input is what a report is made from.
type Input struct {
	Programme string
	// Scope is the tenant or country code; ScopeName its name; ScopeKind the profile's
	// level key ("district", "county") or "country", ScopeKindName that level's name in
	// the profile (the label when no catalogue has "level.<key>").
	Scope, ScopeName, ScopeKind, ScopeKindName string
	// Quarters are oldest first, the last being the report's; KPIs[i] are Quarters[i]'s.
	Quarters []domain.Period
	KPIs     [][]domain.Value
	AsOf     string
	// Units are the units directly below the scope (sectors of a district, districts of a
	// country) with their KPIs for the report's quarter.
	Units  []Unit
	Parked int
}

// Unit is one unit below the scope.
type Unit struct {
	Code, Name string
	KPIs       []domain.Value
}

// Report is what the page shows.
type Report struct {
	Input
	// Empty: nothing recorded in scope up to the end of the quarter.
	Empty bool
	// First is the index in Quarters of the baseline: the first quarter with data.
	First  int
	Rows   []Row
	Charts []Chart
	Behind []Behind
	// NoData are the units with no data this quarter.
	NoData []string
	// Gaps are catalogue keys of what nothing was recorded for this quarter (gapChecks).
	Gaps []string
}

// gapChecks name, for a scope with data, the kinds of record that are missing in the
// quarter: each is a KPI part that is zero when nothing of the kind was recorded.
var gapChecks = []struct {
	key   string
	label string
	part  func(domain.Value) int
}{
	{"plc_sessions_held", "note_no_plc_sessions", func(v domain.Value) int { return v.Numerator }},
	{"coaching_sessions_per_coach", "note_no_coaching_sessions", func(v domain.Value) int { return v.Numerator }},
	{"ht_meeting_all_standards", "note_no_head_teachers", func(v domain.Value) int { return v.Denominator }},
	{"teachers_meeting_english_benchmark", "note_no_observations", func(v domain.Value) int { return v.Denominator }},
}

// Row is one KPI with its changes.
type Row struct {
	domain.Value
	// SinceLast and SinceBaseline are nil when either figure is missing (or there is no
	// earlier quarter). The baseline is the KPI's own first figure from the report's
	// first quarter with data on (Baseline names its quarter): a KPI first measured in
	// 2026Q3 is compared with 2026Q3, not with a quarter when it could not be measured.
	SinceLast, SinceBaseline *float64
	Baseline                 string
}

// Behind is a unit on the "furthest behind" list.
type Behind struct {
	Name  string
	Value float64
	Num   int
	Den   int
}

// ChartSpec is which KPIs a chart draws.
type ChartSpec struct {
	ID   string
	Keys func(keys []string) []string
}

// Headline charts, in the order shown.
var Headline = []ChartSpec{
	{"standards", func(keys []string) []string {
		var out []string
		for _, k := range keys {
			if strings.HasPrefix(k, domain.StandardKeyPrefix) {
				out = append(out, k)
			}
		}
		return append(out, "ht_meeting_all_standards")
	}},
	{"plc", fixed("plc_sessions_held", "plc_active")},
	{"coaching", fixed("coaching_coverage")},
	{"benchmarks", fixed("teachers_meeting_english_benchmark", "teachers_meeting_maths_benchmark")},
	{"certified", fixed("leaders_graduated")},
}

func fixed(keys ...string) func([]string) []string { return func([]string) []string { return keys } }

// HasData says whether a quarter's KPIs count anything recorded: a denominator alone
// (the profile's sectors, the schools the directory lists) is not yet data.
func HasData(vals []domain.Value) bool {
	return slices.ContainsFunc(vals, func(v domain.Value) bool { return v.Numerator > 0 })
}

// hasFigure says whether a KPI has a figure worth comparing with: a count above zero,
// any other unit computed.
func hasFigure(v domain.Value) bool {
	if v.Unit == domain.Count {
		return v.Numerator > 0
	}
	return v.Value != nil
}

// Build makes the report from its input.
func Build(in Input) Report {
	r := Report{Input: in}
	last := len(in.Quarters) - 1
	r.First = slices.IndexFunc(in.KPIs, HasData)
	if r.First < 0 {
		r.Empty, r.First = true, last
	}
	now := in.KPIs[last]
	keys := make([]string, len(now))
	for i, v := range now {
		keys[i] = v.Key
		row := Row{Value: v}
		if last > r.First {
			row.SinceLast = change(v, in.KPIs[last-1][i])
			for q := r.First; q < last; q++ {
				if then := in.KPIs[q][i]; hasFigure(then) {
					row.SinceBaseline, row.Baseline = change(v, then), in.Quarters[q].Name
					break
				}
			}
		}
		r.Rows = append(r.Rows, row)
	}
	if !r.Empty {
		for _, g := range gapChecks {
			i := slices.IndexFunc(now, func(v domain.Value) bool { return v.Key == g.key })
			if i >= 0 && g.part(now[i]) == 0 {
				r.Gaps = append(r.Gaps, g.label)
			}
		}
	}
	for _, c := range Headline {
		r.Charts = append(r.Charts, chart(c.ID, c.Keys(keys), in, r.First))
	}
	for _, u := range in.Units {
		if !HasData(u.KPIs) {
			r.NoData = append(r.NoData, u.Name)
			continue
		}
		i := slices.IndexFunc(u.KPIs, func(v domain.Value) bool { return v.Key == "ht_meeting_all_standards" })
		if i >= 0 && u.KPIs[i].Value != nil {
			v := u.KPIs[i]
			r.Behind = append(r.Behind, Behind{Name: u.Name, Value: *v.Value, Num: v.Numerator, Den: v.Denominator})
		}
	}
	slices.SortStableFunc(r.Behind, func(a, b Behind) int {
		switch {
		case a.Value < b.Value:
			return -1
		case a.Value > b.Value:
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	r.Behind = r.Behind[:min(5, len(r.Behind))]
	return r
}

// change is now − then, from the unrounded figures (2/3 − 1/3 is 33.3 points, not
// 66.7 − 33.3 = 33.4), rounded as the KPI is: percentages in percentage points with
// one decimal, ratios with two.
func change(now, then domain.Value) *float64 {
	if now.Value == nil || then.Value == nil {
		return nil
	}
	exact := func(v domain.Value) float64 {
		switch v.Unit {
		case domain.Percent:
			return 100 * float64(v.Numerator) / float64(v.Denominator)
		case domain.Ratio:
			return float64(v.Numerator) / float64(v.Denominator)
		}
		return *v.Value
	}
	d := exact(now) - exact(then)
	if now.Unit == domain.Percent {
		d = math.Round(d*10) / 10
	} else {
		d = math.Round(d*100) / 100
	}
	if d == 0 {
		d = 0 // no "−0"
	}
	return &d
}

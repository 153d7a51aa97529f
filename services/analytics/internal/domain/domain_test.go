package domain_test

import (
	"math/rand/v2"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/services/analytics/internal/domain"
	analyticsevents "github.com/l4l-platform/l4l/services/analytics/internal/events"
	"github.com/l4l-platform/l4l/services/analytics/internal/fixture"
)

var october = domain.Period{Kind: domain.Month, Name: "2026-10", From: "2026-10-01", To: "2026-10-31"}

const today = "2026-12-08" // after October: snapshots are taken on 2026-10-31

func rwanda(t *testing.T) *profile.Index {
	t.Helper()
	r, err := profile.LoadRegistry("rw")
	if err != nil {
		t.Fatal(err)
	}
	x, _ := r.Country("rw")
	return x
}

// fold keeps the latest event per (type, subject), as the store does.
func fold(t *testing.T, evs []events.Envelope) []domain.Fact {
	t.Helper()
	r, _ := profile.LoadRegistry("rw")
	latest := map[string]domain.Fact{}
	for _, e := range evs {
		f, ok, err := analyticsevents.Fact(r, e)
		if err != nil || !ok {
			t.Fatalf("%s: ok=%v %v", e.Type, ok, err)
		}
		if old, ok := latest[f.Key()]; !ok || f.Newer(old) {
			latest[f.Key()] = f
		}
	}
	var out []domain.Fact
	for _, f := range latest {
		out = append(out, f)
	}
	return out
}

func byKey(vals []domain.Value) map[string]domain.Value {
	out := map[string]domain.Value{}
	for _, v := range vals {
		out[v.Key] = v
	}
	return out
}

type want struct {
	key      string
	num, den int
	value    float64 // -1: null
}

func check(t *testing.T, got []domain.Value, wants []want) {
	t.Helper()
	m := byKey(got)
	for _, w := range wants {
		v, ok := m[w.key]
		if !ok {
			t.Errorf("%s missing", w.key)
			continue
		}
		switch {
		case w.value < 0 && v.Value != nil:
			t.Errorf("%s = %v, want null", w.key, *v.Value)
		case w.value >= 0 && (v.Value == nil || *v.Value != w.value):
			t.Errorf("%s = %v (%d/%d), want %v (%d/%d)", w.key, ptr(v.Value), v.Numerator, v.Denominator, w.value, w.num, w.den)
		case v.Numerator != w.num || v.Denominator != w.den:
			t.Errorf("%s parts %d/%d, want %d/%d", w.key, v.Numerator, v.Denominator, w.num, w.den)
		}
	}
}

func ptr(f *float64) any {
	if f == nil {
		return "null"
	}
	return *f
}

// districtOctober is the fixture district's October 2026, worked out by hand (see
// internal/fixture for the events).
var districtOctober = []want{
	// Head teachers in post at a known school on 31 Oct: h1, h2, h3 (h4's school is unknown).
	// Latest ratings: h1 3,3,3,3 (5 Oct); h2 3,1,3,3 (6 Oct; the 5 Nov one is later);
	// h3 3,3,3,3 (20 Oct replaces 15 Sep's 2s).
	{"ht_meeting_standard_school_direction", 3, 3, 100},
	{"ht_meeting_standard_leading_teaching", 2, 3, 66.7}, // h1, h3 of 3
	{"ht_meeting_standard_leading_learning", 3, 3, 100},
	{"ht_meeting_standard_community_partnership", 3, 3, 100},
	{"ht_meeting_all_standards", 2, 3, 66.7}, // h1, h3
	// PLC groups gR, gK, gD; October sessions p2 (gR) and p3 (gK): 2 active of 3.
	{"plc_active", 2, 3, 2},
	{"plc_sessions_held", 2, 0, 2},
	// Registers: p2 h1 present, h2 absent, l1 present, e1 late; p3 h3 present: (3+1)/(4+1).
	{"plc_attendance_rate", 4, 5, 80},
	// h1 1 of 1, h2 0 of 1, h3 1 of 1 (two thirds needed): 2 of 3.
	{"ht_collaborating_regularly", 2, 3, 66.7},
	// p2 follows p1 in gR: a1 of p1's a1, a2 followed up: 1/2. p3 has no earlier session.
	{"plc_action_follow_up_rate", 1, 2, 50},
	// Coached in October: h1 (cs1, cs4), h2 (cs2); h3 not: 2/3.
	{"coaching_coverage", 2, 3, 66.7},
	// Sessions cs1, cs2, cs3, cs4 by coaches l1, n1: 4/2.
	{"coaching_sessions_per_coach", 4, 2, 2},
	// On 31 Oct l1 holds 2 relationships, n1 1: 3/2.
	{"caseload_mean", 3, 2, 1.5},
	{"coaches_above_caseload_warning", 0, 2, 0},
	// h1 visited 23 Oct, weakest level 3 → every 90 days: fine. h2 last visited 10 Sep,
	// weakest level 1 → every 30 days; 51 days by 31 Oct: overdue. 1 of 2 HT coachees.
	{"overdue_visits", 1, 2, 1},
	// School visits in October: h1 twice, l1 once: 1 of 2 visited again.
	{"repeat_visit_rate", 1, 2, 50},
	// Carried 2+1+0+3, followed up 1+0+0+3: 4/6.
	{"coaching_action_follow_up_rate", 4, 6, 66.7},
	{"recruitment_applications", 2, 0, 2},
	{"recruitment_eligible", 1, 0, 1},
	{"recruitment_offers", 1, 0, 1},
	{"recruitment_appointed", 0, 0, 0}, // starts 1 Nov
	{"recruitment_inducted", 0, 0, 0},
	// Gasabo has 15 sectors; Remera alone has an LLL and an SEO: 1/15.
	{"sectors_with_active_lll", 1, 15, 6.7},
	{"seo_coverage", 1, 15, 6.7},
	// en1, en2 enrolled (en3 withdrew 1 Jun); en1 submitted; en1, en2 issued in October.
	{"accreditation_enrolled", 2, 0, 2},
	{"accreditation_submitted", 1, 0, 1},
	{"leaders_graduated", 2, 0, 2},
	// 10 Jan → 10 Oct = 273 days; 1 Feb → 21 Oct = 262 days; median (273+262)/2.
	{"median_days_to_award", 2, 0, 267.5},
	// English: t1's latest (15 Oct) met, t2 not: 1/2. Maths: t3 met, t1 not: 1/2.
	{"teachers_meeting_english_benchmark", 1, 2, 50},
	{"teachers_meeting_maths_benchmark", 1, 2, 50},
}

func TestKPIsOfTheFixtureDistrict(t *testing.T) {
	x := rwanda(t)
	m := domain.Build(fold(t, fixture.District()), x.Location())
	if m.Parked != 1 {
		t.Errorf("parked %d, want 1 (h4's rating at the unannounced s9)", m.Parked)
	}
	got := domain.Compute(m, domain.DefaultRules(x, fixture.Tenant), october, today, "")
	if len(got) != len(domain.DefsFor(x)) {
		t.Fatalf("%d KPIs, want %d", len(got), len(domain.DefsFor(x)))
	}
	check(t, got, districtOctober)
	if d := byKey(got)["caseload_mean"].Distribution; d["1"] != 1 || d["2"] != 1 || len(d) != 2 {
		t.Errorf("caseload distribution %v, want one coach with 1 and one with 2", d)
	}

	t.Run("a sector", func(t *testing.T) {
		got := domain.Compute(m, domain.DefaultRules(x, fixture.Tenant), october, today, fixture.Remera)
		check(t, got, []want{
			{"ht_meeting_all_standards", 1, 2, 50},   // h1 of h1, h2
			{"plc_active", 1, 1, 1},                  // gR (the district PLC is not Remera's)
			{"plc_attendance_rate", 3, 4, 75},        // p2 only
			{"ht_collaborating_regularly", 1, 2, 50}, // h1
			{"sectors_with_active_lll", 1, 1, 100},   // Remera has l1
			{"teachers_meeting_english_benchmark", 1, 2, 50},
			{"teachers_meeting_maths_benchmark", 0, 1, 0}, // t1 at s1; t3 is in Kacyiru
		})
	})

	t.Run("duplicates and any order change nothing", func(t *testing.T) {
		evs := fixture.District()
		evs = append(evs, evs[:20]...) // redelivered
		rng := rand.New(rand.NewPCG(7, 7))
		for range 5 {
			rng.Shuffle(len(evs), func(i, j int) { evs[i], evs[j] = evs[j], evs[i] })
			facts := fold(t, evs)
			rng.Shuffle(len(facts), func(i, j int) { facts[i], facts[j] = facts[j], facts[i] })
			check(t, domain.Compute(domain.Build(facts, x.Location()), domain.DefaultRules(x, fixture.Tenant), october, today, ""), districtOctober)
		}
	})

	t.Run("the parked rating counts once its school arrives", func(t *testing.T) {
		m := domain.Build(fold(t, append(fixture.District(), fixture.SchoolArrives())), x.Location())
		if m.Parked != 0 {
			t.Errorf("parked %d after the school arrived", m.Parked)
		}
		check(t, domain.Compute(m, domain.DefaultRules(x, fixture.Tenant), october, today, ""), []want{
			{"ht_meeting_all_standards", 3, 4, 75}, // h4 (3,3,3,3) joins: h1, h3, h4 of 4
			{"coaching_coverage", 2, 4, 50},
		})
	})
}

func TestNationalRollUpSumsParts(t *testing.T) {
	x := rwanda(t)
	g := domain.Compute(domain.Build(fold(t, fixture.District()), x.Location()), domain.DefaultRules(x, fixture.Tenant), october, today, "")
	k := domain.Compute(domain.Build(fold(t, fixture.OtherDistrict()), x.Location()), domain.DefaultRules(x, fixture.Other), october, today, "")
	check(t, domain.Sum(g, k), []want{
		{"ht_meeting_all_standards", 3, 4, 75}, // (2+1)/(3+1), not the mean of 66.7 and 100
		{"sectors_with_active_lll", 1, 25, 4},  // Kicukiro's 10 sectors join Gasabo's 15
		{"median_days_to_award", 2, 0, 267.5},  // pooled samples
		{"caseload_mean", 3, 2, 1.5},
	})
}

func TestPeriods(t *testing.T) {
	x := rwanda(t)
	for _, c := range []struct {
		kind, at string
		n        int
		want     []string // names
		from, to string   // of the last
		err      bool
	}{
		{domain.Month, "2026-10-15", 1, []string{"2026-10"}, "2026-10-01", "2026-10-31", false},
		{domain.Month, "2027-01-31", 3, []string{"2026-11", "2026-12", "2027-01"}, "2027-01-01", "2027-01-31", false},
		{domain.Month, "2027-02-10", 1, []string{"2027-02"}, "2027-02-01", "2027-02-28", false},
		{domain.Term, "2026-10-15", 1, []string{"2026-2027 Term 1"}, "2026-09-07", "2026-12-18", false},
		{domain.Term, "2026-12-25", 1, []string{"2026-2027 Term 1"}, "2026-09-07", "2026-12-18", false}, // holiday: the last term
		{domain.Term, "2027-05-01", 5, []string{"2026-2027 Term 1", "2026-2027 Term 2", "2026-2027 Term 3"}, "2027-04-19", "2027-07-09", false},
		{domain.Year, "2027-03-01", 1, []string{"2026-2027"}, "2026-09-07", "2027-07-09", false},
		{domain.Term, "2026-01-01", 1, nil, "", "", true}, // before the calendar
	} {
		ps, err := domain.Periods(x, c.kind, c.at, c.n)
		if c.err {
			if err == nil {
				t.Errorf("%s %s: no error", c.kind, c.at)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %s: %v", c.kind, c.at, err)
			continue
		}
		var names []string
		for _, p := range ps {
			names = append(names, p.Name)
		}
		last := ps[len(ps)-1]
		if !slices.Equal(names, c.want) || last.From != c.from || last.To != c.to {
			t.Errorf("%s %s ×%d = %v %s..%s, want %v %s..%s", c.kind, c.at, c.n, names, last.From, last.To, c.want, c.from, c.to)
		}
	}
	p := domain.Period{From: "2026-10-01", To: "2026-10-31"}
	if p.AsOf("2026-10-15") != "2026-10-15" || p.AsOf("2026-11-02") != "2026-10-31" {
		t.Error("AsOf: today while the period runs, else its end")
	}
}

func TestFactOrder(t *testing.T) {
	t0 := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	a := domain.Fact{Time: t0, EventID: "a"}
	for _, c := range []struct {
		f, g  domain.Fact
		newer bool
	}{
		{domain.Fact{Time: t0.Add(time.Second), EventID: "a"}, a, true},
		{domain.Fact{Time: t0, EventID: "b"}, a, true},
		{a, a, false},
		{domain.Fact{Time: t0.Add(-time.Second), EventID: "z"}, a, false},
	} {
		if c.f.Newer(c.g) != c.newer {
			t.Errorf("%v newer than %v: want %v", c.f, c.g, c.newer)
		}
	}
}

func TestCheckRefusesUnusableData(t *testing.T) {
	for _, c := range []struct {
		typ, data, want string
	}{
		{domain.RatingRecorded, `{"head_teacher_id":"h","school_id":"s","date":"2026-10-01","areas":[]}`, ""},
		{domain.RatingRecorded, `{"head_teacher_id":"h","date":"2026-10-01","areas":[]}`, "school_id"},
		{domain.SchoolCreated, `{"school_id":"s","unit":""}`, "unit"},
		{domain.PLCHeld, `[1,2]`, "data is not a JSON object"},
		{domain.CredentialIssued, `{}`, ""}, // read defensively: the subject and event time stand in
	} {
		if got := domain.Check(c.typ, []byte(c.data)); got != c.want {
			t.Errorf("%s %s: %q, want %q", c.typ, c.data, got, c.want)
		}
	}
}

// TestDocsListTheKPIsOfTheCode keeps docs/kpis.md and Defs the same list.
func TestDocsListTheKPIsOfTheCode(t *testing.T) {
	doc, err := os.ReadFile("../../docs/kpis.md")
	if err != nil {
		t.Fatal(err)
	}
	var documented []string
	for _, m := range regexp.MustCompile("(?m)^### `([a-z0-9_<>]+)`").FindAllStringSubmatch(string(doc), -1) {
		documented = append(documented, m[1])
	}
	coded := []string{domain.StandardKeyPrefix + "<area>"}
	for _, d := range domain.Defs {
		coded = append(coded, d.Key)
	}
	if !slices.Equal(documented, coded) {
		t.Errorf("docs/kpis.md documents\n%s\nthe code defines\n%s", strings.Join(documented, ", "), strings.Join(coded, ", "))
	}
	for _, d := range domain.Defs {
		sec := string(doc)[strings.Index(string(doc), "### `"+d.Key+"`"):]
		if i := strings.Index(sec[4:], "### "); i > 0 {
			sec = sec[:i+4]
		}
		for _, part := range []string{"Numerator", "Denominator", "Window", "Unit: " + d.Unit} {
			if !strings.Contains(sec, part) {
				t.Errorf("docs/kpis.md: %s does not state its %s", d.Key, part)
			}
		}
	}
}

// Every field Required names can be checked (present.field panics on a forgotten one).
func TestEveryRequiredFieldIsChecked(t *testing.T) {
	for typ, keys := range domain.Required {
		for _, k := range keys {
			if got := domain.Check(typ, []byte(`{}`)); got == "" {
				t.Errorf("%s: an empty object passes, %s missing", typ, k)
			}
			_ = domain.Check(typ, []byte(`{"`+k+`":"x"}`))
		}
	}
}

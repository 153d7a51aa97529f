package domain

import (
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/profile"
)

func rwanda(t *testing.T) Tenant {
	t.Helper()
	s, err := profile.Load("rw")
	if err != nil {
		t.Fatal(err)
	}
	return Tenant{Code: "rw-gasabo", Profile: profile.NewIndex(s)}
}

const today = "2026-11-23"

var now = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// roster builds a roster from "person role unit" lines; schools are "school sector".
func roster(schools map[string]string, lines ...string) Roster {
	r := Roster{Schools: schools, People: map[string]string{}}
	for i, l := range lines {
		var p, role, unit string
		fmt.Sscan(l, &p, &role, &unit)
		r.Assignments = append(r.Assignments, Assignment{ID: fmt.Sprintf("a%02d", i), PersonID: p, Role: role, Unit: unit, StartDate: "2025-01-06"})
	}
	return r
}

// apply plays Changes onto the active relationships, as the store would.
func apply(current []Relationship, ch Changes) []Relationship {
	ended := map[string]bool{}
	for _, e := range ch.End {
		ended[e.ID] = true
	}
	var out []Relationship
	for _, r := range current {
		if !ended[r.ID] {
			out = append(out, r)
		}
	}
	return append(out, ch.Start...)
}

func coaches(rels []Relationship, link string) map[string]string {
	out := map[string]string{}
	for _, r := range rels {
		if r.Link == link {
			out[r.CoacheeID] = r.CoachID
		}
	}
	return out
}

func TestChainAndFallback(t *testing.T) {
	tn := rwanda(t)
	links := Chain(tn.Profile)
	if !slices.Equal(links, []Link{{"lll", "ht"}, {"nll", "lll"}, {"sla", "nll"}}) {
		t.Fatalf("chain %v", links)
	}
	for coach, want := range map[string]string{"lll": "seo", "nll": "deo", "sla": ""} {
		if got := FallbackRole(tn.Profile, coach); got != want {
			t.Errorf("fallback of %s: %q, want %q", coach, got, want)
		}
	}
	if RatedRole(tn.Profile) != "ht" {
		t.Fatal("rated role")
	}
}

func TestPlan(t *testing.T) {
	tn := rwanda(t)
	schools := map[string]string{}
	for i := 1; i <= 12; i++ {
		schools[fmt.Sprintf("s%02d", i)] = "rw-gasabo-remera"
	}
	schools["k1"] = "rw-gasabo-kacyiru"
	schools["x1"] = "rw-kicukiro-niboye" // another district's school: ignored
	hts := func(n int) []string {
		var out []string
		for i := 1; i <= n; i++ {
			out = append(out, fmt.Sprintf("h%02d ht s%02d", i, i))
		}
		return out
	}
	cases := []struct {
		name  string
		lines []string
		want  map[string]string // lll>ht coachee → coach
	}{
		{"an LLL coaches the other head teachers of its sector",
			append(hts(4), "h01 lll rw-gasabo-remera", "e1 seo rw-gasabo-remera"),
			map[string]string{"h02": "h01", "h03": "h01", "h04": "h01"}},
		{"two LLLs split the sector evenly",
			append(hts(7), "h01 lll rw-gasabo-remera", "h02 lll rw-gasabo-remera"),
			map[string]string{"h03": "h01", "h04": "h02", "h05": "h01", "h06": "h02", "h07": "h01"}},
		{"no LLL: the SEO covers",
			append(hts(2), "e1 seo rw-gasabo-remera"),
			map[string]string{"h01": "e1", "h02": "e1"}},
		{"no LLL and no SEO: uncovered",
			hts(2), map[string]string{}},
		{"beyond the caseload limit the SEO covers the rest",
			append(hts(11), "h01 lll rw-gasabo-remera", "e1 seo rw-gasabo-remera"),
			map[string]string{"h02": "h01", "h03": "h01", "h04": "h01", "h05": "h01", "h06": "h01", "h07": "h01", "h08": "h01", "h09": "h01", "h10": "e1", "h11": "e1"}},
		{"an LLL of another sector does not coach here",
			append(hts(1), "k9 lll rw-gasabo-kacyiru", "e1 seo rw-gasabo-remera"),
			map[string]string{"h01": "e1"}},
		{"schools outside the tenant or unknown are skipped",
			[]string{"h01 ht x1", "h02 ht nowhere", "h03 lll rw-gasabo-remera"},
			map[string]string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ch := Plan(tn, roster(schools, c.lines...), nil, today, now)
			if got := coaches(ch.Start, "lll>ht"); !maps.Equal(got, c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
			// Planning again on the result changes nothing.
			if again := Plan(tn, roster(schools, c.lines...), ch.Start, today, now); !again.Empty() {
				t.Fatalf("not idempotent: %+v", again)
			}
		})
	}
}

func TestPlanOverTime(t *testing.T) {
	tn := rwanda(t)
	schools := map[string]string{"s1": "rw-gasabo-remera", "s2": "rw-gasabo-remera", "s3": "rw-gasabo-remera", "s4": "rw-gasabo-remera", "s5": "rw-gasabo-remera"}
	r := roster(schools, "h1 ht s1", "h2 ht s2", "h3 ht s3", "h4 ht s4", "h5 ht s5", "e1 seo rw-gasabo-remera", "h1 lll rw-gasabo-remera", "n1 nll rw-gasabo")
	rels := apply(nil, Plan(tn, r, nil, today, now))
	if got := coaches(rels, "lll>ht"); len(got) != 4 || got["h5"] != "h1" {
		t.Fatalf("start: %v", got)
	}
	if got := coaches(rels, "nll>lll"); got["h1"] != "n1" {
		t.Fatalf("nll: %v", got)
	}

	// A manual relationship is kept through rebalancing, and counts in the load.
	for i := range rels {
		if rels[i].CoacheeID == "h5" {
			rels[i].Source = SourceManual
		}
	}
	// A second LLL arrives: 3 coachees (h3, h4, h5), h5 pinned to h1.
	r.Assignments = append(r.Assignments, Assignment{ID: "b1", PersonID: "h2", Role: "lll", Unit: "rw-gasabo-remera", StartDate: "2026-11-01"})
	ch := Plan(tn, r, rels, today, now)
	rels = apply(rels, ch)
	got := coaches(rels, "lll>ht")
	if got["h5"] != "h1" || len(got) != 3 || (got["h3"] == got["h4"]) == (got["h3"] == "h1") {
		// h1 keeps h5 and one of h3/h4; h2 gets the other.
		t.Fatalf("after a second LLL: %v", got)
	}
	for _, s := range ch.Start {
		if s.StartDate != "2026-11-01" && s.StartDate != today {
			t.Fatalf("start date %s", s.StartDate)
		}
	}

	// Both LLLs leave: everyone to the SEO, as interim.
	for i := range r.Assignments {
		if r.Assignments[i].Role == "lll" {
			r.Assignments[i].EndDate = today
		}
	}
	ch = Plan(tn, r, rels, today, now)
	rels = apply(rels, ch)
	for _, rel := range rels {
		if rel.Link == "lll>ht" && (rel.CoachID != "e1" || rel.Source != SourceInterim) {
			t.Fatalf("after the exits: %+v", rel)
		}
	}
	if got := coaches(rels, "lll>ht"); len(got) != 5 {
		t.Fatalf("covered: %v", got)
	}
	if got := coaches(rels, "nll>lll"); len(got) != 0 {
		t.Fatalf("nll still coaches ended LLLs: %v", got)
	}
	for _, e := range ch.End {
		if e.Reason != EndCoachLeft && e.Reason != EndCoacheeLeft {
			t.Fatalf("reason %s", e.Reason)
		}
	}
	// A replacement takes over from the SEO; the rest of the plan is stable.
	r.Assignments = append(r.Assignments, Assignment{ID: "b2", PersonID: "h3", Role: "lll", Unit: "rw-gasabo-remera", StartDate: today})
	ch = Plan(tn, r, rels, today, now)
	rels = apply(rels, ch)
	if got := coaches(rels, "lll>ht"); len(got) != 4 || got["h1"] != "h3" || got["h5"] != "h3" {
		t.Fatalf("after the replacement: %v", got)
	}
	if Plan(tn, r, rels, today, now).Empty() == false {
		t.Fatal("not stable")
	}
}

func TestNewManualCaseload(t *testing.T) {
	tn := rwanda(t)
	r := roster(map[string]string{"s1": "rw-gasabo-remera"}, "h1 ht s1", "l1 lll rw-gasabo-remera")
	f := ManualFields{CoachID: "l1", CoachRole: "lll", CoacheeID: "h1", CoacheeRole: "ht"}
	cases := []struct {
		name   string
		load   int
		reason string
		deo    bool
		kind   problem.Kind
	}{
		{"under the limit", 7, "", false, -1},
		{"at the limit", 8, "", true, problem.Conflict},
		{"an SEO cannot override", 8, "sector too big", false, problem.Conflict},
		{"a DEO overrides with a reason", 8, "sector too big", true, -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.OverrideReason = c.reason
			rel, err := NewManual(tn, f, r, c.load, Caller{PersonID: "d1", IsDEO: c.deo}, today, now)
			if c.kind == -1 {
				if err != nil || rel.Source != SourceManual || (c.reason != "") != (rel.Override != nil) {
					t.Fatalf("%v %+v", err, rel)
				}
				return
			}
			if !problem.Is(err, c.kind) {
				t.Fatalf("got %v", err)
			}
		})
	}
	_, err := NewManual(tn, ManualFields{CoachID: "h1", CoachRole: "ht", CoacheeID: "l1", CoacheeRole: "lll"}, r, 0, Caller{}, today, now)
	if fields(err) != "coach_role" {
		t.Fatalf("not a link: %v", err)
	}
	_, err = NewManual(tn, ManualFields{CoachID: "x", CoachRole: "lll", CoacheeID: "h9", CoacheeRole: "ht", StartDate: "soon"}, r, 0, Caller{}, today, now)
	if fields(err) != "coach_id,coachee_id,start_date" {
		t.Fatalf("unknown people: %v", err)
	}
}

func fields(err error) string {
	var e *problem.Error
	if p, ok := err.(*problem.Error); ok {
		e = p
	}
	if e == nil {
		return ""
	}
	s := ""
	for i, f := range e.Fields {
		if i > 0 {
			s += ","
		}
		s += f.Field
	}
	return s
}

func TestNewSession(t *testing.T) {
	tn := rwanda(t)
	rel := Relationship{ID: "r1", Link: "lll>ht", CoachID: "l1", CoachRole: "lll", CoacheeID: "h1", CoacheeRole: "ht", StartDate: "2026-01-05", Units: []string{"s1"}}
	prior := Session{ID: "p1", Date: "2026-10-01", Actions: []Action{{ID: "p1.1", Description: "x"}, {ID: "p1.2", Description: "y"}},
		FollowUps: nil}
	closed := Session{ID: "p2", Date: "2026-10-15", FollowUps: []FollowUp{{ActionID: "p1.2", Status: FollowDone}}}
	states := Actions([]Session{closed, prior})
	sc := SessionContext{Relationship: &rel, Actions: states, Roster: roster(nil, "o1 seo rw-gasabo-remera")}
	ok := SessionFields{RelationshipID: "r1", Date: "2026-11-20", Mode: ModeSchoolVisit, DurationMinutes: 60}
	cases := []struct {
		name   string
		mutate func(*SessionFields)
		caller string
		fields string
		kind   problem.Kind
	}{
		{"valid", func(*SessionFields) {}, "l1", "", -1},
		{"not the coach", func(*SessionFields) {}, "h1", "", problem.Forbidden},
		{"future", func(f *SessionFields) { f.Date = "2026-11-24" }, "l1", "date", problem.Invalid},
		{"before the relationship", func(f *SessionFields) { f.Date = "2025-12-31" }, "l1", "date", problem.Invalid},
		{"unknown area and mode", func(f *SessionFields) { f.FocusAreas = []string{"x"}; f.Mode = "fax" }, "l1", "focus_areas[0],mode", problem.Invalid},
		{"follow-ups", func(f *SessionFields) {
			f.FollowUps = []FollowUp{{ActionID: "p1.2", Status: FollowDone}, {ActionID: "zz", Status: "maybe"}}
		}, "l1", "follow_ups[0].action_id,follow_ups[1].action_id,follow_ups[1].status", problem.Invalid},
		{"observer is the coachee", func(f *SessionFields) { f.ObserverID = "h1" }, "l1", "observer_id", problem.Invalid},
		{"unknown observer", func(f *SessionFields) { f.ObserverID = "ghost" }, "l1", "observer_id", problem.Invalid},
		{"duration", func(f *SessionFields) { f.DurationMinutes = 0 }, "l1", "duration_minutes", problem.Invalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := ok
			c.mutate(&f)
			s, err := NewSession(tn, f, sc, c.caller, now)
			if c.kind == -1 {
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(s.CarriedActions, []string{"p1.1"}) {
					t.Fatalf("carried %v", s.CarriedActions)
				}
				return
			}
			if !problem.Is(err, c.kind) || fields(err) != c.fields {
				t.Fatalf("got %v (fields %q), want %v %q", err, fields(err), c.kind, c.fields)
			}
		})
	}
	s, err := NewSession(tn, SessionFields{RelationshipID: "r1", Date: "2026-11-21", Mode: ModePhone, DurationMinutes: 5,
		ObserverID: "o1", Actions: []ActionFields{{Description: "a"}}, FollowUps: []FollowUp{{ActionID: "p1.1", Status: FollowInProgress}}}, sc, "l1", now)
	if err != nil || !s.Observed || s.Actions[0].ID != s.ID+".1" {
		t.Fatalf("%v %+v", err, s)
	}
	s.Apply(states)
	if !states["p1.1"].Open() || states["p1.1"].Status != FollowInProgress || !states[s.ID+".1"].Open() {
		t.Fatalf("states %+v", states)
	}
}

func TestRatingsAndStandards(t *testing.T) {
	tn := rwanda(t)
	by := Rater{PersonID: "l1", Role: "lll"}
	_, err := NewRating(tn, RatingFields{HeadTeacherID: "h1", Date: "2026-11-01", Areas: []AreaRatingInput{
		{Area: "leading_teaching", Level: 0}, {Area: "leading_teaching", Level: 2}, {Area: "x", Level: 1},
		{Area: "leading_learning", Level: 2, Indicators: []IndicatorNote{{Key: "shared_vision"}}}}}, "s1", nil, by, now)
	if fields(err) != "areas[0].level,areas[1].area,areas[2].area,areas[3].indicators[0].key" {
		t.Fatalf("%v", err)
	}
	if _, err := NewRating(tn, RatingFields{HeadTeacherID: "h1", Date: "2026-11-01"}, "", nil, by, now); fields(err) != "areas,head_teacher_id" {
		t.Fatalf("%v", err)
	}
	mk := func(id, date string, levels map[string]int) Rating {
		f := RatingFields{ID: "", HeadTeacherID: "h1", Date: date}
		for _, a := range areaKeys(tn.Profile) {
			if l, ok := levels[a]; ok {
				f.Areas = append(f.Areas, AreaRatingInput{Area: a, Level: l})
			}
		}
		r, err := NewRating(tn, f, "s1", nil, by, now)
		if err != nil {
			t.Fatal(err)
		}
		r.ID = id
		return r
	}
	all3 := map[string]int{"school_direction": 3, "leading_teaching": 3, "leading_learning": 3, "community_partnership": 4}
	cases := []struct {
		name    string
		ratings []Rating
		meets   bool
		lowest  int
	}{
		{"never rated", nil, false, 0},
		{"all at the threshold", []Rating{mk("r1", "2026-01-01", all3)}, true, 3},
		{"a later lower rating in one area decides", []Rating{mk("r1", "2026-01-01", all3), mk("r2", "2026-06-01", map[string]int{"leading_teaching": 2})}, false, 2},
		{"an older rating recorded later does not", []Rating{mk("r3", "2025-06-01", map[string]int{"leading_teaching": 1}), mk("r1", "2026-01-01", all3)}, true, 3},
		{"not every area rated", []Rating{mk("r1", "2026-01-01", map[string]int{"leading_teaching": 4})}, false, 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, meets := Standards(tn, c.ratings)
			if meets != c.meets || LowestLevel(st) != c.lowest {
				t.Fatalf("meets %v lowest %d: %+v", meets, LowestLevel(st), st)
			}
		})
	}
}

func TestRhythm(t *testing.T) {
	for level, want := range map[int]int{0: 30, 1: 30, 2: 60, 3: 90, 4: 180, 5: 180} {
		if got := VisitInterval(level); got != want {
			t.Errorf("level %d: %d days, want %d", level, got, want)
		}
	}
	rels := []Relationship{{ID: "r1", CoacheeID: "a"}, {ID: "r2", CoacheeID: "b"}, {ID: "r3", CoacheeID: "c"}, {ID: "r4", CoacheeID: "d"}, {ID: "r5", CoacheeID: "e"}}
	visits := map[string]string{"b": "2026-10-01", "c": "2026-10-30", "d": "2026-11-01", "e": "2026-11-10"}
	levels := map[string]int{"b": 1, "c": 1, "d": 4, "e": 2}
	got := Rhythm(rels, visits, levels, today, 14)
	want := []struct {
		who, status string
		overdue     int
	}{{"a", RhythmNeverVisited, 0}, {"b", RhythmOverdue, 23}, {"c", RhythmDue, 0}, {"e", RhythmOnTrack, 0}, {"d", RhythmOnTrack, 0}}
	for i, w := range want {
		if got[i].CoacheeID != w.who || got[i].Status != w.status || got[i].DaysOverdue != w.overdue {
			t.Fatalf("entry %d: %+v, want %+v", i, got[i], w)
		}
	}
}

func TestNewObservation(t *testing.T) {
	tn := rwanda(t)
	yes := true
	by := Observer{PersonID: "h1", Role: "ht"}
	if _, err := NewObservation(tn, ObservationFields{TeacherID: "t1", Date: "2026-11-01", Subject: "english", Items: []RubricItem{{Key: "phonics", Score: 3}}, BenchmarkMet: &yes}, "s1", nil, by, now); err != nil {
		t.Fatal(err)
	}
	_, err := NewObservation(tn, ObservationFields{TeacherID: "t9", Date: "2027-01-01", Subject: "English!", Items: []RubricItem{{Key: "a", Score: 5}, {Key: "a", Score: 1}}}, "", nil, by, now)
	if fields(err) != "benchmark_met,date,items[0].score,items[1].key,subject,teacher_id" {
		t.Fatalf("%v", err)
	}
}

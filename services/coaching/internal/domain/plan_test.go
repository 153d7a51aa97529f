package domain

import (
	"reflect"
	"slices"
	"testing"

	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/profile"
)

func goodContent() PlanContent {
	return PlanContent{
		Priorities: []Priority{
			{Key: "p3_reading", Title: "Raise P3 reading in English", Areas: []string{"leading_learning"}, LearningOutcomes: []string{"english"}},
			{Key: "parents", Title: "Parents read with their children", Areas: []string{"community_partnership"}},
		},
		Actions: []PlanAction{
			{Key: "reading_club", Priority: "p3_reading", Description: "Daily reading club", Owner: "Deputy head teacher", Start: "2026-09-14", Due: "2026-12-11"},
			{Key: "parent_day", Priority: "parents", Description: "Termly parents' reading day", Owner: "School committee", Due: "2026-11-20"},
		},
		Targets: []Target{{Key: "p3_fluency", Priority: "p3_reading", Description: "P3 pupils reading 40 words a minute", Subject: "english", Baseline: ptr(38.0), Value: 60, By: "2027-07-09"}},
		Inclusion: Inclusion{LearnersWithDisabilities: "Ramps; large-print readers", Girls: "Girls' reading mentors",
			DropoutRisk: "Home visits after three absences", DropoutIdentification: "Attendance register reviewed monthly"},
	}
}

func ptr[T any](v T) *T { return &v }

func allRated(rating string) []CriterionRating {
	var out []CriterionRating
	for _, c := range DefaultPlanRules.Criteria {
		out = append(out, CriterionRating{Key: c.Key, Rating: rating})
	}
	return out
}

func with(ratings []CriterionRating, key, rating string) []CriterionRating {
	out := slices.Clone(ratings)
	for i := range out {
		if out[i].Key == key {
			out[i].Rating = rating
		}
	}
	return out
}

func TestPlanRulesForProfiles(t *testing.T) {
	rw := PlanRulesFor(rwanda(t).Profile)
	ke := PlanRulesFor(kenya(t).Profile)
	for _, tc := range []struct {
		name      string
		got, want []string
	}{
		{"rw reviewers", rw.ReviewerRoles, []string{"seo", "deo"}},
		{"rw risk recorders", rw.RiskRecorderRoles, []string{"seo", "deo", "field_staff"}},
		{"ke reviewers", ke.ReviewerRoles, []string{"cso", "scde", "cde"}},
	} {
		if !slices.Equal(tc.got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

func kenya(t *testing.T) Tenant {
	t.Helper()
	s, err := profile.Load("ke")
	if err != nil {
		t.Fatal(err)
	}
	return Tenant{Code: "ke-nairobi", Profile: profile.NewIndex(s)}
}

func TestAssess(t *testing.T) {
	all := allRated(RatingMet)
	for _, tc := range []struct {
		name                   string
		ratings                []CriterionRating
		quality, inclusion, ok bool
	}{
		{"every criterion met", all, true, true, true},
		{"an optional quality criterion partly met", with(all, "resources", RatingPartly), true, true, true},
		{"two optional quality criteria partly met: four still met", with(with(all, "resources", RatingPartly), "uses_data", RatingPartly), true, true, true},
		{"an optional quality criterion not met", with(all, "monitoring", RatingNotMet), false, true, false},
		{"a required quality criterion partly met", with(all, "learning_focus", RatingPartly), false, true, false},
		{"girls partly met", with(all, "girls", RatingPartly), true, false, false},
		{"drop-out risk not met", with(all, "dropout_risk", RatingNotMet), true, false, false},
		{"nothing met", allRated(RatingNotMet), false, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := DefaultPlanRules.Assess(tc.ratings)
			if a.MeetsQuality != tc.quality || a.InclusionMet != tc.inclusion || a.MeetsQualityAndInclusion != tc.ok {
				t.Fatalf("got quality %v inclusion %v both %v (%+v)", a.MeetsQuality, a.InclusionMet, a.MeetsQualityAndInclusion, a)
			}
			if a.Met+a.Partly+a.NotMet != len(DefaultPlanRules.Criteria) {
				t.Fatalf("counts %+v", a)
			}
		})
	}
	// Three of six quality criteria met (the three required) is below the rule's four.
	few := with(with(with(all, "uses_data", RatingPartly), "resources", RatingPartly), "monitoring", RatingPartly)
	if a := DefaultPlanRules.Assess(few); a.MeetsQuality || a.Met != 6 || a.Partly != 3 {
		t.Fatalf("three quality criteria met: %+v", a)
	}
}

func TestNewPlanFields(t *testing.T) {
	tn := rwanda(t)
	for _, tc := range []struct {
		field string
		edit  func(*PlanFields)
	}{
		{"school_id", func(f *PlanFields) { f.SchoolID = "" }},
		{"school_year", func(f *PlanFields) { f.SchoolYear = "2019-2020" }},
		{"priorities", func(f *PlanFields) { f.Priorities = nil }},
		{"priorities[1].key", func(f *PlanFields) { f.Priorities[1].Key, f.Actions[1].Priority = "Parents", "Parents" }},
		{"priorities[1].key", func(f *PlanFields) { f.Priorities[1].Key, f.Actions[1].Priority = "p3_reading", "p3_reading" }},
		{"priorities[0].areas[0]", func(f *PlanFields) { f.Priorities[0].Areas = []string{"charisma"} }},
		{"priorities[0].areas", func(f *PlanFields) { f.Priorities[0].Areas = nil }},
		{"priorities[0].learning_outcomes[0]", func(f *PlanFields) { f.Priorities[0].LearningOutcomes = []string{"latin"} }},
		{"priorities[1].title", func(f *PlanFields) { f.Priorities[1].Title = "  " }},
		{"actions", func(f *PlanFields) { f.Actions = nil }},
		{"actions[0].priority", func(f *PlanFields) { f.Actions[0].Priority = "nope" }},
		{"actions[0].owner", func(f *PlanFields) { f.Actions[0].Owner = "" }},
		{"actions[1].due", func(f *PlanFields) { f.Actions[1].Due = "soon" }},
		{"actions[0].start", func(f *PlanFields) { f.Actions[0].Start = "2027-01-01" }},
		{"targets[0].key", func(f *PlanFields) { f.Targets[0].Key = "reading_club" }},
		{"targets[0].subject", func(f *PlanFields) { f.Targets[0].Subject = "art" }},
		{"targets[0].by", func(f *PlanFields) { f.Targets[0].By = "" }},
		{"inclusion.girls", func(f *PlanFields) { f.Inclusion.Girls = "" }},
		{"inclusion.dropout_identification", func(f *PlanFields) { f.Inclusion.DropoutIdentification = "" }},
	} {
		t.Run(tc.field, func(t *testing.T) {
			f := PlanFields{SchoolID: "sch-1", SchoolYear: "2026-2027", PlanContent: goodContent()}
			f.Priorities = slices.Clone(f.Priorities)
			f.Actions = slices.Clone(f.Actions)
			f.Targets = slices.Clone(f.Targets)
			tc.edit(&f)
			_, err := NewPlan(tn, DefaultPlanRules, f, "ht-1", []string{"sch-1"}, now)
			var pe *problem.Error
			if !problem.Is(err, problem.Invalid) || !asProblem(err, &pe) || len(pe.Fields) != 1 || pe.Fields[0].Field != tc.field {
				t.Fatalf("want one error on %s, got %v %+v", tc.field, err, pe)
			}
		})
	}
	p, err := NewPlan(tn, DefaultPlanRules, PlanFields{SchoolID: "sch-1", SchoolYear: "2026-2027", PlanContent: goodContent()}, "ht-1", []string{"sch-1"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != PlanSubmitted || p.CurrentVersion != 0 || len(p.Versions) != 1 || p.SchoolYearKey != "sch-1|2026-2027" || !p.Latest().FocusedOnLearning() {
		t.Fatalf("plan %+v", p)
	}
}

func asProblem(err error, pe **problem.Error) bool {
	e, ok := err.(*problem.Error)
	*pe = e
	return ok
}

func submitted(t *testing.T) SchoolPlan {
	t.Helper()
	p, err := NewPlan(rwanda(t), DefaultPlanRules, PlanFields{SchoolID: "sch-2", SchoolYear: "2026-2027", PlanContent: goodContent()}, "ht-2", []string{"sch-2", "rw-gasabo-remera"}, now)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var coach = Reviewer{PersonID: "ht-1", Role: "lll"}

func TestReviewRules(t *testing.T) {
	good := ReviewFields{Version: 1, Decision: DecisionApprove, Criteria: allRated(RatingMet)}
	for _, tc := range []struct {
		name  string
		f     ReviewFields
		by    Reviewer
		kind  problem.Kind
		field string
	}{
		{"own plan", good, Reviewer{PersonID: "ht-2", Role: "seo"}, problem.Forbidden, ""},
		{"an old version", ReviewFields{Version: 2, Decision: DecisionApprove, Criteria: allRated(RatingMet)}, coach, problem.Invalid, "version"},
		{"unknown decision", ReviewFields{Version: 1, Decision: "maybe", Criteria: allRated(RatingMet)}, coach, problem.Invalid, "decision"},
		{"unknown criterion", ReviewFields{Version: 1, Decision: DecisionApprove, Criteria: append(allRated(RatingMet), CriterionRating{Key: "beauty", Rating: RatingMet})}, coach, problem.Invalid, "criteria[9].key"},
		{"a criterion missing", ReviewFields{Version: 1, Decision: DecisionApprove, Criteria: allRated(RatingMet)[1:]}, coach, problem.Invalid, "criteria"},
		{"a bad rating", ReviewFields{Version: 1, Decision: DecisionApprove, Criteria: with(allRated(RatingMet), "girls", "so-so")}, coach, problem.Invalid, "criteria[7].rating"},
		{"changes without a comment", ReviewFields{Version: 1, Decision: DecisionRequestChanges, Criteria: allRated(RatingMet)}, coach, problem.Invalid, "comment"},
		{"approving below the criteria", ReviewFields{Version: 1, Decision: DecisionApprove, Criteria: with(allRated(RatingMet), "girls", RatingPartly)}, coach, problem.Invalid, "decision"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := submitted(t)
			before := p
			before.Versions = slices.Clone(p.Versions)
			_, err := p.Review(DefaultPlanRules, tc.f, tc.by, now)
			if problem.KindOf(err) != tc.kind {
				t.Fatalf("want %v, got %v", tc.kind, err)
			}
			if tc.field != "" {
				var pe *problem.Error
				if !asProblem(err, &pe) || len(pe.Fields) != 1 || pe.Fields[0].Field != tc.field {
					t.Fatalf("want field %s, got %+v", tc.field, pe)
				}
			}
			if !reflect.DeepEqual(p, before) {
				t.Fatalf("a refused review changed the plan")
			}
		})
	}
}

func TestReviewResubmitApproveSelfReview(t *testing.T) {
	tn := rwanda(t)
	p := submitted(t)
	if _, err := p.RecordSelfReview(tn, SelfReviewFields{Date: today, Items: []SelfReviewItem{{Ref: "reading_club", Status: ItemOnTrack}}}, "ht-2", now); !problem.Is(err, problem.Conflict) {
		t.Fatalf("self-review of an unapproved plan: %v", err)
	}
	r, err := p.Review(DefaultPlanRules, ReviewFields{Version: 1, Decision: DecisionRequestChanges, Criteria: with(allRated(RatingMet), "dropout_risk", RatingNotMet), Comment: "Say how at-risk children are followed up"}, coach, now)
	if err != nil || r.MeetsQualityAndInclusion || p.Status != PlanChangesRequested || p.CurrentVersion != 0 {
		t.Fatalf("request changes: %v %+v %+v", err, r, p)
	}
	if _, err := p.Review(DefaultPlanRules, ReviewFields{Version: 1, Decision: DecisionApprove, Criteria: allRated(RatingMet)}, coach, now); !problem.Is(err, problem.Conflict) {
		t.Fatalf("a second review of a version with changes requested: %v", err)
	}
	if err := p.Resubmit(tn, DefaultPlanRules, goodContent(), "ht-2", now); err != nil || len(p.Versions) != 2 || p.Status != PlanSubmitted {
		t.Fatalf("resubmit: %v %+v", err, p)
	}
	if _, err := p.Review(DefaultPlanRules, ReviewFields{Version: 2, Decision: DecisionApprove, Criteria: allRated(RatingMet)}, Reviewer{PersonID: "seo-remera", Role: "seo"}, now); err != nil {
		t.Fatal(err)
	}
	if p.CurrentVersion != 2 || p.Status != PlanApproved || p.Versions[0].Status != PlanChangesRequested {
		t.Fatalf("approved: %+v", p)
	}
	// A revision does not replace the approved version until it is approved.
	rev := goodContent()
	rev.Actions = rev.Actions[:1]
	if err := p.Resubmit(tn, DefaultPlanRules, rev, "ht-2", now); err != nil || p.CurrentVersion != 2 || p.Status != PlanSubmitted {
		t.Fatalf("revision: %v %+v", err, p)
	}

	for _, tc := range []struct {
		name  string
		f     SelfReviewFields
		field string
	}{
		{"future date", SelfReviewFields{Date: "2026-12-30", Items: []SelfReviewItem{{Ref: "reading_club", Status: ItemOnTrack}}}, "date"},
		{"before the school year", SelfReviewFields{Date: "2026-08-01", Items: []SelfReviewItem{{Ref: "reading_club", Status: ItemOnTrack}}}, "date"},
		{"no items", SelfReviewFields{Date: today}, "items"},
		{"unknown ref", SelfReviewFields{Date: today, Items: []SelfReviewItem{{Ref: "ghost", Status: ItemOnTrack}}}, "items[0].ref"},
		{"bad status", SelfReviewFields{Date: today, Items: []SelfReviewItem{{Ref: "reading_club", Status: "fine"}}}, "items[0].status"},
		{"twice", SelfReviewFields{Date: today, Items: []SelfReviewItem{{Ref: "reading_club", Status: ItemDone}, {Ref: "reading_club", Status: ItemDone}}}, "items[1].ref"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := p.RecordSelfReview(tn, tc.f, "ht-2", now)
			var pe *problem.Error
			if !asProblem(err, &pe) || len(pe.Fields) != 1 || pe.Fields[0].Field != tc.field {
				t.Fatalf("want field %s, got %v", tc.field, err)
			}
		})
	}
	// The self-review reviews the approved version (2, with parent_day), not the revision.
	s, err := p.RecordSelfReview(tn, SelfReviewFields{Date: today, Items: []SelfReviewItem{{Ref: "parent_day", Status: ItemDone}, {Ref: "p3_fluency", Status: ItemBehind}}}, "ht-2", now)
	if err != nil || s.Version != 2 || s.Term != "Term 1" || s.Done != 1 || s.Behind != 1 || !slices.Equal(s.NotCovered, []string{"reading_club"}) {
		t.Fatalf("self-review: %v %+v", err, s)
	}
	if _, err := p.RecordSelfReview(tn, SelfReviewFields{Date: today, Items: []SelfReviewItem{{Ref: "parent_day", Status: ItemDone}}}, "ht-2", now); !problem.Is(err, problem.Conflict) {
		t.Fatalf("a second self-review in the term: %v", err)
	}
}

func TestTermOf(t *testing.T) {
	p := rwanda(t).Profile
	for date, want := range map[string]string{
		"2026-09-06": "", "2026-09-07": "Term 1", "2026-12-24": "Term 1", "2027-01-04": "Term 2",
		"2027-04-10": "Term 2", "2027-07-09": "Term 3", "2027-07-10": "",
	} {
		if got := TermOf(p, "2026-2027", date); got != want {
			t.Errorf("%s: %q, want %q", date, got, want)
		}
	}
}

func TestRiskCheck(t *testing.T) {
	tn := rwanda(t)
	yes, no := ptr(true), ptr(false)
	all := func(met *bool) []RiskCriterionCheck {
		var out []RiskCriterionCheck
		for _, c := range DefaultPlanRules.DropoutRisk.Criteria {
			out = append(out, RiskCriterionCheck{Key: c.Key, Met: met})
		}
		return out
	}
	by := Reviewer{PersonID: "seo-remera", Role: "seo"}
	units := []string{"sch-2", "rw-gasabo-remera"}
	for _, tc := range []struct {
		name  string
		f     RiskCheckFields
		units []string
		field string
	}{
		{"unknown school", RiskCheckFields{SchoolID: "x", Date: today, Criteria: all(yes)}, nil, "school_id"},
		{"future", RiskCheckFields{SchoolID: "sch-2", Date: "2027-01-01", Criteria: all(yes)}, units, "date"},
		{"unknown criterion", RiskCheckFields{SchoolID: "sch-2", Date: today, Criteria: append(all(yes), RiskCriterionCheck{Key: "vibes", Met: yes})}, units, "criteria[3].key"},
		{"unanswered", RiskCheckFields{SchoolID: "sch-2", Date: today, Criteria: append(all(yes)[:2], RiskCriterionCheck{Key: "family_follow_up"})}, units, "criteria[2].met"},
		{"one missing", RiskCheckFields{SchoolID: "sch-2", Date: today, Criteria: all(yes)[:2]}, units, "criteria"},
		{"bad id", RiskCheckFields{ID: "abc", SchoolID: "sch-2", Date: today, Criteria: all(yes)}, units, "id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewRiskCheck(tn, DefaultPlanRules, tc.f, tc.units, by, now)
			var pe *problem.Error
			if !asProblem(err, &pe) || len(pe.Fields) != 1 || pe.Fields[0].Field != tc.field {
				t.Fatalf("want field %s, got %v", tc.field, err)
			}
		})
	}
	r, err := NewRiskCheck(tn, DefaultPlanRules, RiskCheckFields{SchoolID: "sch-2", Date: today, Criteria: all(yes)}, units, by, now)
	if err != nil || !r.HasSystem || r.CriteriaMet != 3 {
		t.Fatalf("%v %+v", err, r)
	}
	partial := all(yes)
	partial[1].Met = no
	if r, _ := NewRiskCheck(tn, DefaultPlanRules, RiskCheckFields{SchoolID: "sch-2", Date: today, Criteria: partial}, units, by, now); r.HasSystem || r.CriteriaMet != 2 {
		t.Fatalf("a list not reviewed monthly is not a system: %+v", r)
	}
}

func TestResubmitBounded(t *testing.T) {
	tn := rwanda(t)
	p := submitted(t)
	for len(p.Versions) < MaxPlanVersions {
		if err := p.Resubmit(tn, DefaultPlanRules, goodContent(), "ht-2", now); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Resubmit(tn, DefaultPlanRules, goodContent(), "ht-2", now); !problem.Is(err, problem.Conflict) || len(p.Versions) != MaxPlanVersions {
		t.Fatalf("version %d: %v", len(p.Versions)+1, err)
	}
	if p.Versions[0].Status != PlanSuperseded || p.Latest().Status != PlanSubmitted {
		t.Fatalf("unreviewed versions are superseded: %s, %s", p.Versions[0].Status, p.Latest().Status)
	}
}

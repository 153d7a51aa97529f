package domain

import "testing"

func TestEraseCoachingRecords(t *testing.T) {
	s := Session{Notes: "secret", Goals: []string{"secret goal"}, FocusAreas: []string{"leading_teaching"},
		Actions: []Action{{ID: "s.1", Description: "secret", DueDate: "2027-01-01"}}, FollowUps: []FollowUp{{ActionID: "x", Status: "done", Note: "secret"}}}
	if !EraseSession(&s) || s.Notes != "[erased]" || s.Goals[0] != "[erased]" || s.Actions[0].Description != "[erased]" || s.FollowUps[0].Note != "[erased]" ||
		s.Actions[0].ID != "s.1" || s.FocusAreas[0] != "leading_teaching" || s.FollowUps[0].Status != "done" || EraseSession(&s) {
		t.Fatalf("session %+v", s)
	}
	r := Rating{Areas: []AreaRating{{Area: "a", Level: 3, Indicators: []IndicatorNote{{Key: "k", Note: "secret"}}}}}
	if !EraseRating(&r) || r.Areas[0].Indicators[0].Note != "[erased]" || r.Areas[0].Level != 3 || EraseRating(&r) {
		t.Fatalf("rating %+v", r)
	}
	o := Observation{Notes: "secret", Items: []RubricItem{{Key: "k", Score: 2}}}
	if !EraseObservation(&o) || o.Notes != "[erased]" || o.Items[0].Score != 2 || EraseObservation(&o) {
		t.Fatalf("observation %+v", o)
	}
	met := true
	rc := RiskCheck{Criteria: []RiskCriterionCheck{{Key: "k", Met: &met, Note: "secret"}}, HasSystem: true}
	if !EraseRiskCheck(&rc) || rc.Criteria[0].Note != "[erased]" || !*rc.Criteria[0].Met || EraseRiskCheck(&rc) {
		t.Fatalf("risk check %+v", rc)
	}
	if EraseSession(&Session{}) {
		t.Fatal("an empty session changed")
	}
}

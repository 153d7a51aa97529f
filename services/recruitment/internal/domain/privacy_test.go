package domain

import "testing"

func TestEraseApplication(t *testing.T) {
	a := Application{ID: "a", PersonID: "p",
		Screening:   Screening{Eligible: true, Override: &Override{Eligible: true, Justification: "secret", By: "deo"}},
		Assessments: []Assessment{{ID: "v", Notes: []EvidenceNote{{Source: "teachers", Text: "secret"}, {Source: "pupils", Text: ""}}}},
		Scores:      []Score{{MemberID: "deo", Criterion: "openness", Level: 3}},
		Moderations: []Moderation{{Criterion: "openness", Justification: "secret", By: "deo"}}}
	if !EraseApplication(&a) {
		t.Fatal("nothing changed")
	}
	if a.Assessments[0].Notes[0].Text != "[erased]" || a.Assessments[0].Notes[1].Text != "" || a.Screening.Override.Justification != "[erased]" ||
		a.Moderations[0].Justification != "[erased]" || a.Scores[0].Level != 3 || !a.Eligible() || a.Assessments[0].Notes[0].Source != "teachers" {
		t.Fatalf("after erasure %+v", a)
	}
	if EraseApplication(&a) {
		t.Fatal("a second run changed something")
	}
	if EraseApplication(&Application{}) {
		t.Fatal("an application without text changed")
	}
}

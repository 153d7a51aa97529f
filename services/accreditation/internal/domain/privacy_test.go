package domain_test

import (
	"testing"

	"github.com/l4l-platform/l4l/services/accreditation/internal/domain"
)

func TestEraseEnrolmentAndEvidence(t *testing.T) {
	e := domain.Enrolment{ID: "e", PersonID: "p", CredentialID: "c", Submissions: []domain.Submission{{Number: 1,
		Evidence:   []domain.SnapshotItem{{EvidenceID: "ev", Mappings: []domain.Mapping{{Competency: "c1", Reflection: "secret"}}}},
		Assessment: &domain.Assessment{Outcome: "pass", Feedback: "secret", Judgements: []domain.Judgement{{Competency: "c1", Level: 3, Feedback: "secret"}}},
		Moderation: &domain.Moderation{Reason: "sample", Outcome: "pass", Feedback: "secret"}}}}
	if !domain.EraseEnrolment(&e) {
		t.Fatal("nothing changed")
	}
	s := e.Submissions[0]
	if s.Evidence[0].Mappings[0].Reflection != "[erased]" || s.Assessment.Feedback != "[erased]" || s.Assessment.Judgements[0].Feedback != "[erased]" ||
		s.Assessment.Judgements[0].Level != 3 || s.Moderation.Outcome != "pass" || s.Moderation.Feedback != "[erased]" || e.CredentialID != "c" || domain.EraseEnrolment(&e) {
		t.Fatalf("enrolment %+v", e)
	}

	own := domain.Evidence{ID: "ev", Owners: []string{"p"}, Title: "secret", Mappings: []domain.Mapping{{Competency: "c1", Reflection: "secret"}},
		File: &domain.File{GridFSID: "0123456789abcdef01234567", Name: "secret.pdf", Size: 10, SHA256: "h"}}
	changed, drop := domain.EraseEvidence(&own, "p")
	if !changed || drop != "0123456789abcdef01234567" || own.Title != "[erased]" || own.Mappings[0].Reflection != "[erased]" ||
		own.File.Name != "[erased]" || own.File.GridFSID != "" || own.File.Size != 10 || own.File.SHA256 != "h" {
		t.Fatalf("own evidence %+v %+v (drop %q)", own, own.File, drop)
	}
	if changed, drop := domain.EraseEvidence(&own, "p"); changed || drop != "" {
		t.Fatal("a second run changed something")
	}
	group := domain.Evidence{ID: "g", Owners: []string{"p", "q"}, Title: "report", File: &domain.File{GridFSID: "x", Name: "report.pdf"}}
	if changed, drop := domain.EraseEvidence(&group, "p"); changed || drop != "" || group.Title != "report" {
		t.Fatalf("a group project is the others' evidence too: %+v", group)
	}
}

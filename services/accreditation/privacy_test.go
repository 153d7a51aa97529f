package accreditation_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/l4l-platform/l4l/libs/privacy"
	"github.com/l4l-platform/l4l/libs/service/servicetest"
)

// Subject access and erasure in accreditation: the leader's reflections (in the evidence
// and frozen in the submission), their uploads' titles and files, and the assessor's
// feedback become "[erased]"; the group project shared with lll-2 stays; the portfolio's
// progress is unchanged; the credential is untouched and verifies exactly as before.
func TestSubjectAccessAndErasure(t *testing.T) {
	w := start(t)
	deo := w.deo()
	w.person("lll-1", "sch-1")
	w.person("lll-2", "sch-2")
	w.appoint("lll-1", "lll", remera)
	w.appoint("lll-2", "lll", remera)
	for _, a := range []string{"asr-3", "asr-4"} {
		want(t, w.do("PUT", base+"/assessors/"+a, deo, map[string]any{"active": true}), http.StatusOK)
	}
	for i := 1; i <= 6; i++ {
		w.plcHeld("plc-"+string(rune('0'+i)), "lll-1", "lll-2")
	}
	w.coachingSession("cs-1", "lll-1", "ht-9", "seo-1")
	w.coachingSession("cs-2", "lll-1", "ht-9", "seo-1")
	e := w.waitEnrolment("lll-1", "the collected evidence", func(e enrolment) bool {
		return e.have("plcs_led") == 6 && e.have("observed_coaching_sessions") == 2
	})
	w.waitEnrolment("lll-2", "lll-2 enrolled", func(enrolment) bool { return true })
	lll1 := w.token("lll-1", "lll")
	const (
		fileText   = "My term in Remera: the P3 teachers resisted observation at first.\n"
		title      = "Term 1 in Remera, by Aline"
		reflection = "I learned to give feedback after every observed lesson."
		feedback   = "Aline's evidence is strong on teaching."
		project    = "Ministerial commission report"
	)
	var uploaded []evidence
	for range 4 {
		r := w.upload("lll-1", map[string]string{"requirement": "reflections", "title": title}, "reflection.txt", []byte(fileText))
		want(t, r, http.StatusCreated)
		var ev evidence
		r.JSON(t, &ev)
		uploaded = append(uploaded, ev)
	}
	var group evidence
	r := w.upload("lll-1", map[string]string{"requirement": "group_project", "title": project, "team_member_ids": "lll-2"}, "report.pdf", []byte("%PDF-1.7\nreport\n%%EOF\n"))
	want(t, r, http.StatusCreated)
	r.JSON(t, &group)
	for i, c := range competencies {
		r := w.do("GET", base+"/evidence/"+uploaded[i].ID, lll1, nil)
		want(t, w.env.Do(requestWithIfMatch(base+"/evidence/"+uploaded[i].ID+"/mappings", lll1, r.Header.Get("ETag"),
			map[string]any{"mappings": []map[string]string{{"competency": c, "reflection": reflection}}})), http.StatusOK)
	}
	want(t, w.do("POST", base+"/enrolments/"+e.ID+"/submit", lll1, nil), http.StatusOK)
	want(t, w.do("POST", base+"/enrolments/"+e.ID+"/assessor", deo, map[string]string{"assessor_id": "asr-3"}), http.StatusOK)
	var judgements []map[string]any
	for _, c := range competencies {
		judgements = append(judgements, map[string]any{"competency": c, "level": 3, "feedback": feedback})
	}
	want(t, w.do("POST", base+"/enrolments/"+e.ID+"/assessment", w.assessorToken("asr-3"), map[string]any{"judgements": judgements, "outcome": "pass", "feedback": feedback}), http.StatusOK)
	// A stable sample of passes is moderated before the award (which enrolments fall in it
	// depends on their ids): moderate when this one did.
	if subs := w.enrolment(e.ID).Submissions; len(subs) > 0 && subs[len(subs)-1].Moderation != nil && subs[len(subs)-1].Moderation.Outcome == "" {
		want(t, w.do("POST", base+"/enrolments/"+e.ID+"/moderation", w.assessorToken("asr-4"), map[string]string{"outcome": "pass", "feedback": feedback}), http.StatusOK)
	}
	r = w.do("POST", base+"/enrolments/"+e.ID+"/award", w.assessorToken("asr-4"), nil)
	want(t, r, http.StatusCreated)
	var cred credential
	r.JSON(t, &cred)

	dpo := w.token("dpo-1", "dpo")
	export := func(person string) string {
		t.Helper()
		r := w.do("GET", base+"/privacy/accreditation/people/"+person, dpo, nil)
		want(t, r, http.StatusOK)
		return string(r.Body)
	}
	texts := []string{title, reflection, feedback}
	before := export("lll-1")
	for _, s := range append(texts, e.ID, cred.ID, project, uploaded[0].ID) {
		if !strings.Contains(before, s) {
			t.Fatalf("export of lll-1 lacks %q: %s", s, before)
		}
	}
	if status, _, body := w.rawDoAuth("GET", base+"/evidence/"+uploaded[0].ID+"/file", lll1); status != 200 || body != fileText {
		t.Fatalf("download before: %d %q", status, body)
	}
	progress := w.enrolment(e.ID).Progress
	_, _, verified := w.rawDo("POST", "/v1/credentials/verify", "application/vc+jwt", "", cred.Credential)

	req := "01a20880-0000-7000-8000-0000000000e1"
	for range 2 {
		w.publish("directory", privacy.ErasureRequestedType, req, privacy.ErasureRequested{RequestID: req, PersonID: "lll-1"})
	}
	servicetest.Eventually(t, 30*time.Second, "the erasure", func() bool {
		e := export("lll-1")
		for _, s := range texts {
			if strings.Contains(e, s) {
				return false
			}
		}
		return true
	})
	after := export("lll-1")
	for _, s := range []string{e.ID, cred.ID, uploaded[0].ID, project, privacy.Erased} {
		if !strings.Contains(after, s) {
			t.Fatalf("export after erasure lacks %q: %s", s, after)
		}
	}
	if status, _, _ := w.rawDoAuth("GET", base+"/evidence/"+uploaded[0].ID+"/file", lll1); status != http.StatusNotFound {
		t.Fatalf("the erased upload's file is still served: %d", status)
	}
	if status, _, _ := w.rawDoAuth("GET", base+"/evidence/"+group.ID+"/file", w.token("lll-2", "lll")); status != 200 {
		t.Fatalf("the group project's file (lll-2's evidence too): %d", status)
	}
	if got := w.enrolment(e.ID).Progress; !equalProgress(got, progress) {
		t.Fatalf("progress changed: %+v → %+v", progress, got)
	}
	if _, _, got := w.rawDo("POST", "/v1/credentials/verify", "application/vc+jwt", "", cred.Credential); got != verified || !strings.Contains(got, `"result":"valid"`) {
		t.Fatalf("verification changed:\n%s\n%s", verified, got)
	}
}

func equalProgress(a, b progress) bool {
	if a.Complete != b.Complete || len(a.Requirements) != len(b.Requirements) {
		return false
	}
	for i := range a.Requirements {
		if a.Requirements[i] != b.Requirements[i] {
			return false
		}
	}
	return true
}

package e2e

import (
	"bytes"
	"mime/multipart"
	"testing"
	"time"
)

type requirementRow struct {
	Key  string `json:"key"`
	Have int    `json:"have"`
}

type enrolment struct {
	ID           string `json:"id"`
	PersonID     string `json:"person_id"`
	Role         string `json:"role"`
	Source       string `json:"source"`
	Status       string `json:"status"`
	CredentialID string `json:"credential_id"`
	Progress     struct {
		Requirements []requirementRow `json:"requirements"`
	} `json:"progress"`
}

func (e enrolment) have(key string) int {
	for _, r := range e.Progress.Requirements {
		if r.Key == key {
			return r.Have
		}
	}
	return -1
}

var competencies = []string{"leading_teaching", "leading_learning", "school_direction", "community_partnership"}

// multipartBody is an upload's body and content type.
func multipartBody(t *testing.T, fields map[string]string, filename string, content []byte) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(content)
	_ = mw.Close()
	return buf.String(), mw.FormDataContentType()
}

func (s *scenario) enrolmentOf(person, what string, ok func(enrolment) bool) enrolment {
	s.p.t.Helper()
	var e enrolment
	var last []byte
	if !poll(2*time.Minute, func() bool {
		var pg struct {
			Items []enrolment `json:"items"`
		}
		s.p.must("accreditation", call{method: "GET", path: s.gas.path("/enrolments?person_id=" + person), token: s.gas.deo}, 200).decode(s.p.t, &pg)
		if len(pg.Items) != 1 {
			return false
		}
		// The list carries no progress; the enrolment itself does.
		r := s.p.must("accreditation", call{method: "GET", path: s.gas.path("/enrolments/" + pg.Items[0].ID), token: s.gas.deo}, 200)
		last = r.Body
		r.decode(s.p.t, &e)
		return ok(e)
	}) {
		s.p.t.Fatalf("waiting for %s: last %s", what, last)
	}
	return e
}

// accreditation: the appointed LLLs are enrolled by themselves; Remera's LLL's portfolio
// counts the PLC sessions they facilitated and the coaching visits the SEO observed; the
// reflections and the group project are uploaded; the portfolio is submitted, failed by
// the first assessor, passed by the moderator, awarded, verified, and revoked.
func (s *scenario) accreditation(t *testing.T) {
	p, gas := s.p, s.gas
	r2, k1 := s.lll[remera], s.lll[kacyiru]
	// Remera's two held sessions (facilitated by R2) and R2's two visits observed by the SEO.
	e := s.enrolmentOf(r2, "Remera's LLL enrolled with evidence counted", func(e enrolment) bool {
		return e.have("plcs_led") == 2 && e.have("observed_coaching_sessions") == 2
	})
	if e.Role != "lll" || e.Source != "appointment" || e.Status != "enrolled" {
		t.Fatalf("enrolment %+v", e)
	}
	// Kacyiru's LLL: the one held session so far; K1's visit was not observed.
	s.enrolmentOf(k1, "Kacyiru's LLL enrolled", func(e enrolment) bool {
		return e.have("plcs_led") == 1 && e.have("observed_coaching_sessions") == 0
	})
	lll := p.token(r2, []string{"lll", "ht"}, gasabo, "")
	// An incomplete portfolio is refused, naming what is missing.
	p.must("accreditation", call{method: "POST", path: gas.path("/enrolments/" + e.ID + "/submit"), token: lll}, 422)

	var uploaded []string
	upload := func(fields map[string]string, name string, content []byte) {
		body, ct := multipartBody(t, fields, name, content)
		var ev idDoc
		p.must("accreditation", call{method: "POST", path: gas.path("/evidence"), token: lll, body: body, contentType: ct}, 201).decode(t, &ev)
		uploaded = append(uploaded, ev.ID)
	}
	for range 4 {
		upload(map[string]string{"requirement": "reflections", "title": "Reflection on leading learning"}, "reflection.txt",
			[]byte("What changed in Remera's classrooms this term.\n"))
	}
	// The group project, written with Kacyiru's LLL, counts for both.
	upload(map[string]string{"requirement": "group_project", "title": "Ministerial commission report", "team_member_ids": k1},
		"report.pdf", []byte("%PDF-1.7\nreport\n%%EOF\n"))
	s.enrolmentOf(k1, "the group project in Kacyiru's LLL's portfolio", func(e enrolment) bool { return e.have("group_project") == 1 })
	for i, c := range competencies {
		r := p.must("accreditation", call{method: "GET", path: gas.path("/evidence/" + uploaded[i]), token: lll}, 200)
		p.must("accreditation", call{method: "PUT", path: gas.path("/evidence/" + uploaded[i] + "/mappings"), token: lll, ifMatch: r.Header.Get("ETag"),
			body: map[string]any{"mappings": []map[string]string{{"competency": c, "reflection": "How this shows " + c}}}}, 200)
	}
	p.must("accreditation", call{method: "POST", path: gas.path("/enrolments/" + e.ID + "/submit"), token: lll}, 200)

	// The university's assessors, registered by the DEO.
	for _, a := range []string{"ur-assessor-1", "ur-assessor-2"} {
		p.must("accreditation", call{method: "PUT", path: gas.path("/assessors/" + a), token: gas.deo, body: map[string]any{"active": true}}, 200)
	}
	p.must("accreditation", call{method: "POST", path: gas.path("/enrolments/" + e.ID + "/assessor"), token: gas.deo,
		body: map[string]string{"assessor_id": "ur-assessor-1"}}, 200)
	judge := func(level int) []map[string]any {
		var out []map[string]any
		for _, c := range competencies {
			out = append(out, map[string]any{"competency": c, "level": level, "feedback": "seen"})
		}
		return out
	}
	first, moderator := p.nationalToken("ur-assessor-1", []string{"assessor"}, "rw"), p.nationalToken("ur-assessor-2", []string{"assessor"}, "rw")
	p.must("accreditation", call{method: "POST", path: gas.path("/enrolments/" + e.ID + "/assessment"), token: first,
		body: map[string]any{"judgements": judge(2), "outcome": "fail", "feedback": "Thin evidence of leading teaching."}}, 200)
	// Every fail is moderated: the second assessor passes it; then the award.
	p.must("accreditation", call{method: "POST", path: gas.path("/enrolments/" + e.ID + "/moderation"), token: moderator,
		body: map[string]string{"outcome": "pass", "feedback": "Meets the standard."}}, 200)
	var cred struct {
		ID         string `json:"id"`
		Credential string `json:"credential"`
	}
	p.must("accreditation", call{method: "POST", path: gas.path("/enrolments/" + e.ID + "/award"), token: moderator}, 201).decode(t, &cred)
	s.credential = cred.Credential
	if s.verify() != "valid" {
		t.Fatalf("a fresh credential verifies %q", s.verify())
	}
	s.graduated = 1
	// The KPIs see the graduate (worked out in gasaboWant).
	gas.waitKPIs("after the award", s.gasaboWant())

	// Issued in error: revoked; the public check says so; the KPI drops back.
	p.must("accreditation", call{method: "POST", path: gas.path("/credentials/" + cred.ID + "/revoke"), token: moderator,
		body: map[string]string{"reason": "issued_in_error"}}, 200)
	if got := s.verify(); got != "revoked" {
		t.Fatalf("a revoked credential verifies %q", got)
	}
	s.graduated = 0
}

// verify asks the public endpoint (no token), as an employer would.
func (s *scenario) verify() string {
	var v struct {
		Result string `json:"result"`
	}
	s.p.must("accreditation", call{method: "POST", path: "/v1/credentials/verify", body: map[string]string{"credential": s.credential}}, 200).decode(s.p.t, &v)
	return v.Result
}

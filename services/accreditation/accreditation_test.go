package accreditation_test

import (
	"bytes"
	"compress/gzip"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"

	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/service/servicetest"
)

var competencies = []string{"leading_teaching", "leading_learning", "school_direction", "community_partnership"}

// TestPortfolioToCredential walks the path: an appointment enrols the leader;
// PLC sessions they facilitated and coaching sessions observed while they coached appear
// in the portfolio without anyone typing them; they upload reflections and a group
// project, map evidence to competencies, submit; an eligible assessor fails it, a second
// assessor moderates it to a pass, the certificate is awarded, the credential verifies,
// and after revocation it does not.
func TestPortfolioToCredential(t *testing.T) {
	w := start(t)
	deo := w.deo()

	// The directory, coaching and recruitment sides.
	w.person("lll-1", "sch-1")
	w.person("lll-2", "sch-2")
	w.person("asr-same-school", "sch-1")
	w.coachingStarted("rel-nll", "asr-coach", "lll-1")
	ap1 := w.appoint("lll-1", "lll", remera)
	ap2 := w.appoint("lll-2", "lll", remera)
	w.appoint("ht-9", "ht", "sch-9") // head teachers are not enrolled
	for _, a := range []string{"asr-same-school", "asr-coach", "asr-3", "asr-4"} {
		want(t, w.do("PUT", base+"/assessors/"+a, deo, map[string]any{"active": true}), http.StatusOK)
	}
	// A directory role assignment of the assessor role registers one too.
	w.publish("directory", "org.l4l.directory.role.assigned.v1", "asg-1", map[string]string{"assignment_id": "asg-1",
		"person_id": "asr-dir", "role": "assessor", "unit": tenant, "start_date": "2026-09-01", "source": "manual"})
	servicetest.Eventually(t, 30*time.Second, "the directory's assessor registered", func() bool {
		r := w.do("GET", base+"/assessors", deo, nil)
		var p page[assessor]
		r.JSON(t, &p)
		return slices.Contains(p.Items, assessor{PersonID: "asr-dir", Active: true, Source: "directory"})
	})

	e := w.waitEnrolment("lll-1", "lll-1 enrolled on appointment", func(enrolment) bool { return true })
	if e.Role != "lll" || e.Source != "appointment" || e.Cohort != "2026-2027" || e.Status != "enrolled" {
		t.Fatalf("enrolment %+v", e)
	}
	w.waitEnrolment("lll-2", "lll-2 enrolled", func(enrolment) bool { return true })

	// Evidence from events: six PLC sessions (each counted for both facilitators; one
	// redelivered, one published again under a new event id), two observed coaching
	// sessions and one unobserved (which does not count).
	var first = w.plcHeld("plc-1", "lll-1", "lll-2")
	for i := 2; i <= 6; i++ {
		w.plcHeld("plc-"+string(rune('0'+i)), "lll-1", "lll-2")
	}
	w.send("plc", first)
	w.plcHeld("plc-1", "lll-1", "lll-2")
	w.coachingSession("cs-1", "lll-1", "ht-9", "seo-1")
	w.coachingSession("cs-2", "lll-1", "ht-9", "seo-1")
	w.coachingSession("cs-3", "lll-1", "ht-9", "")
	w.coachingSession("cs-4", "ht-9", "lll-1", "seo-1") // lll-1 was coached, not coaching
	e = w.waitEnrolment("lll-1", "six PLCs led and two observed sessions in the portfolio", func(e enrolment) bool {
		return e.have("plcs_led") == 6 && e.have("observed_coaching_sessions") == 2
	})
	// Nothing more arrives later (the duplicates and the unobserved session were applied too by now:
	// they were published before cs-4, whose coaching partition order we cannot rely on, so wait a little).
	time.Sleep(500 * time.Millisecond)
	e = w.enrolment(e.ID)
	if e.have("plcs_led") != 6 || e.have("observed_coaching_sessions") != 2 {
		t.Fatalf("after redeliveries: plcs %d, observed %d", e.have("plcs_led"), e.have("observed_coaching_sessions"))
	}

	// An incomplete portfolio is refused with each missing requirement listed.
	lll1 := w.token("lll-1", "lll")
	fields := want(t, w.do("POST", base+"/enrolments/"+e.ID+"/submit", lll1, nil), http.StatusUnprocessableEntity)
	for _, f := range []string{"requirements.reflections", "requirements.group_project", "competencies.leading_teaching"} {
		if !slices.Contains(fields, f) {
			t.Errorf("422 lists %v, missing %s", fields, f)
		}
	}
	if slices.Contains(fields, "requirements.plcs_led") {
		t.Errorf("plcs_led is met, yet listed: %v", fields)
	}

	// Uploads: four reflections (text and PDF), the group project naming lll-2.
	var uploaded []evidence
	for i := range 4 {
		content := []byte("Reflection on leading learning in Remera, term 1.\n")
		name := "reflection.txt"
		if i%2 == 1 {
			content, name = []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"), "reflection.pdf"
		}
		r := w.upload("lll-1", map[string]string{"requirement": "reflections", "title": "Reflection"}, name, content)
		want(t, r, http.StatusCreated)
		var ev evidence
		r.JSON(t, &ev)
		uploaded = append(uploaded, ev)
	}
	if uploaded[1].File == nil || uploaded[1].File.ContentType != "application/pdf" || uploaded[0].File.ContentType != "text/plain" {
		t.Fatalf("sniffed types: %+v %+v", uploaded[0].File, uploaded[1].File)
	}
	r := w.upload("lll-1", map[string]string{"requirement": "group_project", "title": "Ministerial commission report", "team_member_ids": "lll-2"},
		"report.pdf", []byte("%PDF-1.7\nreport\n%%EOF\n"))
	want(t, r, http.StatusCreated)
	var project evidence
	r.JSON(t, &project)
	if !slices.Equal(project.Owners, []string{"lll-1", "lll-2"}) {
		t.Fatalf("group project owners %v", project.Owners)
	}
	if got := w.enrolment(mustEnrolment(w, "lll-2").ID).have("group_project"); got != 1 {
		t.Fatalf("the group project counts %d times for lll-2, want 1", got)
	}
	// The file comes back as stored.
	status, ctype, body := w.rawDoAuth("GET", base+"/evidence/"+uploaded[0].ID+"/file", lll1)
	if status != 200 || !strings.HasPrefix(ctype, "text/plain") || body != "Reflection on leading learning in Remera, term 1.\n" {
		t.Fatalf("download: %d %s %q", status, ctype, body)
	}

	// Map evidence to every competency, with reflections (If-Match).
	for i, c := range competencies {
		item := uploaded[i]
		r := w.do("GET", base+"/evidence/"+item.ID, lll1, nil)
		want(t, r, http.StatusOK)
		r = w.env.Do(requestWithIfMatch(base+"/evidence/"+item.ID+"/mappings", lll1, r.Header.Get("ETag"),
			map[string]any{"mappings": []map[string]string{{"competency": c, "reflection": "How this shows " + c}}}))
		want(t, r, http.StatusOK)
	}

	// Submit: locked, with a snapshot.
	r = w.do("POST", base+"/enrolments/"+e.ID+"/submit", lll1, nil)
	want(t, r, http.StatusOK)
	r.JSON(t, &e)
	if e.Status != "submitted" || len(e.Submissions) != 1 || len(e.Submissions[0].Evidence) != 6+2+4+1 {
		t.Fatalf("submitted: %s, %d submissions, snapshot %d items", e.Status, len(e.Submissions), len(e.Submissions[0].Evidence))
	}
	want(t, w.upload("lll-1", map[string]string{"requirement": "reflections", "title": "late"}, "late.txt", []byte("late\n")), http.StatusConflict)

	// Assessor: never from the leader's school, never their coach.
	for _, a := range []string{"asr-same-school", "asr-coach"} {
		fields := want(t, w.do("POST", base+"/enrolments/"+e.ID+"/assessor", deo, map[string]string{"assessor_id": a}), http.StatusUnprocessableEntity)
		if !slices.Contains(fields, "assessor_id") {
			t.Errorf("%s refused without naming assessor_id: %v", a, fields)
		}
	}
	if e = w.enrolment(e.ID); e.AssessorID != "" {
		t.Fatalf("a refused assessor was written: %q", e.AssessorID)
	}
	want(t, w.do("POST", base+"/enrolments/"+e.ID+"/assessor", deo, map[string]string{"assessor_id": "asr-3"}), http.StatusOK)

	// Only the assigned assessor assesses; a pass needs the pass level everywhere.
	judge := func(level int) []map[string]any {
		var out []map[string]any
		for _, c := range competencies {
			out = append(out, map[string]any{"competency": c, "level": level, "feedback": "seen"})
		}
		return out
	}
	want(t, w.do("POST", base+"/enrolments/"+e.ID+"/assessment", w.assessorToken("asr-4"), map[string]any{"judgements": judge(3), "outcome": "pass"}), http.StatusForbidden)
	fields = want(t, w.do("POST", base+"/enrolments/"+e.ID+"/assessment", w.assessorToken("asr-3"), map[string]any{"judgements": judge(2), "outcome": "pass"}), http.StatusBadRequest)
	if !slices.Contains(fields, "outcome") {
		t.Errorf("pass below the pass level: %v", fields)
	}
	r = w.do("POST", base+"/enrolments/"+e.ID+"/assessment", w.assessorToken("asr-3"), map[string]any{"judgements": judge(2), "outcome": "fail", "feedback": "thin evidence"})
	want(t, r, http.StatusOK)
	r.JSON(t, &e)
	if e.Status != "failed" || e.Submissions[0].Moderation == nil || e.Submissions[0].Moderation.Reason != "fail" {
		t.Fatalf("a fail waits for moderation: %+v", e)
	}

	// Award refused while moderation is pending; the moderator is a second, eligible assessor.
	want(t, w.do("POST", base+"/enrolments/"+e.ID+"/award", w.assessorToken("asr-4"), nil), http.StatusConflict)
	want(t, w.do("POST", base+"/enrolments/"+e.ID+"/moderation", w.assessorToken("asr-3"), map[string]string{"outcome": "pass"}), http.StatusUnprocessableEntity)
	want(t, w.do("POST", base+"/enrolments/"+e.ID+"/moderation", w.assessorToken("asr-coach"), map[string]string{"outcome": "pass"}), http.StatusUnprocessableEntity)
	r = w.do("POST", base+"/enrolments/"+e.ID+"/moderation", w.assessorToken("asr-4"), map[string]string{"outcome": "pass", "feedback": "meets the standard"})
	want(t, r, http.StatusOK)
	r.JSON(t, &e)
	if e.Status != "passed" {
		t.Fatalf("after moderation: %s", e.Status)
	}

	// Award: an OpenBadgeCredential, as VC-JOSE.
	r = w.do("POST", base+"/enrolments/"+e.ID+"/award", w.assessorToken("asr-4"), nil)
	want(t, r, http.StatusCreated)
	var cred credential
	r.JSON(t, &cred)
	again := w.do("POST", base+"/enrolments/"+e.ID+"/award", w.assessorToken("asr-4"), nil)
	want(t, again, http.StatusConflict) // awarded already: one credential per award
	if e = w.enrolment(e.ID); e.Status != "awarded" || e.CredentialID != cred.ID {
		t.Fatalf("awarded: %+v", e)
	}
	// The holder downloads the credential itself; another leader does not see it.
	req, _ := http.NewRequest("GET", w.env.URL+base+"/credentials/"+cred.ID, nil)
	req.Header.Set("Authorization", "Bearer "+lll1)
	req.Header.Set("Accept", "application/vc+jwt")
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/vc+jwt" {
		t.Fatalf("download of the credential: %v %v", res, err)
	} else {
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if string(b) != cred.Credential {
			t.Fatal("the downloaded credential differs from the issued one")
		}
	}
	want(t, w.do("GET", base+"/credentials/"+cred.ID, w.token("lll-2", "lll"), nil), http.StatusNotFound)
	claims := payload(t, cred.Credential)
	subject := claims["credentialSubject"].(map[string]any)
	if subject["id"] != "urn:l4l:rw-gasabo:person:lll-1" || !slices.Contains(anyStrings(claims["type"]), "OpenBadgeCredential") ||
		claims["issuer"].(map[string]any)["id"] != "did:web:accreditation.example.org" {
		t.Fatalf("credential claims: %v", claims)
	}
	if n := len(subject["achievement"].(map[string]any)["alignment"].([]any)); n != len(competencies) {
		t.Fatalf("achievement aligned to %d competencies", n)
	}

	// Public verification: valid, by JSON and by the credential's own media type.
	if v := w.verify(cred.Credential); v.Result != "valid" || v.CredentialID != cred.ID {
		t.Fatalf("verify: %+v", v)
	}
	if status, _, body := w.rawDo("POST", "/v1/credentials/verify", "application/vc+jwt", "", cred.Credential); status != 200 || !strings.Contains(body, `"result":"valid"`) {
		t.Fatalf("verify as application/vc+jwt: %d %s", status, body)
	}
	// Offline: the DID document's key verifies the signature with a plain JOSE library.
	verifyOffline(t, w, cred.Credential)
	if bit := statusBit(t, w, cred.StatusIndex); bit {
		t.Fatal("the status list marks a fresh credential revoked")
	}

	// Tampered, forged, foreign, garbage.
	if v := w.verify(changeClaim(t, cred.Credential, "name", "Doctorate in Leadership")); v.Result != "tampered" {
		t.Errorf("changed claim: %s", v.Result)
	}
	if v := w.verify(flipSignatureByte(cred.Credential)); v.Result != "tampered" {
		t.Errorf("changed signature byte: %s", v.Result)
	}
	if v := w.verify(resign(t, claims, "did:web:accreditation.example.org", kidOf(t, cred.Credential))); v.Result != "tampered" {
		t.Errorf("forged with another key under the issuer's key id: %s", v.Result)
	}
	if v := w.verify(resign(t, claims, "did:web:diploma-mill.example", "did:web:diploma-mill.example#key-1")); v.Result != "unknown_issuer" {
		t.Errorf("another issuer: %s", v.Result)
	}
	if v := w.verify("not.a.credential"); v.Result != "malformed" {
		t.Errorf("garbage: %s", v.Result)
	}
	want(t, w.do("POST", "/v1/credentials/verify", "", map[string]string{"credential": ""}), http.StatusBadRequest)
	if status, _, body := w.rawDo("GET", "/metrics", "", "", ""); status != 200 ||
		!strings.Contains(body, `l4l_accreditation_verifications_total{result="tampered"} 3`) ||
		!strings.Contains(body, `l4l_accreditation_verifications_total{result="unknown_issuer"} 1`) {
		t.Errorf("verification metrics:\n%s", grepLines(body, "l4l_accreditation_"))
	}

	// Revocation.
	want(t, w.do("POST", base+"/credentials/"+cred.ID+"/revoke", w.assessorToken("asr-4"), map[string]string{"reason": "because"}), http.StatusBadRequest)
	want(t, w.do("POST", base+"/credentials/"+cred.ID+"/revoke", w.assessorToken("asr-4"), map[string]string{"reason": "issued_in_error"}), http.StatusOK)
	if v := w.verify(cred.Credential); v.Result != "revoked" {
		t.Fatalf("after revocation: %+v", v)
	}
	if !statusBit(t, w, cred.StatusIndex) {
		t.Fatal("the status list does not mark the revoked credential")
	}

	// lll-2 is appointed NLL, then leaves the LLL post: still enrolled (one enrolment,
	// the NLL appointment holds it); leaving the NLL post too withdraws them. lll-1's award
	// stays when they leave.
	lll2 := mustEnrolment(w, "lll-2")
	ap3 := w.appoint("lll-2", "nll", tenant)
	w.exit(ap2, "lll-2", "lll", remera)
	w.exit(ap1, "lll-1", "lll", remera)
	e2 := w.waitEnrolment("lll-2", "lll-2 held by the NLL appointment only", func(e enrolment) bool {
		return slices.Equal(e.Appointments, []string{ap3})
	})
	if e2.ID != lll2.ID || e2.Status != "enrolled" {
		t.Fatalf("lll-2 after leaving the LLL post but appointed NLL: %+v", e2)
	}
	w.exit(ap3, "lll-2", "nll", tenant)
	servicetest.Eventually(t, 30*time.Second, "lll-2 withdrawn", func() bool { _, ok := w.enrolmentOf("lll-2"); return !ok })
	if e = w.enrolment(e.ID); e.Status != "awarded" {
		t.Fatalf("an exit after the award changed it to %s", e.Status)
	}

	// Every type, and one evidence.added per item: 6 PLC sessions for each of two
	// facilitators, 3 observed coaching sessions (two by lll-1, one by ht-9: evidence is
	// collected for whoever coached, enrolled yet or not), 4 reflections, 1 group project.
	const items = 2*6 + 3 + 4 + 1
	seen := accreditationEvents(t, w, func(seen map[string][]events.Envelope) bool {
		return len(seen) == 7 && len(seen["org.l4l.accreditation.evidence.added.v1"]) >= items &&
			len(seen["org.l4l.accreditation.assessment.recorded.v1"]) >= 2 && len(seen["org.l4l.accreditation.enrolment.withdrawn.v1"]) >= 1
	})
	if n := len(seen["org.l4l.accreditation.evidence.added.v1"]); n != items {
		t.Errorf("%d evidence.added events, want %d", n, items)
		for _, ev := range seen["org.l4l.accreditation.evidence.added.v1"] {
			t.Logf("%s %s", ev.Subject, ev.Data)
		}
	}
	var recorded []string
	for _, ev := range seen["org.l4l.accreditation.assessment.recorded.v1"] {
		var d struct{ Kind, Outcome string }
		_ = json.Unmarshal(ev.Data, &d)
		recorded = append(recorded, d.Kind+":"+d.Outcome)
	}
	if !slices.Equal(recorded, []string{"assessment:fail", "moderation:pass"}) {
		t.Errorf("assessment.recorded: %v", recorded)
	}
}

func mustEnrolment(w *world, person string) enrolment {
	w.t.Helper()
	e, ok := w.enrolmentOf(person)
	if !ok {
		w.t.Fatalf("%s has no live enrolment", person)
	}
	return e
}

func (w *world) verify(raw string) verification {
	w.t.Helper()
	r := w.do("POST", "/v1/credentials/verify", "", map[string]string{"credential": raw})
	want(w.t, r, http.StatusOK)
	var v verification
	r.JSON(w.t, &v)
	return v
}

func payload(t *testing.T, raw string) map[string]any {
	t.Helper()
	parts := strings.Split(raw, ".")
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func anyStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// changeClaim alters one claim and keeps the original signature.
func changeClaim(t *testing.T, raw, key, value string) string {
	m := payload(t, raw)
	m[key] = value
	b, _ := json.Marshal(m)
	parts := strings.Split(raw, ".")
	return parts[0] + "." + base64.RawURLEncoding.EncodeToString(b) + "." + parts[2]
}

func flipSignatureByte(raw string) string {
	parts := strings.Split(raw, ".")
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	sig[10] ^= 0x01
	return parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// resign signs the claims with a fresh key as issuer did, under key id kid.
func resign(t *testing.T, claims map[string]any, did, kid string) string {
	t.Helper()
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	c := jwt.MapClaims{}
	for k, v := range claims {
		c[k] = v
	}
	c["issuer"] = map[string]any{"id": did, "type": []string{"Profile"}}
	c["iss"] = did
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c)
	tok.Header["typ"] = "vc+jwt"
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// verifyOffline checks the credential with nothing but the DID document.
func verifyOffline(t *testing.T, w *world, raw string) {
	t.Helper()
	status, _, body := w.rawDo("GET", "/.well-known/did.json", "", "", "")
	if status != 200 {
		t.Fatalf("DID document: %d %s", status, body)
	}
	var doc struct {
		ID                 string `json:"id"`
		VerificationMethod []struct {
			ID  string `json:"id"`
			JWK struct {
				Kty, Crv, X string
			} `json:"publicKeyJwk"`
		} `json:"verificationMethod"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil || doc.ID != "did:web:accreditation.example.org" || len(doc.VerificationMethod) != 1 {
		t.Fatalf("DID document %s: %v", body, err)
	}
	vm := doc.VerificationMethod[0]
	pub, err := base64.RawURLEncoding.DecodeString(vm.JWK.X)
	if err != nil || vm.JWK.Kty != "OKP" || vm.JWK.Crv != "Ed25519" {
		t.Fatalf("publicKeyJwk %+v", vm.JWK)
	}
	tok, err := jwt.Parse(raw, func(tok *jwt.Token) (any, error) {
		if tok.Header["kid"] != vm.ID {
			t.Errorf("kid %v, DID document lists %s", tok.Header["kid"], vm.ID)
		}
		return ed25519.PublicKey(pub), nil
	}, jwt.WithValidMethods([]string{"EdDSA"}))
	if err != nil || !tok.Valid {
		t.Fatalf("offline verification: %v", err)
	}

	// And with a second, independent JOSE implementation (go-jose), reading the key as the
	// JWK the DID document publishes: the service signs with golang-jwt, so agreement
	// between the two is what an outside verifier relies on.
	var raws struct {
		VerificationMethod []struct {
			JWK json.RawMessage `json:"publicKeyJwk"`
		} `json:"verificationMethod"`
	}
	_ = json.Unmarshal([]byte(body), &raws)
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON(raws.VerificationMethod[0].JWK); err != nil || !jwk.Valid() {
		t.Fatalf("go-jose reads the DID document's key: %v", err)
	}
	jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		t.Fatalf("go-jose parses the credential: %v", err)
	}
	signed, err := jws.Verify(jwk.Key)
	if err != nil {
		t.Fatalf("go-jose verifies the credential with the DID document's key: %v", err)
	}
	if h := jws.Signatures[0].Protected; h.KeyID != vm.ID || h.ExtraHeaders["typ"] != "vc+jwt" {
		t.Errorf("protected header %+v", h)
	}
	var vc map[string]any
	if err := json.Unmarshal(signed, &vc); err != nil || vc["issuer"].(map[string]any)["id"] != doc.ID {
		t.Errorf("the verified payload names issuer %v, the DID document is %s", vc["issuer"], doc.ID)
	}
}

// statusBit reads the credential's bit from the published status list.
func statusBit(t *testing.T, w *world, index int) bool {
	t.Helper()
	status, ctype, body := w.rawDo("GET", "/v1/status-lists/"+tenant, "", "", "")
	if status != 200 || ctype != "application/vc+jwt" {
		t.Fatalf("status list: %d %s %s", status, ctype, body)
	}
	list := payload(t, body)
	enc := list["credentialSubject"].(map[string]any)["encodedList"].(string)
	bit, err := statusListBit(enc, index)
	if err != nil {
		t.Fatal(err)
	}
	return bit
}

func kidOf(t *testing.T, raw string) string {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(raw, ".")[0])
	var h struct {
		Kid string `json:"kid"`
	}
	if err != nil || json.Unmarshal(b, &h) != nil || h.Kid == "" {
		t.Fatalf("header of %s", raw)
	}
	return h.Kid
}

// statusListBit decodes a Bitstring Status List the way any verifier does (multibase
// base64url, gzip, bit 0 the most significant of byte 0), independently of the service.
func statusListBit(encoded string, index int) (bool, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(encoded, "u"))
	if err != nil {
		return false, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return false, err
	}
	var bits bytes.Buffer
	if _, err := bits.ReadFrom(zr); err != nil {
		return false, err
	}
	if bits.Len() < 16384 {
		return false, fmt.Errorf("the list holds %d bytes, fewer than the 131,072 bits the spec asks for", bits.Len())
	}
	return bits.Bytes()[index/8]&(0x80>>(index%8)) != 0, nil
}

func requestWithIfMatch(path, tok, etag string, body any) servicetest.Request {
	return servicetest.Request{Method: "PUT", Path: path, Token: tok, Body: body, Header: map[string]string{"If-Match": etag}}
}

func grepLines(s, substr string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

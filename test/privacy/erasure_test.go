// Package privacy_test is the erasure test across the platform: every service
// that holds personal data runs on one embedded stack (as in production, each its own
// service.Start, talking only through Kafka), a leader of learning has records in each,
// and one erasure request recorded by the data-protection officer reaches all of them.
package privacy_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/l4l-platform/l4l/libs/config"
	"github.com/l4l-platform/l4l/libs/devstack"
	"github.com/l4l-platform/l4l/libs/service"
	"github.com/l4l-platform/l4l/libs/service/servicetest"
	"github.com/l4l-platform/l4l/services/accreditation"
	"github.com/l4l-platform/l4l/services/coaching"
	"github.com/l4l-platform/l4l/services/directory"
	"github.com/l4l-platform/l4l/services/plc"
	"github.com/l4l-platform/l4l/services/recruitment"
)

const (
	tenant = "rw-gasabo"
	base   = "/v1/tenants/" + tenant
	remera = "rw-gasabo-remera"
)

type platform struct {
	t    *testing.T
	envs map[string]*servicetest.Env
}

func (p *platform) token(svc, subject string, roles ...string) string {
	tok, err := p.envs[svc].Issuer.Token(subject, roles, "rw", tenant, "", time.Hour)
	if err != nil {
		p.t.Fatal(err)
	}
	return tok
}

func (p *platform) do(svc, method, path, tok string, body any, want int) *servicetest.Response {
	p.t.Helper()
	r := p.envs[svc].Do(servicetest.Request{Method: method, Path: base + path, Token: tok, Body: body})
	if want != 0 && r.Status != want {
		p.t.Fatalf("%s %s %s: %d, want %d: %s", svc, method, path, r.Status, want, r.Body)
	}
	return r
}

func id(t *testing.T, r *servicetest.Response) string {
	var v struct{ ID string }
	r.JSON(t, &v)
	return v.ID
}

// TestErasureAcrossServices: Aline, a head teacher appointed Local Leader of Learning,
// applied in a campaign (the panel wrote notes), facilitates her sector's PLC (she wrote
// the minutes), coaches a head teacher (her session notes) and is enrolled on the
// certificate (her reflection). Before the request, every service's export holds her
// texts (so the final checks can fail); after it, every service has confirmed, no
// export and no directory read returns her name or any of the texts, and every record
// id is still there.
func TestErasureAcrossServices(t *testing.T) {
	// The credential issuer's development key, generated on first use, goes to a
	// temporary directory rather than into the source tree.
	t.Setenv(accreditation.EnvDevKey, filepath.Join(t.TempDir(), "accreditation-signing-key.pem"))
	stack := devstack.ForTest(t)
	p := &platform{t: t, envs: map[string]*servicetest.Env{}}
	for _, def := range []service.Definition{directory.Definition, recruitment.Definition, plc.Definition, coaching.Definition, accreditation.Definition} {
		p.envs[def.Name] = servicetest.StartOn(t, stack, def, func(c *config.Service) { c.Tenants = []string{tenant} })
	}
	deoDir := p.token("directory", "deo-user", "deo")

	// The directory: two Remera schools, the DEO, Aline (head teacher of R1 since 2015),
	// the head teacher of R2, an SEO and an NLL (the selection panel).
	r1 := id(t, p.do("directory", "POST", "/schools", deoDir, map[string]string{"code": "R1", "name": "G.S. Remera I", "unit": remera}, 201))
	r2 := id(t, p.do("directory", "POST", "/schools", deoDir, map[string]string{"code": "R2", "name": "G.S. Remera II", "unit": remera}, 201))
	person := func(staff, given, family, school string) string {
		return id(t, p.do("directory", "POST", "/people", deoDir, map[string]string{"staff_id": staff, "given_name": given, "family_name": family,
			"email": strings.ToLower(given) + "@example.rw", "school_id": school}, 201))
	}
	deo := person("RW-DEO-1", "Diane", "Mukamana", "")
	aline := person("RW-HT-1", "Aline", "Uwimana", r1)
	ht2 := person("RW-HT-2", "Jean", "Habimana", r2)
	seo := person("RW-SEO-9", "Eric", "Nsengimana", "")
	nll := person("RW-NLL-1", "Grace", "Ishimwe", "")
	for _, a := range []map[string]string{
		{"person_id": deo, "role": "deo", "unit": tenant, "start_date": "2019-01-07"},
		{"person_id": aline, "role": "ht", "unit": r1, "start_date": "2015-01-05"},
		{"person_id": ht2, "role": "ht", "unit": r2, "start_date": "2016-01-04"},
		{"person_id": seo, "role": "seo", "unit": "rw-gasabo-kacyiru", "start_date": "2019-01-07"},
		{"person_id": nll, "role": "nll", "unit": tenant, "start_date": "2022-01-10"},
	} {
		p.do("directory", "POST", "/role-assignments", deoDir, a, 201)
	}

	texts := map[string]string{
		"recruitment":   "Teachers say Aline Uwimana observes every class weekly.",
		"plc":           "Aline reported that P3 reading fell at her school.",
		"coaching":      "Jean struggles with lesson observations; Aline modelled one.",
		"accreditation": "Leading Remera's PLC taught me to listen first.",
	}

	// Recruitment: a campaign chaired by the DEO; Aline applies; the panel notes a visit.
	deoRec := p.token("recruitment", deo, "deo")
	kigali, _ := time.LoadLocation("Africa/Kigali")
	today := time.Now().In(kigali)
	var campaign string
	servicetest.Eventually(t, 3*time.Minute, "recruitment knows the DEO", func() bool {
		r := p.do("recruitment", "POST", "/campaigns", deoRec, map[string]any{"intake": "2027", "opens_on": today.AddDate(0, 0, -1).Format("2006-01-02"),
			"closes_on": today.AddDate(0, 0, 30).Format("2006-01-02"), "roles": []string{"lll"}, "panel": map[string]any{"chair": deo, "members": []string{seo, nll}}}, 0)
		campaign = id(t, r)
		return r.Status == http.StatusCreated
	})
	var application string
	servicetest.Eventually(t, 3*time.Minute, "recruitment knows Aline", func() bool {
		r := p.do("recruitment", "POST", "/campaigns/"+campaign+"/applications", p.token("recruitment", aline, "ht"), map[string]any{"person_id": aline, "role": "lll",
			"evidence": map[string]bool{"sip_focused_on_learning": true, "collaborative_planning_evidence": true}}, 0)
		application = id(t, r)
		if r.Status != http.StatusCreated {
			t.Logf("apply: %d %s", r.Status, r.Body)
		}
		return r.Status == http.StatusCreated
	})
	p.do("recruitment", "POST", "/campaigns/"+campaign+"/applications/"+application+"/assessments", deoRec, map[string]any{"kind": "site_visit",
		"date": today.Format("2006-01-02"), "present": []string{deo, seo, nll}, "notes": []map[string]string{{"source": "teachers", "text": texts["recruitment"]}}}, 200)

	// Appointed (the directory's role; recruitment's own appointment path is its test's).
	p.do("directory", "POST", "/role-assignments", deoDir, map[string]string{"person_id": aline, "role": "lll", "unit": remera, "start_date": "2025-01-06"}, 201)

	// PLC: Remera's group forms with Aline facilitating; she records September's session.
	deoPLC := p.token("plc", deo, "deo")
	var group string
	servicetest.Eventually(t, 3*time.Minute, "Remera's PLC with Aline", func() bool {
		var g struct {
			Items []struct {
				ID, Unit string
				Members  []struct {
					PersonID string `json:"person_id"`
				}
			}
		}
		p.do("plc", "GET", "/groups", deoPLC, nil, 200).JSON(t, &g)
		for _, x := range g.Items {
			if x.Unit == remera && len(x.Members) >= 3 {
				group = x.ID
				return true
			}
		}
		return false
	})
	p.do("plc", "POST", "/schedules", deoPLC, map[string]any{"school_year": "2026-2027", "term": "Term 1", "from": "2026-09-07"}, 200)
	var sessions struct{ Items []struct{ ID string } }
	p.do("plc", "GET", "/sessions?group_id="+group, deoPLC, nil, 200).JSON(t, &sessions)
	plcSession := sessions.Items[0].ID
	tok, _ := p.envs["plc"].Issuer.Token(aline, []string{"lll"}, "rw", tenant, remera, time.Hour)
	r := p.envs["plc"].Do(servicetest.Request{Method: "PUT", Path: base + "/sessions/" + plcSession + "/record", Token: tok, Header: map[string]string{"If-Match": `"1"`},
		Body: map[string]any{"held": true, "attendance": []map[string]string{{"person_id": aline, "status": "present"}, {"person_id": ht2, "status": "present"}},
			"challenges": []map[string]string{{"description": texts["plc"]}}}})
	if r.Status != 200 {
		t.Fatalf("PLC record: %d %s", r.Status, r.Body)
	}

	// Coaching: Aline (LLL) coaches Jean; she logs a visit.
	alineCoach := p.token("coaching", aline, "lll", "ht")
	var relationship string
	servicetest.Eventually(t, 3*time.Minute, "Aline coaching Jean", func() bool {
		var rels struct {
			Items []struct {
				ID        string
				CoachID   string `json:"coach_id"`
				CoacheeID string `json:"coachee_id"`
			}
		}
		p.do("coaching", "GET", "/relationships", p.token("coaching", deo, "deo"), nil, 200).JSON(t, &rels)
		for _, x := range rels.Items {
			if x.CoachID == aline && x.CoacheeID == ht2 {
				relationship = x.ID
				return true
			}
		}
		return false
	})
	coachingSession := id(t, p.do("coaching", "POST", "/coaching-sessions", alineCoach, map[string]any{"relationship_id": relationship,
		"date": today.AddDate(0, 0, -2).Format("2006-01-02"), "mode": "school_visit", "duration_minutes": 60,
		"focus_areas": []string{"leading_teaching"}, "notes": texts["coaching"]}, 201))

	// Accreditation: the DEO enrols Aline; she uploads a reflection.
	deoAcc := p.token("accreditation", deo, "deo")
	var enrolment string
	servicetest.Eventually(t, 3*time.Minute, "accreditation knows Aline", func() bool {
		r := p.do("accreditation", "POST", "/enrolments", deoAcc, map[string]any{"person_id": aline, "role": "lll", "unit": remera}, 0)
		enrolment = id(t, r)
		return r.Status == http.StatusCreated
	})
	evidenceID := upload(t, p, aline, texts["accreditation"])

	// Before: each service's export holds Aline's text; the directory's her name.
	dpo := map[string]string{}
	for svc := range p.envs {
		dpo[svc] = p.token(svc, "dpo-user", "dpo")
	}
	export := func(svc string) string {
		return string(p.do(svc, "GET", "/privacy/"+svc+"/people/"+aline, dpo[svc], nil, 200).Body)
	}
	ids := map[string][]string{"directory": {aline}, "recruitment": {application, campaign}, "plc": {plcSession, group},
		"coaching": {coachingSession, relationship}, "accreditation": {enrolment, evidenceID}}
	for svc, text := range texts {
		if e := export(svc); !strings.Contains(e, text) {
			t.Fatalf("%s's export lacks %q before the erasure: %s", svc, text, e)
		}
	}
	if e := export("directory"); !strings.Contains(e, "Uwimana") {
		t.Fatalf("the directory's export lacks the name: %s", e)
	}

	// The request.
	r = p.do("directory", "POST", "/privacy/erasure-requests", dpo["directory"], map[string]string{"person_id": aline}, 201)
	request := id(t, r)
	var status struct {
		Status    string
		Pending   []string
		Confirmed []struct{ Service string }
	}
	servicetest.Eventually(t, 3*time.Minute, "every service's confirmation", func() bool {
		p.do("directory", "GET", "/privacy/erasure-requests/"+request, dpo["directory"], nil, 200).JSON(t, &status)
		return status.Status == "completed"
	})
	if len(status.Confirmed) != 5 {
		t.Fatalf("confirmations %+v", status.Confirmed)
	}

	// After: no export, and no read of the directory, returns her name or her texts; the
	// ids are all there.
	for svc := range p.envs {
		e := export(svc)
		for _, s := range append([]string{"Aline", "Uwimana", "aline@"}, texts["recruitment"], texts["plc"], texts["coaching"], texts["accreditation"]) {
			if strings.Contains(e, s) {
				t.Errorf("%s's export still holds %q: %s", svc, s, e)
			}
		}
		for _, want := range ids[svc] {
			if !strings.Contains(e, want) {
				t.Errorf("%s's export lost the id %s: %s", svc, want, e)
			}
		}
	}
	body := string(p.do("directory", "GET", "/people/"+aline, deoDir, nil, 200).Body)
	var again map[string]any
	_ = json.Unmarshal([]byte(body), &again)
	if strings.Contains(body, "Aline") || strings.Contains(body, "Uwimana") || again["staff_id"] != "RW-HT-1" || again["school_id"] != r1 {
		t.Fatalf("the directory's person after erasure: %s", body)
	}
	// The DPO's reads are on each service's audit trail.
	for svc := range p.envs {
		var trail struct{ Items []struct{ Route string } }
		p.do(svc, "GET", "/privacy/"+svc+"/audit?resource="+aline, dpo[svc], nil, 200).JSON(t, &trail)
		found := false
		for _, e := range trail.Items {
			found = found || strings.Contains(e.Route, "/people/:person")
		}
		if !found {
			t.Errorf("%s's audit trail does not show the DPO's export: %+v", svc, trail.Items)
		}
	}
}

// upload sends one reflection of leader's, titled title, and returns the evidence id.
func upload(t *testing.T, p *platform, leader, title string) string {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("requirement", "reflections")
	_ = mw.WriteField("title", title)
	fw, _ := mw.CreateFormFile("file", "reflection.txt")
	_, _ = fw.Write([]byte("What leading the PLC taught me.\n"))
	_ = mw.Close()
	r := p.envs["accreditation"].Do(servicetest.Request{Method: "POST", Path: base + "/evidence", Token: p.token("accreditation", leader, "lll"),
		Body: buf.Bytes(), ContentType: mw.FormDataContentType()})
	if r.Status != http.StatusCreated {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	return id(t, r)
}

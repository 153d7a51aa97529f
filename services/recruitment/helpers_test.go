package recruitment_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/service/servicetest"
	"github.com/l4l-platform/l4l/services/recruitment"
)

const (
	tenant = "rw-gasabo"
	base   = "/v1/tenants/" + tenant
)

// world is a district as the directory describes it: schools and people with roles,
// published as the directory's events.
type world struct {
	t      *testing.T
	env    *servicetest.Env
	writer *kafka.Writer
	deo    string // token of the DEO (the panel's chair role)
	seoTok string
	htTok  string
	today  time.Time
	probe  string // a closed campaign
}

func newWorld(t *testing.T) *world {
	t.Helper()
	env := servicetest.Start(t, recruitment.Definition)
	w := events.NewWriter(env.Stack.KafkaBrokers)
	w.Transport = &kafka.Transport{}
	t.Cleanup(func() { _ = w.Close() })
	kigali, _ := time.LoadLocation("Africa/Kigali")
	return &world{t: t, env: env, writer: w, deo: env.Token([]string{"deo"}, tenant, ""),
		seoTok: env.Token([]string{"seo"}, tenant, ""), htTok: env.Token([]string{"ht"}, tenant, ""), today: time.Now().In(kigali)}
}

func (w *world) date(days int) string { return w.today.AddDate(0, 0, days).Format("2006-01-02") }

// publish writes a directory event as the directory would; at, when not zero, is its time.
func (w *world) publish(typ, subject string, data any, at time.Time) {
	w.t.Helper()
	e, err := events.New("/l4l/directory", "org.l4l.directory."+typ+".v1", tenant, subject, data)
	if err != nil {
		w.t.Fatal(err)
	}
	if !at.IsZero() {
		e.Time = at.UTC().Truncate(time.Millisecond)
	}
	m, err := events.ToMessage(events.Topic("directory"), e)
	if err != nil {
		w.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.writer.WriteMessages(ctx, m); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) school(id, sector string) {
	w.publish("school.created", id, map[string]string{"school_id": id, "code": id, "unit": sector, "ownership": "public", "status": "open"}, time.Time{})
}

func (w *world) role(person, role, unit, start string) {
	id := "as-" + person + "-" + role
	w.publish("role.assigned", id, map[string]string{"assignment_id": id, "person_id": person, "role": role, "unit": unit, "start_date": start, "source": "manual"}, time.Time{})
}

// district publishes a panel and candidates:
//   - deo chairs; seo-k is the SEO of Kacyiru; nll-1 is an NLL who leads school K1 in Kacyiru;
//   - ht-r1 and ht-r2 lead Remera schools (eligible), ht-r3 a Remera school since this year
//     (not eligible), ht-k2 a Kacyiru school (same sector as seo-k and nll-1).
func (w *world) district() {
	for id, sector := range map[string]string{"R1": "rw-gasabo-remera", "R2": "rw-gasabo-remera", "R3": "rw-gasabo-remera",
		"K1": "rw-gasabo-kacyiru", "K2": "rw-gasabo-kacyiru"} {
		w.school(id, sector)
	}
	w.role("deo", "deo", tenant, "2019-01-07")
	w.role("seo-k", "seo", "rw-gasabo-kacyiru", "2019-01-07")
	w.role("nll-1", "nll", tenant, "2022-01-10")
	w.role("nll-1", "ht", "K1", "2012-01-09")
	w.role("ht-r1", "ht", "R1", "2015-01-05")
	w.role("ht-r2", "ht", "R2", "2018-01-08")
	w.role("ht-r3", "ht", "R3", w.date(-30))
	w.role("ht-k2", "ht", "K2", "2010-01-04")
}

var panel = map[string]any{"chair": "deo", "members": []string{"seo-k", "nll-1"}}

// campaign opens a campaign once the directory's facts have reached the read model (the
// panel is checked against them).
func (w *world) campaign(fields map[string]any) campaignDoc {
	w.t.Helper()
	body := map[string]any{"intake": "2027", "opens_on": w.date(-1), "closes_on": w.date(30), "roles": []string{"lll"}, "panel": panel}
	for k, v := range fields {
		body[k] = v
	}
	var c campaignDoc
	servicetest.Eventually(w.t, 30*time.Second, "the directory's facts reach the read model", func() bool {
		r := w.env.Do(servicetest.Request{Method: "POST", Path: base + "/campaigns", Token: w.deo, Body: body})
		if r.Status == http.StatusCreated {
			r.JSON(w.t, &c)
			return true
		}
		return false
	})
	return c
}

// waitFor waits until the read model knows the people as head teachers: it asks a closed
// campaign, which checks the applicant before refusing (no side effects).
func (w *world) waitFor(people ...string) {
	w.t.Helper()
	if w.probe == "" {
		r := w.env.Do(servicetest.Request{Method: "POST", Path: base + "/campaigns", Token: w.deo,
			Body: map[string]any{"intake": "probe", "opens_on": w.date(-1), "closes_on": w.date(30), "roles": []string{"lll"}}})
		var c campaignDoc
		r.JSON(w.t, &c)
		w.mustPost("/campaigns/"+c.ID+"/close", w.deo, nil, 200)
		w.probe = c.ID
	}
	for _, p := range people {
		servicetest.Eventually(w.t, 30*time.Second, p+" reaches the read model", func() bool {
			return w.post("/campaigns/"+w.probe+"/applications", w.deo, map[string]any{"person_id": p, "role": "lll"}).Status == http.StatusConflict
		})
	}
}

type campaignDoc struct {
	ID        string `json:"id"`
	Status    string `json:"status"`
	Positions []struct {
		Key                              string
		Places, Offered, Appointed, Open int
	} `json:"positions"`
	Offers []struct {
		ID            string `json:"id"`
		ApplicationID string `json:"application_id"`
		Status        string `json:"status"`
	} `json:"offers"`
}

type applicationDoc struct {
	ID        string `json:"id"`
	Position  string `json:"position"`
	Screening struct {
		Eligible bool `json:"eligible"`
		Rules    []struct {
			Rule   string `json:"rule"`
			Passed bool   `json:"passed"`
			Reason string `json:"reason"`
		} `json:"rules"`
	} `json:"screening"`
	Scores []struct{} `json:"scores"`
}

var evidence = map[string]bool{"sip_focused_on_learning": true, "collaborative_planning_evidence": true}

func (w *world) apply(campaign, person string) (*servicetest.Response, applicationDoc) {
	w.t.Helper()
	r := w.env.Do(servicetest.Request{Method: "POST", Path: base + "/campaigns/" + campaign + "/applications", Token: w.htTok,
		Body: map[string]any{"person_id": person, "role": "lll", "evidence": evidence}})
	var a applicationDoc
	if r.Status == http.StatusCreated {
		r.JSON(w.t, &a)
	}
	return r, a
}

func (w *world) post(path, tok string, body any) *servicetest.Response {
	w.t.Helper()
	return w.env.Do(servicetest.Request{Method: "POST", Path: base + path, Token: tok, Body: body})
}

func (w *world) mustPost(path, tok string, body any, want int) *servicetest.Response {
	w.t.Helper()
	r := w.post(path, tok, body)
	if r.Status != want {
		w.t.Fatalf("POST %s: %d, want %d: %s", path, r.Status, want, r.Body)
	}
	return r
}

func levels(l int) map[string]int {
	return map[string]int{"coaching_skill": l, "drive_to_improve_others": l, "appetite_for_learning": l, "openness": l, "external_collaboration": l, "inclusive_education": l}
}

// assess records a site visit by the whole panel and the given members' scores.
func (w *world) assess(campaign, app string, scores map[string]map[string]int) {
	w.t.Helper()
	p := fmt.Sprintf("/campaigns/%s/applications/%s", campaign, app)
	w.mustPost(p+"/assessments", w.seoTok, map[string]any{"kind": "site_visit", "date": w.date(0), "present": []string{"deo", "seo-k", "nll-1"},
		"notes": []map[string]string{{"source": "teachers", "text": "The head teacher coaches us weekly."}, {"source": "pupils", "text": "Reading corners in every class."}}}, 200)
	for m, l := range scores {
		w.mustPost(p+"/scores", w.seoTok, map[string]any{"member_id": m, "levels": l}, 200)
	}
}

package accreditation_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/service/servicetest"
	"github.com/l4l-platform/l4l/services/accreditation"
)

const (
	tenant = "rw-gasabo"
	base   = "/v1/tenants/" + tenant
	remera = "rw-gasabo-remera"
)

type page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

type requirementRow struct {
	Key  string `json:"key"`
	Have int    `json:"have"`
	Min  int    `json:"min"`
	Met  bool   `json:"met"`
}

type progress struct {
	Requirements []requirementRow `json:"requirements"`
	Complete     bool             `json:"complete"`
}

type enrolment struct {
	ID           string   `json:"id"`
	PersonID     string   `json:"person_id"`
	Role         string   `json:"role"`
	Cohort       string   `json:"cohort"`
	Source       string   `json:"source"`
	Status       string   `json:"status"`
	AssessorID   string   `json:"assessor_id"`
	CredentialID string   `json:"credential_id"`
	Appointments []string `json:"appointment_ids"`
	Progress     progress `json:"progress"`
	Submissions  []struct {
		Number   int `json:"number"`
		Evidence []struct {
			EvidenceID string `json:"evidence_id"`
		} `json:"evidence"`
		Moderation *struct {
			Reason  string `json:"reason"`
			Outcome string `json:"outcome"`
		} `json:"moderation"`
	} `json:"submissions"`
}

func (e enrolment) have(key string) int {
	for _, r := range e.Progress.Requirements {
		if r.Key == key {
			return r.Have
		}
	}
	return -1
}

type evidence struct {
	ID          string   `json:"id"`
	Requirement string   `json:"requirement"`
	Source      string   `json:"source"`
	Owners      []string `json:"owners"`
	SourceRef   string   `json:"source_ref"`
	File        *struct {
		ContentType string `json:"content_type"`
		Size        int64  `json:"size"`
	} `json:"file"`
}

type assessor struct {
	PersonID string `json:"person_id"`
	Active   bool   `json:"active"`
	Source   string `json:"source"`
}

type credential struct {
	ID          string `json:"id"`
	Credential  string `json:"credential"`
	StatusIndex int    `json:"status_index"`
	Revoked     bool   `json:"revoked"`
}

type verification struct {
	Result string `json:"result"`
	Checks []struct {
		Check  string `json:"check"`
		Passed bool   `json:"passed"`
		Detail string `json:"detail"`
	} `json:"checks"`
	CredentialID string `json:"credential_id"`
}

// world is the service and the other services' side: the test publishes recruitment,
// PLC, coaching and directory events on the real broker as those services would, each
// checked against the publisher's own schema first.
type world struct {
	t   *testing.T
	env *servicetest.Env
	w   *kafka.Writer
	n   int
}

func start(t *testing.T) *world {
	t.Helper()
	key := filepath.Join(t.TempDir(), "signing-key.pem")
	if err := accreditation.WriteKey(key); err != nil {
		t.Fatal(err)
	}
	t.Setenv(accreditation.EnvSigningKey, key)
	t.Setenv(accreditation.EnvPublicURL, "https://accreditation.example.org")
	env := servicetest.Start(t, accreditation.Definition)
	w := events.NewWriter(env.Stack.KafkaBrokers)
	t.Cleanup(func() { _ = w.Close() })
	return &world{t: t, env: env, w: w}
}

// publish sends an event of service as it would (schema-valid against its api/events).
func (w *world) publish(service, typ, subject string, data any) events.Envelope {
	w.t.Helper()
	e, err := events.New("/l4l/"+service, typ, tenant, subject, data)
	if err != nil {
		w.t.Fatal(err)
	}
	w.send(service, e)
	return e
}

// send publishes an envelope as it is (a redelivery sends the same one again).
func (w *world) send(service string, e events.Envelope) {
	w.t.Helper()
	m, err := events.ToMessage(events.Topic(service), e)
	if err != nil {
		w.t.Fatal(err)
	}
	servicetest.ValidateEvent(w.t, "../"+service+"/api/events", m.Value)
	if err := w.w.WriteMessages(context.Background(), m); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) id(prefix string) string {
	w.n++
	return fmt.Sprintf("%s-%03d", prefix, w.n)
}

func (w *world) person(id, school string) {
	w.publish("directory", "org.l4l.directory.person.created.v1", id, map[string]string{"person_id": id, "school_id": school})
}

// appoint publishes recruitment's leader.appointed and returns the appointment id.
func (w *world) appoint(person, role, unit string) string {
	ap := w.id("apt")
	w.publish("recruitment", "org.l4l.recruitment.leader.appointed.v1", ap, map[string]string{"appointment_id": ap,
		"campaign_id": "cmp-1", "person_id": person, "role": role, "unit": unit, "start_date": "2026-09-07"})
	return ap
}

func (w *world) exit(appointment, person, role, unit string) {
	w.publish("recruitment", "org.l4l.recruitment.leader.exited.v1", appointment, map[string]string{"appointment_id": appointment,
		"person_id": person, "role": role, "unit": unit, "end_date": "2026-11-30", "reason": "resigned"})
}

// plcHeld publishes a sector PLC session held with its facilitators.
func (w *world) plcHeld(session string, facilitators ...string) events.Envelope {
	return w.publish("plc", "org.l4l.plc.session.held.v1", session, map[string]any{"session_id": session, "group_id": "grp-remera",
		"kind": "sector", "unit": remera, "date": "2026-10-01", "start": "2026-10-01T08:00:00Z", "mode": "in_person",
		"facilitators": facilitators, "attendance": []map[string]string{{"person_id": "ht-9", "status": "present"}},
		"school_ids_discussed": []string{}, "competency_areas": []string{"leading_teaching"}, "action_ids": []string{}, "followed_up_action_ids": []string{}})
}

func (w *world) coachingSession(session, coach, coachee, observer string) {
	data := map[string]any{"session_id": session, "relationship_id": "rel-" + coachee, "link": "lll>ht", "coach_id": coach,
		"coach_role": "lll", "coachee_id": coachee, "coachee_role": "ht", "unit": remera, "date": "2026-10-02", "mode": "school_visit",
		"duration_minutes": 60, "focus_areas": []string{"leading_teaching"}, "actions_agreed": 1, "actions_carried": 0,
		"actions_followed_up": 0, "actions_completed": 0, "observed": observer != ""}
	if observer != "" {
		data["observer_id"] = observer
	}
	w.publish("coaching", "org.l4l.coaching.session.logged.v1", session, data)
}

func (w *world) coachingStarted(rel, coach, coachee string) {
	w.publish("coaching", "org.l4l.coaching.relationship.started.v1", rel, map[string]any{"relationship_id": rel, "link": "nll>lll",
		"coach_id": coach, "coach_role": "nll", "coachee_id": coachee, "coachee_role": "lll", "unit": remera, "group_unit": tenant,
		"source": "auto", "start_date": "2026-09-07", "caseload_overridden": false})
}

func (w *world) token(subject string, roles ...string) string {
	tok, err := w.env.Issuer.Token(subject, roles, "rw", tenant, "", time.Hour)
	if err != nil {
		w.t.Fatal(err)
	}
	return tok
}

// assessorToken is a national token, as the university's assessors hold.
func (w *world) assessorToken(subject string) string {
	tok, err := w.env.Issuer.Token(subject, []string{"assessor"}, "rw", "", "", time.Hour)
	if err != nil {
		w.t.Fatal(err)
	}
	return tok
}

func (w *world) deo() string { return w.token("deo-1", "deo") }

func (w *world) do(method, path, tok string, body any) *servicetest.Response {
	w.t.Helper()
	return w.env.Do(servicetest.Request{Method: method, Path: path, Token: tok, Body: body})
}

// want fails unless r has status; for a problem, it returns the field names it lists.
func want(t *testing.T, r *servicetest.Response, status int) []string {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	if status < 400 {
		return nil
	}
	var fields []string
	for _, f := range r.Problem(t).Errors {
		fields = append(fields, f.Field)
	}
	return fields
}

func (w *world) enrolmentOf(person string) (enrolment, bool) {
	w.t.Helper()
	r := w.do("GET", base+"/enrolments?person_id="+person, w.deo(), nil)
	want(w.t, r, http.StatusOK)
	var p page[enrolment]
	r.JSON(w.t, &p)
	for _, e := range p.Items {
		if e.Status != "withdrawn" {
			return w.enrolment(e.ID), true
		}
	}
	return enrolment{}, false
}

func (w *world) enrolment(id string) enrolment {
	w.t.Helper()
	r := w.do("GET", base+"/enrolments/"+id, w.deo(), nil)
	want(w.t, r, http.StatusOK)
	var e enrolment
	r.JSON(w.t, &e)
	return e
}

// waitEnrolment waits until person's live enrolment satisfies cond.
func (w *world) waitEnrolment(person, what string, cond func(enrolment) bool) enrolment {
	w.t.Helper()
	var e enrolment
	servicetest.Eventually(w.t, 30*time.Second, what, func() bool {
		var ok bool
		e, ok = w.enrolmentOf(person)
		return ok && cond(e)
	})
	return e
}

// upload sends a multipart upload as the leader.
func (w *world) upload(leader string, fields map[string]string, filename string, content []byte) *servicetest.Response {
	body, ct := multipartBody(w.t, fields, filename, content)
	return w.postUpload(leader, body, ct, "")
}

// multipartBody builds an upload's body (its boundary is random: a retry resends these bytes).
func multipartBody(t *testing.T, fields map[string]string, filename string, content []byte) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	if content != nil {
		fw, err := mw.CreateFormFile("file", filename)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(content)
	}
	_ = mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

// postUpload sends an upload body, with an Idempotency-Key unless key is empty.
func (w *world) postUpload(leader string, body []byte, contentType, key string) *servicetest.Response {
	w.t.Helper()
	req := servicetest.Request{Method: "POST", Path: base + "/evidence", Token: w.token(leader, "lll"), Body: body, ContentType: contentType}
	if key != "" {
		req.Header = map[string]string{"Idempotency-Key": key}
	}
	return w.env.Do(req)
}

// rawDoAuth is rawDo with a bearer token.
func (w *world) rawDoAuth(method, path, tok string) (int, string, string) {
	w.t.Helper()
	req, err := http.NewRequest(method, w.env.URL+path, nil)
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer res.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(res.Body)
	return res.StatusCode, res.Header.Get("Content-Type"), b.String()
}

// rawDo calls the service without the contract check (media types kin-openapi cannot decode).
func (w *world) rawDo(method, path, contentType, accept, body string) (int, string, string) {
	w.t.Helper()
	req, err := http.NewRequest(method, w.env.URL+path, strings.NewReader(body))
	if err != nil {
		w.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer res.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(res.Body)
	return res.StatusCode, res.Header.Get("Content-Type"), b.String()
}

// accreditationEvents reads the service's topic until what it read satisfies enough,
// checking each event against its schema.
func accreditationEvents(t *testing.T, w *world, enough func(map[string][]events.Envelope) bool) map[string][]events.Envelope {
	t.Helper()
	rd := kafka.NewReader(kafka.ReaderConfig{Brokers: w.env.Stack.KafkaBrokers, Topic: events.Topic("accreditation"),
		GroupID: "test-" + t.Name(), StartOffset: kafka.FirstOffset, MaxWait: 100 * time.Millisecond,
		HeartbeatInterval: 100 * time.Millisecond, JoinGroupBackoff: 100 * time.Millisecond,
		SessionTimeout: time.Second, RebalanceTimeout: 2 * time.Second})
	defer rd.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	seen := map[string][]events.Envelope{}
	for !enough(seen) {
		m, err := rd.FetchMessage(ctx)
		if err != nil {
			t.Fatalf("after %d event types (%v): %v", len(seen), keys(seen), err)
		}
		servicetest.ValidateEvent(t, "api/events", m.Value)
		e, err := events.FromMessage(m)
		if err != nil {
			t.Fatal(err)
		}
		if e.Tenant != tenant || string(m.Key) != tenant+"/"+e.Subject {
			t.Fatalf("event %s keyed %s", e.Type, m.Key)
		}
		seen[e.Type] = append(seen[e.Type], e)
	}
	// Then whatever else is there within a second: a duplicate would show up here.
	drain, stop := context.WithTimeout(context.Background(), time.Second)
	defer stop()
	for {
		m, err := rd.FetchMessage(drain)
		if err != nil {
			return seen
		}
		e, err := events.FromMessage(m)
		if err != nil {
			t.Fatal(err)
		}
		seen[e.Type] = append(seen[e.Type], e)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

package accreditation_test

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/service/servicetest"
)

// count is how many documents a collection of the tenant's database holds.
func (w *world) count(coll string) int64 {
	w.t.Helper()
	n, err := w.env.Svc.Deps.Mongo.Database(mongox.DBName("accreditation", tenant)).Collection(coll).CountDocuments(context.Background(), bson.D{})
	if err != nil {
		w.t.Fatal(err)
	}
	return n
}

// TestBadInput sends each bad input of the issue and checks the answer names the problem
// and nothing was written: no evidence, no file in GridFS, no version change.
func TestBadInput(t *testing.T) {
	w := start(t)
	deo := w.deo()

	// Manual enrolment: refused fields are named; a second live enrolment is a conflict.
	fields := want(t, w.do("POST", base+"/enrolments", deo, map[string]string{"person_id": "lll-1", "role": "ht", "unit": "rw-kicukiro-niboye"}), http.StatusBadRequest)
	if !slices.Equal(fields, []string{"role", "unit"}) {
		t.Errorf("bad enrolment names %v", fields)
	}
	fields = want(t, w.do("POST", base+"/enrolments", deo, map[string]string{"person_id": "lll-1", "role": "nll", "unit": remera}), http.StatusBadRequest)
	if !slices.Equal(fields, []string{"unit"}) {
		t.Errorf("an NLL enrolled in a sector: %v", fields)
	}
	want(t, w.do("POST", base+"/enrolments", w.token("ht-1", "ht"), map[string]string{"person_id": "ht-1", "role": "lll", "unit": remera}), http.StatusForbidden)
	fields = want(t, w.do("POST", base+"/enrolments", deo, map[string]any{"person_id": "lll-1", "role": "lll", "unit": remera, "grade": "A"}), http.StatusBadRequest)
	if !slices.Equal(fields, []string{"grade"}) {
		t.Errorf("unknown field: %v", fields)
	}
	if n := w.count("enrolments"); n != 0 {
		t.Fatalf("refused enrolments wrote %d documents", n)
	}
	enrol := servicetest.Request{Method: "POST", Path: base + "/enrolments", Token: deo, Header: map[string]string{"Idempotency-Key": "enrol-lll-1"},
		Body: map[string]string{"person_id": "lll-1", "role": "lll", "unit": remera}}
	first := w.env.Do(enrol)
	want(t, first, http.StatusCreated)
	if replay := w.env.Do(enrol); replay.Status != http.StatusCreated || !bytes.Equal(replay.Body, first.Body) {
		t.Fatalf("a retried enrolment answered %d %s", replay.Status, replay.Body)
	}
	want(t, w.do("POST", base+"/enrolments", deo, map[string]string{"person_id": "lll-1", "role": "lll", "unit": remera}), http.StatusConflict)
	var e enrolment
	first.JSON(t, &e)
	if e.Source != "manual" || e.Cohort == "" {
		t.Fatalf("manual enrolment %+v", e)
	}

	// Uploads.
	text := []byte("A reflection.\n")
	cases := []struct {
		name   string
		fields map[string]string
		file   string
		body   []byte
		status int
		field  string
	}{
		{"over the size limit", map[string]string{"requirement": "reflections", "title": "big"}, "big.txt", bytes.Repeat([]byte("a"), 10<<20+1), http.StatusRequestEntityTooLarge, ""},
		{"a program, named .pdf", map[string]string{"requirement": "reflections", "title": "exe"}, "cv.pdf", append([]byte("MZ\x90\x00\x03\x00\x00\x00"), make([]byte, 64)...), http.StatusUnsupportedMediaType, ""},
		{"HTML, named .txt", map[string]string{"requirement": "reflections", "title": "html"}, "notes.txt", []byte("<html><script>alert(1)</script></html>"), http.StatusUnsupportedMediaType, ""},
		{"a zip archive", map[string]string{"requirement": "reflections", "title": "zip"}, "r.zip", []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00"), http.StatusUnsupportedMediaType, ""},
		{"unknown requirement", map[string]string{"requirement": "essays", "title": "x"}, "r.txt", text, http.StatusBadRequest, "requirement"},
		{"an automatic requirement", map[string]string{"requirement": "plcs_led", "title": "x"}, "r.txt", text, http.StatusBadRequest, "requirement"},
		{"no title", map[string]string{"requirement": "reflections"}, "r.txt", text, http.StatusBadRequest, "title"},
		{"no file", map[string]string{"requirement": "reflections", "title": "x"}, "", nil, http.StatusBadRequest, "file"},
		{"a team member not enrolled", map[string]string{"requirement": "group_project", "title": "x", "team_member_ids": "ht-7"}, "r.txt", text, http.StatusBadRequest, "team_member_ids[0]"},
		{"a team on individual evidence", map[string]string{"requirement": "reflections", "title": "x", "team_member_ids": "lll-1"}, "r.txt", text, http.StatusBadRequest, "team_member_ids"},
		{"a bad date", map[string]string{"requirement": "reflections", "title": "x", "date": "31/12/2026"}, "r.txt", text, http.StatusBadRequest, "date"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fields := want(t, w.upload("lll-1", tc.fields, tc.file, tc.body), tc.status)
			if tc.field != "" && !slices.Contains(fields, tc.field) {
				t.Errorf("fields %v, want %s", fields, tc.field)
			}
		})
	}
	if ev, files := w.count("evidence"), w.count("uploads.files"); ev != 0 || files != 0 {
		t.Fatalf("refused uploads left %d evidence and %d files", ev, files)
	}
	want(t, w.upload("ht-1", map[string]string{"requirement": "reflections", "title": "x"}, "r.txt", text), http.StatusForbidden)

	// A tablet retrying an upload with its Idempotency-Key stores it once.
	body, ct := multipartBody(t, map[string]string{"requirement": "reflections", "title": "Retried"}, "r.txt", text)
	once := w.postUpload("lll-1", body, ct, "tablet-upload-1")
	want(t, once, http.StatusCreated)
	if again := w.postUpload("lll-1", body, ct, "tablet-upload-1"); again.Status != http.StatusCreated || !bytes.Equal(again.Body, once.Body) {
		t.Fatalf("the retried upload answered %d %s", again.Status, again.Body)
	}
	if ev, files := w.count("evidence"), w.count("uploads.files"); ev != 1 || files != 1 {
		t.Fatalf("a retried upload stored %d evidence and %d files", ev, files)
	}
	// Exactly at the limit is accepted (the route's body limit leaves room for the envelope).
	want(t, w.upload("lll-1", map[string]string{"requirement": "reflections", "title": "Long"}, "long.txt", bytes.Repeat([]byte("a"), 10<<20)), http.StatusCreated)
	if ev, files := w.count("evidence"), w.count("uploads.files"); ev != 2 || files != 2 {
		t.Fatalf("%d evidence and %d files after two uploads", ev, files)
	}

	// Mappings: unknown competency, missing reflection, missing or stale If-Match.
	var item evidence
	once.JSON(t, &item)
	path := base + "/evidence/" + item.ID + "/mappings"
	lll1 := w.token("lll-1", "lll")
	r := w.env.Do(requestWithIfMatch(path, lll1, `"1"`, map[string]any{"mappings": []map[string]string{
		{"competency": "leading_teaching", "reflection": "ok"}, {"competency": "juggling", "reflection": "fun"}, {"competency": "leading_learning", "reflection": " "}}}))
	if fields := want(t, r, http.StatusBadRequest); !slices.Equal(fields, []string{"mappings[1].competency", "mappings[2].reflection"}) {
		t.Errorf("mapping fields %v", fields)
	}
	good := map[string]any{"mappings": []map[string]string{{"competency": "leading_teaching", "reflection": "ok"}}}
	want(t, w.do("PUT", path, lll1, good), http.StatusPreconditionRequired)
	want(t, w.env.Do(requestWithIfMatch(path, lll1, `"7"`, good)), http.StatusPreconditionFailed)
	want(t, w.env.Do(requestWithIfMatch(path, w.token("lll-9", "lll"), `"1"`, good)), http.StatusNotFound)
	r = w.do("GET", base+"/evidence/"+item.ID, lll1, nil)
	if want(t, r, http.StatusOK); r.Header.Get("ETag") != `"1"` {
		t.Fatalf("refused mappings changed the evidence to version %s", r.Header.Get("ETag"))
	}

	// Submitting an incomplete portfolio changes nothing.
	before := w.do("GET", base+"/enrolments/"+e.ID, deo, nil).Header.Get("ETag")
	fields = want(t, w.do("POST", base+"/enrolments/"+e.ID+"/submit", lll1, nil), http.StatusUnprocessableEntity)
	if !slices.Contains(fields, "requirements.plcs_led") || !slices.Contains(fields, "requirements.reflections") {
		t.Errorf("missing requirements %v", fields)
	}
	want(t, w.do("POST", base+"/enrolments/"+e.ID+"/submit", deo, nil), http.StatusForbidden)
	if after := w.do("GET", base+"/enrolments/"+e.ID, deo, nil).Header.Get("ETag"); after != before {
		t.Fatalf("a refused submission changed the enrolment from %s to %s", before, after)
	}

	// State errors: no assessor on an open portfolio, no assessment or award before submission.
	want(t, w.do("PUT", base+"/assessors/lll-1", deo, map[string]any{"active": true}), http.StatusOK)
	want(t, w.do("PUT", base+"/assessors/asr-1", deo, map[string]any{}), http.StatusBadRequest)
	want(t, w.do("POST", base+"/enrolments/"+e.ID+"/assessor", deo, map[string]string{"assessor_id": "nobody"}), http.StatusBadRequest)
	want(t, w.do("POST", base+"/enrolments/"+e.ID+"/assessor", deo, map[string]string{"assessor_id": "lll-1"}), http.StatusConflict)
	want(t, w.do("POST", base+"/enrolments/"+e.ID+"/assessment", w.assessorToken("lll-1"), map[string]any{"judgements": []any{}, "outcome": "pass"}), http.StatusConflict)
	want(t, w.do("POST", base+"/enrolments/"+e.ID+"/award", w.assessorToken("lll-1"), nil), http.StatusConflict)
	want(t, w.do("POST", base+"/enrolments/"+e.ID+"/assessment", w.assessorToken("not-registered"), map[string]any{"judgements": []any{}, "outcome": "pass"}), http.StatusForbidden)
	if after := w.do("GET", base+"/enrolments/"+e.ID, deo, nil).Header.Get("ETag"); after != before {
		t.Fatalf("refused calls changed the enrolment from %s to %s", before, after)
	}

	// An appointment recruitment could publish but the programme cannot take (an LLL in a
	// unit outside the district) is parked on the consumer's dead-letter topic with its
	// reason, and enrols nobody.
	w.appoint("lll-7", "lll", "rw-nyarugenge-gitega")
	rd := kafka.NewReader(kafka.ReaderConfig{Brokers: w.env.Stack.KafkaBrokers, Topic: events.DLQTopic("accreditation-recruitment"),
		GroupID: "test-dlq", StartOffset: kafka.FirstOffset, MaxWait: 100 * time.Millisecond, HeartbeatInterval: 100 * time.Millisecond,
		JoinGroupBackoff: 100 * time.Millisecond, SessionTimeout: time.Second, RebalanceTimeout: 2 * time.Second})
	defer rd.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m, err := rd.FetchMessage(ctx)
	if err != nil {
		t.Fatalf("no dead letter: %v", err)
	}
	var reason string
	for _, h := range m.Headers {
		if h.Key == events.HeaderDLQError {
			reason = string(h.Value)
		}
	}
	if !strings.Contains(reason, "unit") || !bytes.Contains(m.Value, []byte("lll-7")) {
		t.Errorf("dead letter %q: %s", reason, m.Value)
	}
	if _, ok := w.enrolmentOf("lll-7"); ok {
		t.Error("the refused appointment enrolled lll-7")
	}

	// Public routes without a token; private ones need one.
	want(t, w.do("GET", base+"/programme", "", nil), http.StatusUnauthorized)
	if status, _, _ := w.rawDo("GET", "/v1/status-lists/rw-nowhere", "", "", ""); status != http.StatusNotFound {
		t.Errorf("status list of an unknown tenant: %d", status)
	}
	// A tenant nobody used has an empty list, and asking for it creates no database.
	if status, _, _ := w.rawDo("GET", "/v1/status-lists/rw-nyarugenge", "", "", ""); status != http.StatusOK {
		t.Errorf("status list of an unused tenant: %d", status)
	}
	names, err := w.env.Svc.Deps.Mongo.ListDatabaseNames(context.Background(), bson.D{})
	if err != nil || slices.Contains(names, mongox.DBName("accreditation", "rw-nyarugenge")) {
		t.Errorf("a public read created a database (%v): %v", err, names)
	}
	if status, _, _ := w.rawDo("POST", "/v1/credentials/verify", "application/xml", "", "<vc/>"); status != http.StatusUnsupportedMediaType {
		t.Errorf("verify as XML: %d", status)
	}
}

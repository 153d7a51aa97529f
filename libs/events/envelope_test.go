package events_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/segmentio/kafka-go"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/l4l-platform/l4l/libs/events"
)

func TestNewAndJSONRoundTrip(t *testing.T) {
	t.Parallel()
	data := map[string]any{"school_id": "s-1", "sector_id": "sec-9", "count": 3}
	e, err := events.New("/l4l/directory", "org.l4l.directory.school.created.v1", "rw-gasabo", "s-1", data)
	if err != nil {
		t.Fatal(err)
	}
	id, err := uuid.Parse(e.ID)
	if err != nil || id.Version() != 7 {
		t.Fatalf("id %q is not a UUIDv7 (%v)", e.ID, err)
	}
	if e.Time.Location() != time.UTC || e.Time.Nanosecond()%int(time.Millisecond) != 0 {
		t.Errorf("time %v: want UTC truncated to ms", e.Time)
	}

	m, err := events.ToMessage(events.Topic("directory"), e)
	if err != nil {
		t.Fatal(err)
	}
	var wire map[string]any
	if err := json.Unmarshal(m.Value, &wire); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{
		"specversion": "1.0", "id": e.ID, "source": "/l4l/directory", "subject": "s-1",
		"type": "org.l4l.directory.school.created.v1", "tenant": "rw-gasabo",
		"datacontenttype": "application/json", "time": e.Time.Format(time.RFC3339Nano),
	} {
		if wire[k] != want {
			t.Errorf("JSON %s = %v, want %v", k, wire[k], want)
		}
	}
	if d, _ := wire["data"].(map[string]any); d["school_id"] != "s-1" {
		t.Errorf("JSON data = %v", wire["data"])
	}

	got, err := events.FromMessage(m)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, e) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, e)
	}
	var back map[string]any
	if err := got.DecodeData(&back); err != nil || back["sector_id"] != "sec-9" {
		t.Errorf("DecodeData = %v, %v", back, err)
	}
}

func TestConventions(t *testing.T) {
	t.Parallel()
	if got := events.Topic("plc"); got != "l4l.plc.events" {
		t.Errorf("Topic = %q", got)
	}
	if got := events.DLQTopic("analytics"); got != "l4l.analytics.dlq" {
		t.Errorf("DLQTopic = %q", got)
	}
	if got := string(events.Key("rw-gasabo", "s-1")); got != "rw-gasabo/s-1" {
		t.Errorf("Key = %q", got)
	}
	e, err := events.New("/l4l/tenancy", "org.l4l.tenancy.tenant.provisioned.v1", "rw-gasabo", "rw-gasabo", nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := events.ToMessage(events.TenancyTopic, e)
	if err != nil {
		t.Fatal(err)
	}
	if string(m.Key) != "rw-gasabo" || m.Topic != events.TenancyTopic {
		t.Errorf("tenancy message key %q topic %q: want keyed by tenant alone", m.Key, m.Topic)
	}
	if header(m, events.ContentTypeHeader) != "application/cloudevents+json" {
		t.Errorf("headers = %v", m.Headers)
	}
	if strings.Contains(string(m.Value), `"data"`) {
		t.Errorf("nil data should be omitted: %s", m.Value)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	good := func() events.Envelope {
		return events.Envelope{
			SpecVersion: "1.0", ID: "0190a0b2-0000-7000-8000-000000000000", Source: "/l4l/plc",
			Type: "org.l4l.plc.session.recorded.v1", Subject: "sess-1", Time: time.Now(),
			DataContentType: "application/json", Tenant: "rw-gasabo", Data: json.RawMessage(`{"a":1}`),
		}
	}
	tests := []struct {
		name    string
		mutate  func(*events.Envelope)
		wantErr string // "" means valid
	}{
		{"valid", func(*events.Envelope) {}, ""},
		{"no data is fine", func(e *events.Envelope) { e.Data = nil }, ""},
		{"no datacontenttype is fine", func(e *events.Envelope) { e.DataContentType = "" }, ""},
		{"multi-word noun and verb", func(e *events.Envelope) { e.Type = "org.l4l.directory.role_assignment.ended.v2" }, ""},
		{"specversion", func(e *events.Envelope) { e.SpecVersion = "0.3" }, "specversion"},
		{"id", func(e *events.Envelope) { e.ID = "" }, "id is empty"},
		{"source", func(e *events.Envelope) { e.Source = "" }, "source is empty"},
		{"subject", func(e *events.Envelope) { e.Subject = "" }, "subject"},
		{"time", func(e *events.Envelope) { e.Time = time.Time{} }, "time is zero"},
		{"tenant", func(e *events.Envelope) { e.Tenant = "" }, "tenant is empty"},
		{"tenant with slash", func(e *events.Envelope) { e.Tenant = "rw/gasabo" }, "contains '/'"},
		{"content type", func(e *events.Envelope) { e.DataContentType = "text/plain" }, "datacontenttype"},
		{"data not JSON", func(e *events.Envelope) { e.Data = json.RawMessage(`{oops`) }, "not valid JSON"},
		{"type without version", func(e *events.Envelope) { e.Type = "org.l4l.plc.session.recorded" }, "type"},
		{"type with v0", func(e *events.Envelope) { e.Type = "org.l4l.plc.session.recorded.v0" }, "type"},
		{"type upper case", func(e *events.Envelope) { e.Type = "org.l4l.plc.Session.recorded.v1" }, "type"},
		{"type foreign prefix", func(e *events.Envelope) { e.Type = "com.example.plc.session.recorded.v1" }, "type"},
		{"type missing verb", func(e *events.Envelope) { e.Type = "org.l4l.plc.session.v1" }, "type"},
		{"several problems at once", func(e *events.Envelope) { e.ID, e.Tenant = "", "" }, "id is empty; tenant is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := good()
			tt.mutate(&e)
			err := e.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, events.ErrInvalidEnvelope) {
				t.Fatalf("Validate() = %v, want ErrInvalidEnvelope mentioning %q", err, tt.wantErr)
			}
			if _, err := events.ToMessage("t", e); err == nil {
				t.Errorf("ToMessage accepted an invalid envelope")
			}
		})
	}
}

func TestFromMessageRejectsWhatIsNotACloudEvent(t *testing.T) {
	t.Parallel()
	for _, v := range []string{``, `not json`, `[]`, `{}`, `{"specversion":"1.0","id":"x"}`} {
		_, err := events.FromMessage(kafka.Message{Value: []byte(v)})
		if !errors.Is(err, events.ErrInvalidEnvelope) {
			t.Errorf("FromMessage(%q) = %v, want ErrInvalidEnvelope", v, err)
		}
	}
}

// TestOutboxBSONRoundTrip stores envelopes in a document's outbox on the real (embedded)
// database and reads them back unchanged; data is kept as a JSON string.
func TestOutboxBSONRoundTrip(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	c := env.db.Collection("things")
	ctx := context.Background()
	// Numbers that a BSON sub-document would alter (big int, float formatting).
	raw := json.RawMessage(`{"big":9007199254740993,"f":1.50,"s":"é<>&","nested":{"a":[1,2]}}`)
	e1, err := events.New("/l4l/test", "org.l4l.test.thing.created.v1", "t1", "a", raw)
	if err != nil {
		t.Fatal(err)
	}
	e2, err := events.New("/l4l/test", "org.l4l.test.thing.renamed.v1", "t1", "a", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.InsertOne(ctx, bson.D{{Key: "_id", Value: "a"}, {Key: events.OutboxField, Value: []events.Envelope{e1, e2}}}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Outbox []events.Envelope `bson:"outbox"`
	}
	if err := c.FindOne(ctx, bson.D{{Key: "_id", Value: "a"}}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(doc.Outbox, []events.Envelope{e1, e2}) {
		t.Errorf("round trip:\n got %+v\nwant %+v", doc.Outbox, []events.Envelope{e1, e2})
	}
	if string(doc.Outbox[0].Data) != string(raw) {
		t.Errorf("data bytes changed: %s", doc.Outbox[0].Data)
	}
	var stored bson.M
	if err := c.FindOne(ctx, bson.D{{Key: "_id", Value: "a"}}).Decode(&stored); err != nil {
		t.Fatal(err)
	}
	first := stored["outbox"].(bson.A)[0].(bson.D)
	for _, f := range first {
		switch f.Key {
		case "data":
			if _, ok := f.Value.(string); !ok {
				t.Errorf("data stored as %T, want string", f.Value)
			}
		case "time":
			if _, ok := f.Value.(bson.DateTime); !ok {
				t.Errorf("time stored as %T, want a BSON date", f.Value)
			}
		}
	}
}

// A derived id is a valid UUIDv7 carrying t, the same for the same inputs and different
// for different ones.
func TestDerivedID(t *testing.T) {
	DerivedID, New := events.DerivedID, events.New
	at := time.Date(2026, 11, 23, 10, 0, 0, 123e6, time.UTC)
	a := DerivedID(at, "upload-1", "sessions", "s1", "0")
	if a != DerivedID(at, "upload-1", "sessions", "s1", "0") {
		t.Fatal("not deterministic")
	}
	for _, other := range []string{DerivedID(at, "upload-1", "sessions", "s2", "0"), DerivedID(at, "upload-1", "sessions", "s1", "1"),
		DerivedID(at, "upload-1sessions", "s1", "0"), DerivedID(at.Add(time.Millisecond), "upload-1", "sessions", "s1", "0")} {
		if other == a {
			t.Fatalf("%s made twice from different inputs", a)
		}
	}
	id, err := uuid.Parse(a)
	if err != nil || id.Version() != 7 || id.Variant() != uuid.RFC4122 {
		t.Fatalf("%s: version %v variant %v err %v", a, id.Version(), id.Variant(), err)
	}
	if sec, nsec := id.Time().UnixTime(); time.Unix(sec, nsec).UnixMilli() != at.UnixMilli() {
		t.Fatalf("%s carries %v, want %v", a, time.Unix(sec, nsec), at)
	}
	e, err := New("/l4l/test", "org.l4l.test.thing.happened.v1", "rw-gasabo", "x", nil)
	if err != nil {
		t.Fatal(err)
	}
	e.ID = a
	if err := e.Validate(); err != nil {
		t.Fatalf("an envelope with a derived id: %v", err)
	}
}

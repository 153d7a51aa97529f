package events

import (
	"bytes"
	"encoding/json"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// FuzzEnvelope: whatever bytes arrive on a topic, reading them as an envelope either fails
// validation (the consumer parks them on the DLQ) or gives an envelope that survives the
// trip through the outbox's BSON form unchanged. Never a panic.
func FuzzEnvelope(f *testing.F) {
	good, _ := New("/l4l/plc", "org.l4l.plc.session.held.v1", "rw-gasabo", "s1", map[string]any{"session_id": "s1", "present": 3})
	b, _ := json.Marshal(good)
	f.Add(b)
	f.Add([]byte(`{"specversion":"1.0","id":"x","source":"s","type":"org.l4l.a.b.c.v1","subject":"s","time":"2027-01-01T00:00:00Z","tenant":"rw-x","data":{"a":1e999}}`))
	f.Add([]byte(`{"specversion":"1.0","tenant":"a/b","data":"\ud800"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		var e Envelope
		if err := json.Unmarshal(raw, &e); err != nil {
			return
		}
		if e.Validate() != nil {
			return
		}
		stored, err := bson.Marshal(e)
		if err != nil {
			t.Fatalf("a valid envelope does not marshal to BSON: %v", err)
		}
		var back Envelope
		if err := bson.Unmarshal(stored, &back); err != nil {
			t.Fatalf("BSON form does not read back: %v", err)
		}
		if back.ID != e.ID || back.Type != e.Type || back.Tenant != e.Tenant || back.Subject != e.Subject ||
			!back.Time.Equal(e.Time) || !bytes.Equal(back.Data, e.Data) {
			t.Fatalf("outbox round trip changed the envelope:\n%+v\n%+v", e, back)
		}
		if back.Validate() != nil {
			t.Fatalf("a valid envelope is invalid after the outbox: %v", back.Validate())
		}
	})
}

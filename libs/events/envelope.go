package events

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// SpecVersion is the CloudEvents version every envelope declares.
const SpecVersion = "1.0"

// JSONContentType is the only data content type the platform publishes: events carry
// ids and facts as JSON, described by a JSON Schema in the publisher's api/events/.
const JSONContentType = "application/json"

// ErrInvalidEnvelope is wrapped by every error Validate and FromMessage return, so a
// consumer can tell a malformed event (poison: retrying cannot help) from a failed handler.
var ErrInvalidEnvelope = errors.New("events: invalid envelope")

// typePattern is `org.l4l.<service>.<noun>.<verb>.v<N>`. Lower case keeps types greppable
// and stable; the version suffix lets a publisher ship v2 beside v1 while consumers migrate.
var typePattern = regexp.MustCompile(`^org\.l4l\.[a-z][a-z0-9]*\.[a-z][a-z0-9_-]*\.[a-z][a-z0-9_-]*\.v[1-9][0-9]*$`)

// Envelope is a CloudEvents 1.0 event in structured JSON mode: the whole event, attributes
// and data, is the Kafka message value, so integrators need no Kafka-specific binding.
//
// The same value sits in a MongoDB aggregate's outbox (see OutboxField). Its BSON form
// keeps Data as a string, so the bytes published are exactly the bytes the store wrote,
// and Time as a BSON date (millisecond precision: New truncates to milliseconds so that an
// envelope survives the round trip through the outbox unchanged).
type Envelope struct {
	// SpecVersion is always "1.0".
	SpecVersion string `json:"specversion" bson:"specversion"`
	// ID is a UUIDv7: unique, and time-ordered so an index on it stays append-only.
	// Consumers deduplicate on it (their inbox is keyed by it).
	ID string `json:"id" bson:"id"`
	// Source names the publishing service, e.g. "/l4l/directory".
	Source string `json:"source" bson:"source"`
	// Type is org.l4l.<service>.<noun>.<verb>.v<N>, e.g. org.l4l.directory.school.created.v1.
	Type string `json:"type" bson:"type"`
	// Subject is the id of the aggregate the event is about; with Tenant it forms the
	// Kafka key, so one aggregate's events stay in order on one partition.
	Subject string `json:"subject" bson:"subject"`
	// Time is when the fact happened (UTC).
	Time time.Time `json:"time" bson:"time"`
	// DataContentType is "application/json".
	DataContentType string `json:"datacontenttype,omitempty" bson:"datacontenttype,omitempty"`
	// Tenant is the CloudEvents extension attribute naming the district tenant.
	Tenant string `json:"tenant" bson:"tenant"`
	// Data is the event payload: ids and facts, never names or free text.
	Data json.RawMessage `json:"data,omitempty" bson:"data,omitempty"`
}

// DerivedID is a UUIDv7 made from t and parts rather than at random: the same inputs
// always give the same id. A store that may have to make an event again after a crash
// (rather than keeping the event itself) gives it a derived id, so that the event made
// again has the id consumers deduplicate by.
func DerivedID(t time.Time, parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	var id uuid.UUID
	copy(id[:], h.Sum(nil))
	ms := uint64(t.UnixMilli())
	id[0], id[1], id[2], id[3], id[4], id[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
	id[6] = 0x70 | id[6]&0x0f // version 7
	id[8] = 0x80 | id[8]&0x3f // RFC 9562 variant
	return id.String()
}

// New builds a valid envelope with a fresh UUIDv7 id and the current time. data is
// marshalled to JSON (a json.RawMessage or []byte holding JSON is used as is).
func New(source, typ, tenant, subject string, data any) (Envelope, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return Envelope{}, fmt.Errorf("events: new id: %w", err)
	}
	var raw json.RawMessage
	switch d := data.(type) {
	case nil:
	case json.RawMessage:
		raw = d
	case []byte:
		raw = d
	default:
		if raw, err = json.Marshal(d); err != nil {
			return Envelope{}, fmt.Errorf("events: marshal data of %s: %w", typ, err)
		}
	}
	e := Envelope{
		SpecVersion:     SpecVersion,
		ID:              id.String(),
		Source:          source,
		Type:            typ,
		Subject:         subject,
		Time:            time.Now().UTC().Truncate(time.Millisecond),
		DataContentType: JSONContentType,
		Tenant:          tenant,
		Data:            raw,
	}
	if err := e.Validate(); err != nil {
		return Envelope{}, err
	}
	return e, nil
}

// Validate reports every missing or malformed attribute at once (wrapping
// ErrInvalidEnvelope), so a publisher's test shows all its mistakes in one run.
func (e Envelope) Validate() error {
	var probs []string
	if e.SpecVersion != SpecVersion {
		probs = append(probs, fmt.Sprintf("specversion %q, want %q", e.SpecVersion, SpecVersion))
	}
	if e.ID == "" {
		probs = append(probs, "id is empty")
	}
	if e.Source == "" {
		probs = append(probs, "source is empty")
	}
	if !typePattern.MatchString(e.Type) {
		probs = append(probs, fmt.Sprintf("type %q does not match org.l4l.<service>.<noun>.<verb>.v<N>", e.Type))
	}
	if e.Subject == "" {
		probs = append(probs, "subject (aggregate id) is empty")
	}
	if e.Time.IsZero() {
		probs = append(probs, "time is zero")
	}
	if e.DataContentType != "" && e.DataContentType != JSONContentType {
		probs = append(probs, fmt.Sprintf("datacontenttype %q, want %q", e.DataContentType, JSONContentType))
	}
	// The key is "<tenant>/<subject>": a slash in the tenant would make it ambiguous.
	if e.Tenant == "" {
		probs = append(probs, "tenant is empty")
	} else if strings.Contains(e.Tenant, "/") {
		probs = append(probs, fmt.Sprintf("tenant %q contains '/'", e.Tenant))
	}
	if len(e.Data) > 0 && !json.Valid(e.Data) {
		probs = append(probs, "data is not valid JSON")
	}
	if len(probs) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrInvalidEnvelope, strings.Join(probs, "; "))
}

// DecodeData unmarshals Data into v, for handlers.
func (e Envelope) DecodeData(v any) error {
	if len(e.Data) == 0 {
		return fmt.Errorf("events: %s %s has no data", e.Type, e.ID)
	}
	return json.Unmarshal(e.Data, v)
}

// bsonEnvelope is the stored form: Data as a string (readable in mongosh, and exact: BSON
// binary would be too, but unreadable; a sub-document would renumber JSON numbers).
type bsonEnvelope struct {
	SpecVersion     string    `bson:"specversion"`
	ID              string    `bson:"id"`
	Source          string    `bson:"source"`
	Type            string    `bson:"type"`
	Subject         string    `bson:"subject"`
	Time            time.Time `bson:"time"`
	DataContentType string    `bson:"datacontenttype,omitempty"`
	Tenant          string    `bson:"tenant"`
	Data            string    `bson:"data,omitempty"`
}

// MarshalBSON stores the envelope with Data as a JSON string.
func (e Envelope) MarshalBSON() ([]byte, error) {
	return bson.Marshal(bsonEnvelope{
		SpecVersion: e.SpecVersion, ID: e.ID, Source: e.Source, Type: e.Type,
		Subject: e.Subject, Time: e.Time, DataContentType: e.DataContentType,
		Tenant: e.Tenant, Data: string(e.Data),
	})
}

// UnmarshalBSON reads what MarshalBSON wrote; Time comes back in UTC.
func (e *Envelope) UnmarshalBSON(b []byte) error {
	var s bsonEnvelope
	if err := bson.Unmarshal(b, &s); err != nil {
		return err
	}
	*e = Envelope{
		SpecVersion: s.SpecVersion, ID: s.ID, Source: s.Source, Type: s.Type,
		Subject: s.Subject, Time: s.Time.UTC(), DataContentType: s.DataContentType,
		Tenant: s.Tenant,
	}
	if s.Data != "" {
		e.Data = json.RawMessage(s.Data)
	}
	return nil
}

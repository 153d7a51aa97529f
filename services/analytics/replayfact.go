package analytics

import (
	"bytes"
	"io"
	"strings"
	"unsafe"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/services/analytics/internal/domain"
)

// verdict is what the replay's quick reading of a message decided.
type verdict uint8

const (
	// keepFact: the message is the fact returned, exactly as factOf would read it.
	keepFact verdict = iota
	// skipEvent: factOf would refuse the message too.
	skipEvent
	// readSlowly: the message is unusual (a key in other case or escaped, a null where a
	// string belongs, data not an object, a duplicate key, invalid UTF-8...): factOf decides.
	readSlowly
)

// factReader reads replayed messages into facts without encoding/json's reflection: one
// pass of a strict tokenizer (jsontext) over a message, where factOf scans it five times
// (envelope validity, envelope, data validity, data validity again, required fields) and
// allocates a string per attribute. At a million events this was most of the replay's
// CPU (issue 7's profile). It only ever answers when its answer is factOf's: anything it
// does not fully understand it hands back (readSlowly) rather than guess, and
// replayfact_test.go holds the two to the same answers over mutated messages.
//
// One per partition reader (it is not safe for concurrent use).
type factReader struct {
	profiles *profile.Registry
	tenant   string // only this tenant's facts ("" for all)
	dec      jsontext.Decoder
	buf      bytes.Buffer
	// tenants interns tenant names and remembers whether a country profile knows them.
	tenants map[string]knownTenant
}

type knownTenant struct {
	name  string
	known bool
}

func newFactReader(profiles *profile.Registry, tenant string) *factReader {
	return &factReader{profiles: profiles, tenant: tenant, tenants: map[string]knownTenant{}}
}

// readTypes interns the event types analytics reads (a type outside it is skipped), each
// with the mask of the data fields it requires.
var readTypes = func() map[string]readType {
	m := map[string]readType{}
	for _, t := range domain.Read {
		var mask uint64
		for _, f := range domain.Required[t] {
			bit, ok := requiredField([]byte(f))
			if !ok {
				panic("analytics: requiredField lacks " + f + ", which domain.Required names")
			}
			mask |= 1 << bit
		}
		m[t] = readType{name: t, required: mask}
	}
	return m
}()

type readType struct {
	name     string
	required uint64 // bits of requiredField
}

// requiredField numbers the data fields domain.Required names (the union over all types;
// TestRequiredFieldsAreDomainRequired keeps the two lists one), so a message's present
// fields are a bit set. A switch, not a map: it is asked for every key of every message.
func requiredField(key []byte) (bit uint8, ok bool) {
	switch string(key) {
	case "school_id":
		return 0, true
	case "unit":
		return 1, true
	case "assignment_id":
		return 2, true
	case "person_id":
		return 3, true
	case "role":
		return 4, true
	case "start_date":
		return 5, true
	case "head_teacher_id":
		return 6, true
	case "date":
		return 7, true
	case "areas":
		return 8, true
	case "teacher_id":
		return 9, true
	case "subject":
		return 10, true
	case "benchmark_met":
		return 11, true
	case "coach_id":
		return 12, true
	case "coachee_id":
		return 13, true
	case "coachee_role":
		return 14, true
	case "mode":
		return 15, true
	case "group_id":
		return 16, true
	case "kind":
		return 17, true
	case "application_id":
		return 18, true
	case "eligible":
		return 19, true
	}
	return 0, false
}

// read reads one message's value. The fact's Data is a slice of value, which kafka-go
// allocates afresh for every message (never reused), so no copy is needed.
func (r *factReader) read(value []byte) (domain.Fact, string, verdict) {
	r.buf = *bytes.NewBuffer(value) // the decoder reads the buffer in place: values alias value
	// Duplicate names are found here instead (the decoder's own check costs a set per
	// object): a duplicate envelope attribute goes to factOf; in data, the last of a
	// required field's duplicates decides, as in encoding/json.
	r.dec.Reset(&r.buf, jsontext.AllowDuplicateNames(true))
	if tok, err := r.dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return domain.Fact{}, "", readSlowly
	}
	var e events.Envelope
	var typ, tenant []byte
	var present uint64
	var seen uint16
	for r.dec.PeekKind() != '}' {
		name, err := r.dec.ReadValue()
		if err != nil {
			return domain.Fact{}, "", readSlowly
		}
		attr := attribute(name)
		if attr == 0 || seen&attr != 0 {
			return domain.Fact{}, "", readSlowly
		}
		seen |= attr
		// encoding/json matches names case-insensitively; only exact names are read here.
		switch string(name) {
		case `"data"`:
			if r.dec.PeekKind() != '{' {
				return domain.Fact{}, "", readSlowly
			}
			var ok bool
			if e.Data, present, ok = r.readData(value); !ok {
				return domain.Fact{}, "", readSlowly
			}
			continue
		case `"time"`:
			v, err := r.dec.ReadValue()
			if err != nil || v.Kind() != '"' || e.Time.UnmarshalJSON(v) != nil {
				return domain.Fact{}, "", readSlowly
			}
			continue
		}
		v, err := r.dec.ReadValue()
		if err != nil || v.Kind() != '"' || bytes.IndexByte(v, '\\') >= 0 {
			return domain.Fact{}, "", readSlowly
		}
		s := v[1 : len(v)-1]
		switch string(name) {
		case `"specversion"`:
			if string(s) == events.SpecVersion {
				e.SpecVersion = events.SpecVersion
			} else {
				e.SpecVersion = string(s)
			}
		case `"id"`:
			e.ID = inPlace(s)
		case `"source"`:
			e.Source = "-" // Validate only asks that it is not empty
			if len(s) == 0 {
				e.Source = ""
			}
		case `"type"`:
			typ = s
		case `"subject"`:
			e.Subject = inPlace(s)
		case `"datacontenttype"`:
			if string(s) == events.JSONContentType {
				e.DataContentType = events.JSONContentType
			} else {
				e.DataContentType = string(s)
			}
		case `"tenant"`:
			tenant = s
		default:
			return domain.Fact{}, "", readSlowly
		}
	}
	if _, err := r.dec.ReadToken(); err != nil { // '}'
		return domain.Fact{}, "", readSlowly
	}
	if _, err := r.dec.ReadToken(); err != io.EOF || seen&(attrData|attrTime) != attrData|attrTime {
		return domain.Fact{}, "", readSlowly
	}
	// From here the envelope is exactly what events.FromMessage decodes, so every refusal
	// below is factOf's too.
	t, reads := readTypes[string(typ)]
	if !reads {
		return domain.Fact{}, "", skipEvent
	}
	e.Type = t.name
	kt, ok := r.tenants[string(tenant)]
	if !ok {
		name := string(tenant)
		_, _, known := r.profiles.Tenant(name)
		kt = knownTenant{name: name, known: known}
		r.tenants[name] = kt
	}
	e.Tenant = kt.name
	if !valid(&e) || (r.tenant != "" && e.Tenant != r.tenant) || !kt.known {
		return domain.Fact{}, "", skipEvent
	}
	if present&t.required != t.required {
		return domain.Fact{}, "", skipEvent
	}
	return domain.Fact{Type: e.Type, Subject: e.Subject, EventID: e.ID, Time: e.Time.UTC(), Data: e.Data}, e.Tenant, keepFact
}

// inPlace is b as a string without a copy. Only for slices of a message's value: kafka-go
// allocates it for that message alone and nothing writes it afterwards (the replay keeps
// the data as a slice of it already). With it the quick reader allocates nothing per
// event (BenchmarkReadMessageQuickly: 0 B/op, against 96 B in 2 allocations with copies),
// and a kept fact is one object for the collector to mark, not three.
func inPlace(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// The envelope's attributes, one bit each, to find duplicates and the required ones.
const (
	attrSpecVersion uint16 = 1 << iota
	attrID
	attrSource
	attrType
	attrSubject
	attrTime
	attrDataContentType
	attrTenant
	attrData
)

// attribute is the bit of an envelope attribute's JSON name (quoted, as the decoder gives
// it), 0 for any other name.
func attribute(name []byte) uint16 {
	switch string(name) {
	case `"specversion"`:
		return attrSpecVersion
	case `"id"`:
		return attrID
	case `"source"`:
		return attrSource
	case `"type"`:
		return attrType
	case `"subject"`:
		return attrSubject
	case `"time"`:
		return attrTime
	case `"datacontenttype"`:
		return attrDataContentType
	case `"tenant"`:
		return attrTenant
	case `"data"`:
		return attrData
	}
	return 0
}

// valid is events.Envelope.Validate for an envelope whose type is one analytics reads
// (TestReadTypesAreValidEventTypes: each passes Validate's type pattern, a regular
// expression that cost a seventh of the quick reader's time) and whose data the tokenizer
// has read whole (so it is valid JSON). The quick reader's tests compare it with Validate
// through factOf; a rule added to Validate belongs here too.
func valid(e *events.Envelope) bool {
	return e.SpecVersion == events.SpecVersion && e.ID != "" && e.Source != "" && e.Subject != "" &&
		!e.Time.IsZero() && (e.DataContentType == "" || e.DataContentType == events.JSONContentType) &&
		e.Tenant != "" && !strings.Contains(e.Tenant, "/")
}

// readData reads the data object: its raw bytes (a slice of value) and which required
// fields carry a value other than null or "" (domain.Check's rule).
func (r *factReader) readData(value []byte) (raw []byte, present uint64, ok bool) {
	if _, err := r.dec.ReadToken(); err != nil { // '{'
		return nil, 0, false
	}
	start := r.dec.InputOffset() - 1
	var lower [32]byte
	for r.dec.PeekKind() != '}' {
		name, err := r.dec.ReadValue()
		if err != nil {
			return nil, 0, false
		}
		key := name[1 : len(name)-1]
		exact := true
		// A name that is a required field's in another case (or escaped, or with a
		// character Unicode folds to ASCII) is one encoding/json would match: leave such
		// data to factOf.
		for i, c := range key {
			switch {
			case c == '\\' || c >= 0x80:
				return nil, 0, false
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
				exact = false
			}
			if i < len(lower) {
				lower[i] = c
			}
		}
		v, err := r.dec.ReadValue()
		if err != nil {
			return nil, 0, false
		}
		if len(key) > len(lower) {
			continue // longer than any required field's name
		}
		bit, required := requiredField(lower[:len(key)])
		switch {
		case !required:
		case !exact:
			return nil, 0, false
		case string(v) != "null" && string(v) != `""`:
			present |= 1 << bit
		default:
			present &^= 1 << bit // a later duplicate decides, as in encoding/json
		}
	}
	if _, err := r.dec.ReadToken(); err != nil { // '}'
		return nil, 0, false
	}
	return value[start:r.dec.InputOffset()], present, true
}

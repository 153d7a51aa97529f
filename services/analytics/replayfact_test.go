package analytics

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/segmentio/kafka-go"

	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/services/analytics/internal/domain"
	"github.com/l4l-platform/l4l/services/analytics/internal/fixture"
)

// The replay's quick reader must answer as factOf (the live consumers' reading) does, or
// not answer at all. These tests hold it to that over the fixture district's messages and
// mutations of them aimed at each way encoding/json and the quick reader could differ.

func fixtureMessages(t testing.TB) [][]byte {
	t.Helper()
	all := append(fixture.District(), fixture.OtherDistrict()...)
	all = append(all, fixture.SchoolArrives())
	var out [][]byte
	for _, e := range all {
		m, err := events.ToMessage("t", e)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m.Value)
	}
	return out
}

// sameAnswer fails unless the quick reader's answer on value is factOf's (or it declined).
func sameAnswer(t *testing.T, profiles *profile.Registry, tenant string, value []byte) verdict {
	t.Helper()
	// Each reading gets its own copy: factOf must not see anything the quick reader did.
	quickIn, slowIn := bytes.Clone(value), bytes.Clone(value)
	f, ft, v := newFactReader(profiles, tenant).read(quickIn)
	if v == readSlowly {
		return v
	}
	g, gt, ok := factOf(profiles, kafka.Message{Value: slowIn}, tenant)
	switch {
	case ok != (v == keepFact):
		t.Errorf("quick reader says %v, factOf says fact=%v, for\n%s", v, ok, value)
	case !ok:
	case ft != gt || f.Type != g.Type || f.Subject != g.Subject || f.EventID != g.EventID ||
		!f.Time.Equal(g.Time) || f.Time.Location() != g.Time.Location() || !bytes.Equal(f.Data, g.Data):
		t.Errorf("quick reader read\n%+v (%s)\nfactOf read\n%+v (%s)\nfrom %s", f, ft, g, gt, value)
	}
	return v
}

func TestQuickReaderReadsFixtureAsFactOf(t *testing.T) {
	profiles, err := profile.LoadRegistry("rw")
	if err != nil {
		t.Fatal(err)
	}
	msgs := fixtureMessages(t)
	for _, tenant := range []string{"", fixture.Tenant, fixture.Other} {
		kept := 0
		for _, v := range msgs {
			switch sameAnswer(t, profiles, tenant, v) {
			case readSlowly:
				// The fixture is what publishers write: the quick reader must take all of it,
				// or the replay would be as slow as before and this test would prove nothing.
				t.Errorf("quick reader declined an ordinary message:\n%s", v)
			case keepFact:
				kept++
			}
		}
		if kept == 0 {
			t.Errorf("tenant %q: no fact kept", tenant)
		}
	}
}

// mutations rewrite a message in ways encoding/json reads differently from a naive reader.
func mutations(v []byte) map[string][]byte {
	var env map[string]json.RawMessage
	if err := json.Unmarshal(v, &env); err != nil {
		panic(err)
	}
	var data map[string]json.RawMessage
	_ = json.Unmarshal(env["data"], &data)
	build := func(top map[string]json.RawMessage, d map[string]json.RawMessage) []byte {
		top2 := map[string]json.RawMessage{}
		for k, x := range top {
			top2[k] = x
		}
		if d != nil {
			raw, _ := json.Marshal(d)
			top2["data"] = raw
		}
		out, _ := json.Marshal(top2)
		return out
	}
	withTop := func(k string, x string) []byte {
		top := map[string]json.RawMessage{}
		for k2, y := range env {
			top[k2] = y
		}
		if x == "" {
			delete(top, k)
		} else {
			top[k] = json.RawMessage(x)
		}
		return build(top, nil)
	}
	withData := func(k string, x string) []byte {
		d := map[string]json.RawMessage{}
		for k2, y := range data {
			d[k2] = y
		}
		if x == "" {
			delete(d, k)
		} else {
			d[k] = json.RawMessage(x)
		}
		return build(env, d)
	}
	out := map[string][]byte{
		"as published":        v,
		"trailing garbage":    append(bytes.Clone(v), " x"...),
		"trailing whitespace": append(bytes.Clone(v), " \n"...),
		"truncated":           v[:len(v)-1],
		"not an object":       []byte(`[` + string(v) + `]`),
		"duplicate top key":   append(append([]byte(`{"tenant":"rw-kicukiro",`), v[1:len(v)-1]...), '}'),
		"duplicate top key2":  append(bytes.Clone(v[:len(v)-1]), `,"tenant":"rw-kicukiro"}`...),
		"invalid utf-8":       bytes.Replace(v, []byte(`"source":"`), []byte("\"source\":\"\xff"), 1),
		"unknown top key":     append(bytes.Clone(v[:len(v)-1]), `,"extra":1}`...),
		"data null":           withTop("data", "null"),
		"data array":          withTop("data", "[]"),
		"data string":         withTop("data", `"x"`),
		"data empty":          withTop("data", "{}"),
		"no data":             withTop("data", ""),
		"time offset":         withTop("time", `"2026-10-01T11:00:00.123+02:00"`),
		"time date only":      withTop("time", `"2026-10-01"`),
		"time null":           withTop("time", "null"),
		"time number":         withTop("time", "5"),
		"no time":             withTop("time", ""),
		"specversion wrong":   withTop("specversion", `"0.3"`),
		"datacontenttype":     withTop("datacontenttype", `"text/plain"`),
		"no datacontenttype":  withTop("datacontenttype", ""),
		"tenant slash":        withTop("tenant", `"rw/gasabo"`),
		"tenant unknown":      withTop("tenant", `"ke-nairobi"`),
		"tenant other":        withTop("tenant", `"`+fixture.Other+`"`),
		"tenant escaped":      withTop("tenant", `"rw-g\u0061sabo"`),
		"type unread":         withTop("type", `"org.l4l.plc.group.archived.v1"`),
		"type malformed":      withTop("type", `"school.created"`),
		"type escaped":        withTop("type", `"org.l4l.directory.school.created.v\u0031"`),
		"id empty":            withTop("id", `""`),
		"id number":           withTop("id", "7"),
		"subject null":        withTop("subject", "null"),
		"source empty":        withTop("source", `""`),
		"Type in capitals":    bytes.Replace(v, []byte(`"type":`), []byte(`"Type":`), 1),
		"escaped key":         bytes.Replace(v, []byte(`"tenant":`), []byte(`"t\u0065nant":`), 1),
		"spaces":              bytes.ReplaceAll(v, []byte(`,"`), []byte(" ,\n\t\""+"")),
	}
	for k := range data {
		out["data "+k+" null"] = withData(k, "null")
		out["data "+k+" empty"] = withData(k, `""`)
		out["data "+k+" missing"] = withData(k, "")
		out["data "+k+" zero"] = withData(k, "0")
		out["data "+k+" capitals"] = bytes.Replace(build(env, data), []byte(`"`+k+`":`), []byte(`"`+strings.ToUpper(k)+`":`), 1)
		out["data "+k+" long s"] = bytes.Replace(build(env, data), []byte(`"`+k+`":`), []byte(`"`+strings.ReplaceAll(k, "s", "ſ")+`":`), 1)
		out["data "+k+" duplicated null"] = bytes.Replace(build(env, data), []byte(`"data":{`), []byte(`"data":{"`+k+`":null,`), 1)
	}
	for _, k := range []string{"school_id", "unit", "date", "areas", "eligible"} {
		if _, ok := data[k]; !ok {
			out["data "+k+" added"] = withData(k, `"x"`)
		}
	}
	return out
}

func TestQuickReaderAnswersMutationsAsFactOf(t *testing.T) {
	profiles, err := profile.LoadRegistry("rw")
	if err != nil {
		t.Fatal(err)
	}
	decided := map[verdict]int{}
	for i, v := range fixtureMessages(t) {
		for name, m := range mutations(v) {
			for _, tenant := range []string{"", fixture.Tenant} {
				t.Run(fmt.Sprintf("%d/%s/%s", i, name, tenant), func(t *testing.T) {
					decided[sameAnswer(t, profiles, tenant, m)]++
				})
			}
		}
	}
	t.Logf("quick reader: %d facts, %d skipped, %d left to factOf", decided[keepFact], decided[skipEvent], decided[readSlowly])
	if decided[keepFact] == 0 || decided[skipEvent] == 0 || decided[readSlowly] == 0 {
		t.Errorf("every verdict should occur among the mutations: %v", decided)
	}
}

// Random byte damage: whatever the quick reader decides must be factOf's decision.
func TestQuickReaderAnswersDamagedBytesAsFactOf(t *testing.T) {
	profiles, err := profile.LoadRegistry("rw")
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	alphabet := []byte(`{}[]":,\ 0aAzZ-/.` + "\xff\x00")
	for i, v := range fixtureMessages(t) {
		for j := range 200 {
			m := bytes.Clone(v)
			for range 1 + rng.IntN(3) {
				m[rng.IntN(len(m))] = alphabet[rng.IntN(len(alphabet))]
			}
			t.Run(fmt.Sprintf("%d/%d", i, j), func(t *testing.T) { sameAnswer(t, profiles, "", m) })
		}
	}
}

// The quick reader skips a type outside domain.Read without asking libs/events' type
// pattern, and keeps facts of types in it; so every type analytics reads must be one
// the libs accept.
func TestReadTypesAreValidEventTypes(t *testing.T) {
	for _, typ := range domain.Read {
		e := events.Envelope{SpecVersion: events.SpecVersion, ID: "x", Source: "/x", Type: typ, Subject: "s",
			Time: fixture.Event(fixture.Tenant, typ, "s", "2026-10-01", nil).Time, Tenant: fixture.Tenant}
		if err := e.Validate(); err != nil {
			t.Errorf("%s: %v", typ, err)
		}
	}
}

func FuzzQuickReader(f *testing.F) {
	profiles, err := profile.LoadRegistry("rw")
	if err != nil {
		f.Fatal(err)
	}
	for _, v := range fixtureMessages(f)[:8] {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v []byte) { sameAnswer(t, profiles, "", v) })
}

func TestRequiredFieldsAreDomainRequired(t *testing.T) {
	want := map[string]bool{}
	for _, fields := range domain.Required {
		for _, f := range fields {
			want[f] = true
		}
	}
	// requiredField's cases, read back from its bits.
	bits := map[uint8]string{}
	for f := range want {
		bit, ok := requiredField([]byte(f))
		if !ok {
			t.Errorf("requiredField lacks %q", f)
			continue
		}
		if other, dup := bits[bit]; dup {
			t.Errorf("%q and %q share bit %d", f, other, bit)
		}
		bits[bit] = f
	}
	for _, extra := range []string{"status", "end_date", "attendance", "tenant", ""} {
		if _, ok := requiredField([]byte(extra)); ok && !want[extra] {
			t.Errorf("requiredField knows %q, which no type requires", extra)
		}
	}
}

// The two readers side by side on the fixture's messages, without a broker: the share of
// the replay's CPU that reading messages costs. (go test -run '^$' -bench 'Read.*Message')
func BenchmarkReadMessageQuickly(b *testing.B) {
	profiles, err := profile.LoadRegistry("rw")
	if err != nil {
		b.Fatal(err)
	}
	msgs := fixtureMessages(b)
	r := newFactReader(profiles, "")
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, _, v := r.read(msgs[i%len(msgs)]); v == readSlowly {
			b.Fatal("declined")
		}
	}
}

func BenchmarkReadMessageAsConsumers(b *testing.B) {
	profiles, err := profile.LoadRegistry("rw")
	if err != nil {
		b.Fatal(err)
	}
	msgs := fixtureMessages(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		factOf(profiles, kafka.Message{Value: msgs[i%len(msgs)]}, "")
	}
}

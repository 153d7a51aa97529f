package recruitment_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/privacy"
	"github.com/l4l-platform/l4l/libs/service/servicetest"
)

// A subject-access export holds everything about the person and nothing about others;
// an erasure request (delivered twice) replaces the panel's text about them with
// "[erased]" and leaves the ranking and the funnel exactly as they were, and what the
// panel wrote about another candidate untouched. The confirmation is published once.
func TestSubjectAccessAndErasure(t *testing.T) {
	w := newWorld(t)
	w.district()
	c := w.campaign(nil)
	w.waitFor("ht-r1", "ht-r2")
	cp := "/campaigns/" + c.ID
	_, a1 := w.apply(c.ID, "ht-r1")
	_, a2 := w.apply(c.ID, "ht-r2")
	w.assess(c.ID, a1.ID, map[string]map[string]int{"deo": levels(3), "seo-k": levels(3), "nll-1": levels(4)})
	split := levels(3)
	split["openness"] = 1
	w.assess(c.ID, a2.ID, map[string]map[string]int{"deo": levels(3), "seo-k": split, "nll-1": levels(3)})
	const justification = "Evidence from teachers supports the lower score."
	w.mustPost(cp+"/applications/"+a2.ID+"/moderations", w.deo, map[string]string{"criterion": "openness", "justification": justification}, 200)
	w.mustPost(cp+"/ranking", w.deo, nil, 200)

	dpo := w.env.Token([]string{"dpo"}, tenant, "")
	export := func(person string) string {
		t.Helper()
		r := w.env.Do(servicetest.Request{Method: "GET", Path: base + "/privacy/recruitment/people/" + person, Token: dpo})
		if r.Status != 200 {
			t.Fatalf("export %s: %d %s", person, r.Status, r.Body)
		}
		return string(r.Body)
	}
	read := func(path string) string {
		return string(w.env.Do(servicetest.Request{Method: "GET", Path: base + cp + path, Token: w.deo}).Body)
	}
	before := export("ht-r2")
	for _, want := range []string{a2.ID, "Reading corners in every class.", justification, `"campaigns"`, c.ID} {
		if !strings.Contains(before, want) {
			t.Fatalf("export of ht-r2 lacks %q: %s", want, before)
		}
	}
	if strings.Contains(before, a1.ID) {
		t.Fatalf("export of ht-r2 holds ht-r1's application: %s", before)
	}
	if r := w.env.Do(servicetest.Request{Method: "GET", Path: base + "/privacy/recruitment/people/ht-r2", Token: w.deo}); r.Status != 403 {
		t.Fatalf("DEO reading an export: %d", r.Status)
	}
	if nobody := export("nobody"); !strings.Contains(nobody, `"records":{"applications":[],`) {
		t.Fatalf("export of an unknown person: %s", nobody)
	}
	ranking, funnel := read("/ranking"), read("/funnel")

	req := "01a20880-0000-7000-8000-0000000000e1"
	for range 2 {
		w.publish("erasure.requested", req, privacy.ErasureRequested{RequestID: req, PersonID: "ht-r2"}, time.Time{})
	}
	servicetest.Eventually(t, 30*time.Second, "the erasure", func() bool { return !strings.Contains(export("ht-r2"), justification) })
	after := export("ht-r2")
	if strings.Contains(after, "Reading corners") || strings.Contains(after, "coaches us weekly") || !strings.Contains(after, privacy.Erased) || !strings.Contains(after, a2.ID) {
		t.Fatalf("export after erasure: %s", after)
	}
	if got := read("/ranking"); got != ranking {
		t.Fatalf("ranking changed by the erasure:\n%s\n%s", ranking, got)
	}
	if got := read("/funnel"); got != funnel {
		t.Fatalf("funnel changed by the erasure: %s → %s", funnel, got)
	}
	if other := read("/applications/" + a1.ID); !strings.Contains(other, "Reading corners in every class.") {
		t.Fatalf("ht-r1's application lost its notes: %s", other)
	}

	// Both deliveries were handled (the export changed after the first); the topic holds
	// one confirmation, checked against its schema.
	rd := kafka.NewReader(kafka.ReaderConfig{Brokers: w.env.Stack.KafkaBrokers, Topic: events.Topic("recruitment"),
		GroupID: "test-" + t.Name(), StartOffset: kafka.FirstOffset, MaxWait: 100 * time.Millisecond,
		HeartbeatInterval: 100 * time.Millisecond, JoinGroupBackoff: 100 * time.Millisecond,
		SessionTimeout: time.Second, RebalanceTimeout: 2 * time.Second})
	defer rd.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
	defer cancel()
	var done []events.Envelope
	for {
		m, err := rd.FetchMessage(ctx)
		if err != nil {
			break // read to the end of what was published
		}
		if e, _ := events.FromMessage(m); e.Type == privacy.ErasureCompletedType("recruitment") {
			servicetest.ValidateEvent(t, "api/events", m.Value)
			done = append(done, e)
		}
	}
	if len(done) != 1 || done[0].Subject != req || !strings.Contains(string(done[0].Data), `"records":1`) {
		t.Fatalf("erasure confirmations %+v", done)
	}
}

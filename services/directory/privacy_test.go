package directory_test

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

type erasureRequest struct {
	ID        string   `json:"id"`
	PersonID  string   `json:"person_id"`
	Status    string   `json:"status"`
	Expected  []string `json:"expected"`
	Pending   []string `json:"pending"`
	Confirmed []struct {
		Service string `json:"service"`
		Records int    `json:"records"`
	} `json:"confirmed"`
}

// An erasure request is the DPO's: it pseudonymises the directory's own record at once,
// waits for every other service's confirmation (each counted once, however often it is
// delivered) and is then completed. Bad requests change nothing.
func TestErasureRequest(t *testing.T) {
	env, deo := start(t)
	dpo := env.Token([]string{"dpo"}, "rw-gasabo", "")
	r := env.Do(servicetest.Request{Method: "POST", Path: base + "/people", Token: deo,
		Body: map[string]string{"staff_id": "RW-HT-77", "given_name": "Grace", "family_name": "Ishimwe", "email": "grace@example.rw", "phone": "+250788000111", "gender": "female"}})
	var p struct{ ID string }
	r.JSON(t, &p)
	export := func() string {
		t.Helper()
		r := env.Do(servicetest.Request{Method: "GET", Path: base + "/privacy/directory/people/" + p.ID, Token: dpo})
		if r.Status != 200 {
			t.Fatalf("export: %d %s", r.Status, r.Body)
		}
		return string(r.Body)
	}
	if before := export(); !strings.Contains(before, "Grace") || !strings.Contains(before, "grace@example.rw") || !strings.Contains(before, "RW-HT-77") {
		t.Fatalf("export before erasure lacks the person's data: %s", before)
	}
	if r := env.Do(servicetest.Request{Method: "GET", Path: base + "/privacy/directory/people/" + p.ID, Token: deo}); r.Status != 403 {
		t.Fatalf("DEO export: %d", r.Status)
	}

	for _, c := range []struct {
		tok, body string
		status    int
		field     string
	}{
		{deo, `{"person_id":"` + p.ID + `"}`, 403, ""},
		{dpo, `{}`, 400, "person_id"},
		{dpo, `{"person_id":"nobody"}`, 400, "person_id"},
		{dpo, `{"person_id":7}`, 400, "person_id"},
	} {
		r := env.Do(servicetest.Request{Method: "POST", Path: base + "/privacy/erasure-requests", Token: c.tok, Body: c.body, ContentType: "application/json"})
		if r.Status != c.status {
			t.Fatalf("%s: %d %s", c.body, r.Status, r.Body)
		}
		if pr := r.Problem(t); c.field != "" && (len(pr.Errors) == 0 || pr.Errors[0].Field != c.field) {
			t.Fatalf("%s: problem %+v does not name %s", c.body, pr, c.field)
		}
	}

	create := func() erasureRequest {
		t.Helper()
		r := env.Do(servicetest.Request{Method: "POST", Path: base + "/privacy/erasure-requests", Token: dpo,
			Header: map[string]string{"Idempotency-Key": "erase-grace"}, Body: map[string]string{"person_id": p.ID}})
		if r.Status != 201 {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		var req erasureRequest
		r.JSON(t, &req)
		return req
	}
	req := create()
	if again := create(); again.ID != req.ID {
		t.Fatalf("a retried request recorded a second one: %s, %s", req.ID, again.ID)
	}
	if req.Status != "pending" || len(req.Expected) != 5 || len(req.Pending) != 5 {
		t.Fatalf("new request %+v", req)
	}
	get := func() erasureRequest {
		var got erasureRequest
		env.Do(servicetest.Request{Method: "GET", Path: base + "/privacy/erasure-requests/" + req.ID, Token: dpo}).JSON(t, &got)
		return got
	}
	servicetest.Eventually(t, 20*time.Second, "the directory's own confirmation", func() bool { return len(get().Confirmed) == 1 })
	if got := get(); got.Confirmed[0].Service != "directory" || got.Confirmed[0].Records != 1 || got.Status != "pending" || len(got.Pending) != 4 {
		t.Fatalf("after the directory: %+v", got)
	}
	r = env.Do(servicetest.Request{Method: "GET", Path: base + "/people/" + p.ID, Token: deo})
	if body := string(r.Body); r.Status != 200 || strings.Contains(body, "Grace") || strings.Contains(body, "Ishimwe") || strings.Contains(body, "grace@") ||
		strings.Contains(body, "+250") || !strings.Contains(body, `"given_name":"[erased]"`) || !strings.Contains(body, "RW-HT-77") {
		t.Fatalf("person after erasure: %d %s", r.Status, body)
	}
	if after := export(); strings.Contains(after, "Grace") || strings.Contains(after, "Ishimwe") || strings.Contains(after, "grace@") || !strings.Contains(after, p.ID) {
		t.Fatalf("export after erasure: %s", after)
	}

	// The other services' confirmations, each delivered twice.
	w := events.NewWriter(env.Stack.KafkaBrokers)
	defer w.Close()
	for i, svc := range []string{"recruitment", "plc", "coaching", "accreditation"} {
		e, err := events.New("/l4l/"+svc, privacy.ErasureCompletedType(svc), "rw-gasabo", req.ID,
			privacy.ErasureCompleted{RequestID: req.ID, PersonID: p.ID, Service: svc, Records: i})
		if err != nil {
			t.Fatal(err)
		}
		m, err := events.ToMessage(events.Topic(svc), e)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.WriteMessages(context.Background(), m, m); err != nil {
			t.Fatal(err)
		}
	}
	servicetest.Eventually(t, 30*time.Second, "the request completed", func() bool { return get().Status == "completed" })
	time.Sleep(300 * time.Millisecond) // let the redelivered copies be handled too
	if got := get(); len(got.Confirmed) != 5 || len(got.Pending) != 0 {
		t.Fatalf("completed request %+v", got)
	}

	// The request and the directory's confirmation were published, as their schemas say.
	rd := kafka.NewReader(kafka.ReaderConfig{Brokers: env.Stack.KafkaBrokers, Topic: events.Topic("directory"),
		GroupID: "privacy-test", StartOffset: kafka.FirstOffset, MaxWait: 100 * time.Millisecond,
		HeartbeatInterval: 100 * time.Millisecond, JoinGroupBackoff: 100 * time.Millisecond,
		SessionTimeout: time.Second, RebalanceTimeout: 2 * time.Second})
	defer rd.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	seen := map[string]int{}
	for seen[privacy.ErasureRequestedType] == 0 || seen[privacy.ErasureCompletedType("directory")] == 0 {
		m, err := rd.FetchMessage(ctx)
		if err != nil {
			t.Fatalf("erasure events seen %v: %v", seen, err)
		}
		servicetest.ValidateEvent(t, "api/events", m.Value)
		e, _ := events.FromMessage(m)
		seen[e.Type]++
		if strings.Contains(string(m.Value), "Grace") {
			t.Fatalf("an event carries the name: %s", m.Value)
		}
	}
}

package coaching_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/privacy"
	"github.com/l4l-platform/l4l/libs/service/servicetest"
)

// Subject access and erasure in coaching: the coachee's sessions, ratings and the
// observation they made lose their notes, goals and action texts; ids, dates, levels and
// scores stay, so the standards and the visit rhythm answer as before. Another head
// teacher's session keeps its notes. A redelivered request changes nothing more.
func TestSubjectAccessAndErasure(t *testing.T) {
	env, rel := coachingScenario(t)
	lll := token(env, "ht-1", []string{"lll", "ht"}, remera)
	dpo := token(env, "dpo-1", []string{"dpo"}, "")
	const (
		notes     = "Observed P3 maths; the HT struggled with feedback."
		goal      = "Weekly lesson observations"
		action    = "Observe two maths lessons a week"
		followUp  = "Done, with feedback notes."
		indicator = "Plan uses P3 results."
		obsNotes  = "Group work in the back rows was off task."
		otherNote = "Visit to ht-3 went well."
	)
	post := func(path, tok string, body any) *servicetest.Response {
		t.Helper()
		r := env.Do(servicetest.Request{Method: "POST", Path: base + path, Token: tok, Body: body})
		if r.Status != http.StatusCreated {
			t.Fatalf("POST %s: %d %s", path, r.Status, r.Body)
		}
		return r
	}
	var first session
	post("/coaching-sessions", lll, map[string]any{"relationship_id": rel["ht-2"], "date": daysAgo(40), "mode": "school_visit", "duration_minutes": 90,
		"focus_areas": []string{"leading_teaching"}, "notes": notes, "goals": []string{goal},
		"actions": []map[string]string{{"description": action, "due_date": time.Now().AddDate(0, 0, 30).Format("2006-01-02")}}}).JSON(t, &first)
	post("/coaching-sessions", lll, map[string]any{"relationship_id": rel["ht-2"], "date": daysAgo(5), "mode": "phone", "duration_minutes": 20,
		"follow_ups": []map[string]string{{"action_id": first.Actions[0].ID, "status": "done", "note": followUp}}})
	post("/coaching-sessions", lll, map[string]any{"relationship_id": rel["ht-3"], "date": daysAgo(3), "mode": "phone", "duration_minutes": 20, "notes": otherNote})
	post("/ratings", lll, map[string]any{"head_teacher_id": "ht-2", "date": daysAgo(5), "areas": []map[string]any{
		{"area": "school_direction", "level": 3, "indicators": []map[string]string{{"key": "sip_uses_data", "note": indicator}}},
		{"area": "leading_teaching", "level": 2}}})
	post("/observations", token(env, "ht-2", []string{"ht"}, ""), map[string]any{"teacher_id": "teacher-1", "date": daysAgo(2), "subject": "mathematics",
		"items": []map[string]any{{"key": "lesson_objective", "score": 3}}, "benchmark_met": true, "notes": obsNotes})

	export := func(person string) string {
		t.Helper()
		r := env.Do(servicetest.Request{Method: "GET", Path: base + "/privacy/coaching/people/" + person, Token: dpo})
		if r.Status != 200 {
			t.Fatalf("export %s: %d %s", person, r.Status, r.Body)
		}
		return string(r.Body)
	}
	read := func(path string) string {
		return string(env.Do(servicetest.Request{Method: "GET", Path: base + path, Token: lll}).Body)
	}
	texts := []string{notes, goal, action, followUp, indicator, obsNotes}
	before := export("ht-2")
	for _, want := range append(texts, first.ID, rel["ht-2"]) {
		if !strings.Contains(before, want) {
			t.Fatalf("export of ht-2 lacks %q: %s", want, before)
		}
	}
	if strings.Contains(before, otherNote) {
		t.Fatalf("export of ht-2 holds ht-3's session: %s", before)
	}
	standards, rhythm := read("/head-teachers/ht-2/standards"), read("/visit-rhythm?coach_id=ht-1")

	req := "01a20880-0000-7000-8000-0000000000e1"
	d := &district{t: t, env: env, w: newWriter(t, env)}
	for range 2 {
		d.publish(privacy.ErasureRequestedType, req, privacy.ErasureRequested{RequestID: req, PersonID: "ht-2"})
	}
	servicetest.Eventually(t, 30*time.Second, "the erasure", func() bool {
		e := export("ht-2")
		for _, s := range texts {
			if strings.Contains(e, s) {
				return false
			}
		}
		return true
	})
	after := export("ht-2")
	if !strings.Contains(after, first.ID) || !strings.Contains(after, first.Actions[0].ID) || !strings.Contains(after, privacy.Erased) {
		t.Fatalf("export after erasure lost ids: %s", after)
	}
	if got := read("/head-teachers/ht-2/standards"); got != standards {
		t.Fatalf("standards changed:\n%s\n%s", standards, got)
	}
	if got := read("/visit-rhythm?coach_id=ht-1"); got != rhythm {
		t.Fatalf("visit rhythm changed:\n%s\n%s", rhythm, got)
	}
	if !strings.Contains(read("/coaching-sessions?coachee_id=ht-3"), otherNote) {
		t.Fatal("ht-3's session lost its notes")
	}
}

func newWriter(t *testing.T, env *servicetest.Env) *kafka.Writer {
	w := events.NewWriter(env.Stack.KafkaBrokers)
	t.Cleanup(func() { _ = w.Close() })
	return w
}

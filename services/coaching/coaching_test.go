package coaching_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/segmentio/kafka-go"

	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/service/servicetest"
	"github.com/l4l-platform/l4l/services/coaching"
)

type session struct {
	ID             string   `json:"id"`
	Observed       bool     `json:"observed"`
	CarriedActions []string `json:"carried_action_ids"`
	Actions        []struct {
		ID string `json:"id"`
	} `json:"actions"`
}

type rhythm struct {
	Items []struct {
		CoacheeID    string `json:"coachee_id"`
		Status       string `json:"status"`
		IntervalDays int    `json:"interval_days"`
		NextDue      string `json:"next_due"`
	} `json:"items"`
	Counts map[string]int `json:"counts"`
}

func statusOf(t *testing.T, env *servicetest.Env, tok, query, coachee string) (string, int) {
	t.Helper()
	r := env.Do(servicetest.Request{Method: "GET", Path: base + "/visit-rhythm?" + query, Token: tok})
	if r.Status != http.StatusOK {
		t.Fatalf("rhythm: %d %s", r.Status, r.Body)
	}
	var rh rhythm
	r.JSON(t, &rh)
	for _, e := range rh.Items {
		if e.CoacheeID == coachee {
			return e.Status, e.IntervalDays
		}
	}
	return "", 0
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// coachingScenario is Remera with an LLL (ht-1) coaching ht-2 and ht-3, its SEO, and a
// teacher at sch-2.
func coachingScenario(t *testing.T) (*servicetest.Env, map[string]string) {
	env, d := start(t)
	// The LLL is in post before the head teachers are announced, so its relationships
	// start with their assignments (2025) and past sessions can be logged.
	d.assign("ht-1", "lll", remera)
	seedRemera(d, 3)
	d.person("teacher-1", "sch-2")
	d.person("sla-1", "")
	d.school("k-1", kacyiru)
	d.assign("ht-k1", "ht", "k-1")
	d.assign("seo-kacyiru", "seo", kacyiru)
	rels := waitFor(t, env, "the LLL coaching ht-2 and ht-3", func(r []relationship) bool {
		c := coachOf(r, "lll>ht")
		return c["ht-2"] == "ht-1" && c["ht-3"] == "ht-1" && c["ht-k1"] == "seo-kacyiru"
	})
	ids := map[string]string{}
	for _, r := range rels {
		ids[r.CoacheeID] = r.ID
	}
	// The teacher must be known before observations.
	servicetest.Eventually(t, 20*time.Second, "the teacher known", func() bool {
		r := env.Do(servicetest.Request{Method: "POST", Path: base + "/observations", Token: token(env, "probe", []string{"field_staff"}, ""),
			Body: map[string]any{"teacher_id": "teacher-1", "date": "2026-01-01", "subject": "x", "items": []any{}}})
		p := r.Problem(t)
		for _, e := range p.Errors {
			if e.Field == "teacher_id" {
				return false
			}
		}
		return true
	})
	return env, ids
}

func TestSessionsActionsRatingsAndRhythm(t *testing.T) {
	env, rel := coachingScenario(t)
	lll := token(env, "ht-1", []string{"lll", "ht"}, remera)
	ht2 := token(env, "ht-2", []string{"ht"}, "sch-2")

	if st, _ := statusOf(t, env, lll, "coach_id=ht-1", "ht-2"); st != "never_visited" {
		t.Fatalf("before any visit: %q", st)
	}

	visit := map[string]any{
		"relationship_id": rel["ht-2"], "date": daysAgo(40), "mode": "school_visit", "duration_minutes": 90,
		"focus_areas": []string{"leading_teaching"}, "notes": "Observed P3 maths with the HT.",
		"goals":       []string{"Weekly lesson observations"},
		"actions":     []map[string]string{{"description": "Observe two maths lessons a week", "due_date": time.Now().AddDate(0, 0, 30).Format("2006-01-02")}},
		"observer_id": "sla-1",
	}
	// Only the coach logs the session; bad fields are named; nothing is written.
	if r := env.Do(servicetest.Request{Method: "POST", Path: base + "/coaching-sessions", Token: ht2, Body: visit}); r.Status != http.StatusForbidden {
		t.Fatalf("a session by the coachee: %d %s", r.Status, r.Body)
	}
	for field, bad := range map[string]any{
		"date":           time.Now().AddDate(0, 0, 3).Format("2006-01-02"),
		"focus_areas[0]": []string{"charisma"},
		"mode":           "carrier_pigeon",
		"observer_id":    "ht-2",
	} {
		body := map[string]any{}
		for k, v := range visit {
			body[k] = v
		}
		key := field
		if field == "focus_areas[0]" {
			key = "focus_areas"
		}
		body[key] = bad
		r := env.Do(servicetest.Request{Method: "POST", Path: base + "/coaching-sessions", Token: lll, Body: body})
		if p := r.Problem(t); r.Status != http.StatusBadRequest || len(p.Errors) != 1 || p.Errors[0].Field != field {
			t.Fatalf("bad %s: %d %+v", field, r.Status, p)
		}
	}
	r := env.Do(servicetest.Request{Method: "POST", Path: base + "/coaching-sessions", Token: lll, Body: visit})
	if r.Status != http.StatusCreated {
		t.Fatalf("log a visit: %d %s", r.Status, r.Body)
	}
	var first session
	r.JSON(t, &first)
	if !first.Observed || len(first.Actions) != 1 {
		t.Fatalf("session %+v", first)
	}
	// Never rated: the closest rhythm (30 days); last visit 40 days ago → overdue.
	if st, days := statusOf(t, env, lll, "coach_id=ht-1", "ht-2"); st != "overdue" || days != 30 {
		t.Fatalf("after a visit 40 days ago: %q every %d days", st, days)
	}
	if st, _ := statusOf(t, env, lll, "unit=sch-2&status=overdue", "ht-2"); st != "overdue" {
		t.Fatalf("per unit: %q", st)
	}

	// The action is carried to the next session and followed up there.
	r = env.Do(servicetest.Request{Method: "GET", Path: base + "/relationships/" + rel["ht-2"] + "/actions?status=open", Token: lll})
	var open page[struct{ ID, Status string }]
	r.JSON(t, &open)
	if len(open.Items) != 1 || open.Items[0].ID != first.Actions[0].ID {
		t.Fatalf("open actions %+v", open.Items)
	}
	next := map[string]any{"relationship_id": rel["ht-2"], "date": daysAgo(5), "mode": "phone", "duration_minutes": 20,
		"follow_ups": []map[string]string{{"action_id": "nope", "status": "done"}}}
	if r := env.Do(servicetest.Request{Method: "POST", Path: base + "/coaching-sessions", Token: lll, Body: next}); r.Status != http.StatusBadRequest {
		t.Fatalf("follow-up of an unknown action: %d", r.Status)
	}
	next["follow_ups"] = []map[string]string{{"action_id": first.Actions[0].ID, "status": "done", "note": "Done, with feedback notes."}}
	r = env.Do(servicetest.Request{Method: "POST", Path: base + "/coaching-sessions", Token: lll, Body: next})
	var second session
	r.JSON(t, &second)
	if r.Status != http.StatusCreated || !slices.Equal(second.CarriedActions, []string{first.Actions[0].ID}) || second.Observed {
		t.Fatalf("follow-up session: %d %s", r.Status, r.Body)
	}
	if r := env.Do(servicetest.Request{Method: "POST", Path: base + "/coaching-sessions", Token: lll, Body: next}); r.Status != http.StatusBadRequest {
		t.Fatalf("following up a done action again: %d %s", r.Status, r.Body)
	}
	r = env.Do(servicetest.Request{Method: "GET", Path: base + "/relationships/" + rel["ht-2"] + "/actions?status=open", Token: lll})
	r.JSON(t, &open)
	if len(open.Items) != 0 {
		t.Fatalf("still open: %+v", open.Items)
	}

	// Ratings: out of the framework → named fields; by someone who is not coach, SEO or
	// field staff → 403; the latest rating per area decides.
	rating := map[string]any{"head_teacher_id": "ht-2", "date": daysAgo(5), "areas": []map[string]any{
		{"area": "school_direction", "level": 3, "indicators": []map[string]string{{"key": "sip_uses_data", "note": "Plan uses P3 results."}}},
		{"area": "leading_teaching", "level": 2},
		{"area": "leading_learning", "level": 3},
		{"area": "community_partnership", "level": 4},
	}}
	badRating := map[string]any{"head_teacher_id": "ht-2", "date": daysAgo(1), "areas": []map[string]any{
		{"area": "charisma", "level": 3}, {"area": "leading_learning", "level": 5},
		{"area": "school_direction", "level": 3, "indicators": []map[string]string{{"key": "lesson_observation", "note": ""}}}}}
	r = env.Do(servicetest.Request{Method: "POST", Path: base + "/ratings", Token: lll, Body: badRating})
	if p := r.Problem(t); r.Status != http.StatusBadRequest || len(p.Errors) != 3 || p.Errors[0].Field != "areas[0].area" ||
		p.Errors[1].Field != "areas[1].level" || p.Errors[2].Field != "areas[2].indicators[0].key" {
		t.Fatalf("rating outside the framework: %d %+v", r.Status, p)
	}
	if r := env.Do(servicetest.Request{Method: "POST", Path: base + "/ratings", Token: token(env, "ht-2", []string{"ht"}, ""), Body: map[string]any{
		"head_teacher_id": "ht-3", "date": daysAgo(1), "areas": []map[string]any{{"area": "leading_learning", "level": 4}}}}); r.Status != http.StatusForbidden {
		t.Fatalf("a peer rating: %d %s", r.Status, r.Body)
	}
	if r := env.Do(servicetest.Request{Method: "POST", Path: base + "/ratings", Token: lll, Body: map[string]any{
		"head_teacher_id": "teacher-1", "date": daysAgo(1), "areas": []map[string]any{{"area": "leading_learning", "level": 4}}}}); r.Status != http.StatusBadRequest {
		t.Fatalf("rating someone who is not a head teacher: %d %s", r.Status, r.Body)
	}
	if r := env.Do(servicetest.Request{Method: "POST", Path: base + "/ratings", Token: lll, Body: rating}); r.Status != http.StatusCreated {
		t.Fatalf("rating: %d %s", r.Status, r.Body)
	}
	// Lowest latest level 2 → every 60 days; last visit 5 days ago → on track.
	if st, days := statusOf(t, env, lll, "coach_id=ht-1", "ht-2"); st != "on_track" || days != 60 {
		t.Fatalf("after rating: %q every %d days", st, days)
	}
	standards := func() (bool, []struct {
		Area  string
		Level int
	}) {
		r := env.Do(servicetest.Request{Method: "GET", Path: base + "/head-teachers/ht-2/standards", Token: lll})
		var v struct {
			MeetsAll bool `json:"meets_all_standards"`
			Areas    []struct {
				Area  string
				Level int
			}
		}
		r.JSON(t, &v)
		return v.MeetsAll, v.Areas
	}
	if all, _ := standards(); all {
		t.Fatal("meets all standards with leading_teaching at 2")
	}
	// The SEO of the sector re-rates leading teaching later: now it meets every standard.
	seo := token(env, "seo-remera", []string{"seo"}, remera)
	if r := env.Do(servicetest.Request{Method: "POST", Path: base + "/ratings", Token: seo, Body: map[string]any{
		"head_teacher_id": "ht-2", "date": daysAgo(1), "areas": []map[string]any{{"area": "leading_teaching", "level": 3}}}}); r.Status != http.StatusCreated {
		t.Fatalf("SEO rating: %d %s", r.Status, r.Body)
	}
	if all, areas := standards(); !all || len(areas) != 4 || areas[1].Level != 3 {
		t.Fatalf("standards after re-rating: %v %+v", all, areas)
	}
	// An SEO of another sector cannot rate a Remera head teacher (it does not see them).
	if r := env.Do(servicetest.Request{Method: "POST", Path: base + "/ratings", Token: token(env, "seo-kacyiru", []string{"seo"}, kacyiru), Body: map[string]any{
		"head_teacher_id": "ht-2", "date": daysAgo(1), "areas": []map[string]any{{"area": "leading_teaching", "level": 1}}}}); r.Status != http.StatusBadRequest {
		t.Fatalf("SEO of another sector: %d %s", r.Status, r.Body)
	}
	if st, days := statusOf(t, env, lll, "coach_id=ht-1", "ht-2"); st != "on_track" || days != 90 {
		t.Fatalf("after re-rating: %q every %d days", st, days)
	}
	if st, _ := statusOf(t, env, lll, "coach_id=ht-1&status=never_visited", "ht-3"); st != "never_visited" {
		t.Fatalf("ht-3: %q", st)
	}
}

func TestObservations(t *testing.T) {
	env, _ := coachingScenario(t)
	obs := map[string]any{"teacher_id": "teacher-1", "date": daysAgo(2), "subject": "mathematics",
		"items": []map[string]any{{"key": "lesson_objective", "score": 3}, {"key": "learner_engagement", "score": 2}}, "benchmark_met": true}
	// The school's head teacher observes; so does the head teacher's coach.
	for _, who := range []string{"ht-2", "ht-1"} {
		r := env.Do(servicetest.Request{Method: "POST", Path: base + "/observations", Token: token(env, who, []string{"ht"}, ""), Body: obs})
		if r.Status != http.StatusCreated {
			t.Fatalf("observation by %s: %d %s", who, r.Status, r.Body)
		}
	}
	if r := env.Do(servicetest.Request{Method: "POST", Path: base + "/observations", Token: token(env, "ht-3", []string{"ht"}, ""), Body: obs}); r.Status != http.StatusForbidden {
		t.Fatalf("observation by another school's head teacher: %d", r.Status)
	}
	obs["teacher_id"] = "teacher-404"
	obs["items"] = []map[string]any{{"key": "lesson_objective", "score": 7}}
	r := env.Do(servicetest.Request{Method: "POST", Path: base + "/observations", Token: token(env, "fs-1", []string{"field_staff"}, ""), Body: obs})
	if p := r.Problem(t); r.Status != http.StatusBadRequest || len(p.Errors) != 2 || p.Errors[0].Field != "items[0].score" || p.Errors[1].Field != "teacher_id" {
		t.Fatalf("unknown teacher, bad score: %d %+v", r.Status, p)
	}
	r = env.Do(servicetest.Request{Method: "GET", Path: base + "/observations?teacher_id=teacher-1", Token: deoToken(env)})
	var p page[struct {
		ObserverRole string `json:"observer_role"`
	}]
	r.JSON(t, &p)
	if len(p.Items) != 2 || p.Items[0].ObserverRole != "ht" || p.Items[1].ObserverRole != "lll" {
		t.Fatalf("observations %+v", p.Items)
	}
}

func TestSyncAndChangeFeed(t *testing.T) {
	env, rel := coachingScenario(t)
	lll := token(env, "ht-1", []string{"lll", "ht"}, remera)
	good, future, notMine := newID(), newID(), newID()
	upload := map[string]any{
		"sessions": []map[string]any{
			{"id": good, "relationship_id": rel["ht-2"], "date": daysAgo(3), "mode": "one_to_one", "duration_minutes": 45,
				"actions": []map[string]string{{"description": "Share the P3 results with staff"}}},
			{"id": future, "relationship_id": rel["ht-3"], "date": time.Now().AddDate(0, 0, 2).Format("2006-01-02"), "mode": "one_to_one", "duration_minutes": 45},
			{"id": notMine, "relationship_id": rel["ht-k1"], "date": daysAgo(3), "mode": "one_to_one", "duration_minutes": 45},
			// A follow-up of an action agreed in this same upload, before it reached the server.
			{"id": newID(), "relationship_id": rel["ht-2"], "date": daysAgo(1), "mode": "phone", "duration_minutes": 10,
				"follow_ups": []map[string]string{{"action_id": good + ".1", "status": "in_progress"}}},
		},
		"ratings": []map[string]any{{"id": newID(), "head_teacher_id": "ht-3", "date": daysAgo(2), "areas": []map[string]any{{"area": "leading_learning", "level": 0}}}},
	}
	type result struct {
		Kind, ID, Status string
		Index            int
		Problem          *struct {
			Status int
			Errors []struct{ Field string }
		}
	}
	var res struct {
		Results                    []result
		Created, Existed, Rejected int
	}
	r := env.Do(servicetest.Request{Method: "POST", Path: base + "/sync", Token: lll, Body: upload})
	if r.Status != http.StatusOK {
		t.Fatalf("sync: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &res)
	if res.Created != 2 || res.Rejected != 3 || res.Results[0].Status != "created" || res.Results[3].Status != "created" ||
		res.Results[1].Problem.Errors[0].Field != "date" ||
		// Another sector's relationship is not even visible to a Remera token.
		res.Results[2].Problem.Errors[0].Field != "relationship_id" ||
		res.Results[4].Kind != "rating" || res.Results[4].Problem.Errors[0].Field != "areas[0].level" {
		t.Fatalf("per-item results: %s", r.Body)
	}
	// The tablet did not get the answer and uploads again: nothing is created twice.
	r = env.Do(servicetest.Request{Method: "POST", Path: base + "/sync", Token: lll, Body: upload})
	r.JSON(t, &res)
	if res.Created != 0 || res.Existed != 2 || res.Rejected != 3 {
		t.Fatalf("repeated upload: %s", r.Body)
	}
	// With an Idempotency-Key, the first answer is replayed.
	keyed := servicetest.Request{Method: "POST", Path: base + "/sync", Token: lll, Header: map[string]string{"Idempotency-Key": "tablet-7-0001"},
		Body: map[string]any{"sessions": []map[string]any{{"id": newID(), "relationship_id": rel["ht-3"], "date": daysAgo(2), "mode": "online", "duration_minutes": 30}}}}
	first, again := env.Do(keyed), env.Do(keyed)
	if first.Status != 200 || string(first.Body) != string(again.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("keyed retry: %s / %s", first.Body, again.Body)
	}
	if r := env.Do(servicetest.Request{Method: "POST", Path: base + "/sync", Token: lll, Body: map[string]any{"sessions": []map[string]any{{"relationship_id": rel["ht-2"]}}}}); r.Status != http.StatusBadRequest {
		t.Fatalf("an item without id: %d", r.Status)
	} else if p := r.Problem(t); p.Errors[0].Field != "sessions[0].id" {
		t.Fatalf("%+v", p)
	}
	r = env.Do(servicetest.Request{Method: "GET", Path: base + "/coaching-sessions?relationship_id=" + rel["ht-2"], Token: lll})
	var sessions page[session]
	r.JSON(t, &sessions)
	if len(sessions.Items) != 2 {
		t.Fatalf("%d sessions of ht-2, want 2", len(sessions.Items))
	}

	// The change feed: the LLL (a Remera token) sees Remera's relationships and sessions;
	// the Kacyiru SEO sees only Kacyiru's. Each next_since resumes after the last change.
	type feed struct {
		Items []struct {
			Kind     string
			Position string
		}
		NextSince string `json:"next_since"`
		HasMore   bool   `json:"has_more"`
	}
	read := func(tok, since string, limit int) feed {
		var f feed
		servicetest.Eventually(t, 10*time.Second, "the feed catching up", func() bool {
			r := env.Do(servicetest.Request{Method: "GET", Path: base + "/changes?limit=" + itoa(limit) + "&since=" + since, Token: tok})
			if r.Status != 200 {
				t.Fatalf("changes: %d %s", r.Status, r.Body)
			}
			r.JSON(t, &f)
			return len(f.Items) > 0
		})
		return f
	}
	time.Sleep(coaching.FeedLag + 100*time.Millisecond) // the feed runs FeedLag behind writes
	all := map[string]int{}
	since := ""
	for {
		f := read(lll, since, 2)
		for _, it := range f.Items {
			all[it.Kind]++
		}
		since = f.NextSince
		if !f.HasMore {
			break
		}
	}
	if all["relationship"] != 2 || all["session"] != 3 {
		t.Fatalf("the LLL's feed: %v", all)
	}
	k := read(token(env, "seo-kacyiru", []string{"seo"}, kacyiru), "", 100)
	if len(k.Items) != 1 || k.Items[0].Kind != "relationship" {
		t.Fatalf("Kacyiru's feed: %+v", k.Items)
	}
	// Nothing new after the last position; one new session shows up alone.
	r = env.Do(servicetest.Request{Method: "GET", Path: base + "/changes?since=" + since, Token: lll})
	var empty feed
	r.JSON(t, &empty)
	if len(empty.Items) != 0 || empty.NextSince != since {
		t.Fatalf("feed after the end: %s", r.Body)
	}
	env.Do(servicetest.Request{Method: "POST", Path: base + "/coaching-sessions", Token: lll, Body: map[string]any{
		"relationship_id": rel["ht-3"], "date": today(), "mode": "school_visit", "duration_minutes": 60}})
	if f := read(lll, since, 100); len(f.Items) != 1 || f.Items[0].Kind != "session" {
		t.Fatalf("feed after one more session: %+v", f.Items)
	}
	if r := env.Do(servicetest.Request{Method: "GET", Path: base + "/changes?since=garbage", Token: lll}); r.Status != http.StatusBadRequest {
		t.Fatalf("bad since: %d", r.Status)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// TestEventsArePublished checks every coaching event type against its JSON Schema and
// the contract's rules (ids and facts only).
func TestEventsArePublished(t *testing.T) {
	env, rel := coachingScenario(t)
	lll := token(env, "ht-1", []string{"lll", "ht"}, remera)
	env.Do(servicetest.Request{Method: "POST", Path: base + "/coaching-sessions", Token: lll, Body: map[string]any{
		"relationship_id": rel["ht-2"], "date": daysAgo(1), "mode": "school_visit", "duration_minutes": 60,
		"notes": "private notes", "observer_id": "sla-1", "actions": []map[string]string{{"description": "secret plan"}}}})
	env.Do(servicetest.Request{Method: "POST", Path: base + "/ratings", Token: lll, Body: map[string]any{
		"head_teacher_id": "ht-2", "date": daysAgo(1), "areas": []map[string]any{{"area": "leading_learning", "level": 3}}}})
	env.Do(servicetest.Request{Method: "POST", Path: base + "/observations", Token: lll, Body: map[string]any{
		"teacher_id": "teacher-1", "date": daysAgo(1), "subject": "english", "items": []map[string]any{{"key": "phonics", "score": 3}}, "benchmark_met": false}})
	r := env.Do(servicetest.Request{Method: "PUT", Path: base + "/relationships/" + rel["ht-3"], Token: deoToken(env),
		Body: map[string]string{"end_date": today()}, Header: map[string]string{"If-Match": `"1"`}})
	if r.Status != 200 {
		t.Fatalf("end: %d %s", r.Status, r.Body)
	}

	reader := kafka.NewReader(kafka.ReaderConfig{Brokers: env.Stack.KafkaBrokers, Topic: events.Topic("coaching"),
		GroupID: "test", StartOffset: kafka.FirstOffset, MaxWait: 100 * time.Millisecond,
		HeartbeatInterval: 100 * time.Millisecond, JoinGroupBackoff: 100 * time.Millisecond,
		SessionTimeout: time.Second, RebalanceTimeout: 2 * time.Second})
	defer reader.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	seen := map[string]events.Envelope{}
	for len(seen) < 5 {
		m, err := reader.FetchMessage(ctx)
		if err != nil {
			t.Fatalf("after %v: %v", keys(seen), err)
		}
		servicetest.ValidateEvent(t, "api/events", m.Value)
		e, err := events.FromMessage(m)
		if err != nil {
			t.Fatal(err)
		}
		if e.Tenant != tenant || string(m.Key) != tenant+"/"+e.Subject {
			t.Fatalf("envelope %+v key %s", e, m.Key)
		}
		if slices.Contains([]string{"private notes", "secret plan"}, string(e.Data)) || containsAny(string(e.Data), "private notes", "secret plan") {
			t.Fatalf("free text in an event: %s", e.Data)
		}
		if e.Type == "org.l4l.coaching.relationship.ended.v1" && !containsAny(string(e.Data), `"ended_by_hand"`) {
			continue
		}
		seen[e.Type] = e
	}
	var s struct {
		Observed   bool   `json:"observed"`
		ObserverID string `json:"observer_id"`
	}
	_ = seen["org.l4l.coaching.session.logged.v1"].DecodeData(&s)
	if !s.Observed || s.ObserverID != "sla-1" {
		t.Fatalf("session.logged %s", seen["org.l4l.coaching.session.logged.v1"].Data)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if len(x) > 0 && len(s) >= len(x) {
			for i := 0; i+len(x) <= len(s); i++ {
				if s[i:i+len(x)] == x {
					return true
				}
			}
		}
	}
	return false
}

package plc_test

import (
	"strings"
	"testing"
	"time"

	"github.com/l4l-platform/l4l/libs/privacy"
	"github.com/l4l-platform/l4l/libs/service/servicetest"
)

// Subject access and erasure in the PLC service: erasing a member removes the text of the
// actions they own and the follow-up notes on them, and nothing else; erasing the
// facilitator removes the whole text of the minutes they wrote. Attendance, ids, dates
// and statuses stay: the attendance report is the same before and after.
func TestSubjectAccessAndErasure(t *testing.T) {
	env := start(t)
	deo := env.Token([]string{"deo"}, tenant, "")
	dpo := env.Token([]string{"dpo"}, tenant, "")
	lllRemera := env.Token([]string{"lll"}, tenant, remera)
	dir := newDirectory(t, env)
	dir.send(dir.role("assigned", "a-r1", "ht-r1", "ht", "s-r1"), dir.role("assigned", "a-r2", "ht-r2", "ht", "s-r2"),
		dir.role("assigned", "a-lr", "ht-r1", "lll", remera), dir.role("assigned", "a-sr", "seo-r", "seo", remera))
	dir.send(dir.school("s-r1", remera), dir.school("s-r2", remera))
	servicetest.Eventually(t, 60*time.Second, "the Remera group", func() bool {
		return people(groups(t, env, deo)[remera]) == "ht-r1:facilitator seo-r:co_facilitator ht-r1:member ht-r2:member"
	})
	g := groups(t, env, deo)[remera]
	r := env.Do(servicetest.Request{Method: "POST", Path: base + "/schedules", Token: deo, Body: map[string]any{"school_year": "2026-2027", "term": "Term 1", "from": "2026-09-07"}})
	if r.Status != 200 {
		t.Fatalf("schedule: %d %s", r.Status, r.Body)
	}
	rem := sessionsOf(t, env, deo, g.ID)
	const (
		ownAction = "Share the observation rubric with Ms Uwase"
		ownNote   = "Uwase shared it with two teachers only"
		challenge = "Dropout in the rainy season"
		other     = "Map pupils at risk"
	)
	r = env.Do(servicetest.Request{Method: "PUT", Path: base + "/sessions/" + rem[0].ID + "/record", Token: lllRemera, Header: map[string]string{"If-Match": `"1"`},
		Body: map[string]any{"held": true,
			"attendance": []map[string]string{{"person_id": "ht-r1", "status": "present"}, {"person_id": "ht-r2", "status": "late"}, {"person_id": "seo-r", "status": "present"}},
			"challenges": []map[string]string{{"description": challenge}},
			"actions": []map[string]string{
				{"description": ownAction, "owner_id": "ht-r2", "school_id": "s-r2", "due_date": "2026-10-01"},
				{"description": other, "owner_id": "seo-r", "due_date": "2027-03-01"},
			}}})
	var sep session
	r.JSON(t, &sep)
	if r.Status != 200 {
		t.Fatalf("record: %d %s", r.Status, r.Body)
	}
	r = env.Do(servicetest.Request{Method: "PUT", Path: base + "/sessions/" + rem[1].ID + "/record", Token: lllRemera, Header: map[string]string{"If-Match": `"1"`},
		Body: map[string]any{"held": true, "attendance": []map[string]string{{"person_id": "ht-r1", "status": "present"}, {"person_id": "ht-r2", "status": "present"}},
			"follow_ups": []map[string]string{{"action_id": sep.Record.Actions[0].ID, "status": "in_progress", "note": ownNote}}}})
	if r.Status != 200 {
		t.Fatalf("record October: %d %s", r.Status, r.Body)
	}

	export := func(person string) string {
		t.Helper()
		r := env.Do(servicetest.Request{Method: "GET", Path: base + "/privacy/plc/people/" + person, Token: dpo})
		if r.Status != 200 {
			t.Fatalf("export %s: %d %s", person, r.Status, r.Body)
		}
		return string(r.Body)
	}
	read := func(path string) string {
		return string(env.Do(servicetest.Request{Method: "GET", Path: base + path, Token: deo}).Body)
	}
	before := export("ht-r2")
	for _, want := range []string{ownAction, ownNote, rem[0].ID, rem[1].ID, g.ID} {
		if !strings.Contains(before, want) {
			t.Fatalf("export of ht-r2 lacks %q: %s", want, before)
		}
	}
	attendance := read("/groups/" + g.ID + "/attendance")
	personal := read("/people/ht-r2/attendance")

	erase := func(req, person string) {
		t.Helper()
		for range 2 { // a redelivery is harmless
			dir.send(dir.event("erasure.requested", req, privacy.ErasureRequested{RequestID: req, PersonID: person}))
		}
	}
	erase("01a20880-0000-7000-8000-0000000000e1", "ht-r2")
	servicetest.Eventually(t, 30*time.Second, "ht-r2's erasure", func() bool {
		e := export("ht-r2")
		return !strings.Contains(e, ownAction) && !strings.Contains(e, ownNote)
	})
	after := export("ht-r2")
	if !strings.Contains(after, challenge) || !strings.Contains(after, other) || !strings.Contains(after, sep.Record.Actions[0].ID) {
		t.Fatalf("after ht-r2's erasure (only their action and its note go): %s", after)
	}
	erase("01a20880-0000-7000-8000-0000000000e2", "ht-r1")
	servicetest.Eventually(t, 30*time.Second, "the facilitator's erasure", func() bool { return !strings.Contains(export("ht-r1"), challenge) })
	if s := read("/sessions/" + rem[0].ID); strings.Contains(s, other) || !strings.Contains(s, `"status":"late"`) || !strings.Contains(s, sep.Record.Actions[0].ID) {
		t.Fatalf("September's session after the facilitator's erasure: %s", s)
	}
	if got := read("/groups/" + g.ID + "/attendance"); got != attendance {
		t.Fatalf("group attendance changed:\n%s\n%s", attendance, got)
	}
	if got := read("/people/ht-r2/attendance"); got != personal {
		t.Fatalf("ht-r2's attendance changed:\n%s\n%s", personal, got)
	}
}

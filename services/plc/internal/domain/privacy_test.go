package domain

import (
	"encoding/json"
	"strings"
	"testing"
)

func minutes() Session {
	return Session{ID: "s1", Facilitators: []string{"lll"}, CancelReason: "",
		Record: &Record{Held: true, RecordedBy: "lll", NotHeldReason: "",
			Attendance: []Attendance{{PersonID: "lll", Status: Present}, {PersonID: "ht", Status: Late}},
			SchoolData: []SchoolData{{SchoolID: "sch", Topic: "secret topic", Summary: "secret summary"}},
			Agenda:     []AgendaItem{{Title: "secret agenda", CompetencyAreas: []string{"leading_teaching"}}},
			Challenges: []Challenge{{Description: "secret challenge", Solution: "secret solution"}},
			Actions:    []Action{{ID: "a1", Description: "secret own action", OwnerID: "ht"}, {ID: "a2", Description: "other action", OwnerID: "seo"}},
			FollowUps:  []FollowUp{{ActionID: "a0", Status: ActionDone, Note: "other note"}}}}
}

func TestEraseSession(t *testing.T) {
	for _, c := range []struct {
		name, person string
		gone, kept   []string
	}{
		{"a member: only the actions they own", "ht", []string{"secret own action"}, []string{"secret topic", "secret challenge", "other action", "other note"}},
		{"the facilitator: the whole minutes", "lll", []string{"secret", "other action", "other note"}, nil},
		{"someone the session does not name", "nobody", nil, []string{"secret topic", "secret own action", "other note"}},
	} {
		s := minutes()
		changed := EraseSession(&s, c.person)
		b, _ := json.Marshal(s)
		out := string(b)
		if changed != (len(c.gone) > 0) {
			t.Errorf("%s: changed %v", c.name, changed)
		}
		for _, g := range c.gone {
			if strings.Contains(out, g) {
				t.Errorf("%s: %q still there: %s", c.name, g, out)
			}
		}
		for _, k := range c.kept {
			if !strings.Contains(out, k) {
				t.Errorf("%s: %q lost: %s", c.name, k, out)
			}
		}
		// Ids, owners and attendance always stay; a second run changes nothing.
		for _, k := range []string{`"a1"`, `"owner_id":"ht"`, `"status":"late"`, `"competency_areas":["leading_teaching"]`} {
			if !strings.Contains(out, k) {
				t.Errorf("%s: %s lost", c.name, k)
			}
		}
		if EraseSession(&s, c.person) {
			t.Errorf("%s: a second run changed something", c.name)
		}
	}
	later := Session{Record: &Record{FollowUps: []FollowUp{{ActionID: "a1", Note: "secret follow-up"}, {ActionID: "a2", Note: "kept"}}}}
	if !EraseFollowUps(&later, map[string]bool{"a1": true}) || later.Record.FollowUps[0].Note != "[erased]" || later.Record.FollowUps[1].Note != "kept" {
		t.Fatalf("follow-ups %+v", later.Record.FollowUps)
	}
}

package domain

import (
	"cmp"
	"slices"
)

// Tally counts one person's attendance over held sessions they were expected at.
type Tally struct {
	Expected int `json:"expected"`
	Present  int `json:"present"`
	Late     int `json:"late"`
	Excused  int `json:"excused"`
	Absent   int `json:"absent"`
	// Rate is (present + late) / expected, 0 when nothing was expected.
	Rate float64 `json:"rate"`
}

func (t *Tally) add(status string) {
	t.Expected++
	switch status {
	case Present:
		t.Present++
	case Late:
		t.Late++
	case Excused:
		t.Excused++
	default:
		t.Absent++
	}
	t.Rate = float64(t.Present+t.Late) / float64(t.Expected)
}

// statusOf is a person's attendance at a held session; people left out were absent.
func statusOf(r *Record, person string) string {
	for _, a := range r.Attendance {
		if a.PersonID == person {
			return a.Status
		}
	}
	return Absent
}

// heldInOrder are the group's held sessions, oldest first.
func heldInOrder(g Group, sessions []Session) []Session {
	var out []Session
	for _, s := range sessions {
		if s.GroupID == g.ID && s.Status == Held && s.Record != nil {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b Session) int { return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.ID, b.ID)) })
	return out
}

// GroupAttendance is the attendance of a group.
type GroupAttendance struct {
	GroupID  string              `json:"group_id"`
	Sessions []SessionAttendance `json:"sessions"`
	Members  []MemberAttendance  `json:"members"`
}

// SessionAttendance sums one held session.
type SessionAttendance struct {
	SessionID string `json:"session_id"`
	Date      string `json:"date"`
	Tally
}

// MemberAttendance is one person's attendance in a group.
type MemberAttendance struct {
	PersonID string `json:"person_id"`
	Role     string `json:"role"`
	Position string `json:"position"`
	Tally
	// CollaboratesRegularly applies the profile rule (e.g. attended ≥ 2 of the last 3
	// held sessions they were expected at).
	CollaboratesRegularly bool `json:"collaborates_regularly"`
}

// AttendanceOf computes a group's attendance from its sessions.
func AttendanceOf(g Group, sessions []Session, r Rules) GroupAttendance {
	out := GroupAttendance{GroupID: g.ID, Sessions: []SessionAttendance{}, Members: []MemberAttendance{}}
	members := map[string]*MemberAttendance{}
	history := map[string][]string{}
	var order []string
	for _, s := range heldInOrder(g, sessions) {
		sa := SessionAttendance{SessionID: s.ID, Date: s.Date}
		for _, p := range g.PeopleOn(s.Date) {
			st := statusOf(s.Record, p.PersonID)
			sa.add(st)
			m, ok := members[p.PersonID]
			if !ok {
				m = &MemberAttendance{PersonID: p.PersonID, Role: p.Role, Position: p.Position}
				members[p.PersonID] = m
				order = append(order, p.PersonID)
			}
			m.add(st)
			history[p.PersonID] = append(history[p.PersonID], st)
		}
		out.Sessions = append(out.Sessions, sa)
	}
	slices.Sort(order)
	for _, id := range order {
		m := members[id]
		m.CollaboratesRegularly = Collaborates(history[id], r)
		out.Members = append(out.Members, *m)
	}
	return out
}

// Collaborates applies the "collaborates regularly" rule to a person's attendance at the
// held sessions they were expected at, oldest first: at least CollaborationAttended of the
// last CollaborationOf (present or late). Someone with fewer sessions than the window is
// judged on the sessions there were.
func Collaborates(statuses []string, r Rules) bool {
	if len(statuses) == 0 {
		return false
	}
	window := statuses[max(0, len(statuses)-r.CollaborationOf):]
	attended := 0
	for _, s := range window {
		if s == Present || s == Late {
			attended++
		}
	}
	need := r.CollaborationAttended
	if len(window) < r.CollaborationOf {
		// Pro rata, rounded up: 2 of 3 becomes 1 of 1 and 2 of 2.
		need = (r.CollaborationAttended*len(window) + r.CollaborationOf - 1) / r.CollaborationOf
	}
	return attended >= need
}

// PersonAttendance is one person's attendance across their groups.
type PersonAttendance struct {
	PersonID string             `json:"person_id"`
	Groups   []PersonGroupTally `json:"groups"`
	// CollaboratesRegularly holds when it holds in any of their groups.
	CollaboratesRegularly bool `json:"collaborates_regularly"`
}

// PersonGroupTally is a person's attendance in one group.
type PersonGroupTally struct {
	GroupID string `json:"group_id"`
	Kind    string `json:"kind"`
	Unit    string `json:"unit"`
	MemberAttendance
}

// AttendanceOfPerson computes a person's attendance in each of their groups.
func AttendanceOfPerson(person string, groups []Group, sessions []Session, r Rules) PersonAttendance {
	out := PersonAttendance{PersonID: person, Groups: []PersonGroupTally{}}
	for _, g := range groups {
		for _, m := range AttendanceOf(g, sessions, r).Members {
			if m.PersonID == person {
				out.Groups = append(out.Groups, PersonGroupTally{GroupID: g.ID, Kind: g.Kind, Unit: g.Unit, MemberAttendance: m})
				out.CollaboratesRegularly = out.CollaboratesRegularly || m.CollaboratesRegularly
			}
		}
	}
	return out
}

// ActionView is an action with where it was agreed and how it stands now.
type ActionView struct {
	Action
	SessionID string `json:"session_id"`
	GroupID   string `json:"group_id"`
	AgreedOn  string `json:"agreed_on"`
	Status    string `json:"status"`
	// FollowedUpIn is the session whose follow-up set the status, if any.
	FollowedUpIn string `json:"followed_up_in,omitempty"`
	Overdue      bool   `json:"overdue"`
}

// ActionsOf lists the actions agreed in sessions, with their status after the latest
// follow-up, overdue when not done or dropped by their due date, as of today.
func ActionsOf(sessions []Session, today string) []ActionView {
	sorted := slices.Clone(sessions)
	slices.SortFunc(sorted, func(a, b Session) int { return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.ID, b.ID)) })
	var out []ActionView
	at := map[string]int{}
	for _, s := range sorted {
		if s.Record == nil {
			continue
		}
		for _, f := range s.Record.FollowUps {
			if i, ok := at[f.ActionID]; ok {
				out[i].Status, out[i].FollowedUpIn = f.Status, s.ID
			}
		}
		for _, a := range s.Record.Actions {
			at[a.ID] = len(out)
			out = append(out, ActionView{Action: a, SessionID: s.ID, GroupID: s.GroupID, AgreedOn: s.Date, Status: ActionOpen})
		}
	}
	for i := range out {
		open := out[i].Status == ActionOpen || out[i].Status == ActionInProgress
		out[i].Overdue = open && out[i].DueDate < today
	}
	return out
}

// PriorActions are the actions agreed before session s in its group, by id, with status.
func PriorActions(s Session, groupSessions []Session) map[string]PriorAction {
	var before []Session
	for _, o := range groupSessions {
		if o.GroupID == s.GroupID && o.ID != s.ID && o.Start.Before(s.Start) {
			before = append(before, o)
		}
	}
	out := map[string]PriorAction{}
	for _, v := range ActionsOf(before, "") {
		out[v.ID] = PriorAction{Action: v.Action, SessionID: v.SessionID, Status: v.Status}
	}
	return out
}

package domain

import (
	"slices"

	"github.com/l4l-platform/l4l/libs/privacy"
)

// EraseSession pseudonymises what a session holds about person (names and free text
// become privacy.Erased; ids, dates, attendance, competency areas and statuses stay, so
// the attendance report and the follow-up rate stay true):
//   - a record the person led (facilitated) or recorded loses its whole text — minutes
//     are written by their author about the people present, and cannot be split;
//   - elsewhere, the description of an action the person owns, and follow-up notes on it.
//
// It reports whether anything changed (a second run changes nothing).
func EraseSession(s *Session, person string) bool {
	changed := false
	erase := func(v *string) {
		if *v != "" && *v != privacy.Erased {
			*v, changed = privacy.Erased, true
		}
	}
	authored := slices.Contains(s.Facilitators, person) || (s.Record != nil && s.Record.RecordedBy == person)
	if authored {
		erase(&s.CancelReason)
	}
	r := s.Record
	if r == nil {
		return changed
	}
	owned := map[string]bool{}
	for i := range r.Actions {
		if authored || r.Actions[i].OwnerID == person {
			erase(&r.Actions[i].Description)
		}
		if r.Actions[i].OwnerID == person {
			owned[r.Actions[i].ID] = true
		}
	}
	for i := range r.FollowUps {
		if authored || owned[r.FollowUps[i].ActionID] {
			erase(&r.FollowUps[i].Note)
		}
	}
	if !authored {
		return changed
	}
	erase(&r.NotHeldReason)
	for i := range r.SchoolData {
		erase(&r.SchoolData[i].Topic)
		erase(&r.SchoolData[i].Summary)
	}
	for i := range r.Agenda {
		erase(&r.Agenda[i].Title)
	}
	for i := range r.Challenges {
		erase(&r.Challenges[i].Description)
		erase(&r.Challenges[i].Solution)
	}
	return changed
}

// EraseFollowUps erases the follow-up notes, in a later session, on actions person owns
// (ownedActions: ids of actions agreed at other sessions).
func EraseFollowUps(s *Session, ownedActions map[string]bool) bool {
	changed := false
	if s.Record == nil {
		return false
	}
	for i := range s.Record.FollowUps {
		f := &s.Record.FollowUps[i]
		if ownedActions[f.ActionID] && f.Note != "" && f.Note != privacy.Erased {
			f.Note, changed = privacy.Erased, true
		}
	}
	return changed
}

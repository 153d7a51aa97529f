package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/profile"
)

// Attendance statuses.
const (
	Present = "present"
	Late    = "late"
	Excused = "excused"
	Absent  = "absent"
)

// Action statuses. An action is open when agreed; the follow-up at a later session says
// how it stands.
const (
	ActionOpen       = "open"
	ActionInProgress = "in_progress"
	ActionDone       = "done"
	ActionDropped    = "dropped"
)

// Record is what happened at a session, often captured offline on a tablet and sent later.
type Record struct {
	Held          bool   `json:"held" bson:"held"`
	NotHeldReason string `json:"not_held_reason,omitempty" bson:"not_held_reason,omitempty"`
	// Attendance is one entry per person; people left out are counted absent.
	Attendance []Attendance `json:"attendance" bson:"attendance"`
	SchoolData []SchoolData `json:"school_data" bson:"school_data"`
	Agenda     []AgendaItem `json:"agenda" bson:"agenda"`
	Challenges []Challenge  `json:"challenges" bson:"challenges"`
	// Actions are agreed at this session and followed up at the next ones.
	Actions []Action `json:"actions" bson:"actions"`
	// FollowUps are this session's review of earlier sessions' actions.
	FollowUps  []FollowUp `json:"follow_ups" bson:"follow_ups"`
	RecordedBy string     `json:"recorded_by" bson:"recorded_by"`
	RecordedAt time.Time  `json:"recorded_at" bson:"recorded_at"`
}

// Attendance is one person's attendance.
type Attendance struct {
	PersonID string `json:"person_id" bson:"person_id"`
	Status   string `json:"status" bson:"status"`
}

// SchoolData is a school's data discussed at the session (learning results, attendance
// figures, school improvement plan progress).
type SchoolData struct {
	SchoolID string `json:"school_id" bson:"school_id"`
	Topic    string `json:"topic" bson:"topic"`
	Summary  string `json:"summary,omitempty" bson:"summary,omitempty"`
}

// AgendaItem is an item discussed, linked to the competency areas it develops.
type AgendaItem struct {
	Title           string   `json:"title" bson:"title"`
	CompetencyAreas []string `json:"competency_areas" bson:"competency_areas"`
}

// Challenge is a challenge a head teacher brought and the solutions found together.
type Challenge struct {
	Description string `json:"description" bson:"description"`
	Solution    string `json:"solution,omitempty" bson:"solution,omitempty"`
	SchoolID    string `json:"school_id,omitempty" bson:"school_id,omitempty"`
}

// Action is an action item agreed at a session.
type Action struct {
	ID          string `json:"id" bson:"id"`
	Description string `json:"description" bson:"description"`
	OwnerID     string `json:"owner_id" bson:"owner_id"`
	SchoolID    string `json:"school_id,omitempty" bson:"school_id,omitempty"`
	DueDate     string `json:"due_date" bson:"due_date"`
}

// FollowUp is a later session's review of an action.
type FollowUp struct {
	ActionID string `json:"action_id" bson:"action_id"`
	Status   string `json:"status" bson:"status"`
	Note     string `json:"note,omitempty" bson:"note,omitempty"`
}

// RecordFields is what a client sends. Action ids are optional: a tablet may make them
// (UUIDs) so that a corrected record keeps its actions; otherwise the service assigns them.
type RecordFields struct {
	Held          bool         `json:"held"`
	NotHeldReason string       `json:"not_held_reason"`
	Attendance    []Attendance `json:"attendance"`
	SchoolData    []SchoolData `json:"school_data"`
	Agenda        []AgendaItem `json:"agenda"`
	Challenges    []Challenge  `json:"challenges"`
	Actions       []Action     `json:"actions"`
	FollowUps     []FollowUp   `json:"follow_ups"`
}

// PriorAction is an action of an earlier session of the same group, and how it stands.
type PriorAction struct {
	Action
	SessionID string
	Status    string
}

// RecordContext is what a record is checked against.
type RecordContext struct {
	Tenant  Tenant
	Group   Group
	Session Session
	// Prior are the actions of the group's earlier sessions, by id.
	Prior map[string]PriorAction
	Now   time.Time
	By    string
}

// RecordSession validates fields and records them on the session: it becomes held or not
// held. A cancelled session, or one that has not started, cannot be recorded.
func RecordSession(s *Session, ctx RecordContext, f RecordFields) error {
	switch {
	case s.Status == Cancelled:
		return problem.New(problem.Conflict, "the session was cancelled; a cancelled session has no record")
	case s.Start.After(ctx.Now):
		return problem.New(problem.Conflict, "the session starts at %s; it can be recorded once it has started", s.Start.Format(time.RFC3339))
	}
	if errs := checkRecord(ctx, f); len(errs) > 0 {
		return problem.Fields("the session record has invalid fields", errs...)
	}
	r := &Record{Held: f.Held, NotHeldReason: f.NotHeldReason, Attendance: orEmpty(f.Attendance), SchoolData: orEmpty(f.SchoolData),
		Agenda: orEmpty(f.Agenda), Challenges: orEmpty(f.Challenges), Actions: orEmpty(f.Actions), FollowUps: orEmpty(f.FollowUps),
		RecordedBy: ctx.By, RecordedAt: ctx.Now}
	for i := range r.Actions {
		if r.Actions[i].ID == "" {
			r.Actions[i].ID = NewID()
		}
	}
	for i := range r.Agenda {
		r.Agenda[i].CompetencyAreas = orEmpty(r.Agenda[i].CompetencyAreas)
	}
	s.Record = r
	s.Status = NotHeld
	if f.Held {
		s.Status = Held
	}
	s.UpdatedAt = ctx.Now
	return nil
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func checkRecord(ctx RecordContext, f RecordFields) []problem.FieldError {
	var errs []problem.FieldError
	add := func(field, format string, args ...any) { errs = append(errs, problem.Field(field, format, args...)) }
	people := map[string]Person{}
	for _, p := range ctx.Group.PeopleOn(ctx.Session.Date) {
		people[p.PersonID] = p
	}
	if !f.Held {
		if strings.TrimSpace(f.NotHeldReason) == "" {
			add("not_held_reason", "required when the session was not held")
		}
		for _, n := range []struct {
			field string
			count int
		}{{"attendance", len(f.Attendance)}, {"school_data", len(f.SchoolData)}, {"agenda", len(f.Agenda)},
			{"challenges", len(f.Challenges)}, {"actions", len(f.Actions)}, {"follow_ups", len(f.FollowUps)}} {
			if n.count > 0 {
				add(n.field, "a session that was not held has none")
			}
		}
		return sortFields(errs)
	}
	if f.NotHeldReason != "" {
		add("not_held_reason", "only for a session that was not held")
	}
	if len(f.Attendance) == 0 {
		add("attendance", "a held session records who attended")
	}
	seen := map[string]bool{}
	for i, a := range f.Attendance {
		field := fmt.Sprintf("attendance[%d]", i)
		switch {
		case a.PersonID == "":
			add(field+".person_id", "required")
		case seen[a.PersonID]:
			add(field+".person_id", "%s is listed twice", a.PersonID)
		case people[a.PersonID].PersonID == "":
			add(field+".person_id", "%s is not a member of this group on %s", a.PersonID, ctx.Session.Date)
		}
		seen[a.PersonID] = true
		if !slices.Contains([]string{Present, Late, Excused, Absent}, a.Status) {
			add(field+".status", "one of present, late, excused, absent")
		}
	}
	if !slices.ContainsFunc(f.Attendance, func(a Attendance) bool { return a.Status == Present || a.Status == Late }) && len(f.Attendance) > 0 {
		add("attendance", "a held session has at least one person present")
	}
	for i, d := range f.SchoolData {
		field := fmt.Sprintf("school_data[%d]", i)
		if !ctx.Group.HasSchool(d.SchoolID) {
			add(field+".school_id", "%q is not a school of this group", d.SchoolID)
		}
		if strings.TrimSpace(d.Topic) == "" {
			add(field+".topic", "required: what data was discussed")
		}
	}
	areas := map[string]bool{}
	var keys []string
	for _, a := range ctx.Tenant.Profile.Spec().Competencies.Areas {
		areas[a.Key] = true
		keys = append(keys, a.Key)
	}
	for i, it := range f.Agenda {
		field := fmt.Sprintf("agenda[%d]", i)
		if strings.TrimSpace(it.Title) == "" {
			add(field+".title", "required")
		}
		for j, k := range it.CompetencyAreas {
			if !areas[k] {
				add(fmt.Sprintf("%s.competency_areas[%d]", field, j), "%q is not a competency area; one of %s", k, strings.Join(keys, ", "))
			}
		}
	}
	for i, c := range f.Challenges {
		field := fmt.Sprintf("challenges[%d]", i)
		if strings.TrimSpace(c.Description) == "" {
			add(field+".description", "required")
		}
		if c.SchoolID != "" && !ctx.Group.HasSchool(c.SchoolID) {
			add(field+".school_id", "%q is not a school of this group", c.SchoolID)
		}
	}
	ids := map[string]bool{}
	for i, a := range f.Actions {
		field := fmt.Sprintf("actions[%d]", i)
		if a.ID != "" {
			if _, err := uuid.Parse(a.ID); err != nil {
				add(field+".id", "a UUID, or leave it out")
			} else if ids[a.ID] {
				add(field+".id", "%s is listed twice", a.ID)
			} else if p, ok := ctx.Prior[a.ID]; ok {
				add(field+".id", "%s is an action of session %s; follow it up under follow_ups", a.ID, p.SessionID)
			}
			ids[a.ID] = true
		}
		if strings.TrimSpace(a.Description) == "" {
			add(field+".description", "required")
		}
		switch {
		case a.OwnerID == "":
			add(field+".owner_id", "required: every action has an owner")
		case people[a.OwnerID].PersonID == "":
			add(field+".owner_id", "%s is not a member of this group", a.OwnerID)
		}
		if a.SchoolID != "" && !ctx.Group.HasSchool(a.SchoolID) {
			add(field+".school_id", "%q is not a school of this group", a.SchoolID)
		}
		if due, err := time.Parse(profile.DateLayout, a.DueDate); err != nil {
			add(field+".due_date", "required, as YYYY-MM-DD")
		} else if due.Format(profile.DateLayout) < ctx.Session.Date {
			add(field+".due_date", "before the session (%s)", ctx.Session.Date)
		}
	}
	followed := map[string]bool{}
	for i, fu := range f.FollowUps {
		field := fmt.Sprintf("follow_ups[%d]", i)
		if _, ok := ctx.Prior[fu.ActionID]; !ok {
			add(field+".action_id", "%q is not an action of an earlier session of this group", fu.ActionID)
		} else if followed[fu.ActionID] {
			add(field+".action_id", "%s is followed up twice", fu.ActionID)
		}
		followed[fu.ActionID] = true
		if !slices.Contains([]string{ActionOpen, ActionInProgress, ActionDone, ActionDropped}, fu.Status) {
			add(field+".status", "one of open, in_progress, done, dropped")
		}
	}
	return sortFields(errs)
}

func sortFields(errs []problem.FieldError) []problem.FieldError {
	slices.SortStableFunc(errs, func(a, b problem.FieldError) int { return strings.Compare(a.Field, b.Field) })
	return errs
}

// ActionChanges compares a session's actions and follow-ups before and after a record:
// the actions created, and the actions whose status changed (followed up, or removed
// from a corrected record).
func ActionChanges(before, after *Record) (created []Action, updated []ActionStatus) {
	old := map[string]Action{}
	oldFollow := map[string]string{}
	if before != nil {
		for _, a := range before.Actions {
			old[a.ID] = a
		}
		for _, f := range before.FollowUps {
			oldFollow[f.ActionID] = f.Status
		}
	}
	now := map[string]bool{}
	if after != nil {
		for _, a := range after.Actions {
			now[a.ID] = true
			if prev, ok := old[a.ID]; !ok {
				created = append(created, a)
			} else if prev != a {
				updated = append(updated, ActionStatus{Action: a, Status: ActionOpen})
			}
		}
		for _, f := range after.FollowUps {
			if oldFollow[f.ActionID] != f.Status {
				updated = append(updated, ActionStatus{Action: Action{ID: f.ActionID}, Status: f.Status})
			}
		}
	}
	if before != nil {
		for _, a := range before.Actions {
			if !now[a.ID] {
				updated = append(updated, ActionStatus{Action: a, Status: ActionDropped})
			}
		}
	}
	return created, updated
}

// ActionStatus is an action and its status.
type ActionStatus struct {
	Action
	Status string
}

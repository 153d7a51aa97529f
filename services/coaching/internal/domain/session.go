package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/l4l-platform/l4l/libs/problem"
)

// Session modes (seed 002: 1:1 coaching and school visits; phone and online where roads
// and budgets do not allow a visit).
const (
	ModeSchoolVisit = "school_visit"
	ModeOneToOne    = "one_to_one"
	ModePhone       = "phone"
	ModeOnline      = "online"
)

// Modes lists the session modes.
var Modes = []string{ModeSchoolVisit, ModeOneToOne, ModePhone, ModeOnline}

// Follow-up statuses of an agreed action. Done and dropped close it; the others carry it
// to the next session again.
const (
	FollowDone       = "done"
	FollowInProgress = "in_progress"
	FollowNotDone    = "not_done"
	FollowDropped    = "dropped"
	ActionOpen       = "open"
)

// FollowStatuses lists the follow-up statuses.
var FollowStatuses = []string{FollowDone, FollowInProgress, FollowNotDone, FollowDropped}

// Limits on what one session may hold.
const (
	maxText     = 10000
	maxItems    = 20
	maxDuration = 12 * 60
)

// Session is a coaching session or school visit a coach logged with a coachee.
type Session struct {
	ID              string     `json:"id" bson:"_id"`
	RelationshipID  string     `json:"relationship_id" bson:"relationship_id"`
	Link            string     `json:"link" bson:"link"`
	CoachID         string     `json:"coach_id" bson:"coach_id"`
	CoachRole       string     `json:"coach_role" bson:"coach_role"`
	CoacheeID       string     `json:"coachee_id" bson:"coachee_id"`
	CoacheeRole     string     `json:"coachee_role" bson:"coachee_role"`
	Date            string     `json:"date" bson:"date"`
	Mode            string     `json:"mode" bson:"mode"`
	DurationMinutes int        `json:"duration_minutes" bson:"duration_minutes"`
	FocusAreas      []string   `json:"focus_areas" bson:"focus_areas"`
	Notes           string     `json:"notes,omitempty" bson:"notes"`
	Goals           []string   `json:"goals" bson:"goals"`
	Actions         []Action   `json:"actions" bson:"actions"`
	FollowUps       []FollowUp `json:"follow_ups" bson:"follow_ups"`
	// CarriedActions are the actions still open when the session was logged: what the
	// coach and coachee were to follow up.
	CarriedActions []string  `json:"carried_action_ids" bson:"carried_action_ids"`
	ObserverID     string    `json:"observer_id,omitempty" bson:"observer_id"`
	Observed       bool      `json:"observed" bson:"observed"`
	Units          []string  `json:"units" bson:"units"`
	CreatedAt      time.Time `json:"created_at" bson:"created_at"`
	Parties        []string  `json:"-" bson:"parties"`
	Change         string    `json:"-" bson:"change"`
}

// Action is an action agreed in a session. Its id is the session's id and its position
// ("<session id>.1"), so a tablet offline can follow up an action of a session it has not
// uploaded yet.
type Action struct {
	ID          string `json:"id" bson:"id"`
	Description string `json:"description" bson:"description"`
	DueDate     string `json:"due_date,omitempty" bson:"due_date"`
}

// FollowUp is what became of an earlier agreed action.
type FollowUp struct {
	ActionID string `json:"action_id" bson:"action_id"`
	Status   string `json:"status" bson:"status"`
	Note     string `json:"note,omitempty" bson:"note"`
}

// SessionFields are what a coach sends.
type SessionFields struct {
	// ID is optional online and set by tablets offline (a UUID), so that an upload
	// repeated after a lost answer creates nothing twice.
	ID              string         `json:"id"`
	RelationshipID  string         `json:"relationship_id"`
	Date            string         `json:"date"`
	Mode            string         `json:"mode"`
	DurationMinutes int            `json:"duration_minutes"`
	FocusAreas      []string       `json:"focus_areas"`
	Notes           string         `json:"notes"`
	Goals           []string       `json:"goals"`
	Actions         []ActionFields `json:"actions"`
	FollowUps       []FollowUp     `json:"follow_ups"`
	ObserverID      string         `json:"observer_id"`
}

// ActionFields describe a new agreed action.
type ActionFields struct {
	Description string `json:"description"`
	DueDate     string `json:"due_date"`
}

// SessionContext is what the store found for a session: its relationship (nil when
// unknown), the relationship's actions and their state, and the roster.
type SessionContext struct {
	Relationship *Relationship
	Actions      map[string]ActionState
	Roster       Roster
}

// NewSession validates a session logged by caller. Only the relationship's coach logs its
// sessions (403 otherwise); dates are not in the future nor outside the relationship.
func NewSession(t Tenant, f SessionFields, sc SessionContext, caller string, now time.Time) (Session, error) {
	var errs fieldErrs
	today := t.Today(now)
	if f.ID != "" && !ValidID(f.ID) {
		errs.add("id", "must be a UUID")
	}
	rel := sc.Relationship
	if f.RelationshipID == "" {
		errs.add("relationship_id", "required")
	} else if rel == nil {
		errs.add("relationship_id", "no coaching relationship %q in %s", f.RelationshipID, t.Code)
	} else if rel.CoachID != caller {
		return Session{}, problem.New(problem.Forbidden, "only the coach of the relationship logs its sessions")
	}
	switch {
	case !ValidDate(f.Date):
		errs.add("date", "required, as YYYY-MM-DD")
	case f.Date > today:
		errs.add("date", "%s is in the future (today is %s in %s)", f.Date, today, t.Profile.Location())
	case rel != nil && !rel.ActiveOn(f.Date):
		errs.add("date", "outside the relationship (from %s%s)", rel.StartDate, until(rel.EndDate))
	}
	if !slices.Contains(Modes, f.Mode) {
		errs.add("mode", "one of %s", strings.Join(Modes, ", "))
	}
	if f.DurationMinutes < 1 || f.DurationMinutes > maxDuration {
		errs.add("duration_minutes", "from 1 to %d", maxDuration)
	}
	if len(f.FocusAreas) > maxItems {
		errs.add("focus_areas", "at most %d", maxItems)
	}
	for i, a := range f.FocusAreas {
		if _, ok := area(t.Profile, a); !ok {
			errs.add(fmt.Sprintf("focus_areas[%d]", i), "%q is not a competency area; one of %s", a, strings.Join(areaKeys(t.Profile), ", "))
		}
	}
	if len(f.Notes) > maxText {
		errs.add("notes", "at most %d characters", maxText)
	}
	if len(f.Goals) > maxItems {
		errs.add("goals", "at most %d", maxItems)
	}
	for i, g := range f.Goals {
		if strings.TrimSpace(g) == "" || len(g) > 1000 {
			errs.add(fmt.Sprintf("goals[%d]", i), "from 1 to 1000 characters")
		}
	}
	if len(f.Actions) > maxItems {
		errs.add("actions", "at most %d", maxItems)
	}
	for i, a := range f.Actions {
		if strings.TrimSpace(a.Description) == "" || len(a.Description) > 1000 {
			errs.add(fmt.Sprintf("actions[%d].description", i), "from 1 to 1000 characters")
		}
		if a.DueDate != "" && (!ValidDate(a.DueDate) || (ValidDate(f.Date) && a.DueDate < f.Date)) {
			errs.add(fmt.Sprintf("actions[%d].due_date", i), "a date YYYY-MM-DD on or after the session's date")
		}
	}
	seen := map[string]bool{}
	for i, fu := range f.FollowUps {
		at := fmt.Sprintf("follow_ups[%d]", i)
		st, ok := sc.Actions[fu.ActionID]
		switch {
		case seen[fu.ActionID]:
			errs.add(at+".action_id", "followed up twice in one session")
		case !ok:
			errs.add(at+".action_id", "%q is not an action agreed in this relationship", fu.ActionID)
		case !st.Open():
			errs.add(at+".action_id", "the action is already %s", st.Status)
		case ValidDate(f.Date) && st.AgreedOn > f.Date:
			errs.add(at+".action_id", "the action was agreed on %s, after this session", st.AgreedOn)
		}
		seen[fu.ActionID] = true
		if !slices.Contains(FollowStatuses, fu.Status) {
			errs.add(at+".status", "one of %s", strings.Join(FollowStatuses, ", "))
		}
		if len(fu.Note) > 1000 {
			errs.add(at+".note", "at most 1000 characters")
		}
	}
	if f.ObserverID != "" && rel != nil {
		switch {
		case f.ObserverID == rel.CoachID || f.ObserverID == rel.CoacheeID:
			errs.add("observer_id", "the observer is a third person, neither the coach nor the coachee")
		case !sc.Roster.Known(f.ObserverID):
			errs.add("observer_id", "no person %q in %s", f.ObserverID, t.Code)
		}
	}
	if err := errs.err("the session has invalid fields"); err != nil {
		return Session{}, err
	}
	id := f.ID
	if id == "" {
		id = NewID()
	}
	s := Session{ID: id, RelationshipID: rel.ID, Link: rel.Link, CoachID: rel.CoachID, CoachRole: rel.CoachRole,
		CoacheeID: rel.CoacheeID, CoacheeRole: rel.CoacheeRole, Date: f.Date, Mode: f.Mode, DurationMinutes: f.DurationMinutes,
		FocusAreas: nonNil(dedupe(f.FocusAreas)), Notes: f.Notes, Goals: nonNil(f.Goals), FollowUps: nonNil(f.FollowUps),
		ObserverID: f.ObserverID, Observed: f.ObserverID != "", Units: rel.Units, CreatedAt: now,
		Parties: dedupe([]string{rel.CoachID, rel.CoacheeID, f.ObserverID}), Change: NewChange(), Actions: []Action{}}
	for i, a := range f.Actions {
		s.Actions = append(s.Actions, Action{ID: fmt.Sprintf("%s.%d", id, i+1), Description: a.Description, DueDate: a.DueDate})
	}
	s.CarriedActions = []string{}
	for _, id := range sortedKeys(sc.Actions) {
		if st := sc.Actions[id]; st.Open() && st.AgreedOn <= f.Date {
			s.CarriedActions = append(s.CarriedActions, id)
		}
	}
	return s, nil
}

func until(end string) string {
	if end == "" {
		return ""
	}
	return " to " + end
}

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

// ActionState is an agreed action with what became of it.
type ActionState struct {
	Action
	SessionID string `json:"session_id"`
	AgreedOn  string `json:"agreed_on"`
	// Status is open until followed up, then the latest follow-up's status.
	Status       string `json:"status"`
	LastFollowUp string `json:"last_follow_up_session_id,omitempty"`
	Note         string `json:"note,omitempty"`
}

// Open reports whether the action is carried to the next session.
func (a ActionState) Open() bool { return a.Status != FollowDone && a.Status != FollowDropped }

// Actions replays a relationship's sessions (in date, then creation order) into the state
// of every action agreed in them.
func Actions(sessions []Session) map[string]ActionState {
	ss := slices.Clone(sessions)
	slices.SortStableFunc(ss, func(a, b Session) int {
		if c := strings.Compare(a.Date, b.Date); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	out := map[string]ActionState{}
	for _, s := range ss {
		for _, a := range s.Actions {
			out[a.ID] = ActionState{Action: a, SessionID: s.ID, AgreedOn: s.Date, Status: ActionOpen}
		}
		for _, fu := range s.FollowUps {
			if st, ok := out[fu.ActionID]; ok {
				st.Status, st.LastFollowUp, st.Note = fu.Status, s.ID, fu.Note
				out[fu.ActionID] = st
			}
		}
	}
	return out
}

// Apply adds a newly validated session to the action states (a batch validates several
// sessions of one relationship in a row).
func (s Session) Apply(states map[string]ActionState) {
	for _, a := range s.Actions {
		states[a.ID] = ActionState{Action: a, SessionID: s.ID, AgreedOn: s.Date, Status: ActionOpen}
	}
	for _, fu := range s.FollowUps {
		if st, ok := states[fu.ActionID]; ok {
			st.Status, st.LastFollowUp, st.Note = fu.Status, s.ID, fu.Note
			states[fu.ActionID] = st
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

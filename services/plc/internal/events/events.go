// Package events names the PLC service's events and builds them, and applies the
// directory's events to the groups. Events carry ids and facts, never names or free text
// (a cancellation's reason, a record's notes stay in the service). Each type has a JSON
// Schema under api/events/.
package events

import (
	"time"

	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/privacy"
	"github.com/l4l-platform/l4l/services/plc/internal/domain"
)

// Source is the CloudEvents source of every PLC event.
const Source = "/l4l/plc"

// Event types, org.l4l.plc.<noun>.<verb>.v1.
const (
	GroupFormed        = "org.l4l.plc.group.formed.v1"
	GroupChanged       = "org.l4l.plc.group.changed.v1"
	SessionScheduled   = "org.l4l.plc.session.scheduled.v1"
	SessionRescheduled = "org.l4l.plc.session.rescheduled.v1"
	SessionCancelled   = "org.l4l.plc.session.cancelled.v1"
	SessionHeld        = "org.l4l.plc.session.held.v1"
	SessionNotHeld     = "org.l4l.plc.session.not_held.v1"
	ActionCreated      = "org.l4l.plc.action.created.v1"
	ActionUpdated      = "org.l4l.plc.action.updated.v1"
)

// Types lists every type the service publishes (the erasure confirmation is published
// by libs/privacy for the service).
var Types = []string{GroupFormed, GroupChanged, SessionScheduled, SessionRescheduled, SessionCancelled, SessionHeld, SessionNotHeld, ActionCreated, ActionUpdated,
	privacy.ErasureCompletedType("plc")}

// Group is the data of group events.
type Group struct {
	GroupID   string          `json:"group_id"`
	Kind      string          `json:"kind"`
	Unit      string          `json:"unit"`
	SchoolIDs []string        `json:"school_ids"`
	Members   []domain.Member `json:"members"`
}

// Session is the data of scheduled and rescheduled events.
type Session struct {
	SessionID     string     `json:"session_id"`
	GroupID       string     `json:"group_id"`
	Kind          string     `json:"kind"`
	Unit          string     `json:"unit"`
	Slot          string     `json:"slot"`
	Start         time.Time  `json:"start"`
	End           time.Time  `json:"end"`
	Mode          string     `json:"mode"`
	HostSchoolID  string     `json:"host_school_id,omitempty"`
	Facilitators  []string   `json:"facilitators"`
	Status        string     `json:"status"`
	Sequence      int        `json:"sequence"`
	PreviousStart *time.Time `json:"previous_start,omitempty"`
}

// Cancelled is the data of cancelled events.
type Cancelled struct {
	SessionID string    `json:"session_id"`
	GroupID   string    `json:"group_id"`
	Kind      string    `json:"kind"`
	Unit      string    `json:"unit"`
	Start     time.Time `json:"start"`
	Sequence  int       `json:"sequence"`
}

// Held is the data of held and not-held events: who led, who attended, what was covered.
type Held struct {
	SessionID       string              `json:"session_id"`
	GroupID         string              `json:"group_id"`
	Kind            string              `json:"kind"`
	Unit            string              `json:"unit"`
	Date            string              `json:"date"`
	Start           time.Time           `json:"start"`
	Mode            string              `json:"mode"`
	HostSchoolID    string              `json:"host_school_id,omitempty"`
	Facilitators    []string            `json:"facilitators"`
	Attendance      []domain.Attendance `json:"attendance"`
	SchoolIDs       []string            `json:"school_ids_discussed"`
	CompetencyAreas []string            `json:"competency_areas"`
	ActionIDs       []string            `json:"action_ids"`
	FollowedUp      []string            `json:"followed_up_action_ids"`
}

// Action is the data of action events.
type Action struct {
	ActionID  string `json:"action_id"`
	SessionID string `json:"session_id"`
	GroupID   string `json:"group_id"`
	OwnerID   string `json:"owner_id,omitempty"`
	SchoolID  string `json:"school_id,omitempty"`
	DueDate   string `json:"due_date,omitempty"`
	Status    string `json:"status"`
}

// ForGroup builds a group event.
func ForGroup(typ, tenant string, g domain.Group) (events.Envelope, error) {
	return events.New(Source, typ, tenant, g.ID, Group{GroupID: g.ID, Kind: g.Kind, Unit: g.Unit, SchoolIDs: g.Schools, Members: g.Members})
}

// ForSession builds a scheduled or rescheduled event; previous is the start before a
// reschedule.
func ForSession(typ, tenant string, s domain.Session, previous *time.Time) (events.Envelope, error) {
	return events.New(Source, typ, tenant, s.ID, Session{SessionID: s.ID, GroupID: s.GroupID, Kind: s.Kind, Unit: s.Unit, Slot: s.Slot,
		Start: s.Start, End: s.End, Mode: s.Mode, HostSchoolID: s.HostSchoolID, Facilitators: s.Facilitators, Status: s.Status,
		Sequence: s.Sequence, PreviousStart: previous})
}

// ForCancelled builds a cancelled event.
func ForCancelled(tenant string, s domain.Session) (events.Envelope, error) {
	return events.New(Source, SessionCancelled, tenant, s.ID, Cancelled{SessionID: s.ID, GroupID: s.GroupID, Kind: s.Kind, Unit: s.Unit, Start: s.Start, Sequence: s.Sequence})
}

// ForRecord builds the held or not-held event of a recorded session.
func ForRecord(tenant string, s domain.Session) (events.Envelope, error) {
	typ := SessionNotHeld
	h := Held{SessionID: s.ID, GroupID: s.GroupID, Kind: s.Kind, Unit: s.Unit, Date: s.Date, Start: s.Start, Mode: s.Mode,
		HostSchoolID: s.HostSchoolID, Facilitators: s.Facilitators, Attendance: []domain.Attendance{}, SchoolIDs: []string{},
		CompetencyAreas: []string{}, ActionIDs: []string{}, FollowedUp: []string{}}
	if r := s.Record; r != nil && r.Held {
		typ = SessionHeld
		h.Attendance = r.Attendance
		seen := map[string]bool{}
		for _, d := range r.SchoolData {
			if !seen[d.SchoolID] {
				seen[d.SchoolID] = true
				h.SchoolIDs = append(h.SchoolIDs, d.SchoolID)
			}
		}
		for _, a := range r.Agenda {
			for _, k := range a.CompetencyAreas {
				if !seen["area:"+k] {
					seen["area:"+k] = true
					h.CompetencyAreas = append(h.CompetencyAreas, k)
				}
			}
		}
		for _, a := range r.Actions {
			h.ActionIDs = append(h.ActionIDs, a.ID)
		}
		for _, f := range r.FollowUps {
			h.FollowedUp = append(h.FollowedUp, f.ActionID)
		}
	}
	return events.New(Source, typ, tenant, s.ID, h)
}

// ForAction builds an action event.
func ForAction(typ, tenant string, s domain.Session, a domain.ActionStatus) (events.Envelope, error) {
	return events.New(Source, typ, tenant, a.ID, Action{ActionID: a.ID, SessionID: s.ID, GroupID: s.GroupID, OwnerID: a.OwnerID,
		SchoolID: a.SchoolID, DueDate: a.DueDate, Status: a.Status})
}

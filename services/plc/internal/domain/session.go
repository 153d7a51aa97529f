package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/profile"
)

// Session statuses. A scheduled session may be confirmed (the scheduler keeps it when
// regenerating), rescheduled or cancelled; once it has happened its record makes it held
// or not held.
const (
	Scheduled = "scheduled"
	Confirmed = "confirmed"
	Held      = "held"
	NotHeld   = "not_held"
	Cancelled = "cancelled"
)

// Session is one meeting of a group.
type Session struct {
	ID      string `json:"id" bson:"_id"`
	GroupID string `json:"group_id" bson:"group_id"`
	Kind    string `json:"kind" bson:"kind"`
	Unit    string `json:"unit" bson:"unit"`
	Slot    string `json:"slot" bson:"slot"`
	// Date is the local date of Start, in the profile's time zone.
	Date         string    `json:"date" bson:"date"`
	Start        time.Time `json:"start" bson:"start"`
	End          time.Time `json:"end" bson:"end"`
	Mode         string    `json:"mode" bson:"mode"`
	HostSchoolID string    `json:"host_school_id,omitempty" bson:"host_school_id"`
	// Facilitators are the people leading the session, as of its date.
	Facilitators []string `json:"facilitators" bson:"facilitators"`
	Status       string   `json:"status" bson:"status"`
	// Sequence is the iCalendar SEQUENCE: bumped by every reschedule and the cancellation,
	// so calendar clients replace their copy.
	Sequence     int       `json:"sequence" bson:"sequence"`
	CancelReason string    `json:"cancel_reason,omitempty" bson:"cancel_reason,omitempty"`
	Record       *Record   `json:"record,omitempty" bson:"record,omitempty"`
	CreatedAt    time.Time `json:"created_at" bson:"created_at"`
	UpdatedAt    time.Time `json:"updated_at" bson:"updated_at"`
}

// Booking is the session's place in the calendar.
func (s Session) Booking() Booking {
	return Booking{GroupID: s.GroupID, Slot: s.Slot, Date: s.Date, Start: s.Start, End: s.End, Mode: s.Mode, HostSchoolID: s.HostSchoolID}
}

// Kept reports whether regenerating the schedule must leave the session alone.
func (s Session) Kept() bool { return s.Status == Confirmed || s.Status == Held || s.Status == NotHeld }

// NewSession makes a scheduled session of g from a booking.
func NewSession(g Group, b Booking, now time.Time) Session {
	return Session{ID: NewID(), GroupID: g.ID, Kind: g.Kind, Unit: g.Unit, Slot: b.Slot, Date: b.Date,
		Start: b.Start.UTC(), End: b.End.UTC(), Mode: b.Mode, HostSchoolID: b.HostSchoolID,
		Facilitators: nonNil(g.FacilitatorsOn(b.Date)), Status: Scheduled, CreatedAt: now, UpdatedAt: now}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// SameBooking reports whether the session already stands where b puts it.
func (s Session) SameBooking(b Booking) bool {
	return s.Start.Equal(b.Start) && s.End.Equal(b.End) && s.Mode == b.Mode && s.HostSchoolID == b.HostSchoolID
}

// Move puts a session somewhere else in the calendar (a reschedule) and bumps its
// iCalendar sequence.
func (s *Session) Move(g Group, b Booking, now time.Time) {
	s.Date, s.Start, s.End, s.Mode, s.HostSchoolID = b.Date, b.Start.UTC(), b.End.UTC(), b.Mode, b.HostSchoolID
	s.Facilitators = nonNil(g.FacilitatorsOn(b.Date))
	s.Sequence++
	s.UpdatedAt = now
}

// Cancel cancels a session that has not happened.
func (s *Session) Cancel(reason string, now time.Time) error {
	if s.Status == Held || s.Status == NotHeld {
		return problem.New(problem.Conflict, "the session is recorded as %s; a recorded session cannot be cancelled", s.Status)
	}
	if s.Status == Cancelled {
		return nil
	}
	s.Status, s.CancelReason, s.UpdatedAt = Cancelled, reason, now
	s.Sequence++
	return nil
}

// SessionChange is what a client may change on a session: reschedule it (start, mode,
// host), confirm it, or cancel it.
type SessionChange struct {
	Start        time.Time `json:"start"`
	Mode         string    `json:"mode"`
	HostSchoolID string    `json:"host_school_id"`
	Status       string    `json:"status"`
	CancelReason string    `json:"cancel_reason"`
}

// Violation is a broken scheduling constraint.
type Violation struct {
	Constraint string
	Field      string
	Detail     string
}

// ViolationsError turns violations into a 422 naming each field and constraint.
func ViolationsError(vs []Violation) error {
	fields := make([]problem.FieldError, len(vs))
	for i, v := range vs {
		fields[i] = problem.Field(v.Field, "%s: %s", v.Constraint, v.Detail)
	}
	return &problem.Error{Kind: problem.Unprocessable, Detail: "the session breaks scheduling constraints", Fields: fields}
}

// Other is another session that matters to a check: its time and who attends it.
type Other struct {
	SessionID  string
	GroupID    string
	Start, End time.Time
	Date       string
	Mode       string
	Host       string
	People     []string
}

// SessionCheck is everything needed to check one session's place in the calendar.
type SessionCheck struct {
	Tenant Tenant
	Rules  Rules
	PLC    profile.PLC
	Group  Group
	// Session is the session as it would be.
	Session Session
	// Others are the tenant's other sessions that are not cancelled.
	Others []Other
}

// Check re-checks every scheduling constraint for the session and names each one it
// breaks.
func (c SessionCheck) Check() []Violation {
	var vs []Violation
	add := func(constraint, field, format string, args ...any) {
		vs = append(vs, Violation{Constraint: constraint, Field: field, Detail: fmt.Sprintf(format, args...)})
	}
	s, x := c.Session, c.Tenant.Profile
	local := s.Start.In(x.Location())
	date := local.Format(profile.DateLayout)
	if !c.PLC.AllowDuringHolidays {
		if _, _, ok := x.TermOn(s.Start); !ok {
			add(ConstraintInTerm, "start", "%s is not in a school term of the %s calendar", date, x.Spec().Name)
		}
		if h, ok := x.HolidayOn(s.Start); ok {
			add(ConstraintHoliday, "start", "%s is a public holiday (%s)", date, h.Name)
		}
	}
	if c.Rules.Excluded(local.Weekday()) {
		add(ConstraintWeekday, "start", "sessions are not held on %s", local.Weekday())
	}
	if !s.End.After(s.Start) {
		add(ConstraintInTerm, "start", "the session must end after it starts")
	}
	gap := c.Rules.MinGap(c.PLC.Frequency)
	day, _ := dayOf(date)
	for _, o := range c.Others {
		if o.GroupID != s.GroupID || o.SessionID == s.ID {
			continue
		}
		od, _ := dayOf(o.Date)
		if d := abs(day - od); int(d) < gap {
			add(ConstraintMinGap, "start", "the group meets on %s, %d days away; %s sessions are at least %d days apart", o.Date, d, c.PLC.Frequency, gap)
		}
	}
	people := map[string]bool{}
	for _, p := range c.Group.PeopleOn(date) {
		people[p.PersonID] = true
	}
	clashes := map[string][]string{}
	for _, o := range c.Others {
		if o.SessionID == s.ID || !(o.Start.Before(s.End) && s.Start.Before(o.End)) {
			continue
		}
		for _, p := range o.People {
			if people[p] && !slices.Contains(clashes[o.SessionID], p) {
				clashes[o.SessionID] = append(clashes[o.SessionID], p)
			}
		}
	}
	ids := make([]string, 0, len(clashes))
	for id := range clashes {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		add(ConstraintPersonOverlap, "start", "person %s is in session %s at the same time", strings.Join(clashes[id], ", "), id)
	}
	switch s.Mode {
	case Online:
		if !c.PLC.OnlineAllowed {
			add(ConstraintOnline, "mode", "the profile does not allow %s sessions online", c.PLC.Name)
		}
		if s.HostSchoolID != "" {
			add(ConstraintHostSchool, "host_school_id", "an online session has no host school")
		}
	case InPerson:
		if s.HostSchoolID == "" {
			break
		}
		if !c.Group.HasSchool(s.HostSchoolID) {
			add(ConstraintHostSchool, "host_school_id", "%s is not a school of the group", s.HostSchoolID)
		} else if slices.Contains(c.Group.UnableToHost, s.HostSchoolID) {
			add(ConstraintHostUnable, "host_school_id", "%s is marked unable to host", s.HostSchoolID)
		} else if c.PLC.HostRotation {
			if other, ok := c.repeatsHost(); ok {
				add(ConstraintHostRotation, "host_school_id", "%s already hosts on %s in this round; every school able to host hosts once before any hosts again", s.HostSchoolID, other)
			}
		}
	}
	return vs
}

// repeatsHost replays the group's hosts in time order and reports a school hosting twice
// in one round where one of the two is this session.
func (c SessionCheck) repeatsHost() (string, bool) {
	type hosting struct {
		start time.Time
		date  string
		host  string
		this  bool
	}
	seq := []hosting{{c.Session.Start, c.Session.Date, c.Session.HostSchoolID, true}}
	for _, o := range c.Others {
		if o.GroupID == c.Session.GroupID && o.SessionID != c.Session.ID && o.Mode == InPerson && o.Host != "" {
			seq = append(seq, hosting{o.Start, o.Date, o.Host, false})
		}
	}
	slices.SortStableFunc(seq, func(a, b hosting) int { return a.start.Compare(b.start) })
	r := NewRotation(c.Group.Hosts())
	firstIn := map[string]hosting{}
	for _, h := range seq {
		if r.InRound(h.host) {
			prev := firstIn[h.host]
			if h.this {
				return prev.date, true
			}
			if prev.this {
				return h.date, true
			}
		}
		firstIn[h.host] = h
		r.Hosted(h.host)
		if len(r.round) == 0 {
			firstIn = map[string]hosting{}
		}
	}
	return "", false
}

func abs(d int32) int32 {
	if d < 0 {
		return -d
	}
	return d
}

// SortSessions orders sessions by start, then id.
func SortSessions(s []Session) {
	slices.SortFunc(s, func(a, b Session) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

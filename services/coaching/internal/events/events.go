// Package events names the coaching service's events and builds them, and consumes the
// directory's: role assignments and schools keep the roster from which coaches are
// assigned. Events carry ids and facts, never names or free text (notes, goals and action
// descriptions stay here). Each type has a JSON Schema under api/events/.
package events

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/services/coaching/internal/domain"
	"github.com/l4l-platform/l4l/services/coaching/internal/store"
)

// Source is the CloudEvents source of every coaching event.
const Source = "/l4l/coaching"

// Event types, org.l4l.coaching.<noun>.<verb>.v1.
const (
	RelationshipStarted = "org.l4l.coaching.relationship.started.v1"
	RelationshipEnded   = "org.l4l.coaching.relationship.ended.v1"
	SessionLogged       = "org.l4l.coaching.session.logged.v1"
	RatingRecorded      = "org.l4l.coaching.rating.recorded.v1"
	ObservationRecorded = "org.l4l.coaching.observation.recorded.v1"
)

// Relationship is the data of relationship events.
type Relationship struct {
	RelationshipID string `json:"relationship_id"`
	Link           string `json:"link"`
	CoachID        string `json:"coach_id"`
	CoachRole      string `json:"coach_role"`
	CoacheeID      string `json:"coachee_id"`
	CoacheeRole    string `json:"coachee_role"`
	Unit           string `json:"unit"`
	GroupUnit      string `json:"group_unit"`
	Source         string `json:"source"`
	StartDate      string `json:"start_date"`
	EndDate        string `json:"end_date,omitempty"`
	EndReason      string `json:"end_reason,omitempty"`
	Overridden     bool   `json:"caseload_overridden"`
}

// ForRelationship builds a relationship event.
func ForRelationship(typ, tenant string, r domain.Relationship) (events.Envelope, error) {
	return events.New(Source, typ, tenant, r.ID, Relationship{RelationshipID: r.ID, Link: r.Link, CoachID: r.CoachID,
		CoachRole: r.CoachRole, CoacheeID: r.CoacheeID, CoacheeRole: r.CoacheeRole, Unit: r.Unit, GroupUnit: r.GroupUnit,
		Source: r.Source, StartDate: r.StartDate, EndDate: r.EndDate, EndReason: r.EndReason, Overridden: r.Override != nil})
}

// Session is the data of session.logged: an observed session is evidence of observed
// peer coaching for accreditation.
type Session struct {
	SessionID        string   `json:"session_id"`
	RelationshipID   string   `json:"relationship_id"`
	Link             string   `json:"link"`
	CoachID          string   `json:"coach_id"`
	CoachRole        string   `json:"coach_role"`
	CoacheeID        string   `json:"coachee_id"`
	CoacheeRole      string   `json:"coachee_role"`
	Unit             string   `json:"unit"`
	Date             string   `json:"date"`
	Mode             string   `json:"mode"`
	DurationMinutes  int      `json:"duration_minutes"`
	FocusAreas       []string `json:"focus_areas"`
	ActionsAgreed    int      `json:"actions_agreed"`
	ActionsCarried   int      `json:"actions_carried"`
	ActionsFollowed  int      `json:"actions_followed_up"`
	ActionsCompleted int      `json:"actions_completed"`
	ObserverID       string   `json:"observer_id,omitempty"`
	Observed         bool     `json:"observed"`
}

// ForSession builds session.logged.
func ForSession(tenant string, s domain.Session) (events.Envelope, error) {
	done := 0
	for _, f := range s.FollowUps {
		if f.Status == domain.FollowDone {
			done++
		}
	}
	unit := ""
	if len(s.Units) > 0 {
		unit = s.Units[0]
	}
	return events.New(Source, SessionLogged, tenant, s.ID, Session{SessionID: s.ID, RelationshipID: s.RelationshipID,
		Link: s.Link, CoachID: s.CoachID, CoachRole: s.CoachRole, CoacheeID: s.CoacheeID, CoacheeRole: s.CoacheeRole,
		Unit: unit, Date: s.Date, Mode: s.Mode, DurationMinutes: s.DurationMinutes, FocusAreas: s.FocusAreas,
		ActionsAgreed: len(s.Actions), ActionsCarried: len(s.CarriedActions), ActionsFollowed: len(s.FollowUps),
		ActionsCompleted: done, ObserverID: s.ObserverID, Observed: s.Observed})
}

// Rating is the data of rating.recorded.
type Rating struct {
	RatingID      string      `json:"rating_id"`
	HeadTeacherID string      `json:"head_teacher_id"`
	SchoolID      string      `json:"school_id"`
	RaterID       string      `json:"rater_id"`
	RaterRole     string      `json:"rater_role"`
	Date          string      `json:"date"`
	Areas         []AreaLevel `json:"areas"`
}

// AreaLevel is one area's level in a rating event.
type AreaLevel struct {
	Area          string `json:"area"`
	Level         int    `json:"level"`
	MeetsStandard bool   `json:"meets_standard"`
}

// ForRating builds rating.recorded.
func ForRating(tenant string, r domain.Rating) (events.Envelope, error) {
	d := Rating{RatingID: r.ID, HeadTeacherID: r.HeadTeacherID, SchoolID: r.SchoolID, RaterID: r.RaterID, RaterRole: r.RaterRole, Date: r.Date}
	for _, a := range r.Areas {
		d.Areas = append(d.Areas, AreaLevel{Area: a.Area, Level: a.Level, MeetsStandard: a.MeetsStandard})
	}
	return events.New(Source, RatingRecorded, tenant, r.ID, d)
}

// Observation is the data of observation.recorded.
type Observation struct {
	ObservationID string `json:"observation_id"`
	TeacherID     string `json:"teacher_id"`
	SchoolID      string `json:"school_id"`
	ObserverID    string `json:"observer_id"`
	ObserverRole  string `json:"observer_role"`
	Date          string `json:"date"`
	Subject       string `json:"subject"`
	BenchmarkMet  bool   `json:"benchmark_met"`
}

// ForObservation builds observation.recorded.
func ForObservation(tenant string, o domain.Observation) (events.Envelope, error) {
	return events.New(Source, ObservationRecorded, tenant, o.ID, Observation{ObservationID: o.ID, TeacherID: o.TeacherID,
		SchoolID: o.SchoolID, ObserverID: o.ObserverID, ObserverRole: o.ObserverRole, Date: o.Date, Subject: o.Subject, BenchmarkMet: o.BenchmarkMet})
}

// The directory's event data (the cross-service contract).
type (
	dirSchool struct {
		SchoolID string `json:"school_id"`
		Unit     string `json:"unit"`
		Status   string `json:"status"`
	}
	dirPerson struct {
		PersonID string `json:"person_id"`
		SchoolID string `json:"school_id"`
	}
	dirRole struct {
		AssignmentID string `json:"assignment_id"`
		PersonID     string `json:"person_id"`
		Role         string `json:"role"`
		Unit         string `json:"unit"`
		StartDate    string `json:"start_date"`
		EndDate      string `json:"end_date"`
	}
)

// Directory handles the directory's events: it keeps the roster and, when roles or
// schools change, reassigns coaches. Idempotent: the roster keeps the newest event's
// facts per id, and planning again on an unchanged roster changes nothing.
func Directory(s *store.Store, profiles *profile.Registry, now func() time.Time) events.Handler {
	return func(ctx context.Context, e events.Envelope) error {
		idx, _, ok := profiles.Tenant(e.Tenant)
		if !ok {
			return nil // a tenant of a country this deployment does not serve
		}
		t := domain.Tenant{Code: e.Tenant, Profile: idx}
		if err := s.Open(ctx, t.Code); err != nil {
			return err
		}
		parts := strings.Split(e.Type, ".")
		verb := parts[len(parts)-2]
		var err error
		switch {
		case strings.HasPrefix(e.Type, "org.l4l.directory.role."):
			var d dirRole
			if err := e.DecodeData(&d); err != nil || d.AssignmentID == "" {
				return events.Permanent(fmt.Errorf("role event %s: bad data: %v", e.ID, err))
			}
			_, err = s.ApplyAssignment(ctx, t.Code, domain.Assignment{ID: d.AssignmentID, PersonID: d.PersonID, Role: d.Role,
				Unit: d.Unit, StartDate: d.StartDate, EndDate: d.EndDate, Removed: verb == "removed", EventTime: e.Time})
		case strings.HasPrefix(e.Type, "org.l4l.directory.school."):
			var d dirSchool
			if err := e.DecodeData(&d); err != nil || d.SchoolID == "" {
				return events.Permanent(fmt.Errorf("school event %s: bad data: %v", e.ID, err))
			}
			_, err = s.ApplySchool(ctx, t.Code, domain.School{ID: d.SchoolID, Unit: d.Unit, Removed: verb == "deleted", EventTime: e.Time})
		case strings.HasPrefix(e.Type, "org.l4l.directory.person."):
			var d dirPerson
			if err := e.DecodeData(&d); err != nil || d.PersonID == "" {
				return events.Permanent(fmt.Errorf("person event %s: bad data: %v", e.ID, err))
			}
			_, err = s.ApplyPerson(ctx, t.Code, domain.Person{ID: d.PersonID, SchoolID: d.SchoolID, Removed: verb == "deleted", EventTime: e.Time})
			return err
		default:
			return nil
		}
		if err != nil {
			return err
		}
		// Even when this event changed nothing (a redelivery), a previous attempt may have
		// stopped between the roster and the relationships: plan again, it is idempotent.
		_, err = Reconcile(ctx, s, t, now())
		return err
	}
}

// Reconcile assigns coaches by the chain's rules from the roster, ending and starting
// relationships, each in its own single-document write with its event. A concurrent run
// that started the same relationship first makes this one fail on the unique active key
// (409); the consumer retries and then finds nothing left to do.
func Reconcile(ctx context.Context, s *store.Store, t domain.Tenant, now time.Time) (domain.Changes, error) {
	roster, err := s.Roster(ctx, t.Code)
	if err != nil {
		return domain.Changes{}, err
	}
	current, err := s.ActiveRelationships(ctx, t.Code, bson.D{})
	if err != nil {
		return domain.Changes{}, err
	}
	today := t.Today(now)
	ch := domain.Plan(t, roster, current, today, now)
	for _, e := range ch.End {
		_, _, err := s.Relationships.Update(ctx, t.Code, e.ID, 0, func(r *domain.Relationship) ([]mongox.Event, error) {
			if err := r.End(today, e.Reason, now); err != nil {
				return nil, err
			}
			ev, err := ForRelationship(RelationshipEnded, t.Code, *r)
			return []mongox.Event{ev}, err
		})
		if err != nil && !problem.Is(err, problem.Conflict) {
			return ch, err
		}
	}
	for _, r := range ch.Start {
		ev, err := ForRelationship(RelationshipStarted, t.Code, r)
		if err != nil {
			return ch, err
		}
		if err := s.Relationships.Insert(ctx, t.Code, r.ID, r, ev); err != nil {
			return ch, err
		}
	}
	return ch, nil
}

// Rebuild makes again the event of a stored session, rating or observation, for an
// upload that was interrupted before its events were written (store.Recover).
func Rebuild(tenant, collection string, record bson.Raw) ([]events.Envelope, error) {
	var e events.Envelope
	var err error
	switch collection {
	case store.Sessions:
		var v domain.Session
		if err = bson.Unmarshal(record, &v); err == nil {
			e, err = ForSession(tenant, v)
		}
	case store.Ratings:
		var v domain.Rating
		if err = bson.Unmarshal(record, &v); err == nil {
			e, err = ForRating(tenant, v)
		}
	case store.Observations:
		var v domain.Observation
		if err = bson.Unmarshal(record, &v); err == nil {
			e, err = ForObservation(tenant, v)
		}
	default:
		return nil, fmt.Errorf("no events for records of %s", collection)
	}
	if err != nil {
		return nil, err
	}
	return []events.Envelope{e}, nil
}

// NewStore is the store with its events' rebuilder.
func NewStore(t *mongox.Tenants, n mongox.Notifier) *store.Store {
	s := store.New(t, n)
	s.Rebuild = Rebuild
	return s
}

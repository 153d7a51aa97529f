package events

import (
	"context"
	"fmt"
	"time"

	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/services/directory/internal/domain"
	"github.com/l4l-platform/l4l/services/directory/internal/store"
)

// Recruitment events the directory turns into role assignments: an appointed leader holds
// the role from the start date; an exited one holds it until the end date.
const (
	LeaderAppointed = "org.l4l.recruitment.leader.appointed.v1"
	LeaderExited    = "org.l4l.recruitment.leader.exited.v1"
)

// Appointment is the data of leader.appointed.
type Appointment struct {
	AppointmentID string `json:"appointment_id"`
	CampaignID    string `json:"campaign_id"`
	PersonID      string `json:"person_id"`
	Role          string `json:"role"`
	Unit          string `json:"unit"`
	StartDate     string `json:"start_date"`
}

// Exit is the data of leader.exited.
type Exit struct {
	AppointmentID string `json:"appointment_id"`
	PersonID      string `json:"person_id"`
	Role          string `json:"role"`
	Unit          string `json:"unit"`
	EndDate       string `json:"end_date"`
	Reason        string `json:"reason"`
}

// RecruitmentHandler applies recruitment's appointments and exits. It is idempotent: the
// role assignment's id is the appointment id, so a redelivered appointment finds its
// assignment already there, and an exit sets the same end date again.
func RecruitmentHandler(s *store.Store, profiles *profile.Registry, now func() time.Time) events.Handler {
	return func(ctx context.Context, e events.Envelope) error {
		idx, _, ok := profiles.Tenant(e.Tenant)
		if !ok {
			return events.Permanent(fmt.Errorf("unknown tenant %q", e.Tenant))
		}
		t := domain.Tenant{Code: e.Tenant, Profile: idx}
		switch e.Type {
		case LeaderAppointed:
			var a Appointment
			if err := e.DecodeData(&a); err != nil {
				return events.Permanent(err)
			}
			return appoint(ctx, s, t, a, now())
		case LeaderExited:
			var x Exit
			if err := e.DecodeData(&x); err != nil {
				return events.Permanent(err)
			}
			return exit(ctx, s, t, x, now())
		}
		return nil // other recruitment facts are not the directory's business
	}
}

func appoint(ctx context.Context, s *store.Store, t domain.Tenant, a Appointment, now time.Time) error {
	if _, _, err := s.Roles.Get(ctx, t.Code, a.AppointmentID); err == nil {
		return nil // applied before
	} else if !problem.Is(err, problem.NotFound) {
		return err
	}
	f := domain.RoleFields{PersonID: a.PersonID, Role: a.Role, Unit: a.Unit, StartDate: a.StartDate}
	personExists, err := s.PersonExists(ctx, t.Code, a.PersonID)
	if err != nil {
		return err
	}
	r, err := domain.NewRoleAssignment(t, f, domain.RoleTarget{PersonExists: personExists}, domain.SourceRecruitment, now)
	if err != nil {
		return events.Permanent(err)
	}
	r.ID = a.AppointmentID
	ev, err := ForRole(RoleAssigned, t.Code, r)
	if err != nil {
		return err
	}
	if err := s.Roles.Insert(ctx, t.Code, r.ID, r, ev); err != nil && !problem.Is(err, problem.Conflict) {
		return err
	}
	return nil
}

func exit(ctx context.Context, s *store.Store, t domain.Tenant, x Exit, now time.Time) error {
	_, _, err := s.Roles.Update(ctx, t.Code, x.AppointmentID, 0, func(r *domain.RoleAssignment) ([]mongox.Event, error) {
		if r.EndDate == x.EndDate {
			return nil, nil
		}
		r.EndDate, r.UpdatedAt = x.EndDate, now
		ev, err := ForRole(RoleUpdated, t.Code, *r)
		return []mongox.Event{ev}, err
	})
	if problem.Is(err, problem.NotFound) {
		// The exit overtook its appointment (another partition); retrying lets it land.
		return fmt.Errorf("no assignment for appointment %s yet: %w", x.AppointmentID, err)
	}
	return err
}

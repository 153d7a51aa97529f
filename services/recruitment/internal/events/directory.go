package events

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/services/recruitment/internal/domain"
)

// The directory's event types this service reads (its contract).
const (
	dirSchool = "org.l4l.directory.school."
	dirPerson = "org.l4l.directory.person."
	dirRole   = "org.l4l.directory.role."
)

// ReadModel is where the directory's facts are kept, per tenant.
type ReadModel interface {
	ApplyRole(ctx context.Context, tenant string, at time.Time, r domain.RoleFact) error
	ApplySchool(ctx context.Context, tenant string, at time.Time, id, unit string, deleted bool) error
	ApplyPerson(ctx context.Context, tenant string, at time.Time, id, school string, deleted bool) error
}

type dirSchoolData struct {
	SchoolID string `json:"school_id"`
	Unit     string `json:"unit"`
}

type dirPersonData struct {
	PersonID string `json:"person_id"`
	SchoolID string `json:"school_id"`
}

type dirRoleData struct {
	AssignmentID string `json:"assignment_id"`
	PersonID     string `json:"person_id"`
	Role         string `json:"role"`
	Unit         string `json:"unit"`
	StartDate    string `json:"start_date"`
	EndDate      string `json:"end_date"`
}

// DirectoryHandler keeps the read model of the directory: school → unit, person → school,
// and every role assignment (head teachers and their start dates for eligibility, panel
// members' schools and units for conflicts of interest, leaders for vacancies). Each
// write is keyed by the source id and applied only if the event is newer than what is
// stored, so redelivery changes nothing. Events of tenants no loaded profile knows are
// skipped; events without their ids can never apply and go to the dead-letter topic.
func DirectoryHandler(rm ReadModel, profiles *profile.Registry) events.Handler {
	return func(ctx context.Context, e events.Envelope) error {
		if _, _, ok := profiles.Tenant(e.Tenant); !ok {
			return nil
		}
		typ := e.Type
		verb := func(prefix string) string { return strings.TrimPrefix(typ, prefix) }
		switch {
		case strings.HasPrefix(typ, dirSchool):
			var d dirSchoolData
			if err := e.DecodeData(&d); err != nil || d.SchoolID == "" {
				return events.Permanent(fmt.Errorf("%s %s: no school_id: %v", typ, e.ID, err))
			}
			return rm.ApplySchool(ctx, e.Tenant, e.Time, d.SchoolID, d.Unit, verb(dirSchool) == "deleted.v1")
		case strings.HasPrefix(typ, dirPerson):
			var d dirPersonData
			if err := e.DecodeData(&d); err != nil || d.PersonID == "" {
				return events.Permanent(fmt.Errorf("%s %s: no person_id: %v", typ, e.ID, err))
			}
			return rm.ApplyPerson(ctx, e.Tenant, e.Time, d.PersonID, d.SchoolID, verb(dirPerson) == "deleted.v1")
		case strings.HasPrefix(typ, dirRole):
			var d dirRoleData
			if err := e.DecodeData(&d); err != nil || d.AssignmentID == "" || d.PersonID == "" {
				return events.Permanent(fmt.Errorf("%s %s: no assignment_id or person_id: %v", typ, e.ID, err))
			}
			return rm.ApplyRole(ctx, e.Tenant, e.Time, domain.RoleFact{AssignmentID: d.AssignmentID, PersonID: d.PersonID,
				Role: d.Role, Unit: d.Unit, StartDate: d.StartDate, EndDate: d.EndDate, Removed: verb(dirRole) == "removed.v1"})
		}
		return nil
	}
}

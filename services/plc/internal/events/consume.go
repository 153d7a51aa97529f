package events

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/services/plc/internal/domain"
	"github.com/l4l-platform/l4l/services/plc/internal/store"
)

// The directory's events this service reads (services/directory/api/events).
const (
	directorySchool = "org.l4l.directory.school."
	directoryRole   = "org.l4l.directory.role."
)

type schoolData struct {
	SchoolID string `json:"school_id"`
	Unit     string `json:"unit"`
	Status   string `json:"status"`
}

type roleData struct {
	AssignmentID string `json:"assignment_id"`
	PersonID     string `json:"person_id"`
	Role         string `json:"role"`
	Unit         string `json:"unit"`
	StartDate    string `json:"start_date"`
	EndDate      string `json:"end_date"`
}

// Groups keeps the groups up to date with the directory.
type Groups struct {
	Store    *store.Store
	Profiles *profile.Registry
	Logger   *slog.Logger
	Now      func() time.Time
}

// Handle applies one directory event: the school or role fact is stored (unless a newer
// one is), then every group containing the fact's old or new unit is recomputed. A
// redelivered event changes nothing; groups whose membership is unchanged are not written.
func (g *Groups) Handle(ctx context.Context, e events.Envelope) error {
	x, _, ok := g.Profiles.Tenant(e.Tenant)
	if !ok {
		g.Logger.Warn("event of a tenant no profile knows; skipped", "tenant", e.Tenant, "type", e.Type, "id", e.ID)
		return nil
	}
	t := domain.Tenant{Code: e.Tenant, Profile: x}
	var units []string
	switch {
	case strings.HasPrefix(e.Type, directorySchool):
		var d schoolData
		if err := e.DecodeData(&d); err != nil || d.SchoolID == "" {
			return events.Permanent(fmt.Errorf("school event %s: %v", e.ID, err))
		}
		old, err := g.Store.School(ctx, t.Code, d.SchoolID)
		if err != nil {
			return err
		}
		if !domain.Newer(e.Time, old.At) {
			return nil
		}
		f := domain.SchoolFact{ID: d.SchoolID, Unit: d.Unit, Status: d.Status, Deleted: strings.HasSuffix(e.Type, ".deleted.v1"), At: e.Time}
		if err := g.Store.PutSchool(ctx, t.Code, f); err != nil {
			return err
		}
		units = []string{old.Unit, f.Unit}
	case strings.HasPrefix(e.Type, directoryRole):
		var d roleData
		if err := e.DecodeData(&d); err != nil || d.AssignmentID == "" {
			return events.Permanent(fmt.Errorf("role event %s: %v", e.ID, err))
		}
		old, err := g.Store.Role(ctx, t.Code, d.AssignmentID)
		if err != nil {
			return err
		}
		if !domain.Newer(e.Time, old.At) {
			return nil
		}
		f := domain.RoleFact{ID: d.AssignmentID, PersonID: d.PersonID, Role: d.Role, Unit: d.Unit, StartDate: d.StartDate,
			EndDate: d.EndDate, Deleted: strings.HasSuffix(e.Type, ".removed.v1"), At: e.Time}
		if err := g.Store.PutRole(ctx, t.Code, f); err != nil {
			return err
		}
		for _, u := range []string{old.Unit, f.Unit} {
			if u == "" {
				continue
			}
			// A head teacher's unit is a school: the groups are those of its sector.
			s, err := g.Store.School(ctx, t.Code, u)
			if err != nil {
				return err
			}
			if s.ID != "" {
				u = s.Unit
			}
			units = append(units, u)
		}
	default:
		return nil // person events carry nothing groups need
	}
	var keys []domain.GroupKey
	for _, u := range units {
		for _, k := range domain.KindsContaining(t, u) {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	if len(keys) == 0 {
		return nil // e.g. a head teacher of a school not known yet: its school event will come
	}
	_, err := g.Refresh(ctx, t, keys)
	return err
}

// Refresh recomputes the given groups from the stored facts, forming groups that gain
// schools or people and publishing changes. It returns the groups.
func (g *Groups) Refresh(ctx context.Context, t domain.Tenant, keys []domain.GroupKey) ([]domain.Group, error) {
	return g.refresh(ctx, t, keys, false)
}

// RefreshAll recomputes every group the profile gives the tenant, forming empty ones too.
func (g *Groups) RefreshAll(ctx context.Context, t domain.Tenant) ([]domain.Group, error) {
	return g.refresh(ctx, t, domain.GroupsOf(t), true)
}

func (g *Groups) refresh(ctx context.Context, t domain.Tenant, keys []domain.GroupKey, all bool) ([]domain.Group, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	schools, roles, err := g.Store.Facts(ctx, t.Code)
	if err != nil {
		return nil, err
	}
	roster := domain.NewRoster(t, schools, roles)
	var out []domain.Group
	for _, k := range keys {
		computed, ok := roster.Group(k)
		if !ok {
			continue
		}
		grp, err := g.apply(ctx, t, k, computed, all)
		if err != nil {
			return nil, err
		}
		if grp.ID != "" {
			out = append(out, grp)
		}
	}
	return out, nil
}

func (g *Groups) apply(ctx context.Context, t domain.Tenant, k domain.GroupKey, computed domain.Group, formEmpty bool) (domain.Group, error) {
	for attempt := 0; attempt < 3; attempt++ {
		existing, _, found, err := g.Store.GroupByKey(ctx, t.Code, k)
		if err != nil {
			return domain.Group{}, err
		}
		now := g.Now()
		if !found {
			if len(computed.Schools) == 0 && len(computed.Members) == 0 && !formEmpty {
				return domain.Group{}, nil // nothing to form yet
			}
			computed.ID, computed.CreatedAt, computed.UpdatedAt = domain.NewID(), now, now
			ev, err := ForGroup(GroupFormed, t.Code, computed)
			if err != nil {
				return domain.Group{}, err
			}
			err = g.Store.Groups.Insert(ctx, t.Code, computed.ID, computed, ev)
			if problem.Is(err, problem.Conflict) {
				continue // formed meanwhile by another consumer: update that one
			}
			return computed, err
		}
		if existing.SameMembership(computed) {
			return existing, nil
		}
		updated, _, err := g.Store.Groups.Update(ctx, t.Code, existing.ID, 0, func(grp *domain.Group) ([]mongox.Event, error) {
			grp.Schools, grp.Members, grp.UpdatedAt = computed.Schools, computed.Members, now
			// A school that left the group no longer needs to be marked.
			grp.UnableToHost = slices.DeleteFunc(grp.UnableToHost, func(s string) bool { return !grp.HasSchool(s) })
			ev, err := ForGroup(GroupChanged, t.Code, *grp)
			return []mongox.Event{ev}, err
		})
		return updated, err
	}
	return domain.Group{}, problem.New(problem.Conflict, "group %s/%s is being changed by others; retry", k.Kind, k.Unit)
}

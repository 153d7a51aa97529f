package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/privacy"
	"github.com/l4l-platform/l4l/services/recruitment/internal/domain"
)

// ExportPerson is what recruitment holds about a person: their applications (with the
// panel's notes and scores), the campaigns they sat on the panel of or were offered or
// appointed a place in, and the directory facts kept about them.
func (s *Store) ExportPerson(ctx context.Context, tenant, person string) (map[string]any, error) {
	return privacy.Gather(ctx, s.tenants, tenant,
		privacy.Query{Kind: "applications", Collection: Applications, Filter: bson.D{{Key: "person_id", Value: person}}},
		privacy.Query{Kind: "campaigns", Collection: Campaigns, Filter: privacy.Either(person, "panel.chair", "panel.members", "offers.person_id", "appointments.person_id")},
		privacy.Query{Kind: "directory_people", Collection: DirPeople, Filter: bson.D{{Key: "_id", Value: person}}},
		privacy.Query{Kind: "directory_roles", Collection: DirRoles, Filter: bson.D{{Key: "person_id", Value: person}}})
}

// ErasePerson pseudonymises the free text of the person's applications (domain.EraseApplication).
// What the panel wrote about other candidates stays: it is their record.
func (s *Store) ErasePerson(ctx context.Context, tenant, person string) (int, error) {
	apps, err := s.Applications.All(ctx, tenant, bson.D{{Key: "person_id", Value: person}})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, a := range apps {
		if !domain.EraseApplication(&a.Application) {
			continue
		}
		if _, _, err := s.Applications.Update(ctx, tenant, a.ID, 0, func(cur *Application) ([]mongox.Event, error) {
			domain.EraseApplication(&cur.Application)
			return nil, nil
		}); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

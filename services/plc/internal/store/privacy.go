package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/privacy"
	"github.com/l4l-platform/l4l/services/plc/internal/domain"
)

// personSessions matches the sessions that name person: as facilitator, attendee,
// action owner or recorder.
func personSessions(person string) bson.D {
	return privacy.Either(person, "facilitators", "record.attendance.person_id", "record.actions.owner_id", "record.recorded_by")
}

// ExportPerson is what the PLC service holds about a person: the groups they belong to,
// the sessions that name them (with the whole record), their calendar subscriptions and
// the directory's role facts about them.
func (s *Store) ExportPerson(ctx context.Context, tenant, person string) (map[string]any, error) {
	recs, err := privacy.Gather(ctx, s.Tenants, tenant,
		privacy.Query{Kind: "groups", Collection: Groups, Filter: bson.D{{Key: "members.person_id", Value: person}}},
		privacy.Query{Kind: "sessions", Collection: Sessions, Filter: personSessions(person)},
		privacy.Query{Kind: "calendar_subscriptions", Collection: Feeds, Filter: bson.D{{Key: "person_id", Value: person}}},
		privacy.Query{Kind: "directory_roles", Collection: Roles, Filter: bson.D{{Key: "person_id", Value: person}}})
	if err != nil {
		return nil, err
	}
	for _, f := range recs["calendar_subscriptions"].([]bson.M) {
		delete(f, "token_hash") // a credential's hash, not the person's data
	}
	return recs, nil
}

// ErasePerson pseudonymises the sessions that name the person (domain.EraseSession), and
// the follow-up notes, at later sessions of their groups, on actions they own.
func (s *Store) ErasePerson(ctx context.Context, tenant, person string) (int, error) {
	named, err := s.Sessions.All(ctx, tenant, personSessions(person))
	if err != nil {
		return 0, err
	}
	owned, groups := map[string]bool{}, bson.A{}
	for _, ses := range named {
		if ses.Record != nil {
			for _, a := range ses.Record.Actions {
				if a.OwnerID == person {
					owned[a.ID] = true
				}
			}
		}
		groups = append(groups, ses.GroupID)
	}
	if len(named) == 0 {
		return 0, nil
	}
	// Every session of the person's groups: those that name them, and later ones that
	// follow their actions up.
	sessions, err := s.Sessions.All(ctx, tenant, bson.D{{Key: "group_id", Value: bson.D{{Key: "$in", Value: groups}}}})
	if err != nil {
		return 0, err
	}
	erase := func(x *domain.Session) bool {
		changed := domain.EraseSession(x, person)
		return domain.EraseFollowUps(x, owned) || changed
	}
	n := 0
	for _, ses := range sessions {
		if !erase(&ses) {
			continue
		}
		if _, _, err := s.Sessions.Update(ctx, tenant, ses.ID, 0, func(cur *domain.Session) ([]mongox.Event, error) {
			erase(cur)
			return nil, nil
		}); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

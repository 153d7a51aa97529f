package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/privacy"
	"github.com/l4l-platform/l4l/services/directory/internal/domain"
)

// ErasureRequests holds the tenant's erasure requests (with the outbox of their events).
const ErasureRequests = "erasure_requests"

// Erasures are the tenant's erasure requests.
func (s *Store) Erasures() mongox.Aggregates[domain.ErasureRequest] {
	return mongox.Aggregates[domain.ErasureRequest]{Name: "erasure request", Collection: ErasureRequests, Tenants: s.tenants, Notifier: s.People.Notifier}
}

// ExportPerson is everything the directory holds about a person: the person record
// (a deleted one's tombstone too: it is still held), the role assignments and the
// erasure requests about them.
func (s *Store) ExportPerson(ctx context.Context, tenant, person string) (map[string]any, error) {
	recs, err := privacy.Gather(ctx, s.tenants, tenant,
		privacy.Query{Kind: "people", Collection: People, Filter: bson.D{{Key: "_id", Value: person}}},
		privacy.Query{Kind: "role_assignments", Collection: Roles, Filter: bson.D{{Key: "person_id", Value: person}}},
		privacy.Query{Kind: "erasure_requests", Collection: ErasureRequests, Filter: bson.D{{Key: "person_id", Value: person}}})
	if err != nil {
		return nil, err
	}
	for _, d := range recs["people"].([]bson.M) {
		delete(d, "staff_key") // an index key, the staff id again
	}
	return recs, nil
}

// ErasePerson pseudonymises the person record: names become privacy.Erased and the
// contact details are removed (an "[erased]" email would not be an address); the id, staff id, gender and school stay (the KPIs count them). A
// deleted person's tombstone is pseudonymised too. It returns 1 when it changed the
// record, 0 when there was nothing (left) to change.
func (s *Store) ErasePerson(ctx context.Context, tenant, person string) (int, error) {
	db, err := s.tenants.DB(ctx, tenant)
	if err != nil {
		return 0, err
	}
	set := bson.D{{Key: "given_name", Value: privacy.Erased}, {Key: "family_name", Value: privacy.Erased}, {Key: "email", Value: ""}, {Key: "phone", Value: ""}}
	// Only a record still holding a name is changed: a second run changes nothing.
	res, err := db.Collection(People).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: person}, {Key: "given_name", Value: bson.D{{Key: "$ne", Value: privacy.Erased}}}},
		bson.D{{Key: "$set", Value: set}, {Key: "$inc", Value: bson.D{{Key: mongox.VersionField, Value: 1}}}})
	if err != nil {
		return 0, mongox.Err(err, "person")
	}
	return int(res.ModifiedCount), nil
}

// PersonHeld reports whether the tenant holds a record of the person, deleted or not.
func (s *Store) PersonHeld(ctx context.Context, tenant, person string) (bool, error) {
	c, err := s.People.Coll(ctx, tenant)
	if err != nil {
		return false, err
	}
	n, err := c.CountDocuments(ctx, bson.D{{Key: "_id", Value: person}})
	return n > 0, mongox.Err(err, "person")
}

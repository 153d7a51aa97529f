// Package store keeps the PLC service's data in MongoDB, one database per tenant: the
// directory facts groups are computed from (schools, roles), the groups and sessions
// (aggregates with outboxes), and calendar feed subscriptions.
package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/l4l-platform/l4l/libs/idempotency"
	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/services/plc/internal/domain"
)

// Collections.
const (
	Schools  = "schools"
	Roles    = "roles"
	Groups   = "groups"
	Sessions = "sessions"
	Feeds    = "feeds"
)

// Indexes are applied to every tenant database.
var Indexes = mongox.Indexes{
	Schools: {{Keys: bson.D{{Key: "unit", Value: 1}}}},
	Roles:   {{Keys: bson.D{{Key: "unit", Value: 1}}}, {Keys: bson.D{{Key: "person_id", Value: 1}}}},
	// One group per PLC kind and unit: a consumer racing another inserts once.
	Groups: {{Keys: bson.D{{Key: "kind", Value: 1}, {Key: "unit", Value: 1}, {Key: mongox.DeletedField, Value: 1}}, Options: options.Index().SetUnique(true)}},
	Sessions: {
		{Keys: bson.D{{Key: "group_id", Value: 1}, {Key: "start", Value: 1}}},
		{Keys: bson.D{{Key: "start", Value: 1}}},
	},
	Feeds:                  {{Keys: bson.D{{Key: "token_hash", Value: 1}}}},
	idempotency.Collection: nil,
}

// Store is the PLC service's persistence.
type Store struct {
	Groups   mongox.Aggregates[domain.Group]
	Sessions mongox.Aggregates[domain.Session]
	Feeds    mongox.Aggregates[Feed]
	Tenants  *mongox.Tenants
}

// Feed is a calendar subscription: a secret URL a calendar client polls without a bearer
// token. Only the token's hash is stored.
type Feed struct {
	ID        string    `json:"id" bson:"_id"`
	TokenHash string    `json:"-" bson:"token_hash"`
	GroupID   string    `json:"group_id,omitempty" bson:"group_id,omitempty"`
	PersonID  string    `json:"person_id,omitempty" bson:"person_id,omitempty"`
	CreatedBy string    `json:"created_by" bson:"created_by"`
	CreatedAt time.Time `json:"created_at" bson:"created_at"`
}

// New makes a store over the tenants' databases; n is told of new outbox entries.
func New(t *mongox.Tenants, n mongox.Notifier) *Store {
	return &Store{
		Tenants:  t,
		Groups:   mongox.Aggregates[domain.Group]{Name: "group", Collection: Groups, Tenants: t, Notifier: n},
		Sessions: mongox.Aggregates[domain.Session]{Name: "session", Collection: Sessions, Tenants: t, Notifier: n},
		Feeds:    mongox.Aggregates[Feed]{Name: "calendar subscription", Collection: Feeds, Tenants: t, Notifier: n},
	}
}

func (s *Store) coll(ctx context.Context, tenant, name string) (*mongo.Collection, error) {
	db, err := s.Tenants.DB(ctx, tenant)
	if err != nil {
		return nil, err
	}
	return db.Collection(name), nil
}

// School reads a school fact; a missing one is the zero fact.
func (s *Store) School(ctx context.Context, tenant, id string) (domain.SchoolFact, error) {
	var f domain.SchoolFact
	return f, s.fact(ctx, tenant, Schools, id, &f)
}

// Role reads a role fact; a missing one is the zero fact.
func (s *Store) Role(ctx context.Context, tenant, id string) (domain.RoleFact, error) {
	var f domain.RoleFact
	return f, s.fact(ctx, tenant, Roles, id, &f)
}

func (s *Store) fact(ctx context.Context, tenant, coll, id string, v any) error {
	c, err := s.coll(ctx, tenant, coll)
	if err != nil {
		return err
	}
	err = c.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(v)
	if err == mongo.ErrNoDocuments {
		return nil
	}
	return mongox.Err(err, coll)
}

// PutSchool stores a school fact (an upsert keyed by the school id).
func (s *Store) PutSchool(ctx context.Context, tenant string, f domain.SchoolFact) error {
	return s.put(ctx, tenant, Schools, f.ID, f)
}

// PutRole stores a role fact (an upsert keyed by the assignment id).
func (s *Store) PutRole(ctx context.Context, tenant string, f domain.RoleFact) error {
	return s.put(ctx, tenant, Roles, f.ID, f)
}

func (s *Store) put(ctx context.Context, tenant, coll, id string, v any) error {
	c, err := s.coll(ctx, tenant, coll)
	if err != nil {
		return err
	}
	_, err = c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, v, options.Replace().SetUpsert(true))
	return mongox.Err(err, coll)
}

// Facts reads every school and role fact of a tenant (a district holds hundreds: one
// scan each beats one query per group).
func (s *Store) Facts(ctx context.Context, tenant string) ([]domain.SchoolFact, []domain.RoleFact, error) {
	var schools []domain.SchoolFact
	var roles []domain.RoleFact
	if err := s.all(ctx, tenant, Schools, &schools); err != nil {
		return nil, nil, err
	}
	if err := s.all(ctx, tenant, Roles, &roles); err != nil {
		return nil, nil, err
	}
	return schools, roles, nil
}

func (s *Store) all(ctx context.Context, tenant, coll string, out any) error {
	c, err := s.coll(ctx, tenant, coll)
	if err != nil {
		return err
	}
	cur, err := c.Find(ctx, bson.D{})
	if err != nil {
		return mongox.Err(err, coll)
	}
	return mongox.Err(cur.All(ctx, out), coll)
}

// GroupByKey finds the group of a PLC kind and unit; ok is false when there is none.
func (s *Store) GroupByKey(ctx context.Context, tenant string, k domain.GroupKey) (domain.Group, int64, bool, error) {
	c, err := s.Groups.Coll(ctx, tenant)
	if err != nil {
		return domain.Group{}, 0, false, err
	}
	var id struct {
		ID string `bson:"_id"`
	}
	err = c.FindOne(ctx, bson.D{{Key: "kind", Value: k.Kind}, {Key: "unit", Value: k.Unit}, {Key: mongox.DeletedField, Value: ""}},
		options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Decode(&id)
	if err == mongo.ErrNoDocuments {
		return domain.Group{}, 0, false, nil
	}
	if err != nil {
		return domain.Group{}, 0, false, mongox.Err(err, "group")
	}
	g, v, err := s.Groups.Get(ctx, tenant, id.ID)
	return g, v, err == nil, err
}

// AllGroups reads every group of a tenant.
func (s *Store) AllGroups(ctx context.Context, tenant string) ([]domain.Group, error) {
	return s.Groups.All(ctx, tenant, nil)
}

// AllSessions reads the tenant's sessions matching filter.
func (s *Store) AllSessions(ctx context.Context, tenant string, filter bson.D) ([]domain.Session, error) {
	return s.Sessions.All(ctx, tenant, filter)
}

// InsertSessions writes new sessions with their events in batches.
func (s *Store) InsertSessions(ctx context.Context, tenant string, items []mongox.New[domain.Session]) error {
	return s.Sessions.InsertMany(ctx, tenant, items)
}

// Package store keeps the directory in MongoDB: one database per tenant, with the
// collections schools, people and roles.
package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/l4l-platform/l4l/libs/idempotency"
	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/services/directory/internal/domain"
)

// Collections.
const (
	Schools = "schools"
	People  = "people"
	Roles   = "roles"
)

// Indexes are applied to every tenant database. Unique keys include the tombstone field so
// that a deleted school's code can be used again.
var Indexes = mongox.Indexes{
	Schools: {
		{Keys: bson.D{{Key: "code", Value: 1}, {Key: mongox.DeletedField, Value: 1}}, Options: options.Index().SetUnique(true)},
		{Keys: bson.D{{Key: "unit", Value: 1}}},
	},
	People: {
		// staff_key is the staff id, or the person id when there is none: a unique index
		// over an optional field would need a partial index, which FerretDB lacks.
		{Keys: bson.D{{Key: "staff_key", Value: 1}, {Key: mongox.DeletedField, Value: 1}}, Options: options.Index().SetUnique(true)},
		{Keys: bson.D{{Key: "school_id", Value: 1}}},
	},
	Roles: {
		{Keys: bson.D{{Key: "person_id", Value: 1}}},
		{Keys: bson.D{{Key: "unit", Value: 1}, {Key: "role", Value: 1}}},
	},
	idempotency.Collection: nil,
}

// Store is the directory's persistence.
type Store struct {
	Schools mongox.Aggregates[domain.School]
	People  mongox.Aggregates[Person]
	Roles   mongox.Aggregates[domain.RoleAssignment]
	tenants *mongox.Tenants
}

// Person is a domain.Person with its unique staff key.
type Person struct {
	domain.Person `bson:",inline"`
	StaffKey      string `bson:"staff_key"`
}

// StoredPerson adds the staff key to a person.
func StoredPerson(p domain.Person) Person {
	k := p.StaffID
	if k == "" {
		k = "id:" + p.ID
	}
	return Person{Person: p, StaffKey: k}
}

// New makes a store over the tenants' databases; n is told of new outbox entries.
func New(t *mongox.Tenants, n mongox.Notifier) *Store {
	return &Store{
		tenants: t,
		Schools: mongox.Aggregates[domain.School]{Name: "school", Collection: Schools, Tenants: t, Notifier: n},
		People:  mongox.Aggregates[Person]{Name: "person", Collection: People, Tenants: t, Notifier: n},
		Roles:   mongox.Aggregates[domain.RoleAssignment]{Name: "role assignment", Collection: Roles, Tenants: t, Notifier: n},
	}
}

// SchoolExists reports whether id is a live school of the tenant.
func (s *Store) SchoolExists(ctx context.Context, tenant, id string) (bool, error) {
	return s.Schools.Exists(ctx, tenant, id)
}

// PersonExists reports whether id is a live person of the tenant.
func (s *Store) PersonExists(ctx context.Context, tenant, id string) (bool, error) {
	return s.People.Exists(ctx, tenant, id)
}

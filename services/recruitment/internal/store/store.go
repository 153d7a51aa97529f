// Package store keeps recruitment in MongoDB, one database per tenant: campaigns (with
// their panel, ranking, offers and appointments), applications (with screening,
// assessments and scores), and the read model of the directory's facts.
package store

import (
	"context"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/l4l-platform/l4l/libs/idempotency"
	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/services/recruitment/internal/domain"
)

// Collections.
const (
	Campaigns    = "campaigns"
	Applications = "applications"
	// The read model of the directory's events.
	DirRoles   = "dir_roles"
	DirSchools = "dir_schools"
	DirPeople  = "dir_people"
)

// Indexes are applied to every tenant database. Unique keys include the tombstone field.
var Indexes = mongox.Indexes{
	Campaigns: {
		{Keys: bson.D{{Key: "intake", Value: 1}, {Key: mongox.DeletedField, Value: 1}}, Options: options.Index().SetUnique(true)},
	},
	Applications: {
		// One active application per person per campaign: person_key is the person id
		// while the application is active, its own id once withdrawn (FerretDB has no
		// partial indexes).
		{Keys: bson.D{{Key: "campaign_id", Value: 1}, {Key: "person_key", Value: 1}, {Key: mongox.DeletedField, Value: 1}}, Options: options.Index().SetUnique(true)},
		// A capped campaign hands out numbered seats, so concurrent applicants cannot
		// overfill it; uncapped applications take their own id as seat.
		{Keys: bson.D{{Key: "campaign_id", Value: 1}, {Key: "seat", Value: 1}, {Key: mongox.DeletedField, Value: 1}}, Options: options.Index().SetUnique(true)},
	},
	DirRoles:               {{Keys: bson.D{{Key: "person_id", Value: 1}}}, {Keys: bson.D{{Key: "role", Value: 1}}}},
	DirSchools:             nil,
	DirPeople:              nil,
	idempotency.Collection: nil,
}

// Application is a domain.Application with its uniqueness keys.
type Application struct {
	domain.Application `bson:",inline"`
	PersonKey          string `bson:"person_key"`
	Seat               string `bson:"seat"`
}

// Stored keys an application for its indexes; seat 0 means the campaign has no cap.
func Stored(a domain.Application, seat int) Application {
	s := Application{Application: a, PersonKey: a.PersonID, Seat: a.ID}
	if seat > 0 {
		s.Seat = strconv.Itoa(seat)
	}
	if !a.Active() {
		s.PersonKey = "withdrawn:" + a.ID
	}
	return s
}

// Rekey updates the person key after a change of status (a withdrawal frees the person
// to apply again); the seat stays taken.
func (s *Application) Rekey() { s.PersonKey = Stored(s.Application, 0).PersonKey }

// Store is the service's persistence.
type Store struct {
	Campaigns    mongox.Aggregates[domain.Campaign]
	Applications mongox.Aggregates[Application]
	tenants      *mongox.Tenants
}

// New makes a store over the tenants' databases; n is told of new outbox entries.
func New(t *mongox.Tenants, n mongox.Notifier) *Store {
	return &Store{
		tenants:      t,
		Campaigns:    mongox.Aggregates[domain.Campaign]{Name: "campaign", Collection: Campaigns, Tenants: t, Notifier: n},
		Applications: mongox.Aggregates[Application]{Name: "application", Collection: Applications, Tenants: t, Notifier: n},
	}
}

// Tenants are the tenant databases.
func (s *Store) Tenants() *mongox.Tenants { return s.tenants }

// Open prepares the tenant's database (indexes, applied once; mongox serialises first uses).
func (s *Store) Open(ctx context.Context, tenant string) error {
	_, err := s.tenants.DB(ctx, tenant)
	return err
}

// CampaignApplications reads every application of a campaign (a district's intake is a
// few hundred at most; one scan, ranking computed in Go).
func (s *Store) CampaignApplications(ctx context.Context, tenant, campaign string) ([]domain.Application, error) {
	stored, err := s.Applications.All(ctx, tenant, bson.D{{Key: "campaign_id", Value: campaign}})
	if err != nil {
		return nil, err
	}
	out := make([]domain.Application, len(stored))
	for i, a := range stored {
		out[i] = a.Application
	}
	return out, nil
}

// CountApplications counts a campaign's applications, withdrawn ones included (they
// keep their seat).
func (s *Store) CountApplications(ctx context.Context, tenant, campaign string) (int, error) {
	c, err := s.Applications.Coll(ctx, tenant)
	if err != nil {
		return 0, err
	}
	n, err := c.CountDocuments(ctx, bson.D{{Key: "campaign_id", Value: campaign}, {Key: mongox.DeletedField, Value: ""}})
	return int(n), mongox.Err(err, "applications")
}

// ActiveApplicationOf finds the person's active application to a campaign.
func (s *Store) ActiveApplicationOf(ctx context.Context, tenant, campaign, person string) (string, bool, error) {
	got, err := s.Applications.All(ctx, tenant, bson.D{{Key: "campaign_id", Value: campaign}, {Key: "person_key", Value: person}})
	if err != nil || len(got) == 0 {
		return "", false, err
	}
	return got[0].ID, true, nil
}

// InsertApplication stores a new application with its events in the given seat of a
// capped campaign (0: the campaign has no cap). A taken seat or an active application of
// the same person is a 409.
func (s *Store) InsertApplication(ctx context.Context, tenant string, a domain.Application, seat int, evs ...mongox.Event) error {
	return s.Applications.Insert(ctx, tenant, a.ID, Stored(a, seat), evs...)
}

// roleDoc is a domain.RoleFact with the time of the event that set it.
type roleDoc struct {
	domain.RoleFact `bson:",inline"`
	At              time.Time `bson:"at"`
}

type schoolDoc struct {
	ID      string    `bson:"_id"`
	Unit    string    `bson:"unit"`
	Deleted bool      `bson:"removed"`
	At      time.Time `bson:"at"`
}

type personDoc struct {
	ID       string    `bson:"_id"`
	SchoolID string    `bson:"school_id"`
	Deleted  bool      `bson:"removed"`
	At       time.Time `bson:"at"`
}

// applyIfNewer writes doc as the state of id unless a newer event already did: an update
// guarded by the event time, else an insert, whose duplicate key means a newer (or the
// same) event got there first. Redelivered and out-of-order events change nothing.
func (s *Store) applyIfNewer(ctx context.Context, tenant, coll, id string, at time.Time, doc any) error {
	if err := s.Open(ctx, tenant); err != nil {
		return err
	}
	db, err := s.tenants.DB(ctx, tenant)
	if err != nil {
		return err
	}
	c := db.Collection(coll)
	raw, err := bson.Marshal(doc)
	if err != nil {
		return err
	}
	var set bson.D
	if err := bson.Unmarshal(raw, &set); err != nil {
		return err
	}
	res, err := c.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "at", Value: bson.D{{Key: "$lte", Value: at}}}},
		bson.D{{Key: "$set", Value: set}})
	if err != nil {
		return mongox.Err(err, coll)
	}
	if res.MatchedCount > 0 {
		return nil
	}
	if _, err := c.InsertOne(ctx, raw); err != nil && !mongo.IsDuplicateKeyError(err) {
		return mongox.Err(err, coll)
	}
	return nil
}

// ApplyRole records what a directory role event says.
func (s *Store) ApplyRole(ctx context.Context, tenant string, at time.Time, r domain.RoleFact) error {
	return s.applyIfNewer(ctx, tenant, DirRoles, r.AssignmentID, at, roleDoc{RoleFact: r, At: at})
}

// ApplySchool records what a directory school event says.
func (s *Store) ApplySchool(ctx context.Context, tenant string, at time.Time, id, unit string, deleted bool) error {
	return s.applyIfNewer(ctx, tenant, DirSchools, id, at, schoolDoc{ID: id, Unit: unit, Deleted: deleted, At: at})
}

// ApplyPerson records what a directory person event says.
func (s *Store) ApplyPerson(ctx context.Context, tenant string, at time.Time, id, school string, deleted bool) error {
	return s.applyIfNewer(ctx, tenant, DirPeople, id, at, personDoc{ID: id, SchoolID: school, Deleted: deleted, At: at})
}

// People reads what the directory said about people: their roles, their person record's
// school, and the units of the schools involved.
func (s *Store) People(ctx context.Context, tenant string, ids ...string) (map[string]domain.PersonFacts, error) {
	out := make(map[string]domain.PersonFacts, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	db, err := s.tenants.DB(ctx, tenant)
	if err != nil {
		return nil, err
	}
	var roles []roleDoc
	if err := find(ctx, db.Collection(DirRoles), bson.D{{Key: "person_id", Value: bson.D{{Key: "$in", Value: ids}}}}, &roles); err != nil {
		return nil, err
	}
	var people []personDoc
	if err := find(ctx, db.Collection(DirPeople), bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}, {Key: "removed", Value: false}}, &people); err != nil {
		return nil, err
	}
	schoolIDs := []string{}
	for _, id := range ids {
		out[id] = domain.PersonFacts{PersonID: id, SchoolUnits: map[string]string{}}
	}
	for _, r := range roles {
		p := out[r.PersonID]
		p.Roles = append(p.Roles, r.RoleFact)
		out[r.PersonID] = p
		schoolIDs = append(schoolIDs, r.Unit)
	}
	for _, pd := range people {
		p := out[pd.ID]
		p.SchoolID = pd.SchoolID
		out[pd.ID] = p
		schoolIDs = append(schoolIDs, pd.SchoolID)
	}
	var schools []schoolDoc
	if err := find(ctx, db.Collection(DirSchools), bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: schoolIDs}}}, {Key: "removed", Value: false}}, &schools); err != nil {
		return nil, err
	}
	for id, p := range out {
		for _, sd := range schools {
			p.SchoolUnits[sd.ID] = sd.Unit
		}
		out[id] = p
	}
	return out, nil
}

// RoleHolders reads the directory's assignments of a role.
func (s *Store) RoleHolders(ctx context.Context, tenant, role string) ([]domain.RoleFact, error) {
	db, err := s.tenants.DB(ctx, tenant)
	if err != nil {
		return nil, err
	}
	var docs []roleDoc
	if err := find(ctx, db.Collection(DirRoles), bson.D{{Key: "role", Value: role}}, &docs); err != nil {
		return nil, err
	}
	out := make([]domain.RoleFact, len(docs))
	for i, d := range docs {
		out[i] = d.RoleFact
	}
	return out, nil
}

func find(ctx context.Context, c *mongo.Collection, filter bson.D, out any) error {
	res, err := c.Find(ctx, filter)
	if err != nil {
		return mongox.Err(err, c.Name())
	}
	if err := res.All(ctx, out); err != nil {
		return mongox.Err(err, c.Name())
	}
	return nil
}

// Package store keeps coaching data in MongoDB, one database per tenant: the aggregates
// relationships, sessions, ratings and observations (each write with its events in the
// same document), and the directory's roster as its events tell it (roles, schools,
// people), kept by the consumer.
package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/x/bsonx/bsoncore"

	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/idempotency"
	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/services/coaching/internal/domain"
)

// Collections.
const (
	Relationships = "relationships"
	Sessions      = "sessions"
	Ratings       = "ratings"
	Observations  = "observations"
	// Uploads name the records of uploads in progress, UploadOutbox holds their events
	// (see Commit).
	Uploads      = "uploads"
	UploadOutbox = "upload_outbox"
	Roles        = "roles"
	Schools      = "schools"
	People       = "people"
)

// UploadField names, on a record, the upload that wrote it.
const UploadField = "upload"

// ChangeField orders the change feed: every write sets it to a fresh UUIDv7.
const ChangeField = "change"

// Indexes are applied to every tenant database.
var Indexes = mongox.Indexes{
	Relationships: {
		// One active coach per coachee and link (see domain.Relationship.ActiveKey).
		{Keys: bson.D{{Key: "active_key", Value: 1}}, Options: options.Index().SetUnique(true)},
		{Keys: bson.D{{Key: "coach_id", Value: 1}}},
		{Keys: bson.D{{Key: ChangeField, Value: 1}}},
	},
	Sessions: {
		{Keys: bson.D{{Key: "relationship_id", Value: 1}}},
		{Keys: bson.D{{Key: "coachee_id", Value: 1}}},
		{Keys: bson.D{{Key: ChangeField, Value: 1}}},
	},
	Ratings: {
		{Keys: bson.D{{Key: "head_teacher_id", Value: 1}}},
		{Keys: bson.D{{Key: ChangeField, Value: 1}}},
	},
	Observations: {
		{Keys: bson.D{{Key: "teacher_id", Value: 1}}},
		{Keys: bson.D{{Key: ChangeField, Value: 1}}},
	},
	Uploads:                {{Keys: bson.D{{Key: "pending", Value: 1}}}},
	UploadOutbox:           {{Keys: bson.D{{Key: "carries", Value: 1}}}},
	Roles:                  nil,
	Schools:                nil,
	People:                 nil,
	idempotency.Collection: nil,
}

// Open prepares the tenant's database (indexes, once; mongox serialises first uses) before
// anything else uses it.
// It also finishes uploads an earlier run left pending (see Commit), at most every
// RecoverAfter.
func (s *Store) Open(ctx context.Context, tenant string) error {
	_, err := s.Tenants.DB(ctx, tenant)
	if err == nil {
		s.recoverNow(ctx, tenant)
	}
	return err
}

// Store is the coaching service's persistence.
type Store struct {
	Relationships mongox.Aggregates[domain.Relationship]
	Sessions      mongox.Aggregates[domain.Session]
	Ratings       mongox.Aggregates[domain.Rating]
	Observations  mongox.Aggregates[domain.Observation]
	Tenants       *mongox.Tenants
	// Rebuild makes the events of records Recover finds (set by the events package).
	Rebuild  Rebuild
	notifier mongox.Notifier
	// direct publishes an upload's events at once (the outbox relay, when the notifier
	// is one); nil sends them through carriers.
	direct DirectPublisher
	rels   *relationshipCache
}

// RelationshipCacheFor is how long uploads reuse the relationships they read. Every
// relationship write of this process drops the cache (each publishes an event, so the
// cache sits in front of the relay's notifier); another replica's change is seen within
// this time, well inside the lag with which relationships follow the directory's events
// anyway. On FerretDB each read decodes the whole collection.
const RelationshipCacheFor = 2 * time.Second

// relationshipCache keeps, per tenant, the relationships uploads read, for a short time.
type relationshipCache struct {
	mu        sync.Mutex
	tenants   map[string]*cachedRelationships
	droppedAt time.Time // reads that started before it may have seen what a write changed
}

type cachedRelationships struct {
	at   time.Time
	byID map[string]domain.Relationship
}

func (c *relationshipCache) get(tenant string, ids []string) (map[string]domain.Relationship, []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]domain.Relationship{}
	e := c.tenants[tenant]
	if e == nil || time.Since(e.at) > RelationshipCacheFor {
		return out, ids
	}
	var missing []string
	for _, id := range ids {
		if r, ok := e.byID[id]; ok {
			out[id] = r
		} else {
			missing = append(missing, id)
		}
	}
	return out, missing
}

// put adds what was read at readAt, unless a write dropped the cache since.
func (c *relationshipCache) put(tenant string, readAt time.Time, rels map[string]domain.Relationship) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.tenants[tenant]
	if e == nil || time.Since(e.at) > RelationshipCacheFor {
		e = &cachedRelationships{at: readAt, byID: map[string]domain.Relationship{}}
		c.tenants[tenant] = e
	}
	if readAt.Before(e.at) || readAt.Before(c.droppedAt) {
		return
	}
	for id, r := range rels {
		e.byID[id] = r
	}
}

func (c *relationshipCache) drop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	// Reads started before this write cannot fill the cache (see put).
	c.droppedAt = time.Now()
	clear(c.tenants)
}

// dropOnWrite is the relationships' notifier: it drops the cache, then tells the relay.
type dropOnWrite struct {
	cache *relationshipCache
	next  mongox.Notifier
}

func (d dropOnWrite) Notify(coll *mongo.Collection, ids ...any) {
	d.cache.drop()
	if d.next != nil {
		d.next.Notify(coll, ids...)
	}
}

// DirectPublisher publishes events at once (events.Relay.PublishNow).
type DirectPublisher interface {
	PublishNow(ctx context.Context, evs []events.Envelope) error
}

// PublishWithin bounds how long an upload waits for the broker before its events go into
// carriers for the relay instead.
const PublishWithin = 3 * time.Second

// New makes a store over the tenants' databases; n is told of new outbox entries.
func New(t *mongox.Tenants, n mongox.Notifier) *Store {
	direct, _ := n.(DirectPublisher)
	cache := &relationshipCache{tenants: map[string]*cachedRelationships{}}
	return &Store{
		direct:        direct,
		rels:          cache,
		Tenants:       t,
		notifier:      n,
		Relationships: mongox.Aggregates[domain.Relationship]{Name: "relationship", Collection: Relationships, Tenants: t, Notifier: dropOnWrite{cache, n}},
		Sessions:      mongox.Aggregates[domain.Session]{Name: "session", Collection: Sessions, Tenants: t, Notifier: n},
		Ratings:       mongox.Aggregates[domain.Rating]{Name: "rating", Collection: Ratings, Tenants: t, Notifier: n},
		Observations:  mongox.Aggregates[domain.Observation]{Name: "observation", Collection: Observations, Tenants: t, Notifier: n},
	}
}

func (s *Store) coll(ctx context.Context, tenant, name string) (*mongo.Collection, error) {
	db, err := s.Tenants.DB(ctx, tenant)
	if err != nil {
		return nil, err
	}
	return db.Collection(name), nil
}

func all[T any](ctx context.Context, c *mongo.Collection, filter bson.D, opts ...options.Lister[options.FindOptions]) ([]T, error) {
	res, err := c.Find(ctx, filter, opts...)
	if err != nil {
		return nil, mongox.Err(err, c.Name())
	}
	out := []T{}
	if err := res.All(ctx, &out); err != nil {
		return nil, mongox.Err(err, c.Name())
	}
	return out, nil
}

// Roster reads the tenant's roster.
func (s *Store) Roster(ctx context.Context, tenant string) (domain.Roster, error) {
	r := domain.Roster{Schools: map[string]string{}, People: map[string]string{}}
	c, err := s.coll(ctx, tenant, Roles)
	if err != nil {
		return r, err
	}
	if r.Assignments, err = all[domain.Assignment](ctx, c, bson.D{{Key: "removed", Value: false}}); err != nil {
		return r, err
	}
	if c, err = s.coll(ctx, tenant, Schools); err != nil {
		return r, err
	}
	schools, err := all[domain.School](ctx, c, bson.D{{Key: "removed", Value: false}})
	if err != nil {
		return r, err
	}
	for _, sc := range schools {
		r.Schools[sc.ID] = sc.Unit
	}
	if c, err = s.coll(ctx, tenant, People); err != nil {
		return r, err
	}
	people, err := all[domain.Person](ctx, c, bson.D{{Key: "removed", Value: false}})
	if err != nil {
		return r, err
	}
	for _, p := range people {
		r.People[p.ID] = p.SchoolID
	}
	return r, nil
}

// apply writes a roster document unless what is stored comes from a newer event: an
// older event redelivered late must not undo a newer one. Events of one aggregate arrive
// in order on one partition, so read-then-replace is not raced by another event of it.
func apply(ctx context.Context, c *mongo.Collection, id string, at time.Time, doc any) (bool, error) {
	var cur struct {
		EventTime time.Time `bson:"event_time"`
	}
	err := c.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&cur)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
	case err != nil:
		return false, mongox.Err(err, c.Name())
	case cur.EventTime.After(at):
		return false, nil
	}
	_, err = c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, doc, options.Replace().SetUpsert(true))
	return err == nil, mongox.Err(err, c.Name())
}

// ApplyAssignment records a role assignment from the directory.
func (s *Store) ApplyAssignment(ctx context.Context, tenant string, a domain.Assignment) (bool, error) {
	c, err := s.coll(ctx, tenant, Roles)
	if err != nil {
		return false, err
	}
	return apply(ctx, c, a.ID, a.EventTime, a)
}

// ApplySchool records a school from the directory.
func (s *Store) ApplySchool(ctx context.Context, tenant string, sc domain.School) (bool, error) {
	c, err := s.coll(ctx, tenant, Schools)
	if err != nil {
		return false, err
	}
	return apply(ctx, c, sc.ID, sc.EventTime, sc)
}

// ApplyPerson records a person from the directory.
func (s *Store) ApplyPerson(ctx context.Context, tenant string, p domain.Person) (bool, error) {
	c, err := s.coll(ctx, tenant, People)
	if err != nil {
		return false, err
	}
	return apply(ctx, c, p.ID, p.EventTime, p)
}

// ActiveRelationships reads the active relationships matching filter.
func (s *Store) ActiveRelationships(ctx context.Context, tenant string, filter bson.D) ([]domain.Relationship, error) {
	return s.Relationships.All(ctx, tenant, append(bson.D{{Key: "status", Value: domain.StatusActive}}, filter...))
}

// RelationshipsByID reads relationships (active or ended) by id, from the last
// RelationshipCacheFor's reads when it can (uploads read the same few again and again).
func (s *Store) RelationshipsByID(ctx context.Context, tenant string, ids []string) (map[string]domain.Relationship, error) {
	out, missing := s.rels.get(tenant, ids)
	if len(missing) == 0 {
		return out, nil
	}
	readAt := time.Now()
	rels, err := s.Relationships.All(ctx, tenant, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: missing}}}})
	if err != nil {
		return out, err
	}
	read := make(map[string]domain.Relationship, len(rels))
	for _, r := range rels {
		out[r.ID], read[r.ID] = r, r
	}
	s.rels.put(tenant, readAt, read)
	return out, nil
}

// SessionsOf reads the sessions of relationships.
func (s *Store) SessionsOf(ctx context.Context, tenant string, relationshipIDs []string) ([]domain.Session, error) {
	if len(relationshipIDs) == 0 {
		return nil, nil
	}
	return s.Sessions.All(ctx, tenant, bson.D{{Key: "relationship_id", Value: bson.D{{Key: "$in", Value: relationshipIDs}}}})
}

// LastVisits returns each coachee's latest session date.
func (s *Store) LastVisits(ctx context.Context, tenant string, coachees []string) (map[string]string, error) {
	out := map[string]string{}
	if len(coachees) == 0 {
		return out, nil
	}
	c, err := s.coll(ctx, tenant, Sessions)
	if err != nil {
		return nil, err
	}
	// FerretDB has no $max accumulator: read the two fields and take the latest in Go.
	rows, err := all[struct {
		CoacheeID string `bson:"coachee_id"`
		Date      string `bson:"date"`
	}](ctx, c, bson.D{{Key: mongox.DeletedField, Value: ""}, {Key: "coachee_id", Value: bson.D{{Key: "$in", Value: coachees}}}},
		options.Find().SetProjection(bson.D{{Key: "coachee_id", Value: 1}, {Key: "date", Value: 1}}))
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		if r.Date > out[r.CoacheeID] {
			out[r.CoacheeID] = r.Date
		}
	}
	return out, nil
}

// RatingsOf reads the ratings of head teachers.
func (s *Store) RatingsOf(ctx context.Context, tenant string, headTeachers []string) ([]domain.Rating, error) {
	if len(headTeachers) == 0 {
		return nil, nil
	}
	return s.Ratings.All(ctx, tenant, bson.D{{Key: "head_teacher_id", Value: bson.D{{Key: "$in", Value: headTeachers}}}})
}

// Outcome of one item of a batch insert.
type Outcome int

// Outcomes.
const (
	Inserted Outcome = iota
	Existed
)

// Item is one record of an upload, for Commit: the collection, the aggregate and its events.
type Item struct {
	Collection string
	ID         string
	Value      any
	Events     []events.Envelope
}

// upload is the recovery record of one upload in the Uploads collection, pending while
// its items are written and their events published. It is small (no list of items) so
// that inserting it costs little and so does the delete that ends it, which on FerretDB
// scans the collection: Recover finds the items by their mark instead.
type upload struct {
	ID        string    `bson:"_id"`
	Pending   bool      `bson:"pending"`
	CreatedAt time.Time `bson:"created_at"`
	// Collections are those the upload writes to.
	Collections []string `bson:"colls"`
	// Items named the items in records of earlier versions (read by Recover only).
	Items []struct {
		Collection string `bson:"c"`
	} `bson:"items,omitempty"`
}

// eventID is the id of the k-th event of an upload's item: derived, not random, so that
// Recover makes it again under the same id and consumers drop an event published both
// before a crash and after it.
func eventID(up upload, collection, item string, k int) string {
	return events.DerivedID(up.CreatedAt, up.ID, collection, item, strconv.Itoa(k))
}

// Rebuild makes again the events of a stored record (by collection), for Recover.
type Rebuild func(tenant, collection string, record bson.Raw) ([]events.Envelope, error)

// Commit writes an upload's records (sessions, ratings, observations) with their events.
//
// Why not each record with its own outbox, as elsewhere: the relay clears outboxes one
// document at a time, and on FerretDB every update (even by _id) scans its collection, so
// uploads of 200 sessions into a collection of 10,000 kept the service's one connection
// busy for seconds and starved the uploads themselves. Here an upload is three inserts and
// a delete, none of them an update, and the collection the delete scans holds only the
// uploads in progress:
//  1. the upload's record is inserted, pending, naming the collections it writes (the
//     recovery record; the events' ids are derived from it, see eventID);
//  2. the items are inserted, each marked with the upload (unordered: an id already
//     stored is Existed, so a tablet uploading again creates nothing twice and publishes
//     nothing twice);
//  3. the events of the items it inserted are published at once through the relay's
//     writer (DirectPublisher) and the upload's record is deleted. If the broker does not
//     take them within PublishWithin (or there is no direct publisher), they go into
//     outbox documents of a few events each (carriers, EventsPerCarrier) that the relay
//     publishes, and the record stops being pending.
//
// A crash or an outage between 1 and 3 leaves the record pending; Recover finishes it from
// the items marked with it, rebuilding their events under the same ids. Delivery is at
// least once (a crash after publishing and before the delete publishes again, with the
// same event ids); consumers deduplicate by id.
func (s *Store) Commit(ctx context.Context, tenant string, items []Item) ([]Outcome, error) {
	if len(items) == 0 {
		return nil, nil
	}
	c, err := s.coll(ctx, tenant, Uploads)
	if err != nil {
		return nil, err
	}
	// Milliseconds, as stored: event ids are derived from it (eventID).
	up := upload{ID: domain.NewID(), Pending: true, CreatedAt: time.Now().UTC().Truncate(time.Millisecond)}
	docs := make([]bson.Raw, len(items))
	for i, it := range items {
		d, err := document(it.Value, up.ID)
		if err != nil {
			return nil, err
		}
		docs[i] = d
		if !slices.Contains(up.Collections, it.Collection) {
			up.Collections = append(up.Collections, it.Collection)
		}
		for k := range it.Events {
			it.Events[k].ID = eventID(up, it.Collection, it.ID, k)
		}
	}
	if _, err := c.InsertOne(ctx, up); err != nil {
		return nil, mongox.Err(err, "upload")
	}
	out := make([]Outcome, len(items))
	byColl := map[string][]int{}
	for i, it := range items {
		byColl[it.Collection] = append(byColl[it.Collection], i)
	}
	for coll, idx := range byColl {
		target, err := s.coll(ctx, tenant, coll)
		if err != nil {
			return nil, err
		}
		part := make([]any, len(idx))
		for k, i := range idx {
			part[k] = docs[i]
		}
		_, err = target.InsertMany(ctx, part, options.InsertMany().SetOrdered(false))
		var bwe mongo.BulkWriteException
		switch {
		case err == nil:
		case errors.As(err, &bwe) && bwe.WriteConcernError == nil:
			for _, we := range bwe.WriteErrors {
				if !mongo.IsDuplicateKeyError(we) {
					return nil, mongox.Err(err, coll)
				}
				out[idx[we.Index]] = Existed
			}
		default:
			return nil, mongox.Err(err, coll)
		}
	}
	var evs []events.Envelope
	for i, it := range items {
		if out[i] == Inserted {
			evs = append(evs, it.Events...)
		}
	}
	return out, s.finish(ctx, c, up.ID, evs)
}

// finish publishes an upload's events directly and deletes its record, or, if that fails,
// hands them to the relay in carriers.
func (s *Store) finish(ctx context.Context, c *mongo.Collection, id string, evs []events.Envelope) error {
	if s.direct != nil {
		pctx, cancel := context.WithTimeout(ctx, PublishWithin)
		err := s.direct.PublishNow(pctx, evs)
		cancel()
		if err == nil {
			// By _id alone. If this fails the record stays pending and Recover publishes
			// its events once more: a duplicate, never a loss.
			if _, err := c.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
				return mongox.Err(err, "upload")
			}
			return nil
		}
	}
	return s.publish(ctx, c, id, evs)
}

// EventsPerCarrier is how many events one outbox document of an upload carries. The
// relay clears an outbox with one $pullAll of its entries, whose cost on FerretDB grows
// with the square of their number: 200 in one document took ~120 ms, 20 in ten ~2 ms each.
const EventsPerCarrier = 20

// carrier is an outbox document of an upload: some of its events, for the relay.
type carrier struct {
	ID     string            `bson:"_id"`
	Upload string            `bson:"carries"`
	Outbox []events.Envelope `bson:"outbox"`
}

// publish ends an upload: its events go into outbox documents <upload>.<n> (fixed ids, so
// that a repeated publish of the same events inserts nothing twice), then the upload is
// no longer pending.
func (s *Store) publish(ctx context.Context, c *mongo.Collection, id string, evs []events.Envelope) error {
	var docs []any
	var ids []any
	for n := 0; n*EventsPerCarrier < len(evs); n++ {
		cid := fmt.Sprintf("%s.%d", id, n+1)
		docs = append(docs, carrier{ID: cid, Upload: id, Outbox: evs[n*EventsPerCarrier : min((n+1)*EventsPerCarrier, len(evs))]})
		ids = append(ids, cid)
	}
	out := c.Database().Collection(UploadOutbox)
	if len(docs) > 0 {
		_, err := out.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
		var bwe mongo.BulkWriteException
		if err != nil && !(errors.As(err, &bwe) && bwe.WriteConcernError == nil && allDuplicates(bwe)) {
			return mongox.Err(err, "upload")
		}
	}
	// By _id alone: FerretDB uses an index for nothing else.
	if _, err := c.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "pending", Value: false}}}, {Key: "$unset", Value: bson.D{{Key: "items", Value: ""}}}}); err != nil {
		return mongox.Err(err, "upload")
	}
	if len(ids) > 0 && s.notifier != nil {
		s.notifier.Notify(out, ids...)
	}
	return nil
}

func allDuplicates(bwe mongo.BulkWriteException) bool {
	for _, we := range bwe.WriteErrors {
		if !mongo.IsDuplicateKeyError(we) {
			return false
		}
	}
	return true
}

// RecoverAfter is how old a pending upload must be before Recover finishes it (an upload
// in progress is younger).
const RecoverAfter = 30 * time.Second

var lastRecover sync.Map // tenant → time.Time

// recoverNow runs Recover at most once per RecoverAfter per tenant, before a new upload.
func (s *Store) recoverNow(ctx context.Context, tenant string) {
	if s.Rebuild == nil {
		return
	}
	if t, ok := lastRecover.Load(tenant); ok && time.Since(t.(time.Time)) < RecoverAfter {
		return
	}
	lastRecover.Store(tenant, time.Now())
	_ = s.Recover(ctx, tenant, RecoverAfter)
}

// Recover finishes uploads left pending for longer than olderThan.
func (s *Store) Recover(ctx context.Context, tenant string, olderThan time.Duration) error {
	c, err := s.coll(ctx, tenant, Uploads)
	if err != nil {
		return err
	}
	pending, err := all[upload](ctx, c, bson.D{{Key: "pending", Value: true}, {Key: "created_at", Value: bson.D{{Key: "$lt", Value: time.Now().UTC().Add(-olderThan)}}}})
	if err != nil {
		return err
	}
	for _, up := range pending {
		colls := up.Collections
		for _, it := range up.Items {
			if !slices.Contains(colls, it.Collection) {
				colls = append(colls, it.Collection)
			}
		}
		var evs []events.Envelope
		for _, coll := range colls {
			target, err := s.coll(ctx, tenant, coll)
			if err != nil {
				return err
			}
			// Only the items this upload inserted carry its mark; the others were stored
			// before (and published then) or never made it (the device uploads them again).
			// A scan of the collection on FerretDB, but only after a crash.
			stored, err := all[bson.Raw](ctx, target, bson.D{{Key: UploadField, Value: up.ID}})
			if err != nil {
				return err
			}
			for _, raw := range stored {
				e, err := s.Rebuild(tenant, coll, raw)
				if err != nil {
					return err
				}
				id, _ := raw.Lookup("_id").StringValueOK()
				for k := range e {
					e[k].ID = eventID(up, coll, id, k)
				}
				evs = append(evs, e...)
			}
		}
		if err := s.finish(ctx, c, up.ID, evs); err != nil {
			return err
		}
	}
	return nil
}

// document is the stored form of a new aggregate written by an upload: its fields,
// version 1, alive, and the upload's mark — the shape mongox.Aggregates writes. Built by
// appending to the marshalled value (not through a bson.D, which the driver would
// marshal once more): uploads of hundreds of records spent a third of their time there.
func document(v any, upload string) (bson.Raw, error) {
	raw, err := bson.Marshal(v)
	if err != nil {
		return nil, err
	}
	doc := raw[:len(raw)-1] // without its terminating 0
	doc = bsoncore.AppendInt64Element(doc, mongox.VersionField, 1)
	doc = bsoncore.AppendStringElement(doc, mongox.DeletedField, "")
	doc = bsoncore.AppendStringElement(doc, UploadField, upload)
	doc = append(doc, 0)
	binary.LittleEndian.PutUint32(doc, uint32(len(doc)))
	return bson.Raw(doc), nil
}

// Changes reads up to limit documents of a collection changed after since (and not after
// upTo), matching scope, in change order.
func Changes[T any](ctx context.Context, s *Store, tenant, collection string, scope bson.D, since, upTo string, limit int) ([]T, []string, error) {
	c, err := s.coll(ctx, tenant, collection)
	if err != nil {
		return nil, nil, err
	}
	rng := bson.D{{Key: "$lte", Value: upTo}}
	if since != "" {
		rng = append(rng, bson.E{Key: "$gt", Value: since})
	}
	filter := append(bson.D{{Key: ChangeField, Value: rng}}, scope...)
	res, err := c.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: ChangeField, Value: 1}}).SetLimit(int64(limit)).
		SetProjection(bson.D{{Key: mongox.OutboxField, Value: 0}}))
	if err != nil {
		return nil, nil, mongox.Err(err, collection)
	}
	defer res.Close(ctx)
	var items []T
	var changes []string
	for res.Next(ctx) {
		var v T
		if err := res.Decode(&v); err != nil {
			return nil, nil, err
		}
		ch, _ := res.Current.Lookup(ChangeField).StringValueOK()
		items = append(items, v)
		changes = append(changes, ch)
	}
	return items, changes, mongox.Err(res.Err(), collection)
}

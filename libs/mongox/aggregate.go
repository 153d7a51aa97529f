package mongox

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/l4l-platform/l4l/libs/problem"
)

// Fields every aggregate document carries beside its own.
const (
	// OutboxField holds the events of the aggregate's changes not yet published; the relay
	// publishes and clears them (libs/events).
	OutboxField = "outbox"
	// VersionField is the optimistic-concurrency version, exposed as the ETag.
	VersionField = "v"
	// DeletedField marks a tombstone: "" while the aggregate lives, its deletion time
	// (RFC 3339) after. A deleted aggregate stays so that its outbox is still published;
	// unique indexes include this field so a code can be reused after deletion. It is never
	// missing or null, because FerretDB's unique indexes treat nulls as all distinct.
	DeletedField = "deleted"
)

// Event is what an outbox holds (an events.Envelope).
type Event = any

// Notifier is told which documents gained outbox entries, so the relay publishes at once.
type Notifier interface {
	Notify(coll *mongo.Collection, ids ...any)
}

// Aggregates stores versioned aggregates of type T, whose `_id` is a string field of T,
// in one collection of every tenant database.
// Every write puts the state change and its events in ONE document operation: no event
// without its change, no change without its event, and no transaction needed.
type Aggregates[T any] struct {
	// Name is used in messages ("school not found").
	Name       string
	Collection string
	Tenants    *Tenants
	Notifier   Notifier
}

// Coll is the aggregates' collection in the tenant's database.
func (a Aggregates[T]) Coll(ctx context.Context, tenant string) (*mongo.Collection, error) {
	db, err := a.Tenants.DB(ctx, tenant)
	if err != nil {
		return nil, err
	}
	return db.Collection(a.Collection), nil
}

func (a Aggregates[T]) notify(c *mongo.Collection, ids ...any) {
	if a.Notifier != nil && len(ids) > 0 {
		a.Notifier.Notify(c, ids...)
	}
}

func docOf(v any, version int64, evs []Event) (bson.D, error) {
	raw, err := bson.Marshal(v)
	if err != nil {
		return nil, err
	}
	var d bson.D
	if err := bson.Unmarshal(raw, &d); err != nil {
		return nil, err
	}
	d = append(d, bson.E{Key: VersionField, Value: version}, bson.E{Key: DeletedField, Value: ""})
	if len(evs) > 0 {
		d = append(d, bson.E{Key: OutboxField, Value: evs})
	}
	return d, nil
}

// Insert writes a new aggregate at version 1 with its events.
func (a Aggregates[T]) Insert(ctx context.Context, tenant, id string, v T, evs ...Event) error {
	c, err := a.Coll(ctx, tenant)
	if err != nil {
		return err
	}
	d, err := docOf(v, 1, evs)
	if err != nil {
		return err
	}
	if _, err := c.InsertOne(ctx, d); err != nil {
		return Err(err, a.Name)
	}
	a.notify(c, id)
	return nil
}

// Get reads a live aggregate and its version. The filter is the _id alone and the
// tombstone is checked here: FerretDB pushes only a bare _id equality down to SQLite, so
// adding {deleted: ""} to the filter makes every read decode the whole collection (7× slower
// at 1,000 documents).
func (a Aggregates[T]) Get(ctx context.Context, tenant, id string) (T, int64, error) {
	var zero T
	c, err := a.Coll(ctx, tenant)
	if err != nil {
		return zero, 0, err
	}
	raw, err := c.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Raw()
	if err != nil {
		return zero, 0, Err(err, a.Name)
	}
	var meta struct {
		V       int64  `bson:"v"`
		Deleted string `bson:"deleted"`
	}
	if err := bson.Unmarshal(raw, &meta); err != nil {
		return zero, 0, err
	}
	if meta.Deleted != "" {
		return zero, 0, problem.New(problem.NotFound, "%s not found", a.Name)
	}
	var v T
	if err := bson.Unmarshal(raw, &v); err != nil {
		return zero, 0, err
	}
	return v, meta.V, nil
}

// Exists reports whether id is a live aggregate of the tenant.
func (a Aggregates[T]) Exists(ctx context.Context, tenant, id string) (bool, error) {
	if id == "" {
		return false, nil
	}
	_, _, err := a.Get(ctx, tenant, id)
	if problem.Is(err, problem.NotFound) {
		return false, nil
	}
	return err == nil, err
}

// Update loads the aggregate, lets fn change it and name the events of the change, and
// writes both only if nobody changed the aggregate meanwhile. ifMatch is the version the
// client saw (its If-Match): a mismatch is 412. With ifMatch 0 (internal updates, such as
// a consumer's) a concurrent change is retried instead.
func (a Aggregates[T]) Update(ctx context.Context, tenant, id string, ifMatch int64, fn func(*T) ([]Event, error)) (T, int64, error) {
	var zero T
	c, err := a.Coll(ctx, tenant)
	if err != nil {
		return zero, 0, err
	}
	for attempt := 0; attempt < 5; attempt++ {
		v, ver, err := a.Get(ctx, tenant, id)
		if err != nil {
			return zero, 0, err
		}
		if ifMatch != 0 && ver != ifMatch {
			return zero, 0, problem.New(problem.PreconditionFailed, "%s is at version %d, your If-Match says %d: GET it again and reapply your change", a.Name, ver, ifMatch)
		}
		evs, err := fn(&v)
		if err != nil {
			return zero, 0, err
		}
		ok, err := a.write(ctx, c, id, ver, v, evs, nil)
		if err != nil {
			return zero, 0, err
		}
		if ok {
			return v, ver + 1, nil
		}
		if ifMatch != 0 {
			return zero, 0, problem.New(problem.PreconditionFailed, "%s was changed while you were updating it: GET it again and reapply your change", a.Name)
		}
	}
	return zero, 0, problem.New(problem.Conflict, "%s is being changed by others; retry", a.Name)
}

// Delete turns the aggregate into a tombstone carrying the deletion's events; reads no
// longer see it.
func (a Aggregates[T]) Delete(ctx context.Context, tenant, id string, ifMatch int64, fn func(T) ([]Event, error)) error {
	c, err := a.Coll(ctx, tenant)
	if err != nil {
		return err
	}
	v, ver, err := a.Get(ctx, tenant, id)
	if err != nil {
		return err
	}
	if ifMatch != 0 && ver != ifMatch {
		return problem.New(problem.PreconditionFailed, "%s is at version %d, your If-Match says %d", a.Name, ver, ifMatch)
	}
	evs, err := fn(v)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	ok, err := a.write(ctx, c, id, ver, v, evs, &now)
	if err != nil {
		return err
	}
	if !ok {
		return problem.New(problem.PreconditionFailed, "%s was changed while you were deleting it: GET it again", a.Name)
	}
	return nil
}

// write sets the aggregate's fields, bumps the version and appends the events, if the
// stored version is still ver. It reports false when it is not.
func (a Aggregates[T]) write(ctx context.Context, c *mongo.Collection, id string, ver int64, v T, evs []Event, deleted *time.Time) (bool, error) {
	d, err := docOf(v, ver+1, nil)
	if err != nil {
		return false, err
	}
	set := make(bson.D, 0, len(d)+1)
	for _, e := range d {
		if e.Key != "_id" {
			set = append(set, e)
		}
	}
	if deleted != nil {
		for i := range set {
			if set[i].Key == DeletedField {
				set[i].Value = deleted.Format(time.RFC3339Nano)
			}
		}
	}
	update := bson.D{{Key: "$set", Value: set}}
	if len(evs) > 0 {
		update = append(update, bson.E{Key: "$push", Value: bson.D{{Key: OutboxField, Value: bson.D{{Key: "$each", Value: evs}}}}})
	}
	res, err := c.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: VersionField, Value: ver}, {Key: DeletedField, Value: ""}}, update)
	if err != nil {
		// FerretDB reports a duplicate key caused by an update as code 1, not 11000.
		var ce mongo.CommandError
		if errors.As(err, &ce) && ce.Code == 1 && containsDuplicate(ce.Message) {
			return false, problem.Wrap(problem.Conflict, err, "%s conflicts with an existing one", a.Name)
		}
		return false, Err(err, a.Name)
	}
	if res.MatchedCount == 0 {
		return false, nil
	}
	if len(evs) > 0 {
		a.notify(c, id)
	}
	return true, nil
}

// List reads a page of live aggregates matching filter, in _id (creation) order.
func (a Aggregates[T]) List(ctx context.Context, tenant string, filter bson.D, cursor string, limit int) ([]T, string, error) {
	c, err := a.Coll(ctx, tenant)
	if err != nil {
		return nil, "", err
	}
	return Page[T](ctx, c, filter, cursor, limit)
}

// New is an aggregate to insert with its events.
type New[T any] struct {
	ID     string
	Value  T
	Events []Event
}

// InsertMany inserts new aggregates in batches (imports: 30,000 schools must not take
// 30,000 round trips). Each document still carries its own events. The relay is told once
// at the end, so that it does not compete with the import for the database meanwhile.
func (a Aggregates[T]) InsertMany(ctx context.Context, tenant string, items []New[T]) error {
	c, err := a.Coll(ctx, tenant)
	if err != nil {
		return err
	}
	const batch = 1000
	ids := make([]any, 0, len(items))
	defer func() { a.notify(c, ids...) }()
	for start := 0; start < len(items); start += batch {
		end := min(start+batch, len(items))
		docs := make([]any, 0, end-start)
		for _, it := range items[start:end] {
			d, err := docOf(it.Value, 1, it.Events)
			if err != nil {
				return err
			}
			docs = append(docs, d)
		}
		if _, err := c.InsertMany(ctx, docs); err != nil {
			return Err(err, a.Name)
		}
		for _, it := range items[start:end] {
			ids = append(ids, it.ID)
		}
	}
	return nil
}

// All reads every live aggregate matching filter (imports compare a file with what is stored).
func (a Aggregates[T]) All(ctx context.Context, tenant string, filter bson.D) ([]T, error) {
	c, err := a.Coll(ctx, tenant)
	if err != nil {
		return nil, err
	}
	res, err := c.Find(ctx, append(bson.D{{Key: DeletedField, Value: ""}}, filter...),
		options.Find().SetProjection(bson.D{{Key: OutboxField, Value: 0}}))
	if err != nil {
		return nil, Err(err, a.Name)
	}
	var out []T
	if err := res.All(ctx, &out); err != nil {
		return nil, Err(err, a.Name)
	}
	return out, nil
}

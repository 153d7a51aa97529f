// Package store keeps analytics' facts: the latest event per (type, subject) of each
// tenant, in its database l4l_analytics_<tenant>, collection facts. It also caches each
// tenant's read model between writes.
package store

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/services/analytics/internal/domain"
)

// Facts is the collection of facts.
const Facts = "facts"

// Indexes: facts are only ever read whole per tenant or by _id.
var Indexes = mongox.Indexes{}

// fact is a fact as stored. Data stays the publisher's JSON, untouched: how facts count
// is decided at query time, so changing a KPI's rule needs no rebuild.
type fact struct {
	Key     string    `bson:"_id"`
	Type    string    `bson:"type"`
	Subject string    `bson:"subject"`
	EventID string    `bson:"event_id"`
	Time    time.Time `bson:"time"`
	Data    string    `bson:"data"`
	// WrittenAt is when this replica stored the fact: a rebuild keeps facts written
	// after its replay began even if the replay did not see their events.
	WrittenAt time.Time `bson:"written_at"`
}

func toDoc(f domain.Fact) fact {
	return fact{Key: f.Key(), Type: f.Type, Subject: f.Subject, EventID: f.EventID, Time: f.Time.UTC().Truncate(time.Millisecond), Data: string(f.Data),
		WrittenAt: time.Now().UTC().Truncate(time.Millisecond)}
}

func (d fact) domain() domain.Fact {
	return domain.Fact{Type: d.Type, Subject: d.Subject, EventID: d.EventID, Time: d.Time.UTC(), Data: []byte(d.Data)}
}

// Store reads and writes facts.
type Store struct {
	Tenants *mongox.Tenants
	// Loc gives a tenant's time zone, for the read model's dates.
	Loc func(tenant string) *time.Location
	// MaxAge is how often a tenant's facts are read again from the database in the
	// background: another replica's consumers (or a rebuild) may have written meanwhile.
	// Writes through this Store reach the cached facts at once.
	MaxAge time.Duration

	mu    sync.Mutex
	cache map[string]*cached
}

// cached is a tenant's facts held in memory and the model built from them. Queries never
// wait for the database once the facts are loaded: a stale copy is served while a
// background reload runs, and a write through this Store updates the copy directly.
type cached struct {
	ready      chan struct{} // closed once the first load finished
	loadErr    error
	facts      map[string]domain.Fact
	model      *domain.Model // nil when facts changed since it was built
	loadedAt   time.Time
	refreshing bool
	// during holds the writes made while a reload runs, re-applied on its result.
	during map[string]domain.Fact
}

func (s *Store) coll(ctx context.Context, tenant string) (*mongo.Collection, error) {
	db, err := s.Tenants.DB(ctx, tenant)
	if err != nil {
		return nil, err
	}
	return db.Collection(Facts), nil
}

// newerThan matches a stored fact that f supersedes (the order of domain.Fact.Newer).
func newerThan(f fact) bson.D {
	return bson.D{{Key: "_id", Value: f.Key}, {Key: "$or", Value: bson.A{
		bson.D{{Key: "time", Value: bson.D{{Key: "$lt", Value: f.Time}}}},
		bson.D{{Key: "time", Value: f.Time}, {Key: "event_id", Value: bson.D{{Key: "$lt", Value: f.EventID}}}},
	}}}
}

// Put keeps f unless the store holds the same or a newer event of its type and subject:
// a conditional replacement, then an insert when there was nothing to replace. Redelivered,
// reordered and concurrent events therefore all end with the newest one kept.
func (s *Store) Put(ctx context.Context, tenant string, f domain.Fact) (bool, error) {
	c, err := s.coll(ctx, tenant)
	if err != nil {
		return false, err
	}
	changed, err := put(ctx, c, toDoc(f))
	if changed {
		s.remember(tenant, f)
	}
	return changed, err
}

func put(ctx context.Context, c *mongo.Collection, d fact) (bool, error) {
	// Twice at most: an insert that meets a duplicate key lost a race with a writer that
	// inserted first, possibly an older version; the second conditional replacement
	// decides against what that writer stored.
	for range 2 {
		res, err := c.ReplaceOne(ctx, newerThan(d), d)
		if err != nil {
			return false, mongox.Err(err, "fact")
		}
		if res.MatchedCount > 0 {
			return true, nil
		}
		_, err = c.InsertOne(ctx, d)
		if err == nil {
			return true, nil
		}
		if !mongo.IsDuplicateKeyError(err) {
			return false, mongox.Err(err, "fact")
		}
	}
	return false, nil // the same or a newer event is kept already
}

// All reads every fact of a tenant.
func (s *Store) All(ctx context.Context, tenant string) ([]domain.Fact, error) {
	c, err := s.coll(ctx, tenant)
	if err != nil {
		return nil, err
	}
	cur, err := c.Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, mongox.Err(err, "facts")
	}
	var docs []fact
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mongox.Err(err, "facts")
	}
	out := make([]domain.Fact, len(docs))
	for i, d := range docs {
		out[i] = d.domain()
	}
	return out, nil
}

// Replace makes the tenant's facts exactly facts (a rebuild): missing facts are inserted
// in bulk, stored ones the replay has a newer version of are replaced, facts the replay
// did not produce, and that were written before since (when the replay began), are
// deleted. What a live consumer writes meanwhile that is newer still
// wins (every replacement is conditional, and an insert that meets a key a consumer just
// wrote falls back to the conditional replacement). progress is told each fact done.
func (s *Store) Replace(ctx context.Context, tenant string, facts map[string]domain.Fact, since time.Time, progress func()) error {
	c, err := s.coll(ctx, tenant)
	if err != nil {
		return err
	}
	defer s.forget(tenant)
	cur, err := c.Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "time", Value: 1}, {Key: "event_id", Value: 1}, {Key: "written_at", Value: 1}}))
	if err != nil {
		return mongox.Err(err, "facts")
	}
	var stored []fact
	if err := cur.All(ctx, &stored); err != nil {
		return mongox.Err(err, "facts")
	}
	have := make(map[string]domain.Fact, len(stored))
	var stale bson.A
	for _, d := range stored {
		have[d.Key] = d.domain()
		if _, ok := facts[d.Key]; !ok && d.WrittenAt.Before(since) {
			stale = append(stale, d.Key)
		}
	}
	done := func(n int) {
		for range n {
			if progress != nil {
				progress()
			}
		}
	}
	var batch []any
	var batchKeys []string
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		_, err := c.InsertMany(ctx, batch, options.InsertMany().SetOrdered(false))
		if err != nil && !mongo.IsDuplicateKeyError(err) {
			return mongox.Err(err, "facts")
		}
		if err != nil { // some keys were written meanwhile: decide those one by one
			for _, k := range batchKeys {
				if _, err := put(ctx, c, toDoc(facts[k])); err != nil {
					return err
				}
			}
		}
		done(len(batch))
		batch, batchKeys = batch[:0], batchKeys[:0]
		return nil
	}
	for k, f := range facts {
		old, ok := have[k]
		switch {
		case !ok:
			batch, batchKeys = append(batch, toDoc(f)), append(batchKeys, k)
			if len(batch) == 1000 {
				if err := flush(); err != nil {
					return err
				}
			}
			continue
		case f.Newer(old):
			if _, err := put(ctx, c, toDoc(f)); err != nil {
				return err
			}
		}
		done(1)
	}
	if err := flush(); err != nil {
		return err
	}
	if len(stale) > 0 {
		if _, err := c.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: stale}}}}); err != nil {
			return mongox.Err(err, "facts")
		}
	}
	return nil
}

// Model is the tenant's read model, built from the cached facts (loaded on first use;
// reloaded in the background once older than MaxAge).
func (s *Store) Model(ctx context.Context, tenant string) (*domain.Model, error) {
	s.mu.Lock()
	if s.cache == nil {
		s.cache = map[string]*cached{}
	}
	c, ok := s.cache[tenant]
	if !ok {
		c = &cached{ready: make(chan struct{}), during: map[string]domain.Fact{}}
		s.cache[tenant] = c
		s.mu.Unlock()
		facts, err := s.load(ctx, tenant)
		s.mu.Lock()
		if err != nil {
			c.loadErr = err
			delete(s.cache, tenant) // the next query tries again
		} else {
			c.adopt(facts)
		}
		close(c.ready)
	}
	s.mu.Unlock()
	select {
	case <-c.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.loadErr != nil {
		return nil, c.loadErr
	}
	if time.Since(c.loadedAt) > s.MaxAge && !c.refreshing {
		c.refreshing, c.during = true, map[string]domain.Fact{}
		go s.reload(tenant, c)
	}
	if c.model == nil {
		c.model = domain.Build(slices.Collect(maps.Values(c.facts)), s.loc(tenant))
	}
	return c.model, nil
}

func (s *Store) loc(tenant string) *time.Location {
	if s.Loc != nil {
		return s.Loc(tenant)
	}
	return time.UTC
}

func (s *Store) load(ctx context.Context, tenant string) (map[string]domain.Fact, error) {
	all, err := s.All(ctx, tenant)
	if err != nil {
		return nil, err
	}
	out := make(map[string]domain.Fact, len(all))
	for _, f := range all {
		out[f.Key()] = f
	}
	return out, nil
}

func (s *Store) reload(tenant string, c *cached) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	facts, err := s.load(ctx, tenant)
	s.mu.Lock()
	defer s.mu.Unlock()
	c.refreshing = false
	if err != nil {
		return // keep serving what we have; the next query tries again
	}
	c.adopt(facts)
}

// adopt makes freshly loaded facts current, with the writes made while they were read.
func (c *cached) adopt(facts map[string]domain.Fact) {
	for k, f := range c.during {
		if old, ok := facts[k]; !ok || f.Newer(old) {
			facts[k] = f
		}
	}
	c.facts, c.model, c.loadedAt, c.during = facts, nil, time.Now(), nil
}

// remember applies a write to the cached facts.
func (s *Store) remember(tenant string, f domain.Fact) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.cache[tenant]
	if !ok {
		return // not loaded: the first query reads it
	}
	if c.during != nil { // a load is running: it may have read past this write
		c.during[f.Key()] = f
	}
	if c.facts == nil {
		return
	}
	if old, ok := c.facts[f.Key()]; !ok || f.Newer(old) {
		c.facts[f.Key()] = f
		c.model = nil
	}
}

// forget drops a tenant's cached facts (after a rebuild through this Store).
func (s *Store) forget(tenant string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.cache, tenant)
}

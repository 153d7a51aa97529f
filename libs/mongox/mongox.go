// Package mongox holds the MongoDB conventions every service shares: connecting, one
// database per (service, tenant) with its indexes, error classification, versioned
// aggregates with an outbox, and cursor pagination.
//
// It uses only what real MongoDB and FerretDB 1.24 both do correctly (DESIGN.md §3): CRUD,
// $set/$inc/$push, unique and compound indexes, no transactions.
package mongox

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"github.com/l4l-platform/l4l/libs/problem"
)

// Connect opens a client. Server selection is kept short so that a request made while the
// database is down fails within seconds with 503 instead of hanging for the 30 s default.
func Connect(uri string) (*mongo.Client, error) {
	c, err := mongo.Connect(options.Client().
		SetServerSelectionTimeout(3 * time.Second).
		SetConnectTimeout(3 * time.Second).
		ApplyURI(uri))
	if err != nil {
		return nil, fmt.Errorf("mongodb: %w", err)
	}
	return c, nil
}

// Ping is the readiness check of a client.
func Ping(c *mongo.Client) func(ctx context.Context) error {
	return func(ctx context.Context) error { return c.Ping(ctx, readpref.Primary()) }
}

// DBName is the database of one service's data for one tenant: l4l_<service>_<tenant>,
// dashes turned into underscores (FerretDB and MongoDB both accept [A-Za-z0-9_]).
func DBName(service, tenant string) string {
	return "l4l_" + service + "_" + strings.ReplaceAll(tenant, "-", "_")
}

// Indexes declares a service's indexes, per collection.
type Indexes map[string][]mongo.IndexModel

// Tenants hands out tenant databases with their indexes in place.
type Tenants struct {
	client  *mongo.Client
	service string
	indexes Indexes
	ready   sync.Map // tenant → struct{}
	opening sync.Mutex
	// OnOpen, when set, is called once per tenant database, when first used (the outbox
	// relay starts watching its collections).
	OnOpen func(db *mongo.Database)
}

// NewTenants prepares tenant databases of service.
func NewTenants(c *mongo.Client, service string, idx Indexes) *Tenants {
	return &Tenants{client: c, service: service, indexes: idx}
}

// Client is the underlying client.
func (t *Tenants) Client() *mongo.Client { return t.client }

// DB returns the tenant's database, applying the index declarations on first use (they are
// idempotent, and also applied at start for the tenants known then). First uses are
// serialised: FerretDB drops the connection when two clients create one collection's
// indexes at once (a consumer's first event racing a tenant's first request did).
func (t *Tenants) DB(ctx context.Context, tenant string) (*mongo.Database, error) {
	db := t.client.Database(DBName(t.service, tenant))
	if _, ok := t.ready.Load(tenant); ok {
		return db, nil
	}
	t.opening.Lock()
	defer t.opening.Unlock()
	if _, ok := t.ready.Load(tenant); ok {
		return db, nil
	}
	for coll, models := range t.indexes {
		if err := ensureIndexes(ctx, db.Collection(coll), models); err != nil {
			return nil, Err(err, "create indexes of "+coll)
		}
	}
	if _, loaded := t.ready.LoadOrStore(tenant, struct{}{}); !loaded && t.OnOpen != nil {
		t.OnOpen(db)
	}
	return db, nil
}

// ensureIndexes creates the missing indexes one at a time. FerretDB 1.24's createIndexes
// panics and drops the connection when two or more of the indexes it is asked for already
// exist, which every restart of a service would do with one CreateMany.
func ensureIndexes(ctx context.Context, c *mongo.Collection, models []mongo.IndexModel) error {
	if len(models) == 0 {
		return nil
	}
	specs, err := c.Indexes().ListSpecifications(ctx)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, s := range specs {
		have[s.Name] = true
	}
	for _, m := range models {
		if have[indexName(m)] {
			continue
		}
		if _, err := c.Indexes().CreateOne(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// indexName is the name MongoDB gives an index: its keys and directions joined by "_"
// ("code_1_deleted_1"), unless the model names it.
func indexName(m mongo.IndexModel) string {
	if m.Options != nil {
		var o options.IndexOptions
		for _, set := range m.Options.List() {
			_ = set(&o)
		}
		if o.Name != nil {
			return *o.Name
		}
	}
	var parts []string
	if keys, ok := m.Keys.(bson.D); ok {
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s_%v", k.Key, k.Value))
		}
	}
	return strings.Join(parts, "_")
}

// Existing lists the tenants that have a database of this service, so that work left in
// their outboxes is found after a restart.
func (t *Tenants) Existing(ctx context.Context) ([]string, error) {
	names, err := t.client.ListDatabaseNames(ctx, bson.D{})
	if err != nil {
		return nil, Err(err, "databases")
	}
	prefix := "l4l_" + t.service + "_"
	var out []string
	for _, n := range names {
		if rest, ok := strings.CutPrefix(n, prefix); ok {
			// Tenant codes are slugs of [a-z0-9-], so the mapping back is exact.
			out = append(out, strings.ReplaceAll(rest, "_", "-"))
		}
	}
	return out, nil
}

// Err classifies a driver error for the caller: missing → 404, duplicate key → 409, the
// database unreachable (or its connection pool cleared after a failure) → 503; anything else stays internal (a generic 500, logged).
func Err(err error, what string) error {
	var sse topology.ServerSelectionError
	var pool driver.RetryablePoolError
	switch {
	case err == nil:
		return nil
	case problem.KindOf(err) != problem.Internal:
		return err
	case errors.Is(err, mongo.ErrNoDocuments):
		return problem.New(problem.NotFound, "%s not found", what)
	case mongo.IsDuplicateKeyError(err):
		return problem.Wrap(problem.Conflict, err, "%s already exists", what)
	case errors.As(err, &sse), errors.As(err, &pool), mongo.IsNetworkError(err), mongo.IsTimeout(err),
		errors.Is(err, mongo.ErrClientDisconnected), errors.Is(err, context.DeadlineExceeded):
		return problem.Wrap(problem.Unavailable, err, "the database is unavailable; retry shortly")
	}
	return fmt.Errorf("mongodb: %s: %w", what, err)
}

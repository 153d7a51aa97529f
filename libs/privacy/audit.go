// Package privacy holds what every service does for personal-data protection (Rwanda's
// Law 058/2021, Kenya's Data Protection Act 2019): the audit trail of who did what to
// which record. It knows no business rule: a service only marks, in its OpenAPI document,
// which of its reads return a person's record (`x-l4l-personal-data: true`); every write
// is audited anyway.
package privacy

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/l4l-platform/l4l/libs/auth"
	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/web"
)

// AuditCollection holds a tenant's audit entries, in each service's tenant database.
const AuditCollection = "audit_entries"

// PersonalDataExtension marks an OpenAPI operation whose answer holds a person's record.
const PersonalDataExtension = "x-l4l-personal-data"

// Entry is one audited request. It never holds a body, a query string or a header: only
// who, what (route template and the ids in the path), when, from where, and the outcome.
type Entry struct {
	ID        string            `bson:"_id" json:"id"`
	Time      time.Time         `bson:"time" json:"time"`
	Subject   string            `bson:"subject" json:"subject"`
	Roles     []string          `bson:"roles" json:"roles"`
	Unit      string            `bson:"unit,omitempty" json:"unit,omitempty"`
	Method    string            `bson:"method" json:"method"`
	Route     string            `bson:"route" json:"route"`
	Resources map[string]string `bson:"resources,omitempty" json:"resources,omitempty"`
	// ResourceIDs are Resources' values and Created, for the ?resource= filter.
	ResourceIDs []string `bson:"resource_ids,omitempty" json:"-"`
	// Created is the id of the record a successful POST created (from its Location).
	Created   string `bson:"created,omitempty" json:"created,omitempty"`
	RequestID string `bson:"request_id" json:"request_id"`
	Status    int    `bson:"status" json:"status"`
	// Outcome is "ok" (2xx/3xx), "refused" (4xx) or "failed" (5xx).
	Outcome string `bson:"outcome" json:"outcome"`
	// Deleted is always "": entries are never deleted through the API (only retention
	// removes them); the field lets them be paged like every other record (mongox.Page).
	Deleted string `bson:"deleted" json:"-"`
}

// TenantResolver says which served tenant a request is about, once the service's tenant
// guard has resolved it (false: not a tenant route, or refused before reaching one).
type TenantResolver func(c *gin.Context) (string, bool)

// Trail records audit entries, buffered and written per tenant with one InsertMany at
// least every FlushInterval, so that auditing costs a request no database round trip.
type Trail struct {
	tenants  *mongox.Tenants
	resolve  TenantResolver
	personal map[string]bool // "GET /v1/tenants/*/people/*"
	logger   *slog.Logger
	interval time.Duration

	mu      sync.Mutex
	pending map[string][]any // tenant → entries
	wake    chan struct{}

	written, dropped prometheus.Counter
}

// TrailOptions configure a Trail.
type TrailOptions struct {
	// OpenAPI is the service's document: operations marked with PersonalDataExtension have
	// their reads audited.
	OpenAPI       []byte
	Resolve       TenantResolver
	Logger        *slog.Logger
	Registerer    prometheus.Registerer
	FlushInterval time.Duration // default 1 s
}

// NewTrail prepares the audit trail of one service.
func NewTrail(tenants *mongox.Tenants, o TrailOptions) (*Trail, error) {
	personal, err := personalOperations(o.OpenAPI)
	if err != nil {
		return nil, err
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	t := &Trail{tenants: tenants, resolve: o.Resolve, personal: personal, logger: o.Logger, interval: o.FlushInterval,
		pending: map[string][]any{}, wake: make(chan struct{}, 1),
		written: prometheus.NewCounter(prometheus.CounterOpts{Name: "l4l_audit_entries_written_total", Help: "Audit entries written to the trail."}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{Name: "l4l_audit_entries_dropped_total", Help: "Audit entries that could not be written (database down past the retries)."}),
	}
	if o.Registerer != nil {
		o.Registerer.MustRegister(t.written, t.dropped)
	}
	return t, nil
}

// Indexes are the trail's indexes, to add to a service's declarations.
var Indexes = mongox.Indexes{
	AuditCollection: {
		{Keys: bson.D{{Key: "subject", Value: 1}, {Key: "_id", Value: 1}}},
		{Keys: bson.D{{Key: "time", Value: 1}}},
		{Keys: bson.D{{Key: "resource_ids", Value: 1}}},
	},
}

// routeKey matches an OpenAPI path with the gin route template serving it.
func routeKey(method, route string) string { return web.RouteKey(method, route) }

func personalOperations(doc []byte) (map[string]bool, error) {
	out := map[string]bool{}
	if len(doc) == 0 {
		return out, nil
	}
	d, err := openapi3.NewLoader().LoadFromData(doc)
	if err != nil {
		return nil, err
	}
	for _, path := range d.Paths.InMatchingOrder() {
		for method, op := range d.Paths.Value(path).Operations() {
			if v, ok := op.Extensions[PersonalDataExtension]; ok && v == true {
				out[routeKey(method, path)] = true
			}
		}
	}
	return out, nil
}

// Middleware records the request once it has been answered: every write, and every read
// of an operation marked as returning personal data. Requests refused before their
// tenant was resolved (no token, another district's token) are not written to any
// tenant's trail: the access log and the 401/403 metrics show them.
func (t *Trail) Middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Next()
		tenant, ok := t.resolve(c)
		if !ok {
			return
		}
		method := c.Request.Method
		route := c.FullPath()
		if route == "" || (!isWrite(method) && !t.personal[routeKey(method, route)]) {
			return
		}
		p := auth.From(c)
		status := c.Writer.Status()
		e := Entry{
			ID: uuid.Must(uuid.NewV7()).String(), Time: time.Now().UTC(),
			Subject: p.Subject, Roles: p.Roles, Unit: p.Unit, Method: method, Route: route,
			RequestID: web.RequestID(c), Status: status, Outcome: outcome(status),
		}
		for _, prm := range c.Params {
			if prm.Key == "tenant" {
				continue
			}
			if e.Resources == nil {
				e.Resources = map[string]string{}
			}
			e.Resources[prm.Key] = prm.Value
			e.ResourceIDs = append(e.ResourceIDs, prm.Value)
		}
		if loc := c.Writer.Header().Get("Location"); method == http.MethodPost && status < 300 && loc != "" {
			e.Created = loc[strings.LastIndex(loc, "/")+1:]
			e.ResourceIDs = append(e.ResourceIDs, e.Created)
		}
		t.add(tenant, e)
	}
}

func isWrite(m string) bool {
	return m == http.MethodPost || m == http.MethodPut || m == http.MethodPatch || m == http.MethodDelete
}

func outcome(status int) string {
	switch {
	case status >= 500:
		return "failed"
	case status >= 400:
		return "refused"
	}
	return "ok"
}

func (t *Trail) add(tenant string, e Entry) {
	t.mu.Lock()
	t.pending[tenant] = append(t.pending[tenant], e)
	n := len(t.pending[tenant])
	t.mu.Unlock()
	if n >= 500 {
		select {
		case t.wake <- struct{}{}:
		default:
		}
	}
}

// Run writes buffered entries until ctx ends, then writes what is left.
func (t *Trail) Run(ctx context.Context) {
	tick := time.NewTicker(t.interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			flushCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			t.Flush(flushCtx)
			cancel()
			return
		case <-tick.C:
		case <-t.wake:
		}
		t.Flush(ctx)
	}
}

// Flush writes every buffered entry now. Entries a database outage keeps from being
// written stay buffered for the next flush (up to a bound, past which they are counted
// as dropped and logged: an audit trail must not take the service down with it).
func (t *Trail) Flush(ctx context.Context) {
	t.mu.Lock()
	batch := t.pending
	t.pending = map[string][]any{}
	t.mu.Unlock()
	for tenant, entries := range batch {
		db, err := t.tenants.DB(ctx, tenant)
		if err == nil {
			_, err = db.Collection(AuditCollection).InsertMany(ctx, entries, options.InsertMany().SetOrdered(false))
		}
		if err == nil || mongo.IsDuplicateKeyError(err) {
			t.written.Add(float64(len(entries)))
			continue
		}
		t.mu.Lock()
		kept := append(entries, t.pending[tenant]...)
		if len(kept) > maxBuffered {
			t.dropped.Add(float64(len(kept) - maxBuffered))
			t.logger.Error("audit entries dropped: the database refused them for too long", "tenant", tenant, "dropped", len(kept)-maxBuffered, "error", err)
			kept = kept[len(kept)-maxBuffered:]
		}
		t.pending[tenant] = kept
		t.mu.Unlock()
	}
}

// maxBuffered bounds the entries held per tenant while the database is down.
const maxBuffered = 100_000

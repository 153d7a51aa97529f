// Package analytics is the analytics service: read models built only from the other
// services' events (the latest event per type and subject, kept as a fact), the
// programme's KPIs computed from them per tenant, sector, school and period, the national
// roll-up, Prometheus gauges of the KPIs, a dashboard page, and a rebuild from the topics.
// It publishes nothing.
package analytics

import (
	_ "embed"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/libs/service"
	analyticsevents "github.com/l4l-platform/l4l/services/analytics/internal/events"
	"github.com/l4l-platform/l4l/services/analytics/internal/http"
	"github.com/l4l-platform/l4l/services/analytics/internal/store"
)

// Name is the service's name: its databases are l4l_analytics_<tenant>.
const Name = "analytics"

// Publishers are the services whose topics analytics reads, each with its own consumer
// group (analytics-<publisher>), so a slow or failing topic holds up no other.
var Publishers = []string{"directory", "recruitment", "plc", "coaching", "accreditation"}

// OpenAPI is the service's contract.
//
//go:embed api/openapi.yaml
var OpenAPI []byte

func now() time.Time { return time.Now().UTC() }

// CacheAge is how often a tenant's facts are read again from the database in the
// background: what another replica's consumers or a rebuild wrote shows within it
// (writes through this replica show at once).
const CacheAge = 15 * time.Second

// stores gives the routes, the consumers and the gauges of one running service the same
// store, so that a consumer's write invalidates the model the routes cached.
var stores sync.Map // *service.Deps → *store.Store

func storeOf(d *service.Deps) *store.Store {
	if s, ok := stores.Load(d); ok {
		return s.(*store.Store)
	}
	s, _ := stores.LoadOrStore(d, newStore(d.Tenants, d.Profiles))
	return s.(*store.Store)
}

func newStore(t *mongox.Tenants, profiles *profile.Registry) *store.Store {
	return &store.Store{Tenants: t, MaxAge: CacheAge, Loc: func(tenant string) *time.Location {
		if x, _, ok := profiles.Tenant(tenant); ok {
			return x.Location()
		}
		return time.UTC
	}}
}

// Definition wires the analytics service into the shared service shape.
var Definition = service.Definition{
	Name:    Name,
	OpenAPI: OpenAPI,
	Indexes: store.Indexes,
	Routes: func(d *service.Deps, v1 *gin.RouterGroup) error {
		s := storeOf(d)
		api := &http.API{Store: s, Profiles: d.Profiles, Now: now}
		api.Register(v1, d.Server.Engine)
		return d.Metrics.Register(&Gauges{Store: s, Profiles: d.Profiles, Now: now})
	},
	Subscriptions: subscriptions(),
}

func subscriptions() []service.Subscription {
	var out []service.Subscription
	for _, p := range Publishers {
		out = append(out, service.Subscription{
			Name:   p,
			Topics: []string{events.Topic(p)},
			Handler: func(d *service.Deps) events.Handler {
				return (&analyticsevents.Facts{Store: storeOf(d), Profiles: d.Profiles}).Handle
			},
		})
	}
	return out
}

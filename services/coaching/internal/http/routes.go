// Package http is the coaching service's REST API: decode, authorize, call the domain,
// store, encode. Who may call what is stated here, where each route is registered; the
// finer rules (only the coach logs a session, only a coach, SEO or field staff rates) are
// the domain's and the handlers'.
//
// A token's subject is the caller's person id in the directory.
package http

import (
	"context"
	nethttp "net/http"
	"time"

	"github.com/gin-gonic/gin"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/l4l-platform/l4l/libs/auth"
	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/libs/service"
	"github.com/l4l-platform/l4l/libs/web"
	"github.com/l4l-platform/l4l/services/coaching/internal/domain"
	"github.com/l4l-platform/l4l/services/coaching/internal/store"
)

// Roles with rights beyond their own records. The DEO and SEO keep the district's and
// sector's coaching relationships; only the DEO overrides a caseload limit.
var (
	editors = []string{"deo", "seo", "admin"}
	deo     = "deo"
	// Staff who rate head teachers and observe lessons without coaching them.
	seo        = "seo"
	fieldStaff = "field_staff"
)

// API holds what the handlers need.
type API struct {
	Store    *store.Store
	Profiles *profile.Registry
	Now      func() time.Time
	// FeedLag keeps the change feed this far behind now, so that a write given its
	// change position just before another but committed just after it is not skipped.
	FeedLag time.Duration
}

// Register adds the routes to v1 (which already verifies the bearer token).
func (a *API) Register(v1 *gin.RouterGroup) {
	t := v1.Group("/tenants/:tenant", service.TenantMiddleware(a.Profiles, a.Store.Tenants), a.openTenant)
	idem := service.Idempotency(a.Store.Tenants)

	t.GET("/relationships", web.Handle(a.listRelationships))
	t.POST("/relationships", auth.Allow(editors...), idem, web.Handle(a.createRelationship))
	t.POST("/relationships/reconcile", auth.Allow(editors...), web.Handle(a.reconcile))
	t.GET("/relationships/:id", web.Handle(a.getRelationship))
	t.PUT("/relationships/:id", auth.Allow(editors...), web.Handle(a.endRelationship))
	t.GET("/relationships/:id/actions", web.Handle(a.listActions))

	// Logging, rating and observing are open to every token of the tenant; the handlers
	// check that the caller is the coach, the head teacher, an SEO or field staff.
	t.GET("/coaching-sessions", web.Handle(a.listSessions))
	t.POST("/coaching-sessions", idem, web.Handle(a.createSession))
	t.GET("/coaching-sessions/:id", web.Handle(a.getSession))

	t.GET("/ratings", web.Handle(a.listRatings))
	t.POST("/ratings", idem, web.Handle(a.createRating))
	t.GET("/ratings/:id", web.Handle(a.getRating))
	t.GET("/head-teachers/:id/standards", web.Handle(a.standards))

	t.GET("/observations", web.Handle(a.listObservations))
	t.POST("/observations", idem, web.Handle(a.createObservation))
	t.GET("/observations/:id", web.Handle(a.getObservation))

	a.registerPlans(t, idem)

	t.GET("/visit-rhythm", web.Handle(a.visitRhythm))
	t.POST("/sync", idem, web.Handle(a.sync))
	t.GET("/changes", web.Handle(a.changes))
}

// openTenant finishes, once per tenant and process, uploads an earlier run left pending
// (service.TenantMiddleware has authorized the tenant and prepared its database).
func (a *API) openTenant(c *gin.Context) {
	if err := a.Store.Open(c.Request.Context(), c.Param("tenant")); err != nil {
		web.Fail(c, err)
		return
	}
	c.Next()
}

func tenantOf(c *gin.Context) domain.Tenant {
	t := service.TenantOf(c)
	return domain.Tenant{Code: t.Code, Profile: t.Profile}
}

// scope filters records to what the caller may see: all of the tenant for a tenant-wide
// token; for a token narrowed to a unit (a sector, a school), the records of that unit
// and those the caller is party to (their own coaching, ratings, observations).
func scope(c *gin.Context) bson.D {
	p := auth.From(c)
	if p.Unit == "" {
		return nil
	}
	return bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "units", Value: p.Unit}},
		bson.D{{Key: "parties", Value: p.Subject}},
	}}}
}

// visible reports whether a record with units and parties is in the caller's scope.
func visible(c *gin.Context, units, parties []string) bool {
	return visible0(auth.From(c), units, parties)
}

func notFound(what string) error { return problem.New(problem.NotFound, "%s not found", what) }

// filters turns the listed query parameters into equality filters.
func filters(c *gin.Context, params ...string) bson.D {
	var f bson.D
	for _, q := range params {
		if v := c.Query(q); v != "" {
			key := q
			if q == "unit" {
				key = "units"
			}
			f = append(f, bson.E{Key: key, Value: v})
		}
	}
	return f
}

// getVisible answers the GET of one record: 404 unless the caller's scope covers one of its
// units or the caller is one of its parties; its version as ETag.
func getVisible[T any](c *gin.Context, get func(ctx context.Context, tenant, id string) (T, int64, error), what string,
	scopeOf func(*T) (units, parties []string)) error {
	x, ver, err := get(c.Request.Context(), tenantOf(c).Code, c.Param("id"))
	if err != nil {
		return err
	}
	if units, parties := scopeOf(&x); !visible(c, units, parties) {
		return notFound(what)
	}
	c.Header("ETag", web.ETag(ver))
	return web.JSON(c, nethttp.StatusOK, x)
}

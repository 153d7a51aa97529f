// Package http is analytics' REST API and dashboard: decode, authorize, compute the KPIs
// from the tenant's read model, encode (JSON or CSV). Who may call what is stated where
// each route is registered.
package http

import (
	_ "embed"
	nethttp "net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/l4l-platform/l4l/libs/auth"
	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/libs/service"
	"github.com/l4l-platform/l4l/libs/web"
	"github.com/l4l-platform/l4l/services/analytics/internal/store"
)

// Who reads KPIs: the district's and the sectors' staff, leaders of learning and the
// national roles (across the shipped profiles, as in the other services). A token
// narrowed to a unit sees that unit's figures only. Head teachers are not readers: the
// figures describe their peers.
var (
	readers  = []string{"deo", "cde", "scde", "admin", "lll", "nll", "seo", "lead_ht", "cso", "sla", "analyst", "field_staff"}
	national = []string{"analyst", "sla", "admin"}
)

// API holds what the handlers need.
type API struct {
	Store    *store.Store
	Profiles *profile.Registry
	Now      func() time.Time
	// Chromium finds the browser that prints PDFs (default report.Chromium).
	Chromium func() (string, error)

	memo memo
}

//go:embed dashboard.html
var dashboard []byte

// Register adds the routes to v1 (which verifies the bearer token) and the dashboard page
// to public: the page itself holds no data, it calls the API with the caller's token.
func (a *API) Register(v1 *gin.RouterGroup, public gin.IRoutes) {
	t := v1.Group("/tenants/:tenant", service.TenantMiddleware(a.Profiles, a.Store.Tenants))
	t.GET("/kpis", auth.Allow(readers...), web.Handle(a.tenantKPIs))
	t.GET("/kpis/league", auth.Allow(readers...), web.Handle(a.league))
	v1.GET("/countries/:country/kpis", auth.Allow(national...), web.Handle(a.countryKPIs))
	t.GET("/reports/quarterly", auth.Allow(readers...), web.Handle(a.tenantReport))
	v1.GET("/countries/:country/reports/quarterly", auth.Allow(national...), web.Handle(a.countryReport))

	public.GET("/dashboard", func(c *gin.Context) {
		// No external assets, no inline handlers: a strict policy the page is written for.
		c.Header("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:")
		c.Header("Cache-Control", "no-store")
		c.Data(nethttp.StatusOK, "text/html; charset=utf-8", dashboard)
	})
}

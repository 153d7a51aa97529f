// Package http is the PLC service's REST API: decode, authorize, call the domain, store,
// encode. Who may call what is stated here, where each route is registered.
package http

import (
	"log/slog"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/l4l-platform/l4l/libs/auth"
	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/libs/service"
	"github.com/l4l-platform/l4l/libs/web"
	"github.com/l4l-platform/l4l/services/plc/internal/domain"
	"github.com/l4l-platform/l4l/services/plc/internal/events"
	"github.com/l4l-platform/l4l/services/plc/internal/store"
)

// Roles with rights beyond reading, across the shipped profiles (Rwanda's DEO, Kenya's
// county and sub-county directors plan; leaders of learning and officers who run PLCs
// reschedule and record them). "admin" is the ministry's platform administrator.
var (
	planners  = []string{"deo", "cde", "scde", "admin"}
	runners   = append([]string{"lll", "nll", "seo", "lead_ht", "cso"}, planners...)
	staff     = append([]string{"sla", "analyst", "field_staff"}, runners...)
	everybody = append([]string{"ht"}, staff...)
)

// API holds what the handlers need.
type API struct {
	Store    *store.Store
	Groups   *events.Groups
	Profiles *profile.Registry
	Rules    domain.Rules
	Logger   *slog.Logger
	Now      func() time.Time
}

// Register adds the routes to v1 (which verifies the bearer token) and the calendar feed
// route, which calendar clients poll with a secret URL instead of a token, to public.
func (a *API) Register(v1 *gin.RouterGroup, public gin.IRoutes) {
	t := v1.Group("/tenants/:tenant", service.TenantMiddleware(a.Profiles, a.Store.Tenants))
	idem := service.Idempotency(a.Store.Tenants)

	t.GET("/groups", auth.Allow(everybody...), web.Handle(a.listGroups))
	t.POST("/groups/refresh", auth.Allow(planners...), idem, web.Handle(a.refreshGroups))
	t.GET("/groups/:id", auth.Allow(everybody...), web.Handle(a.getGroup))
	t.PUT("/groups/:id/hosting", auth.Allow(planners...), web.Handle(a.putHosting))
	t.GET("/groups/:id/attendance", auth.Allow(staff...), web.Handle(a.groupAttendance))
	t.GET("/groups/:id/calendar.ics", auth.Allow(everybody...), web.Handle(a.groupCalendar))

	t.POST("/schedules", auth.Allow(planners...), idem, web.Handle(a.schedule))

	t.GET("/sessions", auth.Allow(everybody...), web.Handle(a.listSessions))
	t.GET("/sessions/:id", auth.Allow(everybody...), web.Handle(a.getSession))
	t.PUT("/sessions/:id", auth.Allow(runners...), web.Handle(a.changeSession))
	t.PUT("/sessions/:id/record", auth.Allow(runners...), web.Handle(a.recordSession))
	t.POST("/session-records", auth.Allow(runners...), idem, web.Handle(a.recordBatch))

	t.GET("/actions", auth.Allow(staff...), web.Handle(a.listActions))

	t.GET("/people/:person/sessions", auth.Allow(everybody...), web.Handle(a.personSessions))
	t.GET("/people/:person/attendance", auth.Allow(staff...), web.Handle(a.personAttendance))
	t.GET("/people/:person/calendar.ics", auth.Allow(everybody...), web.Handle(a.personCalendar))

	t.POST("/calendar-subscriptions", auth.Allow(everybody...), idem, web.Handle(a.createFeed))
	t.DELETE("/calendar-subscriptions/:id", auth.Allow(everybody...), web.Handle(a.deleteFeed))

	public.GET("/calendar/:token", web.Handle(a.feed))
}

func tenantOf(c *gin.Context) domain.Tenant {
	t := service.TenantOf(c)
	return domain.Tenant{Code: t.Code, Profile: t.Profile}
}

// unitsOf are the units a group's data belongs to: its unit, the units inside it and its
// schools. A token narrowed to any of them (an SEO's sector, a head teacher's school) may
// read the group.
func unitsOf(t domain.Tenant, g domain.Group) []string {
	out := []string{g.Unit}
	below := false
	for _, l := range t.Profile.Spec().Geography.Levels {
		if below {
			for _, u := range t.Profile.UnitsUnder(g.Unit, l.Key) {
				out = append(out, u.Code)
			}
		}
		if u, ok := t.Profile.Unit(g.Unit); ok && u.Level == l.Key {
			below = true
		}
	}
	return append(out, g.Schools...)
}

// canRead authorizes reading a group's data.
func canRead(c *gin.Context, t domain.Tenant, g domain.Group) error {
	return auth.Unit(c, t.Code, unitsOf(t, g)...)
}

// canRun authorizes changing a group's sessions: a token narrowed to a unit must be
// narrowed to the group's own unit (the sector's LLL and SEO for a sector PLC).
func canRun(c *gin.Context, t domain.Tenant, g domain.Group) error {
	if err := auth.Unit(c, t.Code, unitsOf(t, g)...); err != nil {
		return err
	}
	if p := auth.From(c); p.Unit != "" && p.Unit != g.Unit {
		return problem.New(problem.Forbidden, "your token is narrowed to %s; this %s belongs to %s", p.Unit, g.Kind, g.Unit)
	}
	return nil
}

func (a *API) today(t domain.Tenant) string { return t.Profile.Date(a.Now()) }

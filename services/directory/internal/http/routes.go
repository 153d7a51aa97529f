// Package http is the directory's REST API: decode, authorize, call the domain, store,
// encode. Who may call what is stated here, where each route is registered.
package http

import (
	"time"

	"github.com/gin-gonic/gin"

	"github.com/l4l-platform/l4l/libs/auth"
	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/libs/service"
	"github.com/l4l-platform/l4l/libs/web"
	"github.com/l4l-platform/l4l/services/directory/internal/domain"
	"github.com/l4l-platform/l4l/services/directory/internal/store"
)

// Roles with rights beyond reading. The DEO keeps the district's directory; "admin" is the
// ministry's platform administrator. Everyone whose token covers the tenant may read
// schools and units; people and role assignments (personal data) are for district staff.
var (
	editors     = []string{"deo", "admin"}
	staffRoles  = []string{"deo", "seo", "admin", "sla", "analyst", "field_staff", "cde", "scde", "cso"}
	importLimit = int64(64 << 20)
)

// API holds what the handlers need.
type API struct {
	Store    *store.Store
	Profiles *profile.Registry
	Now      func() time.Time
}

// Register adds the routes to v1 (which already verifies the bearer token) and raises the
// body limit of the import routes.
func (a *API) Register(v1 *gin.RouterGroup, allowLarge func(route string, limit int64)) {
	t := v1.Group("/tenants/:tenant", service.TenantMiddleware(a.Profiles, a.Store.Schools.Tenants))
	idem := service.Idempotency(a.Store.Schools.Tenants)

	t.GET("/units", web.Handle(a.listUnits))
	t.GET("/units/:code", web.Handle(a.getUnit))

	t.GET("/schools", web.Handle(a.listSchools))
	t.POST("/schools", auth.Allow(editors...), idem, web.Handle(a.createSchool))
	t.GET("/schools/:id", web.Handle(a.getSchool))
	t.PUT("/schools/:id", auth.Allow(editors...), web.Handle(a.updateSchool))
	t.DELETE("/schools/:id", auth.Allow(editors...), web.Handle(a.deleteSchool))

	t.GET("/people", auth.Allow(staffRoles...), web.Handle(a.listPeople))
	t.POST("/people", auth.Allow(editors...), idem, web.Handle(a.createPerson))
	t.GET("/people/:id", auth.Allow(staffRoles...), web.Handle(a.getPerson))
	t.PUT("/people/:id", auth.Allow(editors...), web.Handle(a.updatePerson))
	t.DELETE("/people/:id", auth.Allow(editors...), web.Handle(a.deletePerson))

	t.GET("/role-assignments", auth.Allow(staffRoles...), web.Handle(a.listRoles))
	t.POST("/role-assignments", auth.Allow(editors...), idem, web.Handle(a.createRole))
	t.GET("/role-assignments/:id", auth.Allow(staffRoles...), web.Handle(a.getRole))
	t.PUT("/role-assignments/:id", auth.Allow(editors...), web.Handle(a.updateRole))
	t.DELETE("/role-assignments/:id", auth.Allow(editors...), web.Handle(a.deleteRole))

	a.registerPrivacy(t, idem)

	for _, kind := range []string{"schools", "head-teachers", "oneroster"} {
		route := "/imports/" + kind
		t.POST(route, auth.Allow(editors...), web.Handle(a.importer(kind)))
		allowLarge(t.BasePath()+route, importLimit)
	}
}

func tenantOf(c *gin.Context) domain.Tenant {
	t := service.TenantOf(c)
	return domain.Tenant{Code: t.Code, Profile: t.Profile}
}

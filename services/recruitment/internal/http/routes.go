// Package http is the recruitment service's REST API: decode, authorize, call the domain,
// store, encode. Who may call what is stated here, where each route is registered.
package http

import (
	"time"

	"github.com/gin-gonic/gin"

	"github.com/l4l-platform/l4l/libs/auth"
	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/libs/service"
	"github.com/l4l-platform/l4l/libs/web"
	"github.com/l4l-platform/l4l/services/recruitment/internal/domain"
	"github.com/l4l-platform/l4l/services/recruitment/internal/store"
)

// admin is the ministry's platform administrator; analyst reads national figures.
const (
	admin   = "admin"
	analyst = "analyst"
)

// Who may act, by the tenant's profile (role keys differ by country: Rwanda's DEO chairs
// the District Selection Panel, Kenya's SCDE the sub-county one):
//   - chair: the panel's chair role — opens campaigns, sets the panel, overrides screening,
//     moderates, ranks, makes offers, records inductions and exits;
//   - panel: the chair and the panel's member roles — record assessments, declare
//     conflicts, score;
//   - applicants: head teachers (who apply and answer offers) and the chair's office;
//   - readers: the panel's roles and national analysts.
func chair(r *profile.Recruitment) []string { return []string{r.Panel.Chair, admin} }
func panel(r *profile.Recruitment) []string {
	return append([]string{r.Panel.Chair, admin}, r.Panel.Members...)
}
func applicants(r *profile.Recruitment) []string {
	return []string{domain.HeadTeacherRole, r.Panel.Chair, admin}
}
func readers(r *profile.Recruitment) []string { return append(panel(r), analyst) }

// API holds what the handlers need.
type API struct {
	Store    *store.Store
	Profiles *profile.Registry
	Now      func() time.Time
}

// Register adds the routes to v1 (which already verifies the bearer token).
func (a *API) Register(v1 *gin.RouterGroup) {
	t := v1.Group("/tenants/:tenant", service.TenantMiddleware(a.Profiles, a.Store.Tenants()))
	idem := service.Idempotency(a.Store.Tenants())

	t.GET("/campaigns", allow(readers), web.Handle(a.listCampaigns))
	t.POST("/campaigns", allow(chair), idem, web.Handle(a.createCampaign))
	c := t.Group("/campaigns/:campaign")
	c.GET("", allow(readers), web.Handle(a.getCampaign))
	c.PUT("/panel", allow(chair), web.Handle(a.setPanel))
	c.POST("/close", allow(chair), idem, web.Handle(a.closeCampaign))
	c.POST("/ranking", allow(chair), idem, web.Handle(a.rank))
	c.GET("/ranking", allow(readers), web.Handle(a.getRanking))
	c.GET("/ranking.csv", allow(readers), web.Handle(a.rankingCSV))
	c.GET("/funnel", allow(readers), web.Handle(a.funnel))
	c.POST("/offers", allow(chair), idem, web.Handle(a.makeOffers))
	c.POST("/offers/:offer/acceptance", allow(applicants), idem, web.Handle(a.acceptOffer))
	c.POST("/offers/:offer/decline", allow(applicants), idem, web.Handle(a.declineOffer))
	c.POST("/appointments/:appointment/induction", allow(chair), idem, web.Handle(a.induct))
	c.POST("/appointments/:appointment/exit", allow(chair), idem, web.Handle(a.exit))

	c.GET("/applications", allow(readers), web.Handle(a.listApplications))
	c.POST("/applications", allow(applicants), idem, web.Handle(a.apply))
	app := c.Group("/applications/:application")
	app.GET("", allow(readers), web.Handle(a.getApplication))
	app.POST("/withdrawal", allow(applicants), idem, web.Handle(a.withdraw))
	app.POST("/screening", allow(chair), idem, web.Handle(a.rescreen))
	app.POST("/screening/override", allow(chair), idem, web.Handle(a.overrideScreening))
	app.POST("/assessments", allow(panel), idem, web.Handle(a.recordAssessment))
	app.POST("/conflicts", allow(panel), idem, web.Handle(a.declareConflict))
	app.POST("/scores", allow(panel), idem, web.Handle(a.score))
	app.POST("/moderations", allow(chair), idem, web.Handle(a.moderate))

	t.GET("/reports/vacancies", allow(readers), web.Handle(a.vacancies))
}

func tenantOf(c *gin.Context) domain.Tenant {
	t := service.TenantOf(c)
	return domain.Tenant{Code: t.Code, Profile: t.Profile}
}

// allow lets through principals holding one of the roles the tenant's profile gives the
// action.
func allow(who func(*profile.Recruitment) []string) gin.HandlerFunc {
	return func(c *gin.Context) { auth.Allow(who(tenantOf(c).Rules())...)(c) }
}

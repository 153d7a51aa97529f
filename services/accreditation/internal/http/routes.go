// Package http is the accreditation service's REST API: decode, authorize, call the
// domain, store, encode. Who may call what is stated here, where each route is
// registered; the finer rules (only the leader submits their portfolio, only the assigned
// assessor assesses it) are the domain's and the handlers'.
//
// A token's subject is the caller's person id in the directory. Assessors are national
// (their tokens carry the country, no tenant) and must be registered as assessors of the
// tenant (PUT /assessors/{person_id}, or a directory role event) to act on its portfolios.
package http

import (
	"crypto/ed25519"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/l4l-platform/l4l/libs/auth"
	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/libs/service"
	"github.com/l4l-platform/l4l/libs/web"
	"github.com/l4l-platform/l4l/services/accreditation/internal/domain"
	"github.com/l4l-platform/l4l/services/accreditation/internal/events"
	"github.com/l4l-platform/l4l/services/accreditation/internal/store"
)

// Roles with rights beyond their own portfolio. The DEO and admins enrol by hand and
// assign assessors; assessors (the awarding body's staff) assess, moderate, award and
// revoke; admins may also award and revoke.
var (
	staff    = []string{"deo", "admin"}
	assessor = "assessor"
	awarders = []string{"assessor", "admin"}
	readers  = []string{"deo", "admin", "assessor"}
)

// API holds what the handlers need.
type API struct {
	Store      *store.Store
	Profiles   *profile.Registry
	Programmes events.Programmes
	Signer     domain.Signer
	Now        func() time.Time
	// Verifications counts public verifications by result: a run of "tampered" or
	// "unknown_issuer" answers is worth an ops team's look.
	Verifications *prometheus.CounterVec
}

// NewVerificationsCounter registers l4l_accreditation_verifications_total.
func NewVerificationsCounter(reg prometheus.Registerer) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "l4l_accreditation_verifications_total",
		Help: "Credentials verified through POST /v1/credentials/verify, by result.",
	}, []string{"result"})
	reg.MustRegister(c)
	for _, r := range []string{domain.Valid, domain.Tampered, domain.Revoked, domain.UnknownIssuer, domain.Expired, domain.Malformed, domain.StatusUnknown} {
		c.WithLabelValues(r) // every series exists from the start, so rate() sees the first one
	}
	return c
}

// UploadRoute is the upload route's template (it takes bodies up to the programme's limit).
const UploadRoute = "/v1/tenants/:tenant/evidence"

// Register adds the routes to v1 (which already verifies the bearer token).
func (a *API) Register(v1 *gin.RouterGroup) {
	t := v1.Group("/tenants/:tenant", service.TenantMiddleware(a.Profiles, a.Store.Tenants), a.programme)
	idem := service.Idempotency(a.Store.Tenants)

	t.GET("/programme", web.Handle(a.getProgramme))

	t.GET("/enrolments", web.Handle(a.listEnrolments))
	t.POST("/enrolments", auth.Allow(staff...), idem, web.Handle(a.createEnrolment))
	t.GET("/enrolments/:id", web.Handle(a.getEnrolment))
	t.GET("/enrolments/:id/evidence", web.Handle(a.listPortfolio))
	// The leader submits their own portfolio (checked in the handler).
	t.POST("/enrolments/:id/submit", idem, web.Handle(a.submit))
	t.POST("/enrolments/:id/assessor", auth.Allow(staff...), idem, web.Handle(a.assignAssessor))
	t.POST("/enrolments/:id/assessment", auth.Allow(assessor), idem, web.Handle(a.assess))
	t.POST("/enrolments/:id/moderation", auth.Allow(assessor), idem, web.Handle(a.moderate))
	t.POST("/enrolments/:id/award", auth.Allow(awarders...), idem, web.Handle(a.award))

	// Evidence is uploaded and mapped by the leaders whose portfolios it counts for.
	t.POST("/evidence", idem, web.Handle(a.upload))
	t.GET("/evidence/:id", web.Handle(a.getEvidence))
	t.GET("/evidence/:id/file", web.Handle(a.getFile))
	t.PUT("/evidence/:id/mappings", web.Handle(a.setMappings))

	t.GET("/assessors", auth.Allow(readers...), web.Handle(a.listAssessors))
	t.PUT("/assessors/:person", auth.Allow(staff...), web.Handle(a.putAssessor))

	t.GET("/credentials/:id", web.Handle(a.getCredential))
	t.POST("/credentials/:id/revoke", auth.Allow(awarders...), idem, web.Handle(a.revoke))
}

// RegisterPublic adds the routes anyone may call without a token: the issuer's DID
// document, the status lists and credential verification. They are registered on the
// engine itself, outside the bearer-token group.
func (a *API) RegisterPublic(e *gin.Engine) {
	e.GET("/.well-known/did.json", web.Handle(a.didDocument))
	e.GET("/v1/status-lists/:tenant", web.Handle(a.statusList))
	e.POST("/v1/credentials/verify", web.Handle(a.verify))
}

const programmeKey = "l4l.accreditation.programme"

// programme resolves the tenant's programme: a country without one has no accreditation routes.
func (a *API) programme(c *gin.Context) {
	p, ok := a.Programmes.For(c.Param("tenant"))
	if !ok {
		web.Fail(c, problem.New(problem.NotFound, "the country of tenant %q has no accreditation programme in its profile", c.Param("tenant")))
		return
	}
	c.Set(programmeKey, p)
	c.Next()
}

func programmeOf(c *gin.Context) domain.Programme {
	p, _ := c.Get(programmeKey)
	return p.(domain.Programme)
}

func tenantOf(c *gin.Context) string { return service.TenantOf(c).Code }

func (a *API) publicKey() ed25519.PublicKey { return a.Signer.Key.Public().(ed25519.PublicKey) }

// reader reports whether the caller may read a leader's records: the leader or staff.
func reader(c *gin.Context, person string) bool {
	p := auth.From(c)
	return p.Subject == person || (p.Unit == "" && p.HasRole(readers...))
}

func notFound(what string) error { return problem.New(problem.NotFound, "%s not found", what) }

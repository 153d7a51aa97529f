package http

import (
	nethttp "net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/l4l-platform/l4l/libs/auth"
	"github.com/l4l-platform/l4l/libs/privacy"
	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/web"
	"github.com/l4l-platform/l4l/services/directory/internal/domain"
	"github.com/l4l-platform/l4l/services/directory/internal/events"
)

// registerPrivacy adds the erasure requests: the tenant's data-protection officer (or an
// administrator) records one; the same roles follow it.
func (a *API) registerPrivacy(t *gin.RouterGroup, idem gin.HandlerFunc) {
	t.POST("/privacy/erasure-requests", auth.Allow(privacy.ReaderRoles...), idem, web.Handle(a.createErasureRequest))
	t.GET("/privacy/erasure-requests/:id", auth.Allow(privacy.ReaderRoles...), web.Handle(a.getErasureRequest))
}

type erasureFields struct {
	PersonID string `json:"person_id"`
}

func (a *API) createErasureRequest(c *gin.Context) error {
	var f erasureFields
	if err := web.Decode(c, &f); err != nil {
		return err
	}
	f.PersonID = strings.TrimSpace(f.PersonID)
	if f.PersonID == "" {
		return problem.Fields("the erasure request has invalid fields", problem.Field("person_id", "required"))
	}
	t := tenantOf(c)
	// The person must be in the directory: the id is what every service knows them by.
	// A deleted person's tombstone counts (their records elsewhere may still be held).
	ok, err := a.Store.PersonHeld(c.Request.Context(), t.Code, f.PersonID)
	if err != nil {
		return err
	}
	if !ok {
		return problem.Fields("the erasure request has invalid fields", problem.Field("person_id", "no person %q in %s", f.PersonID, t.Code))
	}
	r := domain.NewErasureRequest(f.PersonID, auth.From(c).Subject, a.Now())
	ev, err := events.ForErasureRequest(t.Code, r)
	if err != nil {
		return err
	}
	if err := a.Store.Erasures().Insert(c.Request.Context(), t.Code, r.ID, r, ev); err != nil {
		return err
	}
	return web.Created(c, r.ID, r)
}

func (a *API) getErasureRequest(c *gin.Context) error {
	r, _, err := a.Store.Erasures().Get(c.Request.Context(), tenantOf(c).Code, c.Param("id"))
	if err != nil {
		return err
	}
	return web.JSON(c, nethttp.StatusOK, r)
}

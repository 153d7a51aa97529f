package http

import (
	"context"
	nethttp "net/http"

	"github.com/gin-gonic/gin"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/web"
	"github.com/l4l-platform/l4l/services/directory/internal/domain"
	"github.com/l4l-platform/l4l/services/directory/internal/events"
)

// roleTarget looks up what an assignment refers to, for the domain to judge.
func (a *API) roleTarget(ctx context.Context, tenant string, f domain.RoleFields) (domain.RoleTarget, error) {
	var t domain.RoleTarget
	var err error
	if t.PersonExists, err = a.Store.PersonExists(ctx, tenant, f.PersonID); err != nil {
		return t, err
	}
	t.SchoolExists, err = a.Store.SchoolExists(ctx, tenant, f.Unit)
	return t, err
}

func (a *API) createRole(c *gin.Context) error {
	var f domain.RoleFields
	if err := web.Decode(c, &f); err != nil {
		return err
	}
	t := tenantOf(c)
	target, err := a.roleTarget(c.Request.Context(), t.Code, f)
	if err != nil {
		return err
	}
	r, err := domain.NewRoleAssignment(t, f, target, domain.SourceManual, a.Now())
	if err != nil {
		return err
	}
	ev, err := events.ForRole(events.RoleAssigned, t.Code, r)
	if err != nil {
		return err
	}
	if err := a.Store.Roles.Insert(c.Request.Context(), t.Code, r.ID, r, ev); err != nil {
		return err
	}
	return web.Created(c, r.ID, r)
}

func (a *API) getRole(c *gin.Context) error {
	if err := requireTenantScope(c); err != nil {
		return err
	}
	r, ver, err := a.Store.Roles.Get(c.Request.Context(), tenantOf(c).Code, c.Param("id"))
	if err != nil {
		return err
	}
	c.Header("ETag", web.ETag(ver))
	return web.JSON(c, nethttp.StatusOK, r)
}

func (a *API) listRoles(c *gin.Context) error {
	if err := requireTenantScope(c); err != nil {
		return err
	}
	limit, err := web.Limit(c, 50, 500)
	if err != nil {
		return err
	}
	var filter bson.D
	for _, q := range []string{"person_id", "role", "unit"} {
		if v := c.Query(q); v != "" {
			filter = append(filter, bson.E{Key: q, Value: v})
		}
	}
	items, next, err := a.Store.Roles.List(c.Request.Context(), tenantOf(c).Code, filter, c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	return web.JSON(c, nethttp.StatusOK, web.Page[domain.RoleAssignment]{Items: items, NextCursor: next})
}

func (a *API) updateRole(c *gin.Context) error {
	ifMatch, err := web.IfMatch(c)
	if err != nil {
		return err
	}
	var f domain.RoleFields
	if err := web.Decode(c, &f); err != nil {
		return err
	}
	t := tenantOf(c)
	target, err := a.roleTarget(c.Request.Context(), t.Code, f)
	if err != nil {
		return err
	}
	r, ver, err := a.Store.Roles.Update(c.Request.Context(), t.Code, c.Param("id"), ifMatch, func(r *domain.RoleAssignment) ([]mongox.Event, error) {
		changed, err := r.Apply(t, f, target, a.Now())
		if err != nil || !changed {
			return nil, err
		}
		ev, err := events.ForRole(events.RoleUpdated, t.Code, *r)
		return []mongox.Event{ev}, err
	})
	if err != nil {
		return err
	}
	c.Header("ETag", web.ETag(ver))
	return web.JSON(c, nethttp.StatusOK, r)
}

func (a *API) deleteRole(c *gin.Context) error {
	ifMatch, err := web.IfMatch(c)
	if err != nil {
		return err
	}
	t := tenantOf(c)
	err = a.Store.Roles.Delete(c.Request.Context(), t.Code, c.Param("id"), ifMatch, func(r domain.RoleAssignment) ([]mongox.Event, error) {
		ev, err := events.ForRole(events.RoleRemoved, t.Code, r)
		return []mongox.Event{ev}, err
	})
	if err != nil {
		return err
	}
	c.Status(nethttp.StatusNoContent)
	return nil
}

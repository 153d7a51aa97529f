package http

import (
	"context"
	nethttp "net/http"

	"github.com/gin-gonic/gin"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/l4l-platform/l4l/libs/auth"
	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/web"
	"github.com/l4l-platform/l4l/services/directory/internal/domain"
	"github.com/l4l-platform/l4l/services/directory/internal/events"
	"github.com/l4l-platform/l4l/services/directory/internal/store"
)

func (a *API) checkSchoolRef(ctx context.Context, tenant, schoolID string) error {
	if schoolID == "" {
		return nil
	}
	ok, err := a.Store.SchoolExists(ctx, tenant, schoolID)
	if err != nil {
		return err
	}
	if !ok {
		return problem.Fields("the person has invalid fields", problem.Field("school_id", "no school %q in %s", schoolID, tenant))
	}
	return nil
}

func staffTaken(err error, staffID, tenant string) error {
	if problem.Is(err, problem.Conflict) {
		return problem.Fields("a person with this staff id exists", problem.Field("staff_id", "%q is taken in %s", staffID, tenant))
	}
	return err
}

// requireTenantScope keeps personal data away from tokens scoped below the district.
func requireTenantScope(c *gin.Context) error {
	if auth.From(c).Unit != "" {
		return problem.New(problem.Forbidden, "people and role assignments need a district-wide token")
	}
	return nil
}

func (a *API) createPerson(c *gin.Context) error {
	var f domain.PersonFields
	if err := web.Decode(c, &f); err != nil {
		return err
	}
	t := tenantOf(c)
	p, err := domain.NewPerson(f, a.Now())
	if err != nil {
		return err
	}
	if err := a.checkSchoolRef(c.Request.Context(), t.Code, p.SchoolID); err != nil {
		return err
	}
	ev, err := events.ForPerson(events.PersonCreated, t.Code, p)
	if err != nil {
		return err
	}
	if err := a.Store.People.Insert(c.Request.Context(), t.Code, p.ID, store.StoredPerson(p), ev); err != nil {
		return staffTaken(err, p.StaffID, t.Code)
	}
	return web.Created(c, p.ID, p)
}

func (a *API) getPerson(c *gin.Context) error {
	if err := requireTenantScope(c); err != nil {
		return err
	}
	p, ver, err := a.Store.People.Get(c.Request.Context(), tenantOf(c).Code, c.Param("id"))
	if err != nil {
		return err
	}
	c.Header("ETag", web.ETag(ver))
	return web.JSON(c, nethttp.StatusOK, p.Person)
}

func (a *API) listPeople(c *gin.Context) error {
	if err := requireTenantScope(c); err != nil {
		return err
	}
	limit, err := web.Limit(c, 50, 500)
	if err != nil {
		return err
	}
	var filter bson.D
	for _, q := range []string{"school_id", "staff_id"} {
		if v := c.Query(q); v != "" {
			filter = append(filter, bson.E{Key: q, Value: v})
		}
	}
	items, next, err := a.Store.People.List(c.Request.Context(), tenantOf(c).Code, filter, c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	out := make([]domain.Person, len(items))
	for i, p := range items {
		out[i] = p.Person
	}
	return web.JSON(c, nethttp.StatusOK, web.Page[domain.Person]{Items: out, NextCursor: next})
}

func (a *API) updatePerson(c *gin.Context) error {
	ifMatch, err := web.IfMatch(c)
	if err != nil {
		return err
	}
	var f domain.PersonFields
	if err := web.Decode(c, &f); err != nil {
		return err
	}
	t := tenantOf(c)
	if err := a.checkSchoolRef(c.Request.Context(), t.Code, f.SchoolID); err != nil {
		return err
	}
	p, ver, err := a.Store.People.Update(c.Request.Context(), t.Code, c.Param("id"), ifMatch, func(p *store.Person) ([]mongox.Event, error) {
		changed, err := p.Apply(f, a.Now())
		if err != nil || !changed {
			return nil, err
		}
		*p = store.StoredPerson(p.Person)
		ev, err := events.ForPerson(events.PersonUpdated, t.Code, p.Person)
		return []mongox.Event{ev}, err
	})
	if err != nil {
		return staffTaken(err, f.StaffID, t.Code)
	}
	c.Header("ETag", web.ETag(ver))
	return web.JSON(c, nethttp.StatusOK, p.Person)
}

func (a *API) deletePerson(c *gin.Context) error {
	ifMatch, err := web.IfMatch(c)
	if err != nil {
		return err
	}
	t := tenantOf(c)
	err = a.Store.People.Delete(c.Request.Context(), t.Code, c.Param("id"), ifMatch, func(p store.Person) ([]mongox.Event, error) {
		ev, err := events.ForPerson(events.PersonDeleted, t.Code, p.Person)
		return []mongox.Event{ev}, err
	})
	if err != nil {
		return err
	}
	c.Status(nethttp.StatusNoContent)
	return nil
}

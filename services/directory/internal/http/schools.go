package http

import (
	nethttp "net/http"

	"github.com/gin-gonic/gin"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/l4l-platform/l4l/libs/auth"
	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/web"
	"github.com/l4l-platform/l4l/services/directory/internal/domain"
	"github.com/l4l-platform/l4l/services/directory/internal/events"
)

func (a *API) createSchool(c *gin.Context) error {
	var f domain.SchoolFields
	if err := web.Decode(c, &f); err != nil {
		return err
	}
	t := tenantOf(c)
	s, err := domain.NewSchool(t, f, a.Now())
	if err != nil {
		return err
	}
	ev, err := events.ForSchool(events.SchoolCreated, t.Code, s)
	if err != nil {
		return err
	}
	if err := a.Store.Schools.Insert(c.Request.Context(), t.Code, s.ID, s, ev); err != nil {
		if problem.Is(err, problem.Conflict) {
			return problem.Fields("a school with this code exists", problem.Field("code", "%q is taken in %s", s.Code, t.Code))
		}
		return err
	}
	return web.Created(c, s.ID, s)
}

func (a *API) getSchool(c *gin.Context) error {
	t := tenantOf(c)
	s, ver, err := a.Store.Schools.Get(c.Request.Context(), t.Code, c.Param("id"))
	if err != nil {
		return err
	}
	if err := auth.Unit(c, t.Code, s.Units(t)...); err != nil {
		return err
	}
	c.Header("ETag", web.ETag(ver))
	return web.JSON(c, nethttp.StatusOK, s)
}

func (a *API) listSchools(c *gin.Context) error {
	t := tenantOf(c)
	limit, err := web.Limit(c, 50, 500)
	if err != nil {
		return err
	}
	var filter bson.D
	if u := c.Query("unit"); u != "" {
		f, err := unitFilter(t, u)
		if err != nil {
			return err
		}
		filter = append(filter, f...)
	}
	if st := c.Query("status"); st != "" {
		if st != domain.SchoolOpen && st != domain.SchoolClosed {
			return problem.Fields("invalid query parameter", problem.Field("status", "open or closed"))
		}
		filter = append(filter, bson.E{Key: "status", Value: st})
	}
	if code := c.Query("code"); code != "" {
		filter = append(filter, bson.E{Key: "code", Value: code})
	}
	// A token scoped below the tenant (an SEO's sector, a head teacher's school) lists only
	// what lies inside its unit.
	if p := auth.From(c); p.Unit != "" {
		f, err := unitFilter(t, p.Unit)
		if err != nil {
			f = bson.D{{Key: "_id", Value: p.Unit}}
		}
		filter = append(filter, f...)
	}
	items, next, err := a.Store.Schools.List(c.Request.Context(), t.Code, filter, c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	return web.JSON(c, nethttp.StatusOK, web.Page[domain.School]{Items: items, NextCursor: next})
}

// unitFilter selects the schools inside a unit of any level of the tenant.
func unitFilter(t domain.Tenant, code string) (bson.D, error) {
	if !t.Profile.Within(code, t.Code) {
		return nil, problem.Fields("invalid query parameter", problem.Field("unit", "%q is not a unit of %s", code, t.Code))
	}
	var codes []string
	for _, u := range t.Profile.UnitsUnder(code, t.Profile.SchoolLevel().Key) {
		codes = append(codes, u.Code)
	}
	return bson.D{{Key: "unit", Value: bson.D{{Key: "$in", Value: codes}}}}, nil
}

func (a *API) updateSchool(c *gin.Context) error {
	ifMatch, err := web.IfMatch(c)
	if err != nil {
		return err
	}
	var f domain.SchoolFields
	if err := web.Decode(c, &f); err != nil {
		return err
	}
	t := tenantOf(c)
	s, ver, err := a.Store.Schools.Update(c.Request.Context(), t.Code, c.Param("id"), ifMatch, func(s *domain.School) ([]mongox.Event, error) {
		changed, err := s.Apply(t, f, a.Now())
		if err != nil || !changed {
			return nil, err
		}
		ev, err := events.ForSchool(events.SchoolUpdated, t.Code, *s)
		return []mongox.Event{ev}, err
	})
	if problem.Is(err, problem.Conflict) {
		return problem.Fields("a school with this code exists", problem.Field("code", "%q is taken in %s", f.Code, t.Code))
	}
	if err != nil {
		return err
	}
	c.Header("ETag", web.ETag(ver))
	return web.JSON(c, nethttp.StatusOK, s)
}

func (a *API) deleteSchool(c *gin.Context) error {
	ifMatch, err := web.IfMatch(c)
	if err != nil {
		return err
	}
	t := tenantOf(c)
	err = a.Store.Schools.Delete(c.Request.Context(), t.Code, c.Param("id"), ifMatch, func(s domain.School) ([]mongox.Event, error) {
		ev, err := events.ForSchool(events.SchoolDeleted, t.Code, s)
		return []mongox.Event{ev}, err
	})
	if err != nil {
		return err
	}
	c.Status(nethttp.StatusNoContent)
	return nil
}

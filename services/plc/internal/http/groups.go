package http

import (
	nethttp "net/http"
	"slices"

	"github.com/gin-gonic/gin"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/l4l-platform/l4l/libs/auth"
	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/web"
	"github.com/l4l-platform/l4l/services/plc/internal/domain"
	"github.com/l4l-platform/l4l/services/plc/internal/events"
)

func (a *API) listGroups(c *gin.Context) error {
	t := tenantOf(c)
	limit, err := web.Limit(c, 50, 500)
	if err != nil {
		return err
	}
	var filter bson.D
	if k := c.Query("kind"); k != "" {
		if _, ok := t.Profile.PLC(k); !ok {
			return problem.Fields("invalid query parameter", problem.Field("kind", "%q is not a PLC kind of this country's profile", k))
		}
		filter = append(filter, bson.E{Key: "kind", Value: k})
	}
	if u := c.Query("unit"); u != "" {
		filter = append(filter, bson.E{Key: "unit", Value: u})
	}
	items, next, err := a.Store.Groups.List(c.Request.Context(), t.Code, filter, c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	if auth.From(c).Unit != "" {
		items = slices.DeleteFunc(items, func(g domain.Group) bool { return canRead(c, t, g) != nil })
	}
	return web.JSON(c, nethttp.StatusOK, web.Page[domain.Group]{Items: items, NextCursor: next})
}

// group loads the path's group and authorizes reading it.
func (a *API) group(c *gin.Context, id string) (domain.Group, int64, error) {
	t := tenantOf(c)
	g, ver, err := a.Store.Groups.Get(c.Request.Context(), t.Code, id)
	if err != nil {
		return g, 0, err
	}
	return g, ver, canRead(c, t, g)
}

func (a *API) getGroup(c *gin.Context) error {
	g, ver, err := a.group(c, c.Param("id"))
	if err != nil {
		return err
	}
	c.Header("ETag", web.ETag(ver))
	return web.JSON(c, nethttp.StatusOK, g)
}

// refreshGroups recomputes every group of the tenant from the directory's facts: after a
// profile change adds a PLC kind, or to form groups for units with nobody yet.
func (a *API) refreshGroups(c *gin.Context) error {
	groups, err := a.Groups.RefreshAll(c, tenantOf(c))
	if err != nil {
		return err
	}
	if groups == nil {
		groups = []domain.Group{}
	}
	return web.JSON(c, nethttp.StatusOK, web.Page[domain.Group]{Items: groups})
}

type hosting struct {
	UnableToHost []string `json:"unable_to_host"`
}

func (a *API) putHosting(c *gin.Context) error {
	ifMatch, err := web.IfMatch(c)
	if err != nil {
		return err
	}
	var h hosting
	if err := web.Decode(c, &h); err != nil {
		return err
	}
	t := tenantOf(c)
	if _, _, err := a.group(c, c.Param("id")); err != nil {
		return err
	}
	g, ver, err := a.Store.Groups.Update(c.Request.Context(), t.Code, c.Param("id"), ifMatch, func(g *domain.Group) ([]mongox.Event, error) {
		var errs []problem.FieldError
		unable := []string{}
		for i, s := range h.UnableToHost {
			switch {
			case !g.HasSchool(s):
				errs = append(errs, problem.Field("unable_to_host["+itoa(i)+"]", "%q is not a school of this group", s))
			case !slices.Contains(unable, s):
				unable = append(unable, s)
			}
		}
		if len(errs) > 0 {
			return nil, problem.Fields("the hosting settings have invalid fields", errs...)
		}
		slices.Sort(unable)
		g.UnableToHost, g.UpdatedAt = unable, a.Now()
		ev, err := events.ForGroup(events.GroupChanged, t.Code, *g)
		return []mongox.Event{ev}, err
	})
	if err != nil {
		return err
	}
	c.Header("ETag", web.ETag(ver))
	return web.JSON(c, nethttp.StatusOK, g)
}

func (a *API) groupAttendance(c *gin.Context) error {
	g, _, err := a.group(c, c.Param("id"))
	if err != nil {
		return err
	}
	sessions, err := a.Store.AllSessions(c.Request.Context(), tenantOf(c).Code, bson.D{{Key: "group_id", Value: g.ID}})
	if err != nil {
		return err
	}
	return web.JSON(c, nethttp.StatusOK, domain.AttendanceOf(g, sessions, a.Rules))
}

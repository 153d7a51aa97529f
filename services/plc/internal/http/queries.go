package http

import (
	nethttp "net/http"
	"slices"

	"github.com/gin-gonic/gin"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/l4l-platform/l4l/libs/auth"
	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/web"
	"github.com/l4l-platform/l4l/services/plc/internal/domain"
)

// listActions lists the action items agreed in sessions with their current status;
// ?overdue=true keeps those not done by their due date.
func (a *API) listActions(c *gin.Context) error {
	t := tenantOf(c)
	overdue := c.Query("overdue")
	if overdue != "" && overdue != "true" && overdue != "false" {
		return problem.Fields("invalid query parameter", problem.Field("overdue", "true or false"))
	}
	filter := bson.D{{Key: "record", Value: bson.D{{Key: "$exists", Value: true}}}}
	if g := c.Query("group_id"); g != "" {
		filter = append(filter, bson.E{Key: "group_id", Value: g})
	}
	sessions, err := a.Store.AllSessions(c.Request.Context(), t.Code, filter)
	if err != nil {
		return err
	}
	groups, err := a.groupsByID(c.Request.Context(), t)
	if err != nil {
		return err
	}
	actions := domain.ActionsOf(sessions, a.today(t))
	owner := c.Query("owner_id")
	actions = slices.DeleteFunc(actions, func(v domain.ActionView) bool {
		return (overdue == "true" && !v.Overdue) || (overdue == "false" && v.Overdue) ||
			(owner != "" && v.OwnerID != owner) || canRead(c, t, groups[v.GroupID]) != nil
	})
	if actions == nil {
		actions = []domain.ActionView{}
	}
	return web.JSON(c, nethttp.StatusOK, web.Page[domain.ActionView]{Items: actions})
}

// personGroups are the groups a person belongs to at some time, and their sessions.
func (a *API) personGroups(c *gin.Context) ([]domain.Group, []domain.Session, error) {
	t := tenantOf(c)
	person := c.Param("person")
	all, err := a.Store.AllGroups(c.Request.Context(), t.Code)
	if err != nil {
		return nil, nil, err
	}
	var groups []domain.Group
	var ids []string
	for _, g := range all {
		if slices.ContainsFunc(g.Members, func(m domain.Member) bool { return m.PersonID == person }) && canRead(c, t, g) == nil {
			groups = append(groups, g)
			ids = append(ids, g.ID)
		}
	}
	if len(groups) == 0 {
		if auth.From(c).Unit != "" {
			return nil, nil, problem.New(problem.NotFound, "not found")
		}
		return nil, nil, nil
	}
	sessions, err := a.Store.AllSessions(c.Request.Context(), t.Code, bson.D{{Key: "group_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	return groups, sessions, err
}

// expects reports whether person is expected at session s of group g.
func expects(g domain.Group, s domain.Session, person string) bool {
	return slices.ContainsFunc(g.Members, func(m domain.Member) bool { return m.PersonID == person && m.ActiveOn(s.Date) })
}

// personSessions lists a person's upcoming sessions (not cancelled), soonest first.
func (a *API) personSessions(c *gin.Context) error {
	limit, err := web.Limit(c, 50, 500)
	if err != nil {
		return err
	}
	groups, sessions, err := a.personGroups(c)
	if err != nil {
		return err
	}
	byID := map[string]domain.Group{}
	for _, g := range groups {
		byID[g.ID] = g
	}
	now := a.Now()
	out := []domain.Session{}
	for _, s := range sessions {
		if s.End.After(now) && s.Status != domain.Cancelled && expects(byID[s.GroupID], s, c.Param("person")) {
			out = append(out, s)
		}
	}
	domain.SortSessions(out)
	if len(out) > limit {
		out = out[:limit]
	}
	return web.JSON(c, nethttp.StatusOK, web.Page[domain.Session]{Items: out})
}

// personAttendance is a person's attendance per group and whether they collaborate
// regularly (the profile's rule).
func (a *API) personAttendance(c *gin.Context) error {
	groups, sessions, err := a.personGroups(c)
	if err != nil {
		return err
	}
	return web.JSON(c, nethttp.StatusOK, domain.AttendanceOfPerson(c.Param("person"), groups, sessions, a.Rules))
}

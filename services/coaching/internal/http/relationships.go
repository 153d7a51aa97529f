package http

import (
	nethttp "net/http"

	"github.com/gin-gonic/gin"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/l4l-platform/l4l/libs/auth"
	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/web"
	"github.com/l4l-platform/l4l/services/coaching/internal/domain"
	"github.com/l4l-platform/l4l/services/coaching/internal/events"
)

func (a *API) listRelationships(c *gin.Context) error {
	limit, err := web.Limit(c, 50, 500)
	if err != nil {
		return err
	}
	f := append(filters(c, "coach_id", "coachee_id", "status", "link", "unit"), scope(c)...)
	items, next, err := a.Store.Relationships.List(c.Request.Context(), tenantOf(c).Code, f, c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	return web.JSON(c, nethttp.StatusOK, web.Page[domain.Relationship]{Items: items, NextCursor: next})
}

func (a *API) getRelationship(c *gin.Context) error {
	return getVisible(c, a.Store.Relationships.Get, "relationship", func(x *domain.Relationship) ([]string, []string) { return x.Units, x.Parties })
}

func (a *API) createRelationship(c *gin.Context) error {
	var f domain.ManualFields
	if err := web.Decode(c, &f); err != nil {
		return err
	}
	t := tenantOf(c)
	now := a.Now()
	roster, err := a.Store.Roster(c.Request.Context(), t.Code)
	if err != nil {
		return err
	}
	link, _ := t.LinkOf(f.CoachRole, f.CoacheeRole)
	load := 0
	if f.CoachID != "" {
		current, err := a.Store.ActiveRelationships(c.Request.Context(), t.Code, bson.D{{Key: "coach_id", Value: f.CoachID}, {Key: "link", Value: link.Key()}})
		if err != nil {
			return err
		}
		load = len(current)
	}
	p := auth.From(c)
	rel, err := domain.NewManual(t, f, roster, load, domain.Caller{PersonID: p.Subject, IsDEO: p.HasRole(deo)}, t.Today(now), now)
	if err != nil {
		return err
	}
	if !visible(c, rel.Units, nil) {
		return problem.New(problem.Forbidden, "the coachee is outside your unit")
	}
	ev, err := events.ForRelationship(events.RelationshipStarted, t.Code, rel)
	if err != nil {
		return err
	}
	if err := a.Store.Relationships.Insert(c.Request.Context(), t.Code, rel.ID, rel, ev); err != nil {
		if problem.Is(err, problem.Conflict) {
			return problem.New(problem.Conflict, "the coachee already has an active %s coach; end that relationship first (PUT with end_date)", f.CoachRole)
		}
		return err
	}
	return web.Created(c, rel.ID, rel)
}

// endRelationship ends a relationship by hand (If-Match). Its coachee is then without a
// coach of that link until one is assigned by hand or by the next reconciliation.
func (a *API) endRelationship(c *gin.Context) error {
	ifMatch, err := web.IfMatch(c)
	if err != nil {
		return err
	}
	var f domain.EndFields
	if err := web.Decode(c, &f); err != nil {
		return err
	}
	t := tenantOf(c)
	now := a.Now()
	if !domain.ValidDate(f.EndDate) {
		return problem.Fields("the relationship has invalid fields", problem.Field("end_date", "required, as YYYY-MM-DD"))
	}
	r, ver, err := a.Store.Relationships.Update(c.Request.Context(), t.Code, c.Param("id"), ifMatch, func(r *domain.Relationship) ([]mongox.Event, error) {
		if !visible(c, r.Units, nil) {
			return nil, notFound("relationship")
		}
		if f.EndDate < r.StartDate {
			return nil, problem.Fields("the relationship has invalid fields", problem.Field("end_date", "before the relationship's start %s", r.StartDate))
		}
		if err := r.End(f.EndDate, domain.EndByHand, now); err != nil {
			return nil, err
		}
		ev, err := events.ForRelationship(events.RelationshipEnded, t.Code, *r)
		return []mongox.Event{ev}, err
	})
	if err != nil {
		return err
	}
	c.Header("ETag", web.ETag(ver))
	return web.JSON(c, nethttp.StatusOK, r)
}

type reconcileResult struct {
	Ended   int `json:"ended"`
	Started int `json:"started"`
}

// reconcile applies the chain's rules now (they also run on every directory change):
// for assignments that began or ended with the passing of days rather than an event.
func (a *API) reconcile(c *gin.Context) error {
	if auth.From(c).Unit != "" {
		return problem.New(problem.Forbidden, "reconciling covers the whole tenant: it needs a tenant-wide token")
	}
	ch, err := events.Reconcile(c, a.Store, tenantOf(c), a.Now())
	if err != nil {
		return err
	}
	return web.JSON(c, nethttp.StatusOK, reconcileResult{Ended: len(ch.End), Started: len(ch.Start)})
}

func (a *API) listActions(c *gin.Context) error {
	t := tenantOf(c)
	r, _, err := a.Store.Relationships.Get(c.Request.Context(), t.Code, c.Param("id"))
	if err != nil {
		return err
	}
	if !visible(c, r.Units, r.Parties) {
		return notFound("relationship")
	}
	sessions, err := a.Store.SessionsOf(c.Request.Context(), t.Code, []string{r.ID})
	if err != nil {
		return err
	}
	states := domain.Actions(sessions)
	status := c.Query("status")
	items := []domain.ActionState{}
	for _, id := range sortedIDs(states) {
		st := states[id]
		if status == "" || (status == domain.ActionOpen && st.Open()) || (status != domain.ActionOpen && st.Status == status) {
			items = append(items, st)
		}
	}
	return web.JSON(c, nethttp.StatusOK, web.Page[domain.ActionState]{Items: items})
}

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
	"github.com/l4l-platform/l4l/services/plc/internal/domain"
	"github.com/l4l-platform/l4l/services/plc/internal/events"
)

// record records a session: the domain checks the record against the group and the
// earlier sessions' actions, and the session, its held or not-held event and its action
// events are written in one document update. ifMatch 0 records only a session that has
// no record yet (an offline tablet that never saw the session's version).
func (a *API) record(ctx context.Context, c *gin.Context, t domain.Tenant, id string, ifMatch int64, f domain.RecordFields) (domain.Session, int64, error) {
	current, _, err := a.Store.Sessions.Get(ctx, t.Code, id)
	if err != nil {
		return current, 0, err
	}
	g, _, err := a.Store.Groups.Get(ctx, t.Code, current.GroupID)
	if err != nil {
		return current, 0, err
	}
	if err := canRun(c, t, g); err != nil {
		return current, 0, err
	}
	groupSessions, err := a.Store.AllSessions(ctx, t.Code, bson.D{{Key: "group_id", Value: g.ID}})
	if err != nil {
		return current, 0, err
	}
	prior := domain.PriorActions(current, groupSessions)
	now := a.Now()
	return a.Store.Sessions.Update(ctx, t.Code, id, ifMatch, func(s *domain.Session) ([]mongox.Event, error) {
		if ifMatch == 0 && s.Record != nil {
			return nil, problem.New(problem.Conflict, "session %s is already recorded; send its version to replace the record", s.ID)
		}
		before := s.Record
		rc := domain.RecordContext{Tenant: t, Group: g, Session: *s, Prior: prior, Now: now, By: auth.From(c).Subject}
		if err := domain.RecordSession(s, rc, f); err != nil {
			return nil, err
		}
		ev, err := events.ForRecord(t.Code, *s)
		if err != nil {
			return nil, err
		}
		evs := []mongox.Event{ev}
		created, updated := domain.ActionChanges(before, s.Record)
		for _, a := range created {
			ev, err := events.ForAction(events.ActionCreated, t.Code, *s, domain.ActionStatus{Action: a, Status: domain.ActionOpen})
			if err != nil {
				return nil, err
			}
			evs = append(evs, ev)
		}
		for _, a := range updated {
			if p, ok := prior[a.ID]; ok && a.OwnerID == "" {
				a.Action = p.Action // a follow-up: the action as agreed
			}
			ev, err := events.ForAction(events.ActionUpdated, t.Code, *s, a)
			if err != nil {
				return nil, err
			}
			evs = append(evs, ev)
		}
		return evs, nil
	})
}

func (a *API) recordSession(c *gin.Context) error {
	ifMatch, err := web.IfMatch(c)
	if err != nil {
		return err
	}
	var f domain.RecordFields
	if err := web.Decode(c, &f); err != nil {
		return err
	}
	t := tenantOf(c)
	if _, _, _, err := a.session(c); err != nil {
		return err
	}
	s, ver, err := a.record(c.Request.Context(), c, t, c.Param("id"), ifMatch, f)
	if err != nil {
		return err
	}
	c.Header("ETag", web.ETag(ver))
	return web.JSON(c, nethttp.StatusOK, s)
}

type batchItem struct {
	SessionID string `json:"session_id"`
	// Version is the session's ETag value the client saw, to replace a record; without
	// it only a session not yet recorded is recorded.
	Version int64               `json:"version"`
	Record  domain.RecordFields `json:"record"`
}

type batchRequest struct {
	Items []batchItem `json:"items"`
}

type batchResult struct {
	Index     int              `json:"index"`
	SessionID string           `json:"session_id"`
	Status    int              `json:"status"`
	ETag      string           `json:"etag,omitempty"`
	Session   *domain.Session  `json:"session,omitempty"`
	Problem   *problem.Problem `json:"problem,omitempty"`
}

const maxBatch = 100

// recordBatch records many sessions at once, for tablets syncing after days offline: each
// item lands or fails on its own, and the answer says which, with the reasons.
func (a *API) recordBatch(c *gin.Context) error {
	var req batchRequest
	if err := web.Decode(c, &req); err != nil {
		return err
	}
	if len(req.Items) == 0 || len(req.Items) > maxBatch {
		return problem.Fields("the batch has invalid fields", problem.Field("items", "from 1 to %d records", maxBatch))
	}
	t := tenantOf(c)
	out := make([]batchResult, len(req.Items))
	for i, it := range req.Items {
		out[i] = batchResult{Index: i, SessionID: it.SessionID}
		if it.Version < 0 {
			it.Version = 0
		}
		s, ver, err := a.record(c.Request.Context(), c, t, it.SessionID, it.Version, it.Record)
		if err != nil {
			if problem.KindOf(err) == problem.Internal || problem.KindOf(err) == problem.Unavailable {
				return err // our failure, not the item's: the whole batch is retried
			}
			p := problem.From(err, c.Request.URL.Path)
			out[i].Status, out[i].Problem = p.Status, &p
			continue
		}
		out[i].Status, out[i].ETag, out[i].Session = nethttp.StatusOK, web.ETag(ver), &s
	}
	return web.JSON(c, nethttp.StatusOK, struct {
		Results []batchResult `json:"results"`
	}{out})
}

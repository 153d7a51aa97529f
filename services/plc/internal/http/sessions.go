package http

import (
	"context"
	nethttp "net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/l4l-platform/l4l/libs/auth"
	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/libs/web"
	"github.com/l4l-platform/l4l/services/plc/internal/domain"
	"github.com/l4l-platform/l4l/services/plc/internal/events"
)

var statuses = []string{domain.Scheduled, domain.Confirmed, domain.Held, domain.NotHeld, domain.Cancelled}

func (a *API) listSessions(c *gin.Context) error {
	t := tenantOf(c)
	limit, err := web.Limit(c, 50, 500)
	if err != nil {
		return err
	}
	var filter bson.D
	if g := c.Query("group_id"); g != "" {
		filter = append(filter, bson.E{Key: "group_id", Value: g})
	}
	if s := c.Query("status"); s != "" {
		if !slices.Contains(statuses, s) {
			return problem.Fields("invalid query parameter", problem.Field("status", "one of %v", statuses))
		}
		filter = append(filter, bson.E{Key: "status", Value: s})
	}
	for _, q := range []struct{ name, op string }{{"from", "$gte"}, {"to", "$lte"}} {
		if v := c.Query(q.name); v != "" {
			if _, err := time.Parse(profile.DateLayout, v); err != nil {
				return problem.Fields("invalid query parameter", problem.Field(q.name, "a date, YYYY-MM-DD"))
			}
			filter = append(filter, bson.E{Key: "date", Value: bson.D{{Key: q.op, Value: v}}})
		}
	}
	items, next, err := a.Store.Sessions.List(c.Request.Context(), t.Code, filter, c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	if auth.From(c).Unit != "" {
		groups, err := a.groupsByID(c.Request.Context(), t)
		if err != nil {
			return err
		}
		items = slices.DeleteFunc(items, func(s domain.Session) bool { return canRead(c, t, groups[s.GroupID]) != nil })
	}
	return web.JSON(c, nethttp.StatusOK, web.Page[domain.Session]{Items: items, NextCursor: next})
}

func (a *API) groupsByID(ctx context.Context, t domain.Tenant) (map[string]domain.Group, error) {
	groups, err := a.Store.AllGroups(ctx, t.Code)
	if err != nil {
		return nil, err
	}
	out := make(map[string]domain.Group, len(groups))
	for _, g := range groups {
		out[g.ID] = g
	}
	return out, nil
}

// session loads the path's session and its group, and authorizes reading them.
func (a *API) session(c *gin.Context) (domain.Session, int64, domain.Group, error) {
	t := tenantOf(c)
	s, ver, err := a.Store.Sessions.Get(c.Request.Context(), t.Code, c.Param("id"))
	if err != nil {
		return s, 0, domain.Group{}, err
	}
	g, _, err := a.Store.Groups.Get(c.Request.Context(), t.Code, s.GroupID)
	if err != nil {
		return s, 0, g, err
	}
	return s, ver, g, canRead(c, t, g)
}

func (a *API) getSession(c *gin.Context) error {
	s, ver, _, err := a.session(c)
	if err != nil {
		return err
	}
	c.Header("ETag", web.ETag(ver))
	return web.JSON(c, nethttp.StatusOK, s)
}

// others are the tenant's sessions that are not cancelled, with who attends each: what a
// session's place in the calendar is checked against.
func (a *API) others(ctx context.Context, t domain.Tenant, groups map[string]domain.Group) ([]domain.Other, []domain.Session, error) {
	sessions, err := a.Store.AllSessions(ctx, t.Code, bson.D{{Key: "status", Value: bson.D{{Key: "$ne", Value: domain.Cancelled}}}})
	if err != nil {
		return nil, nil, err
	}
	out := make([]domain.Other, 0, len(sessions))
	for _, s := range sessions {
		o := domain.Other{SessionID: s.ID, GroupID: s.GroupID, Start: s.Start, End: s.End, Date: s.Date, Mode: s.Mode, Host: s.HostSchoolID}
		for _, p := range groups[s.GroupID].PeopleOn(s.Date) {
			o.People = append(o.People, p.PersonID)
		}
		out = append(out, o)
	}
	return out, sessions, nil
}

// changeSession reschedules, confirms or cancels a session. A reschedule re-checks every
// scheduling constraint and answers 422 naming each one broken.
func (a *API) changeSession(c *gin.Context) error {
	ifMatch, err := web.IfMatch(c)
	if err != nil {
		return err
	}
	var ch domain.SessionChange
	if err := web.Decode(c, &ch); err != nil {
		return err
	}
	t := tenantOf(c)
	current, _, g, err := a.session(c)
	if err != nil {
		return err
	}
	if err := canRun(c, t, g); err != nil {
		return err
	}
	var errs []problem.FieldError
	if !slices.Contains([]string{domain.Scheduled, domain.Confirmed, domain.Cancelled}, ch.Status) {
		errs = append(errs, problem.Field("status", "one of scheduled, confirmed, cancelled (a record makes a session held)"))
	}
	if ch.Status != domain.Cancelled {
		if ch.Start.IsZero() {
			errs = append(errs, problem.Field("start", "required, RFC 3339"))
		}
		if ch.Mode != domain.InPerson && ch.Mode != domain.Online {
			errs = append(errs, problem.Field("mode", "in_person or online"))
		}
	}
	if len(errs) > 0 {
		return problem.Fields("the session change has invalid fields", errs...)
	}
	p, _ := t.Profile.PLC(g.Kind)
	loc := t.Profile.Location()
	proposed := current
	if ch.Status != domain.Cancelled {
		proposed.Start = ch.Start.UTC()
		proposed.End = proposed.Start.Add(a.Rules.Duration(p))
		proposed.Date = ch.Start.In(loc).Format(profile.DateLayout)
		proposed.Mode, proposed.HostSchoolID = ch.Mode, ch.HostSchoolID
	}
	moved := !current.SameBooking(proposed.Booking())
	if moved && ch.Status != domain.Cancelled {
		if current.Status != domain.Scheduled && current.Status != domain.Confirmed {
			return problem.New(problem.Conflict, "the session is %s; only scheduled or confirmed sessions move", current.Status)
		}
		groups, err := a.groupsByID(c.Request.Context(), t)
		if err != nil {
			return err
		}
		others, _, err := a.others(c.Request.Context(), t, groups)
		if err != nil {
			return err
		}
		check := domain.SessionCheck{Tenant: t, Rules: a.Rules, PLC: p, Group: g, Session: proposed, Others: others}
		if vs := check.Check(); len(vs) > 0 {
			return domain.ViolationsError(vs)
		}
	}
	now := a.Now()
	s, ver, err := a.Store.Sessions.Update(c.Request.Context(), t.Code, current.ID, ifMatch, func(s *domain.Session) ([]mongox.Event, error) {
		switch {
		case ch.Status == domain.Cancelled:
			if s.Status == domain.Cancelled {
				return nil, nil
			}
			if err := s.Cancel(ch.CancelReason, now); err != nil {
				return nil, err
			}
			ev, err := events.ForCancelled(t.Code, *s)
			return []mongox.Event{ev}, err
		case s.Status == domain.Held || s.Status == domain.NotHeld || s.Status == domain.Cancelled:
			return nil, problem.New(problem.Conflict, "the session is %s; it can no longer be changed here", s.Status)
		}
		var evs []mongox.Event
		if moved {
			prev := s.Start
			s.Move(g, proposed.Booking(), now)
			ev, err := events.ForSession(events.SessionRescheduled, t.Code, *s, &prev)
			if err != nil {
				return nil, err
			}
			evs = append(evs, ev)
		}
		if s.Status != ch.Status {
			s.Status, s.UpdatedAt = ch.Status, now
			if !moved {
				// Confirming is news to calendars (STATUS goes from TENTATIVE to
				// CONFIRMED), though not to the event stream.
				s.Sequence++
			}
		}
		return evs, nil
	})
	if err != nil {
		return err
	}
	c.Header("ETag", web.ETag(ver))
	return web.JSON(c, nethttp.StatusOK, s)
}

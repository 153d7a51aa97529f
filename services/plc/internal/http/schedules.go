package http

import (
	"context"
	nethttp "net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/libs/web"
	"github.com/l4l-platform/l4l/services/plc/internal/domain"
	"github.com/l4l-platform/l4l/services/plc/internal/events"
)

type scheduleRequest struct {
	SchoolYear string `json:"school_year"`
	Term       string `json:"term"`
	// From is the first day to schedule; default tomorrow. An earlier date backfills
	// sessions held before the platform was used.
	From   string `json:"from"`
	DryRun bool   `json:"dry_run"`
}

type unplaced struct {
	GroupID    string `json:"group_id"`
	Slot       string `json:"slot"`
	Constraint string `json:"constraint"`
	Detail     string `json:"detail"`
}

type scheduleResult struct {
	From        string           `json:"from"`
	To          string           `json:"to"`
	DryRun      bool             `json:"dry_run"`
	Created     int              `json:"created"`
	Rescheduled int              `json:"rescheduled"`
	Cancelled   int              `json:"cancelled"`
	Unchanged   int              `json:"unchanged"`
	Kept        int              `json:"kept"`
	Unplaced    []unplaced       `json:"unplaced"`
	Sessions    []domain.Session `json:"sessions"`
}

// period resolves a school year (and a term of it) to its first and last days.
func period(t domain.Tenant, r scheduleRequest, today string) (string, string, error) {
	var year *profile.SchoolYear
	var names []string
	for i, y := range t.Profile.Spec().Calendar.SchoolYears {
		names = append(names, y.Name)
		if y.Name == r.SchoolYear {
			year = &t.Profile.Spec().Calendar.SchoolYears[i]
		}
	}
	if year == nil {
		return "", "", problem.Fields("the schedule request has invalid fields", problem.Field("school_year", "%q is not a school year of the profile's calendar; one of %v", r.SchoolYear, names))
	}
	terms := year.Terms
	if r.Term != "" {
		terms = nil
		for _, tm := range year.Terms {
			if tm.Name == r.Term {
				terms = []profile.Term{tm}
			}
		}
		if terms == nil {
			return "", "", problem.Fields("the schedule request has invalid fields", problem.Field("term", "%q is not a term of %s", r.Term, year.Name))
		}
	}
	from, to := terms[0].Start, terms[len(terms)-1].End
	start := r.From
	if start == "" {
		d, _ := time.Parse(profile.DateLayout, today)
		start = d.AddDate(0, 0, 1).Format(profile.DateLayout)
	} else if _, err := time.Parse(profile.DateLayout, start); err != nil {
		return "", "", problem.Fields("the schedule request has invalid fields", problem.Field("from", "a date, YYYY-MM-DD"))
	}
	if start > from {
		from = start
	}
	if from > to {
		return "", "", problem.New(problem.Unprocessable, "nothing to schedule: %s ends on %s, before %s", r.SchoolYear+" "+r.Term, to, start)
	}
	return from, to, nil
}

// schedule generates the tenant's sessions for a term or school year. Regenerating keeps
// held and confirmed sessions (and everything outside the period); a scheduled session is
// kept as it is, moved (a reschedule: SEQUENCE bumped) or cancelled to match the new plan,
// slot by slot, so calendar clients keep their events.
func (a *API) schedule(c *gin.Context) error {
	var req scheduleRequest
	if err := web.Decode(c, &req); err != nil {
		return err
	}
	t := tenantOf(c)
	from, to, err := period(t, req, a.today(t))
	if err != nil {
		return err
	}
	res, err := a.plan(c.Request.Context(), t, from, to, req.DryRun)
	if err != nil {
		return err
	}
	return web.JSON(c, nethttp.StatusOK, res)
}

func (a *API) plan(ctx context.Context, t domain.Tenant, from, to string, dryRun bool) (scheduleResult, error) {
	res := scheduleResult{From: from, To: to, DryRun: dryRun, Unplaced: []unplaced{}, Sessions: []domain.Session{}}
	groups, err := a.Store.AllGroups(ctx, t.Code)
	if err != nil {
		return res, err
	}
	sessions, err := a.Store.AllSessions(ctx, t.Code, nil)
	if err != nil {
		return res, err
	}
	in := domain.ScheduleInput{Profile: t.Profile, Rules: a.Rules, From: from, To: to}
	byGroup := map[string]domain.Group{}
	for _, g := range groups {
		p, ok := t.Profile.PLC(g.Kind)
		if !ok {
			continue // a kind the profile no longer has
		}
		byGroup[g.ID] = g
		if gp := domain.PlanOf(g, p, from); len(gp.People) > 0 {
			in.Groups = append(in.Groups, gp) // a group with nobody in it has no sessions
		}
	}
	type slotKey struct{ group, slot string }
	open := map[slotKey]domain.Session{}
	for _, s := range sessions {
		if s.Status == domain.Cancelled {
			// A cancelled session's slot stays empty: regenerating does not undo a
			// planner's cancellation.
			in.Closed = append(in.Closed, s.Booking())
			continue
		}
		if s.Kept() || s.Date < from || s.Date > to {
			in.Fixed = append(in.Fixed, s.Booking())
			if s.Date >= from && s.Date <= to {
				res.Kept++
			}
			continue
		}
		open[slotKey{s.GroupID, s.Slot}] = s
	}
	plan, err := domain.Plan(in)
	if err != nil {
		return res, err
	}
	for _, u := range plan.Unplaced {
		res.Unplaced = append(res.Unplaced, unplaced(u))
	}
	now := a.Now()
	var inserts []mongox.New[domain.Session]
	type move struct {
		id string
		b  domain.Booking
	}
	var moves []move
	for _, b := range plan.Sessions {
		g := byGroup[b.GroupID]
		k := slotKey{b.GroupID, b.Slot}
		if s, ok := open[k]; ok {
			delete(open, k)
			if s.SameBooking(b) {
				res.Unchanged++
				res.Sessions = append(res.Sessions, s)
				continue
			}
			moves = append(moves, move{s.ID, b})
			s.Move(g, b, now)
			res.Rescheduled++
			res.Sessions = append(res.Sessions, s)
			continue
		}
		s := domain.NewSession(g, b, now)
		ev, err := events.ForSession(events.SessionScheduled, t.Code, s, nil)
		if err != nil {
			return res, err
		}
		inserts = append(inserts, mongox.New[domain.Session]{ID: s.ID, Value: s, Events: []mongox.Event{ev}})
		res.Created++
		res.Sessions = append(res.Sessions, s)
	}
	res.Cancelled = len(open)
	domain.SortSessions(res.Sessions)
	if dryRun {
		return res, nil
	}
	if err := a.Store.InsertSessions(ctx, t.Code, inserts); err != nil {
		return res, err
	}
	for _, m := range moves {
		_, _, err := a.Store.Sessions.Update(ctx, t.Code, m.id, 0, func(s *domain.Session) ([]mongox.Event, error) {
			if s.Kept() || s.Status == domain.Cancelled {
				return nil, problem.New(problem.Conflict, "session %s was %s while the schedule was being made; run it again", s.ID, s.Status)
			}
			prev := s.Start
			s.Move(byGroup[s.GroupID], m.b, now)
			ev, err := events.ForSession(events.SessionRescheduled, t.Code, *s, &prev)
			return []mongox.Event{ev}, err
		})
		if err != nil {
			return res, err
		}
	}
	for _, s := range open {
		_, _, err := a.Store.Sessions.Update(ctx, t.Code, s.ID, 0, func(s *domain.Session) ([]mongox.Event, error) {
			if s.Kept() || s.Status == domain.Cancelled {
				return nil, nil
			}
			if err := s.Cancel("no longer in the regenerated schedule", now); err != nil {
				return nil, err
			}
			ev, err := events.ForCancelled(t.Code, *s)
			return []mongox.Event{ev}, err
		})
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

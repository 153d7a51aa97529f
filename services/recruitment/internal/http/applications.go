package http

import (
	nethttp "net/http"

	"github.com/gin-gonic/gin"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/l4l-platform/l4l/libs/auth"
	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/web"
	"github.com/l4l-platform/l4l/services/recruitment/internal/domain"
	"github.com/l4l-platform/l4l/services/recruitment/internal/events"
	"github.com/l4l-platform/l4l/services/recruitment/internal/store"
)

// apply submits and screens an application: one active application per person per
// campaign (409 for a second), only head teachers of the tenant (400 naming person_id),
// inside the window and while the campaign has room (409).
func (a *API) apply(c *gin.Context) error {
	var f domain.ApplicationFields
	if err := web.Decode(c, &f); err != nil {
		return err
	}
	t := tenantOf(c)
	cp, _, err := a.Store.Campaigns.Get(c.Request.Context(), t.Code, c.Param("campaign"))
	if err != nil {
		return err
	}
	if f.PersonID != "" {
		if id, dup, err := a.Store.ActiveApplicationOf(c.Request.Context(), t.Code, cp.ID, f.PersonID); err != nil {
			return err
		} else if dup {
			return problem.New(problem.Conflict, "%q already has an active application (%s) to this campaign: one per person", f.PersonID, id)
		}
	}
	people, err := a.Store.People(c.Request.Context(), t.Code, f.PersonID)
	if err != nil {
		return err
	}
	// A capped campaign hands out numbered seats; a seat a concurrent applicant took is
	// retried with a fresh count.
	for attempt := 0; ; attempt++ {
		n, err := a.Store.CountApplications(c.Request.Context(), t.Code, cp.ID)
		if err != nil {
			return err
		}
		app, err := domain.NewApplication(t, f, domain.ApplicationContext{Campaign: cp, Person: people[f.PersonID], Applications: n}, a.Now())
		if err != nil {
			return err
		}
		submitted, err := events.Submitted(t.Code, cp, app)
		if err != nil {
			return err
		}
		screened, err := events.Screened(t.Code, app)
		if err != nil {
			return err
		}
		seat := 0
		if cp.MaxApplications > 0 {
			seat = n + 1
		}
		err = a.Store.InsertApplication(c.Request.Context(), t.Code, app, seat, submitted, screened)
		if problem.Is(err, problem.Conflict) {
			if _, dup, derr := a.Store.ActiveApplicationOf(c.Request.Context(), t.Code, cp.ID, f.PersonID); derr == nil && dup {
				return problem.New(problem.Conflict, "%q already has an active application to this campaign: one per person", f.PersonID)
			}
			if seat > 0 && attempt < 5 {
				continue
			}
		}
		if err != nil {
			return err
		}
		web.Location(c, "%s/%s", c.Request.URL.Path, app.ID)
		c.Header("ETag", web.ETag(1))
		return web.JSON(c, nethttp.StatusCreated, app)
	}
}

// application reads the path's application, which must belong to the path's campaign.
func (a *API) application(c *gin.Context) (domain.Application, int64, error) {
	s, ver, err := a.Store.Applications.Get(c.Request.Context(), tenantOf(c).Code, c.Param("application"))
	if err == nil && s.CampaignID != c.Param("campaign") {
		err = problem.New(problem.NotFound, "application not found")
	}
	return s.Application, ver, err
}

func (a *API) getApplication(c *gin.Context) error {
	app, ver, err := a.application(c)
	if err != nil {
		return err
	}
	c.Header("ETag", web.ETag(ver))
	return web.JSON(c, nethttp.StatusOK, app)
}

func (a *API) listApplications(c *gin.Context) error {
	limit, err := web.Limit(c, 50, 500)
	if err != nil {
		return err
	}
	filter := bson.D{{Key: "campaign_id", Value: c.Param("campaign")}}
	if s := c.Query("status"); s != "" {
		if s != domain.ApplicationActive && s != domain.ApplicationWithdrawn {
			return problem.Fields("invalid query parameter", problem.Field("status", "active or withdrawn"))
		}
		filter = append(filter, bson.E{Key: "status", Value: s})
	}
	if p := c.Query("position"); p != "" {
		filter = append(filter, bson.E{Key: "position", Value: p})
	}
	items, next, err := a.Store.Applications.List(c.Request.Context(), tenantOf(c).Code, filter, c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	out := make([]domain.Application, len(items))
	for i, s := range items {
		out[i] = s.Application
	}
	return web.JSON(c, nethttp.StatusOK, web.Page[domain.Application]{Items: out, NextCursor: next})
}

// updateApplication loads the campaign, then lets fn change the application of the path
// and name its events; concurrent changes (two panel members scoring at once) are
// retried with the fresh application.
func (a *API) updateApplication(c *gin.Context, fn func(t domain.Tenant, cp domain.Campaign, app *domain.Application) ([]mongox.Event, error)) error {
	t := tenantOf(c)
	cp, _, err := a.Store.Campaigns.Get(c.Request.Context(), t.Code, c.Param("campaign"))
	if err != nil {
		return err
	}
	s, ver, err := a.Store.Applications.Update(c.Request.Context(), t.Code, c.Param("application"), 0, func(s *store.Application) ([]mongox.Event, error) {
		if s.CampaignID != cp.ID {
			return nil, problem.New(problem.NotFound, "application not found")
		}
		evs, err := fn(t, cp, &s.Application)
		s.Rekey()
		return evs, err
	})
	if err != nil {
		return err
	}
	c.Header("ETag", web.ETag(ver))
	return web.JSON(c, nethttp.StatusOK, s.Application)
}

func (a *API) withdraw(c *gin.Context) error {
	return a.updateApplication(c, func(t domain.Tenant, cp domain.Campaign, app *domain.Application) ([]mongox.Event, error) {
		return nil, app.Withdraw(cp, a.Now())
	})
}

// rescreen runs the automatic screening again on today's directory facts (an applicant's
// head-teacher assignment may have reached the directory after the application).
func (a *API) rescreen(c *gin.Context) error {
	app, _, err := a.application(c)
	if err != nil {
		return err
	}
	people, err := a.Store.People(c.Request.Context(), tenantOf(c).Code, app.PersonID)
	if err != nil {
		return err
	}
	return a.updateApplication(c, func(t domain.Tenant, cp domain.Campaign, app *domain.Application) ([]mongox.Event, error) {
		if cp.Status == domain.CampaignRanked {
			return nil, problem.New(problem.Conflict, "the campaign is ranked: screening is final")
		}
		app.Screen(t, people[app.PersonID], a.Now())
		ev, err := events.Screened(t.Code, *app)
		return []mongox.Event{ev}, err
	})
}

type overrideFields struct {
	Eligible      *bool  `json:"eligible"`
	Justification string `json:"justification"`
}

func (a *API) overrideScreening(c *gin.Context) error {
	var f overrideFields
	if err := web.Decode(c, &f); err != nil {
		return err
	}
	if f.Eligible == nil {
		return problem.Fields("the override has invalid fields", problem.Field("eligible", "required: true or false"))
	}
	return a.updateApplication(c, func(t domain.Tenant, cp domain.Campaign, app *domain.Application) ([]mongox.Event, error) {
		if cp.Status == domain.CampaignRanked {
			return nil, problem.New(problem.Conflict, "the campaign is ranked: screening is final")
		}
		if err := app.OverrideScreening(*f.Eligible, f.Justification, auth.From(c).Subject, a.Now()); err != nil {
			return nil, err
		}
		ev, err := events.Screened(t.Code, *app)
		return []mongox.Event{ev}, err
	})
}

func (a *API) recordAssessment(c *gin.Context) error {
	var f domain.AssessmentFields
	if err := web.Decode(c, &f); err != nil {
		return err
	}
	return a.updateApplication(c, func(t domain.Tenant, cp domain.Campaign, app *domain.Application) ([]mongox.Event, error) {
		as, err := app.RecordAssessment(cp, f, a.Now())
		if err != nil {
			return nil, err
		}
		ev, err := events.Assessed(t.Code, *app, as)
		return []mongox.Event{ev}, err
	})
}

type conflictFields struct {
	PersonID string `json:"person_id"`
	Rule     string `json:"rule"`
}

func (a *API) declareConflict(c *gin.Context) error {
	var f conflictFields
	if err := web.Decode(c, &f); err != nil {
		return err
	}
	return a.updateApplication(c, func(t domain.Tenant, cp domain.Campaign, app *domain.Application) ([]mongox.Event, error) {
		return nil, app.DeclareConflict(t, cp, f.PersonID, f.Rule, a.Now())
	})
}

// score records a panel member's levels; a member with a conflict of interest with the
// candidate (same school, same sector, declared) is refused with 409.
func (a *API) score(c *gin.Context) error {
	var f domain.ScoreFields
	if err := web.Decode(c, &f); err != nil {
		return err
	}
	t := tenantOf(c)
	var member domain.Affiliation
	if f.MemberID != "" {
		people, err := a.Store.People(c.Request.Context(), t.Code, f.MemberID)
		if err != nil {
			return err
		}
		member = people[f.MemberID].Affiliation(t, t.Today(a.Now()))
	}
	return a.updateApplication(c, func(t domain.Tenant, cp domain.Campaign, app *domain.Application) ([]mongox.Event, error) {
		if err := app.RecordScores(t, cp, f, app.ConflictsOf(t, member, f.MemberID), a.Now()); err != nil {
			return nil, err
		}
		ev, err := events.Scored(t.Code, *app, f.MemberID, f.Levels)
		return []mongox.Event{ev}, err
	})
}

type moderationFields struct {
	Criterion     string `json:"criterion"`
	Justification string `json:"justification"`
}

func (a *API) moderate(c *gin.Context) error {
	var f moderationFields
	if err := web.Decode(c, &f); err != nil {
		return err
	}
	t := tenantOf(c)
	cp, _, err := a.Store.Campaigns.Get(c.Request.Context(), t.Code, c.Param("campaign"))
	if err != nil {
		return err
	}
	members, err := a.members(c.Request.Context(), t, cp)
	if err != nil {
		return err
	}
	return a.updateApplication(c, func(t domain.Tenant, cp domain.Campaign, app *domain.Application) ([]mongox.Event, error) {
		return nil, app.Moderate(t, cp, f.Criterion, f.Justification, auth.From(c).Subject, members.Counted(t, *app), a.Now())
	})
}

package http

import (
	"context"
	nethttp "net/http"
	"time"

	"github.com/gin-gonic/gin"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/web"
	"github.com/l4l-platform/l4l/services/recruitment/internal/domain"
	"github.com/l4l-platform/l4l/services/recruitment/internal/events"
)

// panelCheck looks up the proposed panel's people in the directory's read model.
func (a *API) panelCheck(ctx context.Context, t domain.Tenant, p domain.Panel) (domain.PanelCheck, error) {
	people, err := a.Store.People(ctx, t.Code, p.All()...)
	return domain.PanelCheck{People: people, Today: t.Today(a.Now())}, err
}

func (a *API) createCampaign(c *gin.Context) error {
	var f domain.CampaignFields
	if err := web.Decode(c, &f); err != nil {
		return err
	}
	t := tenantOf(c)
	var pc domain.PanelCheck
	if f.Panel != nil {
		var err error
		if pc, err = a.panelCheck(c.Request.Context(), t, *f.Panel); err != nil {
			return err
		}
	}
	cp, err := domain.NewCampaign(t, f, pc, a.Now())
	if err != nil {
		return err
	}
	ev, err := events.Opened(t.Code, cp)
	if err != nil {
		return err
	}
	if err := a.Store.Campaigns.Insert(c.Request.Context(), t.Code, cp.ID, cp, ev); err != nil {
		if problem.Is(err, problem.Conflict) {
			return problem.Fields("the campaign has invalid fields", problem.Field("intake", "campaign %q already exists in %s", f.Intake, t.Code))
		}
		return err
	}
	return web.Created(c, cp.ID, cp)
}

func (a *API) getCampaign(c *gin.Context) error {
	cp, ver, err := a.Store.Campaigns.Get(c.Request.Context(), tenantOf(c).Code, c.Param("campaign"))
	if err != nil {
		return err
	}
	c.Header("ETag", web.ETag(ver))
	return web.JSON(c, nethttp.StatusOK, cp)
}

func (a *API) listCampaigns(c *gin.Context) error {
	limit, err := web.Limit(c, 50, 500)
	if err != nil {
		return err
	}
	var filter bson.D
	if s := c.Query("status"); s != "" {
		if s != domain.CampaignOpen && s != domain.CampaignClosed && s != domain.CampaignRanked {
			return problem.Fields("invalid query parameter", problem.Field("status", "open, closed or ranked"))
		}
		filter = append(filter, bson.E{Key: "status", Value: s})
	}
	items, next, err := a.Store.Campaigns.List(c.Request.Context(), tenantOf(c).Code, filter, c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	return web.JSON(c, nethttp.StatusOK, web.Page[domain.Campaign]{Items: items, NextCursor: next})
}

// updateCampaign applies fn to the campaign. With If-Match the client's version must
// still be current (412 otherwise); without it, a concurrent change is retried and fn
// decides again on the fresh campaign.
func (a *API) updateCampaign(c *gin.Context, ifMatch int64, fn func(t domain.Tenant, cp *domain.Campaign) ([]mongox.Event, error)) (domain.Campaign, error) {
	t := tenantOf(c)
	cp, ver, err := a.Store.Campaigns.Update(c.Request.Context(), t.Code, c.Param("campaign"), ifMatch, func(cp *domain.Campaign) ([]mongox.Event, error) {
		return fn(t, cp)
	})
	if err == nil {
		c.Header("ETag", web.ETag(ver))
	}
	return cp, err
}

func (a *API) setPanel(c *gin.Context) error {
	ifMatch, err := web.IfMatch(c)
	if err != nil {
		return err
	}
	var p domain.Panel
	if err := web.Decode(c, &p); err != nil {
		return err
	}
	pc, err := a.panelCheck(c.Request.Context(), tenantOf(c), p)
	if err != nil {
		return err
	}
	cp, err := a.updateCampaign(c, ifMatch, func(t domain.Tenant, cp *domain.Campaign) ([]mongox.Event, error) {
		return nil, cp.SetPanel(t, p, pc, a.Now())
	})
	if err != nil {
		return err
	}
	return web.JSON(c, nethttp.StatusOK, cp)
}

func (a *API) closeCampaign(c *gin.Context) error {
	cp, err := a.updateCampaign(c, 0, func(t domain.Tenant, cp *domain.Campaign) ([]mongox.Event, error) {
		if !cp.Close(a.Now()) {
			return nil, problem.New(problem.Conflict, "the campaign is already %s", cp.Status)
		}
		ev, err := events.Closed(t.Code, *cp)
		return []mongox.Event{ev}, err
	})
	if err != nil {
		return err
	}
	return web.JSON(c, nethttp.StatusOK, cp)
}

// members reads the panel's affiliations from the directory, for conflict checks.
func (a *API) members(ctx context.Context, t domain.Tenant, cp domain.Campaign) (domain.Members, error) {
	people, err := a.Store.People(ctx, t.Code, cp.Panel.All()...)
	if err != nil {
		return nil, err
	}
	today := t.Today(a.Now())
	m := domain.Members{}
	for id, p := range people {
		m[id] = p.Affiliation(t, today)
	}
	return m, nil
}

// rank ranks the campaign's candidates, closing it to applications. It is refused (409,
// naming each application) while scores are missing or moderation flags are open.
func (a *API) rank(c *gin.Context) error {
	t := tenantOf(c)
	cp, _, err := a.Store.Campaigns.Get(c.Request.Context(), t.Code, c.Param("campaign"))
	if err != nil {
		return err
	}
	if len(cp.Panel.All()) == 0 {
		return problem.New(problem.Conflict, "the campaign has no panel")
	}
	apps, err := a.Store.CampaignApplications(c.Request.Context(), t.Code, cp.ID)
	if err != nil {
		return err
	}
	members, err := a.members(c.Request.Context(), t, cp)
	if err != nil {
		return err
	}
	cands, err := domain.Prepare(t, cp, apps, members)
	if err != nil {
		return err
	}
	runs := domain.Rank(t.Rules().Criteria, cp.Positions, cands)
	cp, err = a.updateCampaign(c, 0, func(t domain.Tenant, cp *domain.Campaign) ([]mongox.Event, error) {
		var evs []mongox.Event
		if cp.Close(a.Now()) {
			ev, err := events.Closed(t.Code, *cp)
			if err != nil {
				return nil, err
			}
			evs = append(evs, ev)
		}
		if err := cp.ApplyRanking(runs, t.Rules().ReserveListSize, a.Now()); err != nil {
			return nil, err
		}
		ev, err := events.Ranked(t.Code, *cp)
		return append(evs, ev), err
	})
	if err != nil {
		return err
	}
	return web.JSON(c, nethttp.StatusOK, rankingOf(cp))
}

// Ranking is the ranking view of a campaign.
type Ranking struct {
	CampaignID string               `json:"campaign_id"`
	RankedAt   *time.Time           `json:"ranked_at"`
	Positions  []domain.PositionRun `json:"positions"`
}

func rankingOf(cp domain.Campaign) Ranking {
	runs := cp.Ranking
	if runs == nil {
		runs = []domain.PositionRun{}
	}
	return Ranking{CampaignID: cp.ID, RankedAt: cp.RankedAt, Positions: runs}
}

func (a *API) getRanking(c *gin.Context) error {
	cp, _, err := a.Store.Campaigns.Get(c.Request.Context(), tenantOf(c).Code, c.Param("campaign"))
	if err != nil {
		return err
	}
	if cp.Status != domain.CampaignRanked {
		return problem.New(problem.NotFound, "campaign %s has not been ranked yet", cp.Intake)
	}
	return web.JSON(c, nethttp.StatusOK, rankingOf(cp))
}

package http

import (
	"bytes"
	"encoding/csv"
	"fmt"
	nethttp "net/http"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/web"
	"github.com/l4l-platform/l4l/services/recruitment/internal/domain"
	"github.com/l4l-platform/l4l/services/recruitment/internal/events"
)

type offerFields struct {
	// ApplicationID, when set, offers to that candidate only (who must be next in rank
	// order); without it every free place is offered.
	ApplicationID string `json:"application_id"`
}

// OfferResult is the per-position outcome of making offers.
type OfferResult struct {
	Offers []domain.Offer `json:"offers"`
}

func (a *API) makeOffers(c *gin.Context) error {
	var f offerFields
	if c.Request.ContentLength != 0 {
		if err := web.Decode(c, &f); err != nil {
			return err
		}
	}
	t := tenantOf(c)
	var app domain.Application
	if f.ApplicationID != "" {
		s, _, err := a.Store.Applications.Get(c.Request.Context(), t.Code, f.ApplicationID)
		if problem.Is(err, problem.NotFound) {
			return problem.Fields("unknown application", problem.Field("application_id", "no application %q", f.ApplicationID))
		} else if err != nil {
			return err
		}
		app = s.Application
	}
	var made []domain.Offer
	_, err := a.updateCampaign(c, 0, func(t domain.Tenant, cp *domain.Campaign) ([]mongox.Event, error) {
		made = nil
		if f.ApplicationID != "" {
			o, err := cp.OfferTo(app, a.Now())
			if err != nil {
				return nil, err
			}
			made = []domain.Offer{o}
		} else {
			var err error
			if made, err = cp.MakeOffers(a.Now()); err != nil {
				return nil, err
			}
		}
		return offerEvents(t, *cp, events.OfferMade, made...)
	})
	if err != nil {
		return err
	}
	if made == nil {
		made = []domain.Offer{}
	}
	return web.JSON(c, nethttp.StatusOK, OfferResult{Offers: made})
}

func offerEvents(t domain.Tenant, cp domain.Campaign, typ string, offers ...domain.Offer) ([]mongox.Event, error) {
	evs := make([]mongox.Event, 0, len(offers))
	for _, o := range offers {
		ev, err := events.ForOffer(typ, t.Code, cp, o)
		if err != nil {
			return nil, err
		}
		evs = append(evs, ev)
	}
	return evs, nil
}

type acceptFields struct {
	// StartDate is the first day in the role; today by default.
	StartDate string `json:"start_date"`
}

func (a *API) acceptOffer(c *gin.Context) error {
	var f acceptFields
	if c.Request.ContentLength != 0 {
		if err := web.Decode(c, &f); err != nil {
			return err
		}
	}
	var ap domain.Appointment
	_, err := a.updateCampaign(c, 0, func(t domain.Tenant, cp *domain.Campaign) ([]mongox.Event, error) {
		start := f.StartDate
		if start == "" {
			start = t.Today(a.Now())
		}
		var err error
		if ap, err = cp.Accept(t, c.Param("offer"), start, a.Now()); err != nil {
			return nil, err
		}
		ev, err := events.Appointment(t.Code, *cp, ap)
		return []mongox.Event{ev}, err
	})
	if err != nil {
		return err
	}
	return web.JSON(c, nethttp.StatusOK, ap)
}

// DeclineResult is a declined offer and the offer made to the next on the reserve list
// (absent when the reserve is used up and the place stays open).
type DeclineResult struct {
	Declined domain.Offer  `json:"declined"`
	Next     *domain.Offer `json:"next,omitempty"`
}

func (a *API) declineOffer(c *gin.Context) error {
	var res DeclineResult
	_, err := a.updateCampaign(c, 0, func(t domain.Tenant, cp *domain.Campaign) ([]mongox.Event, error) {
		declined, next, err := cp.Decline(c.Param("offer"), a.Now())
		if err != nil {
			return nil, err
		}
		res = DeclineResult{Declined: declined, Next: next}
		evs, err := offerEvents(t, *cp, events.OfferDeclined, declined)
		if err != nil || next == nil {
			return evs, err
		}
		more, err := offerEvents(t, *cp, events.OfferMade, *next)
		return append(evs, more...), err
	})
	if err != nil {
		return err
	}
	return web.JSON(c, nethttp.StatusOK, res)
}

type inductionFields struct {
	Date string `json:"date"`
}

func (a *API) induct(c *gin.Context) error {
	var f inductionFields
	if err := web.Decode(c, &f); err != nil {
		return err
	}
	var ap domain.Appointment
	_, err := a.updateCampaign(c, 0, func(t domain.Tenant, cp *domain.Campaign) ([]mongox.Event, error) {
		var err error
		if ap, err = cp.Induct(c.Param("appointment"), f.Date, a.Now()); err != nil {
			return nil, err
		}
		ev, err := events.Induction(t.Code, ap)
		return []mongox.Event{ev}, err
	})
	if err != nil {
		return err
	}
	return web.JSON(c, nethttp.StatusOK, ap)
}

type exitFields struct {
	EndDate string `json:"end_date"`
	Reason  string `json:"reason"`
}

// ExitResult is the exited appointment and the replacement offer, if the reserve had one.
type ExitResult struct {
	Appointment domain.Appointment `json:"appointment"`
	Replacement *domain.Offer      `json:"replacement,omitempty"`
}

func (a *API) exit(c *gin.Context) error {
	var f exitFields
	if err := web.Decode(c, &f); err != nil {
		return err
	}
	var res ExitResult
	_, err := a.updateCampaign(c, 0, func(t domain.Tenant, cp *domain.Campaign) ([]mongox.Event, error) {
		ap, next, err := cp.Exit(c.Param("appointment"), f.EndDate, f.Reason, a.Now())
		if err != nil {
			return nil, err
		}
		res = ExitResult{Appointment: ap, Replacement: next}
		ev, err := events.Exit(t.Code, ap)
		if err != nil || next == nil {
			return []mongox.Event{ev}, err
		}
		more, err := offerEvents(t, *cp, events.OfferMade, *next)
		return append([]mongox.Event{ev}, more...), err
	})
	if err != nil {
		return err
	}
	return web.JSON(c, nethttp.StatusOK, res)
}

func (a *API) funnel(c *gin.Context) error {
	t := tenantOf(c)
	cp, _, err := a.Store.Campaigns.Get(c.Request.Context(), t.Code, c.Param("campaign"))
	if err != nil {
		return err
	}
	apps, err := a.Store.CampaignApplications(c.Request.Context(), t.Code, cp.ID)
	if err != nil {
		return err
	}
	members, err := a.members(c.Request.Context(), t, cp)
	if err != nil {
		return err
	}
	return web.JSON(c, nethttp.StatusOK, domain.FunnelOf(cp, apps, func(app domain.Application) bool {
		return len(app.Missing(t, cp, members.Counted(t, app))) == 0
	}))
}

// rankingCSV exports the ranking for the panel's minutes: one row per ranked candidate,
// ids only (names stay in the directory).
func (a *API) rankingCSV(c *gin.Context) error {
	t := tenantOf(c)
	cp, _, err := a.Store.Campaigns.Get(c.Request.Context(), t.Code, c.Param("campaign"))
	if err != nil {
		return err
	}
	if cp.Status != domain.CampaignRanked {
		return problem.New(problem.NotFound, "campaign %s has not been ranked yet", cp.Intake)
	}
	crit := t.Rules().Criteria
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	head := []string{"role", "unit", "rank", "application_id", "person_id", "score"}
	for _, cr := range crit {
		head = append(head, cr.Key)
	}
	_ = w.Write(append(head, "years_as_head_teacher", "selection"))
	for _, run := range cp.Ranking {
		p, _ := cp.Position(run.Position)
		for _, r := range run.Ranked {
			row := []string{p.Role, p.Unit, strconv.Itoa(r.Rank), r.ApplicationID, r.PersonID, fmt.Sprintf("%.3f", r.Score)}
			for _, cr := range crit {
				row = append(row, fmt.Sprintf("%.2f", r.Criteria[cr.Key]))
			}
			_ = w.Write(append(row, strconv.Itoa(r.YearsAsHeadTeacher), selectionOf(cp, run, r.ApplicationID)))
		}
	}
	w.Flush()
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="ranking-%s.csv"`, cp.ID))
	c.Data(nethttp.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
	return nil
}

// selectionOf says where a ranked candidate stands: appointed, exited, offered, declined,
// reserve, or ranked only.
func selectionOf(cp domain.Campaign, run domain.PositionRun, app string) string {
	for _, ap := range cp.Appointments {
		if ap.ApplicationID == app {
			return ap.Status
		}
	}
	for i := len(cp.Offers) - 1; i >= 0; i-- {
		if o := cp.Offers[i]; o.ApplicationID == app {
			return "offer_" + o.Status
		}
	}
	if slices.Contains(run.Reserve, app) {
		return "reserve"
	}
	return "ranked"
}

// Vacancy is a unit with fewer active holders of a recruited role than its quota.
type Vacancy struct {
	Role    string   `json:"role"`
	Unit    string   `json:"unit"`
	Quota   int      `json:"quota"`
	Holders []string `json:"holders"`
}

// vacancies lists the units without their quota of leaders (Rwanda: sectors without an
// active LLL), from the directory's role assignments — the single source of truth for
// who holds which role, including those this service's appointments created.
func (a *API) vacancies(c *gin.Context) error {
	t := tenantOf(c)
	roles := t.Rules().Roles
	if r := c.Query("role"); r != "" {
		if !slices.Contains(roles, r) {
			return problem.Fields("invalid query parameter", problem.Field("role", "one of the recruited roles %v", roles))
		}
		roles = []string{r}
	}
	today := t.Today(a.Now())
	out := []Vacancy{}
	for _, key := range roles {
		role, _ := t.Profile.Role(key)
		if role.Quota == nil {
			continue
		}
		facts, err := a.Store.RoleHolders(c.Request.Context(), t.Code, key)
		if err != nil {
			return err
		}
		for _, u := range t.Profile.UnitsUnder(t.Code, role.Quota.PerLevel) {
			holders := []string{}
			for _, f := range facts {
				if f.Unit == u.Code && f.ActiveOn(today) && !slices.Contains(holders, f.PersonID) {
					holders = append(holders, f.PersonID)
				}
			}
			if len(holders) < role.Quota.Count {
				out = append(out, Vacancy{Role: key, Unit: u.Code, Quota: role.Quota.Count, Holders: holders})
			}
		}
	}
	return web.JSON(c, nethttp.StatusOK, gin.H{"items": out})
}

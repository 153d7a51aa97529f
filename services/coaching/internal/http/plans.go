package http

import (
	"context"
	"errors"
	nethttp "net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/l4l-platform/l4l/libs/auth"
	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/web"
	"github.com/l4l-platform/l4l/services/coaching/internal/domain"
	"github.com/l4l-platform/l4l/services/coaching/internal/events"
)

// registerPlans adds the school improvement plan routes. Every token of the tenant may
// call them; who may submit, review, self-review or record a risk check is decided here
// from the roster and the coaching relationships (the school's head teacher submits and
// self-reviews; the head teacher's coach or a reviewer role of the school's unit reviews).
func (a *API) registerPlans(t *gin.RouterGroup, idem gin.HandlerFunc) {
	t.GET("/plans", web.Handle(a.listPlans))
	t.POST("/plans", idem, web.Handle(a.createPlan))
	t.GET("/plans/:id", web.Handle(a.getPlan))
	t.POST("/plans/:id/versions", web.Handle(a.resubmitPlan))
	t.POST("/plans/:id/reviews", web.Handle(a.reviewPlan))
	t.POST("/plans/:id/self-reviews", idem, web.Handle(a.recordSelfReview))
	t.GET("/schools/:id/plan", web.Handle(a.schoolPlan))

	t.GET("/risk-checks", web.Handle(a.listRiskChecks))
	t.POST("/risk-checks", idem, web.Handle(a.createRiskCheck))
	t.GET("/risk-checks/:id", web.Handle(a.getRiskCheck))
}

// schoolUnits is where a school sits (the school, its sector, ...); nil when the directory
// has not announced the school.
func schoolUnits(t domain.Tenant, r domain.Roster, school string) []string {
	if _, ok := r.Schools[school]; !ok {
		return nil
	}
	return t.UnitsOf(r, school)
}

// headTeacherOf checks that the caller is the school's head teacher, and returns the
// school's units.
func (a *API) headTeacherOf(ctx context.Context, t domain.Tenant, caller auth.Principal, school string) ([]string, error) {
	roster, err := a.Store.Roster(ctx, t.Code)
	if err != nil {
		return nil, err
	}
	units := schoolUnits(t, roster, school)
	if units == nil {
		return nil, problem.Fields("the plan has invalid fields", problem.Field("school_id", "%q is not a school of %s", school, t.Code))
	}
	if !roster.Holds(caller.Subject, domain.RatedRole(t.Profile), school, t.Today(a.Now())) || !visible0(caller, units, nil) {
		return nil, problem.New(problem.Forbidden, "a school's improvement plan is submitted by its head teacher")
	}
	return units, nil
}

func (a *API) createPlan(c *gin.Context) error {
	var f domain.PlanFields
	if err := web.Decode(c, &f); err != nil {
		return err
	}
	t, caller, now := tenantOf(c), auth.From(c), a.Now()
	ctx := c.Request.Context()
	rules := domain.PlanRulesFor(t.Profile)
	// Field errors first, then who may submit (the school must be known for that).
	p, err := domain.NewPlan(t, rules, f, caller.Subject, nil, now)
	if err != nil {
		return err
	}
	if p.Units, err = a.headTeacherOf(ctx, t, caller, f.SchoolID); err != nil {
		return err
	}
	ev, err := events.ForPlanSubmitted(t.Code, p)
	if err != nil {
		return err
	}
	if err := a.Store.Plans().Insert(ctx, t.Code, p.ID, p, ev); err != nil {
		if problem.Is(err, problem.Conflict) {
			if cur, _, err2 := a.Store.PlanOf(ctx, t.Code, f.SchoolID, f.SchoolYear); err2 == nil {
				return problem.New(problem.Conflict, "school %s has a plan for %s already (%s): submit a new version of it", f.SchoolID, f.SchoolYear, cur.ID)
			}
		}
		return err
	}
	return web.Created(c, p.ID, p)
}

func (a *API) listPlans(c *gin.Context) error {
	limit, err := web.Limit(c, 50, 500)
	if err != nil {
		return err
	}
	f := append(filters(c, "school_id", "school_year", "status", "head_teacher_id", "unit"), scope(c)...)
	items, next, err := a.Store.Plans().List(c.Request.Context(), tenantOf(c).Code, f, c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	return web.JSON(c, nethttp.StatusOK, web.Page[domain.SchoolPlan]{Items: items, NextCursor: next})
}

func (a *API) getPlan(c *gin.Context) error {
	return getVisible(c, a.Store.Plans().Get, "plan", func(x *domain.SchoolPlan) ([]string, []string) { return x.Units, x.Parties })
}

// updatePlan applies change to the plan under If-Match and answers the plan with its new
// ETag. A refused change writes nothing.
func (a *API) updatePlan(c *gin.Context, change func(p *domain.SchoolPlan) ([]mongox.Event, error)) error {
	ifMatch, err := web.IfMatch(c)
	if err != nil {
		return err
	}
	t := tenantOf(c)
	p, ver, err := a.Store.Plans().Update(c.Request.Context(), t.Code, c.Param("id"), ifMatch, func(p *domain.SchoolPlan) ([]mongox.Event, error) {
		if !visible(c, p.Units, p.Parties) {
			return nil, notFound("plan")
		}
		return change(p)
	})
	if err != nil {
		return err
	}
	c.Header("ETag", web.ETag(ver))
	return web.JSON(c, nethttp.StatusOK, p)
}

// resubmitPlan adds a version: after a review asked for changes, or as a revision.
func (a *API) resubmitPlan(c *gin.Context) error {
	var content domain.PlanContent
	if err := web.Decode(c, &content); err != nil {
		return err
	}
	t, caller, now := tenantOf(c), auth.From(c), a.Now()
	rules := domain.PlanRulesFor(t.Profile)
	roster, err := a.Store.Roster(c.Request.Context(), t.Code)
	if err != nil {
		return err
	}
	return a.updatePlan(c, func(p *domain.SchoolPlan) ([]mongox.Event, error) {
		if !roster.Holds(caller.Subject, domain.RatedRole(t.Profile), p.SchoolID, t.Today(now)) {
			return nil, problem.New(problem.Forbidden, "a school's improvement plan is submitted by its head teacher")
		}
		if err := p.Resubmit(t, rules, content, caller.Subject, now); err != nil {
			return nil, err
		}
		ev, err := events.ForPlanSubmitted(t.Code, *p)
		return []mongox.Event{ev}, err
	})
}

// reviewer decides in which capacity the caller reviews a plan: as the coach of its head
// teacher (whatever the coach's role, interim cover included), or in a reviewer role
// (SEO, DEO) whose token covers the school.
func (a *API) reviewer(ctx context.Context, t domain.Tenant, caller auth.Principal, rules domain.PlanRules, headTeacher string, units []string) (domain.Reviewer, error) {
	rels, err := a.Store.ActiveRelationships(ctx, t.Code, bson.D{{Key: "coachee_id", Value: headTeacher}, {Key: "coach_id", Value: caller.Subject}})
	if err != nil {
		return domain.Reviewer{}, err
	}
	if len(rels) > 0 {
		return domain.Reviewer{PersonID: caller.Subject, Role: rels[0].CoachRole}, nil
	}
	for _, role := range rules.ReviewerRoles {
		if caller.HasRole(role) && visible0(caller, units, nil) {
			return domain.Reviewer{PersonID: caller.Subject, Role: role}, nil
		}
	}
	return domain.Reviewer{}, problem.New(problem.Forbidden, "a plan is reviewed by the head teacher's coach or by an education officer (%v) of the school's unit", rules.ReviewerRoles)
}

func (a *API) reviewPlan(c *gin.Context) error {
	var f domain.ReviewFields
	if err := web.Decode(c, &f); err != nil {
		return err
	}
	t, caller, now := tenantOf(c), auth.From(c), a.Now()
	rules := domain.PlanRulesFor(t.Profile)
	return a.updatePlan(c, func(p *domain.SchoolPlan) ([]mongox.Event, error) {
		by, err := a.reviewer(c.Request.Context(), t, caller, rules, p.HeadTeacherID, p.Units)
		if err != nil {
			return nil, err
		}
		r, err := p.Review(rules, f, by, now)
		if err != nil {
			return nil, err
		}
		reviewed, err := events.ForPlanReviewed(t, *p, r)
		if err != nil {
			return nil, err
		}
		evs := []mongox.Event{reviewed}
		if r.Decision == domain.DecisionApprove {
			approved, err := events.ForPlanApproved(t, *p, r)
			if err != nil {
				return nil, err
			}
			evs = append(evs, approved)
		}
		return evs, nil
	})
}

// recordSelfReview records the school's termly self-review. It needs no If-Match: it adds
// to the plan without changing what the caller read, and the one-per-term rule refuses a
// second one.
func (a *API) recordSelfReview(c *gin.Context) error {
	var f domain.SelfReviewFields
	if err := web.Decode(c, &f); err != nil {
		return err
	}
	t, ctx := tenantOf(c), c.Request.Context()
	roster, err := a.Store.Roster(ctx, t.Code)
	if err != nil {
		return err
	}
	p, ver, err := a.addSelfReview(ctx, t, auth.From(c), roster, a.Now(), c.Param("id"), f)
	if err != nil {
		return err
	}
	web.Location(c, "%s", strings.TrimSuffix(c.Request.URL.Path, "/self-reviews"))
	c.Header("ETag", web.ETag(ver))
	return web.JSON(c, nethttp.StatusCreated, p)
}

// addSelfReview records a self-review in the plan with its event; one whose client-made
// id the plan holds already is a Conflict wrapping errRecorded.
func (a *API) addSelfReview(ctx context.Context, t domain.Tenant, caller auth.Principal, roster domain.Roster, now time.Time, planID string, f domain.SelfReviewFields) (domain.SchoolPlan, int64, error) {
	return a.Store.Plans().Update(ctx, t.Code, planID, 0, func(p *domain.SchoolPlan) ([]mongox.Event, error) {
		if !visible0(caller, p.Units, p.Parties) {
			return nil, notFound("plan")
		}
		if f.ID != "" && slices.ContainsFunc(p.SelfReviews, func(s domain.SelfReview) bool { return s.ID == f.ID }) {
			return nil, problem.Wrap(problem.Conflict, errRecorded, "self-review %s is already recorded", f.ID)
		}
		if !roster.Holds(caller.Subject, domain.RatedRole(t.Profile), p.SchoolID, t.Today(now)) {
			return nil, problem.New(problem.Forbidden, "a school's self-review is recorded by its head teacher")
		}
		s, err := p.RecordSelfReview(t, f, caller.Subject, now)
		if err != nil {
			return nil, err
		}
		ev, err := events.ForSelfReview(t.Code, *p, s)
		return []mongox.Event{ev}, err
	})
}

// SyncSelfReview is a self-review in an offline upload: the plan it reviews, and the
// self-review with its id made on the device.
type SyncSelfReview struct {
	PlanID string `json:"plan_id"`
	domain.SelfReviewFields
}

// riskChecks records the drop-out-risk checks of an upload, one result each.
func (b *batch) riskChecks(items []domain.RiskCheckFields) ([]ItemResult, error) {
	roster, err := b.getRoster()
	if err != nil {
		return nil, err
	}
	results := make([]ItemResult, len(items))
	for i, f := range items {
		_, err := b.a.recordRiskCheck(b.ctx, b.t, b.caller, roster, b.now, f)
		results[i], err = b.result("risk_check", i, f.ID, err)
		if err != nil {
			return nil, err
		}
	}
	return results, nil
}

// selfReviews records the self-reviews of an upload, one result each.
func (b *batch) selfReviews(items []SyncSelfReview) ([]ItemResult, error) {
	roster, err := b.getRoster()
	if err != nil {
		return nil, err
	}
	results := make([]ItemResult, len(items))
	for i, f := range items {
		_, _, err := b.a.addSelfReview(b.ctx, b.t, b.caller, roster, b.now, f.PlanID, f.SelfReviewFields)
		results[i], err = b.result("self_review", i, f.ID, err)
		if err != nil {
			return nil, err
		}
	}
	return results, nil
}

// result turns one item's outcome into its result; an error of ours fails the upload.
func (b *batch) result(kind string, i int, id string, err error) (ItemResult, error) {
	switch {
	case err == nil:
		return ItemResult{Kind: kind, Index: i, ID: id, Status: ItemCreated}, nil
	case errors.Is(err, errRecorded):
		return ItemResult{Kind: kind, Index: i, ID: id, Status: ItemExists}, nil
	case internal(err):
		return ItemResult{}, err
	}
	return b.reject(kind, i, id, err), nil
}

// visitView is what a coaching visit sees of a school's plan.
type visitView struct {
	SchoolID         string              `json:"school_id"`
	SchoolYear       string              `json:"school_year"`
	PlanID           string              `json:"plan_id,omitempty"`
	Status           string              `json:"status"`
	CurrentVersion   int                 `json:"current_version"`
	Current          *domain.PlanVersion `json:"current,omitempty"`
	LatestReview     *domain.PlanReview  `json:"latest_review,omitempty"`
	LatestSelfReview *domain.SelfReview  `json:"latest_self_review,omitempty"`
	RiskCheck        *domain.RiskCheck   `json:"risk_check,omitempty"`
}

// schoolPlan is the visit view: the school's current (approved) plan of the school year
// (school_year, by default the year of today), its latest review and self-review, and the
// school's latest drop-out-risk check. Status "none" when the school has no plan yet.
func (a *API) schoolPlan(c *gin.Context) error {
	t, ctx := tenantOf(c), c.Request.Context()
	school := c.Param("id")
	roster, err := a.Store.Roster(ctx, t.Code)
	if err != nil {
		return err
	}
	units := schoolUnits(t, roster, school)
	if units == nil || !visible(c, units, nil) {
		return notFound("school")
	}
	year := c.Query("school_year")
	if year == "" {
		year = currentYear(t, t.Today(a.Now()))
	}
	view := visitView{SchoolID: school, SchoolYear: year, Status: "none"}
	p, _, err := a.Store.PlanOf(ctx, t.Code, school, year)
	switch {
	case problem.Is(err, problem.NotFound):
	case err != nil:
		return err
	default:
		view.PlanID, view.Status, view.CurrentVersion = p.ID, p.Status, p.CurrentVersion
		if v, ok := p.Version(p.CurrentVersion); ok {
			view.Current = &v
		}
		if n := len(p.Reviews); n > 0 {
			view.LatestReview = &p.Reviews[n-1]
		}
		view.LatestSelfReview = p.LatestSelfReview()
	}
	if view.RiskCheck, err = a.Store.LatestRiskCheck(ctx, t.Code, school); err != nil {
		return err
	}
	return web.JSON(c, nethttp.StatusOK, view)
}

// currentYear is the school year whose first term has begun last by date ("" when none).
func currentYear(t domain.Tenant, date string) string {
	year := ""
	for _, y := range t.Profile.Spec().Calendar.SchoolYears {
		if len(y.Terms) > 0 && y.Terms[0].Start <= date {
			year = y.Name
		}
	}
	return year
}

// riskRecorder decides in which capacity the caller records a school's drop-out-risk
// check: as the coach of its head teacher, or in a recorder role (SEO of its unit, field
// staff).
func (a *API) riskRecorder(ctx context.Context, t domain.Tenant, caller auth.Principal, rules domain.PlanRules, school string, units []string) (domain.Reviewer, error) {
	rels, err := a.Store.ActiveRelationships(ctx, t.Code, bson.D{{Key: "coach_id", Value: caller.Subject}, {Key: "unit", Value: school}})
	if err != nil {
		return domain.Reviewer{}, err
	}
	if len(rels) > 0 {
		return domain.Reviewer{PersonID: caller.Subject, Role: rels[0].CoachRole}, nil
	}
	for _, role := range rules.RiskRecorderRoles {
		if caller.HasRole(role) && (role == domain.FieldStaffRole || visible0(caller, units, nil)) {
			return domain.Reviewer{PersonID: caller.Subject, Role: role}, nil
		}
	}
	return domain.Reviewer{}, problem.New(problem.Forbidden, "a drop-out-risk check is recorded by the head teacher's coach, the school's SEO or field staff")
}

func (a *API) createRiskCheck(c *gin.Context) error {
	var f domain.RiskCheckFields
	if err := web.Decode(c, &f); err != nil {
		return err
	}
	t, ctx := tenantOf(c), c.Request.Context()
	roster, err := a.Store.Roster(ctx, t.Code)
	if err != nil {
		return err
	}
	r, err := a.recordRiskCheck(ctx, t, auth.From(c), roster, a.Now(), f)
	if err != nil {
		return err
	}
	return web.Created(c, r.ID, r)
}

// errRecorded marks an offline record whose client-made id is stored already.
var errRecorded = problem.New(problem.Conflict, "already recorded")

// recordRiskCheck validates and stores a drop-out-risk check with its event; a check
// whose id is stored already is a Conflict wrapping errRecorded.
func (a *API) recordRiskCheck(ctx context.Context, t domain.Tenant, caller auth.Principal, roster domain.Roster, now time.Time, f domain.RiskCheckFields) (domain.RiskCheck, error) {
	rules := domain.PlanRulesFor(t.Profile)
	units := schoolUnits(t, roster, f.SchoolID)
	var by domain.Reviewer
	if units != nil {
		var err error
		if by, err = a.riskRecorder(ctx, t, caller, rules, f.SchoolID, units); err != nil {
			return domain.RiskCheck{}, err
		}
	}
	r, err := domain.NewRiskCheck(t, rules, f, units, by, now)
	if err != nil {
		return r, err
	}
	if f.SessionID != "" {
		s, _, err := a.Store.Sessions.Get(ctx, t.Code, f.SessionID)
		if problem.Is(err, problem.NotFound) || (err == nil && !slices.Contains(s.Units, f.SchoolID)) {
			return r, problem.Fields("the drop-out-risk check has invalid fields", problem.Field("session_id", "%q is not a coaching session at school %s", f.SessionID, f.SchoolID))
		} else if err != nil {
			return r, err
		}
	}
	ev, err := events.ForRiskCheck(t.Code, r)
	if err != nil {
		return r, err
	}
	if err := a.Store.RiskChecks().Insert(ctx, t.Code, r.ID, r, ev); err != nil {
		if problem.Is(err, problem.Conflict) {
			return r, problem.Wrap(problem.Conflict, errRecorded, "a drop-out-risk check with id %s is already recorded", r.ID)
		}
		return r, err
	}
	return r, nil
}

func (a *API) listRiskChecks(c *gin.Context) error {
	limit, err := web.Limit(c, 50, 500)
	if err != nil {
		return err
	}
	f := append(filters(c, "school_id", "recorder_id", "unit"), scope(c)...)
	items, next, err := a.Store.RiskChecks().List(c.Request.Context(), tenantOf(c).Code, f, c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	return web.JSON(c, nethttp.StatusOK, web.Page[domain.RiskCheck]{Items: items, NextCursor: next})
}

func (a *API) getRiskCheck(c *gin.Context) error {
	return getVisible(c, a.Store.RiskChecks().Get, "drop-out-risk check", func(x *domain.RiskCheck) ([]string, []string) { return x.Units, x.Parties })
}

package http

import (
	nethttp "net/http"

	"github.com/gin-gonic/gin"

	"github.com/l4l-platform/l4l/libs/auth"
	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/web"
	"github.com/l4l-platform/l4l/services/accreditation/internal/domain"
	"github.com/l4l-platform/l4l/services/accreditation/internal/events"
)

type assessorBody struct {
	// AssessorID names the assessor; empty picks the least loaded eligible one.
	AssessorID string `json:"assessor_id"`
}

func (a *API) assignAssessor(c *gin.Context) error {
	var b assessorBody
	if err := web.Decode(c, &b); err != nil {
		return err
	}
	ctx, t := c.Request.Context(), tenantOf(c)
	e, _, err := a.enrolment(c)
	if err != nil {
		return err
	}
	leader, err := a.Store.PersonFacts(ctx, t, e.PersonID)
	if err != nil {
		return err
	}
	var chosen domain.Assessor
	if b.AssessorID == "" {
		pool, err := a.Store.Assessors(ctx, t)
		if err != nil {
			return err
		}
		load, err := a.Store.AssessorLoad(ctx, t)
		if err != nil {
			return err
		}
		var ok bool
		if chosen, ok = domain.PickAssessor(leader, pool, load); !ok {
			return &problem.Error{Kind: problem.Unprocessable, Detail: "no registered assessor is free of a conflict of interest with this leader",
				Fields: []problem.FieldError{problem.Field("assessor_id", "register another assessor (PUT /assessors/{person_id}) or name one")}}
		}
	} else if chosen, err = a.Store.Assessor(ctx, t, b.AssessorID); err != nil {
		if problem.Is(err, problem.NotFound) {
			return problem.Fields("the assessor is not valid", problem.Field("assessor_id", "%s is not a registered assessor of %s", b.AssessorID, t))
		}
		return err
	}
	e, ver, err := a.Store.Enrolments.Update(ctx, t, e.ID, 0, func(x *domain.Enrolment) ([]mongox.Event, error) {
		return nil, x.AssignAssessor(leader, chosen)
	})
	if err != nil {
		return err
	}
	return a.respond(c, e, ver)
}

// registeredAssessor is the caller as an assessor of the tenant.
func (a *API) registeredAssessor(c *gin.Context) (domain.Assessor, error) {
	me, err := a.Store.Assessor(c.Request.Context(), tenantOf(c), auth.From(c).Subject)
	if problem.Is(err, problem.NotFound) || (err == nil && !me.Active) {
		return me, problem.New(problem.Forbidden, "you are not a registered assessor of %s", tenantOf(c))
	}
	return me, err
}

type assessmentBody struct {
	Judgements []domain.Judgement `json:"judgements"`
	Outcome    string             `json:"outcome"`
	Feedback   string             `json:"feedback"`
}

func (a *API) assess(c *gin.Context) error {
	var b assessmentBody
	if err := web.Decode(c, &b); err != nil {
		return err
	}
	me, err := a.registeredAssessor(c)
	if err != nil {
		return err
	}
	t, p := tenantOf(c), programmeOf(c)
	e, ver, err := a.Store.Enrolments.Update(c.Request.Context(), t, c.Param("id"), 0, func(x *domain.Enrolment) ([]mongox.Event, error) {
		if err := x.Assess(p, me.PersonID, domain.AssessmentInput{Judgements: b.Judgements, Outcome: b.Outcome, Feedback: b.Feedback}, a.Now()); err != nil {
			return nil, err
		}
		ev, err := events.ForAssessment(t, *x, false)
		return []mongox.Event{ev}, err
	})
	if err != nil {
		return err
	}
	return a.respond(c, e, ver)
}

type moderationBody struct {
	Outcome  string `json:"outcome"`
	Feedback string `json:"feedback"`
}

func (a *API) moderate(c *gin.Context) error {
	var b moderationBody
	if err := web.Decode(c, &b); err != nil {
		return err
	}
	me, err := a.registeredAssessor(c)
	if err != nil {
		return err
	}
	ctx, t, p := c.Request.Context(), tenantOf(c), programmeOf(c)
	e, _, err := a.Store.Enrolments.Get(ctx, t, c.Param("id"))
	if err != nil {
		return err
	}
	leader, err := a.Store.PersonFacts(ctx, t, e.PersonID)
	if err != nil {
		return err
	}
	e, ver, err := a.Store.Enrolments.Update(ctx, t, e.ID, 0, func(x *domain.Enrolment) ([]mongox.Event, error) {
		if err := x.Moderate(p, leader, me, b.Outcome, b.Feedback, a.Now()); err != nil {
			return nil, err
		}
		ev, err := events.ForAssessment(t, *x, true)
		return []mongox.Event{ev}, err
	})
	if err != nil {
		return err
	}
	return a.respond(c, e, ver)
}

func (a *API) listAssessors(c *gin.Context) error {
	as, err := a.Store.Assessors(c.Request.Context(), tenantOf(c))
	if err != nil {
		return err
	}
	return web.JSON(c, nethttp.StatusOK, web.Page[domain.Assessor]{Items: as})
}

type assessorRegistration struct {
	SchoolID string `json:"school_id"`
	Active   *bool  `json:"active"`
}

// putAssessor registers a person as an assessor of the tenant (or retires them). The
// directory refuses national roles inside a district, so this register is how the
// service learns its assessors; a directory role.assigned event for the assessor role
// registers one too.
func (a *API) putAssessor(c *gin.Context) error {
	var b assessorRegistration
	if err := web.Decode(c, &b); err != nil {
		return err
	}
	if b.Active == nil {
		return problem.Fields("the registration is not valid", problem.Field("active", "required: true registers, false retires"))
	}
	as := domain.Assessor{PersonID: c.Param("person"), SchoolID: b.SchoolID, Active: *b.Active, Source: "manual", EventTime: a.Now()}
	if err := a.Store.ApplyAssessor(c.Request.Context(), tenantOf(c), as); err != nil {
		return err
	}
	return web.JSON(c, nethttp.StatusOK, as)
}

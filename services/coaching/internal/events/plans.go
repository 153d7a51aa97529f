package events

import (
	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/services/coaching/internal/domain"
)

// School improvement plan event types. Analytics reads plan.reviewed
// (meets_quality_and_inclusion) and riskcheck.recorded (has_system) for two KPIs;
// recruitment may read plan.approved (focused_on_learning) for its eligibility rule.
const (
	PlanSubmitted      = "org.l4l.coaching.plan.submitted.v1"
	PlanReviewed       = "org.l4l.coaching.plan.reviewed.v1"
	PlanApproved       = "org.l4l.coaching.plan.approved.v1"
	SelfReviewRecorded = "org.l4l.coaching.selfreview.recorded.v1"
	RiskCheckRecorded  = "org.l4l.coaching.riskcheck.recorded.v1"
)

// sectorOf is the unit a school sits in (a school record's Units list the school, then
// the units above it).
func sectorOf(units []string) string {
	if len(units) > 1 {
		return units[1]
	}
	return ""
}

// PlanFacts are the facts every plan event carries.
type PlanFacts struct {
	PlanID        string `json:"plan_id"`
	SchoolID      string `json:"school_id"`
	Unit          string `json:"unit"`
	SchoolYear    string `json:"school_year"`
	HeadTeacherID string `json:"head_teacher_id"`
	Version       int    `json:"version"`
}

func planFacts(p domain.SchoolPlan, version int) PlanFacts {
	return PlanFacts{PlanID: p.ID, SchoolID: p.SchoolID, Unit: sectorOf(p.Units), SchoolYear: p.SchoolYear, HeadTeacherID: p.HeadTeacherID, Version: version}
}

// PlanSubmission is the data of plan.submitted: counts, never the plan's text.
type PlanSubmission struct {
	PlanFacts
	Priorities       int      `json:"priorities"`
	LinkedToLearning int      `json:"priorities_linked_to_learning"`
	LearningSubjects []string `json:"learning_subjects"`
	Areas            []string `json:"areas"`
	Actions          int      `json:"actions"`
	Targets          int      `json:"targets"`
	Resubmission     bool     `json:"resubmission"`
}

// ForPlanSubmitted builds plan.submitted for the plan's latest version.
func ForPlanSubmitted(tenant string, p domain.SchoolPlan) (events.Envelope, error) {
	v := p.Latest()
	d := PlanSubmission{PlanFacts: planFacts(p, v.Number), Priorities: len(v.Priorities), LearningSubjects: []string{}, Areas: []string{},
		Actions: len(v.Actions), Targets: len(v.Targets), Resubmission: v.Number > 1}
	for _, pr := range v.Priorities {
		if len(pr.LearningOutcomes) > 0 {
			d.LinkedToLearning++
		}
		d.LearningSubjects = appendNew(d.LearningSubjects, pr.LearningOutcomes...)
		d.Areas = appendNew(d.Areas, pr.Areas...)
	}
	return events.New(Source, PlanSubmitted, tenant, p.ID, d)
}

func appendNew(xs []string, ys ...string) []string {
	for _, y := range ys {
		found := false
		for _, x := range xs {
			found = found || x == y
		}
		if !found {
			xs = append(xs, y)
		}
	}
	return xs
}

// PlanReview is the data of plan.reviewed.
type PlanReview struct {
	PlanFacts
	ReviewID       string `json:"review_id"`
	ReviewerID     string `json:"reviewer_id"`
	ReviewerRole   string `json:"reviewer_role"`
	Decision       string `json:"decision"`
	CriteriaMet    int    `json:"criteria_met"`
	CriteriaPartly int    `json:"criteria_partly"`
	CriteriaNotMet int    `json:"criteria_not_met"`
	MeetsQuality   bool   `json:"meets_quality"`
	InclusionMet   bool   `json:"inclusion_met"`
	// MeetsQualityAndInclusion is the KPI's fact (seed 001: 98% of schools).
	MeetsQualityAndInclusion bool   `json:"meets_quality_and_inclusion"`
	Date                     string `json:"date"`
}

// ForPlanReviewed builds plan.reviewed.
func ForPlanReviewed(t domain.Tenant, p domain.SchoolPlan, r domain.PlanReview) (events.Envelope, error) {
	return events.New(Source, PlanReviewed, t.Code, p.ID, PlanReview{PlanFacts: planFacts(p, r.Version), ReviewID: r.ID,
		ReviewerID: r.ReviewerID, ReviewerRole: r.ReviewerRole, Decision: r.Decision, CriteriaMet: r.Met, CriteriaPartly: r.Partly,
		CriteriaNotMet: r.NotMet, MeetsQuality: r.MeetsQuality, InclusionMet: r.InclusionMet,
		MeetsQualityAndInclusion: r.MeetsQualityAndInclusion, Date: t.Today(r.At)})
}

// PlanApproval is the data of plan.approved: this version is now the school's plan.
type PlanApproval struct {
	PlanFacts
	ApprovedBy string `json:"approved_by"`
	// FocusedOnLearning: a priority is linked to a learning outcome (recruitment's
	// eligibility rule "has a school improvement plan focused on learning").
	FocusedOnLearning bool   `json:"focused_on_learning"`
	Date              string `json:"date"`
}

// ForPlanApproved builds plan.approved.
func ForPlanApproved(t domain.Tenant, p domain.SchoolPlan, r domain.PlanReview) (events.Envelope, error) {
	v, _ := p.Version(r.Version)
	return events.New(Source, PlanApproved, t.Code, p.ID, PlanApproval{PlanFacts: planFacts(p, r.Version), ApprovedBy: r.ReviewerID,
		FocusedOnLearning: v.FocusedOnLearning(), Date: t.Today(r.At)})
}

// SelfReview is the data of selfreview.recorded.
type SelfReview struct {
	PlanFacts
	SelfReviewID string `json:"self_review_id"`
	Term         string `json:"term"`
	Date         string `json:"date"`
	RecordedBy   string `json:"recorded_by"`
	OnTrack      int    `json:"on_track"`
	Behind       int    `json:"behind"`
	Done         int    `json:"done"`
	NotReviewed  int    `json:"not_reviewed"`
}

// ForSelfReview builds selfreview.recorded.
func ForSelfReview(tenant string, p domain.SchoolPlan, s domain.SelfReview) (events.Envelope, error) {
	return events.New(Source, SelfReviewRecorded, tenant, p.ID, SelfReview{PlanFacts: planFacts(p, s.Version), SelfReviewID: s.ID,
		Term: s.Term, Date: s.Date, RecordedBy: s.RecordedBy, OnTrack: s.OnTrack, Behind: s.Behind, Done: s.Done, NotReviewed: len(s.NotCovered)})
}

// RiskCheck is the data of riskcheck.recorded.
type RiskCheck struct {
	RiskCheckID  string `json:"risk_check_id"`
	SchoolID     string `json:"school_id"`
	Unit         string `json:"unit"`
	Date         string `json:"date"`
	RecorderID   string `json:"recorder_id"`
	RecorderRole string `json:"recorder_role"`
	SessionID    string `json:"session_id,omitempty"`
	CriteriaMet  int    `json:"criteria_met"`
	Criteria     int    `json:"criteria"`
	// HasSystem is the KPI's fact (seed 001: 72% of schools).
	HasSystem bool `json:"has_system"`
}

// ForRiskCheck builds riskcheck.recorded.
func ForRiskCheck(tenant string, r domain.RiskCheck) (events.Envelope, error) {
	return events.New(Source, RiskCheckRecorded, tenant, r.ID, RiskCheck{RiskCheckID: r.ID, SchoolID: r.SchoolID, Unit: sectorOf(r.Units),
		Date: r.Date, RecorderID: r.RecorderID, RecorderRole: r.RecorderRole, SessionID: r.SessionID, CriteriaMet: r.CriteriaMet,
		Criteria: len(r.Criteria), HasSystem: r.HasSystem})
}

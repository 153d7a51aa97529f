package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/profile"
)

// A school improvement plan is a school's plan for one school year, the evidence for the
// first leadership standard ("setting school direction and developing the school
// improvement plan"). The head teacher submits it; the head teacher's coach or an SEO
// reviews it against the quality and inclusion criteria, asking for changes or approving
// it; every submission is a new version, and the current plan is the latest approved
// version (a revision of an approved plan does not replace it until it is approved in
// turn). Each term the school reviews the current plan's actions and targets; the next
// coaching visit sees that self-review.
//
// Reviews and self-reviews live inside the plan's document, so that each change and its
// events are one single-document write.
type SchoolPlan struct {
	ID            string `json:"id" bson:"_id"`
	SchoolID      string `json:"school_id" bson:"school_id"`
	SchoolYear    string `json:"school_year" bson:"school_year"`
	HeadTeacherID string `json:"head_teacher_id" bson:"head_teacher_id"`
	// Status is the latest version's status.
	Status string `json:"status" bson:"status"`
	// CurrentVersion is the latest approved version (0 until one is approved).
	CurrentVersion int           `json:"current_version" bson:"current_version"`
	Versions       []PlanVersion `json:"versions" bson:"versions"`
	Reviews        []PlanReview  `json:"reviews" bson:"reviews"`
	SelfReviews    []SelfReview  `json:"self_reviews" bson:"self_reviews"`
	Units          []string      `json:"units" bson:"units"`
	CreatedAt      time.Time     `json:"created_at" bson:"created_at"`
	UpdatedAt      time.Time     `json:"updated_at" bson:"updated_at"`
	// SchoolYearKey is school|year: a unique index on it keeps one plan per school and year.
	SchoolYearKey string   `json:"-" bson:"school_year_key"`
	Parties       []string `json:"-" bson:"parties"`
	Change        string   `json:"-" bson:"change"`
}

// Version statuses (a plan's status is its latest version's).
const (
	PlanSubmitted        = "submitted"
	PlanChangesRequested = "changes_requested"
	PlanApproved         = "approved"
	// PlanSuperseded: a newer version was submitted before this one was reviewed.
	PlanSuperseded = "superseded"
)

// PlanVersion is one submission of the plan.
type PlanVersion struct {
	Number      int       `json:"number" bson:"number"`
	Status      string    `json:"status" bson:"status"`
	SubmittedBy string    `json:"submitted_by" bson:"submitted_by"`
	SubmittedAt time.Time `json:"submitted_at" bson:"submitted_at"`
	PlanContent `bson:",inline"`
}

// PlanContent is what a plan says.
type PlanContent struct {
	Priorities []Priority   `json:"priorities" bson:"priorities"`
	Actions    []PlanAction `json:"actions" bson:"actions"`
	Targets    []Target     `json:"targets" bson:"targets"`
	Inclusion  Inclusion    `json:"inclusion" bson:"inclusion"`
}

// Priority is one of the plan's priorities, linked to competency areas of the framework
// and to learning outcomes (the profile's learning subjects).
type Priority struct {
	Key              string   `json:"key" bson:"key"`
	Title            string   `json:"title" bson:"title"`
	Areas            []string `json:"areas" bson:"areas"`
	LearningOutcomes []string `json:"learning_outcomes" bson:"learning_outcomes"`
}

// PlanAction is an action of the plan, with its owner (a post or a name, as the school
// writes it) and dates.
type PlanAction struct {
	Key         string `json:"key" bson:"key"`
	Priority    string `json:"priority" bson:"priority"`
	Description string `json:"description" bson:"description"`
	Owner       string `json:"owner" bson:"owner"`
	Start       string `json:"start,omitempty" bson:"start"`
	Due         string `json:"due" bson:"due"`
}

// Target is a measurable target of the plan.
type Target struct {
	Key         string   `json:"key" bson:"key"`
	Priority    string   `json:"priority" bson:"priority"`
	Description string   `json:"description" bson:"description"`
	Subject     string   `json:"subject,omitempty" bson:"subject"`
	Baseline    *float64 `json:"baseline,omitempty" bson:"baseline,omitempty"`
	Value       float64  `json:"value" bson:"value"`
	By          string   `json:"by" bson:"by"`
}

// Inclusion is how the plan provides for learners with disabilities, girls and children
// at risk of dropping out, and how those children are identified.
type Inclusion struct {
	LearnersWithDisabilities string `json:"learners_with_disabilities" bson:"learners_with_disabilities"`
	Girls                    string `json:"girls" bson:"girls"`
	DropoutRisk              string `json:"dropout_risk" bson:"dropout_risk"`
	DropoutIdentification    string `json:"dropout_identification" bson:"dropout_identification"`
}

// PlanFields are what a head teacher submits first.
type PlanFields struct {
	SchoolID   string `json:"school_id"`
	SchoolYear string `json:"school_year"`
	PlanContent
}

// Limits of a plan's lists and texts.
const (
	maxPlanItems = 30
	// MaxPlanVersions bounds the versions of one plan, so that its document (versions,
	// reviews and self-reviews together) stays far below MongoDB's 16 MB.
	MaxPlanVersions = 40
	maxPlanTitle    = 200
	maxPlanText     = 4000
)

// Latest is the latest version.
func (p SchoolPlan) Latest() PlanVersion { return p.Versions[len(p.Versions)-1] }

// Version finds a version by number.
func (p SchoolPlan) Version(n int) (PlanVersion, bool) {
	if n < 1 || n > len(p.Versions) {
		return PlanVersion{}, false
	}
	return p.Versions[n-1], true
}

// FocusedOnLearning reports whether a version links at least one priority to a learning
// outcome (recruitment's eligibility "a school improvement plan focused on learning").
func (v PlanVersion) FocusedOnLearning() bool {
	return slices.ContainsFunc(v.Priorities, func(p Priority) bool { return len(p.LearningOutcomes) > 0 })
}

// NewPlan validates a head teacher's first submission for their school.
func NewPlan(t Tenant, rules PlanRules, f PlanFields, headTeacher string, units []string, now time.Time) (SchoolPlan, error) {
	var errs fieldErrs
	if f.SchoolID == "" {
		errs.add("school_id", "required")
	}
	if _, ok := schoolYear(t.Profile, f.SchoolYear); !ok {
		errs.add("school_year", "%q is not a school year of the calendar; one of %s", f.SchoolYear, strings.Join(schoolYears(t.Profile), ", "))
	}
	validateContent(t, rules, f.PlanContent, &errs)
	if err := errs.err("the plan has invalid fields"); err != nil {
		return SchoolPlan{}, err
	}
	p := SchoolPlan{ID: NewID(), SchoolID: f.SchoolID, SchoolYear: f.SchoolYear, HeadTeacherID: headTeacher, Status: PlanSubmitted,
		Versions: []PlanVersion{{Number: 1, Status: PlanSubmitted, SubmittedBy: headTeacher, SubmittedAt: now, PlanContent: normalize(f.PlanContent)}},
		Reviews:  []PlanReview{}, SelfReviews: []SelfReview{}, Units: units, CreatedAt: now, UpdatedAt: now,
		SchoolYearKey: f.SchoolID + "|" + f.SchoolYear, Parties: []string{headTeacher}, Change: NewChange()}
	return p, nil
}

// Resubmit adds a new version: after changes were requested, as a revision of an approved
// plan, or replacing a version not yet reviewed (which is then superseded). Only the
// school's head teacher resubmits (the HTTP layer checks the role; here, that the plan's
// head teacher is the one, or the school's new one).
func (p *SchoolPlan) Resubmit(t Tenant, rules PlanRules, c PlanContent, by string, now time.Time) error {
	var errs fieldErrs
	validateContent(t, rules, c, &errs)
	if err := errs.err("the plan has invalid fields"); err != nil {
		return err
	}
	if len(p.Versions) >= MaxPlanVersions {
		return problem.New(problem.Conflict, "the plan has %d versions, the most one plan keeps: ask the district to review it", len(p.Versions))
	}
	if last := &p.Versions[len(p.Versions)-1]; last.Status == PlanSubmitted {
		last.Status = PlanSuperseded
	}
	n := len(p.Versions) + 1
	p.Versions = append(p.Versions, PlanVersion{Number: n, Status: PlanSubmitted, SubmittedBy: by, SubmittedAt: now, PlanContent: normalize(c)})
	p.Status, p.HeadTeacherID, p.UpdatedAt, p.Change = PlanSubmitted, by, now, NewChange()
	p.Parties = dedupe(append(p.Parties, by))
	return nil
}

func normalize(c PlanContent) PlanContent {
	for i := range c.Priorities {
		if c.Priorities[i].LearningOutcomes == nil {
			c.Priorities[i].LearningOutcomes = []string{}
		}
	}
	return c
}

func validateContent(t Tenant, rules PlanRules, c PlanContent, errs *fieldErrs) {
	keys := map[string]string{} // key → the list it is in: actions and targets share self-review refs
	priorities := map[string]bool{}
	checkKey := func(at, key, list string) {
		switch {
		case !slug.MatchString(key):
			errs.add(at+".key", "required: lower-case letters, digits and _, starting with a letter (at most 40)")
		case keys[key] != "":
			errs.add(at+".key", "%q is used twice (keys name priorities, actions and targets in self-reviews)", key)
		default:
			keys[key] = list
		}
	}
	text := func(at, s string, max int) {
		switch {
		case strings.TrimSpace(s) == "":
			errs.add(at, "required")
		case len(s) > max:
			errs.add(at, "at most %d characters", max)
		}
	}
	count := func(field string, n int) {
		if n == 0 || n > maxPlanItems {
			errs.add(field, "from 1 to %d", maxPlanItems)
		}
	}
	count("priorities", len(c.Priorities))
	for i, p := range c.Priorities {
		at := fmt.Sprintf("priorities[%d]", i)
		checkKey(at, p.Key, "priorities")
		priorities[p.Key] = true
		text(at+".title", p.Title, maxPlanTitle)
		if len(p.Areas) == 0 {
			errs.add(at+".areas", "link the priority to at least one competency area: %s", strings.Join(areaKeys(t.Profile), ", "))
		}
		for j, a := range p.Areas {
			if _, ok := area(t.Profile, a); !ok {
				errs.add(fmt.Sprintf("%s.areas[%d]", at, j), "%q is not a competency area; one of %s", a, strings.Join(areaKeys(t.Profile), ", "))
			}
		}
		for j, s := range p.LearningOutcomes {
			if !slices.Contains(rules.LearningSubjects, s) {
				errs.add(fmt.Sprintf("%s.learning_outcomes[%d]", at, j), "%q is not a learning subject; one of %s", s, strings.Join(rules.LearningSubjects, ", "))
			}
		}
	}
	priority := func(at, key string) {
		if len(c.Priorities) > 0 && !priorities[key] { // no priorities at all is one error, said once
			errs.add(at+".priority", "%q is not a priority of the plan", key)
		}
	}
	count("actions", len(c.Actions))
	for i, a := range c.Actions {
		at := fmt.Sprintf("actions[%d]", i)
		checkKey(at, a.Key, "actions")
		priority(at, a.Priority)
		text(at+".description", a.Description, maxPlanText)
		text(at+".owner", a.Owner, maxPlanTitle)
		if !ValidDate(a.Due) {
			errs.add(at+".due", "required, as YYYY-MM-DD")
		}
		switch {
		case a.Start == "":
		case !ValidDate(a.Start):
			errs.add(at+".start", "as YYYY-MM-DD")
		case ValidDate(a.Due) && a.Start > a.Due:
			errs.add(at+".start", "after the due date %s", a.Due)
		}
	}
	count("targets", len(c.Targets))
	for i, tg := range c.Targets {
		at := fmt.Sprintf("targets[%d]", i)
		checkKey(at, tg.Key, "targets")
		priority(at, tg.Priority)
		text(at+".description", tg.Description, maxPlanText)
		if tg.Subject != "" && !slices.Contains(rules.LearningSubjects, tg.Subject) {
			errs.add(at+".subject", "%q is not a learning subject; one of %s", tg.Subject, strings.Join(rules.LearningSubjects, ", "))
		}
		if !ValidDate(tg.By) {
			errs.add(at+".by", "required, as YYYY-MM-DD")
		}
	}
	text("inclusion.learners_with_disabilities", c.Inclusion.LearnersWithDisabilities, maxPlanText)
	text("inclusion.girls", c.Inclusion.Girls, maxPlanText)
	text("inclusion.dropout_risk", c.Inclusion.DropoutRisk, maxPlanText)
	text("inclusion.dropout_identification", c.Inclusion.DropoutIdentification, maxPlanText)
}

func schoolYear(p *profile.Index, name string) (profile.SchoolYear, bool) {
	for _, y := range p.Spec().Calendar.SchoolYears {
		if y.Name == name {
			return y, true
		}
	}
	return profile.SchoolYear{}, false
}

func schoolYears(p *profile.Index) []string {
	var out []string
	for _, y := range p.Spec().Calendar.SchoolYears {
		out = append(out, y.Name)
	}
	return out
}

// PlanReview is a quality review of one version.
type PlanReview struct {
	ID           string            `json:"id" bson:"id"`
	Version      int               `json:"version" bson:"version"`
	ReviewerID   string            `json:"reviewer_id" bson:"reviewer_id"`
	ReviewerRole string            `json:"reviewer_role" bson:"reviewer_role"`
	Decision     string            `json:"decision" bson:"decision"`
	Criteria     []CriterionRating `json:"criteria" bson:"criteria"`
	Comment      string            `json:"comment,omitempty" bson:"comment"`
	Assessment   `bson:",inline"`
	At           time.Time `json:"at" bson:"at"`
}

// CriterionRating is a reviewer's rating of one criterion.
type CriterionRating struct {
	Key     string `json:"key" bson:"key"`
	Rating  string `json:"rating" bson:"rating"`
	Comment string `json:"comment,omitempty" bson:"comment"`
}

// Review decisions.
const (
	DecisionApprove        = "approve"
	DecisionRequestChanges = "request_changes"
)

// ReviewFields are what a reviewer sends.
type ReviewFields struct {
	Version  int               `json:"version"`
	Decision string            `json:"decision"`
	Criteria []CriterionRating `json:"criteria"`
	Comment  string            `json:"comment"`
}

// Reviewer is who reviews and in which capacity (a coach role, or a reviewer role).
type Reviewer struct {
	PersonID string
	Role     string
}

// Review records a reviewer's quality review of the latest version. Approving needs the
// criteria met (the rules' "meets quality and inclusion"); asking for changes needs a
// comment saying what to change. Nobody reviews their own plan.
func (p *SchoolPlan) Review(rules PlanRules, f ReviewFields, by Reviewer, now time.Time) (PlanReview, error) {
	if by.PersonID == p.HeadTeacherID || by.PersonID == p.Latest().SubmittedBy {
		return PlanReview{}, problem.New(problem.Forbidden, "a head teacher does not review their own plan")
	}
	var errs fieldErrs
	latest := p.Latest()
	if f.Version != latest.Number {
		errs.add("version", "the latest version is %d", latest.Number)
	}
	if f.Decision != DecisionApprove && f.Decision != DecisionRequestChanges {
		errs.add("decision", "one of approve, request_changes")
	}
	seen := map[string]bool{}
	for i, c := range f.Criteria {
		at := fmt.Sprintf("criteria[%d]", i)
		if _, ok := rules.Criterion(c.Key); !ok {
			errs.add(at+".key", "%q is not a plan criterion; one of %s", c.Key, strings.Join(rules.criterionKeys(), ", "))
		} else if seen[c.Key] {
			errs.add(at+".key", "%q is rated twice", c.Key)
		}
		seen[c.Key] = true
		if c.Rating != RatingMet && c.Rating != RatingPartly && c.Rating != RatingNotMet {
			errs.add(at+".rating", "one of met, partly, not_met")
		}
		if len(c.Comment) > maxPlanText {
			errs.add(at+".comment", "at most %d characters", maxPlanText)
		}
	}
	var missing []string
	for _, k := range rules.criterionKeys() {
		if !seen[k] {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		errs.add("criteria", "rate every criterion; not rated: %s", strings.Join(missing, ", "))
	}
	if len(f.Comment) > maxPlanText {
		errs.add("comment", "at most %d characters", maxPlanText)
	} else if f.Decision == DecisionRequestChanges && strings.TrimSpace(f.Comment) == "" {
		errs.add("comment", "say what to change when asking for changes")
	}
	if err := errs.err("the review has invalid fields"); err != nil {
		return PlanReview{}, err
	}
	if latest.Status != PlanSubmitted {
		return PlanReview{}, problem.New(problem.Conflict, "version %d is %s: only a submitted version is reviewed", latest.Number, latest.Status)
	}
	a := rules.Assess(f.Criteria)
	if f.Decision == DecisionApprove && !a.MeetsQualityAndInclusion {
		return PlanReview{}, problem.Fields("the plan cannot be approved", problem.Field("decision",
			"the plan does not meet the quality and inclusion criteria (%d met, %d partly, %d not met; required but not met: %s): request changes instead",
			a.Met, a.Partly, a.NotMet, strings.Join(a.Short, ", ")))
	}
	r := PlanReview{ID: NewID(), Version: latest.Number, ReviewerID: by.PersonID, ReviewerRole: by.Role, Decision: f.Decision,
		Criteria: f.Criteria, Comment: f.Comment, Assessment: a, At: now}
	status := PlanChangesRequested
	if f.Decision == DecisionApprove {
		status = PlanApproved
		p.CurrentVersion = latest.Number
	}
	p.Versions[len(p.Versions)-1].Status = status
	p.Status, p.UpdatedAt, p.Change = status, now, NewChange()
	p.Reviews = append(p.Reviews, r)
	p.Parties = dedupe(append(p.Parties, by.PersonID))
	return r, nil
}

// SelfReview is the school's termly review of the current plan's actions and targets.
type SelfReview struct {
	ID         string           `json:"id" bson:"id"`
	Version    int              `json:"version" bson:"version"`
	Term       string           `json:"term" bson:"term"`
	Date       string           `json:"date" bson:"date"`
	RecordedBy string           `json:"recorded_by" bson:"recorded_by"`
	Items      []SelfReviewItem `json:"items" bson:"items"`
	// Counts per status, and the actions and targets of the version it did not review.
	OnTrack    int       `json:"on_track" bson:"on_track"`
	Behind     int       `json:"behind" bson:"behind"`
	Done       int       `json:"done" bson:"done"`
	NotCovered []string  `json:"not_reviewed" bson:"not_reviewed"`
	At         time.Time `json:"at" bson:"at"`
}

// SelfReviewItem is the state of one action or target (by its key).
type SelfReviewItem struct {
	Ref      string `json:"ref" bson:"ref"`
	Status   string `json:"status" bson:"status"`
	Evidence string `json:"evidence,omitempty" bson:"evidence"`
}

// Self-review statuses.
const (
	ItemOnTrack = "on_track"
	ItemBehind  = "behind"
	ItemDone    = "done"
)

// SelfReviewFields are what the school sends.
type SelfReviewFields struct {
	ID    string           `json:"id"`
	Date  string           `json:"date"`
	Items []SelfReviewItem `json:"items"`
}

// TermOf is the term of the school year a date counts toward: the term it falls in, or
// during a holiday the term that ended last (a review written in the holidays reviews
// the term just ended). "" before the year's first term or after its end.
func TermOf(p *profile.Index, year, date string) string {
	y, ok := schoolYear(p, year)
	if !ok {
		return ""
	}
	term := ""
	for _, tm := range y.Terms {
		if tm.Start <= date {
			term = tm.Name
		}
	}
	if n := len(y.Terms); n > 0 && date > y.Terms[n-1].End {
		return ""
	}
	return term
}

// RecordSelfReview records the school's self-review of the current (approved) version,
// one per term of the plan's year, once the term has begun.
func (p *SchoolPlan) RecordSelfReview(t Tenant, f SelfReviewFields, by string, now time.Time) (SelfReview, error) {
	if p.CurrentVersion == 0 {
		return SelfReview{}, problem.New(problem.Conflict, "the plan has no approved version yet: a self-review reviews the approved plan")
	}
	cur, _ := p.Version(p.CurrentVersion)
	var errs fieldErrs
	if f.ID != "" && !ValidID(f.ID) {
		errs.add("id", "must be a UUID")
	}
	term := ""
	switch today := t.Today(now); {
	case !ValidDate(f.Date):
		errs.add("date", "required, as YYYY-MM-DD")
	case f.Date > today:
		errs.add("date", "%s is in the future (today is %s)", f.Date, today)
	default:
		if term = TermOf(t.Profile, p.SchoolYear, f.Date); term == "" {
			errs.add("date", "%s is not in a term of the school year %s", f.Date, p.SchoolYear)
		}
	}
	refs := map[string]bool{}
	for _, a := range cur.Actions {
		refs[a.Key] = true
	}
	for _, tg := range cur.Targets {
		refs[tg.Key] = true
	}
	if len(f.Items) == 0 {
		errs.add("items", "review at least one action or target")
	}
	seen := map[string]bool{}
	for i, it := range f.Items {
		at := fmt.Sprintf("items[%d]", i)
		switch {
		case !refs[it.Ref]:
			errs.add(at+".ref", "%q is not an action or target of version %d", it.Ref, cur.Number)
		case seen[it.Ref]:
			errs.add(at+".ref", "%q is reviewed twice", it.Ref)
		}
		seen[it.Ref] = true
		if it.Status != ItemOnTrack && it.Status != ItemBehind && it.Status != ItemDone {
			errs.add(at+".status", "one of on_track, behind, done")
		}
		if len(it.Evidence) > maxPlanText {
			errs.add(at+".evidence", "at most %d characters", maxPlanText)
		}
	}
	if err := errs.err("the self-review has invalid fields"); err != nil {
		return SelfReview{}, err
	}
	for _, s := range p.SelfReviews {
		if s.Term == term {
			return SelfReview{}, problem.New(problem.Conflict, "%s of %s has its self-review already (%s)", term, p.SchoolYear, s.ID)
		}
	}
	id := f.ID
	if id == "" {
		id = NewID()
	}
	s := SelfReview{ID: id, Version: cur.Number, Term: term, Date: f.Date, RecordedBy: by, Items: f.Items, NotCovered: []string{}, At: now}
	for _, it := range f.Items {
		switch it.Status {
		case ItemOnTrack:
			s.OnTrack++
		case ItemBehind:
			s.Behind++
		case ItemDone:
			s.Done++
		}
	}
	for _, a := range cur.Actions {
		if !seen[a.Key] {
			s.NotCovered = append(s.NotCovered, a.Key)
		}
	}
	for _, tg := range cur.Targets {
		if !seen[tg.Key] {
			s.NotCovered = append(s.NotCovered, tg.Key)
		}
	}
	p.SelfReviews = append(p.SelfReviews, s)
	p.UpdatedAt, p.Change = now, NewChange()
	p.Parties = dedupe(append(p.Parties, by))
	return s, nil
}

// LatestSelfReview is the most recent self-review (nil when none).
func (p SchoolPlan) LatestSelfReview() *SelfReview {
	if len(p.SelfReviews) == 0 {
		return nil
	}
	s := p.SelfReviews[len(p.SelfReviews)-1]
	return &s
}

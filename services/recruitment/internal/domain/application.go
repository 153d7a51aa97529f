package domain

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/profile"
)

// Application statuses. A withdrawn application frees the person to apply again.
const (
	ApplicationActive    = "active"
	ApplicationWithdrawn = "withdrawn"
)

// Assessment kinds: the District Selection Panel visits the candidate's school and
// interviews the candidate (seed 000).
const (
	SiteVisit = "site_visit"
	Interview = "interview"
)

// EvidenceSources are where site-visit evidence comes from (seed 000: "interviews with
// teachers, students and the community"), plus the panel's own observation.
var EvidenceSources = []string{"teachers", "pupils", "community", "observation"}

// Application is a head teacher's application for a leader-of-learning role in a campaign,
// with its screening and assessment.
type Application struct {
	ID         string `json:"id" bson:"_id"`
	CampaignID string `json:"campaign_id" bson:"campaign_id"`
	PersonID   string `json:"person_id" bson:"person_id"`
	Role       string `json:"role" bson:"role"`
	Position   string `json:"position" bson:"position"`
	SchoolID   string `json:"school_id" bson:"school_id"`
	// SchoolUnit is the unit of the candidate's school (a sector in Rwanda).
	SchoolUnit string `json:"school_unit" bson:"school_unit"`
	Status     string `json:"status" bson:"status"`
	// HeadTeacherSince is the start date of the applicant's head-teacher assignment.
	HeadTeacherSince   string             `json:"head_teacher_since" bson:"head_teacher_since"`
	YearsAsHeadTeacher int                `json:"years_as_head_teacher" bson:"years_as_head_teacher"`
	Evidence           map[string]bool    `json:"evidence" bson:"evidence"`
	Counts             map[string]int     `json:"counts" bson:"counts"`
	Screening          Screening          `json:"screening" bson:"screening"`
	Assessments        []Assessment       `json:"assessments" bson:"assessments"`
	Declared           []DeclaredConflict `json:"declared_conflicts" bson:"declared_conflicts"`
	Scores             []Score            `json:"scores" bson:"scores"`
	Moderations        []Moderation       `json:"moderations" bson:"moderations"`
	SubmittedAt        time.Time          `json:"submitted_at" bson:"submitted_at"`
	UpdatedAt          time.Time          `json:"updated_at" bson:"updated_at"`
	// WithdrawnAt is when the applicant withdrew: the retention job counts the lifetime
	// of a withdrawn application from it.
	WithdrawnAt *time.Time `json:"withdrawn_at,omitempty" bson:"withdrawn_at,omitempty"`
}

// Screening is the automatic check against each eligibility rule, and the chair's override.
type Screening struct {
	Eligible   bool         `json:"eligible" bson:"eligible"`
	Rules      []RuleResult `json:"rules" bson:"rules"`
	Override   *Override    `json:"override,omitempty" bson:"override"`
	ScreenedAt time.Time    `json:"screened_at" bson:"screened_at"`
}

// RuleResult is one eligibility rule's outcome, with the reason when it failed.
type RuleResult struct {
	Rule   string `json:"rule" bson:"rule"`
	Passed bool   `json:"passed" bson:"passed"`
	Reason string `json:"reason,omitempty" bson:"reason"`
}

// Override is the panel chair's decision against the automatic screening, with the
// justification recorded.
type Override struct {
	Eligible      bool      `json:"eligible" bson:"eligible"`
	Justification string    `json:"justification" bson:"justification"`
	By            string    `json:"by" bson:"by"`
	At            time.Time `json:"at" bson:"at"`
}

// Assessment is a site visit or an interview: who of the panel was there and the evidence
// noted by source.
type Assessment struct {
	ID      string         `json:"id" bson:"id"`
	Kind    string         `json:"kind" bson:"kind"`
	Date    string         `json:"date" bson:"date"`
	Present []string       `json:"present" bson:"present"`
	Notes   []EvidenceNote `json:"notes" bson:"notes"`
}

// EvidenceNote is what the panel heard or saw from one source.
type EvidenceNote struct {
	Source string `json:"source" bson:"source"`
	Text   string `json:"text" bson:"text"`
}

// DeclaredConflict is a conflict of interest a panel member declared for this candidate.
type DeclaredConflict struct {
	PersonID string    `json:"person_id" bson:"person_id"`
	Rule     string    `json:"rule" bson:"rule"`
	At       time.Time `json:"at" bson:"at"`
}

// Score is one panel member's level on one criterion.
type Score struct {
	MemberID  string    `json:"member_id" bson:"member_id"`
	Criterion string    `json:"criterion" bson:"criterion"`
	Level     int       `json:"level" bson:"level"`
	At        time.Time `json:"at" bson:"at"`
}

// Moderation resolves a flagged criterion: the chair records why the spread stands.
type Moderation struct {
	Criterion     string    `json:"criterion" bson:"criterion"`
	Justification string    `json:"justification" bson:"justification"`
	By            string    `json:"by" bson:"by"`
	At            time.Time `json:"at" bson:"at"`
}

// Eligible is the screening's outcome, the chair's override winning.
func (a Application) Eligible() bool {
	if a.Screening.Override != nil {
		return a.Screening.Override.Eligible
	}
	return a.Screening.Eligible
}

// Active reports whether the application is in the running.
func (a Application) Active() bool { return a.Status == ApplicationActive }

// ApplicationFields are what an applicant sends.
type ApplicationFields struct {
	PersonID string `json:"person_id"`
	Role     string `json:"role"`
	// Evidence answers the profile's evidence rules (key → provided).
	Evidence map[string]bool `json:"evidence"`
	// Counts answer the profile's minimum rules the platform cannot compute itself.
	Counts map[string]int `json:"counts"`
}

// ApplicationContext is what the handler found for an application: the campaign, the
// applicant in the directory, and how many applications the campaign already has.
type ApplicationContext struct {
	Campaign     Campaign
	Person       PersonFacts
	Applications int
}

// NewApplication checks the application against the campaign's window and places and the
// applicant's standing in the directory, then screens it.
func NewApplication(t Tenant, f ApplicationFields, ac ApplicationContext, now time.Time) (Application, error) {
	var errs []problem.FieldError
	add := func(field, format string, args ...any) { errs = append(errs, problem.Field(field, format, args...)) }
	rules := t.Rules()
	today := t.Today(now)
	c := ac.Campaign
	if f.PersonID == "" {
		add("person_id", "required")
	}
	if !slices.Contains(rules.Roles, f.Role) {
		add("role", "one of %s", strings.Join(rules.Roles, ", "))
	}
	for k := range f.Evidence {
		if !slices.ContainsFunc(rules.Eligibility, func(r profile.EligibilityRule) bool { return r.Key == k && r.Kind == profile.EligibilityEvidence }) {
			add("evidence."+k, "not an evidence rule of this country's eligibility rules")
		}
	}
	for k, v := range f.Counts {
		if k == YearsAsHeadTeacherRule {
			add("counts."+k, "computed from the directory's head-teacher assignment; do not send it")
		} else if !slices.ContainsFunc(rules.Eligibility, func(r profile.EligibilityRule) bool { return r.Key == k && r.Kind == profile.EligibilityMinimum }) {
			add("counts."+k, "not a minimum rule of this country's eligibility rules")
		} else if v < 0 {
			add("counts."+k, "0 or more")
		}
	}
	if len(errs) > 0 {
		return Application{}, problem.Fields("the application has invalid fields", sortFields(errs)...)
	}
	ht, isHT := ac.Person.HeadTeacherOn(today)
	schoolUnit := ac.Person.SchoolUnits[ht.Unit]
	if !isHT || schoolUnit == "" || !t.Profile.Within(schoolUnit, t.Code) {
		return Application{}, problem.Fields("only head teachers of "+t.Code+" may apply",
			problem.Field("person_id", "%q is not a head teacher of a school of %s in the directory", f.PersonID, t.Code))
	}
	switch {
	case c.Status != CampaignOpen:
		return Application{}, conflict("campaign %s is %s: it takes no more applications", c.Intake, c.Status)
	case today < c.OpensOn || today > c.ClosesOn:
		return Application{}, conflict("applications to campaign %s are taken from %s to %s; today is %s", c.Intake, c.OpensOn, c.ClosesOn, today)
	case c.MaxApplications > 0 && ac.Applications >= c.MaxApplications:
		return Application{}, conflict("campaign %s is full: it takes %d applications", c.Intake, c.MaxApplications)
	}
	if ac.Person.Holds(today, rules.Roles...) {
		return Application{}, conflict("%q already holds a leader-of-learning role: one role per person", f.PersonID)
	}
	pos, ok := c.PositionFor(t, f.Role, schoolUnit)
	if !ok || pos.Places == 0 {
		return Application{}, conflict("campaign %s has no %s place for a school in %s", c.Intake, f.Role, schoolUnit)
	}
	a := Application{ID: NewID(), CampaignID: c.ID, PersonID: f.PersonID, Role: f.Role, Position: pos.Key,
		SchoolID: ht.Unit, SchoolUnit: schoolUnit, Status: ApplicationActive, Evidence: f.Evidence, Counts: f.Counts,
		Assessments: []Assessment{}, Declared: []DeclaredConflict{}, Scores: []Score{}, Moderations: []Moderation{},
		SubmittedAt: now, UpdatedAt: now}
	if a.Evidence == nil {
		a.Evidence = map[string]bool{}
	}
	if a.Counts == nil {
		a.Counts = map[string]int{}
	}
	a.Screen(t, ac.Person, now)
	return a, nil
}

// Screen checks the application against every eligibility rule, recording the reason for
// each failure. The head teacher's years come from the directory's assignment start date,
// counted to the day of screening. A chair's override is kept.
func (a *Application) Screen(t Tenant, p PersonFacts, now time.Time) {
	today := t.Today(now)
	if ht, ok := p.HeadTeacherOn(today); ok {
		a.HeadTeacherSince = ht.StartDate
		a.YearsAsHeadTeacher = wholeYears(ht.StartDate, today)
	}
	s := Screening{Eligible: true, Override: a.Screening.Override, ScreenedAt: now, Rules: []RuleResult{}}
	for _, r := range t.Rules().Eligibility {
		res := RuleResult{Rule: r.Key, Passed: true}
		switch r.Kind {
		case profile.EligibilityMinimum:
			v, known := a.Counts[r.Key]
			if r.Key == YearsAsHeadTeacherRule {
				v, known = a.YearsAsHeadTeacher, a.HeadTeacherSince != ""
			}
			switch {
			case !known:
				res.Passed, res.Reason = false, fmt.Sprintf("no value given; at least %d %s required", r.Min, r.Unit)
			case v < r.Min:
				res.Passed, res.Reason = false, fmt.Sprintf("%d %s; at least %d required", v, r.Unit, r.Min)
			}
		case profile.EligibilityEvidence:
			if !a.Evidence[r.Key] {
				res.Passed, res.Reason = false, "no evidence provided: "+r.Description
			}
		}
		s.Eligible = s.Eligible && res.Passed
		s.Rules = append(s.Rules, res)
	}
	a.Screening, a.UpdatedAt = s, now
}

// OverrideScreening records the chair's decision and why.
func (a *Application) OverrideScreening(eligible bool, justification, by string, now time.Time) error {
	justification = strings.TrimSpace(justification)
	if len(justification) < 10 || len(justification) > 2000 {
		return problem.Fields("an override needs its reason", problem.Field("justification", "required: 10 to 2000 characters saying why"))
	}
	a.Screening.Override = &Override{Eligible: eligible, Justification: justification, By: by, At: now}
	a.UpdatedAt = now
	return nil
}

// AssessmentFields record a site visit or an interview.
type AssessmentFields struct {
	Kind    string         `json:"kind"`
	Date    string         `json:"date"`
	Present []string       `json:"present"`
	Notes   []EvidenceNote `json:"notes"`
}

// RecordAssessment adds a site visit or interview attended by panel members.
func (a *Application) RecordAssessment(c Campaign, f AssessmentFields, now time.Time) (Assessment, error) {
	var errs []problem.FieldError
	add := func(field, format string, args ...any) { errs = append(errs, problem.Field(field, format, args...)) }
	if f.Kind != SiteVisit && f.Kind != Interview {
		add("kind", "site_visit or interview")
	}
	if _, err := parseDate(f.Date); err != nil {
		add("date", "required, as YYYY-MM-DD")
	}
	if len(f.Present) == 0 {
		add("present", "at least one panel member")
	}
	for i, p := range f.Present {
		if !c.Panel.Has(p) {
			add(fmt.Sprintf("present[%d]", i), "%q is not on the campaign's panel", p)
		} else if slices.Contains(f.Present[:i], p) {
			add(fmt.Sprintf("present[%d]", i), "listed twice")
		}
	}
	for i, n := range f.Notes {
		if !slices.Contains(EvidenceSources, n.Source) {
			add(fmt.Sprintf("notes[%d].source", i), "one of %s", strings.Join(EvidenceSources, ", "))
		}
		if strings.TrimSpace(n.Text) == "" || len(n.Text) > 5000 {
			add(fmt.Sprintf("notes[%d].text", i), "1 to 5000 characters")
		}
	}
	if len(errs) > 0 {
		return Assessment{}, problem.Fields("the assessment has invalid fields", sortFields(errs)...)
	}
	if err := a.assessable(c); err != nil {
		return Assessment{}, err
	}
	if f.Notes == nil {
		f.Notes = []EvidenceNote{}
	}
	as := Assessment{ID: NewID(), Kind: f.Kind, Date: f.Date, Present: f.Present, Notes: f.Notes}
	a.Assessments = append(a.Assessments, as)
	a.UpdatedAt = now
	return as, nil
}

func (a Application) assessable(c Campaign) error {
	switch {
	case !a.Active():
		return conflict("the application was withdrawn")
	case !a.Eligible():
		return conflict("the application did not pass screening: only eligible candidates are assessed")
	case c.Status == CampaignRanked:
		return conflict("the campaign is ranked: assessments and scores are final")
	}
	return nil
}

// DeclareConflict records that a panel member stands aside for this candidate under a
// declared rule of the profile.
func (a *Application) DeclareConflict(t Tenant, c Campaign, person, rule string, now time.Time) error {
	var errs []problem.FieldError
	if !c.Panel.Has(person) {
		errs = append(errs, problem.Field("person_id", "%q is not on the campaign's panel", person))
	}
	if !slices.ContainsFunc(t.Rules().Conflicts, func(r profile.ConflictRule) bool { return r.Key == rule && r.Declared }) {
		var keys []string
		for _, r := range t.Rules().Conflicts {
			if r.Declared {
				keys = append(keys, r.Key)
			}
		}
		errs = append(errs, problem.Field("rule", "one of the declared conflict rules: %s", strings.Join(keys, ", ")))
	}
	if len(errs) > 0 {
		return problem.Fields("the declaration has invalid fields", errs...)
	}
	if slices.ContainsFunc(a.Declared, func(d DeclaredConflict) bool { return d.PersonID == person && d.Rule == rule }) {
		return nil
	}
	a.Declared = append(a.Declared, DeclaredConflict{PersonID: person, Rule: rule, At: now})
	a.UpdatedAt = now
	return nil
}

// DeclaredBy lists the rules person declared for this candidate.
func (a Application) DeclaredBy(person string) []string {
	var out []string
	for _, d := range a.Declared {
		if d.PersonID == person {
			out = append(out, d.Rule)
		}
	}
	return out
}

// ConflictsOf lists the conflict rules that make member stand aside for this candidate.
func (a Application) ConflictsOf(t Tenant, member Affiliation, person string) []string {
	return Conflicts(t.Rules().Conflicts, member, CandidateAffiliation(t, a.SchoolID, a.SchoolUnit), a.DeclaredBy(person))
}

// Present reports whether member attended any site visit or interview of the candidate.
func (a Application) Present(member string) bool {
	return slices.ContainsFunc(a.Assessments, func(x Assessment) bool { return slices.Contains(x.Present, member) })
}

// ScoreFields are one member's levels on the rubric's criteria.
type ScoreFields struct {
	MemberID string         `json:"member_id"`
	Levels   map[string]int `json:"levels"`
}

// RecordScores sets a panel member's levels. A member scores only candidates they
// assessed and are not conflicted with: a conflicted member's scores are refused (409) and
// never counted. Changing a level reopens the criterion's moderation.
func (a *Application) RecordScores(t Tenant, c Campaign, f ScoreFields, conflicts []string, now time.Time) error {
	var errs []problem.FieldError
	crit := t.Rules().Criteria
	if f.MemberID == "" {
		errs = append(errs, problem.Field("member_id", "required"))
	}
	if len(f.Levels) == 0 {
		errs = append(errs, problem.Field("levels", "at least one criterion"))
	}
	for k, v := range f.Levels {
		i := slices.IndexFunc(crit, func(c profile.Criterion) bool { return c.Key == k })
		if i < 0 {
			errs = append(errs, problem.Field("levels."+k, "not a criterion of the rubric"))
		} else if n := len(crit[i].Levels); v < 1 || v > n {
			errs = append(errs, problem.Field("levels."+k, "a level from 1 to %d, not %d", n, v))
		}
	}
	if len(errs) > 0 {
		return problem.Fields("the scores have invalid fields", sortFields(errs)...)
	}
	if !c.Panel.Has(f.MemberID) {
		return problem.New(problem.Forbidden, "%q is not on the campaign's panel: only panel members score", f.MemberID)
	}
	if len(conflicts) > 0 {
		return conflict("%q has a conflict of interest with this candidate (%s) and must stand aside: the scores are refused", f.MemberID, strings.Join(conflicts, ", "))
	}
	if err := a.assessable(c); err != nil {
		return err
	}
	if !a.Present(f.MemberID) {
		return conflict("%q was not present at any site visit or interview of this candidate: record the assessment first", f.MemberID)
	}
	keys := make([]string, 0, len(f.Levels))
	for k := range f.Levels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		lv := f.Levels[k]
		i := slices.IndexFunc(a.Scores, func(s Score) bool { return s.MemberID == f.MemberID && s.Criterion == k })
		switch {
		case i < 0:
			a.Scores = append(a.Scores, Score{MemberID: f.MemberID, Criterion: k, Level: lv, At: now})
		case a.Scores[i].Level != lv:
			a.Scores[i].Level, a.Scores[i].At = lv, now
		default:
			continue
		}
		a.Moderations = slices.DeleteFunc(a.Moderations, func(m Moderation) bool { return m.Criterion == k })
	}
	a.UpdatedAt = now
	return nil
}

// Moderate resolves a flagged criterion with the chair's justification.
func (a *Application) Moderate(t Tenant, c Campaign, criterion, justification, by string, counted func(member string) bool, now time.Time) error {
	if !slices.ContainsFunc(t.Rules().Criteria, func(c profile.Criterion) bool { return c.Key == criterion }) {
		return problem.Fields("unknown criterion", problem.Field("criterion", "not a criterion of the rubric"))
	}
	justification = strings.TrimSpace(justification)
	if len(justification) < 10 || len(justification) > 2000 {
		return problem.Fields("a moderation needs its reason", problem.Field("justification", "required: 10 to 2000 characters"))
	}
	if c.Status == CampaignRanked {
		return conflict("the campaign is ranked: scores are final")
	}
	if !slices.Contains(a.Flags(t, counted), criterion) {
		return conflict("criterion %s is not flagged for moderation", criterion)
	}
	a.Moderations = append(a.Moderations, Moderation{Criterion: criterion, Justification: justification, By: by, At: now})
	a.UpdatedAt = now
	return nil
}

// levels returns, per criterion, the levels of the counted members' scores.
func (a Application) levels(counted func(member string) bool) map[string][]int {
	out := map[string][]int{}
	for _, s := range a.Scores {
		if counted(s.MemberID) {
			out[s.Criterion] = append(out[s.Criterion], s.Level)
		}
	}
	return out
}

// Flags lists the criteria whose counted scorers differ by more than one level and that
// no moderation resolved yet.
func (a Application) Flags(t Tenant, counted func(member string) bool) []string {
	return a.flags(t, a.levels(counted))
}

func (a Application) flags(t Tenant, lv map[string][]int) []string {
	var out []string
	for _, c := range t.Rules().Criteria {
		l := lv[c.Key]
		if len(l) > 1 && slices.Max(l)-slices.Min(l) > 1 &&
			!slices.ContainsFunc(a.Moderations, func(m Moderation) bool { return m.Criterion == c.Key }) {
			out = append(out, c.Key)
		}
	}
	return out
}

// Missing says what keeps the candidate from being ranked: a required site visit not
// made, no scorer, or criteria a present, unconflicted member has not scored.
func (a Application) Missing(t Tenant, c Campaign, counted func(member string) bool) []string {
	var out []string
	if t.Rules().Panel.SiteVisit && !slices.ContainsFunc(a.Assessments, func(x Assessment) bool { return x.Kind == SiteVisit }) {
		out = append(out, "no site visit recorded")
	}
	scorers := 0
	for _, m := range c.Panel.All() {
		if !a.Present(m) || !counted(m) {
			continue
		}
		scorers++
		for _, cr := range t.Rules().Criteria {
			if !slices.ContainsFunc(a.Scores, func(s Score) bool { return s.MemberID == m && s.Criterion == cr.Key }) {
				out = append(out, fmt.Sprintf("%s has not scored %s", m, cr.Key))
			}
		}
	}
	if scorers == 0 {
		out = append(out, "no unconflicted panel member assessed the candidate")
	}
	return out
}

// Candidate is the ranking's view of an application.
func (a Application) Candidate(counted func(member string) bool) Candidate {
	return a.candidate(a.levels(counted))
}

func (a Application) candidate(lv map[string][]int) Candidate {
	return Candidate{ApplicationID: a.ID, PersonID: a.PersonID, Position: a.Position, Levels: lv,
		YearsAsHeadTeacher: a.YearsAsHeadTeacher, SubmittedAt: a.SubmittedAt}
}

// Withdraw takes the application out of the running.
func (a *Application) Withdraw(c Campaign, now time.Time) error {
	if !a.Active() {
		return conflict("the application is already withdrawn")
	}
	if c.Status == CampaignRanked {
		return conflict("the campaign is ranked: decline the offer instead")
	}
	a.Status, a.UpdatedAt, a.WithdrawnAt = ApplicationWithdrawn, now, &now
	return nil
}

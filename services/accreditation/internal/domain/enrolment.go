package domain

import (
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"time"

	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/profile"
)

// Enrolment statuses. A portfolio is open (evidence may be added and mapped) while the
// enrolment is enrolled or resubmission_requested; it is locked from submission on.
const (
	StatusEnrolled    = "enrolled"
	StatusSubmitted   = "submitted"
	StatusResubmit    = "resubmission_requested"
	StatusPassed      = "passed"
	StatusFailed      = "failed"
	StatusAwarded     = "awarded"
	StatusWithdrawn   = "withdrawn"
	SourceAppointment = "appointment"
	SourceManual      = "manual"
)

// Outcomes of an assessment or a moderation.
const (
	OutcomePass     = "pass"
	OutcomeResubmit = "resubmit"
	OutcomeFail     = "fail"
)

// Why a moderation is required.
const (
	ModerateFail   = "fail"
	ModerateSample = "sample"
)

// Enrolment is a leader's place on the programme, with the portfolio's submissions and
// their assessment. The evidence itself lives in Evidence documents owned by the person.
type Enrolment struct {
	ID            string `bson:"_id" json:"id"`
	PersonID      string `bson:"person_id" json:"person_id"`
	Role          string `bson:"role" json:"role"`
	Unit          string `bson:"unit" json:"unit"`
	AppointmentID string `bson:"appointment_id,omitempty" json:"appointment_id,omitempty"`
	Source        string `bson:"source" json:"source"`
	Cohort        string `bson:"cohort" json:"cohort"`
	Status        string `bson:"status" json:"status"`
	// ActiveKey is the person id while the enrolment is live and its own id once
	// withdrawn: a unique index keeps one live enrolment per person.
	ActiveKey string `bson:"active_key" json:"-"`
	// AppointmentKey is the appointment id (or the enrolment id for manual ones): a
	// redelivered appointment enrols nobody twice.
	AppointmentKey string `bson:"appointment_key" json:"-"`
	// Appointments are the appointments that hold the leader on the programme: the first,
	// and any later one of the same person (an LLL appointed NLL keeps their enrolment).
	// The enrolment is withdrawn when the last of them ends.
	Appointments   []string     `bson:"appointments" json:"appointment_ids"`
	EnrolledAt     time.Time    `bson:"enrolled_at" json:"enrolled_at"`
	EnrolledBy     string       `bson:"enrolled_by,omitempty" json:"enrolled_by,omitempty"`
	WithdrawnAt    *time.Time   `bson:"withdrawn_at,omitempty" json:"withdrawn_at,omitempty"`
	WithdrawReason string       `bson:"withdraw_reason,omitempty" json:"withdraw_reason,omitempty"`
	AssessorID     string       `bson:"assessor_id,omitempty" json:"assessor_id,omitempty"`
	Submissions    []Submission `bson:"submissions" json:"submissions"`
	CredentialID   string       `bson:"credential_id,omitempty" json:"credential_id,omitempty"`
}

// Submission is one submission of the portfolio, frozen as it was submitted.
type Submission struct {
	Number      int              `bson:"number" json:"number"`
	SubmittedAt time.Time        `bson:"submitted_at" json:"submitted_at"`
	Evidence    []SnapshotItem   `bson:"evidence" json:"evidence"`
	Progress    []RequirementRow `bson:"progress" json:"progress"`
	Assessment  *Assessment      `bson:"assessment,omitempty" json:"assessment,omitempty"`
	Moderation  *Moderation      `bson:"moderation,omitempty" json:"moderation,omitempty"`
}

// SnapshotItem is one piece of evidence as it stood at submission.
type SnapshotItem struct {
	EvidenceID  string    `bson:"evidence_id" json:"evidence_id"`
	Requirement string    `bson:"requirement" json:"requirement"`
	Mappings    []Mapping `bson:"mappings" json:"mappings"`
}

// Assessment is an assessor's judgement of a submission.
type Assessment struct {
	AssessorID string      `bson:"assessor_id" json:"assessor_id"`
	Judgements []Judgement `bson:"judgements" json:"judgements"`
	Outcome    string      `bson:"outcome" json:"outcome"`
	Feedback   string      `bson:"feedback" json:"feedback"`
	At         time.Time   `bson:"at" json:"at"`
}

// Judgement is the rubric level given to one competency.
type Judgement struct {
	Competency string `bson:"competency" json:"competency"`
	Level      int    `bson:"level" json:"level"`
	Feedback   string `bson:"feedback" json:"feedback"`
}

// Moderation is a second assessor's review; its outcome stands.
type Moderation struct {
	Reason      string     `bson:"reason" json:"reason"`
	ModeratorID string     `bson:"moderator_id,omitempty" json:"moderator_id,omitempty"`
	Outcome     string     `bson:"outcome,omitempty" json:"outcome,omitempty"`
	Feedback    string     `bson:"feedback,omitempty" json:"feedback,omitempty"`
	At          *time.Time `bson:"at,omitempty" json:"at,omitempty"`
}

// EnrolFields are what an enrolment is made from.
type EnrolFields struct {
	PersonID      string
	Role          string
	Unit          string
	AppointmentID string
	Source        string
	Cohort        string
	By            string
}

// NewEnrolment validates and makes an enrolment of a leader of tenant, whose unit must be
// a unit of the tenant at the level the role acts at.
func NewEnrolment(p Programme, idx *profile.Index, tenant, id string, f EnrolFields, now time.Time) (Enrolment, error) {
	var errs []problem.FieldError
	if strings.TrimSpace(f.PersonID) == "" {
		errs = append(errs, problem.Field("person_id", "required"))
	}
	if !p.Enrols(f.Role) {
		errs = append(errs, problem.Field("role", "%q is not enrolled on the %s; one of %s", f.Role, p.Name, strings.Join(p.Roles, ", ")))
	}
	role, _ := idx.Role(f.Role)
	u, known := idx.Unit(f.Unit)
	switch {
	case strings.TrimSpace(f.Unit) == "":
		errs = append(errs, problem.Field("unit", "required"))
	case !known || !idx.Within(f.Unit, tenant):
		errs = append(errs, problem.Field("unit", "%q is not a unit of %s", f.Unit, tenant))
	case role.Scope != "" && u.Level != role.Scope:
		errs = append(errs, problem.Field("unit", "a %s is enrolled in a %s; %q is a %s", role.Name, role.Scope, f.Unit, u.Level))
	}
	if len(errs) > 0 {
		return Enrolment{}, problem.Fields("the enrolment is incomplete", errs...)
	}
	key := f.AppointmentID
	appointments := []string{}
	if key == "" {
		key = id
	} else {
		appointments = append(appointments, key)
	}
	return Enrolment{ID: id, PersonID: f.PersonID, Role: f.Role, Unit: f.Unit, AppointmentID: f.AppointmentID,
		Source: f.Source, Cohort: f.Cohort, Status: StatusEnrolled, ActiveKey: f.PersonID, AppointmentKey: key,
		Appointments: appointments, EnrolledAt: now, EnrolledBy: f.By, Submissions: []Submission{}}, nil
}

// Open reports whether the portfolio accepts evidence and mappings.
func (e Enrolment) Open() bool { return e.Status == StatusEnrolled || e.Status == StatusResubmit }

// Live reports whether the enrolment still counts (not withdrawn).
func (e Enrolment) Live() bool { return e.Status != StatusWithdrawn }

// Current is the latest submission (nil before the first).
func (e *Enrolment) Current() *Submission {
	if len(e.Submissions) == 0 {
		return nil
	}
	return &e.Submissions[len(e.Submissions)-1]
}

// ModerationPending reports whether a required moderation has not been done.
func (e Enrolment) ModerationPending() bool {
	s := e.Current()
	return s != nil && s.Moderation != nil && s.Moderation.Outcome == ""
}

func stateError(format string, args ...any) error {
	return problem.New(problem.Conflict, format, args...)
}

// AddAppointment records another appointment of the same leader; false when it was known.
func (e *Enrolment) AddAppointment(id string) bool {
	if slices.Contains(e.Appointments, id) || !e.Live() {
		return false
	}
	e.Appointments = append(e.Appointments, id)
	return true
}

// EndAppointment records the end of one of the leader's appointments and reports whether
// none is left (the enrolment should then be withdrawn). A manual enrolment has none to
// end and is withdrawn by the exit of any appointment of the person.
func (e *Enrolment) EndAppointment(id string) (last bool) {
	e.Appointments = slices.DeleteFunc(e.Appointments, func(a string) bool { return a == id })
	return len(e.Appointments) == 0
}

// Withdraw ends a live enrolment (the leader left the role). An awarded certificate
// stays the holder's: withdrawing after the award changes nothing.
func (e *Enrolment) Withdraw(reason string, now time.Time) (bool, error) {
	switch e.Status {
	case StatusWithdrawn, StatusAwarded:
		return false, nil
	}
	e.Status, e.WithdrawReason, e.WithdrawnAt, e.ActiveKey = StatusWithdrawn, reason, &now, e.ID
	return true, nil
}

// Submit locks the portfolio and keeps a snapshot of its evidence. An incomplete
// portfolio is refused with every missing requirement and unmapped competency listed.
func (e *Enrolment) Submit(p Programme, evidence []Evidence, now time.Time) error {
	if !e.Open() {
		return stateError("the portfolio is %s: only an open portfolio (enrolled or resubmission requested) can be submitted", e.Status)
	}
	progress := Progress(p, e.PersonID, evidence)
	if missing := Missing(p, progress); len(missing) > 0 {
		return &problem.Error{Kind: problem.Unprocessable, Detail: "the portfolio is incomplete", Fields: missing}
	}
	snap := make([]SnapshotItem, 0, len(evidence))
	for _, ev := range evidence {
		snap = append(snap, SnapshotItem{EvidenceID: ev.ID, Requirement: ev.Requirement, Mappings: ev.MappingsOf(e.PersonID)})
	}
	e.Submissions = append(e.Submissions, Submission{Number: len(e.Submissions) + 1, SubmittedAt: now, Evidence: snap, Progress: progress.Requirements})
	e.Status = StatusSubmitted
	return nil
}

// PersonFacts are what the service knows of a leader for assessor conflicts of interest.
type PersonFacts struct {
	PersonID string
	SchoolID string
	// Coaches are everyone who ever coached the person (coaching relationships, past and present).
	Coaches []string
}

// Assessor is a person holding the assessor role for the tenant.
type Assessor struct {
	PersonID string `bson:"_id" json:"person_id"`
	SchoolID string `bson:"school_id,omitempty" json:"school_id,omitempty"`
	Active   bool   `bson:"active" json:"active"`
	Source   string `bson:"source" json:"source"`
	// EventTime orders directory events (an older redelivered one changes nothing).
	EventTime time.Time `bson:"event_time" json:"-"`
}

// Conflict says why an assessor may not assess a leader ("" when none applies).
func Conflict(leader PersonFacts, assessor Assessor) string {
	switch {
	case !assessor.Active:
		return "is not an active assessor"
	case assessor.PersonID == leader.PersonID:
		return "is the leader: nobody assesses their own portfolio"
	case slices.Contains(leader.Coaches, assessor.PersonID):
		return "coaches or has coached the leader"
	case leader.SchoolID != "" && assessor.SchoolID == leader.SchoolID:
		return "works at the leader's school"
	}
	return ""
}

// AssignAssessor names the assessor of the submitted portfolio.
func (e *Enrolment) AssignAssessor(leader PersonFacts, a Assessor) error {
	if e.Status != StatusSubmitted {
		return stateError("an assessor is assigned to a submitted portfolio; this one is %s", e.Status)
	}
	if why := Conflict(leader, a); why != "" {
		return &problem.Error{Kind: problem.Unprocessable, Detail: "this assessor may not assess this portfolio",
			Fields: []problem.FieldError{problem.Field("assessor_id", "%s %s", a.PersonID, why)}}
	}
	e.AssessorID = a.PersonID
	return nil
}

// PickAssessor chooses the least loaded eligible assessor (ties by id, so the choice is
// stable); load counts the portfolios each assessor has awaiting them.
func PickAssessor(leader PersonFacts, pool []Assessor, load map[string]int) (Assessor, bool) {
	var best Assessor
	found := false
	for _, a := range pool {
		if Conflict(leader, a) != "" {
			continue
		}
		if !found || load[a.PersonID] < load[best.PersonID] || (load[a.PersonID] == load[best.PersonID] && a.PersonID < best.PersonID) {
			best, found = a, true
		}
	}
	return best, found
}

// AssessmentInput is an assessor's judgement as submitted.
type AssessmentInput struct {
	Judgements []Judgement
	Outcome    string
	Feedback   string
}

// checkJudgement validates a rubric and the outcome it supports.
func checkJudgement(p Programme, in AssessmentInput, resubmissionsLeft bool) []problem.FieldError {
	var errs []problem.FieldError
	seen := map[string]bool{}
	for i, j := range in.Judgements {
		f := fmt.Sprintf("judgements[%d]", i)
		switch {
		case !p.HasCompetency(j.Competency):
			errs = append(errs, problem.Field(f+".competency", "%q is not a competency of the programme; one of %s", j.Competency, strings.Join(p.CompetencyKeys(), ", ")))
		case seen[j.Competency]:
			errs = append(errs, problem.Field(f+".competency", "%s is judged twice", j.Competency))
		}
		seen[j.Competency] = true
		if j.Level < 1 || j.Level > p.Levels {
			errs = append(errs, problem.Field(f+".level", "must be a level of the rubric, 1 to %d", p.Levels))
		}
	}
	for _, c := range p.Competencies {
		if !seen[c.Key] {
			errs = append(errs, problem.Field("judgements", "%s is not judged: every competency needs a level", c.Key))
		}
	}
	switch in.Outcome {
	case OutcomePass:
		for i, j := range in.Judgements {
			if j.Level >= 1 && j.Level < p.PassLevel {
				errs = append(errs, problem.Field("outcome", "pass needs level %d or above in every competency; judgements[%d] (%s) is %d", p.PassLevel, i, j.Competency, j.Level))
				break
			}
		}
	case OutcomeResubmit:
		if !resubmissionsLeft {
			errs = append(errs, problem.Field("outcome", "no resubmission left: the programme allows %d", p.MaxResubmissions))
		}
	case OutcomeFail:
	default:
		errs = append(errs, problem.Field("outcome", "one of pass, resubmit, fail"))
	}
	return errs
}

// ResubmissionsLeft reports whether the leader may submit again.
func (e Enrolment) ResubmissionsLeft(p Programme) bool {
	return len(e.Submissions) <= p.MaxResubmissions
}

// Assess records the assigned assessor's judgement. Every fail, and a stable sample of
// passes, then waits for a moderator.
func (e *Enrolment) Assess(p Programme, assessorID string, in AssessmentInput, now time.Time) error {
	if e.Status != StatusSubmitted {
		return stateError("only a submitted portfolio is assessed; this one is %s", e.Status)
	}
	if e.AssessorID == "" {
		return stateError("no assessor is assigned to this portfolio yet")
	}
	if assessorID != e.AssessorID {
		return problem.New(problem.Forbidden, "this portfolio is assigned to another assessor")
	}
	if errs := checkJudgement(p, in, e.ResubmissionsLeft(p)); len(errs) > 0 {
		return problem.Fields("the assessment is not valid", errs...)
	}
	s := e.Current()
	s.Assessment = &Assessment{AssessorID: assessorID, Judgements: in.Judgements, Outcome: in.Outcome, Feedback: in.Feedback, At: now}
	switch {
	case in.Outcome == OutcomeFail:
		s.Moderation = &Moderation{Reason: ModerateFail}
	case in.Outcome == OutcomePass && Sampled(e.ID, s.Number, p.ModerationSample):
		s.Moderation = &Moderation{Reason: ModerateSample}
	}
	e.applyOutcome(in.Outcome)
	return nil
}

func (e *Enrolment) applyOutcome(outcome string) {
	switch outcome {
	case OutcomePass:
		e.Status = StatusPassed
	case OutcomeResubmit:
		e.Status, e.AssessorID = StatusResubmit, ""
	case OutcomeFail:
		e.Status = StatusFailed
	}
}

// Sampled decides, stably for a submission, whether a pass is moderated: the same
// portfolio is always in or out of the sample, whoever asks.
func Sampled(enrolmentID string, number, percent int) bool {
	h := fnv.New32a()
	fmt.Fprintf(h, "%s/%d", enrolmentID, number)
	return int(h.Sum32()%100) < percent
}

// Moderate records the second assessor's review; its outcome stands.
func (e *Enrolment) Moderate(p Programme, leader PersonFacts, moderator Assessor, outcome, feedback string, now time.Time) error {
	s := e.Current()
	if s == nil || s.Moderation == nil || s.Moderation.Outcome != "" {
		return stateError("this portfolio has no moderation pending")
	}
	if moderator.PersonID == s.Assessment.AssessorID {
		return &problem.Error{Kind: problem.Unprocessable, Detail: "a moderator is a second assessor",
			Fields: []problem.FieldError{problem.Field("moderator", "%s assessed this submission", moderator.PersonID)}}
	}
	if why := Conflict(leader, moderator); why != "" {
		return &problem.Error{Kind: problem.Unprocessable, Detail: "this assessor may not moderate this portfolio",
			Fields: []problem.FieldError{problem.Field("moderator", "%s %s", moderator.PersonID, why)}}
	}
	switch outcome {
	case OutcomePass, OutcomeFail:
	case OutcomeResubmit:
		if !e.ResubmissionsLeft(p) {
			return problem.Fields("the moderation is not valid", problem.Field("outcome", "no resubmission left: the programme allows %d", p.MaxResubmissions))
		}
	default:
		return problem.Fields("the moderation is not valid", problem.Field("outcome", "one of pass, resubmit, fail"))
	}
	s.Moderation.ModeratorID, s.Moderation.Outcome, s.Moderation.Feedback, s.Moderation.At = moderator.PersonID, outcome, feedback, &now
	e.applyOutcome(outcome)
	return nil
}

// Award marks a passed portfolio awarded; refused while its moderation is pending.
func (e *Enrolment) Award(credentialID string) error {
	if e.ModerationPending() {
		return stateError("the moderation of this portfolio is pending: a second assessor must moderate it before the award")
	}
	if e.Status != StatusPassed {
		return stateError("only a passed portfolio is awarded; this one is %s", e.Status)
	}
	e.Status, e.CredentialID = StatusAwarded, credentialID
	return nil
}

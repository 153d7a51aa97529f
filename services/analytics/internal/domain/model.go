// Package domain holds analytics' pure rules: how the facts the other services publish
// fold into a read model (Build), the reporting periods of a country profile (periods.go),
// and the programme's KPIs computed from the model (kpi.go). No I/O.
package domain

import (
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// Fact is the latest event of one (type, subject): what the store keeps. Every KPI is
// computed from facts at query time, so a fact that arrives twice or late changes nothing
// and a rebuild from the topics gives the same facts, hence the same numbers.
type Fact struct {
	Type    string
	Subject string
	EventID string
	Time    time.Time
	Data    []byte
}

// Newer reports whether f supersedes g: a later event time, or the same time and a
// larger (UUIDv7, time-ordered) id. The same order decides in the store and here.
func (f Fact) Newer(g Fact) bool {
	if !f.Time.Equal(g.Time) {
		return f.Time.After(g.Time)
	}
	return f.EventID > g.EventID
}

// Key is where a fact is kept: one per event type and subject.
func (f Fact) Key() string { return FactKey(f.Type, f.Subject) }

// FactKey is the store key of the latest event of type typ about subject.
func FactKey(typ, subject string) string { return typ + "/" + subject }

// School is a school as the directory last described it.
type School struct {
	ID     string
	Sector string // the unit the school sits in
	Open   bool
}

// Assignment is a role held by a person in a unit (a school for a head teacher).
type Assignment struct {
	ID, Person, Role, Unit string
	Start, End             string // dates; End "" = open-ended
}

// ActiveOn reports whether the assignment holds on date d.
func (a Assignment) ActiveOn(d string) bool {
	return a.Start <= d && (a.End == "" || d <= a.End)
}

// AreaRating is one competency area of a rating.
type AreaRating struct {
	Area  string `json:"area"`
	Level int    `json:"level"`
	Meets bool   `json:"meets_standard"`
}

// Rating is a head teacher's rating against the leadership standards.
type Rating struct {
	ID, HeadTeacher, School, Date string
	Areas                         []AreaRating
	order                         Fact
}

// Observation is a lesson observation against a teacher benchmark.
type Observation struct {
	ID, Teacher, School, Date, Subject string
	Met                                bool
	order                              Fact
}

// Relationship is a coaching relationship.
type Relationship struct {
	ID, Coach, CoachRole, Coachee, CoacheeRole, Unit string
	Start, End                                       string
}

// ActiveDuring reports whether the relationship overlaps [from, to].
func (r Relationship) ActiveDuring(from, to string) bool {
	return r.Start <= to && (r.End == "" || r.End >= from)
}

// CoachingSession is a logged coaching session.
type CoachingSession struct {
	ID, Relationship, Coach, Coachee, CoacheeRole, Unit, Date, Mode string
	Carried, FollowedUp                                             int
}

// Group is a PLC group.
type Group struct {
	ID, Kind, Unit string
}

// Attendance is one line of a PLC session's register.
type Attendance struct {
	Person string `json:"person_id"`
	Status string `json:"status"`
}

// Attended reports whether the person was there (late counts).
func (a Attendance) Attended() bool { return a.Status == "present" || a.Status == "late" }

// PLCSession is a PLC session that was held.
type PLCSession struct {
	ID, Group, Kind, Unit, Date string
	Attendance                  []Attendance
	Actions, FollowedUp         []string
}

// Application is a recruitment application.
type Application struct {
	ID, Person, Unit, School, Submitted string
	Eligible                            bool
	Screened                            string // date screened eligible, "" otherwise
}

// Step is a dated recruitment step (offer made, leader appointed, inducted) in a unit.
type Step struct {
	Kind, Unit, Date string
}

// Enrolment is a leader's path through the accreditation programme.
type Enrolment struct {
	ID, Person                           string
	Enrolled, Withdrawn                  string
	Submitted, Assessed, Issued, Revoked string
}

// Model is a tenant's read model: everything the KPIs need, folded from its facts.
type Model struct {
	Schools       map[string]School
	Assignments   []Assignment
	Ratings       []Rating
	Observations  []Observation
	Relationships []Relationship
	Sessions      []CoachingSession
	Groups        map[string]Group
	PLCSessions   []PLCSession
	Applications  map[string]*Application
	Steps         []Step
	Enrolments    map[string]*Enrolment
	// Parked counts facts that name a school the directory has not announced (yet).
	// They are kept, not dropped, and count as soon as the school arrives.
	Parked int
	// Unreadable counts facts whose data could not be read; the consumer refuses such
	// events, so this stays 0 unless a publisher changed its schema.
	Unreadable int
}

// Event types analytics reads. Anything else on the topics is acknowledged and ignored.
const (
	SchoolCreated = "org.l4l.directory.school.created.v1"
	SchoolUpdated = "org.l4l.directory.school.updated.v1"
	SchoolDeleted = "org.l4l.directory.school.deleted.v1"
	RoleAssigned  = "org.l4l.directory.role.assigned.v1"
	RoleUpdated   = "org.l4l.directory.role.updated.v1"
	RoleRemoved   = "org.l4l.directory.role.removed.v1"

	RatingRecorded      = "org.l4l.coaching.rating.recorded.v1"
	ObservationRecorded = "org.l4l.coaching.observation.recorded.v1"
	RelationshipStarted = "org.l4l.coaching.relationship.started.v1"
	RelationshipEnded   = "org.l4l.coaching.relationship.ended.v1"
	SessionLogged       = "org.l4l.coaching.session.logged.v1"

	GroupFormed   = "org.l4l.plc.group.formed.v1"
	GroupChanged  = "org.l4l.plc.group.changed.v1"
	PLCHeld       = "org.l4l.plc.session.held.v1"
	PLCNotHeld    = "org.l4l.plc.session.not_held.v1"
	PLCCancelled  = "org.l4l.plc.session.cancelled.v1"
	ActionCreated = "org.l4l.plc.action.created.v1"
	ActionUpdated = "org.l4l.plc.action.updated.v1"

	ApplicationSubmitted = "org.l4l.recruitment.application.submitted.v1"
	ApplicationScreened  = "org.l4l.recruitment.application.screened.v1"
	OfferMade            = "org.l4l.recruitment.offer.made.v1"
	LeaderAppointed      = "org.l4l.recruitment.leader.appointed.v1"
	LeaderInducted       = "org.l4l.recruitment.leader.inducted.v1"

	AccreditationPrefix = "org.l4l.accreditation."
	EnrolmentCreated    = "org.l4l.accreditation.enrolment.created.v1"
	EnrolmentWithdrawn  = "org.l4l.accreditation.enrolment.withdrawn.v1"
	PortfolioSubmitted  = "org.l4l.accreditation.portfolio.submitted.v1"
	AssessmentRecorded  = "org.l4l.accreditation.assessment.recorded.v1"
	CredentialIssued    = "org.l4l.accreditation.credential.issued.v1"
	CredentialRevoked   = "org.l4l.accreditation.credential.revoked.v1"
)

// Read lists the event types kept as facts.
var Read = []string{
	SchoolCreated, SchoolUpdated, SchoolDeleted, RoleAssigned, RoleUpdated, RoleRemoved,
	RatingRecorded, ObservationRecorded, RelationshipStarted, RelationshipEnded, SessionLogged,
	GroupFormed, GroupChanged, PLCHeld, PLCNotHeld, PLCCancelled,
	ApplicationSubmitted, ApplicationScreened, OfferMade, LeaderAppointed, LeaderInducted,
	EnrolmentCreated, EnrolmentWithdrawn, PortfolioSubmitted, AssessmentRecorded, CredentialIssued, CredentialRevoked,
}

// Reads reports whether analytics keeps events of type typ.
func Reads(typ string) bool { return slices.Contains(Read, typ) }

// Required lists, per type, the data fields a fact must carry to be usable; the consumer
// dead-letters an event without them rather than keep a fact that can never count.
var Required = map[string][]string{
	SchoolCreated: {"school_id", "unit"}, SchoolUpdated: {"school_id", "unit"}, SchoolDeleted: {"school_id"},
	RoleAssigned:        {"assignment_id", "person_id", "role", "unit", "start_date"},
	RoleUpdated:         {"assignment_id", "person_id", "role", "unit", "start_date"},
	RoleRemoved:         {"assignment_id"},
	RatingRecorded:      {"head_teacher_id", "school_id", "date", "areas"},
	ObservationRecorded: {"teacher_id", "school_id", "date", "subject", "benchmark_met"},
	RelationshipStarted: {"coach_id", "coachee_id", "coachee_role", "unit", "start_date"},
	RelationshipEnded:   {"coach_id", "coachee_id", "coachee_role", "unit", "start_date"},
	SessionLogged:       {"coach_id", "coachee_id", "coachee_role", "unit", "date", "mode"},
	GroupFormed:         {"group_id", "kind", "unit"}, GroupChanged: {"group_id", "kind", "unit"},
	PLCHeld:              {"group_id", "unit", "date"},
	ApplicationSubmitted: {"application_id", "person_id", "unit"},
	ApplicationScreened:  {"application_id", "eligible"},
	OfferMade:            {"unit"}, LeaderAppointed: {"unit"}, LeaderInducted: {"unit"},
	EnrolmentCreated: {"person_id"},
}

// Check reports the first required field a fact's data lacks ("" when it is usable), or
// that the data is not a JSON object.
func Check(typ string, data []byte) string {
	var p present
	if err := json.Unmarshal(data, &p); err != nil {
		return "data is not a JSON object"
	}
	for _, k := range Required[typ] {
		if !p.field(k) {
			return k
		}
	}
	return ""
}

// present says which of the fields Required names carry a value: decoding into it
// allocates nothing per field (unlike a map or raw copies), and the replay checks a
// million events.
type present struct {
	SchoolID      given `json:"school_id"`
	Unit          given `json:"unit"`
	AssignmentID  given `json:"assignment_id"`
	PersonID      given `json:"person_id"`
	Role          given `json:"role"`
	StartDate     given `json:"start_date"`
	HeadTeacherID given `json:"head_teacher_id"`
	Date          given `json:"date"`
	Areas         given `json:"areas"`
	TeacherID     given `json:"teacher_id"`
	Subject       given `json:"subject"`
	BenchmarkMet  given `json:"benchmark_met"`
	CoachID       given `json:"coach_id"`
	CoacheeID     given `json:"coachee_id"`
	CoacheeRole   given `json:"coachee_role"`
	Mode          given `json:"mode"`
	GroupID       given `json:"group_id"`
	Kind          given `json:"kind"`
	ApplicationID given `json:"application_id"`
	Eligible      given `json:"eligible"`
}

func (p *present) field(key string) given {
	switch key {
	case "school_id":
		return p.SchoolID
	case "unit":
		return p.Unit
	case "assignment_id":
		return p.AssignmentID
	case "person_id":
		return p.PersonID
	case "role":
		return p.Role
	case "start_date":
		return p.StartDate
	case "head_teacher_id":
		return p.HeadTeacherID
	case "date":
		return p.Date
	case "areas":
		return p.Areas
	case "teacher_id":
		return p.TeacherID
	case "subject":
		return p.Subject
	case "benchmark_met":
		return p.BenchmarkMet
	case "coach_id":
		return p.CoachID
	case "coachee_id":
		return p.CoacheeID
	case "coachee_role":
		return p.CoacheeRole
	case "mode":
		return p.Mode
	case "group_id":
		return p.GroupID
	case "kind":
		return p.Kind
	case "application_id":
		return p.ApplicationID
	case "eligible":
		return p.Eligible
	}
	panic("domain.Check: no field " + key + " in present") // a test walks every Required key
}

// given is true for a field present with a value other than null or "".
type given bool

// UnmarshalJSON sees the field's raw bytes without copying them.
func (g *given) UnmarshalJSON(b []byte) error {
	*g = given(string(b) != "null" && string(b) != `""`)
	return nil
}

// data is the union of the fields analytics reads from any event's data.
type data struct {
	SchoolID     string `json:"school_id"`
	Unit         string `json:"unit"`
	Status       string `json:"status"`
	AssignmentID string `json:"assignment_id"`
	PersonID     string `json:"person_id"`
	Role         string `json:"role"`
	StartDate    string `json:"start_date"`
	EndDate      string `json:"end_date"`
	Date         string `json:"date"`

	HeadTeacherID string       `json:"head_teacher_id"`
	Areas         []AreaRating `json:"areas"`
	TeacherID     string       `json:"teacher_id"`
	Subject       string       `json:"subject"`
	BenchmarkMet  bool         `json:"benchmark_met"`

	RelationshipID    string `json:"relationship_id"`
	CoachID           string `json:"coach_id"`
	CoachRole         string `json:"coach_role"`
	CoacheeID         string `json:"coachee_id"`
	CoacheeRole       string `json:"coachee_role"`
	Mode              string `json:"mode"`
	ActionsCarried    int    `json:"actions_carried"`
	ActionsFollowedUp int    `json:"actions_followed_up"`

	GroupID    string       `json:"group_id"`
	Kind       string       `json:"kind"`
	Attendance []Attendance `json:"attendance"`
	ActionIDs  []string     `json:"action_ids"`
	FollowedUp []string     `json:"followed_up_action_ids"`

	ApplicationID string `json:"application_id"`
	Eligible      bool   `json:"eligible"`

	// Accreditation's events are read defensively: the enrolment is named by
	// enrolment_id (else the subject), the date by the first of these present (else
	// the event's time).
	EnrolmentID string `json:"enrolment_id"`
	IssuedOn    string `json:"issued_on"`
	AwardedOn   string `json:"awarded_on"`
	EnrolledOn  string `json:"enrolled_on"`
	SubmittedOn string `json:"submitted_on"`
	RecordedOn  string `json:"recorded_on"`
	RevokedOn   string `json:"revoked_on"`
	WithdrawnOn string `json:"withdrawn_on"`
}

// firstDate is the first well-formed date among candidates (only their date part).
func firstDate(candidates ...string) string {
	for _, c := range candidates {
		if len(c) >= 10 && c[4] == '-' && c[7] == '-' {
			return c[:10]
		}
	}
	return ""
}

// Build folds a tenant's facts into its read model. loc is the profile's time zone
// (event times become dates there). Facts may come in any order.
func Build(facts []Fact, loc *time.Location) *Model {
	m := &Model{Schools: map[string]School{}, Groups: map[string]Group{},
		Applications: map[string]*Application{}, Enrolments: map[string]*Enrolment{}}
	// The latest of several event types about one aggregate decides its state.
	decoded := make([]data, len(facts))
	latest := func(byID map[string]int, id string, i int) {
		if old, ok := byID[id]; !ok || facts[i].Newer(facts[old]) {
			byID[id] = i
		}
	}
	schools, roles, rels, groups, plc := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	var pending []int
	for i := range facts {
		f, d := &facts[i], &decoded[i]
		if err := json.Unmarshal(f.Data, d); err != nil {
			m.Unreadable++
			continue
		}
		switch f.Type {
		case SchoolCreated, SchoolUpdated, SchoolDeleted:
			latest(schools, or(d.SchoolID, f.Subject), i)
		case RoleAssigned, RoleUpdated, RoleRemoved:
			latest(roles, or(d.AssignmentID, f.Subject), i)
		case RelationshipStarted, RelationshipEnded:
			latest(rels, or(d.RelationshipID, f.Subject), i)
		case GroupFormed, GroupChanged:
			latest(groups, or(d.GroupID, f.Subject), i)
		case PLCHeld, PLCNotHeld, PLCCancelled:
			latest(plc, f.Subject, i)
		default:
			pending = append(pending, i)
		}
	}
	for id, i := range schools {
		f := facts[i]
		d := &decoded[i]
		if f.Type == SchoolDeleted {
			continue
		}
		m.Schools[id] = School{ID: id, Sector: d.Unit, Open: d.Status != "closed"}
	}
	for id, i := range roles {
		f := facts[i]
		d := &decoded[i]
		a := Assignment{ID: id, Person: d.PersonID, Role: d.Role, Unit: d.Unit, Start: d.StartDate, End: d.EndDate}
		if f.Type == RoleRemoved {
			// A removal ends the role on its end date, or the day before it was removed.
			if a.End == "" || a.End > f.Time.In(loc).Format(time.DateOnly) {
				a.End = f.Time.In(loc).AddDate(0, 0, -1).Format(time.DateOnly)
			}
		}
		m.Assignments = append(m.Assignments, a)
	}
	for id, i := range rels {
		f := facts[i]
		d := &decoded[i]
		r := Relationship{ID: id, Coach: d.CoachID, CoachRole: d.CoachRole, Coachee: d.CoacheeID, CoacheeRole: d.CoacheeRole,
			Unit: d.Unit, Start: d.StartDate, End: d.EndDate}
		if f.Type == RelationshipEnded && r.End == "" {
			r.End = f.Time.In(loc).Format(time.DateOnly)
		}
		m.Relationships = append(m.Relationships, r)
	}
	for id, i := range groups {
		d := &decoded[i]
		m.Groups[id] = Group{ID: id, Kind: d.Kind, Unit: d.Unit}
	}
	for id, i := range plc {
		f := facts[i]
		if f.Type != PLCHeld {
			continue
		}
		d := &decoded[i]
		m.PLCSessions = append(m.PLCSessions, PLCSession{ID: id, Group: d.GroupID, Kind: d.Kind, Unit: d.Unit, Date: d.Date,
			Attendance: d.Attendance, Actions: d.ActionIDs, FollowedUp: d.FollowedUp})
	}
	// Facts about schools wait for their school.
	known := func(school string) bool {
		if _, ok := m.Schools[school]; ok {
			return true
		}
		m.Parked++
		return false
	}
	for _, i := range pending {
		f, d := &facts[i], &decoded[i]
		day := f.Time.In(loc).Format(time.DateOnly)
		switch f.Type {
		case RatingRecorded:
			if known(d.SchoolID) {
				m.Ratings = append(m.Ratings, Rating{ID: f.Subject, HeadTeacher: d.HeadTeacherID, School: d.SchoolID, Date: d.Date, Areas: d.Areas, order: *f})
			}
		case ObservationRecorded:
			if known(d.SchoolID) {
				m.Observations = append(m.Observations, Observation{ID: f.Subject, Teacher: d.TeacherID, School: d.SchoolID,
					Date: d.Date, Subject: d.Subject, Met: d.BenchmarkMet, order: *f})
			}
		case SessionLogged:
			if d.CoacheeRole != "ht" || known(d.Unit) {
				m.Sessions = append(m.Sessions, CoachingSession{ID: f.Subject, Relationship: d.RelationshipID, Coach: d.CoachID,
					Coachee: d.CoacheeID, CoacheeRole: d.CoacheeRole, Unit: d.Unit, Date: d.Date, Mode: d.Mode,
					Carried: d.ActionsCarried, FollowedUp: d.ActionsFollowedUp})
			}
		case ApplicationSubmitted:
			a := m.application(or(d.ApplicationID, f.Subject))
			a.Person, a.Unit, a.School, a.Submitted = d.PersonID, d.Unit, d.SchoolID, day
		case ApplicationScreened:
			a := m.application(or(d.ApplicationID, f.Subject))
			a.Eligible = d.Eligible
			if d.Eligible {
				a.Screened = day
			}
		case OfferMade:
			m.Steps = append(m.Steps, Step{Kind: "offer", Unit: d.Unit, Date: day})
		case LeaderAppointed:
			m.Steps = append(m.Steps, Step{Kind: "appointed", Unit: d.Unit, Date: or(firstDate(d.StartDate), day)})
		case LeaderInducted:
			m.Steps = append(m.Steps, Step{Kind: "inducted", Unit: d.Unit, Date: or(firstDate(d.Date), day)})
		default:
			if strings.HasPrefix(f.Type, AccreditationPrefix) {
				m.accreditation(f, d, day)
			}
		}
	}
	// Applications known only from a screening (the submission not yet read) wait.
	for id, a := range m.Applications {
		if a.Submitted == "" {
			delete(m.Applications, id)
		}
	}
	// Stable orders make every computation deterministic.
	slices.SortFunc(m.Assignments, func(a, b Assignment) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(m.Relationships, func(a, b Relationship) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(m.PLCSessions, func(a, b PLCSession) int { return strings.Compare(a.Date+a.ID, b.Date+b.ID) })
	slices.SortFunc(m.Sessions, func(a, b CoachingSession) int { return strings.Compare(a.Date+a.ID, b.Date+b.ID) })
	slices.SortFunc(m.Ratings, func(a, b Rating) int { return compareDated(a.Date, a.order, b.Date, b.order) })
	slices.SortFunc(m.Observations, func(a, b Observation) int { return compareDated(a.Date, a.order, b.Date, b.order) })
	return m
}

// compareDated orders records by their date, then by the events that recorded them, so
// "the latest rating" is the same however the facts were read.
func compareDated(da string, fa Fact, db string, fb Fact) int {
	if c := strings.Compare(da, db); c != 0 {
		return c
	}
	switch {
	case fa.Newer(fb):
		return 1
	case fb.Newer(fa):
		return -1
	}
	return 0
}

func (m *Model) application(id string) *Application {
	a, ok := m.Applications[id]
	if !ok {
		a = &Application{ID: id}
		m.Applications[id] = a
	}
	return a
}

func (m *Model) accreditation(f *Fact, d *data, day string) {
	id := or(d.EnrolmentID, f.Subject)
	e, ok := m.Enrolments[id]
	if !ok {
		e = &Enrolment{ID: id}
		m.Enrolments[id] = e
	}
	if d.PersonID != "" {
		e.Person = d.PersonID
	}
	switch f.Type {
	case EnrolmentCreated:
		e.Enrolled = or(firstDate(d.EnrolledOn, d.StartDate, d.Date), day)
	case EnrolmentWithdrawn:
		e.Withdrawn = or(firstDate(d.WithdrawnOn, d.EndDate, d.Date), day)
	case PortfolioSubmitted:
		e.Submitted = or(firstDate(d.SubmittedOn, d.Date), day)
	case AssessmentRecorded:
		e.Assessed = or(firstDate(d.RecordedOn, d.Date), day)
	case CredentialIssued:
		e.Issued = or(firstDate(d.IssuedOn, d.AwardedOn, d.Date), day)
	case CredentialRevoked:
		e.Revoked = or(firstDate(d.RevokedOn, d.Date), day)
	}
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

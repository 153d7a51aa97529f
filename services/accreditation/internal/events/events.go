// Package events names the accreditation service's events and builds them, and consumes
// the events it learns from: recruitment's appointments and exits (enrolment and
// withdrawal), PLC sessions held and observed coaching sessions (automatic evidence),
// coaching relationships (who may not assess whom) and the directory's people and
// assessor roles. Events carry ids and facts, never names or free text (reflections,
// feedback and files stay here). Each type has a JSON Schema under api/events/.
package events

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/services/accreditation/internal/domain"
	"github.com/l4l-platform/l4l/services/accreditation/internal/store"
)

// Source is the CloudEvents source of every accreditation event.
const Source = "/l4l/accreditation"

// Event types, org.l4l.accreditation.<noun>.<verb>.v1.
const (
	EnrolmentCreated   = "org.l4l.accreditation.enrolment.created.v1"
	EnrolmentWithdrawn = "org.l4l.accreditation.enrolment.withdrawn.v1"
	EvidenceAdded      = "org.l4l.accreditation.evidence.added.v1"
	PortfolioSubmitted = "org.l4l.accreditation.portfolio.submitted.v1"
	AssessmentRecorded = "org.l4l.accreditation.assessment.recorded.v1"
	CredentialIssued   = "org.l4l.accreditation.credential.issued.v1"
	CredentialRevoked  = "org.l4l.accreditation.credential.revoked.v1"
)

// Programmes are the certificate programmes of the loaded countries.
type Programmes map[string]domain.Programme

// LoadProgrammes builds the programme of every loaded country that has one; files holds
// the embedded programmes/<country>.yaml.
func LoadProgrammes(profiles *profile.Registry, files func(country string) ([]byte, error)) (Programmes, error) {
	out := Programmes{}
	for _, c := range profiles.Countries() {
		idx, _ := profiles.Country(c)
		if idx.Spec().Accreditation == nil {
			continue
		}
		extras, err := files(c)
		if err != nil {
			return nil, fmt.Errorf("accreditation programme of %s: programmes/%s.yaml: %w", c, c, err)
		}
		p, ok, err := domain.NewProgramme(idx.Spec(), extras)
		if err != nil {
			return nil, err
		}
		if ok {
			out[c] = p
		}
	}
	return out, nil
}

// For is the programme of a tenant's country.
func (ps Programmes) For(tenant string) (domain.Programme, bool) {
	country, _, _ := strings.Cut(tenant, "-")
	p, ok := ps[country]
	return p, ok
}

// NewID is a fresh UUIDv7.
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

// Enrolment is the data of enrolment events.
type Enrolment struct {
	EnrolmentID   string `json:"enrolment_id"`
	PersonID      string `json:"person_id"`
	Role          string `json:"role"`
	Unit          string `json:"unit"`
	Cohort        string `json:"cohort"`
	Source        string `json:"source"`
	AppointmentID string `json:"appointment_id,omitempty"`
	Reason        string `json:"reason,omitempty"`
}

// ForEnrolment builds enrolment.created or enrolment.withdrawn.
func ForEnrolment(typ, tenant string, e domain.Enrolment) (events.Envelope, error) {
	return events.New(Source, typ, tenant, e.ID, Enrolment{EnrolmentID: e.ID, PersonID: e.PersonID, Role: e.Role, Unit: e.Unit,
		Cohort: e.Cohort, Source: e.Source, AppointmentID: e.AppointmentID, Reason: e.WithdrawReason})
}

// Evidence is the data of evidence.added.
type Evidence struct {
	EvidenceID  string   `json:"evidence_id"`
	Requirement string   `json:"requirement"`
	Source      string   `json:"source"`
	OwnerIDs    []string `json:"owner_ids"`
	SourceRef   string   `json:"source_ref,omitempty"`
	Date        string   `json:"date"`
}

// ForEvidence builds evidence.added.
func ForEvidence(tenant string, ev domain.Evidence) (events.Envelope, error) {
	return events.New(Source, EvidenceAdded, tenant, ev.ID, Evidence{EvidenceID: ev.ID, Requirement: ev.Requirement,
		Source: ev.Source, OwnerIDs: ev.Owners, SourceRef: ev.SourceRef, Date: ev.Date})
}

// Submitted is the data of portfolio.submitted.
type Submitted struct {
	EnrolmentID   string `json:"enrolment_id"`
	PersonID      string `json:"person_id"`
	Submission    int    `json:"submission"`
	EvidenceCount int    `json:"evidence_count"`
}

// ForSubmission builds portfolio.submitted.
func ForSubmission(tenant string, e domain.Enrolment) (events.Envelope, error) {
	s := e.Current()
	return events.New(Source, PortfolioSubmitted, tenant, e.ID, Submitted{EnrolmentID: e.ID, PersonID: e.PersonID,
		Submission: s.Number, EvidenceCount: len(s.Evidence)})
}

// Assessed is the data of assessment.recorded: an assessment or a moderation.
type Assessed struct {
	EnrolmentID        string       `json:"enrolment_id"`
	PersonID           string       `json:"person_id"`
	Submission         int          `json:"submission"`
	Kind               string       `json:"kind"`
	AssessorID         string       `json:"assessor_id"`
	Outcome            string       `json:"outcome"`
	Levels             []LevelEntry `json:"levels"`
	ModerationRequired bool         `json:"moderation_required"`
	Status             string       `json:"status"`
}

// LevelEntry is one competency's rubric level.
type LevelEntry struct {
	Competency string `json:"competency"`
	Level      int    `json:"level"`
}

// ForAssessment builds assessment.recorded for the current submission's assessment
// (moderation false) or moderation (true).
func ForAssessment(tenant string, e domain.Enrolment, moderation bool) (events.Envelope, error) {
	s := e.Current()
	d := Assessed{EnrolmentID: e.ID, PersonID: e.PersonID, Submission: s.Number, Kind: "assessment", Status: e.Status, Levels: []LevelEntry{}}
	for _, j := range s.Assessment.Judgements {
		d.Levels = append(d.Levels, LevelEntry{Competency: j.Competency, Level: j.Level})
	}
	d.AssessorID, d.Outcome = s.Assessment.AssessorID, s.Assessment.Outcome
	d.ModerationRequired = s.Moderation != nil
	if moderation {
		d.Kind, d.AssessorID, d.Outcome, d.ModerationRequired = "moderation", s.Moderation.ModeratorID, s.Moderation.Outcome, false
	}
	return events.New(Source, AssessmentRecorded, tenant, e.ID, d)
}

// Credential is the data of credential events.
type Credential struct {
	CredentialID string `json:"credential_id"`
	EnrolmentID  string `json:"enrolment_id"`
	PersonID     string `json:"person_id"`
	StatusIndex  int    `json:"status_index"`
	Reason       string `json:"reason,omitempty"`
}

// ForCredential builds credential.issued or credential.revoked.
func ForCredential(typ, tenant string, c store.Credential) (events.Envelope, error) {
	return events.New(Source, typ, tenant, c.ID, Credential{CredentialID: c.ID, EnrolmentID: c.EnrolmentID, PersonID: c.PersonID,
		StatusIndex: c.StatusIndex, Reason: c.RevokeReason})
}

// Consumers.

type (
	appointed struct {
		AppointmentID string `json:"appointment_id"`
		PersonID      string `json:"person_id"`
		Role          string `json:"role"`
		Unit          string `json:"unit"`
		StartDate     string `json:"start_date"`
	}
	exited struct {
		AppointmentID string `json:"appointment_id"`
		PersonID      string `json:"person_id"`
		Reason        string `json:"reason"`
	}
	plcHeld struct {
		SessionID    string   `json:"session_id"`
		Date         string   `json:"date"`
		Facilitators []string `json:"facilitators"`
	}
	coachingSession struct {
		SessionID string `json:"session_id"`
		CoachID   string `json:"coach_id"`
		Date      string `json:"date"`
		Observed  bool   `json:"observed"`
	}
	relationship struct {
		RelationshipID string `json:"relationship_id"`
		CoachID        string `json:"coach_id"`
		CoacheeID      string `json:"coachee_id"`
	}
	dirPerson struct {
		PersonID string `json:"person_id"`
		SchoolID string `json:"school_id"`
	}
	dirRole struct {
		AssignmentID string `json:"assignment_id"`
		PersonID     string `json:"person_id"`
		Role         string `json:"role"`
		EndDate      string `json:"end_date"`
	}
)

// AssessorRole is the profile role whose holders assess portfolios.
const AssessorRole = "assessor"

type handler struct {
	s          *store.Store
	profiles   *profile.Registry
	programmes Programmes
	now        func() time.Time
}

// tenant resolves the event's tenant; ok false for a tenant this deployment does not
// serve or whose country has no programme (the event is not ours to apply).
func (h handler) tenant(ctx context.Context, e events.Envelope) (*profile.Index, domain.Programme, bool, error) {
	idx, _, ok := h.profiles.Tenant(e.Tenant)
	if !ok {
		return nil, domain.Programme{}, false, nil
	}
	p, ok := h.programmes.For(e.Tenant)
	if !ok {
		return nil, domain.Programme{}, false, nil
	}
	_, err := h.s.Tenants.DB(ctx, e.Tenant)
	return idx, p, err == nil, err
}

func decode(e events.Envelope, v any) error {
	if err := e.DecodeData(v); err != nil {
		return events.Permanent(fmt.Errorf("%s %s: bad data: %w", e.Type, e.ID, err))
	}
	return nil
}

// need refuses, as poison, an event missing an id its handling depends on.
func need(e events.Envelope, ids ...string) error {
	for _, r := range ids {
		if r == "" {
			return events.Permanent(fmt.Errorf("%s %s: a required id is empty", e.Type, e.ID))
		}
	}
	return nil
}

// Recruitment enrols leaders on appointment (for the roles the programme enrols) and
// withdraws them when they exit. Idempotent: the appointment is a unique key, and a
// withdrawal of a withdrawn enrolment changes nothing.
func Recruitment(s *store.Store, profiles *profile.Registry, ps Programmes, now func() time.Time) events.Handler {
	h := handler{s, profiles, ps, now}
	return func(ctx context.Context, e events.Envelope) error {
		idx, p, ok, err := h.tenant(ctx, e)
		if !ok {
			return err
		}
		switch e.Type {
		case "org.l4l.recruitment.leader.appointed.v1":
			var d appointed
			if err := decode(e, &d); err != nil {
				return err
			}
			if err := need(e, d.AppointmentID, d.PersonID); err != nil {
				return err
			}
			if !p.Enrols(d.Role) {
				return nil
			}
			return Enrol(ctx, s, idx, e.Tenant, p, domain.EnrolFields{PersonID: d.PersonID, Role: d.Role, Unit: d.Unit,
				AppointmentID: d.AppointmentID, Source: domain.SourceAppointment, Cohort: domain.Cohort(idx.Spec(), d.StartDate)}, h.now())
		case "org.l4l.recruitment.leader.exited.v1":
			var d exited
			if err := decode(e, &d); err != nil {
				return err
			}
			if err := need(e, d.AppointmentID, d.PersonID); err != nil {
				return err
			}
			en, _, err := s.LiveEnrolment(ctx, e.Tenant, d.PersonID)
			if problem.Is(err, problem.NotFound) {
				return nil // never enrolled (a role the programme does not enrol), or withdrawn already
			}
			if err != nil {
				return err
			}
			if en.Source == domain.SourceAppointment && !slices.Contains(en.Appointments, d.AppointmentID) {
				return nil // an appointment that does not hold the enrolment ended (or a redelivery)
			}
			_, _, err = s.Enrolments.Update(ctx, e.Tenant, en.ID, 0, func(x *domain.Enrolment) ([]mongox.Event, error) {
				if !x.EndAppointment(d.AppointmentID) {
					return nil, nil // still appointed to another role the programme enrols: recorded, not withdrawn
				}
				changed, err := x.Withdraw(d.Reason, h.now())
				if err != nil || !changed {
					return nil, err
				}
				ev, err := ForEnrolment(EnrolmentWithdrawn, e.Tenant, *x)
				return []mongox.Event{ev}, err
			})
			return err
		}
		return nil
	}
}

// Enrol creates an enrolment with its event. An appointment enrolled before (a
// redelivery) changes nothing; a person with a live enrolment already (an LLL appointed
// NLL) keeps it, and the new appointment is recorded on it.
func Enrol(ctx context.Context, s *store.Store, idx *profile.Index, tenant string, p domain.Programme, f domain.EnrolFields, now time.Time) error {
	en, err := domain.NewEnrolment(p, idx, tenant, NewID(), f, now)
	if err != nil {
		return events.Permanent(err)
	}
	ev, err := ForEnrolment(EnrolmentCreated, tenant, en)
	if err != nil {
		return err
	}
	err = s.Enrolments.Insert(ctx, tenant, en.ID, en, ev)
	if !problem.Is(err, problem.Conflict) {
		return err
	}
	live, _, err := s.LiveEnrolment(ctx, tenant, f.PersonID)
	if problem.Is(err, problem.NotFound) {
		return nil // the appointment's enrolment exists and was withdrawn: nothing to add
	}
	if err != nil || slices.Contains(live.Appointments, f.AppointmentID) {
		return err
	}
	_, _, err = s.Enrolments.Update(ctx, tenant, live.ID, 0, func(x *domain.Enrolment) ([]mongox.Event, error) {
		x.AddAppointment(f.AppointmentID)
		return nil, nil
	})
	return err
}

// PLC collects a PLC session held as evidence for each of its facilitators.
func PLC(s *store.Store, profiles *profile.Registry, ps Programmes, now func() time.Time) events.Handler {
	h := handler{s, profiles, ps, now}
	return func(ctx context.Context, e events.Envelope) error {
		if e.Type != "org.l4l.plc.session.held.v1" {
			return nil
		}
		_, p, ok, err := h.tenant(ctx, e)
		if !ok {
			return err
		}
		var d plcHeld
		if err := decode(e, &d); err != nil {
			return err
		}
		if err := need(e, d.SessionID); err != nil {
			return err
		}
		for _, f := range d.Facilitators {
			if err := collect(ctx, s, e.Tenant, p, domain.CollectPLCFacilitated, f, d.SessionID, d.Date, h.now()); err != nil {
				return err
			}
		}
		return nil
	}
}

func collect(ctx context.Context, s *store.Store, tenant string, p domain.Programme, collector, person, ref, date string, now time.Time) error {
	ev, ok := domain.Collected(p, NewID(), collector, person, ref, date, now)
	if !ok {
		return nil
	}
	e, err := ForEvidence(tenant, ev)
	if err != nil {
		return err
	}
	_, err = s.AddEvidence(ctx, tenant, ev, e)
	return err
}

// Coaching collects observed coaching sessions as evidence for the coach, and keeps who
// coaches (or coached) whom.
func Coaching(s *store.Store, profiles *profile.Registry, ps Programmes, now func() time.Time) events.Handler {
	h := handler{s, profiles, ps, now}
	return func(ctx context.Context, e events.Envelope) error {
		_, p, ok, err := h.tenant(ctx, e)
		if !ok {
			return err
		}
		switch e.Type {
		case "org.l4l.coaching.session.logged.v1":
			var d coachingSession
			if err := decode(e, &d); err != nil {
				return err
			}
			if err := need(e, d.SessionID); err != nil {
				return err
			}
			if !d.Observed {
				return nil // unobserved coaching is not accreditation evidence
			}
			return collect(ctx, s, e.Tenant, p, domain.CollectObservedCoaching, d.CoachID, d.SessionID, d.Date, h.now())
		case "org.l4l.coaching.relationship.started.v1", "org.l4l.coaching.relationship.ended.v1":
			var d relationship
			if err := decode(e, &d); err != nil {
				return err
			}
			if err := need(e, d.RelationshipID, d.CoachID, d.CoacheeID); err != nil {
				return err
			}
			return s.ApplyCoaching(ctx, e.Tenant, d.RelationshipID, d.CoachID, d.CoacheeID, strings.HasSuffix(e.Type, ".ended.v1"), e.Time)
		}
		return nil
	}
}

// Directory keeps people's schools and the assessors among role holders.
func Directory(s *store.Store, profiles *profile.Registry, ps Programmes, now func() time.Time) events.Handler {
	h := handler{s, profiles, ps, now}
	return func(ctx context.Context, e events.Envelope) error {
		idx, _, ok, err := h.tenant(ctx, e)
		if !ok {
			return err
		}
		switch {
		case strings.HasPrefix(e.Type, "org.l4l.directory.person."):
			var d dirPerson
			if err := decode(e, &d); err != nil {
				return err
			}
			if err := need(e, d.PersonID); err != nil {
				return err
			}
			return s.ApplyPerson(ctx, e.Tenant, d.PersonID, d.SchoolID, strings.HasSuffix(e.Type, ".deleted.v1"), e.Time)
		case strings.HasPrefix(e.Type, "org.l4l.directory.role."):
			var d dirRole
			if err := decode(e, &d); err != nil {
				return err
			}
			if d.Role != AssessorRole || d.PersonID == "" {
				return nil
			}
			active := !strings.HasSuffix(e.Type, ".removed.v1") && (d.EndDate == "" || d.EndDate >= idx.Date(h.now()))
			return s.ApplyAssessor(ctx, e.Tenant, domain.Assessor{PersonID: d.PersonID, Active: active, Source: "directory", EventTime: e.Time})
		}
		return nil
	}
}

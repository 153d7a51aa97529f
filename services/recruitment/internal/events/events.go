// Package events names the recruitment service's events and builds them, and reads the
// directory's events into the service's small per-tenant read model (who holds which
// role where, since when; which sector a school is in). Events carry ids and facts, never
// names or free text: evidence notes and justifications stay in the service. Each type
// has a JSON Schema under api/events/.
package events

import (
	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/services/recruitment/internal/domain"
)

// Source is the CloudEvents source of every recruitment event.
const Source = "/l4l/recruitment"

// Event types, org.l4l.recruitment.<noun>.<verb>.v1. The leader.* types are the
// cross-service contract the directory turns into role assignments.
const (
	CampaignOpened      = "org.l4l.recruitment.campaign.opened.v1"
	CampaignClosed      = "org.l4l.recruitment.campaign.closed.v1"
	ApplicationSubmit   = "org.l4l.recruitment.application.submitted.v1"
	ApplicationScreened = "org.l4l.recruitment.application.screened.v1"
	AssessmentRecorded  = "org.l4l.recruitment.assessment.recorded.v1"
	ScoreRecorded       = "org.l4l.recruitment.score.recorded.v1"
	CandidatesRanked    = "org.l4l.recruitment.candidates.ranked.v1"
	OfferMade           = "org.l4l.recruitment.offer.made.v1"
	OfferDeclined       = "org.l4l.recruitment.offer.declined.v1"
	LeaderAppointed     = "org.l4l.recruitment.leader.appointed.v1"
	LeaderInducted      = "org.l4l.recruitment.leader.inducted.v1"
	LeaderExited        = "org.l4l.recruitment.leader.exited.v1"
)

// PositionData is a position in campaign events.
type PositionData struct {
	Role   string `json:"role"`
	Unit   string `json:"unit"`
	Places int    `json:"places"`
}

// CampaignData is the data of campaign.opened.
type CampaignData struct {
	CampaignID string         `json:"campaign_id"`
	OpensOn    string         `json:"opens_on"`
	ClosesOn   string         `json:"closes_on"`
	Positions  []PositionData `json:"positions"`
}

// CampaignRef is the data of campaign.closed.
type CampaignRef struct {
	CampaignID string `json:"campaign_id"`
}

// ApplicationData is the data of application.submitted.
type ApplicationData struct {
	ApplicationID string `json:"application_id"`
	CampaignID    string `json:"campaign_id"`
	PersonID      string `json:"person_id"`
	Role          string `json:"role"`
	Unit          string `json:"unit"`
	SchoolID      string `json:"school_id"`
}

// ScreeningData is the data of application.screened.
type ScreeningData struct {
	ApplicationID string   `json:"application_id"`
	CampaignID    string   `json:"campaign_id"`
	PersonID      string   `json:"person_id"`
	Eligible      bool     `json:"eligible"`
	FailedRules   []string `json:"failed_rules"`
	Overridden    bool     `json:"overridden"`
}

// AssessmentData is the data of assessment.recorded.
type AssessmentData struct {
	ApplicationID string   `json:"application_id"`
	CampaignID    string   `json:"campaign_id"`
	AssessmentID  string   `json:"assessment_id"`
	Kind          string   `json:"kind"`
	Date          string   `json:"date"`
	Present       []string `json:"present"`
}

// ScoreData is the data of score.recorded.
type ScoreData struct {
	ApplicationID string         `json:"application_id"`
	CampaignID    string         `json:"campaign_id"`
	MemberID      string         `json:"member_id"`
	Levels        map[string]int `json:"levels"`
}

// RankedData is one candidate in candidates.ranked.
type RankedData struct {
	ApplicationID string  `json:"application_id"`
	PersonID      string  `json:"person_id"`
	Rank          int     `json:"rank"`
	Score         float64 `json:"score"`
}

// RankedPosition is one position in candidates.ranked.
type RankedPosition struct {
	Role    string       `json:"role"`
	Unit    string       `json:"unit"`
	Ranked  []RankedData `json:"ranked"`
	Reserve []string     `json:"reserve"`
}

// RankingData is the data of candidates.ranked.
type RankingData struct {
	CampaignID string           `json:"campaign_id"`
	Positions  []RankedPosition `json:"positions"`
}

// OfferData is the data of offer.made and offer.declined.
type OfferData struct {
	OfferID       string `json:"offer_id"`
	CampaignID    string `json:"campaign_id"`
	ApplicationID string `json:"application_id"`
	PersonID      string `json:"person_id"`
	Role          string `json:"role"`
	Unit          string `json:"unit"`
	Replaces      string `json:"replaces,omitempty"`
}

// AppointedData is the data of leader.appointed (contract).
type AppointedData struct {
	AppointmentID string `json:"appointment_id"`
	CampaignID    string `json:"campaign_id"`
	PersonID      string `json:"person_id"`
	Role          string `json:"role"`
	Unit          string `json:"unit"`
	StartDate     string `json:"start_date"`
}

// InductedData is the data of leader.inducted (contract).
type InductedData struct {
	AppointmentID string `json:"appointment_id"`
	PersonID      string `json:"person_id"`
	Role          string `json:"role"`
	Unit          string `json:"unit"`
	Date          string `json:"date"`
}

// ExitedData is the data of leader.exited (contract).
type ExitedData struct {
	AppointmentID string `json:"appointment_id"`
	PersonID      string `json:"person_id"`
	Role          string `json:"role"`
	Unit          string `json:"unit"`
	EndDate       string `json:"end_date"`
	Reason        string `json:"reason"`
}

// Opened builds campaign.opened.
func Opened(tenant string, c domain.Campaign) (events.Envelope, error) {
	d := CampaignData{CampaignID: c.ID, OpensOn: c.OpensOn, ClosesOn: c.ClosesOn, Positions: []PositionData{}}
	for _, p := range c.Positions {
		d.Positions = append(d.Positions, PositionData{Role: p.Role, Unit: p.Unit, Places: p.Places})
	}
	return events.New(Source, CampaignOpened, tenant, c.ID, d)
}

// Closed builds campaign.closed.
func Closed(tenant string, c domain.Campaign) (events.Envelope, error) {
	return events.New(Source, CampaignClosed, tenant, c.ID, CampaignRef{CampaignID: c.ID})
}

// Submitted builds application.submitted.
func Submitted(tenant string, c domain.Campaign, a domain.Application) (events.Envelope, error) {
	p, _ := c.Position(a.Position)
	return events.New(Source, ApplicationSubmit, tenant, a.ID, ApplicationData{ApplicationID: a.ID, CampaignID: a.CampaignID,
		PersonID: a.PersonID, Role: a.Role, Unit: p.Unit, SchoolID: a.SchoolID})
}

// Screened builds application.screened.
func Screened(tenant string, a domain.Application) (events.Envelope, error) {
	failed := []string{}
	for _, r := range a.Screening.Rules {
		if !r.Passed {
			failed = append(failed, r.Rule)
		}
	}
	return events.New(Source, ApplicationScreened, tenant, a.ID, ScreeningData{ApplicationID: a.ID, CampaignID: a.CampaignID,
		PersonID: a.PersonID, Eligible: a.Eligible(), FailedRules: failed, Overridden: a.Screening.Override != nil})
}

// Assessed builds assessment.recorded.
func Assessed(tenant string, a domain.Application, as domain.Assessment) (events.Envelope, error) {
	return events.New(Source, AssessmentRecorded, tenant, a.ID, AssessmentData{ApplicationID: a.ID, CampaignID: a.CampaignID,
		AssessmentID: as.ID, Kind: as.Kind, Date: as.Date, Present: as.Present})
}

// Scored builds score.recorded.
func Scored(tenant string, a domain.Application, member string, levels map[string]int) (events.Envelope, error) {
	return events.New(Source, ScoreRecorded, tenant, a.ID, ScoreData{ApplicationID: a.ID, CampaignID: a.CampaignID, MemberID: member, Levels: levels})
}

// Ranked builds candidates.ranked.
func Ranked(tenant string, c domain.Campaign) (events.Envelope, error) {
	d := RankingData{CampaignID: c.ID, Positions: []RankedPosition{}}
	for _, r := range c.Ranking {
		p, _ := c.Position(r.Position)
		rp := RankedPosition{Role: p.Role, Unit: p.Unit, Ranked: []RankedData{}, Reserve: r.Reserve}
		for _, x := range r.Ranked {
			rp.Ranked = append(rp.Ranked, RankedData{ApplicationID: x.ApplicationID, PersonID: x.PersonID, Rank: x.Rank, Score: x.Score})
		}
		d.Positions = append(d.Positions, rp)
	}
	return events.New(Source, CandidatesRanked, tenant, c.ID, d)
}

// ForOffer builds offer.made or offer.declined.
func ForOffer(typ, tenant string, c domain.Campaign, o domain.Offer) (events.Envelope, error) {
	p, _ := c.Position(o.Position)
	return events.New(Source, typ, tenant, o.ID, OfferData{OfferID: o.ID, CampaignID: c.ID, ApplicationID: o.ApplicationID,
		PersonID: o.PersonID, Role: p.Role, Unit: p.Unit, Replaces: o.Replaces})
}

// Appointment builds leader.appointed.
func Appointment(tenant string, c domain.Campaign, a domain.Appointment) (events.Envelope, error) {
	return events.New(Source, LeaderAppointed, tenant, a.ID, AppointedData{AppointmentID: a.ID, CampaignID: c.ID, PersonID: a.PersonID,
		Role: a.Role, Unit: a.Unit, StartDate: a.StartDate})
}

// Induction builds leader.inducted.
func Induction(tenant string, a domain.Appointment) (events.Envelope, error) {
	return events.New(Source, LeaderInducted, tenant, a.ID, InductedData{AppointmentID: a.ID, PersonID: a.PersonID, Role: a.Role, Unit: a.Unit, Date: a.InductedOn})
}

// Exit builds leader.exited.
func Exit(tenant string, a domain.Appointment) (events.Envelope, error) {
	return events.New(Source, LeaderExited, tenant, a.ID, ExitedData{AppointmentID: a.ID, PersonID: a.PersonID, Role: a.Role, Unit: a.Unit,
		EndDate: a.EndDate, Reason: a.ExitReason})
}

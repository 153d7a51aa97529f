package events_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/privacy"
	"github.com/l4l-platform/l4l/libs/service/servicetest"
	"github.com/l4l-platform/l4l/services/recruitment/internal/domain"
	recEvents "github.com/l4l-platform/l4l/services/recruitment/internal/events"
)

const schemas = "../../api/events"

// Every event recruitment can publish matches the schema integrators read, and carries no
// free text (evidence notes, justifications).
func TestEventsMatchTheirSchemas(t *testing.T) {
	pos := domain.Position{Key: "lll:rw-gasabo-remera", Role: "lll", Unit: "rw-gasabo-remera", Places: 1}
	c := domain.Campaign{ID: domain.NewID(), Intake: "2027", OpensOn: "2027-03-01", ClosesOn: "2027-03-31", Positions: []domain.Position{pos}}
	a := domain.Application{ID: domain.NewID(), CampaignID: c.ID, PersonID: domain.NewID(), Role: "lll", Position: pos.Key, SchoolID: domain.NewID(),
		Screening: domain.Screening{Rules: []domain.RuleResult{{Rule: "years_as_head_teacher", Reason: "secret reason"}},
			Override: &domain.Override{Eligible: true, Justification: "secret justification"}}}
	as := domain.Assessment{ID: domain.NewID(), Kind: domain.SiteVisit, Date: "2027-03-12", Present: []string{"deo"},
		Notes: []domain.EvidenceNote{{Source: "teachers", Text: "secret note"}}}
	c.Ranking = []domain.PositionRun{{Position: pos.Key, Ranked: []domain.Ranked{{ApplicationID: a.ID, PersonID: a.PersonID, Rank: 1, Score: 3.25}}, Reserve: []string{}}}
	o := domain.Offer{ID: domain.NewID(), Position: pos.Key, ApplicationID: a.ID, PersonID: a.PersonID, Replaces: domain.NewID()}
	ap := domain.Appointment{ID: domain.NewID(), PersonID: a.PersonID, Role: "lll", Unit: pos.Unit, StartDate: "2027-05-01", InductedOn: "2027-05-10", EndDate: "2028-01-31", ExitReason: "retired"}
	build := map[string]func() (events.Envelope, error){
		recEvents.CampaignOpened:      func() (events.Envelope, error) { return recEvents.Opened("rw-gasabo", c) },
		recEvents.CampaignClosed:      func() (events.Envelope, error) { return recEvents.Closed("rw-gasabo", c) },
		recEvents.ApplicationSubmit:   func() (events.Envelope, error) { return recEvents.Submitted("rw-gasabo", c, a) },
		recEvents.ApplicationScreened: func() (events.Envelope, error) { return recEvents.Screened("rw-gasabo", a) },
		recEvents.AssessmentRecorded:  func() (events.Envelope, error) { return recEvents.Assessed("rw-gasabo", a, as) },
		recEvents.ScoreRecorded: func() (events.Envelope, error) {
			return recEvents.Scored("rw-gasabo", a, "deo", map[string]int{"openness": 3})
		},
		recEvents.CandidatesRanked: func() (events.Envelope, error) { return recEvents.Ranked("rw-gasabo", c) },
		recEvents.OfferMade:        func() (events.Envelope, error) { return recEvents.ForOffer(recEvents.OfferMade, "rw-gasabo", c, o) },
		recEvents.OfferDeclined:    func() (events.Envelope, error) { return recEvents.ForOffer(recEvents.OfferDeclined, "rw-gasabo", c, o) },
		recEvents.LeaderAppointed:  func() (events.Envelope, error) { return recEvents.Appointment("rw-gasabo", c, ap) },
		recEvents.LeaderInducted:   func() (events.Envelope, error) { return recEvents.Induction("rw-gasabo", ap) },
		recEvents.LeaderExited:     func() (events.Envelope, error) { return recEvents.Exit("rw-gasabo", ap) },
		// The erasure confirmation is built by libs/privacy, as every service's.
		privacy.ErasureCompletedType("recruitment"): func() (events.Envelope, error) {
			return events.New("/l4l/recruitment", privacy.ErasureCompletedType("recruitment"), "rw-gasabo", "req-1",
				privacy.ErasureCompleted{RequestID: "req-1", PersonID: a.PersonID, Service: "recruitment", Records: 2})
		},
	}
	files, _ := filepath.Glob(filepath.Join(schemas, "*.json"))
	if len(files) != len(build) {
		t.Fatalf("%d schema files for %d event types", len(files), len(build))
	}
	for typ, f := range build {
		e, err := f()
		if err != nil {
			t.Fatal(err)
		}
		if e.Type != typ {
			t.Fatalf("built %s for %s", e.Type, typ)
		}
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		servicetest.ValidateEvent(t, schemas, b)
		if strings.Contains(string(b), "secret") || strings.Contains(string(b), "2027\"") {
			t.Errorf("%s carries free text: %s", typ, b)
		}
	}
}

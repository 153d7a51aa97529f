package events_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/privacy"
	"github.com/l4l-platform/l4l/libs/service/servicetest"
	"github.com/l4l-platform/l4l/services/plc/internal/domain"
	plc "github.com/l4l-platform/l4l/services/plc/internal/events"
)

const schemas = "../../api/events"

// Every event type has a schema, every builder's event matches it, and none carries the
// free text of records (notes, reasons, descriptions).
func TestEventsMatchTheirSchemas(t *testing.T) {
	start := time.Date(2026, 10, 14, 7, 0, 0, 0, time.UTC)
	g := domain.Group{ID: domain.NewID(), Kind: "sector_plc", Unit: "rw-gasabo-remera", Schools: []string{"s1"},
		Members: []domain.Member{{PersonID: "p1", Role: "lll", Position: domain.Facilitator, AssignmentID: "a1", StartDate: "2026-01-01"}}}
	s := domain.Session{ID: domain.NewID(), GroupID: g.ID, Kind: g.Kind, Unit: g.Unit, Slot: "2026-10", Date: "2026-10-14", Start: start,
		End: start.Add(3 * time.Hour), Mode: domain.InPerson, HostSchoolID: "s1", Facilitators: []string{"p1"}, Status: domain.Held, CancelReason: "secret reason",
		Record: &domain.Record{Held: true, Attendance: []domain.Attendance{{PersonID: "p1", Status: domain.Present}},
			SchoolData: []domain.SchoolData{{SchoolID: "s1", Topic: "secret topic"}}, Agenda: []domain.AgendaItem{{Title: "secret title", CompetencyAreas: []string{"leading_teaching"}}},
			Actions: []domain.Action{{ID: "x1", Description: "secret action", OwnerID: "p1", DueDate: "2026-11-01"}}, FollowUps: []domain.FollowUp{{ActionID: "x0", Status: domain.ActionDone, Note: "secret note"}}}}
	notHeld := s
	notHeld.Record = &domain.Record{NotHeldReason: "secret reason"}
	scheduled := s
	scheduled.Status, scheduled.Record = domain.Scheduled, nil
	prev := start.Add(-24 * time.Hour)
	action := domain.ActionStatus{Action: s.Record.Actions[0], Status: domain.ActionOpen}
	build := map[string]func() (events.Envelope, error){
		plc.GroupFormed:  func() (events.Envelope, error) { return plc.ForGroup(plc.GroupFormed, "rw-gasabo", g) },
		plc.GroupChanged: func() (events.Envelope, error) { return plc.ForGroup(plc.GroupChanged, "rw-gasabo", g) },
		plc.SessionScheduled: func() (events.Envelope, error) {
			return plc.ForSession(plc.SessionScheduled, "rw-gasabo", scheduled, nil)
		},
		plc.SessionRescheduled: func() (events.Envelope, error) {
			return plc.ForSession(plc.SessionRescheduled, "rw-gasabo", scheduled, &prev)
		},
		plc.SessionCancelled: func() (events.Envelope, error) { return plc.ForCancelled("rw-gasabo", s) },
		plc.SessionHeld:      func() (events.Envelope, error) { return plc.ForRecord("rw-gasabo", s) },
		plc.SessionNotHeld:   func() (events.Envelope, error) { return plc.ForRecord("rw-gasabo", notHeld) },
		plc.ActionCreated:    func() (events.Envelope, error) { return plc.ForAction(plc.ActionCreated, "rw-gasabo", s, action) },
		plc.ActionUpdated: func() (events.Envelope, error) {
			return plc.ForAction(plc.ActionUpdated, "rw-gasabo", s, domain.ActionStatus{Action: action.Action, Status: domain.ActionDone})
		},
		privacy.ErasureCompletedType("plc"): func() (events.Envelope, error) {
			return events.New(plc.Source, privacy.ErasureCompletedType("plc"), "rw-gasabo", "req-1", privacy.ErasureCompleted{RequestID: "req-1", PersonID: "p1", Service: "plc", Records: 3})
		},
	}
	files, _ := filepath.Glob(filepath.Join(schemas, "*.json"))
	if len(files) != len(build) || len(plc.Types) != len(build) {
		t.Fatalf("%d schema files, %d types, %d builders", len(files), len(plc.Types), len(build))
	}
	for _, typ := range plc.Types {
		e, err := build[typ]()
		if err != nil {
			t.Fatal(err)
		}
		if e.Type != typ {
			t.Fatalf("built %s for %s", e.Type, typ)
		}
		b, _ := json.Marshal(e)
		servicetest.ValidateEvent(t, schemas, b)
		if strings.Contains(string(b), "secret") {
			t.Errorf("%s carries free text: %s", typ, b)
		}
	}
}

package events_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/privacy"
	"github.com/l4l-platform/l4l/libs/service/servicetest"
	"github.com/l4l-platform/l4l/services/directory/internal/domain"
	dirEvents "github.com/l4l-platform/l4l/services/directory/internal/events"
)

const schemas = "../../api/events"

// Every event the directory can publish matches the schema integrators read.
func TestEventsMatchTheirSchemas(t *testing.T) {
	now := time.Date(2027, 1, 4, 8, 0, 0, 0, time.UTC)
	s := domain.School{ID: domain.NewID(), Code: "GAS-01", Name: "secret name", Unit: "rw-gasabo-remera", Ownership: "public", Status: "open", CreatedAt: now}
	p := domain.Person{ID: domain.NewID(), GivenName: "Aline", FamilyName: "Uwase", Email: "a@example.org", SchoolID: s.ID}
	r := domain.RoleAssignment{ID: domain.NewID(), PersonID: p.ID, Role: "ht", Unit: s.ID, StartDate: "2027-01-04", Source: domain.SourceManual}
	build := map[string]func(string) (events.Envelope, error){
		dirEvents.SchoolCreated: func(t string) (events.Envelope, error) { return dirEvents.ForSchool(t, "rw-gasabo", s) },
		dirEvents.SchoolUpdated: func(t string) (events.Envelope, error) { return dirEvents.ForSchool(t, "rw-gasabo", s) },
		dirEvents.SchoolDeleted: func(t string) (events.Envelope, error) { return dirEvents.ForSchool(t, "rw-gasabo", s) },
		dirEvents.PersonCreated: func(t string) (events.Envelope, error) { return dirEvents.ForPerson(t, "rw-gasabo", p) },
		dirEvents.PersonUpdated: func(t string) (events.Envelope, error) { return dirEvents.ForPerson(t, "rw-gasabo", p) },
		dirEvents.PersonDeleted: func(t string) (events.Envelope, error) { return dirEvents.ForPerson(t, "rw-gasabo", p) },
		dirEvents.RoleAssigned:  func(t string) (events.Envelope, error) { return dirEvents.ForRole(t, "rw-gasabo", r) },
		dirEvents.RoleUpdated:   func(t string) (events.Envelope, error) { return dirEvents.ForRole(t, "rw-gasabo", r) },
		dirEvents.RoleRemoved:   func(t string) (events.Envelope, error) { return dirEvents.ForRole(t, "rw-gasabo", r) },
		dirEvents.ErasureRequested: func(string) (events.Envelope, error) {
			return dirEvents.ForErasureRequest("rw-gasabo", domain.NewErasureRequest(p.ID, "dpo-1", now))
		},
		// The directory's own confirmation is built by libs/privacy, as every service's.
		privacy.ErasureCompletedType("directory"): func(t string) (events.Envelope, error) {
			return events.New(dirEvents.Source, t, "rw-gasabo", "req-1", privacy.ErasureCompleted{RequestID: "req-1", PersonID: p.ID, Service: "directory", Records: 1})
		},
	}
	files, _ := filepath.Glob(filepath.Join(schemas, "*.json"))
	if len(files) != len(build) {
		t.Fatalf("%d schema files for %d event types", len(files), len(build))
	}
	for typ, f := range build {
		e, err := f(typ)
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		servicetest.ValidateEvent(t, schemas, b)
		for _, personal := range []string{"secret name", "Aline", "Uwase", "a@example.org"} {
			if strings.Contains(string(b), personal) {
				t.Errorf("%s carries personal data %q", typ, personal)
			}
		}
	}
	if _, err := os.Stat(schemas); err != nil {
		t.Fatal(err)
	}
}

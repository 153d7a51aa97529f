// Package directory is the directory service: admin units (from the tenant's country
// profile), schools, people and role assignments, with CSV and OneRoster imports. It
// publishes directory.* events through the outbox.
package directory

import (
	_ "embed"
	"time"

	"github.com/gin-gonic/gin"

	libevents "github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/privacy"
	"github.com/l4l-platform/l4l/libs/service"
	"github.com/l4l-platform/l4l/services/directory/internal/events"
	"github.com/l4l-platform/l4l/services/directory/internal/http"
	"github.com/l4l-platform/l4l/services/directory/internal/store"
)

// Name is the service's name: its topic is l4l.directory.events, its databases l4l_directory_<tenant>.
const Name = "directory"

// OpenAPI is the service's contract.
//
//go:embed api/openapi.yaml
var OpenAPI []byte

// Definition wires the directory into the shared service shape.
var Definition = service.Definition{
	Name:    Name,
	OpenAPI: OpenAPI,
	Indexes: store.Indexes,
	Outbox:  []string{store.Schools, store.People, store.Roles, store.ErasureRequests},
	Routes: func(d *service.Deps, v1 *gin.RouterGroup) error {
		api := &http.API{Store: store.New(d.Tenants, d.Relay), Profiles: d.Profiles, Now: now}
		api.Register(v1, d.Server.AllowLargeBody)
		return nil
	},
	Subscriptions: []service.Subscription{{
		// Appointments and exits of leaders become role assignments.
		Topics: []string{libevents.Topic("recruitment")},
		Handler: func(d *service.Deps) libevents.Handler {
			return events.RecruitmentHandler(store.New(d.Tenants, d.Relay), d.Profiles, now)
		},
	}, {
		// Each service's confirmation of an erasure request (docs/privacy.md).
		Name:   "erasure-confirmations",
		Topics: events.ConfirmationTopics(),
		Handler: func(d *service.Deps) libevents.Handler {
			return events.ConfirmationHandler(store.New(d.Tenants, d.Relay), now)
		},
	}},
	// The directory pseudonymises its own person record like every other service.
	Privacy: func(d *service.Deps) privacy.Hooks {
		s := store.New(d.Tenants, d.Relay)
		return privacy.Hooks{Export: s.ExportPerson, Erase: s.ErasePerson}
	},
}

func now() time.Time { return time.Now().UTC() }

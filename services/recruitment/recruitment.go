// Package recruitment is the recruitment service: campaigns that fill the country
// profile's leader-of-learning quotas, the selection panel, applications screened against
// the eligibility rules, assessment by site visits and interviews, ranking, offers with
// reserve lists, and leaders' appointment, induction and exit. It publishes
// recruitment.* events through the outbox and reads the directory's events into a small
// per-tenant read model.
package recruitment

import (
	_ "embed"
	"time"

	"github.com/gin-gonic/gin"

	libevents "github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/privacy"
	"github.com/l4l-platform/l4l/libs/service"
	"github.com/l4l-platform/l4l/services/recruitment/internal/events"
	"github.com/l4l-platform/l4l/services/recruitment/internal/http"
	"github.com/l4l-platform/l4l/services/recruitment/internal/store"
)

// Name is the service's name: its topic is l4l.recruitment.events, its databases l4l_recruitment_<tenant>.
const Name = "recruitment"

// OpenAPI is the service's contract.
//
//go:embed api/openapi.yaml
var OpenAPI []byte

// Definition wires recruitment into the shared service shape.
var Definition = service.Definition{
	Name:    Name,
	OpenAPI: OpenAPI,
	Indexes: store.Indexes,
	Outbox:  []string{store.Campaigns, store.Applications},
	Routes: func(d *service.Deps, v1 *gin.RouterGroup) error {
		api := &http.API{Store: store.New(d.Tenants, d.Relay), Profiles: d.Profiles, Now: func() time.Time { return time.Now().UTC() }}
		api.Register(v1)
		return nil
	},
	Subscriptions: []service.Subscription{{
		Name:   "directory",
		Topics: []string{libevents.Topic("directory")},
		Handler: func(d *service.Deps) libevents.Handler {
			return events.DirectoryHandler(store.New(d.Tenants, d.Relay), d.Profiles)
		},
	}},
	// Rejected applications live as long as the country profile says (2 years in the
	// shipped profiles), counted from the withdrawal or the campaign's ranking.
	Retention: []privacy.RetentionRule{store.RejectedApplications},
	Privacy: func(d *service.Deps) privacy.Hooks {
		s := store.New(d.Tenants, d.Relay)
		return privacy.Hooks{Export: s.ExportPerson, Erase: s.ErasePerson}
	},
}

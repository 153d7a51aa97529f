// Package coaching is the coaching service: the coaching chain and who coaches whom
// (assigned from the directory's roles by the country profile's chain, within its
// caseload limits), coaching sessions and school visits with agreed actions and their
// follow-up, competency ratings of head teachers, classroom observations, the visit
// rhythm, and offline sync for tablets. It publishes coaching.* events through the outbox
// and consumes directory.* events.
package coaching

import (
	_ "embed"
	"time"

	"github.com/gin-gonic/gin"

	libevents "github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/privacy"
	"github.com/l4l-platform/l4l/libs/service"
	"github.com/l4l-platform/l4l/services/coaching/internal/events"
	"github.com/l4l-platform/l4l/services/coaching/internal/http"
	"github.com/l4l-platform/l4l/services/coaching/internal/store"
)

// Name is the service's name: its topic is l4l.coaching.events, its databases l4l_coaching_<tenant>.
const Name = "coaching"

// OpenAPI is the service's contract.
//
//go:embed api/openapi.yaml
var OpenAPI []byte

// FeedLag keeps the change feed behind the newest writes (see http.API.FeedLag).
const FeedLag = time.Second

func now() time.Time { return time.Now().UTC() }

// Definition wires the coaching service into the shared service shape.
var Definition = service.Definition{
	Name:    Name,
	OpenAPI: OpenAPI,
	Indexes: store.Indexes,
	Outbox:  []string{store.Relationships, store.UploadOutbox, store.Plans, store.RiskChecks},
	Routes: func(d *service.Deps, v1 *gin.RouterGroup) error {
		api := &http.API{Store: events.NewStore(d.Tenants, d.Relay), Profiles: d.Profiles, Now: now, FeedLag: FeedLag}
		api.Register(v1)
		return nil
	},
	Subscriptions: []service.Subscription{{
		Topics: []string{libevents.Topic("directory")},
		Handler: func(d *service.Deps) libevents.Handler {
			return events.Directory(events.NewStore(d.Tenants, d.Relay), d.Profiles, now)
		},
	}},
	Privacy: func(d *service.Deps) privacy.Hooks {
		s := events.NewStore(d.Tenants, d.Relay)
		return privacy.Hooks{Export: s.ExportPerson, Erase: s.ErasePerson}
	},
}

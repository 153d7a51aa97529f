// Package plc is the PLC service: Professional Learning Communities kept up to date from
// the directory's events, their schedules generated from the country profile's cadence
// and calendar, iCalendar feeds, session records with attendance and action items, and
// the queries the programme's KPIs need. It publishes plc.* events through the outbox.
package plc

import (
	_ "embed"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/privacy"
	"github.com/l4l-platform/l4l/libs/service"
	"github.com/l4l-platform/l4l/services/plc/internal/domain"
	plcevents "github.com/l4l-platform/l4l/services/plc/internal/events"
	"github.com/l4l-platform/l4l/services/plc/internal/http"
	"github.com/l4l-platform/l4l/services/plc/internal/store"
)

// Name is the service's name: its topic is l4l.plc.events, its databases l4l_plc_<tenant>.
const Name = "plc"

// OpenAPI is the service's contract.
//
//go:embed api/openapi.yaml
var OpenAPI []byte

func now() time.Time { return time.Now().UTC() }

func groups(d *service.Deps) *plcevents.Groups {
	return &plcevents.Groups{Store: store.New(d.Tenants, d.Relay), Profiles: d.Profiles, Logger: d.Logger, Now: now}
}

// Definition wires the PLC service into the shared service shape.
var Definition = service.Definition{
	Name:    Name,
	OpenAPI: OpenAPI,
	Indexes: store.Indexes,
	Outbox:  []string{store.Groups, store.Sessions},
	Routes: func(d *service.Deps, v1 *gin.RouterGroup) error {
		api := &http.API{Store: store.New(d.Tenants, d.Relay), Groups: groups(d), Profiles: d.Profiles,
			Rules: domain.DefaultRules(), Logger: d.Logger, Now: now}
		api.Register(v1, d.Server.Engine)
		return nil
	},
	Subscriptions: []service.Subscription{{
		Name:   "directory",
		Topics: []string{events.Topic("directory")},
		Handler: func(d *service.Deps) events.Handler {
			return groups(d).Handle
		},
	}},
	Privacy: func(d *service.Deps) privacy.Hooks {
		s := store.New(d.Tenants, d.Relay)
		return privacy.Hooks{Export: s.ExportPerson, Erase: s.ErasePerson}
	},
}

// Package events turns the other services' events into analytics' facts.
package events

import (
	"context"
	"fmt"

	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/services/analytics/internal/domain"
	"github.com/l4l-platform/l4l/services/analytics/internal/store"
)

// Facts is the handler of every analytics subscription.
type Facts struct {
	Store    *store.Store
	Profiles *profile.Registry
}

// Fact is the fact an event becomes, or why it cannot be one (a permanent error: the
// event goes to the dead-letter topic with the reason). ok is false for types analytics
// does not read.
func Fact(profiles *profile.Registry, e events.Envelope) (f domain.Fact, ok bool, err error) {
	if !domain.Reads(e.Type) {
		return domain.Fact{}, false, nil
	}
	if _, _, known := profiles.Tenant(e.Tenant); !known {
		return domain.Fact{}, false, events.Permanent(fmt.Errorf("%s %s: tenant %q is not a tenant of a loaded country profile", e.Type, e.ID, e.Tenant))
	}
	if field := domain.Check(e.Type, e.Data); field != "" {
		return domain.Fact{}, false, events.Permanent(fmt.Errorf("%s %s: data lacks %s", e.Type, e.ID, field))
	}
	return domain.Fact{Type: e.Type, Subject: e.Subject, EventID: e.ID, Time: e.Time, Data: e.Data}, true, nil
}

// Handle keeps an event as a fact; events of types analytics does not read are
// acknowledged. Redelivery and reordering are harmless: the store keeps the newest.
func (h *Facts) Handle(ctx context.Context, e events.Envelope) error {
	f, ok, err := Fact(h.Profiles, e)
	if !ok || err != nil {
		return err
	}
	_, err = h.Store.Put(ctx, e.Tenant, f)
	return err
}

package events

import (
	"context"
	"strings"
	"time"

	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/privacy"
	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/services/directory/internal/domain"
	"github.com/l4l-platform/l4l/services/directory/internal/store"
)

// ErasureRequested is published when a data-protection officer records an erasure
// request; every service that holds personal data consumes it (libs/privacy).
const ErasureRequested = privacy.ErasureRequestedType

// ForErasureRequest builds the request's event: its id and the person's, nothing else.
func ForErasureRequest(tenant string, r domain.ErasureRequest) (events.Envelope, error) {
	return events.New(Source, ErasureRequested, tenant, r.ID, privacy.ErasureRequested{RequestID: r.ID, PersonID: r.PersonID})
}

// ConfirmationTopics are the topics of the services that confirm erasures.
func ConfirmationTopics() []string {
	out := make([]string, len(domain.ErasureServices))
	for i, s := range domain.ErasureServices {
		out[i] = events.Topic(s)
	}
	return out
}

// ConfirmationHandler records each service's erasure.completed on the request. A
// redelivered confirmation changes nothing (Confirm reports false); one for a request
// this tenant does not hold is parked in the DLQ.
func ConfirmationHandler(s *store.Store, now func() time.Time) events.Handler {
	return func(ctx context.Context, e events.Envelope) error {
		if !strings.HasSuffix(e.Type, ".erasure.completed.v1") {
			return nil
		}
		var c privacy.ErasureCompleted
		if err := e.DecodeData(&c); err != nil || c.RequestID == "" || c.Service == "" {
			return events.Permanent(err)
		}
		_, _, err := s.Erasures().Update(ctx, e.Tenant, c.RequestID, 0, func(r *domain.ErasureRequest) ([]mongox.Event, error) {
			r.Confirm(c.Service, c.Records, now())
			return nil, nil
		})
		if problem.Is(err, problem.NotFound) {
			return events.Permanent(err)
		}
		return err
	}
}

// Package tenancy publishes the tenant lifecycle events every service consumes to start
// serving a tenant, refuse its writes while suspended, and forget it:
// org.l4l.tenancy.tenant.{provisioned,suspended,deprovisioned}.v1 on the compacted topic
// events.TenancyTopic, keyed by tenant, so the topic holds each tenant's latest state.
//
// The operator publishes them when it reconciles a DistrictTenant; without Kubernetes
// (`make run`, tests) `l4lctl tenant create|suspend|delete` calls Publish with the same
// Tenant, so both paths produce identical events. The package has no Kubernetes
// dependency for that reason.
package tenancy

import (
	"context"
	"fmt"

	"github.com/l4l-platform/l4l/libs/events"
)

// Source is the CloudEvents source of tenancy events.
const Source = "/l4l/tenancy"

// Event types.
const (
	TypeProvisioned   = "org.l4l.tenancy.tenant.provisioned.v1"
	TypeSuspended     = "org.l4l.tenancy.tenant.suspended.v1"
	TypeDeprovisioned = "org.l4l.tenancy.tenant.deprovisioned.v1"
)

// Tiers.
const (
	TierShared    = "shared"
	TierDedicated = "dedicated"
)

// Tenant is a tenant's configuration as announced: ids and facts, no names or contacts
// (events never carry names or free text).
type Tenant struct {
	// Tenant is the tenant's unit code ("rw-gasabo").
	Tenant string `json:"tenant"`
	// Country is the country code, the CountryProfile's name ("rw").
	Country string `json:"country"`
	// ParentUnit is the unit above the tenant ("rw-kigali"), if any.
	ParentUnit string `json:"parent_unit,omitempty"`
	// Tier is TierShared or TierDedicated.
	Tier string `json:"tier"`
	// Namespace is a dedicated tenant's namespace.
	Namespace string `json:"namespace,omitempty"`
	// Databases are the tenant's MongoDB databases (mongox.DBName per service).
	Databases []string `json:"databases,omitempty"`
	// CredentialsSecret is the "namespace/name" of the Secret holding the tenant's
	// database credentials, when it runs on Kubernetes.
	CredentialsSecret string `json:"credentials_secret,omitempty"`
	// Suspended is true on suspended events: services refuse the tenant's writes.
	Suspended bool `json:"suspended"`
	// Generation is the DistrictTenant's metadata.generation the event announces (0
	// without Kubernetes); consumers may ignore an event older than one they applied.
	Generation int64 `json:"generation,omitempty"`
	// DataRetained says, on deprovisioned events, whether the tenant's databases were kept.
	DataRetained *bool `json:"data_retained,omitempty"`
}

// NewEvent builds a tenancy event of type typ (one of the Type constants) for t. The
// subject and the tenant extension are both t.Tenant.
func NewEvent(typ string, t Tenant) (events.Envelope, error) {
	switch typ {
	case TypeProvisioned, TypeSuspended, TypeDeprovisioned:
	default:
		return events.Envelope{}, fmt.Errorf("tenancy: unknown event type %q", typ)
	}
	if t.Tenant == "" || t.Country == "" {
		return events.Envelope{}, fmt.Errorf("tenancy: tenant and country are required")
	}
	if t.Tier == "" {
		t.Tier = TierShared
	}
	t.Suspended = typ == TypeSuspended
	return events.New(Source, typ, t.Tenant, t.Tenant, t)
}

// Publish builds the event and writes it to events.TenancyTopic through pub (an
// events.NewWriter in production), returning the envelope it published. Callers that may
// find the topic missing call events.EnsureTopics(ctx, brokers, events.TenancyTopic)
// first, so that it is created compacted rather than auto-created.
func Publish(ctx context.Context, pub events.Publisher, typ string, t Tenant) (events.Envelope, error) {
	e, err := NewEvent(typ, t)
	if err != nil {
		return events.Envelope{}, err
	}
	msg, err := events.ToMessage(events.TenancyTopic, e)
	if err != nil {
		return events.Envelope{}, err
	}
	if err := pub.WriteMessages(ctx, msg); err != nil {
		return events.Envelope{}, fmt.Errorf("tenancy: publish %s for %s: %w", typ, t.Tenant, err)
	}
	return e, nil
}

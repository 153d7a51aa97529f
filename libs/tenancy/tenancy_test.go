package tenancy_test

import (
	"context"
	"errors"
	"testing"

	"github.com/segmentio/kafka-go"

	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/service/servicetest"
	"github.com/l4l-platform/l4l/libs/tenancy"
)

type recorder struct {
	msgs []kafka.Message
	err  error
}

func (r *recorder) WriteMessages(_ context.Context, msgs ...kafka.Message) error {
	r.msgs = append(r.msgs, msgs...)
	return r.err
}

func TestPublishWritesOneEventPerTypeKeyedByTenant(t *testing.T) {
	retained := true
	for _, tc := range []struct {
		typ           string
		wantSuspended bool
		tenant        tenancy.Tenant
	}{
		{tenancy.TypeProvisioned, false, tenancy.Tenant{Tenant: "rw-gasabo", Country: "rw", Databases: []string{"l4l_directory_rw_gasabo"}}},
		{tenancy.TypeSuspended, true, tenancy.Tenant{Tenant: "rw-gasabo", Country: "rw", Tier: tenancy.TierDedicated, Namespace: "l4l-rw-gasabo"}},
		{tenancy.TypeDeprovisioned, false, tenancy.Tenant{Tenant: "rw-gasabo", Country: "rw", Suspended: true, DataRetained: &retained}},
	} {
		t.Run(tc.typ, func(t *testing.T) {
			var rec recorder
			e, err := tenancy.Publish(context.Background(), &rec, tc.typ, tc.tenant)
			if err != nil {
				t.Fatal(err)
			}
			if len(rec.msgs) != 1 {
				t.Fatalf("%d messages, want 1", len(rec.msgs))
			}
			m := rec.msgs[0]
			if m.Topic != events.TenancyTopic || string(m.Key) != "rw-gasabo" {
				t.Errorf("topic %q key %q; want %q keyed by the tenant alone", m.Topic, m.Key, events.TenancyTopic)
			}
			servicetest.ValidateEvent(t, "api/events", m.Value)
			got, err := events.FromMessage(m)
			if err != nil {
				t.Fatal(err)
			}
			var data tenancy.Tenant
			if err := got.DecodeData(&data); err != nil {
				t.Fatal(err)
			}
			if got.ID != e.ID || got.Source != tenancy.Source || data.Suspended != tc.wantSuspended || data.Tier == "" {
				t.Errorf("event %+v data %+v", got, data)
			}
		})
	}
}

func TestPublishRefusesWhatIsNotATenancyEvent(t *testing.T) {
	var rec recorder
	for name, call := range map[string]func() error{
		"unknown type": func() error {
			_, err := tenancy.Publish(context.Background(), &rec, "org.l4l.tenancy.tenant.renamed.v1", tenancy.Tenant{Tenant: "rw-gasabo", Country: "rw"})
			return err
		},
		"no tenant": func() error {
			_, err := tenancy.Publish(context.Background(), &rec, tenancy.TypeProvisioned, tenancy.Tenant{Country: "rw"})
			return err
		},
	} {
		if call() == nil {
			t.Errorf("%s: published", name)
		}
	}
	if len(rec.msgs) != 0 {
		t.Errorf("%d messages written for refused events", len(rec.msgs))
	}
	rec.err = errors.New("broker down")
	if _, err := tenancy.Publish(context.Background(), &rec, tenancy.TypeProvisioned, tenancy.Tenant{Tenant: "rw-gasabo", Country: "rw"}); err == nil {
		t.Error("a failed write was reported as published")
	}
}

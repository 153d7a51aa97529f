package tenancy_test

import (
	"context"
	"testing"
	"time"

	"github.com/l4l-platform/l4l/libs/devstack"
	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/tenancy"
)

// A Watcher started after the events were published knows each tenant's latest state as
// soon as it says it has caught up, and follows events published after that.
func TestWatcherKeepsEachTenantsLatestState(t *testing.T) {
	stack := devstack.ForTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := events.EnsureTopics(ctx, stack.KafkaBrokers, events.TenancyTopic); err != nil {
		t.Fatal(err)
	}
	w := events.NewWriter(stack.KafkaBrokers)
	defer w.Close()
	publish := func(typ, code string) {
		t.Helper()
		if _, err := tenancy.Publish(ctx, w, typ, tenancy.Tenant{Tenant: code, Country: "rw"}); err != nil {
			t.Fatal(err)
		}
	}
	// Several tenants, so several partitions hold events and others none.
	publish(tenancy.TypeProvisioned, "rw-gasabo")
	publish(tenancy.TypeProvisioned, "rw-kicukiro")
	publish(tenancy.TypeSuspended, "rw-kicukiro")
	publish(tenancy.TypeProvisioned, "rw-huye")
	publish(tenancy.TypeDeprovisioned, "rw-huye")
	publish(tenancy.TypeProvisioned, "rw-musanze")
	publish(tenancy.TypeSuspended, "rw-musanze")
	publish(tenancy.TypeProvisioned, "rw-musanze")

	watcher := tenancy.NewWatcher(stack.KafkaBrokers, nil)
	if watcher.Check(ctx) == nil {
		t.Fatal("ready before running")
	}
	done := make(chan error, 1)
	go func() { done <- watcher.Run(ctx) }()
	select {
	case <-watcher.CaughtUp():
	case <-time.After(20 * time.Second):
		t.Fatal("did not catch up")
	}
	want := map[string]tenancy.State{"rw-gasabo": tenancy.Provisioned, "rw-kicukiro": tenancy.Suspended,
		"rw-huye": tenancy.Deprovisioned, "rw-musanze": tenancy.Provisioned}
	for code, state := range want {
		if s, ok := watcher.Lookup(code); !ok || s.State != state || s.Tenant.Country != "rw" || s.EventID == "" {
			t.Errorf("%s: %+v %v, want %s", code, s, ok, state)
		}
	}
	if _, ok := watcher.Lookup("rw-nyarugenge"); ok {
		t.Error("a tenant never announced has a state")
	}
	if err := watcher.Check(ctx); err != nil {
		t.Errorf("check after catching up: %v", err)
	}

	changed := watcher.Changed()
	publish(tenancy.TypeSuspended, "rw-gasabo")
	select {
	case <-changed:
	case <-time.After(20 * time.Second):
		t.Fatal("the event published after catching up was not applied")
	}
	if s, _ := watcher.Lookup("rw-gasabo"); s.State != tenancy.Suspended {
		t.Errorf("rw-gasabo: %s, want suspended", s.State)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

// On an empty broker the topic is created and the Watcher is ready at once.
func TestWatcherOnAnEmptyBroker(t *testing.T) {
	stack := devstack.ForTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	watcher := tenancy.NewWatcher(stack.KafkaBrokers, nil)
	go func() { _ = watcher.Run(ctx) }()
	select {
	case <-watcher.CaughtUp():
	case <-time.After(20 * time.Second):
		t.Fatal("did not catch up on an empty topic")
	}
	if len(watcher.Tenants()) != 0 {
		t.Fatalf("tenants %v", watcher.Tenants())
	}
}

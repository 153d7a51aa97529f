package tenancy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/l4l-platform/l4l/libs/events"
)

// State is a tenant's lifecycle state as its latest tenancy event announced it.
type State string

// The states; a tenant the topic never mentioned has none.
const (
	Provisioned   State = "provisioned"
	Suspended     State = "suspended"
	Deprovisioned State = "deprovisioned"
)

// Status is what the Watcher knows of one tenant.
type Status struct {
	State  State
	Tenant Tenant
	// EventID and Time are those of the event that set State.
	EventID string
	Time    time.Time
}

// stateOf maps an event type to the state it announces.
func stateOf(typ string) (State, bool) {
	switch typ {
	case TypeProvisioned:
		return Provisioned, true
	case TypeSuspended:
		return Suspended, true
	case TypeDeprovisioned:
		return Deprovisioned, true
	}
	return "", false
}

// Watcher keeps the latest state of every tenant from events.TenancyTopic. Every replica
// of every service runs one: it reads all partitions from the beginning with group-less
// readers (a consumer group would split the partitions between replicas, and every
// replica needs every event). The topic is compacted and keyed by tenant, so reading it
// again at each start costs as many messages as there are tenants, and no offsets need
// to be stored anywhere.
//
// A Watcher is caught up once it has read every partition up to the end the topic had
// when Run started: from then on, what it says about a tenant is at least as recent as
// the service's start.
type Watcher struct {
	brokers []string
	logger  *slog.Logger

	mu      sync.RWMutex
	tenants map[string]Status

	caughtUp     chan struct{}
	caughtUpOnce sync.Once
	changed      chan struct{} // closed and replaced at every applied event (tests wait on it)
}

// NewWatcher returns a Watcher reading from brokers; Run starts it.
func NewWatcher(brokers []string, logger *slog.Logger) *Watcher {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Watcher{brokers: brokers, logger: logger, tenants: map[string]Status{},
		caughtUp: make(chan struct{}), changed: make(chan struct{})}
}

// Lookup returns what the topic last said about tenant; ok is false if it never named it.
func (w *Watcher) Lookup(tenant string) (s Status, ok bool) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	s, ok = w.tenants[tenant]
	return s, ok
}

// Tenants returns a copy of every tenant's latest status.
func (w *Watcher) Tenants() map[string]Status {
	w.mu.RLock()
	defer w.mu.RUnlock()
	out := make(map[string]Status, len(w.tenants))
	for k, v := range w.tenants {
		out[k] = v
	}
	return out
}

// CaughtUp is closed once the Watcher has read the topic to the end it had at start.
func (w *Watcher) CaughtUp() <-chan struct{} { return w.caughtUp }

// IsCaughtUp reports whether CaughtUp is closed.
func (w *Watcher) IsCaughtUp() bool {
	select {
	case <-w.caughtUp:
		return true
	default:
		return false
	}
}

// Check is a readiness check: an error until the Watcher has caught up.
func (w *Watcher) Check(context.Context) error {
	if w.IsCaughtUp() {
		return nil
	}
	return fmt.Errorf("still reading %s", events.TenancyTopic)
}

// Changed returns a channel closed at the next applied event.
func (w *Watcher) Changed() <-chan struct{} {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.changed
}

// Run reads the topic until ctx ends. A broker that is down, or a topic that does not
// exist yet, is waited for (with back-off) rather than being an error: the service
// answers 503 for tenants it cannot vouch for meanwhile, and /readyz says why.
func (w *Watcher) Run(ctx context.Context) error {
	partitions, ends, err := w.discover(ctx)
	if err != nil {
		return nil // ctx ended
	}
	pending := 0
	reached := make(chan int, len(partitions))
	for _, p := range partitions {
		if ends[p].last <= ends[p].first {
			continue // empty partition: nothing to catch up on
		}
		pending++
	}
	if pending == 0 {
		w.markCaughtUp()
	}
	var wg sync.WaitGroup
	for _, p := range partitions {
		wg.Go(func() { w.readPartition(ctx, p, ends[p].last, reached) })
	}
	for pending > 0 {
		select {
		case <-ctx.Done():
			wg.Wait()
			return nil
		case <-reached:
			pending--
		}
	}
	w.markCaughtUp()
	wg.Wait()
	return nil
}

func (w *Watcher) markCaughtUp() {
	w.caughtUpOnce.Do(func() {
		close(w.caughtUp)
		w.logger.Info("tenancy topic read", "tenants", len(w.Tenants()))
	})
}

type offsets struct{ first, last int64 }

// discover creates the topic if it is missing (compacted, as every tenancy consumer
// expects) and returns its partitions with their first and end offsets, retrying until
// the broker answers or ctx ends.
func (w *Watcher) discover(ctx context.Context) ([]int, map[int]offsets, error) {
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
		partitions, ends, err := w.offsets(ctx)
		if err == nil {
			return partitions, ends, nil
		}
		// The first miss is usual on a fresh broker (the topic was just created, and the
		// metadata not yet refreshed): only a second one is worth a warning.
		level := slog.LevelWarn
		if wait == 100*time.Millisecond {
			level = slog.LevelDebug
		}
		w.logger.Log(ctx, level, "tenancy topic not readable yet; retrying", "error", err, "in", wait)
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case <-time.After(wait):
		}
	}
}

func (w *Watcher) offsets(ctx context.Context) ([]int, map[int]offsets, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	tr := &kafka.Transport{MetadataTTL: 100 * time.Millisecond}
	defer tr.CloseIdleConnections()
	cl := &kafka.Client{Addr: kafka.TCP(w.brokers...), Timeout: 10 * time.Second, Transport: tr}
	md, err := cl.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{events.TenancyTopic}})
	if err != nil {
		return nil, nil, err
	}
	if len(md.Topics) != 1 || md.Topics[0].Error != nil || len(md.Topics[0].Partitions) == 0 {
		// Missing: create it. Where the platform may not create topics (Strimzi with
		// ACLs), the topic exists and this is not reached.
		if err := events.EnsureTopics(ctx, w.brokers, events.TenancyTopic); err != nil {
			return nil, nil, err
		}
		if md, err = cl.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{events.TenancyTopic}}); err != nil {
			return nil, nil, err
		}
		if len(md.Topics) != 1 || md.Topics[0].Error != nil {
			return nil, nil, fmt.Errorf("metadata of %s: %v", events.TenancyTopic, md.Topics)
		}
	}
	req := &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{}}
	var partitions []int
	for _, p := range md.Topics[0].Partitions {
		partitions = append(partitions, p.ID)
		req.Topics[events.TenancyTopic] = append(req.Topics[events.TenancyTopic], kafka.FirstOffsetOf(p.ID), kafka.LastOffsetOf(p.ID))
	}
	res, err := cl.ListOffsets(ctx, req)
	if err != nil {
		return nil, nil, err
	}
	ends := map[int]offsets{}
	for _, po := range res.Topics[events.TenancyTopic] {
		if po.Error != nil {
			return nil, nil, fmt.Errorf("%s/%d: %w", events.TenancyTopic, po.Partition, po.Error)
		}
		ends[po.Partition] = offsets{first: po.FirstOffset, last: po.LastOffset}
	}
	if len(ends) != len(partitions) {
		return nil, nil, fmt.Errorf("%s: offsets of %d of %d partitions", events.TenancyTopic, len(ends), len(partitions))
	}
	return partitions, ends, nil
}

// readPartition applies the partition's events from its beginning until ctx ends, and
// sends p on reached once it has read up to end (the partition's end when Run started).
func (w *Watcher) readPartition(ctx context.Context, p int, end int64, reached chan<- int) {
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers: w.brokers, Topic: events.TenancyTopic, Partition: p,
		MinBytes: 1, MaxBytes: 1 << 20, MaxWait: 500 * time.Millisecond,
		ReadBackoffMin: 50 * time.Millisecond, ReadBackoffMax: time.Second,
		ErrorLogger: kafka.LoggerFunc(func(msg string, args ...any) {
			w.logger.Debug("tenancy reader", "partition", p, "error", fmt.Sprintf(msg, args...))
		}),
	})
	defer r.Close()
	if err := r.SetOffset(kafka.FirstOffset); err != nil {
		w.logger.Error("tenancy reader", "partition", p, "error", err)
		return
	}
	done := false
	for {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, io.EOF) {
				return
			}
			w.logger.Warn("reading the tenancy topic", "partition", p, "error", err)
			time.Sleep(time.Second)
			continue
		}
		w.apply(m)
		if !done && m.Offset+1 >= end {
			done = true
			reached <- p
		}
	}
}

// apply records the state an event announces. Within a partition the events of one tenant
// are in the order they were published (the key is the tenant), so the latest read wins.
func (w *Watcher) apply(m kafka.Message) {
	e, err := events.FromMessage(m)
	if err != nil {
		w.logger.Warn("skipping an invalid tenancy event", "partition", m.Partition, "offset", m.Offset, "error", err)
		return
	}
	state, ok := stateOf(e.Type)
	if !ok {
		w.logger.Debug("skipping an unknown tenancy event type", "type", e.Type)
		return
	}
	var t Tenant
	if err := e.DecodeData(&t); err != nil || t.Tenant == "" {
		w.logger.Warn("skipping a tenancy event without a tenant", "id", e.ID, "error", err)
		return
	}
	w.mu.Lock()
	w.tenants[t.Tenant] = Status{State: state, Tenant: t, EventID: e.ID, Time: e.Time}
	close(w.changed)
	w.changed = make(chan struct{})
	w.mu.Unlock()
	// Changes after the start are worth an info line; the replay of the topic is not.
	level := slog.LevelDebug
	if w.IsCaughtUp() {
		level = slog.LevelInfo
	}
	w.logger.Log(context.Background(), level, "tenant state", "tenant", t.Tenant, "state", state)
}

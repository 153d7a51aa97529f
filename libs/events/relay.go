package events

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// OutboxField is the array of Envelope on every aggregate document that publishes events.
// A store appends to it in the same single-document update as the state change
// (`$push: {outbox: {$each: [...]}}`), which is what makes "state changed but the event was
// lost" impossible without multi-document transactions. The relay publishes and removes
// the entries; nothing else should remove them.
const OutboxField = "outbox"

// RelayOptions tune a Relay; zero values take the defaults noted.
type RelayOptions struct {
	// Topic receives every event of the relay's collections, normally Topic(service).
	Topic string
	// Logger gets publish failures and invalid outbox entries; nil discards.
	Logger *slog.Logger
	// Registerer gets the l4l_outbox_* metrics; nil registers nothing.
	Registerer prometheus.Registerer
	// SweepInterval is how often every watched collection is scanned for outbox entries
	// nobody notified about (a crash between the store's write and Notify, another
	// replica's leftovers). Default 5 s; negative sweeps only at start and on Watch.
	// On FerretDB a sweep scans the collection, so keep it in seconds, not milliseconds.
	SweepInterval time.Duration
	// BatchSize is how many documents one find and one WriteMessages call cover.
	// Default 256.
	BatchSize int
	// BackoffMin and BackoffMax bound the wait between failed passes (broker or database
	// down). Defaults 100 ms and 5 s.
	BackoffMin, BackoffMax time.Duration
	// Yield is how long the relay pauses after each batch, as a fraction of the time the
	// batch took, so that it never holds the database more than 1/(1+Yield) of the time.
	// It matters in dev mode, where a service has ONE FerretDB connection and every update
	// scans its collection: clearing a 30,000-school import's outboxes would otherwise
	// starve the service's own requests (they time out waiting for the connection). On
	// real MongoDB a batch takes milliseconds and so does the pause. Default 1; negative
	// disables it.
	Yield float64
	// Brokers are where Run creates Topic (EnsureTopics) before it publishes anything.
	// Nil uses the publisher's own address and transport when it is a *kafka.Writer (as
	// NewWriter returns) and creates nothing for other publishers. Without it, on Apache
	// Kafka the first publication to a new topic fails and the topic gets the broker's
	// num.partitions (1 by default) instead of DefaultPartitions (docs/kafka.md).
	Brokers []string
}

// Relay publishes the outbox entries of aggregate documents to Kafka and then removes
// exactly the entries it published. Delivery is at least once: an entry is removed only
// after the broker acknowledged it, so a crash between the two publishes it again, and
// consumers deduplicate by event id.
//
// Stores call Notify after each write that added events, so the relay publishes within
// milliseconds without polling; a periodic sweep catches the rest. One goroutine does all
// the work, so one relay never publishes the same entry twice concurrently; several
// replicas of a service may each run one (their overlap only causes duplicates).
type Relay struct {
	w    Publisher
	opts RelayOptions
	log  *slog.Logger
	// admin creates the topic before the first publication; nil when the relay cannot
	// (a publisher that is not a *kafka.Writer, and no Brokers).
	admin          *kafka.Client
	adminTransport *kafka.Transport // the relay's own, closed once the topic is settled

	mu      sync.Mutex
	running bool
	colls   map[string]*mongo.Collection // by namespace "db.coll"
	sweep   map[string]bool              // namespaces to sweep on the next pass
	pending map[string]map[string]any    // namespace → id key → _id
	wake    chan struct{}

	published   prometheus.Counter
	failed      prometheus.Counter
	invalid     prometheus.Counter
	pendingDocs prometheus.Gauge
	oldestAge   prometheus.Gauge
}

// NewRelay is NewRelayWithOptions with the default options.
func NewRelay(w Publisher, logger *slog.Logger, reg prometheus.Registerer, topic string, collections ...*mongo.Collection) *Relay {
	return NewRelayWithOptions(w, RelayOptions{Topic: topic, Logger: logger, Registerer: reg}, collections...)
}

// NewRelayWithOptions builds a relay that publishes through w (normally NewWriter) the
// outbox entries of collections (more can be added later with Watch or Notify, e.g. when
// a tenant's database appears). Call Run to start it.
func NewRelayWithOptions(w Publisher, opts RelayOptions, collections ...*mongo.Collection) *Relay {
	if opts.SweepInterval == 0 {
		opts.SweepInterval = 5 * time.Second
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 256
	}
	if opts.BackoffMin <= 0 {
		opts.BackoffMin = 100 * time.Millisecond
	}
	if opts.BackoffMax < opts.BackoffMin {
		opts.BackoffMax = max(5*time.Second, opts.BackoffMin)
	}
	if opts.Yield == 0 {
		opts.Yield = 1
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	label := prometheus.Labels{"topic": opts.Topic}
	reg := opts.Registerer
	r := &Relay{
		w:       w,
		opts:    opts,
		log:     logger.With("component", "outbox-relay", "topic", opts.Topic),
		colls:   map[string]*mongo.Collection{},
		sweep:   map[string]bool{},
		pending: map[string]map[string]any{},
		wake:    make(chan struct{}, 1),
		published: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "l4l_outbox_published_total",
			Help: "Outbox events acknowledged by Kafka.",
		}, []string{"topic"})).With(label),
		failed: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "l4l_outbox_publish_errors_total",
			Help: "Outbox events whose publication failed (they stay in the outbox and are retried).",
		}, []string{"topic"})).With(label),
		invalid: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "l4l_outbox_invalid_total",
			Help: "Outbox documents skipped because an entry is not a valid event or too large; they stay until fixed.",
		}, []string{"topic"})).With(label),
		pendingDocs: register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "l4l_outbox_pending_documents",
			Help: "Documents known to hold unpublished outbox events after the relay's last pass.",
		}, []string{"topic"})).With(label),
		oldestAge: register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "l4l_outbox_oldest_pending_age_seconds",
			Help: "Age of the oldest event the relay failed to publish in its last pass; 0 when nothing is stuck.",
		}, []string{"topic"})).With(label),
	}
	switch kw, _ := w.(*kafka.Writer); {
	case len(opts.Brokers) > 0:
		r.admin = &kafka.Client{Addr: kafka.TCP(opts.Brokers...), Timeout: 10 * time.Second}
	case kw != nil && kw.Addr != nil:
		r.admin = &kafka.Client{Addr: kw.Addr, Timeout: 10 * time.Second, Transport: kw.Transport}
	}
	if r.admin != nil && r.admin.Transport == nil {
		// Not kafka.DefaultTransport, whose metadata cache the writer shares.
		r.adminTransport = adminTransport()
		r.admin.Transport = r.adminTransport
	}
	r.Watch(collections...)
	return r
}

// ensureTopic creates the relay's topic and reports whether that is settled: created,
// there already, or refused for good (logged; publishing then relies on the topic being
// there or on auto-creation). An unreachable broker leaves it for the next pass.
func (r *Relay) ensureTopic(ctx context.Context) bool {
	if r.admin == nil {
		return true
	}
	tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	answered, err := ensureTopics(tctx, r.admin, r.opts.Topic)
	if answered && r.adminTransport != nil {
		r.adminTransport.CloseIdleConnections()
	}
	switch {
	case err == nil:
		return true
	case ctx.Err() != nil: // shutting down
		return false
	case answered:
		r.log.Warn("could not create or confirm the topic; publishing anyway", "err", err)
		return true
	default:
		r.log.Debug("could not create the topic yet; will try again", "err", err)
		return false
	}
}

// Watch adds collections to the periodic sweep and sweeps them on the next pass.
func (r *Relay) Watch(collections ...*mongo.Collection) {
	r.mu.Lock()
	for _, c := range collections {
		ns := namespace(c)
		r.colls[ns] = c
		r.sweep[ns] = true
	}
	r.mu.Unlock()
	r.signal()
}

// Notify tells the relay that the documents with these _ids in coll have new outbox
// entries. It never blocks and never fails: at worst the sweep finds them later. An
// unknown collection is watched from now on.
func (r *Relay) Notify(coll *mongo.Collection, ids ...any) {
	if len(ids) == 0 {
		return
	}
	ns := namespace(coll)
	r.mu.Lock()
	if _, ok := r.colls[ns]; !ok {
		r.colls[ns] = coll
	}
	set := r.pending[ns]
	if set == nil {
		set = map[string]any{}
		r.pending[ns] = set
	}
	for _, id := range ids {
		k, err := idKey(id)
		if err != nil {
			r.log.Error("notify: id is not a BSON value; left for the sweep", "ns", ns, "err", err)
			continue
		}
		set[k] = id
	}
	r.mu.Unlock()
	r.signal()
}

// PublishNow publishes evs on the relay's topic at once, through its writer and with its
// metrics, for a store that keeps its own recovery record rather than an outbox (see
// services/coaching's uploads): on an error nothing tells which events the broker took,
// so the caller falls back to its outbox and some events may go out twice (consumers
// deduplicate). It does not wait for Run to have created the topic.
func (r *Relay) PublishNow(ctx context.Context, evs []Envelope) error {
	if len(evs) == 0 {
		return nil
	}
	msgs := make([]kafka.Message, 0, len(evs))
	for _, e := range evs {
		m, err := ToMessage(r.opts.Topic, e)
		if err != nil {
			return err
		}
		msgs = append(msgs, m)
	}
	if err := r.w.WriteMessages(ctx, msgs...); err != nil {
		if ctx.Err() == nil {
			r.failed.Add(float64(len(msgs)))
		}
		return err
	}
	r.published.Add(float64(len(msgs)))
	return nil
}

func (r *Relay) signal() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run publishes until ctx is done and then returns nil. It sweeps every watched
// collection at start, so what a crash or an outage left behind goes out first.
func (r *Relay) Run(ctx context.Context) error {
	r.mu.Lock()
	if r.running {
		r.mu.Unlock()
		return errors.New("events: relay is already running")
	}
	r.running = true
	for ns := range r.colls {
		r.sweep[ns] = true
	}
	r.mu.Unlock()
	defer func() { r.mu.Lock(); r.running = false; r.mu.Unlock() }()

	var tick <-chan time.Time
	if r.opts.SweepInterval > 0 {
		t := time.NewTicker(r.opts.SweepInterval)
		defer t.Stop()
		tick = t.C
	}
	failures := 0
	topicSettled := false
	for {
		if ctx.Err() != nil {
			return nil
		}
		if !topicSettled {
			topicSettled = r.ensureTopic(ctx)
		}
		if ok := r.pass(ctx); !ok {
			failures++
			if !sleep(ctx, backoff(r.opts.BackoffMin, r.opts.BackoffMax, failures)) {
				return nil
			}
			continue
		}
		failures = 0
		if r.hasWork() {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-r.wake:
		case <-tick:
			r.mu.Lock()
			for ns := range r.colls {
				r.sweep[ns] = true
			}
			r.mu.Unlock()
		}
	}
}

func (r *Relay) hasWork() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.sweep) > 0 || len(r.pending) > 0
}

// pass sweeps what is due and publishes everything pending. It reports false when it
// had to leave work behind (broker or database failing), so Run backs off.
func (r *Relay) pass(ctx context.Context) bool {
	r.mu.Lock()
	sweep, work := r.sweep, r.pending
	r.sweep, r.pending = map[string]bool{}, map[string]map[string]any{}
	colls := make(map[string]*mongo.Collection, len(r.colls))
	for ns, c := range r.colls {
		colls[ns] = c
	}
	r.mu.Unlock()

	ok := true
	for ns := range sweep {
		ids, err := findPending(ctx, colls[ns])
		if err != nil {
			if ctx.Err() == nil {
				r.log.Warn("sweep failed; retrying", "ns", ns, "err", err)
			}
			r.requeueSweep(ns)
			ok = false
			continue
		}
		set := work[ns]
		if set == nil {
			set = map[string]any{}
			work[ns] = set
		}
		for k, id := range ids {
			set[k] = id
		}
	}

	var oldest time.Time
	stuck := 0
	for ns, set := range work {
		if len(set) == 0 {
			continue
		}
		ids := make([]any, 0, len(set))
		for _, id := range set {
			ids = append(ids, id)
		}
		for len(ids) > 0 {
			if !ok { // stop hammering a failing broker: keep the rest for the next pass
				r.requeue(ns, ids)
				stuck += len(ids)
				break
			}
			n := min(len(ids), r.opts.BatchSize)
			started := time.Now()
			left, first, err := r.publishBatch(ctx, colls[ns], ids[:n])
			ids = ids[n:]
			if r.opts.Yield > 0 && len(ids) > 0 {
				pause := time.Duration(float64(time.Since(started)) * r.opts.Yield)
				if !sleep(ctx, min(pause, 2*time.Second)) {
					r.requeue(ns, append(ids, left...))
					return false
				}
			}
			if err != nil {
				ok = false
				r.requeue(ns, left)
				stuck += len(left)
				if !first.IsZero() && (oldest.IsZero() || first.Before(oldest)) {
					oldest = first
				}
				if ctx.Err() == nil {
					r.log.Warn("publish failed; events stay in the outbox and will be retried",
						"ns", ns, "documents", len(left), "err", err)
				}
			}
		}
	}
	r.pendingDocs.Set(float64(stuck))
	if oldest.IsZero() {
		r.oldestAge.Set(0)
	} else {
		r.oldestAge.Set(time.Since(oldest).Seconds())
	}
	return ok
}

func (r *Relay) requeue(ns string, ids []any) {
	if len(ids) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	set := r.pending[ns]
	if set == nil {
		set = map[string]any{}
		r.pending[ns] = set
	}
	for _, id := range ids {
		if k, err := idKey(id); err == nil {
			set[k] = id
		}
	}
}

func (r *Relay) requeueSweep(ns string) {
	r.mu.Lock()
	r.sweep[ns] = true
	r.mu.Unlock()
}

// maxUpdatesPerCommand caps the updates sent in one bulk write. FerretDB 1.24 (SQLite)
// keeps every matched update's cursor open until the whole update command ends, and its
// SQLite pool has 100 connections: a command with ~100 matching updates deadlocks the
// server for good (and with it the service's single connection). Each of those updates
// also scans the collection (~60 ms at 30,000 documents), so a command is kept short
// enough (~10 updates) that the service's requests waiting for the one dev-mode connection
// get it well within their 3 s checkout limit.
const maxUpdatesPerCommand = 10

// outboxDoc keeps the entries as raw BSON: $pullAll removes exactly these values, so an
// entry a concurrent writer appended meanwhile stays.
type outboxDoc struct {
	ID     bson.RawValue `bson:"_id"`
	Outbox []bson.Raw    `bson:"outbox"`
}

// nonEmptyOutbox matches documents with at least one outbox entry, on MongoDB and on
// FerretDB 1.24 (tested in ferretdb_test.go).
var nonEmptyOutbox = bson.D{{Key: "$exists", Value: true}, {Key: "$ne", Value: bson.A{}}}

func findPending(ctx context.Context, c *mongo.Collection) (map[string]any, error) {
	cur, err := c.Find(ctx, bson.D{{Key: OutboxField, Value: nonEmptyOutbox}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	defer cur.Close(ctx)
	ids := map[string]any{}
	for cur.Next(ctx) {
		rv := cur.Current.Lookup("_id")
		ids[string(rv.Type)+string(rv.Value)] = rv
	}
	return ids, cur.Err()
}

// publishBatch publishes the outbox entries of the documents ids in one WriteMessages
// call and removes the published entries. It returns the ids still to do and, on
// failure, the time of the oldest event left behind.
func (r *Relay) publishBatch(ctx context.Context, c *mongo.Collection, ids []any) ([]any, time.Time, error) {
	cur, err := c.Find(ctx, bson.D{
		{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}},
		{Key: OutboxField, Value: nonEmptyOutbox},
	}, options.Find().SetProjection(bson.D{{Key: OutboxField, Value: 1}}))
	if err != nil {
		return ids, time.Time{}, fmt.Errorf("read outboxes: %w", err)
	}
	var docs []outboxDoc
	if err := cur.All(ctx, &docs); err != nil {
		return ids, time.Time{}, fmt.Errorf("read outboxes: %w", err)
	}

	// Build the messages; msgs[span[i].from:span[i].to] belong to docs[i].
	type span struct{ from, to int }
	spans := make([]span, 0, len(docs))
	var msgs []kafka.Message
	var keep []outboxDoc
	var times []time.Time
	for _, d := range docs {
		from := len(msgs)
		var first time.Time
		var bad error
		for _, raw := range d.Outbox {
			var e Envelope
			if err := bson.Unmarshal(raw, &e); err != nil {
				bad = err
				break
			}
			m, err := ToMessage(r.opts.Topic, e)
			if err != nil {
				bad = err
				break
			}
			if first.IsZero() {
				first = e.Time
			}
			msgs = append(msgs, m)
		}
		if bad != nil {
			msgs = msgs[:from]
			r.skipInvalid(c, d.ID, bad)
			continue
		}
		keep = append(keep, d)
		spans = append(spans, span{from, len(msgs)})
		times = append(times, first)
	}
	docs = keep

	var werr error
	for len(msgs) > 0 {
		werr = r.w.WriteMessages(ctx, msgs...)
		var tooLarge kafka.MessageTooLargeError
		if !errors.As(werr, &tooLarge) {
			break
		}
		// One entry can never be published: set its document aside and send the rest.
		bad := slices.IndexFunc(msgs, func(m kafka.Message) bool { return bytes.Equal(m.Value, tooLarge.Message.Value) })
		if bad < 0 {
			break
		}
		for i, s := range spans {
			if bad >= s.from && bad < s.to {
				r.skipInvalid(c, docs[i].ID, werr)
				cut := s.to - s.from
				msgs = append(msgs[:s.from:s.from], msgs[s.to:]...)
				docs = append(docs[:i:i], docs[i+1:]...)
				times = append(times[:i:i], times[i+1:]...)
				spans = append(spans[:i:i], spans[i+1:]...)
				for j := i; j < len(spans); j++ {
					spans[j].from -= cut
					spans[j].to -= cut
				}
				break
			}
		}
	}

	// Which documents had all their entries acknowledged?
	done := make([]bool, len(docs))
	var werrs kafka.WriteErrors
	switch {
	case werr == nil:
		for i := range done {
			done[i] = true
		}
	case errors.As(werr, &werrs) && len(werrs) == len(msgs):
		for i, s := range spans {
			done[i] = true
			for j := s.from; j < s.to; j++ {
				if werrs[j] != nil {
					done[i] = false
				}
			}
		}
	}
	var left []any
	var oldest time.Time
	var models []mongo.WriteModel
	nok := 0
	for i, d := range docs {
		if !done[i] {
			left = append(left, d.ID)
			if oldest.IsZero() || times[i].Before(oldest) {
				oldest = times[i]
			}
			continue
		}
		nok += spans[i].to - spans[i].from
		raws := make(bson.A, len(d.Outbox))
		for j, raw := range d.Outbox {
			raws[j] = raw
		}
		models = append(models, mongo.NewUpdateOneModel().
			SetFilter(bson.D{{Key: "_id", Value: d.ID}}).
			SetUpdate(bson.D{{Key: "$pullAll", Value: bson.D{{Key: OutboxField, Value: raws}}}}))
	}
	r.published.Add(float64(nok))
	if werr != nil && ctx.Err() == nil {
		r.failed.Add(float64(len(msgs) - nok))
	}
	if len(models) > 0 {
		// A context cancelled after a successful write must not strand the removal,
		// or the events go out again on restart.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		var err error
		for chunk := range slices.Chunk(models, maxUpdatesPerCommand) {
			if _, err = c.BulkWrite(cctx, chunk, options.BulkWrite().SetOrdered(false)); err != nil {
				break
			}
		}
		cancel()
		if err != nil {
			// Published but not removed: they go out again (consumers deduplicate).
			r.log.Warn("clear outbox failed; published events will be sent again", "ns", namespace(c), "err", err)
			for i, d := range docs {
				if done[i] {
					left = append(left, d.ID)
				}
			}
			if werr == nil {
				werr = fmt.Errorf("clear outbox: %w", err)
			}
		}
	}
	if werr != nil {
		return left, oldest, werr
	}
	return nil, time.Time{}, nil
}

func (r *Relay) skipInvalid(c *mongo.Collection, id bson.RawValue, err error) {
	r.invalid.Inc()
	r.log.Error("outbox entry cannot be published; document skipped until fixed",
		"ns", namespace(c), "_id", id.String(), "err", err)
}

func namespace(c *mongo.Collection) string { return c.Database().Name() + "." + c.Name() }

// idKey makes any _id value a map key (ids may be ObjectIDs, strings, numbers, documents).
func idKey(id any) (string, error) {
	if rv, ok := id.(bson.RawValue); ok {
		return string(rv.Type) + string(rv.Value), nil
	}
	t, b, err := bson.MarshalValue(id)
	if err != nil {
		return "", err
	}
	return string(t) + string(b), nil
}

// backoff is min·2^(n-1), capped at max.
func backoff(lo, hi time.Duration, n int) time.Duration {
	d := lo
	for i := 1; i < n && d < hi; i++ {
		d *= 2
	}
	return min(d, hi)
}

// sleep waits d or until ctx is done; it reports whether ctx is still alive.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

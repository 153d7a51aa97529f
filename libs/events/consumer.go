package events

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Handler applies one event. It is called again for the same event when it fails (up to
// MaxAttempts), and — rarely — after it succeeded: the inbox record is written after the
// handler returns, so a crash in between redelivers the event. Handlers must therefore be
// idempotent at the aggregate level too: prefer upserts keyed by the event's subject,
// `$set` of facts over `$inc`, `$addToSet` over `$push`, or record the event id on the
// aggregate (e.g. `$addToSet: {applied: id}` in the same update, filtered by
// `applied: {$ne: id}`) where a counter must not double.
//
// Return Permanent(err) for an event that can never succeed (it goes to the DLQ at once);
// any other error is retried with backoff. Handlers get ctx cancelled on shutdown and must
// then return promptly; the event is redelivered later.
type Handler func(ctx context.Context, e Envelope) error

// Outcomes counted by l4l_consumer_events_total.
const (
	OutcomeHandled      = "handled"
	OutcomeDuplicate    = "duplicate"
	OutcomeDeadLettered = "dead_lettered"
)

// Headers of a dead-lettered message. The value and key are the original bytes; the
// original headers are kept too.
const (
	HeaderDLQError     = "dlq-error"
	HeaderDLQTopic     = "dlq-topic"
	HeaderDLQPartition = "dlq-partition"
	HeaderDLQOffset    = "dlq-offset"
	HeaderDLQAttempts  = "dlq-attempts"
)

// ConsumerConfig configures a Consumer; zero values take the defaults noted.
type ConsumerConfig struct {
	// Brokers are the Kafka bootstrap addresses.
	Brokers []string
	// GroupID is the consumer group, by convention the consuming service's name; it also
	// names the dead-letter topic, DLQTopic(GroupID).
	GroupID string
	// Topics are read together by the group, e.g. Topic("directory"), TenancyTopic.
	Topics []string
	// DB holds the inbox collection: one document per handled event, _id = event id.
	DB *mongo.Database
	// InboxCollection defaults to "inbox". Two groups sharing one database need two
	// inboxes, or the second would skip what the first handled.
	InboxCollection string
	// InboxRetention is how long inbox records are kept; older ones are deleted at start
	// and hourly. Redeliveries come within minutes (a rebalance, a restart), so days are
	// plenty, and the inbox must not grow forever: on FerretDB even the _id lookup scans
	// it. Default 7 days; negative keeps records forever.
	InboxRetention time.Duration
	// MaxAttempts is how often a failing handler is tried before the event is
	// dead-lettered. Default 5.
	MaxAttempts int
	// BackoffMin and BackoffMax bound the exponential wait between attempts (and between
	// retries of inbox and DLQ writes). Defaults 100 ms and 5 s.
	BackoffMin, BackoffMax time.Duration
	// HandlerTimeout bounds one handler call, so a hung call becomes a retry instead of a
	// stuck partition. Default 30 s; negative disables.
	HandlerTimeout time.Duration
	// SessionTimeout is how long the broker waits for heartbeats before it gives this
	// member's partitions to others. It must lie within the broker's
	// group.min/max.session.timeout.ms, or the reader never joins and says nothing.
	// Default 6 s: Kafka's default minimum, and above devstack's 500 ms.
	SessionTimeout time.Duration
	// DLQ publishes dead letters. Default: a NewWriter(Brokers) the consumer owns and
	// closes on Close.
	DLQ Publisher
	// Dialer carries TLS or SASL settings for the reader; nil uses kafka-go's default.
	Dialer *kafka.Dialer
	// Logger gets retries, dead letters and errors; nil discards.
	Logger *slog.Logger
	// Registerer gets the l4l_consumer_* metrics; nil registers nothing.
	Registerer prometheus.Registerer
}

// Consumer reads a group's topics and hands each event to a Handler exactly once in
// effect: FetchMessage → skip if the inbox has the id → handle with retries → record in
// the inbox → CommitMessages. An event that cannot be decoded, or whose handler keeps
// failing, is written intact to DLQTopic(GroupID) with the error in its headers, then
// committed, so one bad event never stops a partition.
//
// Events of a partition are handled one at a time, in order (the key keeps an aggregate's
// events on one partition); scale out with more replicas, up to the partition count.
type Consumer struct {
	cfg     ConsumerConfig
	handle  Handler
	log     *slog.Logger
	dlq     Publisher
	ownDLQ  *kafka.Writer
	inbox   *mongo.Collection
	dlqName string

	events      *prometheus.CounterVec
	failures    *prometheus.CounterVec
	fetchErrors *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	lag         *prometheus.GaugeVec

	mu        sync.Mutex
	cancel    context.CancelFunc
	done      chan struct{}
	closed    bool
	closeOnce sync.Once
}

// NewConsumer checks cfg, fills in defaults and returns a consumer; Run starts it.
func NewConsumer(cfg ConsumerConfig, handler Handler) (*Consumer, error) {
	var probs []error
	if len(cfg.Brokers) == 0 {
		probs = append(probs, errors.New("no brokers"))
	}
	if cfg.GroupID == "" {
		probs = append(probs, errors.New("no group id"))
	}
	if len(cfg.Topics) == 0 {
		probs = append(probs, errors.New("no topics"))
	}
	if slices.Contains(cfg.Topics, DLQTopic(cfg.GroupID)) {
		probs = append(probs, errors.New("a group must not consume its own dead-letter topic"))
	}
	if cfg.DB == nil {
		probs = append(probs, errors.New("no database for the inbox"))
	}
	if handler == nil {
		probs = append(probs, errors.New("no handler"))
	}
	if len(probs) > 0 {
		return nil, fmt.Errorf("events: consumer config: %w", errors.Join(probs...))
	}
	if cfg.InboxCollection == "" {
		cfg.InboxCollection = "inbox"
	}
	if cfg.InboxRetention == 0 {
		cfg.InboxRetention = 7 * 24 * time.Hour
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.BackoffMin <= 0 {
		cfg.BackoffMin = 100 * time.Millisecond
	}
	if cfg.BackoffMax < cfg.BackoffMin {
		cfg.BackoffMax = max(5*time.Second, cfg.BackoffMin)
	}
	if cfg.HandlerTimeout == 0 {
		cfg.HandlerTimeout = 30 * time.Second
	}
	if cfg.SessionTimeout <= 0 {
		cfg.SessionTimeout = 6 * time.Second
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	c := &Consumer{
		cfg:     cfg,
		handle:  handler,
		log:     logger.With("component", "consumer", "group", cfg.GroupID),
		dlq:     cfg.DLQ,
		inbox:   cfg.DB.Collection(cfg.InboxCollection),
		dlqName: DLQTopic(cfg.GroupID),
	}
	if c.dlq == nil {
		c.ownDLQ = NewWriter(cfg.Brokers)
		c.dlq = c.ownDLQ
	}
	reg := cfg.Registerer
	c.events = register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "l4l_consumer_events_total",
		Help: "Events a consumer group finished with, by outcome (handled, duplicate, dead_lettered).",
	}, []string{"group", "topic", "outcome"}))
	c.failures = register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "l4l_consumer_handler_errors_total",
		Help: "Failed handler attempts (each retry counts).",
	}, []string{"group", "topic"}))
	c.fetchErrors = register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "l4l_consumer_fetch_errors_total",
		Help: "Errors the group's reader reported (broker or coordinator unavailable); the consumer retries.",
	}, []string{"group"}))
	c.duration = register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "l4l_consumer_handle_duration_seconds",
		Help:    "Duration of handler calls, failed ones included.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 4, 10), // 0.5 ms … 131 s
	}, []string{"group", "topic"}))
	c.lag = register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "l4l_consumer_lag_messages",
		Help: "Messages behind the partition's high watermark after the last committed event.",
	}, []string{"group", "topic", "partition"}))
	return c, nil
}

func (c *Consumer) readerConfig() kafka.ReaderConfig {
	return kafka.ReaderConfig{
		Brokers:     c.cfg.Brokers,
		GroupID:     c.cfg.GroupID,
		GroupTopics: c.cfg.Topics,
		Dialer:      c.cfg.Dialer,
		// kafka-go's defaults (3 s heartbeats, 5 s join backoff, 10 s MaxWait) make a
		// group take ~9 s to form and an event wait up to 10 s; these take milliseconds
		// (FACTS.md, measured).
		HeartbeatInterval: 100 * time.Millisecond,
		MaxWait:           100 * time.Millisecond,
		JoinGroupBackoff:  100 * time.Millisecond,
		RebalanceTimeout:  2 * time.Second,
		ReadBackoffMin:    10 * time.Millisecond,
		ReadBackoffMax:    100 * time.Millisecond,
		SessionTimeout:    c.cfg.SessionTimeout,
		StartOffset:       kafka.FirstOffset,
		// A topic created after the group formed (a publisher deployed later) is
		// picked up by a rebalance.
		WatchPartitionChanges:  true,
		PartitionWatchInterval: 5 * time.Second,
		ErrorLogger: kafka.LoggerFunc(func(msg string, args ...any) {
			c.log.Debug("kafka-go: " + fmt.Sprintf(msg, args...))
		}),
	}
}

// Run consumes until ctx is done or Close is called, then leaves the group and returns
// nil. It creates the topics and the DLQ topic if they are missing (a failure to do so,
// e.g. for lack of ACLs on a managed cluster, is only logged). A broker or coordinator
// that is unavailable (a restart, a leader election) is waited for, with backoff, and
// counted in l4l_consumer_fetch_errors_total.
func (c *Consumer) Run(ctx context.Context) error {
	c.mu.Lock()
	switch {
	case c.closed:
		c.mu.Unlock()
		return errors.New("events: consumer is closed")
	case c.done != nil:
		c.mu.Unlock()
		return errors.New("events: consumer is already running")
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	c.cancel, c.done = cancel, done
	c.mu.Unlock()
	defer close(done)
	defer cancel()

	if err := EnsureTopics(ctx, c.cfg.Brokers, append(slices.Clone(c.cfg.Topics), c.dlqName)...); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		c.log.Warn("could not ensure topics; assuming they exist", "err", err)
	}
	if c.cfg.InboxRetention > 0 {
		var wg sync.WaitGroup
		wg.Go(func() { c.pruneInbox(ctx) })
		defer wg.Wait() // after cancel (deferred earlier, so it runs later): no DB use after Run
		defer cancel()
	}
	r := kafka.NewReader(c.readerConfig())
	defer r.Close()
	fetchFailures := 0
	for {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, io.EOF) { // the reader is closed: nothing left to heal
				return fmt.Errorf("events: fetch (group %s): %w", c.cfg.GroupID, err)
			}
			// kafka-go reports a group it could not (re)join MaxAttempts times in a row
			// (broker restarting, coordinator moved or still loading: Kafka answers
			// NOT_COORDINATOR or COORDINATOR_LOAD_IN_PROGRESS) through FetchMessage and
			// goes on trying; giving up here would stop this consumer for good.
			fetchFailures++
			c.fetchErrors.WithLabelValues(c.cfg.GroupID).Inc()
			c.log.Warn("fetch failed; retrying", "attempt", fetchFailures, "err", err)
			if !sleep(ctx, backoff(c.cfg.BackoffMin, c.cfg.BackoffMax, fetchFailures)) {
				return nil
			}
			continue
		}
		fetchFailures = 0
		if err := c.process(ctx, r, m); err != nil {
			if ctx.Err() != nil {
				return nil // not committed: redelivered after restart
			}
			return err
		}
	}
}

// pruneInbox deletes inbox records older than InboxRetention, now and then hourly.
func (c *Consumer) pruneInbox(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		cutoff := time.Now().Add(-c.cfg.InboxRetention)
		res, err := c.inbox.DeleteMany(ctx, bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: cutoff}}}})
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			c.log.Warn("prune inbox failed", "err", err)
		case res.DeletedCount > 0:
			c.log.Info("pruned inbox", "deleted", res.DeletedCount, "before", cutoff)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Close stops Run (if running), waits for it to leave the group, and closes the DLQ
// writer the consumer created.
func (c *Consumer) Close() error {
	c.mu.Lock()
	c.closed = true
	cancel, done := c.cancel, c.done
	c.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
	var err error
	c.closeOnce.Do(func() {
		if c.ownDLQ != nil {
			err = c.ownDLQ.Close()
		}
	})
	return err
}

func (c *Consumer) process(ctx context.Context, r *kafka.Reader, m kafka.Message) error {
	e, err := FromMessage(m)
	if err != nil {
		return c.deadLetter(ctx, r, m, err, 0)
	}
	log := c.log.With("topic", m.Topic, "partition", m.Partition, "offset", m.Offset, "id", e.ID, "type", e.Type)

	var seen bool
	if err := c.retry(ctx, log, "read inbox", func() error {
		err := c.inbox.FindOne(ctx, bson.D{{Key: "_id", Value: e.ID}},
			options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
		seen = err == nil
		if errors.Is(err, mongo.ErrNoDocuments) {
			return nil
		}
		return err
	}); err != nil {
		return err
	}
	if seen {
		c.events.WithLabelValues(c.cfg.GroupID, m.Topic, OutcomeDuplicate).Inc()
		return c.commit(ctx, r, m, log)
	}

	var herr error
	attempts := 0
	for attempts < c.cfg.MaxAttempts {
		attempts++
		if herr = c.call(ctx, m.Topic, e); herr == nil || ctx.Err() != nil {
			break
		}
		c.failures.WithLabelValues(c.cfg.GroupID, m.Topic).Inc()
		if IsPermanent(herr) {
			break
		}
		log.Warn("handler failed; will retry", "attempt", attempts, "err", herr)
		if attempts < c.cfg.MaxAttempts && !sleep(ctx, backoff(c.cfg.BackoffMin, c.cfg.BackoffMax, attempts)) {
			break
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if herr != nil {
		return c.deadLetter(ctx, r, m, herr, attempts)
	}

	rec := bson.D{
		{Key: "_id", Value: e.ID},
		{Key: "type", Value: e.Type},
		{Key: "topic", Value: m.Topic},
		{Key: "partition", Value: m.Partition},
		{Key: "offset", Value: m.Offset},
		{Key: "at", Value: time.Now().UTC()},
	}
	if err := c.retry(ctx, log, "write inbox", func() error {
		_, err := c.inbox.InsertOne(ctx, rec)
		if mongo.IsDuplicateKeyError(err) {
			return nil // another member handled it during a rebalance
		}
		return err
	}); err != nil {
		return err
	}
	c.events.WithLabelValues(c.cfg.GroupID, m.Topic, OutcomeHandled).Inc()
	return c.commit(ctx, r, m, log)
}

// call runs the handler once, turning a panic into an error so it is retried and, if it
// persists, dead-lettered instead of crashing the service.
func (c *Consumer) call(ctx context.Context, topic string, e Envelope) (err error) {
	if c.cfg.HandlerTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.cfg.HandlerTimeout)
		defer cancel()
	}
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("handler panicked: %v", p)
		}
		c.duration.WithLabelValues(c.cfg.GroupID, topic).Observe(time.Since(start).Seconds())
	}()
	return c.handle(ctx, e)
}

func (c *Consumer) deadLetter(ctx context.Context, r *kafka.Reader, m kafka.Message, cause error, attempts int) error {
	log := c.log.With("topic", m.Topic, "partition", m.Partition, "offset", m.Offset)
	msg := cause.Error()
	if len(msg) > 4096 {
		msg = msg[:4096]
	}
	headers := append(slices.Clone(m.Headers),
		kafka.Header{Key: HeaderDLQError, Value: []byte(msg)},
		kafka.Header{Key: HeaderDLQTopic, Value: []byte(m.Topic)},
		kafka.Header{Key: HeaderDLQPartition, Value: []byte(strconv.Itoa(m.Partition))},
		kafka.Header{Key: HeaderDLQOffset, Value: []byte(strconv.FormatInt(m.Offset, 10))},
		kafka.Header{Key: HeaderDLQAttempts, Value: []byte(strconv.Itoa(attempts))},
	)
	dm := kafka.Message{Topic: c.dlqName, Key: m.Key, Value: m.Value, Headers: headers}
	// Never commit an event that is not safely parked: retry until the DLQ takes it.
	if err := c.retry(ctx, log, "write dead letter", func() error {
		return c.dlq.WriteMessages(ctx, dm)
	}); err != nil {
		return err
	}
	log.Error("event dead-lettered", "dlq", c.dlqName, "attempts", attempts, "err", cause)
	c.events.WithLabelValues(c.cfg.GroupID, m.Topic, OutcomeDeadLettered).Inc()
	return c.commit(ctx, r, m, log)
}

// commit failing (e.g. the partition moved to another member in a rebalance) is not an
// error: the event is redelivered and the inbox recognises it.
func (c *Consumer) commit(ctx context.Context, r *kafka.Reader, m kafka.Message, log *slog.Logger) error {
	if err := r.CommitMessages(ctx, m); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		log.Warn("commit failed; the event will be redelivered and skipped", "err", err)
		return nil
	}
	if m.HighWaterMark > 0 {
		c.lag.WithLabelValues(c.cfg.GroupID, m.Topic, strconv.Itoa(m.Partition)).
			Set(float64(max(0, m.HighWaterMark-m.Offset-1)))
	}
	return nil
}

// retry runs f until it succeeds or ctx is done, backing off between failures: the inbox
// and the DLQ are infrastructure, and skipping them would lose or double an event.
func (c *Consumer) retry(ctx context.Context, log *slog.Logger, what string, f func() error) error {
	for n := 1; ; n++ {
		err := f()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		log.Warn(what+" failed; retrying", "attempt", n, "err", err)
		if !sleep(ctx, backoff(c.cfg.BackoffMin, c.cfg.BackoffMax, n)) {
			return ctx.Err()
		}
	}
}

// Permanent marks a handler error as final: the event goes to the DLQ without retries.
// Use it for events the handler can never apply (unknown reference, failed schema).
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// IsPermanent reports whether err (or an error it wraps) came from Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}

type permanentError struct{ err error }

func (p permanentError) Error() string { return "permanent: " + p.err.Error() }
func (p permanentError) Unwrap() error { return p.err }

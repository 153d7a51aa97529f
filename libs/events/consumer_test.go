package events_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/l4l-platform/l4l/libs/events"
)

// startConsumer runs a consumer with short backoffs until the test ends; adjust changes
// its configuration first.
func startConsumer(t *testing.T, env *env, group string, topics []string, h events.Handler, adjust ...func(*events.ConsumerConfig)) *events.Consumer {
	t.Helper()
	cfg := events.ConsumerConfig{
		Brokers: env.brokers, GroupID: group, Topics: topics, DB: env.db,
		MaxAttempts: 3, BackoffMin: 5 * time.Millisecond, BackoffMax: 20 * time.Millisecond,
		Registerer: env.reg,
	}
	for _, f := range adjust {
		f(&cfg)
	}
	c, err := events.NewConsumer(cfg, h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	run(t, c.Run)
	return c
}

func outcome(t *testing.T, env *env, group, o string) float64 {
	return metric(t, env.reg, "l4l_consumer_events_total", map[string]string{"group": group, "outcome": o})
}

func mustMessage(t *testing.T, topic string, e events.Envelope) kafka.Message {
	t.Helper()
	m, err := events.ToMessage(topic, e)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mustEvent(t *testing.T, typ, subject string) events.Envelope {
	t.Helper()
	e, err := events.New("/l4l/src", typ, "t1", subject, map[string]string{"x": "y"})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestConsumerRedeliveryChangesNothing: the same event delivered twice (as after a crash
// between handling and committing) is applied once. The handler $inc's a counter, which
// is not idempotent by itself: the inbox is what keeps the count at 1.
func TestConsumerRedeliveryChangesNothing(t *testing.T) {
	t.Parallel()
	onEachBroker(t, testConsumerRedeliveryChangesNothing)
}

func testConsumerRedeliveryChangesNothing(t *testing.T, env *env) {
	topic, group := env.topic("src"), env.group("redelivery")
	counters := env.db.Collection("counters")
	handler := func(ctx context.Context, e events.Envelope) error {
		_, err := counters.UpdateOne(ctx, bson.D{{Key: "_id", Value: e.Subject}},
			bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}}}, options.UpdateOne().SetUpsert(true))
		return err
	}
	e1, e2 := mustEvent(t, "org.l4l.src.thing.changed.v1", "a"), mustEvent(t, "org.l4l.src.thing.changed.v1", "b")
	env.ensure(t, topic)
	w := env.writer(t)
	if err := w.WriteMessages(context.Background(),
		mustMessage(t, topic, e1), mustMessage(t, topic, e2), mustMessage(t, topic, e1)); err != nil {
		t.Fatal(err)
	}
	startConsumer(t, env, group, []string{topic}, handler)
	waitFor(t, 15*time.Second, "3 deliveries", func() bool {
		return outcome(t, env, group, events.OutcomeHandled) == 2 &&
			outcome(t, env, group, events.OutcomeDuplicate) == 1
	})
	for _, id := range []string{"a", "b"} {
		var doc struct{ N int }
		if err := counters.FindOne(context.Background(), bson.D{{Key: "_id", Value: id}}).Decode(&doc); err != nil {
			t.Fatal(err)
		}
		if doc.N != 1 {
			t.Errorf("counter %s = %d, want 1", id, doc.N)
		}
	}
	if n, _ := env.db.Collection("inbox").CountDocuments(context.Background(), bson.D{}); n != 2 {
		t.Errorf("inbox holds %d records, want 2", n)
	}
}

// TestConsumerParksPoisonAndMovesOn: a message that is not a CloudEvent, an event whose
// handler always fails, one it rejects as Permanent and one that panics all land on the
// DLQ — original bytes, original headers, the error — and the next good event on the same
// partition is still handled.
func TestConsumerParksPoisonAndMovesOn(t *testing.T) {
	t.Parallel()
	onEachBroker(t, testConsumerParksPoisonAndMovesOn)
}

func testConsumerParksPoisonAndMovesOn(t *testing.T, env *env) {
	topic, group := env.topic("src"), env.group("poison")

	var mu sync.Mutex
	calls := map[string]int{}
	handler := func(ctx context.Context, e events.Envelope) error {
		mu.Lock()
		calls[e.Type]++
		mu.Unlock()
		switch {
		case strings.Contains(e.Type, ".failed."):
			return errors.New("school s-404 does not exist")
		case strings.Contains(e.Type, ".rejected."):
			return events.Permanent(errors.New("unsupported data"))
		case strings.Contains(e.Type, ".exploded."):
			panic("nil map")
		}
		return nil
	}

	junk := kafka.Message{Topic: topic, Key: []byte("t1/a"), Value: []byte("this is not a CloudEvent\x00\xff"),
		Headers: []kafka.Header{{Key: "traceparent", Value: []byte("00-abc-def-01")}}}
	failing := mustMessage(t, topic, mustEvent(t, "org.l4l.src.thing.failed.v1", "a"))
	rejected := mustMessage(t, topic, mustEvent(t, "org.l4l.src.thing.rejected.v1", "a"))
	exploding := mustMessage(t, topic, mustEvent(t, "org.l4l.src.thing.exploded.v1", "a"))
	good := mustMessage(t, topic, mustEvent(t, "org.l4l.src.thing.changed.v1", "a"))
	// One key, so one partition: the good event queues behind the four bad ones.
	sent := []kafka.Message{junk, failing, rejected, exploding, good}
	env.ensure(t, topic)
	if err := env.writer(t).WriteMessages(context.Background(), sent...); err != nil {
		t.Fatal(err)
	}

	startConsumer(t, env, group, []string{topic}, handler)
	waitFor(t, 15*time.Second, "the good event handled", func() bool {
		return outcome(t, env, group, events.OutcomeHandled) == 1
	})
	if n := outcome(t, env, group, events.OutcomeDeadLettered); n != 4 {
		t.Errorf("dead_lettered = %v, want 4", n)
	}
	mu.Lock()
	if calls["org.l4l.src.thing.failed.v1"] != 3 || calls["org.l4l.src.thing.rejected.v1"] != 1 || calls["org.l4l.src.thing.exploded.v1"] != 3 {
		t.Errorf("handler calls %v: want failed 3 (MaxAttempts), rejected 1 (Permanent), exploded 3", calls)
	}
	mu.Unlock()

	src := topicMessages(t, env.brokers, topic)
	dlq := topicMessages(t, env.brokers, events.DLQTopic(group))
	if len(dlq) != 4 {
		t.Fatalf("%d messages on %s, want 4", len(dlq), events.DLQTopic(group))
	}
	wantErr := []string{"invalid envelope", "school s-404 does not exist", "permanent: unsupported data", "handler panicked: nil map"}
	wantAttempts := []string{"0", "3", "1", "3"}
	for i, d := range dlq {
		orig := sent[i]
		if string(d.Value) != string(orig.Value) || string(d.Key) != string(orig.Key) {
			t.Errorf("dead letter %d: value/key not the original bytes: %q", i, d.Value)
		}
		if got := header(d, events.HeaderDLQError); !strings.Contains(got, wantErr[i]) {
			t.Errorf("dead letter %d: %s = %q, want it to mention %q", i, events.HeaderDLQError, got, wantErr[i])
		}
		if got := header(d, events.HeaderDLQAttempts); got != wantAttempts[i] {
			t.Errorf("dead letter %d: attempts %s, want %s", i, got, wantAttempts[i])
		}
		if header(d, events.HeaderDLQTopic) != topic ||
			header(d, events.HeaderDLQPartition) != strconv.Itoa(src[i].Partition) ||
			header(d, events.HeaderDLQOffset) != strconv.FormatInt(src[i].Offset, 10) {
			t.Errorf("dead letter %d: source headers %v, want %s/%d/%d", i, d.Headers, topic, src[i].Partition, src[i].Offset)
		}
	}
	if header(dlq[0], "traceparent") != "00-abc-def-01" {
		t.Errorf("original headers not kept: %v", dlq[0].Headers)
	}
	if header(dlq[1], events.ContentTypeHeader) != events.CloudEventsJSON {
		t.Errorf("content-type not kept: %v", dlq[1].Headers)
	}
}

func TestNewConsumerChecksConfig(t *testing.T) {
	t.Parallel()
	h := func(context.Context, events.Envelope) error { return nil }
	_, err := events.NewConsumer(events.ConsumerConfig{}, nil)
	for _, want := range []string{"no brokers", "no group id", "no topics", "no database", "no handler"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("empty config: error %v should mention %q", err, want)
		}
	}
	env := newEnv(t)
	_, err = events.NewConsumer(events.ConsumerConfig{Brokers: env.brokers, GroupID: "plc",
		Topics: []string{events.DLQTopic("plc")}, DB: env.db}, h)
	if err == nil || !strings.Contains(err.Error(), "dead-letter") {
		t.Errorf("consuming the own DLQ: %v", err)
	}
	c, err := events.NewConsumer(events.ConsumerConfig{Brokers: env.brokers, GroupID: "plc",
		Topics: []string{events.Topic("directory")}, DB: env.db}, h)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("Close before Run: %v", err)
	}
	if err := c.Run(context.Background()); err == nil {
		t.Errorf("Run after Close succeeded")
	}
}

func TestPermanent(t *testing.T) {
	t.Parallel()
	base := errors.New("bad")
	p := events.Permanent(base)
	if !events.IsPermanent(p) || !errors.Is(p, base) {
		t.Errorf("Permanent(%v) = %v: IsPermanent %v, Is base %v", base, p, events.IsPermanent(p), errors.Is(p, base))
	}
	if events.IsPermanent(base) || events.Permanent(nil) != nil {
		t.Errorf("plain errors are not permanent; Permanent(nil) is nil")
	}
}

// TestConsumerPrunesInbox: records older than InboxRetention go, recent ones stay.
func TestConsumerPrunesInbox(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	inbox := env.db.Collection("inbox")
	ctx := context.Background()
	if _, err := inbox.InsertMany(ctx, []any{
		bson.D{{Key: "_id", Value: "old"}, {Key: "at", Value: time.Now().Add(-2 * time.Hour)}},
		bson.D{{Key: "_id", Value: "recent"}, {Key: "at", Value: time.Now()}},
	}); err != nil {
		t.Fatal(err)
	}
	c, err := events.NewConsumer(events.ConsumerConfig{Brokers: env.brokers, GroupID: "prune",
		Topics: []string{events.Topic("src")}, DB: env.db, InboxRetention: time.Hour},
		func(context.Context, events.Envelope) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	run(t, c.Run)
	waitFor(t, 10*time.Second, "old record pruned", func() bool {
		n, err := inbox.CountDocuments(ctx, bson.D{})
		return err == nil && n == 1
	})
	if err := inbox.FindOne(ctx, bson.D{{Key: "_id", Value: "recent"}}).Err(); err != nil {
		t.Errorf("recent record: %v", err)
	}
}

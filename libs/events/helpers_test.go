package events_test

import (
	"context"
	"errors"
	"sort"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/l4l-platform/l4l/libs/devstack"
	"github.com/l4l-platform/l4l/libs/events"
)

// env is one test's broker, database and metrics registry. The database and registry are
// its own; the broker is its own kfake, or the shared real Kafka (newRealEnv).
type env struct {
	stack   *devstack.Stack
	brokers []string // the broker under test
	kind    string   // "kfake" or "kafka"
	id      string   // makes topic and group names unique on a shared broker
	client  *mongo.Client
	db      *mongo.Database
	reg     *prometheus.Registry
}

func newEnv(t testing.TB) *env {
	t.Helper()
	s := devstack.ForTest(t)
	cl, err := mongo.Connect(options.Client().ApplyURI(s.MongoURI))
	if err != nil {
		t.Fatal(err)
	}
	// Registered after ForTest, so it runs first: FerretDB's shutdown waits for open
	// client connections.
	t.Cleanup(func() { _ = cl.Disconnect(context.Background()) })
	return &env{stack: s, brokers: s.KafkaBrokers, kind: "kfake", id: uniqueID(t),
		client: cl, db: cl.Database("events_test"), reg: prometheus.NewRegistry()}
}

func (e *env) writer(t testing.TB) *kafka.Writer {
	w := events.NewWriter(e.brokers)
	t.Cleanup(func() { _ = w.Close() })
	return w
}

// ensure creates topics as a service's relay and consumers do before anyone writes to them.
func (e *env) ensure(t testing.TB, topics ...string) {
	t.Helper()
	if err := events.EnsureTopics(context.Background(), e.brokers, topics...); err != nil {
		t.Fatal(err)
	}
}

// run starts f in a goroutine and, at cleanup, cancels it and checks it returned nil.
func run(t testing.TB, f func(context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run returned %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("run did not return within 10 s of cancel")
		}
	})
}

// waitFor polls cond until it holds or the deadline passes: no fixed sleeps.
func waitFor(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// store is what a service's store does: the state change and its events in ONE update.
func store(t testing.TB, c *mongo.Collection, tenant, id string, n int) []events.Envelope {
	t.Helper()
	evs := make([]events.Envelope, n)
	for i := range evs {
		e, err := events.New("/l4l/test", "org.l4l.test.thing.changed.v1", tenant, id, map[string]any{"n": i})
		if err != nil {
			t.Fatal(err)
		}
		evs[i] = e
	}
	_, err := c.UpdateOne(context.Background(), bson.D{{Key: "_id", Value: id}}, bson.D{
		{Key: "$set", Value: bson.D{{Key: "name", Value: "x"}}},
		{Key: "$inc", Value: bson.D{{Key: "v", Value: int64(1)}}},
		{Key: "$push", Value: bson.D{{Key: events.OutboxField, Value: bson.D{{Key: "$each", Value: evs}}}}},
	}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// outboxLen is the number of entries still in a document's outbox.
func outboxLen(t testing.TB, c *mongo.Collection, id any) int {
	t.Helper()
	var d struct {
		Outbox []bson.Raw `bson:"outbox"`
	}
	if err := c.FindOne(context.Background(), bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		t.Fatal(err)
	}
	return len(d.Outbox)
}

// pendingDocs counts documents whose outbox is not empty.
func pendingDocs(t testing.TB, c *mongo.Collection) int64 {
	t.Helper()
	n, err := c.CountDocuments(context.Background(), bson.D{{Key: events.OutboxField, Value: bson.D{
		{Key: "$exists", Value: true}, {Key: "$ne", Value: bson.A{}}}}})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// topicMessages reads everything a topic holds right now, partition by partition, so a
// test can assert exact counts ("published once") rather than "at least".
func topicMessages(t testing.TB, brokers []string, topic string) []kafka.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	tr := &kafka.Transport{}
	defer tr.CloseIdleConnections()
	cl := &kafka.Client{Addr: kafka.TCP(brokers...), Transport: tr}
	md, err := cl.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		t.Fatal(err)
	}
	if len(md.Topics) != 1 || md.Topics[0].Error != nil {
		if len(md.Topics) == 1 && errors.Is(md.Topics[0].Error, kafka.UnknownTopicOrPartition) {
			return nil
		}
		t.Fatalf("metadata of %s: %+v", topic, md.Topics)
	}
	var reqs []kafka.OffsetRequest
	for _, p := range md.Topics[0].Partitions {
		reqs = append(reqs, kafka.LastOffsetOf(p.ID))
	}
	lo, err := cl.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: reqs}})
	if err != nil {
		t.Fatal(err)
	}
	var all []kafka.Message
	parts := lo.Topics[topic]
	sort.Slice(parts, func(i, j int) bool { return parts[i].Partition < parts[j].Partition })
	for _, po := range parts {
		if po.Error != nil {
			t.Fatalf("offsets of %s/%d: %v", topic, po.Partition, po.Error)
		}
		if po.LastOffset <= 0 {
			continue
		}
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Topic: topic, Partition: po.Partition,
			MaxWait: 50 * time.Millisecond, ReadBackoffMin: 10 * time.Millisecond, ReadBackoffMax: 50 * time.Millisecond})
		for {
			m, err := r.ReadMessage(ctx)
			if err != nil {
				_ = r.Close()
				t.Fatalf("read %s/%d: %v", topic, po.Partition, err)
			}
			all = append(all, m)
			if m.Offset >= po.LastOffset-1 {
				break
			}
		}
		_ = r.Close()
	}
	return all
}

func header(m kafka.Message, key string) string {
	for _, h := range m.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}

// metric returns the value of a counter or gauge with exactly these labels, 0 if absent.
func metric(t testing.TB, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			got := map[string]string{}
			for _, lp := range m.GetLabel() {
				got[lp.GetName()] = lp.GetValue()
			}
			for k, v := range labels {
				if got[k] != v {
					continue next
				}
			}
			switch {
			case m.Counter != nil:
				return m.Counter.GetValue()
			case m.Gauge != nil:
				return m.Gauge.GetValue()
			case m.Histogram != nil:
				return float64(m.Histogram.GetSampleCount())
			}
		}
	}
	return 0
}

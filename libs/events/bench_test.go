package events_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/l4l-platform/l4l/libs/events"
)

// benchAggregates is the number of documents the relay benchmark spreads its events over:
// fixed, because on FerretDB every update scans the collection, and a collection growing
// with b.N would make the cost per event depend on b.N.
const benchAggregates = 100

// BenchmarkRelayPublish measures the relay end to end per event: read the outboxes, publish,
// remove the published entries. Its ceiling is BenchmarkRawKafkaGoWrite on the same broker;
// `make bench` prints the ratio.
func BenchmarkRelayPublish(b *testing.B) {
	env := newEnv(b)
	ctx := context.Background()
	c := env.db.Collection("bench")
	topic := events.Topic("bench")
	if err := events.EnsureTopics(ctx, env.brokers, topic); err != nil {
		b.Fatal(err)
	}
	outboxes := make([][]events.Envelope, benchAggregates)
	for i := range b.N {
		d := i % benchAggregates
		e, err := events.New("/l4l/bench", "org.l4l.bench.school.updated.v1", "rw-gasabo", "s-"+strconv.Itoa(d), benchData)
		if err != nil {
			b.Fatal(err)
		}
		outboxes[d] = append(outboxes[d], e)
	}
	docs := make([]any, 0, benchAggregates)
	ids := make([]any, 0, benchAggregates)
	for d, ob := range outboxes {
		if len(ob) == 0 {
			continue
		}
		id := "s-" + strconv.Itoa(d)
		docs = append(docs, bson.D{{Key: "_id", Value: id}, {Key: "v", Value: int64(1)}, {Key: events.OutboxField, Value: ob}})
		ids = append(ids, id)
	}
	if _, err := c.InsertMany(ctx, docs); err != nil {
		b.Fatal(err)
	}
	w := env.writer(b)
	relay := events.NewRelayWithOptions(w, events.RelayOptions{Topic: topic, Registerer: env.reg, SweepInterval: -1})

	b.ResetTimer()
	relay.Notify(c, ids...)
	run(b, relay.Run)
	waitFor(b, 10*time.Minute, "outboxes published and cleared", func() bool {
		return pendingDocs(b, c) == 0
	})
	b.StopTimer()
	// At least once: fewer is a loss; more is a re-send after a removal timed out under
	// load (consumers deduplicate), reported rather than failed.
	n := metric(b, env.reg, "l4l_outbox_published_total", map[string]string{"topic": topic})
	if int(n) < b.N {
		b.Fatalf("published %v, want at least %d", n, b.N)
	}
	b.ReportMetric(n-float64(b.N), "resent")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkRawKafkaGoWrite is the ceiling: the same messages written by NewWriter straight
// to the same kind of broker, 1,000 per call, no database.
func BenchmarkRawKafkaGoWrite(b *testing.B) {
	env := newEnv(b)
	ctx := context.Background()
	topic := events.Topic("bench")
	if err := events.EnsureTopics(ctx, env.brokers, topic); err != nil {
		b.Fatal(err)
	}
	msgs := make([]kafka.Message, b.N)
	for i := range msgs {
		e, err := events.New("/l4l/bench", "org.l4l.bench.school.updated.v1", "rw-gasabo", "s-"+strconv.Itoa(i%benchAggregates), benchData)
		if err != nil {
			b.Fatal(err)
		}
		if msgs[i], err = events.ToMessage(topic, e); err != nil {
			b.Fatal(err)
		}
	}
	w := env.writer(b)

	b.ResetTimer()
	for len(msgs) > 0 {
		n := min(len(msgs), 1000)
		if err := w.WriteMessages(ctx, msgs[:n]...); err != nil {
			b.Fatal(err)
		}
		msgs = msgs[n:]
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// benchData is a typical fact: ids and a few fields, ~200 bytes of JSON.
var benchData = map[string]any{
	"school_id": "0190a0b2-7d4e-7c3a-9b1f-2e4d5c6b7a89", "sector_id": "0190a0b2-7d4e-7c3a-9b1f-000000000001",
	"head_teacher_id": "0190a0b2-7d4e-7c3a-9b1f-000000000002", "status": "open", "learners": 1234,
}

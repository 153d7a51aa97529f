package events_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/l4l-platform/l4l/libs/events"
)

// countingPublisher counts WriteMessages calls, to show the relay batches.
type countingPublisher struct {
	events.Publisher
	calls, msgs atomic.Int64
}

func (p *countingPublisher) WriteMessages(ctx context.Context, msgs ...kafka.Message) error {
	p.calls.Add(1)
	p.msgs.Add(int64(len(msgs)))
	return p.Publisher.WriteMessages(ctx, msgs...)
}

func fastRelay(w events.Publisher, env *env, topic string) *events.Relay {
	return events.NewRelayWithOptions(w, events.RelayOptions{
		Topic: topic, Registerer: env.reg, SweepInterval: -1,
		BackoffMin: 10 * time.Millisecond, BackoffMax: 100 * time.Millisecond,
	})
}

// TestRelayPublishesOutboxInOrder: events a store put in outboxes reach the topic with the
// tenant/aggregate key and the CloudEvents header, in order per aggregate, and leave the
// outbox. The relay knows the collection only from Notify.
func TestRelayPublishesOutboxInOrder(t *testing.T) {
	t.Parallel()
	onEachBroker(t, testRelayPublishesOutboxInOrder)
}

func testRelayPublishesOutboxInOrder(t *testing.T, env *env) {
	c := env.db.Collection("schools")
	topic := env.topic("directory")
	relay := events.NewRelay(env.writer(t), nil, env.reg, topic)
	run(t, relay.Run)

	want := map[string][]string{} // key → event ids in push order
	for round := range 3 {
		for _, id := range []string{"s-1", "s-2", "s-3"} {
			for _, e := range store(t, c, "rw-gasabo", id, round+1) {
				want["rw-gasabo/"+id] = append(want["rw-gasabo/"+id], e.ID)
			}
			relay.Notify(c, id)
		}
	}
	waitFor(t, 10*time.Second, "outboxes to empty", func() bool { return pendingDocs(t, c) == 0 })

	// The relay created its topic itself, with DefaultPartitions partitions: it was not
	// left to auto-creation (num.partitions, 1 on a default Kafka).
	md, err := env.admin(t).Metadata(context.Background(), &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil || len(md.Topics) != 1 || len(md.Topics[0].Partitions) != events.DefaultPartitions {
		t.Errorf("metadata of %s: %+v, %v; want %d partitions", topic, md, err, events.DefaultPartitions)
	}

	msgs := topicMessages(t, env.brokers, topic)
	got := map[string][]string{}
	for _, m := range msgs {
		if ct := header(m, "content-type"); ct != "application/cloudevents+json" {
			t.Errorf("content-type %q", ct)
		}
		e, err := events.FromMessage(m)
		if err != nil {
			t.Fatal(err)
		}
		if string(m.Key) != e.Tenant+"/"+e.Subject {
			t.Errorf("key %q for tenant %s subject %s", m.Key, e.Tenant, e.Subject)
		}
		got[string(m.Key)] = append(got[string(m.Key)], e.ID)
	}
	for k, ids := range want {
		if fmt.Sprint(got[k]) != fmt.Sprint(ids) {
			t.Errorf("key %s: published %v, want exactly %v in that order", k, got[k], ids)
		}
	}
	if n := metric(t, env.reg, "l4l_outbox_published_total", map[string]string{"topic": topic}); n != 18 {
		t.Errorf("l4l_outbox_published_total = %v, want 18", n)
	}
}

// TestRelaySweepsWhatNobodyNotified: outbox entries left by a crash (written, never
// notified) are published at start, and later ones by the periodic sweep.
func TestRelaySweepsWhatNobodyNotified(t *testing.T) {
	t.Parallel()
	onEachBroker(t, testRelaySweepsWhatNobodyNotified)
}

func testRelaySweepsWhatNobodyNotified(t *testing.T, env *env) {
	c := env.db.Collection("leftovers")
	topic := env.topic("sweep")
	store(t, c, "t1", "before-start", 2)
	relay := events.NewRelayWithOptions(env.writer(t), events.RelayOptions{
		Topic: topic, Registerer: env.reg, SweepInterval: 100 * time.Millisecond,
	}, c)
	run(t, relay.Run)
	waitFor(t, 10*time.Second, "start sweep", func() bool { return outboxLen(t, c, "before-start") == 0 })
	store(t, c, "t1", "while-running", 1)
	waitFor(t, 10*time.Second, "periodic sweep", func() bool { return outboxLen(t, c, "while-running") == 0 })
	if n := len(topicMessages(t, env.brokers, topic)); n != 3 {
		t.Errorf("%d messages on %s, want 3", n, topic)
	}
}

// TestRelayBatchesLargeImports: many aggregates written at once (a CSV import) go out in
// one WriteMessages call per BatchSize documents, not one round trip each. (Kept small:
// on FerretDB 1.24 every update, the relay's clear included, scans the whole collection,
// and SQLite is several times slower under -race.)
func TestRelayBatchesLargeImports(t *testing.T) {
	t.Parallel()
	onEachBroker(t, testRelayBatchesLargeImports)
}

func testRelayBatchesLargeImports(t *testing.T, env *env) {
	c := env.db.Collection("imported")
	topic := env.topic("import")
	const n, batch = 100, 25
	docs := make([]any, n)
	ids := make([]any, n)
	for i := range docs {
		id := "s-" + strconv.Itoa(i)
		e, err := events.New("/l4l/import", "org.l4l.import.school.created.v1", "t1", id, nil)
		if err != nil {
			t.Fatal(err)
		}
		docs[i] = bson.D{{Key: "_id", Value: id}, {Key: "v", Value: int64(1)}, {Key: events.OutboxField, Value: []events.Envelope{e}}}
		ids[i] = id
	}
	if _, err := c.InsertMany(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
	pub := &countingPublisher{Publisher: env.writer(t)}
	// Brokers: the relay cannot see the writer inside the wrapper to create the topic.
	relay := events.NewRelayWithOptions(pub, events.RelayOptions{Topic: topic, Registerer: env.reg, BatchSize: batch, Brokers: env.brokers}, c)
	relay.Notify(c, ids...)
	run(t, relay.Run)
	t0 := time.Now()
	// Poll the metric, not the database: a count scans the collection and would compete
	// with the relay for the service's single connection.
	waitFor(t, 20*time.Second, "import published", func() bool {
		return metric(t, env.reg, "l4l_outbox_published_total", map[string]string{"topic": topic}) == n
	})
	t.Logf("published %d in %v", n, time.Since(t0))
	waitFor(t, 20*time.Second, "outboxes cleared", func() bool { return pendingDocs(t, c) == 0 })
	t.Logf("cleared %d in %v", n, time.Since(t0))
	if calls := pub.calls.Load(); calls != n/batch {
		t.Errorf("%d WriteMessages calls for %d documents, want %d", calls, n, n/batch)
	}
	if got := len(topicMessages(t, env.brokers, topic)); got != n {
		t.Errorf("%d messages, want %d", got, n)
	}
}

// TestRelaySkipsInvalidEntries: an outbox entry that is not a valid event cannot be
// published; it stays (for a human to fix) and does not hold back other documents.
func TestRelaySkipsInvalidEntries(t *testing.T) {
	t.Parallel()
	onEachBroker(t, testRelaySkipsInvalidEntries)
}

func testRelaySkipsInvalidEntries(t *testing.T, env *env) {
	c := env.db.Collection("mixed")
	topic := env.topic("mixed")
	if _, err := c.InsertOne(context.Background(), bson.D{{Key: "_id", Value: "bad"}, {Key: events.OutboxField, Value: bson.A{
		bson.D{{Key: "specversion", Value: "1.0"}, {Key: "id", Value: "x"}}, // no type, source, …
	}}}); err != nil {
		t.Fatal(err)
	}
	store(t, c, "t1", "good", 1)
	relay := fastRelay(env.writer(t), env, topic)
	relay.Notify(c, "bad", "good")
	run(t, relay.Run)
	waitFor(t, 10*time.Second, "good published", func() bool { return outboxLen(t, c, "good") == 0 })
	waitFor(t, 5*time.Second, "invalid counted", func() bool {
		return metric(t, env.reg, "l4l_outbox_invalid_total", map[string]string{"topic": topic}) >= 1
	})
	if outboxLen(t, c, "bad") != 1 {
		t.Errorf("the invalid entry was dropped")
	}
}

// TestBrokerRestart: while the broker is down, an event written to an outbox stays there;
// once the broker is back it is published exactly once, the outbox is cleared, and a
// consumer group that was running throughout handles it, without having to be restarted.
//
// The outage is real, not simulated: the test runs a broker of its own (not the shared one)
// on a fixed port with a data directory, stops it (connections are refused, pooled ones
// break) and starts it again on the same port and data, which is a broker restart as
// clients see one. On kfake that is Close and NewCluster; on Kafka it is kafka.sh stop and
// start, a controlled shutdown and a restart of the JVM. (A TCP proxy between the clients
// and the shared broker would not do: Kafka's metadata hands clients the broker's
// advertised address, so after bootstrap they would bypass the proxy.) The relay and the
// consumer run with the production writer and reader settings, unchanged.
func TestBrokerRestart(t *testing.T) {
	t.Parallel()
	t.Run("kfake", func(t *testing.T) {
		t.Parallel()
		testBrokerRestart(t, newEnv(t), startOwnKfake(t))
	})
	t.Run("kafka", func(t *testing.T) {
		t.Parallel()
		testBrokerRestart(t, newRealEnv(t), startOwnKafka(t))
	})
}

// restartable is a broker a test may stop and start again on the same address and data.
type restartable interface {
	Addrs() []string
	Stop()
	Start()
}

func testBrokerRestart(t *testing.T, env *env, b restartable) {
	env.brokers = b.Addrs()
	c := env.db.Collection("outage")
	topic, group := env.topic("outage"), env.group("outage")
	w := env.writer(t)
	relay := fastRelay(w, env, topic)
	run(t, relay.Run)
	var mu sync.Mutex
	handled := map[string]int{}
	startConsumer(t, env, group, []string{topic}, func(_ context.Context, e events.Envelope) error {
		mu.Lock()
		defer mu.Unlock()
		handled[e.ID]++
		return nil
	})
	handledOnce := func(id string) bool {
		mu.Lock()
		defer mu.Unlock()
		return handled[id] == 1
	}

	before := store(t, c, "t1", "before", 1)
	relay.Notify(c, "before")
	waitFor(t, 20*time.Second, "publish before the outage", func() bool { return outboxLen(t, c, "before") == 0 })
	waitFor(t, 20*time.Second, "the event before the outage handled", func() bool { return handledOnce(before[0].ID) })

	b.Stop()
	during := store(t, c, "t1", "during", 1)
	relay.Notify(c, "during")
	errs := func() float64 {
		return metric(t, env.reg, "l4l_outbox_publish_errors_total", map[string]string{"topic": topic})
	}
	waitFor(t, 15*time.Second, "two failed attempts", func() bool { return errs() >= 2 })
	if outboxLen(t, c, "during") != 1 {
		t.Fatal("the event left the outbox while the broker was down")
	}
	if age := metric(t, env.reg, "l4l_outbox_oldest_pending_age_seconds", map[string]string{"topic": topic}); age <= 0 {
		t.Errorf("oldest pending age = %v while stuck, want > 0", age)
	}

	t0 := time.Now()
	b.Start()
	waitFor(t, 30*time.Second, "publish after the outage", func() bool { return outboxLen(t, c, "during") == 0 })
	published := time.Since(t0)
	waitFor(t, 30*time.Second, "the event of the outage handled", func() bool { return handledOnce(during[0].ID) })
	t.Logf("after the restart: published in %v, handled in %v; %v failed publish attempts, %v fetch errors",
		published.Round(time.Millisecond), time.Since(t0).Round(time.Millisecond), errs(),
		metric(t, env.reg, "l4l_consumer_fetch_errors_total", map[string]string{"group": group}))

	var got []string
	for _, m := range topicMessages(t, env.brokers, topic) {
		e, err := events.FromMessage(m)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, e.ID)
	}
	if len(got) != 2 || !contains(got, before[0].ID) || !contains(got, during[0].ID) {
		t.Errorf("topic holds %v, want exactly [%s %s]", got, before[0].ID, during[0].ID)
	}
	mu.Lock()
	if len(handled) != 2 {
		t.Errorf("handled %v, want the two events once each", handled)
	}
	mu.Unlock()
}

// ownKfake is a kfake broker of one test's own on a fixed port and data directory.
type ownKfake struct {
	t    testing.TB
	port int
	dir  string
	kc   *kfake.Cluster
}

func startOwnKfake(t testing.TB) *ownKfake {
	k := &ownKfake{t: t, port: freePort(t), dir: t.TempDir()}
	k.Start()
	t.Cleanup(func() {
		if k.kc != nil {
			k.kc.Close()
		}
	})
	return k
}

func (k *ownKfake) Addrs() []string { return k.kc.ListenAddrs() }

func (k *ownKfake) Stop() {
	k.kc.Close()
	k.kc = nil
}

func (k *ownKfake) Start() {
	kc, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(k.port), kfake.DataDir(k.dir),
		kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(events.DefaultPartitions),
		kfake.GroupMinSessionTimeout(500*time.Millisecond))
	if err != nil {
		k.t.Fatal(err)
	}
	k.kc = kc
}

// TestRelayConcurrentWriter: events pushed while the relay is publishing (between its read
// and its clear) are neither lost nor reordered. The interleaving here is whatever the
// scheduler makes of it; TestDatabaseOperationsTheOutboxRelies pins the exact case (a push
// between the read and the $pullAll) deterministically.
func TestRelayConcurrentWriter(t *testing.T) {
	t.Parallel()
	onEachBroker(t, testRelayConcurrentWriter)
}

func testRelayConcurrentWriter(t *testing.T, env *env) {
	c := env.db.Collection("busy")
	topic := env.topic("busy")
	relay := fastRelay(env.writer(t), env, topic)
	run(t, relay.Run)

	const aggregates, updates, perUpdate = 4, 10, 3
	want := map[string][]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for a := range aggregates {
		wg.Go(func() {
			id := "agg-" + strconv.Itoa(a)
			for range updates {
				evs := store(t, c, "t1", id, perUpdate)
				mu.Lock()
				for _, e := range evs {
					want["t1/"+id] = append(want["t1/"+id], e.ID)
				}
				mu.Unlock()
				relay.Notify(c, id)
			}
		})
	}
	wg.Wait()
	waitFor(t, 20*time.Second, "outboxes to empty", func() bool { return pendingDocs(t, c) == 0 })

	got := map[string][]string{}
	seen := map[string]bool{}
	dups := 0
	for _, m := range topicMessages(t, env.brokers, topic) {
		var e events.Envelope
		if err := json.Unmarshal(m.Value, &e); err != nil {
			t.Fatal(err)
		}
		if seen[e.ID] {
			dups++ // allowed by at-least-once, but the relay should not cause any here
			continue
		}
		seen[e.ID] = true
		got[string(m.Key)] = append(got[string(m.Key)], e.ID)
	}
	for k, ids := range want {
		if fmt.Sprint(got[k]) != fmt.Sprint(ids) {
			t.Errorf("key %s: %d events published (first occurrences), want %d in push order", k, len(got[k]), len(ids))
		}
	}
	if dups != 0 {
		t.Errorf("%d duplicates without any failure", dups)
	}
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// TestRelaysShareARegistry: a service with two relays (two topics) on one registry gets two
// label sets, not a duplicate-registration panic.
func TestRelaysShareARegistry(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	events.NewRelay(nil, nil, reg, events.Topic("a"))
	events.NewRelay(nil, nil, reg, events.Topic("b"))
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "l4l_outbox_published_total" && len(mf.GetMetric()) != 2 {
			t.Errorf("%s has %d series, want 2", mf.GetName(), len(mf.GetMetric()))
		}
	}
}

package events_test

// What the platform relies on from a Kafka broker, checked on kfake and on Apache Kafka
// alike (onEachBroker). The relay, consumer and DLQ tests (relay_test.go,
// consumer_test.go) run on both too; docs/kafka.md lists the differences found.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/l4l-platform/l4l/libs/events"
)

// TestKeysAndHeaders: what NewWriter writes comes back byte for byte through a partition
// reader and a group reader: keys, values, headers (order, duplicates, binary and empty
// values); equal keys share one partition, the one kafka-go's Hash balancer picks, in
// write order.
func TestKeysAndHeaders(t *testing.T) {
	t.Parallel()
	onEachBroker(t, func(t *testing.T, env *env) {
		ctx := context.Background()
		topic := env.topic("keys")
		env.ensure(t, topic)
		keys := []string{"rw-gasabo/s-1", "rw-gasabo/s-2", "ke-nairobi/s-1"}
		var sent []kafka.Message
		for i := range 4 {
			for _, k := range keys {
				sent = append(sent, kafka.Message{Topic: topic, Key: []byte(k), Value: fmt.Appendf(nil, "%s#%d", k, i),
					Headers: []kafka.Header{
						{Key: events.ContentTypeHeader, Value: []byte(events.CloudEventsJSON)},
						{Key: "traceparent", Value: []byte("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")},
						{Key: "binary", Value: []byte{0, 1, 0xfe, 0xff}},
						{Key: "empty", Value: []byte{}},
						{Key: "twice", Value: []byte("1")}, {Key: "twice", Value: []byte("2")},
					}})
			}
		}
		if err := env.writer(t).WriteMessages(ctx, sent...); err != nil {
			t.Fatal(err)
		}

		partitions := make([]int, events.DefaultPartitions)
		for i := range partitions {
			partitions[i] = i
		}
		check := func(how string, got []kafka.Message) {
			t.Helper()
			if len(got) != len(sent) {
				t.Fatalf("%s: %d messages, want %d", how, len(got), len(sent))
			}
			byKey := map[string][]kafka.Message{}
			for _, m := range got {
				byKey[string(m.Key)] = append(byKey[string(m.Key)], m)
			}
			for _, k := range keys {
				ms := byKey[k]
				want := (&kafka.Hash{}).Balance(kafka.Message{Key: []byte(k)}, partitions...)
				for i, m := range ms {
					if m.Partition != want {
						t.Errorf("%s: key %s on partition %d, want %d (Hash balancer)", how, k, m.Partition, want)
					}
					if string(m.Value) != fmt.Sprintf("%s#%d", k, i) {
						t.Errorf("%s: key %s message %d is %q: order per key lost", how, k, i, m.Value)
					}
					if !sameHeaders(m.Headers, sent[0].Headers) {
						t.Errorf("%s: headers %q, want %q", how, m.Headers, sent[0].Headers)
					}
				}
			}
		}
		check("partition reader", topicMessages(t, env.brokers, topic))

		r := kafka.NewReader(kafka.ReaderConfig{Brokers: env.brokers, GroupID: env.group("keys"), GroupTopics: []string{topic},
			StartOffset: kafka.FirstOffset, HeartbeatInterval: 100 * time.Millisecond, JoinGroupBackoff: 100 * time.Millisecond,
			MaxWait: 100 * time.Millisecond, SessionTimeout: 6 * time.Second, RebalanceTimeout: 2 * time.Second})
		defer r.Close()
		rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		var got []kafka.Message
		for len(got) < len(sent) {
			m, err := r.FetchMessage(rctx)
			switch {
			case rctx.Err() != nil:
				t.Fatalf("group reader after %d messages: %v", len(got), err)
			case err != nil:
				// On a fresh Kafka the first groups meet a coordinator still loading
				// (NOT_COORDINATOR); kafka-go reports that and goes on, as Consumer.Run does.
				t.Logf("group reader: %v", err)
				continue
			}
			got = append(got, m)
		}
		check("group reader", got)
	})
}

func sameHeaders(a, b []kafka.Header) bool {
	return slices.EqualFunc(a, b, func(x, y kafka.Header) bool { return x.Key == y.Key && bytes.Equal(x.Value, y.Value) })
}

// subjectsCoveringPartitions returns n subjects whose keys (tenant t1) land on n distinct
// partitions, so that every member of a group gets some of their events.
func subjectsCoveringPartitions(n int) []string {
	partitions := make([]int, n)
	for i := range partitions {
		partitions[i] = i
	}
	subjects := make([]string, n)
	for i, found := 0, 0; found < n; i++ {
		s := "agg-" + strconv.Itoa(i)
		p := (&kafka.Hash{}).Balance(kafka.Message{Key: events.Key("t1", s)}, partitions...)
		if subjects[p] == "" {
			subjects[p] = s
			found++
		}
	}
	return subjects
}

// TestGroupRebalance: two consumers of one group (two replicas of a service) share the
// partitions; when one leaves, the other takes over all of them, and no event is lost.
func TestGroupRebalance(t *testing.T) {
	t.Parallel()
	onEachBroker(t, func(t *testing.T, env *env) {
		ctx := context.Background()
		topic, group := env.topic("rebalance"), env.group("rebalance")
		env.ensure(t, topic)
		var mu sync.Mutex
		handledBy := map[string]string{} // event id → consumer
		handler := func(name string) events.Handler {
			return func(_ context.Context, e events.Envelope) error {
				mu.Lock()
				defer mu.Unlock()
				handledBy[e.ID] = name
				return nil
			}
		}
		production := func(c *events.ConsumerConfig) { c.SessionTimeout = 6 * time.Second }
		startConsumer(t, env, group, []string{topic}, handler("a"), production)
		b := startConsumer(t, env, group, []string{topic}, handler("b"), production)
		awaitGroup := func(members int) {
			t.Helper()
			waitFor(t, 30*time.Second, fmt.Sprintf("a stable group of %d", members), func() bool {
				n, state := env.groupMembers(t, group)
				return n == members && state == "Stable"
			})
		}
		w := env.writer(t)
		publishRound := func() []string {
			t.Helper()
			var ids []string
			var msgs []kafka.Message
			for _, s := range subjectsCoveringPartitions(events.DefaultPartitions) {
				e := mustEvent(t, "org.l4l.src.thing.changed.v1", s)
				ids = append(ids, e.ID)
				msgs = append(msgs, mustMessage(t, topic, e))
			}
			if err := w.WriteMessages(ctx, msgs...); err != nil {
				t.Fatal(err)
			}
			return ids
		}
		handlers := func(ids []string) map[string]int {
			mu.Lock()
			defer mu.Unlock()
			count := map[string]int{}
			for _, id := range ids {
				if name, ok := handledBy[id]; ok {
					count[name]++
				}
			}
			return count
		}
		total := func(m map[string]int) int { return m["a"] + m["b"] }

		awaitGroup(2)
		round1 := publishRound()
		waitFor(t, 30*time.Second, "round 1 handled", func() bool { return total(handlers(round1)) == len(round1) })
		if h := handlers(round1); h["a"] == 0 || h["b"] == 0 {
			t.Errorf("round 1 handled by %v: both members should have partitions", h)
		}

		t0 := time.Now()
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
		closed := time.Since(t0)
		awaitGroup(1)
		t.Logf("member b left in %v; group stable with one member after %v", closed.Round(time.Millisecond), time.Since(t0).Round(time.Millisecond))
		round2 := publishRound()
		waitFor(t, 30*time.Second, "round 2 handled", func() bool { return total(handlers(round2)) == len(round2) })
		if h := handlers(round2); h["a"] != len(round2) {
			t.Errorf("round 2 handled by %v, want all by a", h)
		}
	})
}

// TestResumeFromCommittedOffsets: a consumer restarted in the same group goes on after the
// last event it committed. The second consumer has an empty inbox, so only the committed
// offsets keep it from handling the first events again.
func TestResumeFromCommittedOffsets(t *testing.T) {
	t.Parallel()
	onEachBroker(t, func(t *testing.T, env *env) {
		ctx := context.Background()
		topic, group := env.topic("resume"), env.group("resume")
		env.ensure(t, topic)
		w := env.writer(t)
		publish := func() []string { // one subject, so one partition, so one order
			t.Helper()
			var ids []string
			var msgs []kafka.Message
			for range 5 {
				e := mustEvent(t, "org.l4l.src.thing.changed.v1", "a")
				ids = append(ids, e.ID)
				msgs = append(msgs, mustMessage(t, topic, e))
			}
			if err := w.WriteMessages(ctx, msgs...); err != nil {
				t.Fatal(err)
			}
			return ids
		}
		var mu sync.Mutex
		var got []string
		handler := func(_ context.Context, e events.Envelope) error {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, e.ID)
			return nil
		}
		handled := func() []string {
			mu.Lock()
			defer mu.Unlock()
			return slices.Clone(got)
		}

		first := publish()
		c1 := startConsumer(t, env, group, []string{topic}, handler)
		// Committed, not merely handled: a consumer closed between its handler and its
		// commit leaves that event to be delivered again (at least once; the inbox, which
		// the second consumer lacks on purpose, would skip it).
		waitFor(t, 30*time.Second, "the first events committed", func() bool {
			return env.committed(t, group, topic) == int64(len(first))
		})
		if len(handled()) != len(first) {
			t.Fatalf("handled %d events, want %d", len(handled()), len(first))
		}
		if err := c1.Close(); err != nil {
			t.Fatal(err)
		}
		second := publish()
		mu.Lock()
		got = nil
		mu.Unlock()
		startConsumer(t, env, group, []string{topic}, handler, func(c *events.ConsumerConfig) {
			c.InboxCollection = "inbox_after_restart"
		})
		waitFor(t, 30*time.Second, "the second events handled", func() bool { return len(handled()) >= len(second) })
		if h := handled(); !slices.Equal(h, second) {
			t.Errorf("after the restart handled %v, want exactly the new %v", h, second)
		}
	})
}

// TestTopicsCreatedWithConfigs: EnsureTopics gives every topic DefaultPartitions
// partitions with one replica each on a single broker (the broker's default replication
// factor), compacts TenancyTopic and leaves the others on delete.
func TestTopicsCreatedWithConfigs(t *testing.T) {
	t.Parallel()
	onEachBroker(t, func(t *testing.T, env *env) {
		ctx := context.Background()
		policies := map[string]string{
			env.topic("directory"):            "delete",
			events.TenancyTopic:               "compact", // its real name: services share it
			events.DLQTopic(env.group("plc")): "delete",
		}
		var topics []string
		for tp := range policies {
			topics = append(topics, tp)
		}
		sort.Strings(topics)
		for range 2 { // the second call finds them all existing, which is fine
			env.ensure(t, topics...)
		}
		cl := env.admin(t)
		md, err := cl.Metadata(ctx, &kafka.MetadataRequest{Topics: topics})
		if err != nil {
			t.Fatal(err)
		}
		if len(md.Topics) != len(topics) {
			t.Fatalf("metadata of %d topics, want %d", len(md.Topics), len(topics))
		}
		for _, tp := range md.Topics {
			if tp.Error != nil || len(tp.Partitions) != events.DefaultPartitions {
				t.Errorf("%s: %d partitions, err %v", tp.Name, len(tp.Partitions), tp.Error)
			}
			for _, p := range tp.Partitions {
				if len(p.Replicas) != 1 || len(p.Isr) != 1 || p.Leader.ID != p.Replicas[0].ID {
					t.Errorf("%s/%d: replicas %v, isr %v, leader %v; want one replica, in sync, leading", tp.Name, p.ID, p.Replicas, p.Isr, p.Leader)
				}
			}
		}
		req := &kafka.DescribeConfigsRequest{}
		for _, tp := range topics {
			req.Resources = append(req.Resources, kafka.DescribeConfigRequestResource{
				ResourceType: kafka.ResourceTypeTopic, ResourceName: tp, ConfigNames: []string{"cleanup.policy"}})
		}
		dc, err := cl.DescribeConfigs(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, r := range dc.Resources {
			if r.Error != nil {
				t.Errorf("describe %s: %v", r.ResourceName, r.Error)
			}
			for _, ce := range r.ConfigEntries {
				if ce.ConfigName == "cleanup.policy" {
					got[r.ResourceName] = ce.ConfigValue
				}
			}
		}
		for tp, want := range policies {
			if got[tp] != want {
				t.Errorf("%s cleanup.policy = %q, want %q", tp, got[tp], want)
			}
		}
	})
}

// TestProductionSettings: the settings services run with in production work on both
// brokers: consumers with the 6 s session timeout (the default) join and handle events
// in well under the time kafka-go's defaults take, leave promptly; NewWriter's
// synchronous writes (RequireAll) return in milliseconds, not after kafka-go's 1 s default
// batch timeout. And the session timeout servicetest uses (1 s) is one Kafka refuses.
func TestProductionSettings(t *testing.T) {
	t.Parallel()
	onEachBroker(t, func(t *testing.T, env *env) {
		ctx := context.Background()
		topic, group := env.topic("prod"), env.group("prod")
		env.ensure(t, topic)
		w := env.writer(t)

		var slowest time.Duration
		for i := range 5 {
			t0 := time.Now()
			if err := w.WriteMessages(ctx, mustMessage(t, topic, mustEvent(t, "org.l4l.src.thing.changed.v1", "w"+strconv.Itoa(i)))); err != nil {
				t.Fatal(err)
			}
			slowest = max(slowest, time.Since(t0))
		}
		if slowest >= 900*time.Millisecond {
			t.Errorf("a synchronous write took %v: the batch timeout is not in effect", slowest)
		}

		handled := make(chan time.Time, 10)
		c, err := events.NewConsumer(events.ConsumerConfig{Brokers: env.brokers, GroupID: group, Topics: []string{topic},
			DB: env.db, Registerer: env.reg}, func(context.Context, events.Envelope) error {
			handled <- time.Now()
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Now()
		done := make(chan error, 1)
		go func() { done <- c.Run(ctx) }()
		var first time.Time
		for range 5 {
			select {
			case at := <-handled:
				if first.IsZero() {
					first = at
				}
			case <-time.After(30 * time.Second):
				t.Fatal("the production-configured consumer handled nothing within 30 s")
			}
		}
		joined := first.Sub(t0)
		if joined > 8*time.Second { // kafka-go's defaults take ~9 s to form a group
			t.Errorf("first event handled %v after Run: the group forms too slowly", joined)
		}
		t1 := time.Now()
		if err := c.Close(); err != nil {
			t.Error(err)
		}
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		left := time.Since(t1)
		if left > 5*time.Second {
			t.Errorf("Close took %v", left)
		}
		t.Logf("%s: slowest of 5 writes %v; first event handled %v after Run; Close %v",
			env.kind, slowest.Round(time.Microsecond), joined.Round(time.Millisecond), left.Round(time.Millisecond))

		join := func(session time.Duration) error {
			res, err := env.admin(t).JoinGroup(ctx, &kafka.JoinGroupRequest{
				GroupID: env.group("session-" + session.String()), SessionTimeout: session, RebalanceTimeout: 2 * time.Second,
				ProtocolType: "consumer",
				Protocols: []kafka.GroupProtocol{{Name: "range",
					Metadata: kafka.GroupProtocolSubscription{Topics: []string{topic}}}},
			})
			if err != nil {
				return err
			}
			if errors.Is(res.Error, kafka.MemberIDRequired) { // Kafka's first answer to a new member: accepted
				return nil
			}
			return res.Error
		}
		if err := join(6 * time.Second); err != nil {
			t.Errorf("joining with a 6 s session: %v", err)
		}
		err = join(time.Second)
		switch {
		case env.isKafka() && !errors.Is(err, kafka.InvalidSessionTimeout):
			t.Errorf("Kafka answered a 1 s session with %v, want INVALID_SESSION_TIMEOUT (group.min.session.timeout.ms is 6 s)", err)
		case !env.isKafka() && err != nil:
			t.Errorf("kfake (devstack: 500 ms minimum) refused a 1 s session: %v", err)
		}
	})
}

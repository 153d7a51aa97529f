package events

import (
	"context"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/l4l-platform/l4l/libs/devstack"
	libevents "github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/services/coaching/internal/domain"
	"github.com/l4l-platform/l4l/services/coaching/internal/store"
)

const tenant = "rw-gasabo"

type uploadDoc struct {
	Pending bool                 `bson:"pending"`
	Outbox  []libevents.Envelope `bson:"outbox"`
}

func session(id string) domain.Session {
	return domain.Session{ID: id, RelationshipID: "r1", Link: "lll>ht", CoachID: "l1", CoachRole: "lll", CoacheeID: "h1",
		CoacheeRole: "ht", Date: "2026-11-01", Mode: domain.ModePhone, DurationMinutes: 10, Units: []string{"s1"}}
}

func TestCommitAndRecover(t *testing.T) {
	stack := devstack.ForTest(t)
	client, err := mongox.Connect(stack.MongoURI)
	if err != nil {
		t.Fatal(err)
	}
	s := NewStore(mongox.NewTenants(client, "coaching", store.Indexes), nil)
	ctx := context.Background()
	if err := s.Open(ctx, tenant); err != nil {
		t.Fatal(err)
	}
	db, _ := s.Tenants.DB(ctx, tenant)
	uploads := db.Collection(store.Uploads)
	carriers := db.Collection(store.UploadOutbox)
	item := func(id string) store.Item {
		v := session(id)
		ev, err := ForSession(tenant, v)
		if err != nil {
			t.Fatal(err)
		}
		return store.Item{Collection: store.Sessions, ID: id, Value: v, Events: []libevents.Envelope{ev}}
	}
	outboxes := func() (pending int, subjects []string) {
		var docs []uploadDoc
		for _, c := range []*mongo.Collection{uploads, carriers} {
			cur, err := c.Find(ctx, bson.D{})
			if err != nil {
				t.Fatal(err)
			}
			var some []uploadDoc
			if err := cur.All(ctx, &some); err != nil {
				t.Fatal(err)
			}
			docs = append(docs, some...)
		}
		for _, d := range docs {
			if d.Pending {
				pending++
			}
			for _, e := range d.Outbox {
				subjects = append(subjects, e.Subject)
			}
		}
		return pending, subjects
	}

	// An upload again of a stored id creates nothing and publishes nothing.
	out, err := s.Commit(ctx, tenant, []store.Item{item("s1"), item("s2")})
	if err != nil || out[0] != store.Inserted || out[1] != store.Inserted {
		t.Fatalf("commit: %v %v", out, err)
	}
	out, err = s.Commit(ctx, tenant, []store.Item{item("s2"), item("s3")})
	if err != nil || out[0] != store.Existed || out[1] != store.Inserted {
		t.Fatalf("commit again: %v %v", out, err)
	}
	if pending, subjects := outboxes(); pending != 0 || len(subjects) != 3 {
		t.Fatalf("pending %d, events for %v", pending, subjects)
	}

	// An upload interrupted after inserting s4 (s2 was another upload's, s5 never made it).
	old := time.Now().UTC().Add(-time.Hour)
	if _, err := uploads.InsertOne(ctx, bson.D{{Key: "_id", Value: "u-cut"}, {Key: "pending", Value: true}, {Key: "created_at", Value: old},
		{Key: "items", Value: bson.A{
			bson.D{{Key: "c", Value: store.Sessions}, {Key: "i", Value: "s2"}},
			bson.D{{Key: "c", Value: store.Sessions}, {Key: "i", Value: "s4"}},
			bson.D{{Key: "c", Value: store.Sessions}, {Key: "i", Value: "s5"}}}}}); err != nil {
		t.Fatal(err)
	}
	raw, _ := bson.Marshal(session("s4"))
	var doc bson.D
	_ = bson.Unmarshal(raw, &doc)
	doc = append(doc, bson.E{Key: store.UploadField, Value: "u-cut"}, bson.E{Key: mongox.VersionField, Value: 1}, bson.E{Key: mongox.DeletedField, Value: ""})
	if _, err := db.Collection(store.Sessions).InsertOne(ctx, doc); err != nil {
		t.Fatal(err)
	}
	// A young pending upload is one in progress: left alone.
	if _, err := uploads.InsertOne(ctx, bson.D{{Key: "_id", Value: "u-young"}, {Key: "pending", Value: true}, {Key: "created_at", Value: time.Now().UTC()}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Recover(ctx, tenant, time.Minute); err != nil {
		t.Fatal(err)
	}
	pending, subjects := outboxes()
	if pending != 1 || len(subjects) != 4 || !slices.Contains(subjects, "s4") || slices.Contains(subjects, "s5") {
		t.Fatalf("after recovery: pending %d, events for %v", pending, subjects)
	}
	// Recovering again changes nothing.
	if err := s.Recover(ctx, tenant, time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, again := outboxes(); len(again) != 4 {
		t.Fatalf("recovered twice: %v", again)
	}
}

// crashing stands for a process that dies during an upload's step 3: before publishing
// (nothing goes out), or after publishing and before deleting the upload's record. The
// "death" cancels the upload's context, so the store can write nothing more.
type crashing struct {
	*libevents.Relay
	publishFirst bool
	die          context.CancelFunc
}

func (c crashing) PublishNow(ctx context.Context, evs []libevents.Envelope) error {
	if c.publishFirst {
		if err := c.Relay.PublishNow(ctx, evs); err != nil {
			return err
		}
	}
	c.die()
	return ctx.Err()
}

// Events of uploads are published directly, and an upload cut short by a crash at any
// point of its last step is finished by Recover: every stored record's event reaches the
// topic, none is lost, and one published twice (before the crash and by Recover) carries
// the same event id both times, so consumers drop the second.
func TestUploadEventsSurviveACrash(t *testing.T) {
	stack := devstack.ForTest(t)
	ctx := context.Background()
	topic := libevents.Topic("coaching")
	if err := libevents.EnsureTopics(ctx, stack.KafkaBrokers, topic); err != nil {
		t.Fatal(err)
	}
	w := libevents.NewWriter(stack.KafkaBrokers)
	defer w.Close()
	relay := libevents.NewRelayWithOptions(w, libevents.RelayOptions{Topic: topic, SweepInterval: 200 * time.Millisecond})
	client, err := mongox.Connect(stack.MongoURI)
	if err != nil {
		t.Fatal(err)
	}
	tenants := mongox.NewTenants(client, "coaching", store.Indexes)
	item := func(id string) store.Item {
		v := session(id)
		ev, err := ForSession(tenant, v)
		if err != nil {
			t.Fatal(err)
		}
		return store.Item{Collection: store.Sessions, ID: id, Value: v, Events: []libevents.Envelope{ev}}
	}

	live := NewStore(tenants, relay)
	if err := live.Open(ctx, tenant); err != nil {
		t.Fatal(err)
	}
	if _, err := live.Commit(ctx, tenant, []store.Item{item("a1"), item("a2")}); err != nil {
		t.Fatal(err)
	}
	db, _ := tenants.DB(ctx, tenant)
	if n, _ := db.Collection(store.Uploads).CountDocuments(ctx, bson.D{}); n != 0 {
		t.Fatalf("%d upload records left after a published upload", n)
	}

	sent := map[string]string{} // event id → subject, as the crashed uploads made them
	for _, publishFirst := range []bool{false, true} {
		upCtx, die := context.WithCancel(ctx)
		s := NewStore(tenants, crashing{Relay: relay, publishFirst: publishFirst, die: die})
		prefix := map[bool]string{false: "b", true: "c"}[publishFirst]
		items := []store.Item{item(prefix + "1"), item(prefix + "2")}
		if _, err := s.Commit(upCtx, tenant, items); err == nil {
			t.Fatalf("the upload of %s1 and %s2 survived its crash", prefix, prefix)
		}
		for _, it := range items {
			sent[it.Events[0].ID] = it.ID // the id Commit gave the event
		}
	}
	if n, _ := db.Collection(store.Uploads).CountDocuments(ctx, bson.D{{Key: "pending", Value: true}}); n != 2 {
		t.Fatalf("%d pending upload records after two crashes, want 2", n)
	}

	// The restarted process.
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	go func() { _ = relay.Run(runCtx) }()
	if err := NewStore(tenants, relay).Recover(ctx, tenant, 0); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.Collection(store.Uploads).CountDocuments(ctx, bson.D{}); n != 0 {
		t.Fatalf("%d upload records left after recovery", n)
	}

	want := map[string]bool{"a1": true, "a2": true, "b1": true, "b2": true, "c1": true, "c2": true}
	var got map[string]string
	deadline := time.Now().Add(20 * time.Second)
	for {
		got = readTopic(t, stack.KafkaBrokers, topic)
		if len(got) >= len(want) || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	subjects := map[string]int{}
	for id, subject := range got {
		subjects[subject]++
		if want, ok := sent[id]; ok && want != subject {
			t.Errorf("event %s is about %s, was made for %s", id, subject, want)
		}
	}
	for s := range want {
		if subjects[s] != 1 {
			t.Errorf("%s: %d distinct events on the topic, want exactly 1 (events %v)", s, subjects[s], got)
		}
	}
	for id := range sent {
		if _, ok := got[id]; !ok {
			t.Errorf("event %s (%s) was rebuilt under another id", id, sent[id])
		}
	}
}

// readTopic returns every event on topic by id (a republished event appears once).
func readTopic(t *testing.T, brokers []string, topic string) map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cl := &kafka.Client{Addr: kafka.TCP(brokers...)}
	out := map[string]string{}
	for p := range libevents.DefaultPartitions {
		res, err := cl.Fetch(ctx, &kafka.FetchRequest{Topic: topic, Partition: p, Offset: 0, MinBytes: 1, MaxBytes: 1 << 20, MaxWait: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if res.Error != nil {
			t.Fatal(res.Error)
		}
		for {
			r, err := res.Records.ReadRecord()
			if err != nil {
				break
			}
			m := kafka.Message{Topic: topic, Partition: p}
			if m.Value, err = io.ReadAll(r.Value); err != nil {
				t.Fatal(err)
			}
			e, err := libevents.FromMessage(m)
			if err != nil {
				t.Fatal(err)
			}
			out[e.ID] = e.Subject
		}
	}
	return out
}

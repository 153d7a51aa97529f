package events

import (
	"context"
	"slices"
	"testing"
	"time"

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

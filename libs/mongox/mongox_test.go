package mongox_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/l4l-platform/l4l/libs/devstack"
	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/problem"
)

type thing struct {
	ID   string `bson:"_id"`
	Code string `bson:"code"`
	N    int    `bson:"n"`
}

type ev struct {
	ID   string `bson:"id"`
	Type string `bson:"type"`
}

type recorder struct{ ids []any }

func (r *recorder) Notify(_ *mongo.Collection, ids ...any) { r.ids = append(r.ids, ids...) }

func setup(t *testing.T) (*mongo.Collection, *mongox.Tenants) {
	t.Helper()
	s := devstack.ForTest(t)
	cl, err := mongox.Connect(s.MongoURI)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cl.Disconnect(context.Background()) })
	ts := mongox.NewTenants(cl, "test", mongox.Indexes{"things": {{
		Keys: bson.D{{Key: "code", Value: 1}, {Key: mongox.DeletedField, Value: 1}}, Options: options.Index().SetUnique(true),
	}}})
	db, err := ts.DB(context.Background(), "rw-gasabo")
	if err != nil {
		t.Fatal(err)
	}
	if db.Name() != "l4l_test_rw_gasabo" {
		t.Fatalf("db name %q", db.Name())
	}
	return db.Collection("things"), ts
}

func TestAggregateLifecycle(t *testing.T) {
	ctx := context.Background()
	c, ts := setup(t)
	rec := &recorder{}
	agg := mongox.Aggregates[thing]{Name: "thing", Collection: "things", Tenants: ts, Notifier: rec}

	if err := agg.Insert(ctx, "rw-gasabo", "a", thing{ID: "a", Code: "X"}, ev{"e1", "created"}); err != nil {
		t.Fatal(err)
	}
	if err := agg.Insert(ctx, "rw-gasabo", "b", thing{ID: "b", Code: "X"}); !problem.Is(err, problem.Conflict) {
		t.Fatalf("duplicate code: %v, want Conflict", err)
	}
	got, ver, err := agg.Get(ctx, "rw-gasabo", "a")
	if err != nil || got.Code != "X" || ver != 1 {
		t.Fatalf("Get = %+v v%d %v", got, ver, err)
	}

	_, ver, err = agg.Update(ctx, "rw-gasabo", "a", 1, func(x *thing) ([]mongox.Event, error) {
		x.N = 7
		return []mongox.Event{ev{"e2", "updated"}}, nil
	})
	if err != nil || ver != 2 {
		t.Fatalf("Update = v%d %v", ver, err)
	}
	if _, _, err := agg.Update(ctx, "rw-gasabo", "a", 1, func(x *thing) ([]mongox.Event, error) { return nil, nil }); !problem.Is(err, problem.PreconditionFailed) {
		t.Fatalf("stale If-Match: %v, want PreconditionFailed", err)
	}

	var raw struct {
		Outbox []ev `bson:"outbox"`
		V      int64
	}
	if err := c.FindOne(ctx, bson.D{{Key: "_id", Value: "a"}}).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	if len(raw.Outbox) != 2 || raw.Outbox[0].ID != "e1" || raw.Outbox[1].ID != "e2" {
		t.Fatalf("outbox %+v, want e1, e2 in order", raw.Outbox)
	}
	if fmt.Sprint(rec.ids) != "[a a]" {
		t.Fatalf("notified %v", rec.ids)
	}

	if err := agg.Delete(ctx, "rw-gasabo", "a", 2, func(thing) ([]mongox.Event, error) { return []mongox.Event{ev{"e3", "deleted"}}, nil }); err != nil {
		t.Fatal(err)
	}
	if _, _, err := agg.Get(ctx, "rw-gasabo", "a"); !problem.Is(err, problem.NotFound) {
		t.Fatalf("deleted: %v, want NotFound", err)
	}
	// The tombstone keeps the deletion's event for the relay and frees the code.
	if err := agg.Insert(ctx, "rw-gasabo", "c", thing{ID: "c", Code: "X"}); err != nil {
		t.Fatalf("code reuse after delete: %v", err)
	}
}

func TestPage(t *testing.T) {
	ctx := context.Background()
	_, ts := setup(t)
	agg := mongox.Aggregates[thing]{Name: "thing", Collection: "things", Tenants: ts}
	for i := range 7 {
		id := fmt.Sprintf("id%02d", i)
		if err := agg.Insert(ctx, "rw-gasabo", id, thing{ID: id, Code: id, N: i % 2}); err != nil {
			t.Fatal(err)
		}
	}
	var seen []string
	cur := ""
	for range 10 {
		items, next, err := agg.List(ctx, "rw-gasabo", bson.D{{Key: "n", Value: 0}}, cur, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			seen = append(seen, it.ID)
		}
		if next == "" {
			break
		}
		cur = next
	}
	if fmt.Sprint(seen) != "[id00 id02 id04 id06]" {
		t.Fatalf("pages gave %v", seen)
	}
	_, _, err := agg.List(ctx, "rw-gasabo", nil, "not-a-cursor!", 2)
	if p := problem.From(err, ""); p.Status != 400 || p.Errors[0].Field != "cursor" {
		t.Fatalf("bad cursor: %+v", p)
	}
}

func TestDatabaseDownIsUnavailable(t *testing.T) {
	cl, err := mongox.Connect("mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=200")
	if err != nil {
		t.Fatal(err)
	}
	agg := mongox.Aggregates[thing]{Name: "thing", Collection: "things", Tenants: mongox.NewTenants(cl, "test", nil)}
	_, _, err = agg.Get(context.Background(), "rw-gasabo", "a")
	if !problem.Is(err, problem.Unavailable) {
		t.Fatalf("got %v, want Unavailable", err)
	}
}

// A restarted service opens its tenants again: the indexes that exist are left alone.
func TestIndexesOnRestart(t *testing.T) {
	c, ts := setup(t)
	idx := mongox.Indexes{"things": {
		{Keys: bson.D{{Key: "code", Value: 1}, {Key: mongox.DeletedField, Value: 1}}, Options: options.Index().SetUnique(true)},
		{Keys: bson.D{{Key: "n", Value: 1}}},
		{Keys: bson.D{{Key: "x", Value: -1}}, Options: options.Index().SetName("by_x")},
	}}
	for range 2 {
		again := mongox.NewTenants(ts.Client(), "test", idx)
		if _, err := again.DB(context.Background(), "rw-gasabo"); err != nil {
			t.Fatalf("reopen: %v", err)
		}
	}
	specs, err := c.Indexes().ListSpecifications(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range specs {
		names = append(names, s.Name)
	}
	slices.Sort(names)
	if fmt.Sprint(names) != "[_id_ by_x code_1_deleted_1 n_1]" {
		t.Fatalf("indexes %v", names)
	}
}

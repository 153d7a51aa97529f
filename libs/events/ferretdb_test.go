package events_test

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/l4l-platform/l4l/libs/events"
)

// TestDatabaseOperationsTheOutboxRelies pins, on the embedded FerretDB 1.24, each database
// operation the outbox convention and the relay use, so a FerretDB or driver upgrade that
// breaks one fails here with a clear name rather than as a lost event somewhere else.
func TestDatabaseOperationsTheOutboxRelies(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	c := env.db.Collection("ops")
	ctx := context.Background()
	ev := func(subject string) events.Envelope {
		e, err := events.New("/l4l/test", "org.l4l.test.thing.changed.v1", "t1", subject, map[string]int{"n": 1})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}

	// The store's write: $set + $inc + $push/$each, upserting, in one update.
	a1, a2 := ev("a"), ev("a")
	if _, err := c.UpdateOne(ctx, bson.D{{Key: "_id", Value: "a"}}, bson.D{
		{Key: "$set", Value: bson.D{{Key: "name", Value: "x"}}},
		{Key: "$inc", Value: bson.D{{Key: "v", Value: int64(1)}}},
		{Key: "$push", Value: bson.D{{Key: events.OutboxField, Value: bson.D{{Key: "$each", Value: []events.Envelope{a1, a2}}}}}},
	}, options.UpdateOne().SetUpsert(true)); err != nil {
		t.Fatalf("$set+$inc+$push $each upsert: %v", err)
	}
	if _, err := c.InsertMany(ctx, []any{
		bson.D{{Key: "_id", Value: "empty"}, {Key: events.OutboxField, Value: bson.A{}}},
		bson.D{{Key: "_id", Value: "none"}},
	}); err != nil {
		t.Fatal(err)
	}

	// The sweep's filter: only documents with a non-empty outbox.
	filter := bson.D{{Key: events.OutboxField, Value: bson.D{{Key: "$exists", Value: true}, {Key: "$ne", Value: bson.A{}}}}}
	var ids []struct {
		ID string `bson:"_id"`
	}
	cur, err := c.Find(ctx, filter, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		t.Fatal(err)
	}
	if err := cur.All(ctx, &ids); err != nil {
		t.Fatal(err)
	}
	if len(ids) != 1 || ids[0].ID != "a" {
		t.Fatalf("non-empty outbox filter matched %v, want [a]", ids)
	}

	// The relay's read: outboxes as raw entries, by _id $in.
	var doc struct {
		Outbox []bson.Raw `bson:"outbox"`
	}
	if err := c.FindOne(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: bson.A{"a", "zz"}}}}}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	// A concurrent writer pushes a3 after the relay read [a1 a2] …
	a3 := ev("a")
	if _, err := c.UpdateOne(ctx, bson.D{{Key: "_id", Value: "a"}}, bson.D{
		{Key: "$inc", Value: bson.D{{Key: "v", Value: int64(1)}}},
		{Key: "$push", Value: bson.D{{Key: events.OutboxField, Value: bson.D{{Key: "$each", Value: []events.Envelope{a3}}}}}},
	}); err != nil {
		t.Fatal(err)
	}
	// … and the relay's clear removes exactly what it read: $pullAll of the raw values.
	res, err := c.UpdateOne(ctx, bson.D{{Key: "_id", Value: "a"}},
		bson.D{{Key: "$pullAll", Value: bson.D{{Key: events.OutboxField, Value: bson.A{doc.Outbox[0], doc.Outbox[1]}}}}})
	if err != nil || res.ModifiedCount != 1 {
		t.Fatalf("$pullAll of raw entries: %+v, %v", res, err)
	}
	var after struct {
		Outbox []events.Envelope `bson:"outbox"`
	}
	if err := c.FindOne(ctx, bson.D{{Key: "_id", Value: "a"}}).Decode(&after); err != nil {
		t.Fatal(err)
	}
	if len(after.Outbox) != 1 || after.Outbox[0].ID != a3.ID {
		t.Fatalf("after $pullAll the outbox is %v, want only a3", after.Outbox)
	}

	// Not relied on, recorded for whoever is tempted: FerretDB 1.24 accepts a $pull with
	// a condition on the elements' fields but removes nothing (MongoDB would remove a3).
	res, err = c.UpdateOne(ctx, bson.D{{Key: "_id", Value: "a"}},
		bson.D{{Key: "$pull", Value: bson.D{{Key: events.OutboxField, Value: bson.D{{Key: "id", Value: bson.D{{Key: "$in", Value: bson.A{a3.ID}}}}}}}}})
	t.Logf("$pull {outbox: {id: {$in: [...]}}}: modified %d, err %v (0 on FerretDB 1.24, 1 on MongoDB)", res.ModifiedCount, err)
}

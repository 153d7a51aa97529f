// Package events is how l4l services publish and consume facts: CloudEvents 1.0 on
// Kafka, with no event lost and none applied twice, and no multi-document transactions.
//
// Publishing. A store writes the state change and the events it causes in ONE
// single-document update: the aggregate document has an int64 version `v` and an array
// OutboxField of Envelope, and the update `$set`s the state, `$inc`s v and `$push`es the
// new envelopes (built with New) onto the outbox. Then it calls Relay.Notify with the
// document's _id. The Relay publishes the outbox entries to the service's topic and removes
// exactly the entries it published (`$pullAll` of the values it read), so entries pushed
// meanwhile stay for the next pass. A sweep at start and every few seconds catches entries
// nobody notified about (crash, outage, another replica). Delivery is at least once.
//
//	e, _ := events.New("/l4l/directory", "org.l4l.directory.school.created.v1", tenant, id, fact)
//	coll.UpdateOne(ctx, bson.D{{"_id", id}, {"v", v}}, bson.D{
//		{"$set", state}, {"$inc", bson.D{{"v", 1}}},
//		{"$push", bson.D{{events.OutboxField, bson.D{{"$each", []events.Envelope{e}}}}}},
//	})
//	relay.Notify(coll, id)
//
// Stores should `$push` rather than `$set` the outbox: a `$set` of a stale copy can bring
// back entries already published (duplicates, harmless but wasteful). The relay does not
// rely on `v`; the store's optimistic concurrency does.
//
// Consuming. A Consumer reads a group's topics: FetchMessage → skip if the inbox has the
// event id → Handler with retries and backoff → record the id in the inbox →
// CommitMessages. An undecodable event, or one whose handler fails MaxAttempts times (or
// returns Permanent), goes to DLQTopic(group) with the original bytes and the error in
// headers, and the partition moves on. Handlers must still be idempotent on their own
// (see Handler): the inbox record is written after the handler, not atomically with it.
//
// Conventions (DESIGN §3): Topic(service) is l4l.<service>.events with DefaultPartitions
// partitions; the key is Key(tenant, subject), so an aggregate's events stay ordered;
// TenancyTopic is compacted and keyed by tenant. Types are
// org.l4l.<service>.<noun>.<verb>.v<N>.
//
// Everything here works on MongoDB and on FerretDB 1.24 (dev mode), and on Kafka and the
// embedded kfake broker; ferretdb_test.go pins the database behaviour it relies on.
package events

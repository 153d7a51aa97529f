package privacy

import (
	"context"
	"fmt"
	"time"

	"github.com/gin-gonic/gin"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/web"
)

// Erased replaces a name or a free text a person's erasure removes. Ids, dates, levels,
// scores and attendance stay, so that the programme's KPIs stay true.
const Erased = "[erased]"

// Hooks are what a service that holds personal data tells libs about a person. Both are
// given a person id of the directory.
type Hooks struct {
	// Export returns everything the service holds about the person, by kind of record
	// ("applications" → the applications), each value JSON-encodable. Kinds with no
	// record may be left out.
	Export func(ctx context.Context, tenant, person string) (map[string]any, error)
	// Erase pseudonymises what the service holds about the person and returns how many
	// records it changed. It must be idempotent: an erasure request can be delivered
	// again, and a second run finds nothing left to change (and returns 0).
	Erase func(ctx context.Context, tenant, person string) (int, error)
}

// Event types of an erasure. The directory publishes the request; each service that
// holds personal data confirms with its own completed event.
const (
	ErasureRequestedType = "org.l4l.directory.erasure.requested.v1"
	erasureCompletedType = "org.l4l.%s.erasure.completed.v1"
)

// ErasureCompletedType is the confirmation a service publishes.
func ErasureCompletedType(service string) string { return fmt.Sprintf(erasureCompletedType, service) }

// ErasureRequested is the data of the request event: ids only.
type ErasureRequested struct {
	RequestID string `json:"request_id"`
	PersonID  string `json:"person_id"`
}

// ErasureCompleted is the data of a service's confirmation: ids and a count.
type ErasureCompleted struct {
	RequestID string `json:"request_id"`
	PersonID  string `json:"person_id"`
	Service   string `json:"service"`
	// Records is how many of the service's records the erasure changed (0 when the
	// service held nothing about the person, or a redelivery found it done).
	Records int `json:"records"`
}

// ErasuresCollection holds a service's confirmations, one document per request (its id),
// carrying the completed event in its outbox: the confirmation and its event are one
// single-document write, and a redelivered request finds the document and publishes
// nothing twice.
const ErasuresCollection = "privacy_erasures"

// Confirmation is the stored confirmation of one request.
type Confirmation struct {
	RequestID   string    `bson:"_id"`
	PersonID    string    `bson:"person_id"`
	Records     int       `bson:"records"`
	CompletedAt time.Time `bson:"completed_at"`
}

// PeopleRoute is where each service answers a subject-access request for a person.
func PeopleRoute(service string) string { return "/privacy/" + service + "/people/:person" }

// Export is a service's answer to a subject-access request.
type Export struct {
	Service    string         `json:"service"`
	Tenant     string         `json:"tenant"`
	Person     string         `json:"person"`
	ExportedAt time.Time      `json:"exported_at"`
	Records    map[string]any `json:"records"`
}

// ExportHandler answers GET …/privacy/<service>/people/{person}: everything the service
// holds about the person. A person the service knows nothing of gets an empty export,
// not a 404: "nothing held" is an answer the data-protection officer needs.
func ExportHandler(service string, h Hooks) gin.HandlerFunc {
	return web.Handle(func(c *gin.Context) error {
		person := c.Param("person")
		if person == "" || len(person) > 100 {
			return problem.Fields("invalid person", problem.Field("person", "a person id of the directory"))
		}
		recs, err := h.Export(c.Request.Context(), c.Param("tenant"), person)
		if err != nil {
			return err
		}
		if recs == nil {
			recs = map[string]any{}
		}
		return web.JSON(c, 200, Export{Service: service, Tenant: c.Param("tenant"), Person: person, ExportedAt: time.Now().UTC(), Records: recs})
	})
}

// ErasureHandler is the consumer of the directory's erasure requests: it runs the
// service's Erase and confirms. Redelivery is harmless: Erase is idempotent, and the
// confirmation is inserted once (a duplicate key means it was already confirmed).
func ErasureHandler(service string, tenants *mongox.Tenants, notify mongox.Notifier, h Hooks) events.Handler {
	return func(ctx context.Context, e events.Envelope) error {
		if e.Type != ErasureRequestedType {
			return nil
		}
		var req ErasureRequested
		if err := e.DecodeData(&req); err != nil || req.RequestID == "" || req.PersonID == "" {
			return events.Permanent(fmt.Errorf("erasure request without request_id or person_id: %v", err))
		}
		db, err := tenants.DB(ctx, e.Tenant)
		if err != nil {
			return err
		}
		coll := db.Collection(ErasuresCollection)
		if n, err := coll.CountDocuments(ctx, bson.D{{Key: "_id", Value: req.RequestID}}); err != nil {
			return err
		} else if n > 0 {
			return nil // confirmed already
		}
		records, err := h.Erase(ctx, e.Tenant, req.PersonID)
		if err != nil {
			return err
		}
		ev, err := events.New("/l4l/"+service, ErasureCompletedType(service), e.Tenant, req.RequestID,
			ErasureCompleted{RequestID: req.RequestID, PersonID: req.PersonID, Service: service, Records: records})
		if err != nil {
			return events.Permanent(err)
		}
		doc := bson.D{
			{Key: "_id", Value: req.RequestID}, {Key: "person_id", Value: req.PersonID},
			{Key: "records", Value: records}, {Key: "completed_at", Value: time.Now().UTC()},
			{Key: mongox.OutboxField, Value: []events.Envelope{ev}},
		}
		if _, err := coll.InsertOne(ctx, doc); err != nil {
			if mongo.IsDuplicateKeyError(err) {
				return nil // a concurrent delivery confirmed it
			}
			return err
		}
		if notify != nil {
			notify.Notify(coll, req.RequestID)
		}
		return nil
	}
}

// Query is one kind of record an export gathers: the documents of Collection matching
// Filter.
type Query struct {
	Kind       string
	Collection string
	Filter     bson.D
}

// Gather runs an export's queries in the tenant's database and returns the documents as
// stored, by kind, without their outbox (events waiting to be published repeat what the
// documents say) — a subject-access answer shows what is held, deleted records included.
func Gather(ctx context.Context, tenants *mongox.Tenants, tenant string, queries ...Query) (map[string]any, error) {
	db, err := tenants.DB(ctx, tenant)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	for _, q := range queries {
		cur, err := db.Collection(q.Collection).Find(ctx, q.Filter)
		if err != nil {
			return nil, mongox.Err(err, q.Kind)
		}
		docs := []bson.M{}
		if err := cur.All(ctx, &docs); err != nil {
			return nil, mongox.Err(err, q.Kind)
		}
		for _, d := range docs {
			delete(d, mongox.OutboxField)
		}
		if prev, ok := out[q.Kind].([]bson.M); ok {
			docs = append(prev, docs...)
		}
		out[q.Kind] = docs
	}
	return out, nil
}

// Either matches documents where any of the fields equals person.
func Either(person string, fields ...string) bson.D {
	or := bson.A{}
	for _, f := range fields {
		or = append(or, bson.D{{Key: f, Value: person}})
	}
	return bson.D{{Key: "$or", Value: or}}
}

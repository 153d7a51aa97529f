package mongox

import (
	"context"
	"encoding/base64"
	"encoding/json"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/l4l-platform/l4l/libs/problem"
)

// cursor is what an opaque next_cursor carries: the last id of the page. Ids are UUIDv7,
// so _id order is creation order and stable under inserts.
type cursor struct {
	After string `json:"a"`
}

// EncodeCursor makes the opaque cursor that resumes after id.
func EncodeCursor(id string) string {
	b, _ := json.Marshal(cursor{After: id})
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor reads a cursor from a client; a bad one is a 400 naming the parameter.
func DecodeCursor(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	var c cursor
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.After == "" {
		return "", problem.Fields("invalid query parameter", problem.Field("cursor", "not a cursor this API returned; start again without it"))
	}
	return c.After, nil
}

// Page reads up to limit live documents matching filter after the cursor, in _id order,
// and returns the cursor of the next page ("" on the last page).
func Page[T any](ctx context.Context, c *mongo.Collection, filter bson.D, cur string, limit int) ([]T, string, error) {
	after, err := DecodeCursor(cur)
	if err != nil {
		return nil, "", err
	}
	f := append(bson.D{{Key: DeletedField, Value: ""}}, filter...)
	if after != "" {
		f = append(f, bson.E{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}})
	}
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit + 1)).
		SetProjection(bson.D{{Key: OutboxField, Value: 0}})
	res, err := c.Find(ctx, f, opts)
	if err != nil {
		return nil, "", Err(err, "list")
	}
	defer res.Close(ctx)
	items := make([]T, 0, limit+1)
	last := ""
	for res.Next(ctx) && len(items) < limit+1 {
		var v T
		if err := res.Decode(&v); err != nil {
			return nil, "", err
		}
		if len(items) < limit {
			last, _ = res.Current.Lookup("_id").StringValueOK()
		}
		items = append(items, v)
	}
	if err := res.Err(); err != nil {
		return nil, "", Err(err, "list")
	}
	next := ""
	if len(items) > limit {
		items = items[:limit]
		next = EncodeCursor(last)
	}
	return items, next, nil
}

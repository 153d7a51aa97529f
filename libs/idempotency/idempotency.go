// Package idempotency makes POSTs safe to retry: a tablet on a bad network that sends the
// same request twice with the same Idempotency-Key creates nothing twice and gets the first
// response again. The same key with a different body is a client bug and gets 422.
//
// Records live in the tenant's database (collection idempotency_keys), keyed by caller,
// route and key. MongoDB TTL indexes are not available on FerretDB, so records older than
// Retention count as absent instead of being deleted by the database.
package idempotency

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/l4l-platform/l4l/libs/auth"
	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/web"
)

// Header is the request header carrying the key.
const Header = "Idempotency-Key"

// Collection is where records are kept, in each tenant database.
const Collection = "idempotency_keys"

// Retention is how long a key is remembered (Stripe's choice; long enough for any retry).
const Retention = 24 * time.Hour

// replayed response headers: the ones a client acts on.
var replayHeaders = []string{"Content-Type", "Location", "ETag"}

type record struct {
	ID          string            `bson:"_id"`
	RequestHash string            `bson:"request_hash"`
	Done        bool              `bson:"done"`
	Status      int               `bson:"status"`
	Headers     map[string]string `bson:"headers"`
	Body        []byte            `bson:"body"`
	CreatedAt   time.Time         `bson:"created_at"`
}

// CollectionFunc finds the records' collection of the request's tenant.
type CollectionFunc func(c *gin.Context) (*mongo.Collection, error)

// Middleware applies to POST routes. Without the header the request runs as is.
func Middleware(coll CollectionFunc) gin.HandlerFunc {
	return web.Handle(func(c *gin.Context) error {
		key := c.GetHeader(Header)
		if key == "" {
			c.Next()
			return nil
		}
		if len(key) > 255 {
			return problem.Fields("invalid header", problem.Field(Header, "at most 255 characters"))
		}
		body, err := io.ReadAll(c.Request.Body)
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return problem.New(problem.TooLarge, "request body exceeds %d bytes", tooBig.Limit)
			}
			return problem.Wrap(problem.Malformed, err, "request body could not be read")
		}
		c.Request.Body = io.NopCloser(bytes.NewReader(body))
		col, err := coll(c)
		if err != nil {
			return err
		}
		id := recordID(auth.From(c).Subject, c.Request.Method, c.FullPath(), c.Request.URL.Path, key)
		h := sha256.Sum256(body)
		hash := hex.EncodeToString(h[:])
		ctx := c.Request.Context()

		var prev record
		err = col.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&prev)
		switch {
		case err == nil && time.Since(prev.CreatedAt) > Retention:
			if _, err := col.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "created_at", Value: prev.CreatedAt}}); err != nil {
				return mongox.Err(err, "idempotency key")
			}
		case err == nil:
			return replay(c, prev, hash)
		case err != mongo.ErrNoDocuments:
			return mongox.Err(err, "idempotency key")
		}

		// Claim the key; the unique _id makes a concurrent twin lose here.
		if _, err := col.InsertOne(ctx, record{ID: id, RequestHash: hash, CreatedAt: time.Now().UTC()}); err != nil {
			if mongo.IsDuplicateKeyError(err) {
				return problem.New(problem.Conflict, "a request with this Idempotency-Key is still being processed; retry in a moment")
			}
			return mongox.Err(err, "idempotency key")
		}
		rec := &recorder{ResponseWriter: c.Writer}
		c.Writer = rec
		c.Next()

		status := c.Writer.Status()
		if status >= 500 {
			// A failure on our side: forget the key so that the retry runs again.
			_, _ = col.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
			return nil
		}
		hdr := map[string]string{}
		for _, k := range replayHeaders {
			if v := c.Writer.Header().Get(k); v != "" {
				hdr[k] = v
			}
		}
		_, err = col.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{
			{Key: "done", Value: true}, {Key: "status", Value: status}, {Key: "headers", Value: hdr}, {Key: "body", Value: rec.body.Bytes()},
		}}}, options.UpdateOne())
		if err != nil {
			// The response is already sent; a retry will see "in progress" until Retention.
			return nil
		}
		return nil
	})
}

func replay(c *gin.Context, prev record, hash string) error {
	if prev.RequestHash != hash {
		return problem.New(problem.Unprocessable, "this Idempotency-Key was used with a different request body; use a new key for a new request")
	}
	if !prev.Done {
		return problem.New(problem.Conflict, "a request with this Idempotency-Key is still being processed; retry in a moment")
	}
	for k, v := range prev.Headers {
		c.Header(k, v)
	}
	c.Header("Idempotent-Replayed", "true")
	c.Data(prev.Status, prev.Headers["Content-Type"], prev.Body)
	c.Abort()
	return nil
}

func recordID(subject, method, route, path, key string) string {
	h := sha256.New()
	for _, s := range []string{subject, method, route, path, key} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

type recorder struct {
	gin.ResponseWriter
	body bytes.Buffer
}

func (r *recorder) Write(b []byte) (int, error) {
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

func (r *recorder) WriteString(s string) (int, error) {
	r.body.WriteString(s)
	return r.ResponseWriter.WriteString(s)
}

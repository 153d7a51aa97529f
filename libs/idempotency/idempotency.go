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
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

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

// StaleAfter is how long a claim without a response counts as a request still running.
// Past it (twice the services' 30 s handler timeout), the request failed without
// forgetting its key — the database went away under it — and the key may be claimed again.
const StaleAfter = time.Minute

// replayed response headers: the ones a client acts on.
var replayHeaders = []string{"Content-Type", "Location", "ETag"}

// claim is the record a request with a key inserts before it runs. Its unique _id makes a
// concurrent twin lose. (Records written before responses were kept apart carry the
// response themselves, Done set; they are still replayed.)
type claim struct {
	ID          string            `bson:"_id"`
	RequestHash string            `bson:"request_hash"`
	CreatedAt   time.Time         `bson:"created_at"`
	Done        bool              `bson:"done,omitempty"`
	Status      int               `bson:"status,omitempty"`
	Headers     map[string]string `bson:"headers,omitempty"`
	Body        []byte            `bson:"body,omitempty"`
}

// response is the answer to a claimed request, inserted once it is sent, under the claim's
// id + responseSuffix. Two inserts and no update: on FerretDB every update scans the
// collection, and these records hold whole answers (a sync upload's is ~20 KB).
type response struct {
	ID        string            `bson:"_id"`
	Status    int               `bson:"status"`
	Headers   map[string]string `bson:"headers"`
	Body      []byte            `bson:"body"`
	CreatedAt time.Time         `bson:"created_at"`
}

const responseSuffix = ".response"

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

		// Claim the key. If it was used before: replay, refuse, or — expired, or claimed by
		// a request that never answered — forget it and claim it once more.
		for attempt := 0; ; attempt++ {
			_, err := col.InsertOne(ctx, claim{ID: id, RequestHash: hash, CreatedAt: time.Now().UTC()})
			if err == nil {
				break
			}
			if !mongo.IsDuplicateKeyError(err) {
				return mongox.Err(err, "idempotency key")
			}
			var prev claim
			switch err := col.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&prev); {
			case errors.Is(err, mongo.ErrNoDocuments) && attempt == 0:
				continue // forgotten meanwhile by a failing twin
			case errors.Is(err, mongo.ErrNoDocuments):
				return inProgress(c)
			case err != nil:
				return mongox.Err(err, "idempotency key")
			}
			age := time.Since(prev.CreatedAt)
			if age > Retention && attempt == 0 {
				if _, err := col.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: bson.A{id, id + responseSuffix}}}}}); err != nil {
					return mongox.Err(err, "idempotency key")
				}
				continue
			}
			if prev.RequestHash != hash {
				return problem.New(problem.Unprocessable, "this Idempotency-Key was used with a different request body; use a new key for a new request")
			}
			res, found, err := answer(ctx, col, prev)
			switch {
			case err != nil:
				return err
			case found:
				replay(c, res)
				return nil
			case age > StaleAfter && attempt == 0:
				// Its request failed without forgetting the key (the database was down).
				if _, err := col.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "created_at", Value: prev.CreatedAt}}); err != nil {
					return mongox.Err(err, "idempotency key")
				}
				continue
			default:
				return inProgress(c)
			}
		}

		rec := &recorder{ResponseWriter: c.Writer}
		c.Writer = rec
		c.Next()

		status := c.Writer.Status()
		if status >= 500 {
			// A failure on our side: forget the key so that the retry runs again (even if
			// the request's context is what ended).
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			_, _ = col.DeleteOne(fctx, bson.D{{Key: "_id", Value: id}})
			cancel()
			return nil
		}
		hdr := map[string]string{}
		for _, k := range replayHeaders {
			if v := c.Writer.Header().Get(k); v != "" {
				hdr[k] = v
			}
		}
		// If this fails the response is sent anyway; a retry sees "in progress" until
		// Retention.
		_, _ = col.InsertOne(ctx, response{ID: id + responseSuffix, Status: status, Headers: hdr, Body: rec.body.Bytes(), CreatedAt: time.Now().UTC()})
		return nil
	})
}

// inProgress answers a retry that arrives while the first request runs; Retry-After says
// it is worth retrying, unlike other conflicts.
func inProgress(c *gin.Context) error {
	c.Header("Retry-After", "1")
	return problem.New(problem.Conflict, "a request with this Idempotency-Key is still being processed; retry in a moment")
}

// answer finds the response to a claim.
func answer(ctx context.Context, col *mongo.Collection, prev claim) (response, bool, error) {
	if prev.Done {
		return response{Status: prev.Status, Headers: prev.Headers, Body: prev.Body}, true, nil
	}
	var res response
	err := col.FindOne(ctx, bson.D{{Key: "_id", Value: prev.ID + responseSuffix}}).Decode(&res)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return res, false, nil
	case err != nil:
		return res, false, mongox.Err(err, "idempotency key")
	}
	return res, true, nil
}

func replay(c *gin.Context, res response) {
	for k, v := range res.Headers {
		c.Header(k, v)
	}
	c.Header("Idempotent-Replayed", "true")
	c.Data(res.Status, res.Headers["Content-Type"], res.Body)
	c.Abort()
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

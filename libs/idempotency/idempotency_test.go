package idempotency_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/l4l-platform/l4l/libs/devstack"
	"github.com/l4l-platform/l4l/libs/idempotency"
	"github.com/l4l-platform/l4l/libs/mongox"
)

// server is a POST route behind the middleware on the embedded database; the handler
// counts its runs, answers 201, or 500 when the body says "fail", or waits for release
// when it says "slow".
func server(t *testing.T) (url string, runs *atomic.Int64, col *mongo.Collection, release chan struct{}) {
	t.Helper()
	stack := devstack.ForTest(t)
	client, err := mongox.Connect(stack.MongoURI)
	if err != nil {
		t.Fatal(err)
	}
	col = client.Database("idem_test").Collection(idempotency.Collection)
	runs = &atomic.Int64{}
	release = make(chan struct{})
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.POST("/things", idempotency.Middleware(func(*gin.Context) (*mongo.Collection, error) { return col, nil }), func(c *gin.Context) {
		n := runs.Add(1)
		body, _ := c.GetRawData()
		switch {
		case strings.Contains(string(body), "fail"):
			c.JSON(http.StatusInternalServerError, gin.H{"error": "boom"})
		case strings.Contains(string(body), "slow"):
			<-release
			fallthrough
		default:
			c.Header("Location", "/things/1")
			c.JSON(http.StatusCreated, gin.H{"run": n})
		}
	})
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv.URL, runs, col, release
}

func post(t *testing.T, url, key, body string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url+"/things", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set(idempotency.Header, key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

func TestKeysMakeRetriesSafe(t *testing.T) {
	url, runs, col, release := server(t)
	ctx := context.Background()

	first := post(t, url, "k1", `{"a":1}`)
	again := post(t, url, "k1", `{"a":1}`)
	if first.StatusCode != 201 || again.StatusCode != 201 || again.Header.Get("Idempotent-Replayed") != "true" ||
		again.Header.Get("Location") != "/things/1" || runs.Load() != 1 {
		t.Fatalf("first %d, again %d %v; runs %d: want the first answer replayed", first.StatusCode, again.StatusCode, again.Header, runs.Load())
	}
	if r := post(t, url, "k1", `{"a":2}`); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("same key, other body: %d, want 422", r.StatusCode)
	}
	if r := post(t, url, "", `{"a":1}`); r.StatusCode != 201 || runs.Load() != 2 {
		t.Errorf("without a key: %d, runs %d", r.StatusCode, runs.Load())
	}

	t.Run("a failure on our side forgets the key", func(t *testing.T) {
		before := runs.Load()
		if r := post(t, url, "k2", `{"fail":1}`); r.StatusCode != 500 {
			t.Fatalf("%d", r.StatusCode)
		}
		if r := post(t, url, "k2", `{"fail":1}`); r.StatusCode != 500 || runs.Load() != before+2 {
			t.Fatalf("retry after a 500: %d, runs %d; want it run again", r.StatusCode, runs.Load()-before)
		}
	})

	t.Run("a twin of a running request: 409 with Retry-After", func(t *testing.T) {
		claims := func() int64 {
			n, err := col.CountDocuments(ctx, bson.D{{Key: "request_hash", Value: bson.D{{Key: "$exists", Value: true}}}})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := claims()
		done := make(chan *http.Response)
		go func() { done <- post(t, url, "k3", `{"slow":1}`) }()
		// Wait until the first request holds its claim.
		for deadline := time.Now().Add(10 * time.Second); claims() == before; {
			if time.Now().After(deadline) {
				t.Fatal("the first request never claimed its key")
			}
			time.Sleep(10 * time.Millisecond)
		}
		r := post(t, url, "k3", `{"slow":1}`)
		close(release)
		if r.StatusCode != http.StatusConflict || r.Header.Get("Retry-After") == "" {
			t.Errorf("twin: %d, Retry-After %q", r.StatusCode, r.Header.Get("Retry-After"))
		}
		if first := <-done; first.StatusCode != 201 {
			t.Errorf("the first: %d", first.StatusCode)
		}
		if r := post(t, url, "k3", `{"slow":1}`); r.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("after it answered: %d %v", r.StatusCode, r.Header)
		}
	})

	t.Run("a claim left without an answer is taken over once stale", func(t *testing.T) {
		// A request whose database went away after it claimed the key and before it
		// could forget it: its claim stays, without a response.
		first := post(t, url, "k4", `{"a":4}`)
		var claim bson.M
		if first.StatusCode != 201 {
			t.Fatalf("%d", first.StatusCode)
		}
		// Its response is the newest one.
		if err := col.FindOneAndDelete(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$regex", Value: `\.response$`}}}},
			options.FindOneAndDelete().SetSort(bson.D{{Key: "created_at", Value: -1}})).Decode(&claim); err != nil {
			t.Fatal(err)
		}
		if r := post(t, url, "k4", `{"a":4}`); r.StatusCode != http.StatusConflict {
			t.Fatalf("a fresh claim without a response: %d, want 409 (still running)", r.StatusCode)
		}
		stale := time.Now().UTC().Add(-idempotency.StaleAfter - time.Minute)
		if _, err := col.UpdateMany(ctx, bson.D{{Key: "request_hash", Value: bson.D{{Key: "$exists", Value: true}}}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "created_at", Value: stale}}}}); err != nil {
			t.Fatal(err)
		}
		before := runs.Load()
		if r := post(t, url, "k4", `{"a":4}`); r.StatusCode != 201 || runs.Load() != before+1 {
			t.Fatalf("after it went stale: %d, runs %d; want it run again", r.StatusCode, runs.Load()-before)
		}
	})
}

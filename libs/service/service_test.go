package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/service"
	"github.com/l4l-platform/l4l/libs/service/servicetest"
	"github.com/l4l-platform/l4l/libs/web"
)

const spec = `openapi: 3.1.0
info: {title: echo, version: "1"}
paths:
  /v1/whoami:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: object, required: [subject], properties: {subject: {type: string}}}
        default:
          description: a problem
          content:
            application/problem+json:
              schema: {type: object}
`

// A definition's routes sit behind token verification and its subscriptions consume.
func TestStartWiresRoutesAndSubscriptions(t *testing.T) {
	got := make(chan events.Envelope, 1)
	def := service.Definition{
		Name:    "echo",
		OpenAPI: []byte(spec),
		Routes: func(d *service.Deps, v1 *gin.RouterGroup) error {
			v1.GET("/whoami", web.Handle(func(c *gin.Context) error {
				return web.JSON(c, 200, gin.H{"subject": "someone"})
			}))
			return nil
		},
		Subscriptions: []service.Subscription{{Topics: []string{events.Topic("other")}, Handler: func(d *service.Deps) events.Handler {
			return func(ctx context.Context, e events.Envelope) error { got <- e; return nil }
		}}},
	}
	env := servicetest.Start(t, def)
	if r := env.Do(servicetest.Request{Method: "GET", Path: "/v1/whoami"}); r.Status != 401 {
		t.Fatalf("without a token: %d", r.Status)
	}
	if r := env.Do(servicetest.Request{Method: "GET", Path: "/v1/whoami", Token: env.Token([]string{"deo"}, "rw-gasabo", "")}); r.Status != 200 {
		t.Fatalf("with a token: %d %s", r.Status, r.Body)
	}
	if r := env.Do(servicetest.Request{Method: "GET", Path: "/readyz"}); r.Status != 200 {
		t.Fatalf("readyz: %d %s", r.Status, r.Body)
	}

	e, err := events.New("/l4l/other", "org.l4l.other.thing.happened.v1", "rw-gasabo", "x1", map[string]string{"k": "v"})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := events.ToMessage(events.Topic("other"), e)
	w := events.NewWriter(env.Stack.KafkaBrokers)
	defer w.Close()
	if err := w.WriteMessages(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-got:
		if r.ID != e.ID {
			t.Fatalf("consumed %+v", r)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the subscription did not consume the event")
	}
}

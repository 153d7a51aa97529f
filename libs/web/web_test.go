package web_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/web"
)

func newServer(t *testing.T, checks ...web.Check) (*web.Server, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	s := web.New(web.Config{Service: "test", Addr: "127.0.0.1:0", Registry: reg, BodyLimit: 64, Checks: checks, OpenAPI: []byte("openapi: 3.1.0\n")})
	s.Engine.GET("/v1/things/:id", web.Handle(func(c *gin.Context) error {
		switch c.Param("id") {
		case "boom":
			panic("kaboom")
		case "secret":
			return errors.New("mongo: password=hunter2")
		case "missing":
			return problem.New(problem.NotFound, "thing %q not found", "missing")
		}
		return web.JSON(c, 200, gin.H{"id": c.Param("id")})
	}))
	s.Engine.POST("/v1/things", web.Handle(func(c *gin.Context) error {
		var v struct {
			Name  string `json:"name"`
			Count int    `json:"count"`
		}
		if err := web.Decode(c, &v); err != nil {
			return err
		}
		return web.JSON(c, 201, v)
	}))
	return s, reg
}

func do(h http.Handler, method, path, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestErrorsBecomeProblems(t *testing.T) {
	s, _ := newServer(t)
	tests := []struct {
		name, method, path, body string
		status                   int
		detailHas                string
	}{
		{"not found kind", "GET", "/v1/things/missing", "", 404, "not found"},
		{"panic", "GET", "/v1/things/boom", "", 500, "unexpected"},
		{"unknown error hides internals", "GET", "/v1/things/secret", "", 500, "unexpected"},
		{"no route", "GET", "/v2/nothing", "", 404, "openapi"},
		{"wrong type", "POST", "/v1/things", `{"count":"many"}`, 400, "wrong type"},
		{"unknown field", "POST", "/v1/things", `{"nmae":"x"}`, 400, "does not accept"},
		{"oversize", "POST", "/v1/things", `{"name":"` + strings.Repeat("x", 100) + `"}`, 413, "limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := do(s.Engine, tt.method, tt.path, tt.body)
			if w.Code != tt.status || w.Header().Get("Content-Type") != problem.ContentType {
				t.Fatalf("%d %q: %s", w.Code, w.Header().Get("Content-Type"), w.Body)
			}
			if !strings.Contains(w.Body.String(), tt.detailHas) || strings.Contains(w.Body.String(), "hunter2") {
				t.Fatalf("body %s", w.Body)
			}
			if w.Header().Get(web.RequestIDHeader) == "" {
				t.Fatal("no request id")
			}
		})
	}
}

func TestMetricsUseRouteTemplates(t *testing.T) {
	s, reg := newServer(t)
	for _, id := range []string{"a", "b", "c", "missing"} {
		do(s.Engine, "GET", "/v1/things/"+id, "")
	}
	do(s.Engine, "GET", "/v1/elsewhere/1", "")
	want := `
# HELP http_requests_total HTTP requests served, by route template, method and status code.
# TYPE http_requests_total counter
http_requests_total{code="200",method="GET",route="/v1/things/:id"} 3
http_requests_total{code="404",method="GET",route="/v1/things/:id"} 1
http_requests_total{code="404",method="GET",route="unmatched"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "http_requests_total"); err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(reg, "http_request_duration_seconds"); n != 2 {
		t.Fatalf("%d duration series", n)
	}
	w := do(s.Engine, "GET", "/metrics", "")
	if !strings.Contains(w.Body.String(), "go_goroutines") {
		t.Fatal("/metrics lacks the Go collector")
	}
}

func TestReadiness(t *testing.T) {
	down := true
	s, _ := newServer(t, web.Check{Name: "mongodb", Fn: func(context.Context) error {
		if down {
			return errors.New("connection refused")
		}
		return nil
	}})
	if w := do(s.Engine, "GET", "/readyz", ""); w.Code != 503 || !strings.Contains(w.Body.String(), "connection refused") {
		t.Fatalf("not ready: %d %s", w.Code, w.Body)
	}
	down = false
	if w := do(s.Engine, "GET", "/readyz", ""); w.Code != 200 {
		t.Fatalf("ready: %d %s", w.Code, w.Body)
	}
	if w := do(s.Engine, "GET", "/healthz", ""); w.Code != 200 {
		t.Fatal("healthz")
	}
	if w := do(s.Engine, "GET", "/openapi.yaml", ""); w.Code != 200 || !strings.HasPrefix(w.Body.String(), "openapi") {
		t.Fatal("openapi")
	}
}

// Shutdown lets a request in flight finish.
func TestGracefulShutdown(t *testing.T) {
	s, _ := newServer(t)
	release := make(chan struct{})
	s.Engine.GET("/slow", func(c *gin.Context) { <-release; c.String(200, "done") })
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx) }()
	got := make(chan string, 1)
	go func() {
		res, err := http.Get(s.URL() + "/slow")
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(res.Body)
		got <- string(b)
	}()
	time.Sleep(100 * time.Millisecond)
	cancel()
	time.Sleep(50 * time.Millisecond)
	close(release)
	if b := <-got; b != "done" {
		t.Fatalf("in-flight request got %q", b)
	}
	if err := <-served; err != nil {
		t.Fatal(err)
	}
}

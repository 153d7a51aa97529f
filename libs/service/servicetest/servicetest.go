// Package servicetest runs one service for an integration test the way production runs it
// (service.Start), on the embedded broker and database over real TCP, with a dev issuer
// whose JWKS is served over HTTP. Every response the test reads is validated against the
// service's OpenAPI document, and so is every request the test expects to succeed: the
// contract and the handlers cannot drift apart unnoticed.
package servicetest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/l4l-platform/l4l/libs/auth/devissuer"
	"github.com/l4l-platform/l4l/libs/config"
	"github.com/l4l-platform/l4l/libs/devstack"
	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/service"
)

const issuerName = "http://issuer.servicetest"

// Env is a running service and what a test needs to call it.
type Env struct {
	T      testing.TB
	Stack  *devstack.Stack
	Issuer *devissuer.Issuer
	Svc    *service.Running
	URL    string
	Config config.Service
	router routers.Router
	cancel context.CancelFunc
}

// Start runs def on a fresh stack; mutate adjusts the configuration first.
func Start(t testing.TB, def service.Definition, mutate ...func(*config.Service)) *Env {
	t.Helper()
	stack := devstack.ForTest(t)
	return StartOn(t, stack, def, mutate...)
}

// StartOn runs def on an existing stack (a second service, or a restart).
func StartOn(t testing.TB, stack *devstack.Stack, def service.Definition, mutate ...func(*config.Service)) *Env {
	t.Helper()
	is := devissuer.New(issuerName)
	jwks := httptest.NewServer(is.Handler(""))
	t.Cleanup(jwks.Close)
	cfg, err := config.FromEnv(def.Name)
	if err != nil {
		t.Fatal(err)
	}
	cfg.HTTPAddr = "127.0.0.1:0"
	cfg.MongoURI = stack.MongoURI
	cfg.KafkaBrokers = stack.KafkaBrokers
	cfg.OIDCIssuer, cfg.OIDCJWKSURL = issuerName, jwks.URL+"/jwks.json"
	cfg.OutboxSweep = 500 * time.Millisecond
	cfg.KafkaSessionTimeout = time.Second
	if len(cfg.Tenants) == 0 {
		// Every tenant of the profiles is served without a tenancy event; tests of the
		// tenancy lifecycle configure fewer.
		cfg.Tenants = []string{config.EveryTenant}
	}
	for _, m := range mutate {
		m(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	run, err := service.Start(ctx, def, cfg, logger)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	e := &Env{T: t, Stack: stack, Issuer: is, Svc: run, URL: run.URL, Config: cfg, cancel: cancel, router: contract(t, def.OpenAPI)}
	t.Cleanup(e.Stop)
	return e
}

// Stop shuts the service down (idempotent).
func (e *Env) Stop() {
	if e.cancel == nil {
		return
	}
	e.cancel()
	e.cancel = nil
	if err := e.Svc.Wait(); err != nil {
		e.T.Logf("service stopped with: %v", err)
	}
}

func contract(t testing.TB, spec []byte) routers.Router {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(spec)
	if err != nil {
		t.Fatalf("OpenAPI document: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("OpenAPI document is invalid: %v", err)
	}
	doc.Servers = nil // match paths on any host
	r, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Token signs a token for roles in tenant (country taken from its prefix), optionally
// narrowed to a unit.
func (e *Env) Token(roles []string, tenant, unit string) string {
	country, _, _ := strings.Cut(tenant, "-")
	if tenant == country {
		tenant = ""
	}
	tok, err := e.Issuer.Token("test-user", roles, country, tenant, unit, time.Hour)
	if err != nil {
		e.T.Fatal(err)
	}
	return tok
}

// Response is what the service answered.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Problem decodes a problem document, failing if the body is not one.
func (r *Response) Problem(t testing.TB) problem.Problem {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, problem.ContentType) {
		t.Fatalf("status %d with Content-Type %q, want a problem document: %s", r.Status, ct, r.Body)
	}
	var p problem.Problem
	r.JSON(t, &p)
	if p.Status != r.Status || p.Type == "" || p.Title == "" {
		t.Fatalf("incomplete problem document for %d: %s", r.Status, r.Body)
	}
	return p
}

// Request describes one call.
type Request struct {
	Method, Path, Token string
	// Body is JSON-encoded unless it is a []byte or string (sent as is).
	Body        any
	ContentType string
	Header      map[string]string
}

// Do sends the request, validates it (when the answer is 2xx) and the answer against the
// OpenAPI document, and returns the answer.
func (e *Env) Do(req Request) *Response {
	e.T.Helper()
	var body []byte
	ct := req.ContentType
	switch b := req.Body.(type) {
	case nil:
	case []byte:
		body = b
	case string:
		body = []byte(b)
	default:
		var err error
		if body, err = json.Marshal(b); err != nil {
			e.T.Fatal(err)
		}
		if ct == "" {
			ct = "application/json"
		}
	}
	hr, err := http.NewRequest(req.Method, e.URL+req.Path, bytes.NewReader(body))
	if err != nil {
		e.T.Fatal(err)
	}
	if ct != "" {
		hr.Header.Set("Content-Type", ct)
	}
	if req.Token != "" {
		hr.Header.Set("Authorization", "Bearer "+req.Token)
	}
	for k, v := range req.Header {
		hr.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(hr)
	if err != nil {
		e.T.Fatal(err)
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	if err != nil {
		e.T.Fatal(err)
	}
	r := &Response{Status: res.StatusCode, Header: res.Header, Body: out}
	if r.Status >= 500 && r.Status != http.StatusServiceUnavailable {
		e.T.Errorf("%s %s answered %d: %s", req.Method, req.Path, r.Status, out)
	}
	e.validate(hr, body, r)
	return r
}

func (e *Env) validate(hr *http.Request, body []byte, r *Response) {
	e.T.Helper()
	if !strings.HasPrefix(hr.URL.Path, "/v1/") {
		return
	}
	route, params, err := e.router.FindRoute(hr)
	if err != nil {
		if r.Status != http.StatusNotFound {
			e.T.Errorf("contract: %s %s is not in the OpenAPI document but answered %d", hr.Method, hr.URL.Path, r.Status)
		}
		return
	}
	in := &openapi3filter.RequestValidationInput{Request: hr, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	if r.Status < 300 {
		hr.Body = io.NopCloser(bytes.NewReader(body))
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			e.T.Errorf("contract: request %s %s does not match the OpenAPI document: %v", hr.Method, hr.URL.Path, err)
		}
	}
	rin := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: r.Status, Header: r.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	rin.SetBodyBytes(r.Body)
	if err := openapi3filter.ValidateResponse(context.Background(), rin); err != nil {
		e.T.Errorf("contract: response %d to %s %s does not match the OpenAPI document: %v", r.Status, hr.Method, hr.URL.Path, err)
	}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// Eventually polls cond until it holds or the deadline passes.
func Eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen within %s", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

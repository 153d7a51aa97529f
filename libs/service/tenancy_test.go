package service_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/l4l-platform/l4l/libs/config"
	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/service"
	"github.com/l4l-platform/l4l/libs/service/servicetest"
	"github.com/l4l-platform/l4l/libs/tenancy"
	"github.com/l4l-platform/l4l/libs/web"
)

const tenantSpec = `openapi: 3.1.0
info: {title: things, version: "1"}
paths:
  /v1/tenants/{tenant}/things:
    parameters:
      - {name: tenant, in: path, required: true, schema: {type: string}}
    get:
      responses:
        '200':
          description: the tenant's things
          content:
            application/json:
              schema: {type: object, required: [tenant], properties: {tenant: {type: string}}}
        default:
          description: a problem
          content:
            application/problem+json:
              schema: {type: object}
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object}
      responses:
        '201':
          description: created
          content:
            application/json:
              schema: {type: object, required: [tenant], properties: {tenant: {type: string}}}
        default:
          description: a problem
          content:
            application/problem+json:
              schema: {type: object}
`

// things is a service with one tenant route and no code of its own about tenancy: what
// it serves is decided by service.Start's TenancyGuard.
var things = service.Definition{
	Name:    "things",
	OpenAPI: []byte(tenantSpec),
	Routes: func(d *service.Deps, v1 *gin.RouterGroup) error {
		t := v1.Group("/tenants/:tenant", service.TenantMiddleware(d.Profiles, d.Tenants))
		t.GET("/things", web.Handle(func(c *gin.Context) error {
			return web.JSON(c, http.StatusOK, gin.H{"tenant": service.TenantOf(c).Code})
		}))
		t.POST("/things", web.Handle(func(c *gin.Context) error {
			return web.JSON(c, http.StatusCreated, gin.H{"tenant": service.TenantOf(c).Code})
		}))
		return nil
	},
}

// onlyGasabo configures one tenant; every other one needs a tenancy event.
func onlyGasabo(c *config.Service) { c.Tenants = []string{"rw-gasabo"} }

func TestTenantsAreServedAsTheTenancyTopicSays(t *testing.T) {
	env := servicetest.Start(t, things, onlyGasabo)
	const fresh = "rw-nyarugenge"
	tok := env.Token([]string{"deo"}, fresh, "")
	gasabo := env.Token([]string{"deo"}, "rw-gasabo", "")
	w := events.NewWriter(env.Stack.KafkaBrokers)
	t.Cleanup(func() { _ = w.Close() })
	announce := func(typ string) {
		t.Helper()
		if _, err := tenancy.Publish(context.Background(), w, typ, tenancy.Tenant{Tenant: fresh, Country: "rw", ParentUnit: "rw-kigali"}); err != nil {
			t.Fatal(err)
		}
	}
	read := func(e *servicetest.Env, token string) *servicetest.Response {
		return e.Do(servicetest.Request{Method: "GET", Path: "/v1/tenants/" + fresh + "/things", Token: token})
	}
	write := func(e *servicetest.Env) *servicetest.Response {
		return e.Do(servicetest.Request{Method: "POST", Path: "/v1/tenants/" + fresh + "/things", Token: tok, Body: map[string]string{}})
	}
	// waitFor polls until the service answers want, as a client retrying would.
	waitFor := func(e *servicetest.Env, what string, want int, call func() *servicetest.Response) {
		t.Helper()
		servicetest.Eventually(t, 20*time.Second, what, func() bool { return call().Status == want })
	}

	// Steps rather than subtests: the service restarts half-way, and a service started
	// in a subtest would stop when that subtest ends.
	step := func(name string, fn func(t *testing.T)) {
		t.Helper()
		t.Log(name)
		fn(t)
	}
	if r := env.Do(servicetest.Request{Method: "GET", Path: "/readyz"}); r.Status != 200 || !strings.Contains(string(r.Body), "tenancy") {
		t.Fatalf("readyz: %d %s; want 200 with a tenancy check", r.Status, r.Body)
	}
	step("a configured tenant is served without an event", func(t *testing.T) {
		r := env.Do(servicetest.Request{Method: "POST", Path: "/v1/tenants/rw-gasabo/things", Token: gasabo, Body: map[string]string{}})
		if r.Status != http.StatusCreated {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
	step("never announced: 404", func(t *testing.T) {
		r := read(env, tok)
		if r.Status != http.StatusNotFound || !strings.Contains(r.Problem(t).Detail, "tenant create") {
			t.Fatalf("%d %s; want 404 saying how to provision", r.Status, r.Body)
		}
	})
	step("provisioned: served", func(t *testing.T) {
		announce(tenancy.TypeProvisioned)
		waitFor(env, "serving the provisioned tenant", http.StatusOK, func() *servicetest.Response { return read(env, tok) })
		if r := write(env); r.Status != http.StatusCreated {
			t.Fatalf("write: %d %s", r.Status, r.Body)
		}
	})
	step("another tenant's token: 403", func(t *testing.T) {
		if r := read(env, gasabo); r.Status != http.StatusForbidden {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
	step("suspended: reads served, writes 403 saying how to resume", func(t *testing.T) {
		announce(tenancy.TypeSuspended)
		waitFor(env, "refusing writes", http.StatusForbidden, func() *servicetest.Response { return write(env) })
		if p := write(env).Problem(t); !strings.Contains(p.Detail, "suspended") || !strings.Contains(p.Detail, "l4lctl tenant resume "+fresh) {
			t.Errorf("problem %+v; want one saying the tenant is suspended and how to resume", p)
		}
		if r := read(env, tok); r.Status != http.StatusOK {
			t.Fatalf("read while suspended: %d %s", r.Status, r.Body)
		}
	})
	step("still suspended after a restart", func(t *testing.T) {
		env.Stop()
		env = servicetest.StartOn(t, env.Stack, things, onlyGasabo)
		tok, gasabo = env.Token([]string{"deo"}, fresh, ""), env.Token([]string{"deo"}, "rw-gasabo", "") // a new dev issuer
		// No waiting: Start has read the topic before serving.
		if r := write(env); r.Status != http.StatusForbidden {
			t.Fatalf("write right after restart: %d %s", r.Status, r.Body)
		}
		if r := read(env, tok); r.Status != http.StatusOK {
			t.Fatalf("read right after restart: %d %s", r.Status, r.Body)
		}
	})
	step("resumed: writes served again", func(t *testing.T) {
		announce(tenancy.TypeProvisioned)
		waitFor(env, "writes after resume", http.StatusCreated, func() *servicetest.Response { return write(env) })
	})
	step("deprovisioned: 404", func(t *testing.T) {
		announce(tenancy.TypeDeprovisioned)
		waitFor(env, "forgetting the tenant", http.StatusNotFound, func() *servicetest.Response { return read(env, tok) })
		if r := write(env); r.Status != http.StatusNotFound {
			t.Fatalf("write after deprovisioning: %d %s", r.Status, r.Body)
		}
	})
	step("an announced state overrides the configuration", func(t *testing.T) {
		if _, err := tenancy.Publish(context.Background(), w, tenancy.TypeSuspended, tenancy.Tenant{Tenant: "rw-gasabo", Country: "rw"}); err != nil {
			t.Fatal(err)
		}
		waitFor(env, "suspending the configured tenant", http.StatusForbidden, func() *servicetest.Response {
			return env.Do(servicetest.Request{Method: "POST", Path: "/v1/tenants/rw-gasabo/things", Token: gasabo, Body: map[string]string{}})
		})
	})
	step("unknown codes stay 404 whatever the topic", func(t *testing.T) {
		r := env.Do(servicetest.Request{Method: "GET", Path: "/v1/tenants/rw-atlantis/things", Token: env.Token([]string{"deo"}, "rw-atlantis", "")})
		if r.Status != http.StatusNotFound || !strings.Contains(r.Problem(t).Detail, "no tenant") {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
}

// With every tenant configured ("*", servicetest's default), all tenants of the profiles
// are served at once.
func TestEveryTenantIsServedWithTheWildcard(t *testing.T) {
	env := servicetest.Start(t, things)
	// Kenya's tenant-level officer is the County Director of Education (cde), not a DEO.
	for tenant, role := range map[string]string{"rw-gasabo": "deo", "rw-nyarugenge": "deo", "ke-nairobi": "cde"} {
		r := env.Do(servicetest.Request{Method: "POST", Path: "/v1/tenants/" + tenant + "/things", Token: env.Token([]string{role}, tenant, ""), Body: map[string]string{}})
		if r.Status != http.StatusCreated {
			t.Errorf("%s: %d %s", tenant, r.Status, r.Body)
		}
	}
}

// A replica that could not read the topic yet (here: no broker at all) does not guess
// about tenants it was not configured with: 503 so the client retries, and /readyz says
// why. Configured tenants are served.
func TestUnannouncedTenantsWaitForTheTopic(t *testing.T) {
	env := servicetest.Start(t, things, onlyGasabo, func(c *config.Service) { c.KafkaBrokers = []string{"127.0.0.1:1"} })
	r := env.Do(servicetest.Request{Method: "GET", Path: "/v1/tenants/rw-nyarugenge/things", Token: env.Token([]string{"deo"}, "rw-nyarugenge", "")})
	if r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" {
		t.Fatalf("%d %s; want 503 with Retry-After", r.Status, r.Body)
	}
	if r := env.Do(servicetest.Request{Method: "GET", Path: "/v1/tenants/rw-gasabo/things", Token: env.Token([]string{"deo"}, "rw-gasabo", "")}); r.Status != http.StatusOK {
		t.Fatalf("configured tenant: %d %s", r.Status, r.Body)
	}
	if r := env.Do(servicetest.Request{Method: "GET", Path: "/readyz"}); r.Status != http.StatusServiceUnavailable || !strings.Contains(string(r.Body), events.TenancyTopic) {
		t.Fatalf("readyz: %d %s; want 503 naming the tenancy topic", r.Status, r.Body)
	}
}

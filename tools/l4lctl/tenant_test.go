package main

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/l4l-platform/l4l/libs/auth/devissuer"
)

// tenantProbes are, per service dev up runs, a read and a write of a tenant. The write's
// body is empty: a served tenant answers it 4xx for the body (400/415/422/428), never
// 403 or 404, so the probe tells "served" from "refused by tenancy" without writing data.
var tenantProbes = map[string]struct{ read, write string }{
	"directory":     {"/schools", "/schools"},
	"recruitment":   {"/campaigns", "/campaigns"},
	"plc":           {"/groups", "/schedules"},
	"coaching":      {"/relationships", "/relationships"},
	"accreditation": {"/enrolments", "/enrolments"},
	// Analytics takes no writes of its own: the retention run libs serves in every
	// service is one (it removes nothing that has not expired).
	"analytics": {"/kpis", "/privacy/analytics/retention-runs"},
}

// `l4lctl tenant` on the dev up code path: a second district is served by every service
// once created, refuses writes while suspended, is served again once resumed and not at
// all once deleted; the dev district is never affected; a misspelt code is refused with
// the real one named.
func TestTenantCommandsDriveEveryService(t *testing.T) {
	dir := t.TempDir()
	logger := slog.New(slog.DiscardHandler)
	ctx, cancel := context.WithCancel(context.Background())
	env, err := up(ctx, upOptions{Dir: dir, IssuerAddr: "127.0.0.1:0", Tenant: tenant, Logger: logger})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		if err := env.Wait(); err != nil {
			t.Errorf("stopping: %v", err)
		}
	})
	for _, s := range env.Services {
		if _, ok := tenantProbes[s.Name]; !ok {
			t.Fatalf("no tenant probe for the %s service: add one", s.Name)
		}
	}
	is, err := devissuer.Load(dir, devissuer.DefaultIssuer)
	if err != nil {
		t.Fatal(err)
	}
	token := func(code string) string {
		// The DPO role opens the retention run, analytics' write probe.
		tok, err := is.Token("dev-user", []string{"deo", "dpo"}, "rw", code, "", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	const second = "rw-nyarugenge"
	call := func(method, service, code, path string) int {
		t.Helper()
		req, err := http.NewRequest(method, env.URL(service)+"/v1/tenants/"+code+path, strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token(code))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "probe-"+time.Now().Format(time.RFC3339Nano))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	served := func(status int) bool { return status < 500 && status != 403 && status != 404 }
	// expect waits until every service answers code's reads and writes as wanted.
	expect := func(what, code string, wantRead, wantWrite func(int) bool) {
		t.Helper()
		for _, s := range env.Services {
			p := tenantProbes[s.Name]
			deadline := time.Now().Add(20 * time.Second)
			for {
				r, w := call("GET", s.Name, code, p.read), call("POST", s.Name, code, p.write)
				if wantRead(r) && wantWrite(w) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s: %s answers %s's read %d and write %d", what, s.Name, code, r, w)
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
	}
	is200 := func(s int) bool { return s == http.StatusOK }
	is403 := func(s int) bool { return s == http.StatusForbidden }
	is404 := func(s int) bool { return s == http.StatusNotFound }
	brokers := "--brokers=" + strings.Join(env.KafkaBrokers, ",")
	tenantCmd := func(args ...string) string {
		t.Helper()
		code, out, errOut := run(t, append(append([]string{"tenant"}, args...), brokers)...)
		if code != 0 {
			t.Fatalf("l4lctl tenant %v: exit %d\n%s%s", args, code, out, errOut)
		}
		return out
	}
	devDistrictServed := func() {
		t.Helper()
		expect("the dev district", tenant, is200, served)
	}

	expect("before create", second, is404, is404)
	devDistrictServed()

	if out := tenantCmd("create", second); !strings.Contains(out, second+" provisioned") {
		t.Errorf("create printed %q", out)
	}
	expect("after create", second, is200, served)

	tenantCmd("suspend", second)
	expect("while suspended", second, is200, is403)
	devDistrictServed()

	tenantCmd("resume", second)
	expect("after resume", second, is200, served)

	tenantCmd("delete", second)
	expect("after delete", second, is404, is404)
	devDistrictServed()

	code, _, errOut := run(t, "tenant", "create", "rw-nyarugnge", brokers)
	if code == 0 || !strings.Contains(errOut, "did you mean rw-nyarugenge") {
		t.Errorf("a misspelt code: exit %d, stderr %q; want a refusal naming rw-nyarugenge", code, errOut)
	}
	code, _, errOut = run(t, "tenant", "create", second, "--tier", "gold", brokers)
	if code == 0 || !strings.Contains(errOut, "--tier") {
		t.Errorf("a bad tier: exit %d, stderr %q", code, errOut)
	}
}

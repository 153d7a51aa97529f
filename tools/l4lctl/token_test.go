package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/l4l-platform/l4l/libs/auth"
	"github.com/l4l-platform/l4l/libs/auth/devissuer"
)

// run executes the command line as main does and returns its exit status and output.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := execute(args, &out, &errb)
	return code, out.String(), errb.String()
}

// verifier checks tokens the way the services do: against the JWKS of the key in dir,
// served over HTTP.
func verifier(t *testing.T, dir string) *auth.Verifier {
	t.Helper()
	is, err := devissuer.Load(dir, devissuer.DefaultIssuer)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	jwks, err := is.Serve(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	v, err := auth.NewVerifier(ctx, auth.Config{Issuer: devissuer.DefaultIssuer, Audience: devissuer.DefaultAudience, JWKSURL: jwks})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestTokenCarriesTheFlagsAndVerifies(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		want auth.Principal
		ttl  time.Duration
	}{
		{"tenant", []string{"--role", "deo", "--tenant", "rw-gasabo"},
			auth.Principal{Subject: "dev-user", Roles: []string{"deo"}, Country: "rw", Tenant: "rw-gasabo"}, 12 * time.Hour},
		{"unit, several roles, subject, ttl", []string{"--role", "seo", "--role", "lll,ht", "--tenant", "rw-gasabo",
			"--unit", "rw-gasabo-kimironko", "--subject", "alice", "--ttl", "90m"},
			auth.Principal{Subject: "alice", Roles: []string{"seo", "lll", "ht"}, Country: "rw", Tenant: "rw-gasabo", Unit: "rw-gasabo-kimironko"}, 90 * time.Minute},
		{"national", []string{"--role", "analyst", "--country", "rw"},
			auth.Principal{Subject: "dev-user", Roles: []string{"analyst"}, Country: "rw"}, 12 * time.Hour},
		{"kenya", []string{"--role", "cde", "--tenant", "ke-kilifi", "--country", "ke"},
			auth.Principal{Subject: "dev-user", Roles: []string{"cde"}, Country: "ke", Tenant: "ke-kilifi"}, 12 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := run(t, append([]string{"token", "--dir", dir}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			raw := strings.TrimSpace(out)
			if strings.Count(out, "\n") != 1 || strings.Count(raw, ".") != 2 {
				t.Fatalf("want one JWT on one line (for $(...)), got %q", out)
			}
			p, err := verifier(t, dir).Verify(context.Background(), raw)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(p, tc.want) {
				t.Errorf("principal = %+v, want %+v", p, tc.want)
			}
			var c jwt.RegisteredClaims
			if _, _, err := jwt.NewParser().ParseUnverified(raw, &c); err != nil {
				t.Fatal(err)
			}
			if got := c.ExpiresAt.Sub(c.IssuedAt.Time); got != tc.ttl {
				t.Errorf("valid for %s, want %s", got, tc.ttl)
			}
		})
	}
	// The key was made on first use, readable only by its owner, and reused after.
	st, err := os.Stat(filepath.Join(dir, "dev-issuer.pem"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v %v", st, err)
	}
}

func TestTokenFromAnotherKeyDoesNotVerify(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	_, out, _ := run(t, "token", "--dir", a, "--role", "deo", "--tenant", "rw-gasabo")
	if _, err := verifier(t, b).Verify(context.Background(), strings.TrimSpace(out)); err == nil {
		t.Fatal("a token signed with another dir's key verified")
	}
}

func TestTokenFlagErrorsNameTheFlag(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--tenant", "rw-gasabo"}, "--role is required"},
		{[]string{"--role", "deo"}, "--tenant CODE"},
		{[]string{"--role", "deo", "--tenant", "rw-gasbo"}, `--tenant "rw-gasbo" is not a district`},
		{[]string{"--role", "deo", "--tenant", "gasabo"}, "--tenant"},
		{[]string{"--role", "deo", "--tenant", "rw-gasabo", "--country", "ke"}, "--country"},
		{[]string{"--role", "seo", "--unit", "rw-gasabo-kimironko"}, "--unit"},
		{[]string{"--role", "seo", "--tenant", "rw-gasabo", "--unit", "rw-nyarugenge-kigali"}, "--unit"},
		{[]string{"--role", "deo", "--tenant", "rw-gasabo", "--ttl", "-1h"}, "--ttl"},
		{[]string{"--role", "", "--tenant", "rw-gasabo"}, "--role"},
	} {
		code, out, errOut := run(t, append([]string{"token", "--dir", dir}, tc.args...)...)
		if code == 0 || out != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want an error naming %q", tc.args, code, out, errOut, tc.want)
		}
	}
}

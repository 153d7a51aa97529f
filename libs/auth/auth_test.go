package auth_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"

	"github.com/l4l-platform/l4l/libs/auth"
	"github.com/l4l-platform/l4l/libs/auth/devissuer"
	"github.com/l4l-platform/l4l/libs/web"
)

const issuerName = "http://issuer.test"

// newAPI serves one tenant route behind the verifier; the issuer's JWKS is fetched over real HTTP.
func newAPI(t *testing.T, is *devissuer.Issuer) http.Handler {
	t.Helper()
	jwks := httptest.NewServer(is.Handler(""))
	t.Cleanup(jwks.Close)
	v, err := auth.NewVerifier(context.Background(), auth.Config{Issuer: issuerName, Audience: "l4l", JWKSURL: jwks.URL + "/jwks.json"})
	if err != nil {
		t.Fatal(err)
	}
	s := web.New(web.Config{Service: "test"})
	g := s.Engine.Group("/v1/tenants/:tenant", v.Middleware())
	g.GET("/things/:unit", auth.Allow("deo", "seo"), web.Handle(func(c *gin.Context) error {
		if err := auth.Unit(c, c.Param("tenant"), c.Param("unit")); err != nil {
			return err
		}
		return web.JSON(c, 200, gin.H{"sub": auth.From(c).Subject})
	}))
	return s.Engine
}

func claims(mut func(*auth.Claims)) auth.Claims {
	now := time.Now()
	c := auth.Claims{
		RegisteredClaims: jwt.RegisteredClaims{Issuer: issuerName, Subject: "u1", Audience: jwt.ClaimStrings{"l4l"},
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour))},
		Roles: []string{"deo"}, Country: "rw", Tenant: "rw-gasabo",
	}
	if mut != nil {
		mut(&c)
	}
	return c
}

func TestBearerTokens(t *testing.T) {
	is := devissuer.New(issuerName)
	other := devissuer.New(issuerName) // same name, another key: a forged signature
	api := newAPI(t, is)

	sign := func(s *devissuer.Issuer, c auth.Claims) string {
		tok, err := s.Sign(c)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	rsaTok, _ := jwt.NewWithClaims(jwt.SigningMethodRS256, claims(nil)).SignedString(rsaKey)
	noneTok, _ := jwt.NewWithClaims(jwt.SigningMethodNone, claims(nil)).SignedString(jwt.UnsafeAllowNoneSignatureType)
	good := sign(is, claims(nil))
	tampered := good[:strings.LastIndex(good, ".")] + "." + sign(other, claims(nil))[strings.LastIndex(good, ".")+1:]

	tests := []struct {
		name   string
		header string
		path   string
		want   int
	}{
		{"valid", "Bearer " + good, "/v1/tenants/rw-gasabo/things/x", 200},
		{"no token", "", "/v1/tenants/rw-gasabo/things/x", 401},
		{"not bearer", "Basic dTpw", "/v1/tenants/rw-gasabo/things/x", 401},
		{"garbage", "Bearer abc.def", "/v1/tenants/rw-gasabo/things/x", 401},
		{"expired", "Bearer " + sign(is, claims(func(c *auth.Claims) { c.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-time.Hour)) })), "/v1/tenants/rw-gasabo/things/x", 401},
		{"no expiry", "Bearer " + sign(is, claims(func(c *auth.Claims) { c.ExpiresAt = nil })), "/v1/tenants/rw-gasabo/things/x", 401},
		{"wrong issuer", "Bearer " + sign(is, claims(func(c *auth.Claims) { c.Issuer = "http://evil" })), "/v1/tenants/rw-gasabo/things/x", 401},
		{"wrong audience", "Bearer " + sign(is, claims(func(c *auth.Claims) { c.Audience = jwt.ClaimStrings{"other"} })), "/v1/tenants/rw-gasabo/things/x", 401},
		{"alg none", "Bearer " + noneTok, "/v1/tenants/rw-gasabo/things/x", 401},
		{"unknown key", "Bearer " + rsaTok, "/v1/tenants/rw-gasabo/things/x", 401},
		{"bad signature", "Bearer " + tampered, "/v1/tenants/rw-gasabo/things/x", 401},
		{"another tenant", "Bearer " + good, "/v1/tenants/rw-kicukiro/things/x", 403},
		{"role without the right", "Bearer " + sign(is, claims(func(c *auth.Claims) { c.Roles = []string{"ht"} })), "/v1/tenants/rw-gasabo/things/x", 403},
		{"country scope covers its tenants", "Bearer " + sign(is, claims(func(c *auth.Claims) { c.Tenant = "" })), "/v1/tenants/rw-kicukiro/things/x", 200},
		{"country scope not another country", "Bearer " + sign(is, claims(func(c *auth.Claims) { c.Tenant = "" })), "/v1/tenants/ke-nairobi/things/x", 403},
		{"unit scope inside", "Bearer " + sign(is, claims(func(c *auth.Claims) { c.Roles = []string{"seo"}; c.Unit = "x" })), "/v1/tenants/rw-gasabo/things/x", 200},
		{"unit scope outside is invisible", "Bearer " + sign(is, claims(func(c *auth.Claims) { c.Roles = []string{"seo"}; c.Unit = "y" })), "/v1/tenants/rw-gasabo/things/x", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", tt.path, nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			w := httptest.NewRecorder()
			api.ServeHTTP(w, r)
			if w.Code != tt.want {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.want, w.Body)
			}
			if tt.want >= 400 {
				if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
					t.Errorf("Content-Type %q", ct)
				}
				var p map[string]any
				if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || p["status"] != float64(tt.want) || p["detail"] == "" {
					t.Errorf("problem document %s", w.Body)
				}
			}
			if tt.want == 401 && w.Header().Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
}

func TestDevIssuerKeySurvivesReload(t *testing.T) {
	dir := t.TempDir()
	a, err := devissuer.Load(dir, issuerName)
	if err != nil {
		t.Fatal(err)
	}
	b, err := devissuer.Load(dir, issuerName)
	if err != nil {
		t.Fatal(err)
	}
	ja, _ := a.JWKS(context.Background())
	jb, _ := b.JWKS(context.Background())
	if string(ja) != string(jb) {
		t.Fatalf("reloaded key differs:\n%s\n%s", ja, jb)
	}
	if !strings.Contains(string(ja), `"crv":"Ed25519"`) || strings.Contains(string(ja), `"d":`) {
		t.Fatalf("JWKS must hold the public Ed25519 key only: %s", ja)
	}
}

// Package auth verifies OAuth2 bearer JWTs from any OIDC provider against its JWKS and
// turns their claims into a Principal: roles and a scope (country, tenant, sector or
// school). Handlers authorize with the Principal against a resource's tenant and unit.
package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"

	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/web"
)

// Scope levels a token may be limited to, from widest to narrowest. A tenant is a
// district (or the level the country profile marks as tenant level); a unit is any
// geography unit below it (sector, zone) or a school.
const (
	ScopeCountry = "country"
	ScopeTenant  = "tenant"
	ScopeUnit    = "unit"
)

// Claims are the JWT claims l4l reads. Identity providers map their groups to these with a
// claim mapper (Keycloak protocol mappers, Entra ID optional claims, ...).
type Claims struct {
	jwt.RegisteredClaims
	Roles   []string `json:"roles"`
	Country string   `json:"country"`
	Tenant  string   `json:"tenant,omitempty"`
	// Unit narrows a tenant-scoped token to one geography unit or school (an SEO's sector,
	// a head teacher's school).
	Unit string `json:"unit,omitempty"`
}

// Principal is the authenticated caller.
type Principal struct {
	Subject string
	Roles   []string
	Country string
	Tenant  string
	Unit    string
}

// Scope is the widest level the principal acts at.
func (p Principal) Scope() string {
	switch {
	case p.Tenant == "":
		return ScopeCountry
	case p.Unit == "":
		return ScopeTenant
	default:
		return ScopeUnit
	}
}

// HasRole reports whether the principal holds any of roles.
func (p Principal) HasRole(roles ...string) bool {
	for _, r := range roles {
		if slices.Contains(p.Roles, r) {
			return true
		}
	}
	return false
}

// CanAccessTenant reports whether the principal's scope covers the tenant. Tenant codes
// start with their country code and a dash (rw-gasabo), which profile validation enforces.
func (p Principal) CanAccessTenant(tenant string) bool {
	if p.Tenant != "" {
		return p.Tenant == tenant
	}
	return p.Country != "" && strings.HasPrefix(tenant, p.Country+"-")
}

// CanAccessUnit reports whether the principal covers a resource of tenant that sits in
// the given units (its ancestry inside the tenant: sector code, school id, ...).
func (p Principal) CanAccessUnit(tenant string, units ...string) bool {
	if !p.CanAccessTenant(tenant) {
		return false
	}
	return p.Unit == "" || slices.Contains(units, p.Unit)
}

// Config says which issuer to trust.
type Config struct {
	Issuer   string
	Audience string
	// JWKSURL is the issuer's jwks_uri (from its /.well-known/openid-configuration).
	JWKSURL string
}

// Verifier checks bearer tokens.
type Verifier struct {
	cfg    Config
	keys   keyfunc.Keyfunc
	parser *jwt.Parser
}

// NewVerifier fetches the JWKS in the background and refreshes it when a token names an
// unknown key id, so that key rotation at the provider needs no restart.
func NewVerifier(ctx context.Context, cfg Config) (*Verifier, error) {
	if cfg.Issuer == "" || cfg.JWKSURL == "" || cfg.Audience == "" {
		return nil, fmt.Errorf("auth: issuer, audience and JWKS URL are required (L4L_OIDC_ISSUER, L4L_OIDC_AUDIENCE, L4L_OIDC_JWKS_URL)")
	}
	k, err := keyfunc.NewDefaultCtx(ctx, []string{cfg.JWKSURL})
	if err != nil {
		return nil, fmt.Errorf("auth: JWKS %s: %w", cfg.JWKSURL, err)
	}
	return &Verifier{cfg: cfg, keys: k, parser: jwt.NewParser(
		jwt.WithIssuer(cfg.Issuer),
		jwt.WithAudience(cfg.Audience),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(30*time.Second),
		// Asymmetric algorithms only: "none" and HMAC with a public key as secret are refused.
		jwt.WithValidMethods([]string{"EdDSA", "RS256", "RS384", "RS512", "ES256", "ES384", "PS256"}),
	)}, nil
}

// Verify parses and checks a raw token.
func (v *Verifier) Verify(ctx context.Context, raw string) (Principal, error) {
	var c Claims
	if _, err := v.parser.ParseWithClaims(raw, &c, v.keys.KeyfuncCtx(ctx)); err != nil {
		return Principal{}, problem.Wrap(problem.Unauthenticated, err, "the bearer token is not valid: %s", reason(err))
	}
	if c.Subject == "" || len(c.Roles) == 0 {
		return Principal{}, problem.New(problem.Unauthenticated, "the bearer token has no subject or no roles")
	}
	if c.Country == "" && c.Tenant == "" {
		return Principal{}, problem.New(problem.Unauthenticated, "the bearer token has no country or tenant scope")
	}
	return Principal{Subject: c.Subject, Roles: c.Roles, Country: c.Country, Tenant: c.Tenant, Unit: c.Unit}, nil
}

func reason(err error) string {
	for _, r := range []struct {
		err error
		msg string
	}{
		{jwt.ErrTokenExpired, "it has expired; get a new one"},
		{jwt.ErrTokenInvalidIssuer, "it was issued by an issuer this service does not trust"},
		{jwt.ErrTokenInvalidAudience, "it was issued for another audience"},
		{jwt.ErrTokenSignatureInvalid, "its signature does not verify"},
		{jwt.ErrTokenUnverifiable, "its signing key or algorithm is not accepted"},
		{jwt.ErrTokenMalformed, "it is malformed"},
		{jwt.ErrTokenRequiredClaimMissing, "a required claim is missing"},
		{jwt.ErrTokenNotValidYet, "it is not valid yet"},
	} {
		if errors.Is(err, r.err) {
			return r.msg
		}
	}
	return "it was rejected"
}

const principalKey = "l4l.principal"

// Middleware requires a valid bearer token on every route after it.
func (v *Verifier) Middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.GetHeader("Authorization")
		raw, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || strings.TrimSpace(raw) == "" {
			web.Fail(c, problem.New(problem.Unauthenticated, "send Authorization: Bearer <token>; in dev mode get one with `l4lctl token`"))
			return
		}
		p, err := v.Verify(c.Request.Context(), strings.TrimSpace(raw))
		if err != nil {
			web.Fail(c, err)
			return
		}
		c.Set(principalKey, p)
		c.Next()
	}
}

// Allow lets only principals holding one of roles through. Routes state it where they are
// registered, so the routes file tells who may call what.
func Allow(roles ...string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !From(c).HasRole(roles...) {
			web.Fail(c, problem.New(problem.Forbidden, "this action needs one of the roles %s", strings.Join(roles, ", ")))
			return
		}
		c.Next()
	}
}

// From returns the principal the middleware verified.
func From(c *gin.Context) Principal {
	p, _ := c.Get(principalKey)
	pr, _ := p.(Principal)
	return pr
}

// Tenant authorizes the request's principal for tenant: 403 when its scope is elsewhere.
func Tenant(c *gin.Context, tenant string) error {
	if !From(c).CanAccessTenant(tenant) {
		return problem.New(problem.Forbidden, "your token does not cover tenant %q", tenant)
	}
	return nil
}

// Unit authorizes the principal for a resource of tenant inside units. A resource outside a
// unit-scoped token's unit is answered 404, not 403: its existence is not the caller's business.
func Unit(c *gin.Context, tenant string, units ...string) error {
	if err := Tenant(c, tenant); err != nil {
		return err
	}
	if !From(c).CanAccessUnit(tenant, units...) {
		return problem.New(problem.NotFound, "not found")
	}
	return nil
}

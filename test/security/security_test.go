// Package security is the platform's security suite. It is generated from every service's
// OpenAPI document: each documented operation is called with no token, with another
// district's token, with a role that has no rights, with forged tokens, with oversize
// bodies and with MongoDB operators hidden in bodies and queries. A route added to a
// document is covered without anyone writing a test for it; a route served but missing
// from its document fails the contract check of servicetest.
//
// All services run on one embedded broker and database, each through service.Start, as
// in production; two Rwandan districts are served so that isolation can be checked.
package security_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/golang-jwt/jwt/v5"

	"github.com/l4l-platform/l4l/libs/auth"
	"github.com/l4l-platform/l4l/libs/config"
	"github.com/l4l-platform/l4l/libs/devstack"
	"github.com/l4l-platform/l4l/libs/privacy"
	"github.com/l4l-platform/l4l/libs/service"
	"github.com/l4l-platform/l4l/libs/service/servicetest"
	"github.com/l4l-platform/l4l/test/security"
)

const (
	home    = "rw-gasabo"  // the district whose routes are attacked
	foreign = "rw-ruhango" // another district of the same country
	// anyID fills every path parameter that is not a tenant or country: a well-formed
	// UUIDv7 that names nothing.
	anyID = "01900000-0000-7000-8000-000000000000"
)

// everyRole is every role of the Rwandan profile plus the platform's own: a token from
// another district holding all of them must still get nothing.
var everyRole = []string{"admin", "dpo", "analyst", "deo", "seo", "sla", "nll", "lll", "ht", "field_staff", "assessor"}

// publicOperations are the operations served without a token, each with the reason. A
// public operation missing here fails the suite, and so does an entry naming nothing.
var publicOperations = map[string]string{
	"plc feed":                       "a calendar subscription URL carries its own secret (calendar clients cannot send bearer tokens)",
	"accreditation verifyCredential": "anyone shown a credential (an employer, a university) verifies it without an account",
	"accreditation getStatusList":    "verifiers read the revocation status list, as the Bitstring Status List specification requires",
	"accreditation getDIDDocument":   "the issuer's did:web document carries its public key, for offline verification",
}

// authorizesAgainstTheBody are write operations where the caller's right depends on the
// record the body names (the coach of a relationship, the scorer on a panel ...): with a
// role that has no rights they may answer 400/422 for an empty body before they can know
// whom to ask, but never 2xx.
var authorizesAgainstTheBody = map[string]string{
	"coaching reviewPlan":      "the plan's reviewers are the head teacher's coach or an officer covering the school: both known only from the plan",
	"coaching createRating":    "a rating is made by the head teacher's coach, an SEO or field staff: the coach is known only from the rated head teacher",
	"coaching createRiskCheck": "a risk check is recorded by the school's coach, an officer of its unit or field staff: known only from the school",
}

// headTeacherWrites are the writes a head teacher makes about their own school or
// application, with the reason; the handler checks it is theirs.
var headTeacherWrites = map[string]string{
	"recruitment apply":               "a head teacher applies to become a Leader of Learning",
	"recruitment withdrawApplication": "a candidate withdraws their own application",
	"recruitment acceptOffer":         "a candidate accepts their own offer",
	"recruitment declineOffer":        "a candidate declines their own offer",
	"plc createCalendarSubscription":  "anyone makes a calendar feed URL of the sessions they are expected at",
	"plc deleteCalendarSubscription":  "and revokes it",
	"coaching createSession":          "a head teacher who coaches (an LLL is one) logs the sessions they gave",
	"coaching createObservation":      "head teachers observe lessons in their school",
	"coaching createPlan":             "a head teacher submits their school's improvement plan",
	"coaching resubmitPlan":           "and revises it",
	"coaching recordSelfReview":       "and reviews their own progress against it",
	"coaching sync":                   "a tablet uploads the records its user may make (checked per item)",
	"accreditation uploadEvidence":    "a leader (a head teacher too) uploads evidence to their own portfolio",
	"accreditation setMappings":       "and maps it to competencies",
	"accreditation submitPortfolio":   "and submits it",
}

// target is one service under attack.
type target struct {
	name string
	env  *servicetest.Env
	doc  *openapi3.T
}

// operation is one documented method on one path of one service.
type operation struct {
	svc    *target
	method string
	path   string // the template, as documented
	op     *openapi3.Operation
}

func (o operation) String() string { return o.svc.name + " " + o.method + " " + o.path }

func (o operation) key() string { return o.svc.name + " " + o.op.OperationID }

// public reports whether the document serves the operation without a token.
func (o operation) public() bool {
	sec := o.svc.doc.Security
	if o.op.Security != nil {
		sec = *o.op.Security
	}
	return len(sec) == 0
}

// url fills the path's parameters: tenant and country with the ones given, others with anyID.
func (o operation) url(tenant string) string {
	p := o.path
	country, _, _ := strings.Cut(tenant, "-")
	for _, param := range o.op.Parameters {
		if param.Value == nil || param.Value.In != "path" {
			continue
		}
		v := anyID
		switch param.Value.Name {
		case "tenant":
			v = tenant
		case "country":
			v = country
		}
		p = strings.ReplaceAll(p, "{"+param.Value.Name+"}", v)
	}
	// Path parameters declared on the path item rather than the operation.
	for strings.Contains(p, "{") {
		i, j := strings.Index(p, "{"), strings.Index(p, "}")
		name := p[i+1 : j]
		v := anyID
		switch name {
		case "tenant":
			v = tenant
		case "country":
			v = country
		}
		p = p[:i] + v + p[j+1:]
	}
	return p
}

func (o operation) writes() bool {
	return o.method == http.MethodPost || o.method == http.MethodPut || o.method == http.MethodPatch || o.method == http.MethodDelete
}

// jsonBodyProperties names the top-level properties of the operation's JSON body.
func (o operation) jsonBodyProperties() []string {
	if o.op.RequestBody == nil || o.op.RequestBody.Value == nil {
		return nil
	}
	mt := o.op.RequestBody.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
		return nil
	}
	var names []string
	for n := range mt.Schema.Value.Properties {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (o operation) takesJSON() bool {
	return o.op.RequestBody != nil && o.op.RequestBody.Value != nil && o.op.RequestBody.Value.Content.Get("application/json") != nil
}

// call sends one request with optional bearer token and raw body.
func (o operation) call(t *testing.T, path, token string, body []byte, header map[string]string) *servicetest.Response {
	t.Helper()
	req := servicetest.Request{Method: o.method, Path: path, Token: token, Header: header}
	if body != nil {
		req.Body = body
		req.ContentType = "application/json"
	}
	return o.svc.env.Do(req)
}

func startAll(t *testing.T) ([]*target, []operation) {
	t.Helper()
	stack := devstack.ForTest(t)
	var targets []*target
	for _, def := range definitions {
		env := servicetest.StartOn(t, stack, def, func(c *config.Service) { c.Tenants = []string{home, foreign} })
		doc, err := openapi3.NewLoader().LoadFromData(def.OpenAPI)
		if err != nil {
			t.Fatalf("%s: OpenAPI document: %v", def.Name, err)
		}
		targets = append(targets, &target{name: def.Name, env: env, doc: doc})
	}
	var ops []operation
	for _, tg := range targets {
		for _, path := range tg.doc.Paths.InMatchingOrder() {
			for method, op := range tg.doc.Paths.Value(path).Operations() {
				ops = append(ops, operation{svc: tg, method: method, path: path, op: op})
			}
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].String() < ops[j].String() })
	return targets, ops
}

// TestEveryServiceIsAttacked fails when a service of the repository is not in the suite.
func TestEveryServiceIsAttacked(t *testing.T) {
	docs, err := filepath.Glob("../../services/*/api/openapi.yaml")
	if err != nil || len(docs) == 0 {
		t.Fatalf("no OpenAPI documents found under services/: %v", err)
	}
	var names []string
	for _, d := range definitions {
		names = append(names, d.Name)
	}
	for _, d := range docs {
		name := filepath.Base(filepath.Dir(filepath.Dir(d)))
		if !slices.Contains(names, name) {
			t.Errorf("services/%s has an OpenAPI document but is not in the security suite's definitions (services.go)", name)
		}
		// libs serves every service's audit trail (libs/privacy); its document must say so.
		doc, err := os.ReadFile(d)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(doc), "/v1/tenants/{tenant}"+privacy.AuditRoute(name)+":") {
			t.Errorf("services/%s/api/openapi.yaml does not document its audit route /v1/tenants/{tenant}%s (copy it from another service's document)", name, privacy.AuditRoute(name))
		}
	}
}

func TestSecurity(t *testing.T) {
	targets, ops := startAll(t)
	if len(ops) < 20 {
		t.Fatalf("only %d operations found in %d documents", len(ops), len(targets))
	}
	t.Logf("%d operations in %d services", len(ops), len(targets))

	t.Run("PublicOperationsAreListed", func(t *testing.T) {
		seen := map[string]bool{}
		for _, o := range ops {
			if o.public() {
				seen[o.key()] = true
				if _, ok := publicOperations[o.key()]; !ok {
					t.Errorf("%s (operationId %s) is public but not in publicOperations: add it with the reason, or require a token", o, o.op.OperationID)
				}
			}
		}
		for k := range publicOperations {
			if !seen[k] {
				t.Errorf("publicOperations lists %q, which is not a public operation of any document", k)
			}
		}
	})

	t.Run("AllowListsNameRealWrites", func(t *testing.T) {
		writes := map[string]bool{}
		for _, o := range ops {
			if o.writes() {
				writes[o.key()] = true
			}
		}
		for _, list := range []map[string]string{authorizesAgainstTheBody, headTeacherWrites} {
			for k := range list {
				if !writes[k] {
					t.Errorf("an allow-list names %q, which is no write of any document: remove it", k)
				}
			}
		}
	})

	t.Run("NoToken", func(t *testing.T) {
		for _, o := range ops {
			if o.public() {
				continue
			}
			for _, h := range []string{"", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "bearer " + o.svc.env.Token([]string{"admin"}, home, "")} {
				var hdr map[string]string
				if h != "" {
					hdr = map[string]string{"Authorization": h}
				}
				r := o.call(t, o.url(home), "", bodyFor(o), hdr)
				if r.Status != http.StatusUnauthorized {
					t.Errorf("%s with Authorization %q: %d, want 401: %s", o, short(h), r.Status, r.Body)
					continue
				}
				r.Problem(t)
			}
		}
	})

	t.Run("OtherDistrictsToken", func(t *testing.T) {
		for _, o := range ops {
			if o.public() || !strings.Contains(o.path, "{tenant}") {
				continue
			}
			tok := o.svc.env.Token(everyRole, foreign, "")
			r := o.call(t, o.url(home), tok, bodyFor(o), nil)
			if r.Status != http.StatusForbidden && r.Status != http.StatusNotFound {
				t.Errorf("%s with a %s token holding every role: %d, want 403 or 404: %s", o, foreign, r.Status, r.Body)
				continue
			}
			r.Problem(t)
		}
	})

	t.Run("OtherCountrysToken", func(t *testing.T) {
		for _, o := range ops {
			if o.public() || !(strings.Contains(o.path, "{tenant}") || strings.Contains(o.path, "{country}")) {
				continue
			}
			tok := o.svc.env.Token(everyRole, "ke", "")
			r := o.call(t, o.url(home), tok, bodyFor(o), nil)
			if r.Status != http.StatusForbidden && r.Status != http.StatusNotFound {
				t.Errorf("%s with a Kenyan national token holding every role: %d, want 403 or 404: %s", o, r.Status, r.Body)
				continue
			}
			r.Problem(t)
		}
	})

	t.Run("RoleWithoutRights", func(t *testing.T) {
		for _, o := range ops {
			if o.public() {
				continue
			}
			// A role no programme defines opens nothing; a head teacher changes nothing
			// but their own records (headTeacherWrites).
			role := "visitor"
			if o.writes() {
				if _, own := headTeacherWrites[o.key()]; !own {
					role = "ht"
				}
			}
			tok := o.svc.env.Token([]string{role}, home, "")
			// A malformed body proves that authorization comes before decoding.
			body := []byte(`{"malformed`)
			if !o.takesJSON() {
				body = nil
			}
			r := o.call(t, o.url(home), tok, body, nil)
			if r.Status == http.StatusForbidden {
				r.Problem(t)
				continue
			}
			if _, ok := authorizesAgainstTheBody[o.key()]; ok && r.Status >= 400 && r.Status < 500 {
				r.Problem(t)
				continue
			}
			t.Errorf("%s with role %s: %d, want 403: %s", o, role, r.Status, r.Body)
		}
	})

	t.Run("ForgedTokens", func(t *testing.T) {
		for _, tg := range targets {
			o, ok := firstList(ops, tg)
			if !ok {
				t.Errorf("%s documents no GET on a tenant collection to attack", tg.name)
				continue
			}
			valid := tg.env.Token([]string{"deo"}, home, "")
			if r := o.call(t, o.url(home), valid, nil, nil); r.Status != http.StatusOK {
				t.Fatalf("control: %s with a valid DEO token: %d: %s", o, r.Status, r.Body)
			}
			for name, tok := range forgeries(t, tg, valid) {
				r := o.call(t, o.url(home), "", nil, map[string]string{"Authorization": "Bearer " + tok})
				if r.Status != http.StatusUnauthorized {
					t.Errorf("%s with a forged token (%s): %d, want 401: %s", o, name, r.Status, r.Body)
					continue
				}
				r.Problem(t)
			}
		}
	})

	t.Run("OversizeBodies", func(t *testing.T) {
		big := bytes.Repeat([]byte(" "), 1<<20+1024)
		big = append(append([]byte(`{"x":"`), big...), '"', '}')
		for _, o := range ops {
			if !o.takesJSON() || o.public() {
				continue
			}
			tok := o.svc.env.Token([]string{"admin"}, home, "")
			r := o.call(t, o.url(home), tok, big, nil)
			if r.Status != http.StatusRequestEntityTooLarge {
				t.Errorf("%s with a %d-byte body: %d, want 413: %s", o, len(big), r.Status, short(string(r.Body)))
				continue
			}
			r.Problem(t)
		}
		// Chunked (no Content-Length): the limit holds while the body is read.
		for _, tg := range targets {
			o, ok := firstJSONWrite(ops, tg)
			if !ok {
				continue
			}
			tok := tg.env.Token([]string{"admin"}, home, "")
			req, _ := http.NewRequest(o.method, tg.env.URL+o.url(home), io.MultiReader(bytes.NewReader(big)))
			req.ContentLength = -1
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+tok)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Errorf("%s chunked oversize: %v", o, err)
				continue
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusRequestEntityTooLarge {
				t.Errorf("%s with a chunked oversize body: %d, want 413: %s", o, res.StatusCode, short(string(b)))
			}
		}
	})

	t.Run("OperatorInjection", func(t *testing.T) {
		operators := []string{`{"$gt":""}`, `{"$ne":null}`, `{"$where":"sleep(100)"}`}
		for _, o := range ops {
			if o.public() {
				continue
			}
			tok := o.svc.env.Token([]string{"admin"}, home, "")
			if o.takesJSON() && o.method != http.MethodDelete {
				for _, prop := range o.jsonBodyProperties() {
					for _, op := range operators {
						body := []byte(fmt.Sprintf(`{%q:%s}`, prop, op))
						r := o.call(t, o.url(home), tok, body, map[string]string{"If-Match": `"1"`})
						if r.Status < 400 || r.Status >= 500 {
							t.Errorf("%s with %s in %q: %d, want 4xx: %s", o, op, prop, r.Status, short(string(r.Body)))
							continue
						}
						r.Problem(t)
					}
				}
			}
			if o.method != http.MethodGet {
				continue
			}
			for _, p := range o.op.Parameters {
				if p.Value == nil || p.Value.In != "query" || p.Value.Name == "cursor" || p.Value.Name == "limit" {
					continue
				}
				// p[$ne]=x is another parameter's name to the service: it must be ignored (the
				// same answer as without it) or refused. p={"$gt":""} is a value: the same
				// answer as any value that matches nothing, or refused.
				without := o.call(t, o.url(home), tok, nil, nil)
				plain := o.call(t, o.url(home)+"?"+p.Value.Name+"=no-such-value", tok, nil, nil)
				for q, want := range map[string]*servicetest.Response{
					p.Value.Name + "[$ne]=x":                     without,
					p.Value.Name + "=" + urlEscape(`{"$gt":""}`): plain,
				} {
					r := o.call(t, o.url(home)+"?"+q, tok, nil, nil)
					switch {
					case r.Status >= 500:
						t.Errorf("%s?%s: %d", o, q, r.Status)
					case r.Status >= 400:
						r.Problem(t)
					case r.Status != want.Status || itemCount(r.Body) != itemCount(want.Body):
						t.Errorf("%s?%s answered %d with %d items where the same request with an ordinary value answers %d with %d: an operator was interpreted",
							o, q, r.Status, itemCount(r.Body), want.Status, itemCount(want.Body))
					}
				}
			}
			// A cursor is opaque: one hiding an operator must be refused.
			if hasQuery(o, "cursor") {
				c := base64.RawURLEncoding.EncodeToString([]byte(`{"$gt":""}`))
				r := o.call(t, o.url(home)+"?cursor="+c, tok, nil, nil)
				if r.Status != http.StatusBadRequest && r.Status != http.StatusUnprocessableEntity {
					t.Errorf("%s with a cursor hiding an operator: %d, want 400/422: %s", o, r.Status, short(string(r.Body)))
				}
			}
		}
	})
}

// bodyFor is a harmless JSON body for an operation that takes one.
func bodyFor(o operation) []byte {
	if o.takesJSON() {
		return []byte(`{}`)
	}
	return nil
}

func firstList(ops []operation, tg *target) (operation, bool) {
	for _, o := range ops {
		if o.svc == tg && o.method == http.MethodGet && !o.public() && strings.HasSuffix(o.path, "}/"+lastSegment(o.path)) &&
			strings.Count(o.path, "{") == 1 && strings.Contains(o.path, "{tenant}") && !strings.Contains(o.path, "/privacy/") {
			return o, true
		}
	}
	return operation{}, false
}

func firstJSONWrite(ops []operation, tg *target) (operation, bool) {
	for _, o := range ops {
		if o.svc == tg && o.method == http.MethodPost && o.takesJSON() && !o.public() {
			return o, true
		}
	}
	return operation{}, false
}

func lastSegment(p string) string { return p[strings.LastIndex(p, "/")+1:] }

func hasQuery(o operation, name string) bool {
	for _, p := range o.op.Parameters {
		if p.Value != nil && p.Value.In == "query" && p.Value.Name == name {
			return true
		}
	}
	return false
}

func itemCount(body []byte) int {
	var v struct {
		Items []json.RawMessage `json:"items"`
	}
	if json.Unmarshal(body, &v) != nil {
		return -1
	}
	return len(v.Items)
}

func urlEscape(s string) string {
	r := strings.NewReplacer(`{`, "%7B", `}`, "%7D", `"`, "%22", `$`, "%24", `:`, "%3A")
	return r.Replace(s)
}

func short(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

// forgeries are tokens that must all be refused, built from a valid one and the issuer's
// public key (what an attacker can read from the JWKS).
func forgeries(t *testing.T, tg *target, valid string) map[string]string {
	t.Helper()
	parts := strings.Split(valid, ".")
	jwks, err := tg.env.Issuer.JWKS(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var set struct {
		Keys []struct {
			X, Kid string
		} `json:"keys"`
	}
	if err := json.Unmarshal(jwks, &set); err != nil || len(set.Keys) == 0 {
		t.Fatalf("JWKS: %v %s", err, jwks)
	}
	pub, _ := base64.RawURLEncoding.DecodeString(set.Keys[0].X)
	kid := set.Keys[0].Kid

	claims := func(mut func(*auth.Claims)) auth.Claims {
		now := time.Now()
		c := auth.Claims{
			RegisteredClaims: jwt.RegisteredClaims{Issuer: tg.env.Issuer.Name, Subject: "attacker", Audience: jwt.ClaimStrings{tg.env.Issuer.Audience},
				IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour))},
			Roles: []string{"admin"}, Country: "rw", Tenant: home,
		}
		if mut != nil {
			mut(&c)
		}
		return c
	}
	signed := func(c auth.Claims) string {
		s, err := tg.env.Issuer.Sign(c)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	hmac := func(c auth.Claims, key []byte) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
		tok.Header["kid"] = kid
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	payload, _ := json.Marshal(claims(nil))
	_, otherKey, _ := ed25519.GenerateKey(rand.Reader)
	foreignKey := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims(nil))
	foreignKey.Header["kid"] = kid
	foreignSigned, _ := foreignKey.SignedString(otherKey)

	var rewritten map[string]any
	raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
	_ = json.Unmarshal(raw, &rewritten)
	rewritten["roles"] = []string{"admin"}

	return map[string]string{
		"alg none":                     enc(map[string]string{"alg": "none", "typ": "JWT"}) + "." + base64.RawURLEncoding.EncodeToString(payload) + ".",
		"alg none with kid":            enc(map[string]string{"alg": "none", "kid": kid}) + "." + base64.RawURLEncoding.EncodeToString(payload) + ".",
		"alg NONE":                     enc(map[string]string{"alg": "NONE"}) + "." + base64.RawURLEncoding.EncodeToString(payload) + ".",
		"HS256 keyed with public key":  hmac(claims(nil), pub),
		"HS256 keyed with the JWKS":    hmac(claims(nil), jwks),
		"HS256 keyed with x":           hmac(claims(nil), []byte(set.Keys[0].X)),
		"expired":                      signed(claims(func(c *auth.Claims) { c.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-time.Hour)) })),
		"not yet valid":                signed(claims(func(c *auth.Claims) { c.NotBefore = jwt.NewNumericDate(time.Now().Add(time.Hour)) })),
		"no expiry":                    signed(claims(func(c *auth.Claims) { c.ExpiresAt = nil })),
		"wrong audience":               signed(claims(func(c *auth.Claims) { c.Audience = jwt.ClaimStrings{"another-api"} })),
		"no audience":                  signed(claims(func(c *auth.Claims) { c.Audience = nil })),
		"wrong issuer":                 signed(claims(func(c *auth.Claims) { c.Issuer = "https://evil.example" })),
		"no roles":                     signed(claims(func(c *auth.Claims) { c.Roles = nil })),
		"no subject":                   signed(claims(func(c *auth.Claims) { c.Subject = "" })),
		"no scope":                     signed(claims(func(c *auth.Claims) { c.Country, c.Tenant = "", "" })),
		"payload rewritten to admin":   parts[0] + "." + enc(rewritten) + "." + parts[2],
		"signature stripped":           parts[0] + "." + parts[1] + ".",
		"signed by another key":        foreignSigned,
		"garbage":                      "not-a-jwt",
		"three empty parts":            "..",
		"signature of another payload": parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2],
	}
}

// definitions are the services under attack; TestEveryServiceIsAttacked keeps the list whole.
var definitions []service.Definition

func TestMain(m *testing.M) {
	definitions = security.Services()
	// The accreditation service makes a development signing key where this says, not in
	// the source tree.
	dir, err := os.MkdirTemp("", "l4l-security-")
	if err != nil {
		panic(err)
	}
	os.Setenv("L4L_ACCREDITATION_DEV_KEY", filepath.Join(dir, "accreditation-signing-key.pem"))
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

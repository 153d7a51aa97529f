// Package devissuer is the development OIDC issuer: an Ed25519 key kept in a file, its
// JWKS served on loopback, and tokens signed with it. Dev mode and tests only; production
// trusts the ministry's identity provider.
package devissuer

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/l4l-platform/l4l/libs/auth"
)

// Defaults shared by `l4lctl dev up` and `l4lctl token`.
const (
	DefaultIssuer   = "http://127.0.0.1:8099"
	DefaultAudience = "l4l"
	keyID           = "l4l-dev-1"
)

// Issuer signs dev tokens.
type Issuer struct {
	Name     string // the iss claim
	Audience string
	key      ed25519.PrivateKey
}

// Load reads the key from dir/dev-issuer.pem, creating it on first use, so tokens printed
// by `l4lctl token` keep working across restarts of `make run`.
func Load(dir, name string) (*Issuer, error) {
	path := filepath.Join(dir, "dev-issuer.pem")
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return create(path, name)
	}
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, fmt.Errorf("devissuer: %s is not PEM; delete it to make a new key", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("devissuer: %s: %w", path, err)
	}
	ek, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("devissuer: %s is not an Ed25519 key", path)
	}
	return &Issuer{Name: name, Audience: DefaultAudience, key: ek}, nil
}

// New makes an issuer with a fresh in-memory key (tests).
func New(name string) *Issuer {
	_, k, _ := ed25519.GenerateKey(rand.Reader)
	return &Issuer{Name: name, Audience: DefaultAudience, key: k}
}

func create(path, name string) (*Issuer, error) {
	is := New(name)
	der, err := x509.MarshalPKCS8PrivateKey(is.key)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return nil, err
	}
	return is, nil
}

// JWKS is the public key set, as served at jwks_uri.
func (is *Issuer) JWKS(ctx context.Context) ([]byte, error) {
	jwk, err := jwkset.NewJWKFromKey(is.key.Public(), jwkset.JWKOptions{Metadata: jwkset.JWKMetadataOptions{
		KID: keyID, ALG: jwkset.AlgEdDSA, USE: jwkset.UseSig,
	}})
	if err != nil {
		return nil, err
	}
	st := jwkset.NewMemoryStorage()
	if err := st.KeyWrite(ctx, jwk); err != nil {
		return nil, err
	}
	return st.JSONPublic(ctx)
}

// Handler serves the discovery document and the JWKS.
func (is *Issuer) Handler(jwksURL string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /jwks.json", func(w http.ResponseWriter, r *http.Request) {
		b, err := is.JWKS(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/jwk-set+json")
		_, _ = w.Write(b)
	})
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"issuer":%q,"jwks_uri":%q,"id_token_signing_alg_values_supported":["EdDSA"]}`, is.Name, jwksURL)
	})
	return mux
}

// Serve serves the JWKS on addr until ctx ends and returns the jwks_uri.
func (is *Issuer) Serve(ctx context.Context, addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("devissuer: listen %s: %w", addr, err)
	}
	jwksURL := "http://" + ln.Addr().String() + "/jwks.json"
	srv := &http.Server{Handler: is.Handler(jwksURL), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	go func() { <-ctx.Done(); _ = srv.Close() }()
	return jwksURL, nil
}

// Token signs a token for subject with the given scope, valid for ttl.
func (is *Issuer) Token(subject string, roles []string, country, tenant, unit string, ttl time.Duration) (string, error) {
	now := time.Now()
	c := auth.Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: is.Name, Subject: subject, Audience: jwt.ClaimStrings{is.Audience},
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now.Add(-time.Minute)),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)), ID: uuid.Must(uuid.NewV7()).String(),
		},
		Roles: roles, Country: country, Tenant: tenant, Unit: unit,
	}
	return is.Sign(c)
}

// Sign signs arbitrary claims (tests forge expired or foreign tokens with it).
func (is *Issuer) Sign(c jwt.Claims) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c)
	t.Header["kid"] = keyID
	return t.SignedString(is.key)
}

package domain_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/l4l-platform/l4l/services/accreditation/internal/domain"
)

func signer(t testing.TB, did string) domain.Signer {
	t.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return domain.Signer{DID: did, Key: key, BaseURL: "https://acc.example.org"}
}

// statusOf is a status list where the listed indexes are revoked.
func statusOf(revoked ...int) domain.StatusLookup {
	return func(url string, index int, _ string) (bool, bool, error) {
		if url != "https://acc.example.org/v1/status-lists/rw-gasabo" {
			return false, false, nil
		}
		for _, r := range revoked {
			if r == index {
				return true, true, nil
			}
		}
		return false, true, nil
	}
}

func segments(raw string) (header, claims map[string]any, sig string) {
	p := strings.Split(raw, ".")
	h, _ := base64.RawURLEncoding.DecodeString(p[0])
	c, _ := base64.RawURLEncoding.DecodeString(p[1])
	_ = json.Unmarshal(h, &header)
	_ = json.Unmarshal(c, &claims)
	return header, claims, p[2]
}

func encode(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

func sign(t *testing.T, key ed25519.PrivateKey, alg jwt.SigningMethod, header, claims map[string]any) string {
	t.Helper()
	tok := jwt.NewWithClaims(alg, jwt.MapClaims(claims))
	for k, v := range header {
		tok.Header[k] = v
	}
	var s string
	var err error
	if alg == jwt.SigningMethodHS256 {
		s, err = tok.SignedString([]byte(key.Public().(ed25519.PublicKey)))
	} else {
		s, err = tok.SignedString(key)
	}
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCredentialVerification(t *testing.T) {
	p, _ := rwanda(t)
	iss := signer(t, "did:web:acc.example.org")
	pub := iss.Key.Public().(ed25519.PublicKey)
	issued := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	award := domain.Award{CredentialID: "0190", Tenant: "rw-gasabo", PersonID: "lll-1", EnrolmentID: "en-1", StatusIndex: 7, IssuedAt: issued}
	good, err := domain.Sign(iss, domain.Credential(iss, p, award))
	if err != nil {
		t.Fatal(err)
	}
	header, claims, sig := segments(good)
	other := signer(t, "did:web:diploma-mill.example")
	forger := signer(t, iss.DID)

	p3 := p
	p3.ValidYears = 3
	expiring, _ := domain.Sign(iss, domain.Credential(iss, p3, award))

	changed := func(k string, v any) string {
		c := map[string]any{}
		for kk, vv := range claims {
			c[kk] = vv
		}
		c[k] = v
		return strings.Split(good, ".")[0] + "." + encode(c) + "." + sig
	}
	flipped := func() string {
		b, _ := base64.RawURLEncoding.DecodeString(sig)
		b[0] ^= 0x80
		return strings.Split(good, ".")[0] + "." + strings.Split(good, ".")[1] + "." + base64.RawURLEncoding.EncodeToString(b)
	}
	foreignClaims := map[string]any{}
	for k, v := range claims {
		foreignClaims[k] = v
	}
	foreignClaims["issuer"] = map[string]any{"id": other.DID}

	for _, tc := range []struct {
		name, raw string
		at        time.Time
		status    domain.StatusLookup
		want      string
	}{
		{"as issued", good, issued.Add(time.Hour), statusOf(), domain.Valid},
		{"revoked", good, issued, statusOf(7), domain.Revoked},
		{"another credential revoked", good, issued, statusOf(6, 8), domain.Valid},
		{"a changed claim", changed("name", "Doctorate"), issued, statusOf(), domain.Tampered},
		{"another subject", changed("credentialSubject", map[string]any{"id": "urn:l4l:rw-gasabo:person:mallory"}), issued, statusOf(), domain.Tampered},
		{"a changed signature byte", flipped(), issued, statusOf(), domain.Tampered},
		{"forged under the issuer's key id", sign(t, forger.Key, jwt.SigningMethodEdDSA, header, claims), issued, statusOf(), domain.Tampered},
		{"HMAC with the public key", sign(t, iss.Key, jwt.SigningMethodHS256, header, claims), issued, statusOf(), domain.Tampered},
		{"alg none", encode(map[string]any{"alg": "none", "typ": "vc+jwt", "kid": header["kid"]}) + "." + strings.Split(good, ".")[1] + ".", issued, statusOf(), domain.Tampered},
		{"another issuer", sign(t, other.Key, jwt.SigningMethodEdDSA, map[string]any{"kid": other.DID + "#k", "typ": "vc+jwt"}, foreignClaims), issued, statusOf(), domain.UnknownIssuer},
		{"the issuer's DID with an unlisted key", sign(t, forger.Key, jwt.SigningMethodEdDSA, map[string]any{"kid": iss.DID + "#old", "typ": "vc+jwt"}, claims), issued, statusOf(), domain.UnknownIssuer},
		{"expired", expiring, issued.AddDate(3, 0, 1), statusOf(), domain.Expired},
		{"not yet valid", good, issued.Add(-time.Hour), statusOf(), domain.Expired},
		{"within its validity", expiring, issued.AddDate(2, 11, 0), statusOf(), domain.Valid},
		{"a status list of someone else", changed("credentialStatus", map[string]any{"statusListCredential": "https://evil.example/list", "statusListIndex": "7"}), issued, statusOf(), domain.Tampered},
		{"garbage", "hello", issued, statusOf(), domain.Malformed},
		{"JSON that is no credential", sign(t, iss.Key, jwt.SigningMethodEdDSA, header, map[string]any{"sub": "x"}), issued, statusOf(), domain.Malformed},
		{"three segments of nothing", "a.b.c", issued, statusOf(), domain.Malformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := domain.Verify(iss.DID, pub, tc.raw, tc.at, tc.status)
			if err != nil {
				t.Fatal(err)
			}
			if v.Result != tc.want {
				t.Errorf("result %s, want %s; checks %+v", v.Result, tc.want, v.Checks)
			}
			if len(v.Checks) == 0 || v.Checks[len(v.Checks)-1].Passed != (tc.want == domain.Valid) {
				t.Errorf("checks %+v", v.Checks)
			}
		})
	}
	// A signature that verifies but a list this issuer does not keep: unknown status.
	foreignList, _ := domain.Sign(iss, func() map[string]any {
		c := domain.Credential(iss, p, award)
		c["credentialStatus"] = map[string]any{"type": "BitstringStatusListEntry", "statusListIndex": "7", "statusListCredential": "https://evil.example/list"}
		return c
	}())
	if v, _ := domain.Verify(iss.DID, pub, foreignList, issued, statusOf()); v.Result != domain.StatusUnknown {
		t.Errorf("foreign status list: %s", v.Result)
	}
}

func TestStatusListEncoding(t *testing.T) {
	enc, err := domain.EncodeStatusList([]int{0, 7, 8, 131071})
	if err != nil || !strings.HasPrefix(enc, "u") {
		t.Fatal(enc, err)
	}
	for i, want := range map[int]bool{0: true, 1: false, 7: true, 8: true, 9: false, 131070: false, 131071: true} {
		if got, err := domain.StatusBit(enc, i); err != nil || got != want {
			t.Errorf("bit %d = %v (%v), want %v", i, got, err, want)
		}
	}
	if _, err := domain.StatusBit(enc, domain.StatusListSize); err == nil {
		t.Error("read past the list")
	}
}

func TestDIDForURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://acc.example.org":           "did:web:acc.example.org",
		"http://127.0.0.1:8085":             "did:web:127.0.0.1%3A8085",
		"https://moe.gov.rw/accreditation/": "did:web:moe.gov.rw:accreditation",
	} {
		if got, err := domain.DIDForURL(in); err != nil || got != want {
			t.Errorf("DIDForURL(%s) = %s, %v; want %s", in, got, err, want)
		}
	}
	if _, err := domain.DIDForURL("not a url"); err == nil {
		t.Error("accepted a relative URL")
	}
}

// FuzzVerify: whatever arrives at the public endpoint, verification answers without
// panicking, and only the genuine credential is valid.
func FuzzVerify(f *testing.F) {
	p, _ := rwanda(f)
	iss := signer(f, "did:web:acc.example.org")
	good, _ := domain.Sign(iss, domain.Credential(iss, p, domain.Award{CredentialID: "c", Tenant: "rw-gasabo", PersonID: "p", StatusIndex: 1, IssuedAt: time.Now()}))
	f.Add(good)
	f.Add("a.b.c")
	f.Add(good[:len(good)-2])
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := domain.Verify(iss.DID, iss.Key.Public().(ed25519.PublicKey), raw, time.Now(), statusOf())
		if err != nil {
			t.Fatal(err)
		}
		if v.Result == domain.Valid && strings.TrimSpace(raw) != good {
			t.Fatalf("a changed credential verified: %q", raw)
		}
	})
}

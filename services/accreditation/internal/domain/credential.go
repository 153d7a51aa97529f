package domain

import (
	"bytes"
	"compress/gzip"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Credentials are W3C Verifiable Credentials 2.0 of type OpenBadgeCredential (Open Badges
// 3.0), secured as VC-JOSE: the credential is the JWT claims set, signed EdDSA with the
// issuer's Ed25519 key, media type application/vc+jwt. The issuer is a did:web whose DID
// document (served at /.well-known/did.json) holds the public key, so anyone with that
// document verifies a credential offline; revocation is a Bitstring Status List.
const (
	MediaType          = "application/vc+jwt"
	ContextVC          = "https://www.w3.org/ns/credentials/v2"
	ContextOB          = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
	StatusListSize     = 131072 // bits: the minimum the Bitstring Status List spec asks for privacy
	statusPurpose      = "revocation"
	headerType         = "vc+jwt"
	verificationMethod = "JsonWebKey"
)

// Signer is the issuer with its private key.
type Signer struct {
	DID string
	Key ed25519.PrivateKey
	// BaseURL is where the service is reachable publicly (status lists live under it).
	BaseURL string
}

// KeyID is the verification method's id: the DID and a thumbprint of the public key, so
// a rotated key gets a new id.
func KeyID(did string, pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return did + "#" + base64.RawURLEncoding.EncodeToString(sum[:12])
}

// DIDForURL is the did:web of a base URL (port escaped as %3A, path segments as ':').
func DIDForURL(base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("not an absolute URL: %q", base)
	}
	did := "did:web:" + strings.ReplaceAll(u.Host, ":", "%3A")
	for _, seg := range strings.Split(strings.Trim(u.Path, "/"), "/") {
		if seg != "" {
			did += ":" + seg
		}
	}
	return did, nil
}

// DIDDocument is the issuer's DID document.
func DIDDocument(did string, pub ed25519.PublicKey) map[string]any {
	kid := KeyID(did, pub)
	return map[string]any{
		"@context": []string{"https://www.w3.org/ns/did/v1", "https://w3id.org/security/jwk/v1"},
		"id":       did,
		"verificationMethod": []map[string]any{{
			"id": kid, "type": verificationMethod, "controller": did,
			"publicKeyJwk": map[string]string{"kty": "OKP", "crv": "Ed25519", "x": base64.RawURLEncoding.EncodeToString(pub)},
		}},
		"assertionMethod": []string{kid},
	}
}

// StatusListURL is the URL of a tenant's revocation list.
func StatusListURL(base, tenant string) string {
	return strings.TrimSuffix(base, "/") + "/v1/status-lists/" + tenant
}

// Award is what a credential states.
type Award struct {
	CredentialID string
	Tenant       string
	PersonID     string
	EnrolmentID  string
	StatusIndex  int
	IssuedAt     time.Time
}

// SubjectID names the holder without personal data: the person's id in the tenant.
func SubjectID(tenant, person string) string { return "urn:l4l:" + tenant + ":person:" + person }

// Credential builds the OpenBadgeCredential of an award.
func Credential(s Signer, p Programme, a Award) map[string]any {
	var alignment []map[string]any
	for _, c := range p.Competencies {
		alignment = append(alignment, map[string]any{"type": []string{"Alignment"}, "targetName": c.Name,
			"targetType": "Competency", "targetCode": c.Key, "targetUrl": "urn:l4l:" + p.Country + ":competency:" + c.Key})
	}
	listURL := StatusListURL(s.BaseURL, a.Tenant)
	cred := map[string]any{
		"@context":  []string{ContextVC, ContextOB},
		"id":        "urn:uuid:" + a.CredentialID,
		"type":      []string{"VerifiableCredential", "OpenBadgeCredential"},
		"issuer":    map[string]any{"id": s.DID, "type": []string{"Profile"}, "name": p.AwardingBody},
		"name":      p.Name,
		"validFrom": a.IssuedAt.UTC().Format(time.RFC3339),
		"credentialSubject": map[string]any{
			"id":   SubjectID(a.Tenant, a.PersonID),
			"type": []string{"AchievementSubject"},
			"achievement": map[string]any{
				"id": "urn:l4l:" + p.Country + ":achievement:certificate", "type": []string{"Achievement"},
				"achievementType": "Certificate", "name": p.Name,
				"description": p.Name + ", awarded by " + p.AwardingBody + " on an assessed portfolio of workplace evidence.",
				"criteria":    map[string]any{"narrative": "A portfolio meeting every evidence requirement, judged at or above level " + strconv.Itoa(p.PassLevel) + " in every competency, moderated where required."},
				"alignment":   alignment,
			},
		},
		"credentialStatus": map[string]any{
			"id": listURL + "#" + strconv.Itoa(a.StatusIndex), "type": "BitstringStatusListEntry", "statusPurpose": statusPurpose,
			"statusListIndex": strconv.Itoa(a.StatusIndex), "statusListCredential": listURL,
		},
	}
	if p.ValidYears > 0 {
		cred["validUntil"] = a.IssuedAt.UTC().AddDate(p.ValidYears, 0, 0).Format(time.RFC3339)
	}
	return cred
}

// Sign secures a credential as VC-JOSE: the credential is the claims set; iss, jti, iat
// (and exp when it expires) repeat its facts for JWT libraries.
func Sign(s Signer, cred map[string]any) (string, error) {
	claims := jwt.MapClaims{}
	for k, v := range cred {
		claims[k] = v
	}
	claims["iss"] = s.DID
	claims["jti"] = cred["id"]
	if from, err := time.Parse(time.RFC3339, fmt.Sprint(cred["validFrom"])); err == nil {
		claims["iat"] = from.Unix()
	}
	if until, ok := cred["validUntil"].(string); ok {
		if t, err := time.Parse(time.RFC3339, until); err == nil {
			claims["exp"] = t.Unix()
		}
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	tok.Header["typ"] = headerType
	tok.Header["cty"] = "vc"
	tok.Header["kid"] = KeyID(s.DID, s.Key.Public().(ed25519.PublicKey))
	return tok.SignedString(s.Key)
}

// ed25519SignatureInvalid is what golang-jwt reports when an EdDSA signature does not verify.
var ed25519SignatureInvalid = jwt.ErrEd25519Verification

// Verification results.
const (
	Valid         = "valid"
	Tampered      = "tampered"
	Revoked       = "revoked"
	UnknownIssuer = "unknown_issuer"
	Expired       = "expired"
	Malformed     = "malformed"
	StatusUnknown = "status_unknown"
)

// Check is one step of a verification.
type Check struct {
	Check  string `json:"check"`
	Passed bool   `json:"passed"`
	Detail string `json:"detail"`
}

// Verification is the answer to "is this credential good?".
type Verification struct {
	Result       string         `json:"result"`
	Checks       []Check        `json:"checks"`
	CredentialID string         `json:"credential_id,omitempty"`
	Issuer       string         `json:"issuer,omitempty"`
	Credential   map[string]any `json:"credential,omitempty"`
}

// StatusLookup answers whether the status list at url has the bit at index set for the
// credential id; known is false for a list this issuer does not keep (or a position it
// never gave that credential).
type StatusLookup func(listURL string, index int, credentialID string) (revoked, known bool, err error)

// Verify checks a VC-JOSE credential against the issuer's DID and public key: format,
// issuer, signature, validity period and revocation status, each reported.
func Verify(did string, pub ed25519.PublicKey, raw string, now time.Time, status StatusLookup) (Verification, error) {
	v := Verification{Checks: []Check{}}
	add := func(name string, ok bool, format string, args ...any) bool {
		v.Checks = append(v.Checks, Check{Check: name, Passed: ok, Detail: fmt.Sprintf(format, args...)})
		return ok
	}
	raw = strings.TrimSpace(raw)
	parts := strings.Split(raw, ".")
	var header map[string]any
	var cred map[string]any
	if len(parts) != 3 || decodeSegment(parts[0], &header) != nil || decodeSegment(parts[1], &cred) != nil || !canonical(parts[2]) {
		add("format", false, "not a compact JWS of three canonical base64url segments (header and payload JSON)")
		v.Result = Malformed
		return v, nil
	}
	if !isCredential(cred) {
		add("format", false, "the payload is not a Verifiable Credential 2.0 of type OpenBadgeCredential")
		v.Result = Malformed
		return v, nil
	}
	add("format", true, "a VC-JOSE OpenBadgeCredential")
	v.Credential = cred
	v.CredentialID = strings.TrimPrefix(fmt.Sprint(cred["id"]), "urn:uuid:")
	v.Issuer = issuerOf(cred)
	kid, _ := header["kid"].(string)
	if v.Issuer != did || (kid != "" && !strings.HasPrefix(kid, did+"#")) {
		add("issuer", false, "issued by %q, not by this issuer (%s)", v.Issuer, did)
		v.Result = UnknownIssuer
		return v, nil
	}
	if kid != "" && kid != KeyID(did, pub) {
		add("issuer", false, "signed with key %q, which the issuer's DID document does not list", kid)
		v.Result = UnknownIssuer
		return v, nil
	}
	add("issuer", true, "issued by %s", did)
	_, err := jwt.NewParser(jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}), jwt.WithoutClaimsValidation()).
		Parse(raw, func(*jwt.Token) (any, error) { return pub, nil })
	if err != nil {
		why := "the signature does not match the content: it was changed after signing, or forged"
		if !errors.Is(err, ed25519SignatureInvalid) {
			why = "the signature is not an EdDSA signature of this issuer: " + err.Error()
		}
		add("signature", false, "%s", why)
		v.Result = Tampered
		return v, nil
	}
	add("signature", true, "EdDSA (Ed25519) signature verified with %s", KeyID(did, pub))
	if typ, _ := header["typ"].(string); typ != headerType {
		add("format", false, "the header's typ is %q, not %s", typ, headerType)
		v.Result = Malformed
		return v, nil
	}
	from, errFrom := time.Parse(time.RFC3339, fmt.Sprint(cred["validFrom"]))
	until, hasUntil := cred["validUntil"].(string)
	switch {
	case errFrom != nil:
		add("validity", false, "validFrom is missing or not a date-time")
		v.Result = Malformed
		return v, nil
	case from.After(now.Add(time.Minute)):
		add("validity", false, "not valid before %s", from.Format(time.RFC3339))
		v.Result = Expired
		return v, nil
	case hasUntil:
		u, err := time.Parse(time.RFC3339, until)
		if err != nil || !u.After(now) {
			add("validity", false, "valid until %s", until)
			v.Result = Expired
			return v, nil
		}
	}
	add("validity", true, "valid from %s%s", from.Format(time.RFC3339), map[bool]string{true: " until " + until}[hasUntil])
	st, _ := cred["credentialStatus"].(map[string]any)
	listURL, _ := st["statusListCredential"].(string)
	index, err := strconv.Atoi(fmt.Sprint(st["statusListIndex"]))
	if st == nil || listURL == "" || err != nil || index < 0 || index >= StatusListSize {
		add("status", false, "no usable BitstringStatusListEntry")
		v.Result = StatusUnknown
		return v, nil
	}
	revoked, known, err := status(listURL, index, v.CredentialID)
	switch {
	case err != nil:
		return v, err
	case !known:
		add("status", false, "status list %s is not kept by this issuer", listURL)
		v.Result = StatusUnknown
	case revoked:
		add("status", false, "revoked: bit %d of %s is set", index, listURL)
		v.Result = Revoked
	default:
		add("status", true, "not revoked (bit %d of %s)", index, listURL)
		v.Result = Valid
	}
	return v, nil
}

// decodeSegment decodes a canonical base64url JSON segment. Non-canonical encodings
// (unused trailing bits set) are refused: they would let two different strings carry the
// same signed bytes.
func decodeSegment(s string, v any) error {
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func canonical(s string) bool {
	_, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return err == nil
}

func isCredential(c map[string]any) bool {
	ctx, _ := c["@context"].([]any)
	types, _ := c["type"].([]any)
	if len(ctx) == 0 || ctx[0] != ContextVC {
		return false
	}
	hasVC, hasOB := false, false
	for _, t := range types {
		hasVC = hasVC || t == "VerifiableCredential"
		hasOB = hasOB || t == "OpenBadgeCredential"
	}
	return hasVC && hasOB && c["credentialSubject"] != nil
}

func issuerOf(c map[string]any) string {
	switch iss := c["issuer"].(type) {
	case string:
		return iss
	case map[string]any:
		s, _ := iss["id"].(string)
		return s
	}
	return ""
}

// EncodeStatusList is the Bitstring Status List's encodedList: the bitstring (index 0 is
// the most significant bit of the first byte) gzipped, base64url-encoded, with the
// multibase prefix "u".
func EncodeStatusList(set []int) (string, error) {
	bits := make([]byte, StatusListSize/8)
	for _, i := range set {
		if i >= 0 && i < StatusListSize {
			bits[i/8] |= 0x80 >> (i % 8)
		}
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(bits); err != nil {
		return "", err
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	return "u" + base64.RawURLEncoding.EncodeToString(buf.Bytes()), nil
}

// StatusBit reads bit index of an encodedList (offline verifiers do the same).
func StatusBit(encoded string, index int) (bool, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(encoded, "u"))
	if err != nil {
		return false, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return false, err
	}
	var bits bytes.Buffer
	if _, err := bits.ReadFrom(zr); err != nil {
		return false, err
	}
	if index < 0 || index/8 >= bits.Len() {
		return false, fmt.Errorf("index %d outside the list", index)
	}
	return bits.Bytes()[index/8]&(0x80>>(index%8)) != 0, nil
}

// StatusListCredential is the BitstringStatusListCredential of a tenant's list.
func StatusListCredential(s Signer, tenant string, revoked []int, now time.Time) (map[string]any, error) {
	enc, err := EncodeStatusList(revoked)
	if err != nil {
		return nil, err
	}
	url := StatusListURL(s.BaseURL, tenant)
	return map[string]any{
		"@context":  []string{ContextVC},
		"id":        url,
		"type":      []string{"VerifiableCredential", "BitstringStatusListCredential"},
		"issuer":    s.DID,
		"validFrom": now.UTC().Format(time.RFC3339),
		"credentialSubject": map[string]any{
			"id": url + "#list", "type": "BitstringStatusList", "statusPurpose": statusPurpose, "encodedList": enc,
		},
	}, nil
}

// SignStatusList secures a status list credential like any other (VC-JOSE, EdDSA).
func SignStatusList(s Signer, cred map[string]any) (string, error) {
	claims := jwt.MapClaims{}
	for k, v := range cred {
		claims[k] = v
	}
	claims["iss"] = s.DID
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	tok.Header["typ"] = headerType
	tok.Header["kid"] = KeyID(s.DID, s.Key.Public().(ed25519.PublicKey))
	return tok.SignedString(s.Key)
}

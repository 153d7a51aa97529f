// Package accreditation is the accreditation service: the certificate programme from the
// country profile, enrolment of leaders on appointment, portfolios of workplace evidence
// (collected from PLC and coaching events, or uploaded), assessment with moderation, and
// the award of a W3C Verifiable Credential (Open Badges 3.0) that anyone can verify. It
// publishes accreditation.* events through the outbox and consumes recruitment.*, plc.*,
// coaching.* and directory.* events.
package accreditation

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"embed"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	libevents "github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/privacy"
	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/libs/service"
	"github.com/l4l-platform/l4l/services/accreditation/internal/domain"
	"github.com/l4l-platform/l4l/services/accreditation/internal/events"
	"github.com/l4l-platform/l4l/services/accreditation/internal/http"
	"github.com/l4l-platform/l4l/services/accreditation/internal/store"
)

// Name is the service's name: its topic is l4l.accreditation.events, its databases l4l_accreditation_<tenant>.
const Name = store.Service

// OpenAPI is the service's contract.
//
//go:embed api/openapi.yaml
var OpenAPI []byte

// programmeFiles hold, per country, what the programme needs beyond the profile.
//
//go:embed programmes/*.yaml
var programmeFiles embed.FS

// Settings of the credential issuer (environment variables; see docs/configuration.md).
const (
	// EnvSigningKey is the path of the issuer's Ed25519 private key (PKCS#8 PEM), the
	// file of a mounted Secret in production; it must exist. Unset, the development key
	// at EnvDevKey (default DevKeyPath) is used, generated on first use.
	EnvSigningKey = "L4L_ACCREDITATION_SIGNING_KEY"
	// EnvDevKey is where the development key is kept (`l4lctl dev up` puts it in its --dir).
	EnvDevKey = "L4L_ACCREDITATION_DEV_KEY"
	// EnvPublicURL is where the service is reachable by verifiers (status lists are
	// published under it); the issuer's did:web is derived from it.
	EnvPublicURL = "L4L_ACCREDITATION_PUBLIC_URL"
	// EnvIssuerDID overrides the derived did:web (its DID document must then be served
	// at that domain's /.well-known/did.json, e.g. by an Ingress rule to this service).
	EnvIssuerDID = "L4L_ACCREDITATION_ISSUER_DID"
	// DevKeyPath is the development key, beside the dev stack's other keys.
	DevKeyPath       = ".l4l/accreditation-signing-key.pem"
	defaultPublicURL = "http://127.0.0.1:8085"
)

func now() time.Time { return time.Now().UTC() }

// Programmes loads the programme of every country of profiles that has one, from the
// profile and the embedded programmes/<country>.yaml.
func Programmes(profiles *profile.Registry) (events.Programmes, error) {
	return events.LoadProgrammes(profiles, func(country string) ([]byte, error) {
		return fs.ReadFile(programmeFiles, "programmes/"+country+".yaml")
	})
}

func programmes(d *service.Deps) (events.Programmes, error) { return Programmes(d.Profiles) }

// Definition wires the accreditation service into the shared service shape.
var Definition = service.Definition{
	Name:    Name,
	OpenAPI: OpenAPI,
	Indexes: store.Indexes,
	Outbox:  []string{store.Enrolments, store.Evidence, store.Credentials},
	Routes: func(d *service.Deps, v1 *gin.RouterGroup) error {
		ps, err := programmes(d)
		if err != nil {
			return err
		}
		signer, err := LoadSigner()
		if err != nil {
			return err
		}
		api := &http.API{Store: store.New(d.Tenants, d.Relay), Profiles: d.Profiles, Programmes: ps, Signer: signer, Now: now,
			Verifications: http.NewVerificationsCounter(d.Metrics)}
		var largest int64
		for _, p := range ps {
			largest = max(largest, p.MaxUploadBytes)
		}
		// The multipart envelope and form fields come on top of the file.
		d.Server.AllowLargeBody(http.UploadRoute, largest+1<<20)
		api.Register(v1)
		// libs/service puts every /v1 route behind the bearer token; verification, status
		// lists and the DID document are for anyone, so they go on the engine itself.
		api.RegisterPublic(d.Server.Engine)
		return nil
	},
	Subscriptions: []service.Subscription{
		subscription("recruitment", events.Recruitment),
		subscription("plc", events.PLC),
		subscription("coaching", events.Coaching),
		subscription("directory", events.Directory),
	},
	Privacy: func(d *service.Deps) privacy.Hooks {
		s := store.New(d.Tenants, d.Relay)
		return privacy.Hooks{Export: s.ExportPerson, Erase: s.ErasePerson}
	},
}

type handlerFunc func(*store.Store, *profile.Registry, events.Programmes, func() time.Time) libevents.Handler

// subscription is one consumer group reading one publisher's topic.
func subscription(from string, h handlerFunc) service.Subscription {
	return service.Subscription{
		Name:   from,
		Topics: []string{libevents.Topic(from)},
		Handler: func(d *service.Deps) libevents.Handler {
			ps, err := programmes(d)
			if err != nil { // Routes failed on the same error before any consumer starts
				panic(err)
			}
			return h(store.New(d.Tenants, d.Relay), d.Profiles, ps, now)
		},
	}
}

// LoadSigner reads the issuer's key and names the issuer.
func LoadSigner() (domain.Signer, error) {
	base := strings.TrimSuffix(strings.TrimSpace(os.Getenv(EnvPublicURL)), "/")
	if base == "" {
		base = defaultPublicURL
	}
	did := strings.TrimSpace(os.Getenv(EnvIssuerDID))
	if did == "" {
		var err error
		if did, err = domain.DIDForURL(base); err != nil {
			return domain.Signer{}, fmt.Errorf("%s: %w", EnvPublicURL, err)
		}
	} else if !strings.HasPrefix(did, "did:web:") {
		return domain.Signer{}, fmt.Errorf("%s: want a did:web, got %q", EnvIssuerDID, did)
	}
	path := strings.TrimSpace(os.Getenv(EnvSigningKey))
	var key ed25519.PrivateKey
	var err error
	if path != "" {
		key, err = readKey(path)
	} else {
		dev := strings.TrimSpace(os.Getenv(EnvDevKey))
		if dev == "" {
			dev = DevKeyPath
		}
		key, err = devKey(dev)
	}
	if err != nil {
		return domain.Signer{}, err
	}
	return domain.Signer{DID: did, Key: key, BaseURL: base}, nil
}

func readKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvSigningKey, err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, fmt.Errorf("%s: %s holds no PEM block", EnvSigningKey, path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", EnvSigningKey, path, err)
	}
	ed, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s: %s is a %T, want an Ed25519 key (openssl genpkey -algorithm ed25519)", EnvSigningKey, path, k)
	}
	return ed, nil
}

// devKey reads the development key, generating it on first use.
func devKey(path string) (ed25519.PrivateKey, error) {
	if k, err := readKey(path); err == nil {
		return k, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err := WriteKey(path); err != nil {
		return nil, err
	}
	return readKey(path)
}

// WriteKey generates an Ed25519 key and writes it as PKCS#8 PEM (mode 0600).
func WriteKey(path string) error {
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
}

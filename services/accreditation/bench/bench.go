// Package bench measures credential verification beside its ceiling, for `make bench` and
// `go test -bench`: the public POST /v1/credentials/verify endpoint (HTTP, JSON, the
// signature, and the revocation status read from the database), the same verification
// in-process (no HTTP, status from memory), and a bare crypto/ed25519 Verify of the same
// signature, all with the same concurrency in the same run.
//
// It starts the embedded dev stack, so production binaries must never import it (the
// service's cmd does not).
package bench

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/l4l-platform/l4l/libs/auth/devissuer"
	"github.com/l4l-platform/l4l/libs/config"
	"github.com/l4l-platform/l4l/libs/devstack"
	"github.com/l4l-platform/l4l/libs/service"
	"github.com/l4l-platform/l4l/services/accreditation"
	"github.com/l4l-platform/l4l/services/accreditation/internal/domain"
	"github.com/l4l-platform/l4l/services/accreditation/internal/events"
	"github.com/l4l-platform/l4l/services/accreditation/internal/store"
)

// Options size the run; zero values take the defaults noted.
type Options struct {
	// Verifications per row (1,000 over HTTP; the in-process rows do 20× as many), by
	// Clients (8) concurrent callers; Credentials (200) are issued first, so the status
	// lookup finds its row among others.
	Verifications, Clients, Credentials int
}

// Row is one measured way of verifying.
type Row struct {
	Name    string
	N       int
	Elapsed time.Duration
	P50     time.Duration
	P99     time.Duration
	PerSec  float64
}

func (r Row) String() string {
	return fmt.Sprintf("%-34s %7d in %6.2f s: %9.0f/s  p50 %8s  p99 %8s", r.Name, r.N, r.Elapsed.Seconds(), r.PerSec,
		r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond))
}

// Result is what one run measured.
type Result struct {
	Endpoint, InProcess, Bare Row
	// Ratio is the endpoint's throughput over the bare Ed25519 verify's.
	Ratio float64
}

func (r Result) String() string {
	return fmt.Sprintf("%s\n%s\n%s\nratio endpoint / bare ed25519.Verify: %.4f (the endpoint reads the status from the dev database, one connection)",
		r.Endpoint, r.InProcess, r.Bare, r.Ratio)
}

const tenant = "rw-gasabo"

// Verification runs the benchmark once.
func Verification(ctx context.Context, o Options) (Result, error) {
	if o.Verifications == 0 {
		o.Verifications = 1000
	}
	if o.Clients == 0 {
		o.Clients = 8
	}
	if o.Credentials == 0 {
		o.Credentials = 200
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	dir, err := os.MkdirTemp("", "l4l-accreditation-bench-")
	if err != nil {
		return Result{}, err
	}
	defer os.RemoveAll(dir)
	stack, err := devstack.Start(ctx, devstack.Options{Dir: dir})
	if err != nil {
		return Result{}, err
	}
	defer stack.Close()
	key := filepath.Join(dir, "signing-key.pem")
	if err := accreditation.WriteKey(key); err != nil {
		return Result{}, err
	}
	os.Setenv(accreditation.EnvSigningKey, key)
	defer os.Unsetenv(accreditation.EnvSigningKey)
	is := devissuer.New(devissuer.DefaultIssuer)
	jwksURL, err := is.Serve(ctx, "127.0.0.1:0")
	if err != nil {
		return Result{}, err
	}
	cfg, err := config.FromEnv(accreditation.Name)
	if err != nil {
		return Result{}, err
	}
	cfg.HTTPAddr, cfg.MongoURI, cfg.KafkaBrokers = "127.0.0.1:0", stack.MongoURI, stack.KafkaBrokers
	cfg.OIDCIssuer, cfg.OIDCJWKSURL = devissuer.DefaultIssuer, jwksURL
	cfg.Tenants = []string{tenant}
	svc, err := service.Start(ctx, accreditation.Definition, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return Result{}, err
	}
	defer func() { cancel(); _ = svc.Wait() }()

	// Issue credentials as the award does.
	signer, err := accreditation.LoadSigner()
	if err != nil {
		return Result{}, err
	}
	ps, err := accreditation.Programmes(svc.Deps.Profiles)
	if err != nil {
		return Result{}, err
	}
	p, _ := ps.For(tenant)
	st := store.New(svc.Deps.Tenants, nil)
	var creds []string
	for i := range o.Credentials {
		idx, err := st.NextStatusIndex(ctx, tenant)
		if err != nil {
			return Result{}, err
		}
		id := events.NewID()
		a := domain.Award{CredentialID: id, Tenant: tenant, PersonID: fmt.Sprintf("lll-%d", i), EnrolmentID: "en-" + id, StatusIndex: idx, IssuedAt: time.Now().UTC()}
		raw, err := domain.Sign(signer, domain.Credential(signer, p, a))
		if err != nil {
			return Result{}, err
		}
		c := store.Credential{ID: id, EnrolmentID: a.EnrolmentID, EnrolmentKey: a.EnrolmentID + "/1", PersonID: a.PersonID, StatusIndex: idx, IssuedAt: a.IssuedAt, JWT: raw}
		if err := st.Credentials.Insert(ctx, tenant, id, c); err != nil {
			return Result{}, err
		}
		creds = append(creds, raw)
	}
	pub := signer.Key.Public().(ed25519.PublicKey)

	var res Result
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: o.Clients}}
	res.Endpoint, err = run("POST /v1/credentials/verify", o.Verifications, o.Clients, func(i int) error {
		body, _ := json.Marshal(map[string]string{"credential": creds[i%len(creds)]})
		r, err := client.Post(svc.URL+"/v1/credentials/verify", "application/json", bytes.NewReader(body))
		if err != nil {
			return err
		}
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		if r.StatusCode != http.StatusOK || !bytes.Contains(b, []byte(`"result":"valid"`)) {
			return fmt.Errorf("verify answered %d %s", r.StatusCode, b)
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	notRevoked := func(string, int, string) (bool, bool, error) { return false, true, nil }
	res.InProcess, err = run("domain.Verify (in-process)", 20*o.Verifications, o.Clients, func(i int) error {
		v, err := domain.Verify(signer.DID, pub, creds[i%len(creds)], time.Now(), notRevoked)
		if err == nil && v.Result != domain.Valid {
			err = fmt.Errorf("in-process verification: %s", v.Result)
		}
		return err
	})
	if err != nil {
		return res, err
	}
	inputs, sigs := make([][]byte, len(creds)), make([][]byte, len(creds))
	for i, c := range creds {
		cut := strings.LastIndexByte(c, '.')
		inputs[i] = []byte(c[:cut])
		if sigs[i], err = base64.RawURLEncoding.DecodeString(c[cut+1:]); err != nil {
			return res, err
		}
	}
	res.Bare, err = run("bare ed25519.Verify (ceiling)", 20*o.Verifications, o.Clients, func(i int) error {
		if !ed25519.Verify(pub, inputs[i%len(inputs)], sigs[i%len(sigs)]) {
			return fmt.Errorf("bare verify failed")
		}
		return nil
	})
	res.Ratio = res.Endpoint.PerSec / res.Bare.PerSec
	return res, err
}

// run calls f n times from clients goroutines and measures each call.
func run(name string, n, clients int, f func(i int) error) (Row, error) {
	lat := make([]time.Duration, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	start := time.Now()
	for c := range clients {
		wg.Go(func() {
			for i := c; i < n; i += clients {
				t0 := time.Now()
				err := f(i)
				lat[i] = time.Since(t0)
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(lat)
	return Row{Name: name, N: n, Elapsed: elapsed, P50: lat[n/2], P99: lat[n*99/100], PerSec: float64(n) / elapsed.Seconds()}, firstErr
}

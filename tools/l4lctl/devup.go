package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/l4l-platform/l4l/libs/auth/devissuer"
	"github.com/l4l-platform/l4l/libs/config"
	"github.com/l4l-platform/l4l/libs/devstack"
	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/libs/service"
	"github.com/l4l-platform/l4l/services/accreditation"
	"github.com/l4l-platform/l4l/services/directory"
)

// upOptions say where the dev stack keeps its data and which loopback ports it binds.
// Port 0 picks a free port, which is how tests run several stacks side by side.
type upOptions struct {
	Dir        string
	KafkaPort  int
	MongoPort  int
	IssuerAddr string
	// BasePort is the first service's port; 0 puts every service on a free port.
	BasePort int
	Tenant   string
	Seed     bool
	// Logger receives the services' and embedded servers' logs.
	Logger *slog.Logger
}

// devTokenTTL is long enough for a working day, short enough not to live forever in
// shell histories.
const devTokenTTL = 12 * time.Hour

// devEnv is a running dev stack: what `dev up` prints, and what tests call.
type devEnv struct {
	Dir          string
	Tenant       string
	Services     []runningService
	Issuer       string // the iss claim services trust
	JWKSURL      string
	MongoURI     string
	KafkaBrokers []string
	// Token is a DEO token for Tenant, valid devTokenTTL.
	Token  string
	Seeded *seedResult // nil with --no-seed
	// Profile is the tenant's country profile.
	Profile *profile.Index
	// Programme is the demo middle tier, campaign and PLC term (nil with --no-seed).
	Programme *programmeResult
	// Took is the time from start to ready (and seeded).
	Took time.Duration

	stack  *devstack.Stack
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	errs   []error
	done   chan struct{}
}

type runningService struct{ Name, URL string }

// URL returns the base URL of the named service ("" if it does not run).
func (e *devEnv) URL(name string) string {
	for _, s := range e.Services {
		if s.Name == name {
			return s.URL
		}
	}
	return ""
}

// Done is closed once everything has stopped: after ctx ended, or after a service
// stopped on its own (which stops the rest: half a platform is no use in dev).
func (e *devEnv) Done() <-chan struct{} { return e.done }

// Wait blocks until everything has stopped and returns why services stopped, if not cleanly.
func (e *devEnv) Wait() error {
	<-e.done
	e.mu.Lock()
	defer e.mu.Unlock()
	return errors.Join(e.errs...)
}

func (e *devEnv) fail(err error) {
	e.mu.Lock()
	e.errs = append(e.errs, err)
	e.mu.Unlock()
}

// up starts the dev stack, the dev issuer and every service, waits until all are ready,
// and seeds the demo data. Everything runs until ctx ends; then Wait returns once the
// services have drained and the embedded servers have closed.
func up(ctx context.Context, o upOptions) (*devEnv, error) {
	start := time.Now()
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	// Check what can be checked before starting anything: a typo in --tenant should not
	// cost a stack start and stop.
	base, err := config.FromEnv(directory.Name)
	if err != nil {
		return nil, err
	}
	profiles, err := profile.LoadRegistry(base.Countries...)
	if err != nil {
		return nil, err
	}
	idx, _, ok := profiles.Tenant(o.Tenant)
	if !ok {
		return nil, fmt.Errorf("--tenant %q is not a tenant of the country profiles %s; tenants are districts like rw-gasabo",
			o.Tenant, strings.Join(profiles.Countries(), ", "))
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("--dir: %w", err)
	}
	// The embedded database hangs rather than fail when its port is taken, and the
	// others fail one at a time: check every fixed port first and name them all.
	if err := portsFree(o); err != nil {
		return nil, err
	}

	ctx, cancel := context.WithCancel(ctx)
	e := &devEnv{Dir: dir, Tenant: o.Tenant, Issuer: devissuer.DefaultIssuer, cancel: cancel, done: make(chan struct{})}
	// finish stops whatever has started, in reverse order, once ctx ends.
	finish := func() {
		e.wg.Wait()
		if e.stack != nil {
			e.stack.Close()
		}
		close(e.done)
	}
	abort := func(err error) (*devEnv, error) {
		cancel()
		finish()
		return nil, err
	}

	e.stack, err = devstack.Start(ctx, devstack.Options{Dir: filepath.Join(dir, "stack"),
		KafkaPort: o.KafkaPort, MongoPort: o.MongoPort, Logger: o.Logger})
	if err != nil {
		return abort(err)
	}
	e.MongoURI, e.KafkaBrokers = e.stack.MongoURI, e.stack.KafkaBrokers

	// The key lives in --dir so that tokens minted by `l4lctl token` keep working across
	// restarts; the iss claim is the fixed default whatever address the JWKS is served on.
	issuer, err := devissuer.Load(dir, devissuer.DefaultIssuer)
	if err != nil {
		return abort(err)
	}
	if e.JWKSURL, err = issuer.Serve(ctx, o.IssuerAddr); err != nil {
		return abort(err)
	}

	// The accreditation service's development signing key is kept in --dir too, so that
	// credentials issued before a restart still verify.
	if os.Getenv(accreditation.EnvSigningKey) == "" && os.Getenv(accreditation.EnvDevKey) == "" {
		_ = os.Setenv(accreditation.EnvDevKey, filepath.Join(dir, "accreditation-signing-key.pem"))
	}
	for _, s := range services {
		cfg, err := config.FromEnv(s.def.Name)
		if err != nil {
			return abort(err)
		}
		port := 0
		if o.BasePort != 0 {
			port = o.BasePort + s.offset
		}
		cfg.HTTPAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		cfg.MongoURI, cfg.KafkaBrokers = e.stack.MongoURI, e.stack.KafkaBrokers
		cfg.OIDCIssuer, cfg.OIDCJWKSURL = devissuer.DefaultIssuer, e.JWKSURL
		cfg.Tenants = []string{o.Tenant}
		r, err := service.Start(ctx, s.def, cfg, o.Logger)
		if err != nil {
			return abort(fmt.Errorf("start %s: %w", s.def.Name, err))
		}
		e.Services = append(e.Services, runningService{Name: s.def.Name, URL: r.URL})
		e.wg.Go(func() {
			err := r.Wait()
			if ctx.Err() == nil {
				err = fmt.Errorf("%s stopped on its own: %v", s.def.Name, err)
				cancel()
			}
			if err != nil {
				e.fail(err)
			}
		})
	}
	for _, s := range e.Services {
		if err := waitReady(ctx, s); err != nil {
			return abort(err)
		}
	}

	country, _, _ := strings.Cut(o.Tenant, "-")
	if e.Token, err = issuer.Token("dev-user", []string{"deo"}, country, o.Tenant, "", devTokenTTL); err != nil {
		return abort(err)
	}
	if o.Seed {
		res, err := seed(ctx, e.URL(directory.Name), e.Token, idx, o.Tenant)
		if err != nil {
			return abort(fmt.Errorf("seed demo data: %w", err))
		}
		e.Seeded = &res
		urls := map[string]string{}
		for _, s := range e.Services {
			urls[s.Name] = s.URL
		}
		prog, err := seedProgramme(ctx, urls, e.Token, idx, o.Tenant)
		if err != nil {
			return abort(fmt.Errorf("seed the demo programme: %w", err))
		}
		e.Programme = &prog
	}
	e.Profile = idx
	e.Took = time.Since(start)
	go func() {
		<-ctx.Done()
		finish()
	}()
	return e, nil
}

// waitReady polls /readyz: a service that listens may still be opening its databases.
func waitReady(ctx context.Context, s runningService) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	client := &http.Client{Timeout: 3 * time.Second}
	last := "no answer"
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/readyz", nil)
		if err != nil {
			return err
		}
		res, err := client.Do(req)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(res.Body, 1024))
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Sprintf("%d %s", res.StatusCode, strings.TrimSpace(string(body)))
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s did not become ready (%s/readyz: %s)", s.Name, s.URL, last)
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// portsFree checks that the fixed ports of o can be bound on loopback.
func portsFree(o upOptions) error {
	type want struct{ addr, what, flag string }
	var ws []want
	if o.KafkaPort != 0 {
		ws = append(ws, want{fmt.Sprintf("127.0.0.1:%d", o.KafkaPort), "Kafka", "--kafka-port"})
	}
	if o.MongoPort != 0 {
		ws = append(ws, want{fmt.Sprintf("127.0.0.1:%d", o.MongoPort), "MongoDB", "--mongo-port"})
	}
	if _, port, err := net.SplitHostPort(o.IssuerAddr); err != nil {
		return fmt.Errorf("--issuer-addr %q: want host:port, like 127.0.0.1:8099", o.IssuerAddr)
	} else if port != "0" {
		ws = append(ws, want{o.IssuerAddr, "the dev issuer", "--issuer-addr"})
	}
	if o.BasePort != 0 {
		for _, s := range services {
			ws = append(ws, want{fmt.Sprintf("127.0.0.1:%d", o.BasePort+s.offset), "the " + s.def.Name + " service", "--base-port"})
		}
	}
	var errs []error
	for _, w := range ws {
		ln, err := net.Listen("tcp", w.addr)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s (%s) is in use, by another `l4lctl dev up` or another program; stop it or choose another port with %s",
				w.addr, w.what, w.flag))
			continue
		}
		_ = ln.Close()
	}
	return errors.Join(errs...)
}

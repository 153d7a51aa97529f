// Package e2e walks a programme year through the whole platform, every service running as
// its own process, as in production: configured by L4L_* variables, talking to one
// Kafka-protocol broker and one MongoDB-wire-protocol database, trusting one issuer.
// The test uses only what an integrator has: the public REST APIs and the events.
// The fault drills (broker, database, a killed consumer, a poison event) run inside the
// same harness, against the same districts.
package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/l4l-platform/l4l/libs/auth/devissuer"
	"github.com/l4l-platform/l4l/libs/devstack"
)

// serviceNames are the deployables the scenario starts, in start order.
var serviceNames = []string{"directory", "recruitment", "plc", "coaching", "accreditation", "analytics"}

// binDir holds the service binaries TestMain builds.
var binDir string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "l4l-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binDir = dir
	root, err := filepath.Abs("../..")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// One `go build` for all six: the toolchain shares the work between them.
	args := []string{"build", "-o", dir + string(os.PathSeparator)}
	// L4L_E2E_RACE=1 builds the services with the race detector too (slow on 2 cores: the
	// test process's own -race does not reach them).
	if os.Getenv("L4L_E2E_RACE") != "" {
		args = append(args, "-race")
	}
	for _, s := range serviceNames {
		args = append(args, "./services/"+s+"/cmd/"+s)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: building the services:", err)
		return 1
	}
	return m.Run()
}

// platform is the running system: broker, database, issuer and six service processes.
type platform struct {
	t        *testing.T
	dir      string
	mongo    *devstack.Stack // the database (its own broker is not used: see kafka)
	kafka    *kfake.Cluster
	kafkaAt  string
	kafkaDir string
	issuer   *devissuer.Issuer
	jwksURL  string
	profile  string // the country profile file every service loads
	procs    map[string]*process
}

// process is one service: its address stays the same across restarts, as a Kubernetes
// Service's would.
type process struct {
	name string
	addr string
	cmd  *exec.Cmd
	log  *os.File
	done chan struct{}
}

func (p *process) URL() string { return "http://" + p.addr }

// startPlatform brings everything up and stops it at the end of the test.
func startPlatform(t *testing.T) *platform {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	p := &platform{t: t, dir: dir, procs: map[string]*process{}}

	st, err := devstack.Start(ctx, devstack.Options{Dir: filepath.Join(dir, "db")})
	if err != nil {
		t.Fatal(err)
	}
	p.mongo = st
	t.Cleanup(st.Close)

	// The broker runs here rather than in devstack so that a drill can stop it and start it
	// again on the same address with the same data (devstack has no such switch: wanted in
	// libs).
	p.kafkaAt = freeAddr(t)
	p.kafkaDir = filepath.Join(dir, "kafka")
	p.startKafka()
	t.Cleanup(func() {
		if p.kafka != nil {
			p.kafka.Close()
		}
	})

	p.profile = compressedProfile(t, dir)
	p.issuer = devissuer.New(devissuer.DefaultIssuer)
	if p.jwksURL, err = p.issuer.Serve(ctx, "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	for _, name := range serviceNames {
		p.procs[name] = &process{name: name, addr: freeAddr(t)}
	}
	for _, name := range serviceNames {
		p.start(name)
	}
	t.Cleanup(p.stopAll)
	for _, name := range serviceNames {
		// A port found free may be taken by another program before the service binds it
		// (other tests share the machine): then the service gets a new one.
		for attempt := 1; ; attempt++ {
			err := p.ready(name, 2*time.Minute)
			if err == nil {
				break
			}
			logged, _ := os.ReadFile(filepath.Join(dir, name+".log"))
			if attempt == 3 || !bytes.Contains(logged, []byte("address already in use")) {
				t.Fatalf("%s not ready: %v", name, err)
			}
			p.procs[name].addr = freeAddr(t)
			p.start(name)
		}
	}
	return p
}

// compressedProfile is Rwanda's country profile with one change: the certificate asks for
// 2 PLC sessions led instead of 6. The scenario's year is the first term up to today (the
// services' clock is the real one), in which an LLL appointed today facilitates two held
// sessions; everything else is the profile as shipped. A ministry changes the same field
// in its CountryProfile.
func compressedProfile(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile("../../libs/profile/profiles/rwanda.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const shipped = "{key: plcs_led, name: PLC sessions led, source: automatic, min: 6}"
	if !bytes.Contains(b, []byte(shipped)) {
		t.Fatalf("rwanda.yaml no longer has %q: update the scenario's compressed year", shipped)
	}
	b = bytes.Replace(b, []byte(shipped), []byte("{key: plcs_led, name: PLC sessions led, source: automatic, min: 2}"), 1)
	path := filepath.Join(dir, "rwanda-compressed.yaml")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func (p *platform) startKafka() {
	p.t.Helper()
	_, port, _ := net.SplitHostPort(p.kafkaAt)
	var portN int
	fmt.Sscan(port, &portN)
	var kc *kfake.Cluster
	var err error
	// After a stop the port may take a moment to be free again.
	deadline := time.Now().Add(30 * time.Second)
	for {
		kc, err = kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(portN), kfake.AllowAutoTopicCreation(),
			kfake.DefaultNumPartitions(12), kfake.GroupMinSessionTimeout(500*time.Millisecond), kfake.DataDir(p.kafkaDir))
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		p.t.Fatalf("start the broker: %v", err)
	}
	p.kafka = kc
}

// stopKafka stops the broker as an outage would; its data stays in kafkaDir.
func (p *platform) stopKafka() {
	p.kafka.Close()
	p.kafka = nil
}

func (p *platform) env(name string) []string {
	pr := p.procs[name]
	e := append(os.Environ(),
		"L4L_HTTP_ADDR="+pr.addr,
		"L4L_MONGO_URI="+p.mongo.MongoURI,
		"L4L_KAFKA_BROKERS="+p.kafkaAt,
		"L4L_OIDC_ISSUER="+devissuer.DefaultIssuer,
		"L4L_OIDC_JWKS_URL="+p.jwksURL,
		"L4L_COUNTRIES="+p.profile,
		"L4L_TENANTS="+gasabo+","+ruhango,
		"L4L_LOG_LEVEL=warn",
		"L4L_OUTBOX_SWEEP=1s",
		"L4L_KAFKA_SESSION_TIMEOUT=1s",
	)
	if name == "accreditation" {
		e = append(e, "L4L_ACCREDITATION_DEV_KEY="+filepath.Join(p.dir, "accreditation-key.pem"),
			"L4L_ACCREDITATION_PUBLIC_URL="+pr.URL())
	}
	return e
}

// start runs the service's binary; its log goes to a file the failure message names.
func (p *platform) start(name string) {
	p.t.Helper()
	pr := p.procs[name]
	logf, err := os.OpenFile(filepath.Join(p.dir, name+".log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		p.t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(binDir, name))
	cmd.Env = p.env(name)
	cmd.Stdout, cmd.Stderr = logf, logf
	dieWithTest(cmd)
	if err := cmd.Start(); err != nil {
		p.t.Fatalf("start %s: %v", name, err)
	}
	pr.cmd, pr.log, pr.done = cmd, logf, make(chan struct{})
	go func(done chan struct{}) { _ = cmd.Wait(); close(done) }(pr.done)
}

// kill stops a service with SIGKILL: no drain, no offsets committed on the way out.
func (p *platform) kill(name string) {
	pr := p.procs[name]
	_ = pr.cmd.Process.Signal(syscall.SIGKILL)
	<-pr.done
	_ = pr.log.Close()
}

// stopAll ends every service with SIGTERM (a graceful drain), SIGKILL after 20 s.
func (p *platform) stopAll() {
	for _, pr := range p.procs {
		if pr.cmd != nil && pr.cmd.Process != nil {
			_ = pr.cmd.Process.Signal(syscall.SIGTERM)
		}
	}
	for _, pr := range p.procs {
		if pr.cmd == nil {
			continue
		}
		select {
		case <-pr.done:
		case <-time.After(20 * time.Second):
			_ = pr.cmd.Process.Signal(syscall.SIGKILL)
			<-pr.done
		}
		_ = pr.log.Close()
	}
	// A service built with -race (L4L_E2E_RACE) reports races on its stderr, in its log.
	for _, name := range serviceNames {
		b, _ := os.ReadFile(filepath.Join(p.dir, name+".log"))
		if i := bytes.Index(b, []byte("WARNING: DATA RACE")); i >= 0 {
			p.t.Errorf("%s reported a data race:\n%s", name, b[i:min(len(b), i+6000)])
		}
	}
	if p.t.Failed() {
		for _, name := range serviceNames {
			b, _ := os.ReadFile(filepath.Join(p.dir, name+".log"))
			if len(b) > 4000 {
				b = b[len(b)-4000:]
			}
			p.t.Logf("--- last lines of %s's log:\n%s", name, b)
		}
	}
}

func (p *platform) waitReady(name string, within time.Duration) {
	p.t.Helper()
	if err := p.ready(name, within); err != nil {
		p.t.Fatalf("%s not ready: %v", name, err)
	}
}

// ready polls the service's /readyz until it answers 200, the process exits, or the time
// is up.
func (p *platform) ready(name string, within time.Duration) error {
	pr := p.procs[name]
	last, exited := "", false
	ok := poll(within, func() bool {
		select {
		case <-pr.done:
			last, exited = "the process exited", true
			return true
		default:
		}
		res, err := http.Get(pr.URL() + "/readyz")
		if err != nil {
			last = err.Error()
			return false
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		last = fmt.Sprintf("%d %s", res.StatusCode, b)
		return res.StatusCode == 200
	})
	if !ok || exited {
		return fmt.Errorf("%s", last)
	}
	return nil
}

// nationalToken is a token with a country scope and no district (university assessors).
func (p *platform) nationalToken(subject string, roles []string, country string) string {
	p.t.Helper()
	tok, err := p.issuer.Token(subject, roles, country, "", "", 2*time.Hour)
	if err != nil {
		p.t.Fatal(err)
	}
	return tok
}

// token mints an access token as the ministry's identity provider would.
func (p *platform) token(subject string, roles []string, tenant, unit string) string {
	p.t.Helper()
	country, _, _ := strings.Cut(tenant, "-")
	tok, err := p.issuer.Token(subject, roles, country, tenant, unit, 2*time.Hour)
	if err != nil {
		p.t.Fatal(err)
	}
	return tok
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// poll calls f until it returns true or the time is up, and says which.
func poll(within time.Duration, f func() bool) bool {
	deadline := time.Now().Add(within)
	for {
		if f() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// response is what a service answered.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) decode(t *testing.T, out any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, out); err != nil {
		t.Fatalf("decoding %s: %v", r.Body, err)
	}
}

// call is one HTTP request to a service.
type call struct {
	method, path, token string
	body                any    // JSON unless a string (sent as is, with contentType)
	contentType         string // for string bodies
	key                 string // Idempotency-Key
	ifMatch             string
}

// do sends c to the service once; a transport error is an answer of status 0.
func (p *platform) do(svc string, c call) response {
	p.t.Helper()
	var body io.Reader
	ct := c.contentType
	switch b := c.body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			p.t.Fatal(err)
		}
		body, ct = bytes.NewReader(raw), "application/json"
	}
	req, err := http.NewRequest(c.method, p.procs[svc].URL()+c.path, body)
	if err != nil {
		p.t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if c.key != "" {
		req.Header.Set("Idempotency-Key", c.key)
	}
	if c.ifMatch != "" {
		req.Header.Set("If-Match", c.ifMatch)
	}
	client := &http.Client{Timeout: 60 * time.Second}
	res, err := client.Do(req)
	if err != nil {
		return response{Status: 0, Body: []byte(err.Error())}
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// must sends c as a tablet on a poor network would: a POST carries one Idempotency-Key
// across its retries; 503s, broken connections and a 409 saying the same key is still
// being processed (the first attempt timed out on our side but runs on) are retried (the
// database has one connection per service in dev mode and a loaded machine makes
// requests wait for it); anything else but want fails the test.
func (p *platform) must(svc string, c call, want int) response {
	p.t.Helper()
	if c.method == http.MethodPost && c.key == "" {
		c.key = newKey()
	}
	var r response
	poll(90*time.Second, func() bool {
		r = p.do(svc, c)
		inProgress := r.Status == http.StatusConflict && r.Header.Get("Retry-After") != ""
		return r.Status != 0 && r.Status != http.StatusServiceUnavailable && !inProgress
	})
	if r.Status != want {
		p.t.Fatalf("%s %s %s: %d, want %d: %s", svc, c.method, c.path, r.Status, want, r.Body)
	}
	return r
}

// eventually retries c until the answer's status is want and ok (if given) accepts it:
// what a service learns from another's events arrives a little later.
func (p *platform) eventually(what string, within time.Duration, svc string, c call, want int, ok func(response) bool) response {
	p.t.Helper()
	fresh := c.method == http.MethodPost && c.key == ""
	var r response
	if !poll(within, func() bool {
		// A refused attempt wrote nothing: the next one is a new request with its own key.
		if fresh {
			c.key = newKey()
		}
		r = p.do(svc, c)
		return r.Status == want && (ok == nil || ok(r))
	}) {
		p.t.Fatalf("waiting for %s: %s %s %s: last answer %d %s", what, svc, c.method, c.path, r.Status, r.Body)
	}
	return r
}

func newKey() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "e2e-" + hex.EncodeToString(b)
}

package delivery

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

// Metrics that appear in a service's /metrics only once something failed (a counter vector
// gets its first series on the first failure). A healthy dev stack cannot show them, so
// TestQueriedMetricsExist's check against the source stands for them.
var onlyAfterAFailure = []string{"l4l_consumer_fetch_errors_total", "l4l_consumer_handler_errors_total"}

// A real Prometheus (Debian's) scrapes every service of the dev stack (`l4lctl dev up`, with
// its demo data) with the chart's rules loaded: every target is up, every rule group loads,
// the RED dashboard's request-rate query returns a series per service, and every metric the
// alerts and dashboards name (besides the operator's, the KPI gauges and the metrics above)
// is in the services' /metrics.
func TestPrometheusScrapesTheDevStack(t *testing.T) {
	t.Parallel() // the slow ones (a dev stack, ko builds, an API server) overlap
	prometheus := tool(t, "L4L_PROMETHEUS", ".cache/promtool/usr/bin/prometheus")
	rules, groups := renderedRules(t)
	services := startDevStack(t)

	// Traffic every service answers without a token (401 is still a request served).
	for name, base := range services {
		for range 3 {
			resp, err := http.Get(base + "/v1/tenants/rw-gasabo/not-a-collection")
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			resp.Body.Close()
		}
	}

	dir := t.TempDir()
	var scrape []map[string]any
	for name, base := range services {
		u, _ := url.Parse(base)
		scrape = append(scrape, map[string]any{"job_name": name, "static_configs": []any{map[string]any{"targets": []string{u.Host}}}})
	}
	cfg, _ := yaml.Marshal(map[string]any{
		"global":         map[string]any{"scrape_interval": "1s", "evaluation_interval": "1s"},
		"rule_files":     []string{rules},
		"scrape_configs": scrape,
	})
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, prometheus, "--config.file="+cfgPath, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--log.level=warn")
	logs, _ := os.Create(filepath.Join(dir, "prometheus.log"))
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	api := "http://" + addr + "/api/v1/"

	// Every target up.
	eventually(t, 60*time.Second, func() error {
		var targets struct {
			ActiveTargets []struct {
				Labels    map[string]string `json:"labels"`
				Health    string            `json:"health"`
				LastError string            `json:"lastError"`
			} `json:"activeTargets"`
		}
		if err := getJSON(api+"targets", &targets); err != nil {
			return err
		}
		if len(targets.ActiveTargets) != len(services) {
			return fmt.Errorf("%d targets, want %d", len(targets.ActiveTargets), len(services))
		}
		for _, tg := range targets.ActiveTargets {
			if tg.Health != "up" {
				return fmt.Errorf("%s is %s %s", tg.Labels["job"], tg.Health, tg.LastError)
			}
		}
		return nil
	})
	// Every rule group loaded, with every alert.
	var loaded struct {
		Groups []struct {
			Name  string `json:"name"`
			Rules []struct {
				Name   string `json:"name"`
				Health string `json:"health"`
			} `json:"rules"`
		} `json:"groups"`
	}
	if err := getJSON(api+"rules", &loaded); err != nil {
		t.Fatal(err)
	}
	want, got := 0, 0
	for _, g := range groups {
		want += len(g.Rules)
	}
	for _, g := range loaded.Groups {
		got += len(g.Rules)
	}
	if got != want || want == 0 {
		t.Errorf("Prometheus loaded %d rules, the chart has %d", got, want)
	}
	// The RED dashboard's request rate: one series per service.
	red := dashboardExprs(t)["red.json: Requests per second #0"]
	if red == "" {
		t.Fatal("the RED dashboard has no request-rate query")
	}
	query := strings.ReplaceAll(red, `job=~"$job"`, `job=~".+"`)
	eventually(t, 30*time.Second, func() error {
		var res struct {
			Result []struct {
				Metric map[string]string `json:"metric"`
			} `json:"result"`
		}
		if err := getJSON(api+"query?query="+url.QueryEscape(query), &res); err != nil {
			return err
		}
		var jobs []string
		for _, r := range res.Result {
			jobs = append(jobs, r.Metric["job"])
		}
		for name := range services {
			if !slices.Contains(jobs, name) {
				return fmt.Errorf("%s: no series for %s (got %v)", query, name, jobs)
			}
		}
		return nil
	})
	// Every metric the alerts and dashboards name, in the services' own /metrics.
	// Also: every consumer group a service runs has its dead-letter topic in the chart
	// (services.<name>.consumerGroups, from which the KafkaTopics are made).
	exposed := map[string]bool{}
	chart := chartServices(t)
	groupLabel := regexp.MustCompile(`^l4l_consumer_events_total\{.*group="([^"]+)"`)
	for name, base := range services {
		resp, err := http.Get(base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) >= 3 && f[0] == "#" && f[1] == "TYPE" {
				exposed[f[2]] = true
			}
			if m := groupLabel.FindStringSubmatch(sc.Text()); m != nil && !slices.Contains(chart[name].ConsumerGroups, m[1]) {
				t.Errorf("%s runs consumer group %s, which is not in services.%s.consumerGroups (no dead-letter KafkaTopic)", name, m[1], name)
				chart[name] = chartService{ConsumerGroups: append(chart[name].ConsumerGroups, m[1])}
			}
		}
		resp.Body.Close()
	}
	exprs := dashboardExprs(t)
	for _, g := range groups {
		for _, r := range g.Rules {
			exprs["alert "+r.Alert] = r.Expr
		}
	}
	seen := map[string]bool{}
	for where, e := range exprs {
		for _, m := range metricNames(e) {
			base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(m, "_bucket"), "_sum"), "_count")
			if m == "up" || strings.HasPrefix(m, "l4l_operator_") || slices.Contains(onlyAfterAFailure, m) || seen[m] {
				continue
			}
			seen[m] = true
			if !exposed[m] && !exposed[base] {
				t.Errorf("%s: %s is not in any running service's /metrics", where, m)
			}
		}
	}
	t.Logf("%d services scraped; %d metrics named by alerts and dashboards found in their /metrics", len(services), len(seen))
}

// startDevStack builds tools/l4lctl and runs `dev up` on free ports with its demo data;
// it returns each service's base URL once the stack printed them.
func startDevStack(t *testing.T) map[string]string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "l4lctl")
	build := exec.Command("go", "build", "-o", bin, "./tools/l4lctl")
	build.Dir = repo
	build.Env = append(os.Environ(), "GOWORK=") // the repository's workspace
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./tools/l4lctl: %v\n%s", err, out)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "dev", "up", "--dir", dir, "--kafka-port", "0", "--mongo-port", "0",
		"--issuer-addr", freeAddr(t), "--base-port", "0")
	// Run from the temporary directory: whatever a service keeps relative to its working
	// directory (accreditation's development signing key) stays out of the repository.
	cmd.Dir = dir
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 20 * time.Second
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, _ := os.Create(filepath.Join(dir, "dev-up.log"))
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	line := regexp.MustCompile(`^\s+([a-z]+)\s+(http://127\.0\.0\.1:\d+)\s+\S+/openapi\.yaml`)
	found := make(chan map[string]string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		services := map[string]string{}
		for sc.Scan() {
			if m := line.FindStringSubmatch(sc.Text()); m != nil {
				services[m[1]] = m[2]
			}
			// The summary lists the services, then the issuer.
			if strings.HasPrefix(strings.TrimSpace(sc.Text()), "issuer") && len(services) > 0 {
				found <- services
				break
			}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	var services map[string]string
	select {
	case services = <-found:
	case <-time.After(3 * time.Minute):
		b, _ := os.ReadFile(filepath.Join(dir, "dev-up.log"))
		t.Fatalf("l4lctl dev up did not print its services within 3 minutes:\n%s", b)
	}
	t.Logf("dev stack: %v", services)
	return services
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func getJSON(u string, into any) error {
	resp, err := http.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var env struct {
		Status string          `json:"status"`
		Data   json.RawMessage `json:"data"`
		Error  string          `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		return err
	}
	if env.Status != "success" {
		return fmt.Errorf("%s: %s", u, env.Error)
	}
	return json.Unmarshal(env.Data, into)
}

func eventually(t *testing.T, within time.Duration, check func() error) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

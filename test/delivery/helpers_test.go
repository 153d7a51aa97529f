package delivery

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// repo is the repository root (L4L_REPO_ROOT overrides it, e.g. to check a merge).
var repo = func() string {
	if r := os.Getenv("L4L_REPO_ROOT"); r != "" {
		return r
	}
	abs, err := filepath.Abs("../..")
	if err != nil {
		panic(err)
	}
	return abs
}()

// tool finds a tool the Makefile installed: $envVar, else ./bin or .cache under the repo,
// else $PATH. A missing tool fails the test: make delivery-test installs them all.
func tool(t *testing.T, envVar string, candidates ...string) string {
	t.Helper()
	if p := os.Getenv(envVar); p != "" {
		return p
	}
	for _, c := range candidates {
		if p := filepath.Join(repo, c); fileExists(p) {
			return p
		}
	}
	name := filepath.Base(candidates[0])
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	t.Fatalf("%s not found (set %s or run make delivery-test, which installs it)", name, envVar)
	return ""
}

func helm(t *testing.T) string { return tool(t, "L4L_HELM", "bin/helm") }

func promtool(t *testing.T) string {
	return tool(t, "L4L_PROMTOOL", ".cache/promtool/usr/bin/promtool")
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// run runs a command and returns its stdout, stderr and error.
func run(name string, args ...string) (string, string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = repo
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}

func mustRun(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, stderr, err := run(name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s%s", filepath.Base(name), strings.Join(args, " "), err, stderr, out)
	}
	return out
}

// A rendering is one way the chart is installed; every test runs over all of them.
type rendering struct {
	name string
	args []string
}

// APIs the optional objects depend on, as `helm template --api-versions` declares them.
var optionalAPIs = []string{
	"monitoring.coreos.com/v1/ServiceMonitor", "monitoring.coreos.com/v1/PrometheusRule",
	"kafka.strimzi.io/v1beta2/KafkaTopic", "kafka.strimzi.io/v1beta2/KafkaUser",
	"gateway.networking.k8s.io/v1/HTTPRoute",
}

func withAPIs(args ...string) []string {
	for _, a := range optionalAPIs {
		args = append(args, "--api-versions", a)
	}
	return args
}

var renderings = []rendering{
	// A cluster with nothing optional: given bootstrap servers and a MongoDB URI.
	{"plain", []string{"-f", "test/delivery/testdata/values-ci.yaml"}},
	// Production on a cluster with Strimzi, the Prometheus operator and Gateway API; the
	// MongoDB operator's Secret.
	{"production", withAPIs("-f", "charts/l4l/values-production.yaml", "-f", "test/delivery/testdata/values-ci.yaml",
		"--set", "mongo.uri=", "--set", "mongo.existingSecret=l4l-mongodb-admin-l4l",
		"--set", "kafka.bootstrapServers=", "--set", "kafka.strimzi.cluster=l4l", "--set", "kafka.strimzi.users=true",
		"--set", "gateway.enabled=true", "--set", "ingress.tlsSecret=l4l-tls",
		"--set", "monitoring.prometheusRule.labels.release=kube-prometheus-stack")},
	// The optional APIs served but switched off in values, one service disabled.
	{"minimal", withAPIs("-f", "test/delivery/testdata/values-ci.yaml", "--set", "ingress.enabled=false",
		"--set", "networkPolicy.enabled=false", "--set", "monitoring.dashboards.enabled=false",
		"--set", "monitoring.serviceMonitor.enabled=false", "--set", "monitoring.prometheusRule.enabled=false",
		"--set", "services.analytics.enabled=false", "--set", "defaults.podDisruptionBudget.enabled=false")},
}

const namespace = "l4l"

// render runs helm template and returns the objects.
func render(t *testing.T, r rendering) []*unstructured.Unstructured {
	t.Helper()
	args := append([]string{"template", "l4l", "charts/l4l", "--namespace", namespace, "--kube-version", "1.37.1"}, r.args...)
	out := mustRun(t, helm(t), args...)
	if dir := os.Getenv("L4L_DELIVERY_OUT"); dir != "" {
		_ = os.MkdirAll(dir, 0o755)
		_ = os.WriteFile(filepath.Join(dir, r.name+".yaml"), []byte(out), 0o644)
	}
	return decode(t, out)
}

func decode(t *testing.T, manifests string) []*unstructured.Unstructured {
	t.Helper()
	var objs []*unstructured.Unstructured
	dec := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(manifests), 4096)
	for {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			t.Fatalf("decoding the rendering: %v", err)
		}
		if len(m) == 0 {
			continue
		}
		objs = append(objs, &unstructured.Unstructured{Object: m})
	}
	if len(objs) == 0 {
		t.Fatal("the rendering is empty")
	}
	return objs
}

func ofKind(objs []*unstructured.Unstructured, kind string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == kind {
			out = append(out, o)
		}
	}
	return out
}

func readYAML(t *testing.T, path string, into any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repo, path))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// chartServices are the services of charts/l4l/values.yaml, with their route patterns.
func chartServices(t *testing.T) map[string]chartService {
	t.Helper()
	var v struct {
		Services map[string]chartService `json:"services"`
	}
	readYAML(t, "charts/l4l/values.yaml", &v)
	if len(v.Services) == 0 {
		t.Fatal("charts/l4l/values.yaml has no services")
	}
	return v.Services
}

type chartService struct {
	Enabled        bool     `json:"enabled"`
	Paths          []string `json:"paths"`
	ConsumerGroups []string `json:"consumerGroups"`
}

var paramRE = regexp.MustCompile(`\{[^}]+\}`)

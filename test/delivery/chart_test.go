package delivery

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestLint(t *testing.T) {
	for _, values := range [][]string{
		{"-f", "test/delivery/testdata/values-ci.yaml"},
		{"-f", "charts/l4l/values-production.yaml", "-f", "test/delivery/testdata/values-ci.yaml"},
	} {
		mustRun(t, helm(t), append([]string{"lint", "--strict", "charts/l4l"}, values...)...)
	}
	mustRun(t, helm(t), "lint", "--strict", "charts/tenant-operator")
}

// A typo or a wrong type in values fails the install and names the key, instead of being
// ignored (values.schema.json). So do missing required settings.
func TestValuesRefused(t *testing.T) {
	cases := []struct{ set, want string }{
		{"replicas=3", "replicas"},                                          // not a top-level key
		{"defaults.replicaCount=3", "replicaCount"},                         // misspelt
		{"defaults.replicas=three", "replicas"},                             // wrong type
		{"services.plc.enabeld=false", "enabeld"},                           // misspelt service field
		{"services.plc.paths[0]=v1/nothing", "paths"},                       // not a path
		{"logLevel=verbose", "logLevel"},                                    // not an allowed value
		{"defaults.antiAffinity=always", "antiAffinity"},                    // not an allowed value
		{"monitoring.prometheusRule.thresholds.errorRatio=5", "errorRatio"}, // a ratio, not a percentage
		{"kafka.strimzi.partitons=6", "partitons"},                          // misspelt
		{"mongo.uri=postgres://db", "uri"},                                  // not a MongoDB URI
		{"ingres.enabled=false", "ingres"},                                  // misspelt section
	}
	for _, c := range cases {
		t.Run(c.set, func(t *testing.T) {
			_, stderr, err := run(helm(t), "template", "l4l", "charts/l4l", "-f", "test/delivery/testdata/values-ci.yaml", "--set", c.set)
			if err == nil {
				t.Fatalf("--set %s was accepted", c.set)
			}
			if !strings.Contains(stderr, c.want) {
				t.Fatalf("--set %s refused without naming %q:\n%s", c.set, c.want, stderr)
			}
		})
	}
	required := []struct {
		name string
		args []string
		want string
	}{
		{"no MongoDB", []string{"--set", "kafka.bootstrapServers=k:9092", "--set", "oidc.issuer=https://id"}, "mongo"},
		{"no Kafka", []string{"--set", "mongo.uri=mongodb://m", "--set", "oidc.issuer=https://id"}, "kafka"},
		{"no issuer", []string{"--set", "mongo.uri=mongodb://m", "--set", "kafka.bootstrapServers=k:9092"}, "oidc.issuer"},
	}
	for _, c := range required {
		t.Run(c.name, func(t *testing.T) {
			_, stderr, err := run(helm(t), append([]string{"template", "l4l", "charts/l4l"}, c.args...)...)
			if err == nil || !strings.Contains(stderr, c.want) {
				t.Fatalf("want a refusal naming %q, got err=%v:\n%s", c.want, err, stderr)
			}
		})
	}
}

// Every workload in every rendering is hardened and probed the same way.
func TestWorkloadInvariants(t *testing.T) {
	services := chartServices(t)
	for _, r := range renderings {
		t.Run(r.name, func(t *testing.T) {
			objs := render(t, r)
			deployments := ofKind(objs, "Deployment")
			if len(deployments) == 0 {
				t.Fatal("no Deployment")
			}
			var names []string
			for _, d := range deployments {
				names = append(names, d.GetLabels()["app.kubernetes.io/name"])
				checkDeployment(t, d)
			}
			for name, s := range services {
				if r.name == "minimal" && name == "analytics" {
					if slices.Contains(names, name) {
						t.Errorf("analytics is disabled but rendered")
					}
					continue
				}
				if s.Enabled && !slices.Contains(names, name) {
					t.Errorf("service %s: no Deployment", name)
				}
			}
			// Each Deployment has its Service; PDBs and HPAs point at existing workloads.
			svcs := map[string]bool{}
			for _, s := range ofKind(objs, "Service") {
				svcs[s.GetName()] = true
			}
			for _, d := range deployments {
				if !svcs[d.GetName()] {
					t.Errorf("%s: no Service", d.GetName())
				}
			}
			for _, h := range ofKind(objs, "HorizontalPodAutoscaler") {
				target, _, _ := unstructured.NestedString(h.Object, "spec", "scaleTargetRef", "name")
				if !slices.ContainsFunc(deployments, func(d *unstructured.Unstructured) bool { return d.GetName() == target }) {
					t.Errorf("HPA %s scales %q, which is not rendered", h.GetName(), target)
				}
			}
			if r.name == "production" {
				if got := len(ofKind(objs, "HorizontalPodAutoscaler")); got != len(deployments) {
					t.Errorf("production: %d HPAs for %d Deployments", got, len(deployments))
				}
				if got := len(ofKind(objs, "PodDisruptionBudget")); got != len(deployments) {
					t.Errorf("production: %d PDBs for %d Deployments", got, len(deployments))
				}
				for _, d := range deployments {
					if _, ok, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "affinity", "podAntiAffinity", "preferredDuringSchedulingIgnoredDuringExecution"); !ok {
						t.Errorf("production: %s has no anti-affinity", d.GetName())
					}
					spread, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "topologySpreadConstraints")
					if len(spread) != 2 {
						t.Errorf("production: %s spreads over %d topologies, want zones and nodes", d.GetName(), len(spread))
					}
				}
			}
		})
	}
}

func checkDeployment(t *testing.T, d *unstructured.Unstructured) {
	t.Helper()
	name := d.GetName()
	pod, _, _ := unstructured.NestedMap(d.Object, "spec", "template", "spec")
	if v, _, _ := unstructured.NestedBool(pod, "securityContext", "runAsNonRoot"); !v {
		t.Errorf("%s: pod not runAsNonRoot", name)
	}
	if v, _, _ := unstructured.NestedFieldNoCopy(pod, "securityContext", "runAsUser"); number(v) < 1 {
		t.Errorf("%s: pod runs as user %v", name, v)
	}
	if v, _, _ := unstructured.NestedString(pod, "securityContext", "seccompProfile", "type"); v != "RuntimeDefault" {
		t.Errorf("%s: seccomp profile %q", name, v)
	}
	containers, _, _ := unstructured.NestedSlice(pod, "containers")
	if len(containers) == 0 {
		t.Fatalf("%s: no container", name)
	}
	for _, c := range containers {
		c := c.(map[string]any)
		where := fmt.Sprintf("%s/%v", name, c["name"])
		if v, _, _ := unstructured.NestedBool(c, "securityContext", "readOnlyRootFilesystem"); !v {
			t.Errorf("%s: root filesystem not read-only", where)
		}
		if v, ok, _ := unstructured.NestedBool(c, "securityContext", "allowPrivilegeEscalation"); !ok || v {
			t.Errorf("%s: privilege escalation allowed", where)
		}
		if v, _, _ := unstructured.NestedStringSlice(c, "securityContext", "capabilities", "drop"); !slices.Contains(v, "ALL") {
			t.Errorf("%s: capabilities not dropped", where)
		}
		for probe, path := range map[string]string{"livenessProbe": "/healthz", "readinessProbe": "/readyz", "startupProbe": "/healthz"} {
			if v, _, _ := unstructured.NestedString(c, probe, "httpGet", "path"); v != path {
				t.Errorf("%s: %s path %q, want %s", where, probe, v, path)
			}
		}
		if v, _, _ := unstructured.NestedString(c, "resources", "requests", "memory"); v == "" {
			t.Errorf("%s: no memory request", where)
		}
		if v, _, _ := unstructured.NestedString(c, "resources", "limits", "memory"); v == "" {
			t.Errorf("%s: no memory limit", where)
		}
		env, _, _ := unstructured.NestedSlice(c, "env")
		mongo := false
		for _, e := range env {
			e := e.(map[string]any)
			if e["name"] == "L4L_MONGO_URI" {
				_, mongo, _ = unstructured.NestedString(e, "valueFrom", "secretKeyRef", "name")
			}
		}
		if !mongo {
			t.Errorf("%s: L4L_MONGO_URI does not come from a Secret", where)
		}
		if v, _, _ := unstructured.NestedSlice(c, "envFrom"); len(v) == 0 {
			t.Errorf("%s: no envFrom ConfigMap", where)
		}
	}
}

// knownCollisions are OpenAPI paths two services both publish, so no router can send them
// to both; each entry says what removes it. An entry whose path is gone fails the test.
var knownCollisions = map[string]string{}

// Every path of every service's OpenAPI document reaches that service, and only it,
// through the Ingress (ingress-nginx regex semantics) and the HTTPRoute.
func TestEveryAPIPathRoutedToItsService(t *testing.T) {
	objs := render(t, renderings[1]) // production: Ingress and HTTPRoute
	type route struct {
		re      *regexp.Regexp
		backend string
	}
	var ingress, httproute []route
	for _, ing := range ofKind(objs, "Ingress") {
		rules, _, _ := unstructured.NestedSlice(ing.Object, "spec", "rules")
		for _, rule := range rules {
			paths, _, _ := unstructured.NestedSlice(rule.(map[string]any), "http", "paths")
			for _, p := range paths {
				p := p.(map[string]any)
				path, _, _ := unstructured.NestedString(p, "path")
				backend, _, _ := unstructured.NestedString(p, "backend", "service", "name")
				// ingress-nginx: location ~* "^<path>" (case-insensitive, anchored at the start).
				ingress = append(ingress, route{regexp.MustCompile("(?i)^" + path), strings.TrimPrefix(backend, "l4l-")})
			}
		}
	}
	for _, hr := range ofKind(objs, "HTTPRoute") {
		rules, _, _ := unstructured.NestedSlice(hr.Object, "spec", "rules")
		for _, rule := range rules {
			refs, _, _ := unstructured.NestedSlice(rule.(map[string]any), "backendRefs")
			backend := strings.TrimPrefix(refs[0].(map[string]any)["name"].(string), "l4l-")
			matches, _, _ := unstructured.NestedSlice(rule.(map[string]any), "matches")
			for _, m := range matches {
				v, _, _ := unstructured.NestedString(m.(map[string]any), "path", "value")
				httproute = append(httproute, route{regexp.MustCompile(v), backend})
			}
		}
	}
	if len(ingress) == 0 || len(httproute) == 0 {
		t.Fatalf("%d Ingress paths, %d HTTPRoute matches", len(ingress), len(httproute))
	}
	docs, _ := filepath.Glob(filepath.Join(repo, "services/*/api/openapi.yaml"))
	if len(docs) == 0 {
		t.Fatal("no OpenAPI documents found")
	}
	services := chartServices(t)
	checked := 0
	seenCollisions := map[string]bool{}
	for _, doc := range docs {
		service := filepath.Base(filepath.Dir(filepath.Dir(doc)))
		if _, ok := services[service]; !ok {
			t.Errorf("services/%s is not in charts/l4l/values.yaml's services", service)
			continue
		}
		var spec struct {
			Paths map[string]any `json:"paths"`
		}
		readYAML(t, strings.TrimPrefix(doc, repo+"/"), &spec)
		for path := range spec.Paths {
			// A sample request path: every parameter becomes a plausible value.
			sample := paramRE.ReplaceAllString(path, "rw-gasabo_01")
			for kind, routes := range map[string][]route{"Ingress": ingress, "HTTPRoute": httproute} {
				var to []string
				for _, r := range routes {
					if r.re.MatchString(sample) && !slices.Contains(to, r.backend) {
						to = append(to, r.backend)
					}
				}
				sort.Strings(to)
				if reason, known := knownCollisions[service+" "+path]; known {
					seenCollisions[service+" "+path] = true
					t.Logf("%s: %s %s goes to %v: known collision (%s)", kind, service, path, to, reason)
					continue
				}
				if len(to) != 1 || to[0] != service {
					t.Errorf("%s: %s %s goes to %v, want [%s]", kind, service, path, to, service)
				}
			}
			checked++
		}
	}
	for k := range knownCollisions {
		if !seenCollisions[k] {
			t.Errorf("knownCollisions lists %q, which no OpenAPI document has any more: delete the entry", k)
		}
	}
	for name := range services {
		if !fileExists(filepath.Join(repo, "services", name, "api/openapi.yaml")) {
			t.Logf("services/%s/api/openapi.yaml is not in this tree: its routes are not checked", name)
		}
	}
	t.Logf("%d OpenAPI paths of %d services checked", checked, len(docs))
	// The Ingress must not send the operational endpoints anywhere.
	for _, p := range []string{"/metrics", "/healthz", "/readyz", "/openapi.yaml"} {
		for _, r := range ingress {
			if r.re.MatchString(p) {
				t.Errorf("the Ingress exposes %s (to %s)", p, r.backend)
			}
		}
	}
}

// Every file the chart renders is used: no template left behind without output.
func TestDashboardsAreConfigMapsWithTheSidecarLabel(t *testing.T) {
	objs := render(t, renderings[0])
	files, _ := filepath.Glob(filepath.Join(repo, "charts/l4l/dashboards/*.json"))
	var found int
	for _, cm := range ofKind(objs, "ConfigMap") {
		if cm.GetLabels()["grafana_dashboard"] != "1" {
			continue
		}
		data, _, _ := unstructured.NestedStringMap(cm.Object, "data")
		for name, body := range data {
			want, err := os.ReadFile(filepath.Join(repo, "charts/l4l/dashboards", name))
			if err != nil {
				t.Errorf("%s: %v", cm.GetName(), err)
				continue
			}
			if strings.TrimSpace(body) != strings.TrimSpace(string(want)) {
				t.Errorf("%s: %s differs from the file", cm.GetName(), name)
			}
			found++
		}
	}
	if found != len(files) || found < 3 {
		t.Fatalf("%d dashboards in ConfigMaps, %d files", found, len(files))
	}
}

// number reads a decoded YAML number (JSON decoding gives int64 or float64); -1 otherwise.
func number(v any) float64 {
	switch n := v.(type) {
	case int64:
		return float64(n)
	case float64:
		return n
	}
	return -1
}

// The values docs/install.md tells a reader to write install as they are: the guide's
// my-values.yaml, with the production values, renders and passes helm lint.
func TestInstallGuideValues(t *testing.T) {
	guide, err := os.ReadFile(filepath.Join(repo, "docs/install.md"))
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile("(?s)\\(`my-values.yaml`\\):\\s*```yaml\\n(.*?)```").FindSubmatch(guide)
	if block == nil {
		t.Fatal("docs/install.md has no my-values.yaml block")
	}
	values := filepath.Join(t.TempDir(), "my-values.yaml")
	if err := os.WriteFile(values, block[1], 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"-f", "charts/l4l/values-production.yaml", "-f", values}
	mustRun(t, helm(t), append([]string{"lint", "--strict", "charts/l4l"}, args...)...)
	objs := render(t, rendering{"install-guide", withAPIs(args...)})
	if n := len(ofKind(objs, "KafkaTopic")); n == 0 {
		t.Error("the guide's values create no KafkaTopic on a Strimzi cluster")
	}
	for _, d := range ofKind(objs, "Deployment") {
		checkDeployment(t, d)
	}
}

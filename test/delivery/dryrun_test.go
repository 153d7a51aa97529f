package delivery

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// crdModules carry the published CRDs the optional objects need, inside pinned Go modules
// (the proxy serves them; go verifies them against the checksum database and the Sum here).
var crdModules = []struct {
	module, version, sum string
	files                []string
}{
	{"github.com/prometheus-operator/prometheus-operator", "v0.85.0", "h1:M5xLCLEoaW2IJfnuCwFzzpL+jSVQu3KGT84Pye+fW8s=", []string{
		"example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml",
		"example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml",
	}},
	{"sigs.k8s.io/gateway-api", "v1.4.1", "h1:NPxFutNkKNa8UfLd2CMlEuhIPMQgDQ6DXNKG9sHbJU8=", []string{
		"config/crd/standard/gateway.networking.k8s.io_gatewayclasses.yaml",
		"config/crd/standard/gateway.networking.k8s.io_gateways.yaml",
		"config/crd/standard/gateway.networking.k8s.io_httproutes.yaml",
	}},
}

// crdPaths downloads (once; the module cache keeps them) the modules and returns the CRD
// files, plus the Strimzi transcription (no registry here carries Strimzi's YAML).
func crdPaths(t *testing.T) []string {
	t.Helper()
	paths := []string{filepath.Join(repo, "test/delivery/testdata/crds/strimzi.yaml")}
	for _, m := range crdModules {
		cmd := exec.Command("go", "mod", "download", "-json", m.module+"@"+m.version)
		cmd.Dir = t.TempDir()
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
		out, err := cmd.Output()
		var info struct{ Dir, Sum, Error string }
		if err == nil {
			err = json.Unmarshal(out, &info)
		}
		if err != nil || info.Error != "" {
			t.Fatalf("go mod download %s@%s: %v %s", m.module, m.version, err, info.Error)
		}
		if info.Sum != m.sum {
			t.Fatalf("%s@%s: checksum %s, pinned %s", m.module, m.version, info.Sum, m.sum)
		}
		for _, f := range m.files {
			paths = append(paths, filepath.Join(info.Dir, f))
		}
	}
	return paths
}

// Every object of every rendering is created with server-side dry-run and strict field
// validation on a real kube-apiserver (envtest: KUBEBUILDER_ASSETS), which has the CRDs of
// the optional APIs installed: Kubernetes itself validates everything the chart produces.
func TestRenderingsAcceptedByTheAPIServer(t *testing.T) {
	t.Parallel() // the slow ones (a dev stack, ko builds, an API server) overlap
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Fatal("KUBEBUILDER_ASSETS is not set: run make delivery-test (it builds kube-apiserver and etcd)")
	}
	env := &envtest.Environment{
		CRDInstallOptions:     envtest.CRDInstallOptions{Paths: crdPaths(t)},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("envtest: %v", err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	c, err := client.New(cfg, client.Options{Scheme: scheme.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}
	if err := c.Create(ctx, ns); err != nil {
		t.Fatal(err)
	}
	for _, chart := range []struct {
		name string
		r    rendering
	}{
		{"l4l", renderings[0]}, {"l4l", renderings[1]}, {"l4l", renderings[2]},
		{"tenant-operator", rendering{"operator", withAPIs()}},
	} {
		t.Run(chart.r.name, func(t *testing.T) {
			var objs []*unstructured.Unstructured
			if chart.name == "l4l" {
				objs = render(t, chart.r)
			} else {
				args := append([]string{"template", "l4l", "charts/tenant-operator", "--include-crds", "--namespace", namespace, "--kube-version", "1.37.1"}, chart.r.args...)
				objs = decode(t, mustRun(t, helm(t), args...))
			}
			kinds := map[string]int{}
			for _, o := range objs {
				kinds[o.GetKind()]++
				if o.GetNamespace() == "" && !clusterScoped[o.GetKind()] {
					o.SetNamespace(namespace)
				}
				err := c.Create(ctx, o, client.DryRunAll, client.FieldValidation("Strict"))
				if err != nil {
					t.Errorf("%s %s: %v", o.GetKind(), o.GetName(), err)
				}
			}
			var summary []string
			for k, n := range kinds {
				summary = append(summary, k+"="+itoa(n))
			}
			t.Logf("%d objects accepted: %s", len(objs), strings.Join(summary, " "))
		})
	}
}

var clusterScoped = map[string]bool{"CustomResourceDefinition": true, "ClusterRole": true, "ClusterRoleBinding": true, "Namespace": true}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

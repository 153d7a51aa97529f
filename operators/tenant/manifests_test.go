// Package tenant_test checks that the chart ships what controller-gen generated.
package tenant_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const chart = "../../charts/tenant-operator"

// The chart's CRDs are copies of config/crd/bases (`make operator-manifests` copies them).
func TestChartCRDsAreTheGeneratedOnes(t *testing.T) {
	gen, err := filepath.Glob("config/crd/bases/*.yaml")
	if err != nil || len(gen) != 2 {
		t.Fatalf("generated CRDs: %v %v", gen, err)
	}
	for _, g := range gen {
		want, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(chart, "crds", filepath.Base(g)))
		if err != nil {
			t.Fatalf("chart lacks %s: %v", filepath.Base(g), err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("charts/tenant-operator/crds/%s differs from %s: run make operator-manifests", filepath.Base(g), g)
		}
	}
}

// The chart's ClusterRole rules are controller-gen's, from the RBAC markers.
func TestChartClusterRoleIsTheGeneratedOne(t *testing.T) {
	role, err := os.ReadFile("config/rbac/role.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := os.ReadFile(filepath.Join(chart, "templates", "rbac.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	_, want, ok := strings.Cut(string(role), "\nrules:\n")
	if !ok {
		t.Fatal("role.yaml has no rules")
	}
	_, got, ok := strings.Cut(string(tmpl), "\nrules:\n")
	if !ok || !strings.HasPrefix(got, want) {
		t.Errorf("the chart's ClusterRole rules differ from config/rbac/role.yaml:\n%s", want)
	}
}

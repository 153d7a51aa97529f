package main

import (
	"os/exec"
	"strings"
	"testing"
)

// The production binary must not carry the embedded dev stack (FerretDB, SQLite, kfake).
func TestBinaryHasNoDevStack(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, forbidden := range []string{"libs/devstack", "FerretDB", "franz-go/pkg/kfake", "modernc.org/sqlite", "auth/devissuer"} {
		if strings.Contains(string(out), forbidden) {
			t.Errorf("cmd/accreditation depends on %s", forbidden)
		}
	}
}

package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/l4l-platform/l4l/libs/auth/devissuer"
)

// `l4lctl privacy` on the dev up code path: the export gathers every service's answer
// into one private archive with a manifest (a service that does not answer makes it
// incomplete and the exit status non-zero); erase records the request, fails after
// --wait naming the services that have not confirmed, and otherwise follows it until
// every service has; the person's name is then in no service's export.
func TestPrivacyExportAndErase(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	env, err := up(ctx, upOptions{Dir: dir, IssuerAddr: "127.0.0.1:0", Tenant: tenant, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = env.Wait() })
	is, err := devissuer.Load(dir, devissuer.DefaultIssuer)
	if err != nil {
		t.Fatal(err)
	}
	deo, _ := is.Token("dev-user", []string{"deo"}, "rw", tenant, "", time.Hour)
	req, _ := http.NewRequest("POST", env.URL("directory")+"/v1/tenants/"+tenant+"/people",
		strings.NewReader(`{"given_name":"Solange","family_name":"Mukeshimana","staff_id":"RW-HT-PRIV-1"}`))
	req.Header.Set("Authorization", "Bearer "+deo)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 201 {
		t.Fatalf("create person: %v %v", res, err)
	}
	var p struct{ ID string }
	_ = json.NewDecoder(res.Body).Decode(&p)
	res.Body.Close()

	common := []string{"--tenant", tenant, "--person", p.ID, "--dir", dir}
	for _, s := range env.Services {
		common = append(common, "--service-url", s.Name+"="+env.URL(s.Name))
	}
	readArchive := func(path string) (archive, string) {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var a archive
		if err := json.Unmarshal(b, &a); err != nil {
			t.Fatalf("archive: %v", err)
		}
		return a, string(b)
	}

	out := filepath.Join(dir, "export.json")
	code, stdout, stderr := run(t, append([]string{"privacy", "export", "--out", out}, common...)...)
	if code != 0 {
		t.Fatalf("export: exit %d\n%s%s", code, stdout, stderr)
	}
	a, raw := readArchive(out)
	if st, _ := os.Stat(out); st.Mode().Perm() != 0o600 {
		t.Errorf("archive mode %v, want 0600", st.Mode().Perm())
	}
	if !a.Manifest.Complete || len(a.Manifest.Services) != 5 || len(a.Services) != 5 || !strings.Contains(raw, "Mukeshimana") {
		t.Fatalf("archive: %+v\n%s", a.Manifest, raw)
	}

	// A service that does not answer: the archive says which, and the exit status fails.
	partial := filepath.Join(dir, "partial.json")
	code, _, _ = run(t, append(append([]string{"privacy", "export", "--out", partial}, common...), "--service-url", "plc=http://127.0.0.1:1")...)
	a, _ = readArchive(partial)
	if code == 0 || a.Manifest.Complete || a.Services["plc"] != nil {
		t.Fatalf("export with plc down: exit %d, %+v", code, a.Manifest)
	}
	for _, e := range a.Manifest.Services {
		if (e.Service == "plc") != (e.Status == "failed") {
			t.Errorf("manifest entry %+v", e)
		}
	}

	// Erase with no time to wait: it fails naming who has not confirmed.
	code, stdout, stderr = run(t, append([]string{"privacy", "erase", "--wait", "1ns"}, common...)...)
	if code == 0 || !strings.Contains(stdout, "erasure request") || !strings.Contains(stderr, "have not confirmed") {
		t.Fatalf("erase without waiting: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = run(t, append([]string{"privacy", "erase", "--wait", "90s"}, common...)...)
	if code != 0 || !strings.Contains(stdout, "completed") || strings.Count(stdout, "confirmed (") != 5 {
		t.Fatalf("erase: exit %d\n%s%s", code, stdout, stderr)
	}
	code, _, _ = run(t, append([]string{"privacy", "export", "--out", out}, common...)...)
	if _, raw := readArchive(out); code != 0 || strings.Contains(raw, "Mukeshimana") || !strings.Contains(raw, p.ID) {
		t.Fatalf("export after the erasure: exit %d\n%s", code, raw)
	}

	// Retention: every service runs its job in the tenant now and prints its report, with
	// the lifetimes of Rwanda's profile where it sets them.
	retention := []string{"privacy", "retention", "--run", "--tenant", tenant, "--dir", dir}
	for _, s := range env.Services {
		retention = append(retention, "--service-url", s.Name+"="+env.URL(s.Name))
	}
	code, stdout, stderr = run(t, retention...)
	if code != 0 || strings.Count(stdout, " runs since ") != len(env.Services) {
		t.Fatalf("retention: exit %d\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"recruitment: ", "rejected_applications  2y    profile", "audit_entries          5y    profile", "idempotency_records    2d    default"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("retention output lacks %q:\n%s", want, stdout)
		}
	}
	code, _, _ = run(t, append(retention, "--service-url", "plc=http://127.0.0.1:1")...)
	if code == 0 {
		t.Fatal("retention with plc down: exit 0")
	}
}

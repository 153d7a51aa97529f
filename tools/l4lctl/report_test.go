package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/l4l-platform/l4l/libs/service/servicetest"
	"github.com/l4l-platform/l4l/services/analytics"
)

// TestReportDownloadsTheQuarterlyReport runs `l4lctl report` against a running analytics
// service (on the embedded broker and database): an HTML and a PDF report are written
// whole; a bad quarter prints the service's field error, fails and writes nothing.
func TestReportDownloadsTheQuarterlyReport(t *testing.T) {
	env := servicetest.Start(t, analytics.Definition)
	dir := t.TempDir()
	deo := env.Token([]string{"deo"}, "rw-gasabo", "")
	run := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := execute(append([]string{"report", "--url", env.URL, "--token", deo}, args...), &out, &errb)
		return code, out.String(), errb.String()
	}

	html := filepath.Join(dir, "gasabo.html")
	code, out, errs := run("--tenant", "rw-gasabo", "--quarter", "2026Q3", "--out", html)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	b, err := os.ReadFile(html)
	if err != nil || !strings.Contains(string(b), "Quarterly programme report: Gasabo, 2026Q3") || !strings.Contains(string(b), "No data yet") {
		t.Errorf("%s: %v %.300s", html, err, b)
	}
	if !strings.HasPrefix(out, "wrote "+html) {
		t.Errorf("stdout %q", out)
	}

	bad := filepath.Join(dir, "bad.pdf")
	code, _, errs = run("--tenant", "rw-gasabo", "--quarter", "2026Q7", "--out", bad)
	if code == 0 || !strings.Contains(errs, "quarter: ") || !strings.Contains(errs, "400") {
		t.Errorf("bad quarter: exit %d, stderr %q", code, errs)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("files left behind: %v", entries)
	}

	if _, err := exec.LookPath("chromium"); err != nil && os.Getenv("CI") != "true" {
		t.Skip("chromium is not installed; `make debian-packages` installs it (CI fails instead of skipping)")
	}
	pdf := filepath.Join(dir, "gasabo.pdf")
	if code, _, errs := run("--tenant", "rw-gasabo", "--quarter", "2026Q3", "--out", pdf); code != 0 {
		t.Fatalf("pdf: exit %d: %s", code, errs)
	}
	if b, err := os.ReadFile(pdf); err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Errorf("%s is not a PDF: %v %.20q", pdf, err, b)
	}
}

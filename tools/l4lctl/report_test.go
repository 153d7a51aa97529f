package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

// On a terminal the spinner redraws until the answer comes, then the byte counter counts
// what arrives; the line is redrawn in place (\r).
func TestReportProgressDrawsOnATerminal(t *testing.T) {
	var buf bytes.Buffer
	p := &progress{w: &buf, tty: true}
	stop := p.spin("rendering the report")
	time.Sleep(250 * time.Millisecond)
	stop()
	n, err := io.Copy(io.Discard, p.count(strings.NewReader(strings.Repeat("x", 3000)), 3000, "downloading"))
	p.done()
	if err != nil || n != 3000 {
		t.Fatalf("copied %d: %v", n, err)
	}
	out := buf.String()
	if strings.Count(out, "\rrendering the report ") < 2 || !strings.Contains(out, "\rdownloading 2.9 KiB / 2.9 KiB") {
		t.Errorf("drawn %q", out)
	}
}

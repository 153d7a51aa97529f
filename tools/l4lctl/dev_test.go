package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/services/analytics"
	"github.com/l4l-platform/l4l/services/directory"
	"github.com/l4l-platform/l4l/tools/l4lctl/internal/demo"
)

// tenant is a small district (9 sectors, 73 demo schools; Gasabo has 125). FerretDB scans
// the whole collection for every update, in a pure-Go SQLite that -race slows down ten
// times, so the test's run time grows with the square of the directory's size.
const tenant = "rw-ruhango"

// startDev runs the `dev up` code path on free ports with its data in dir, and stops it
// (waiting for everything to close) at cleanup.
func startDev(t *testing.T, dir string) *devEnv {
	t.Helper()
	logger := slog.New(slog.DiscardHandler)
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	ctx, cancel := context.WithCancel(context.Background())
	env, err := up(ctx, upOptions{Dir: dir, IssuerAddr: "127.0.0.1:0", Tenant: tenant, Seed: true, Logger: logger})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		if err := env.Wait(); err != nil {
			t.Errorf("stopping: %v", err)
		}
	})
	return env
}

func demoData(t *testing.T) (*profile.Index, demo.Data) {
	t.Helper()
	s, err := profile.Load("rw")
	if err != nil {
		t.Fatal(err)
	}
	p := profile.NewIndex(s)
	d, err := demo.Generate(p, tenant)
	if err != nil {
		t.Fatal(err)
	}
	return p, d
}

// The whole developer path: dev up, the printed token and curl line, the seeded data
// through the API, importing with the CLI, and a restart on the same data, which seeds
// a second time.
func TestDevUp(t *testing.T) {
	dir := t.TempDir()
	_, want := demoData(t)
	env := startDev(t, dir)
	dirURL := env.URL(directory.Name)

	var summary bytes.Buffer
	printSummary(&summary, env)
	token := printedToken(t, summary.String())
	curl := `curl -s -H "Authorization: Bearer $TOKEN" "` + dirURL + `/v1/tenants/` + tenant + `/schools?limit=5"`
	for _, s := range []string{curl, dirURL + "/openapi.yaml", dirURL + "/metrics", env.JWKSURL, env.Dir} {
		if !strings.Contains(summary.String(), s) {
			t.Errorf("the summary lacks %q:\n%s", s, summary.String())
		}
	}

	t.Run("seeded", func(t *testing.T) {
		s, h := env.Seeded.Schools, env.Seeded.HeadTeachers
		if s.Created != len(want.Schools) || h.Created != len(want.HeadTeachers) || s.Rejected+h.Rejected != 0 {
			t.Fatalf("seeding created %d schools and %d head teachers (rejected %d), want %d and %d",
				s.Created, h.Created, s.Rejected+h.Rejected, len(want.Schools), len(want.HeadTeachers))
		}
		codes := listSchoolCodes(t, dirURL, token)
		if len(codes) != len(want.Schools) {
			t.Fatalf("the API lists %d schools, want %d", len(codes), len(want.Schools))
		}
		for _, s := range want.Schools {
			if !codes[s.Code] {
				t.Errorf("school %s is not listed", s.Code)
			}
		}
	})

	t.Run("analytics counts the seeded district from the events", func(t *testing.T) {
		kpis := env.URL(analytics.Name) + "/v1/tenants/" + tenant + "/kpis?period=month"
		// Generous: the consumers apply the whole seeded programme (hundreds of events, each
		// through the inbox) on the shared dev database, slow under -race on a loaded machine.
		var last string
		deadline := time.Now().Add(180 * time.Second)
		for {
			req, _ := http.NewRequest(http.MethodGet, kpis, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			var rep struct {
				Periods []struct {
					KPIs []struct {
						Key         string
						Denominator int
					}
				}
			}
			_ = json.Unmarshal(body, &rep)
			seen := -1
			for _, p := range rep.Periods {
				for _, k := range p.KPIs {
					// Every seeded head teacher is in post: the standards' denominator.
					if k.Key == "ht_meeting_all_standards" {
						seen = k.Denominator
					}
				}
			}
			if seen == len(want.HeadTeachers) {
				return
			}
			last = fmt.Sprintf("%d, %d head teachers counted: %s", res.StatusCode, seen, body)
			if time.Now().After(deadline) {
				t.Fatalf("analytics never counted %d head teachers; last answer: %.200s", len(want.HeadTeachers), last)
			}
			time.Sleep(200 * time.Millisecond)
		}
	})

	t.Run("import schools", func(t *testing.T) {
		file := writeFile(t, "new-schools.csv", "code,name,unit\nTST-01,E.P. Test I,Byimana\nTST-02,E.P. Test II,rw-ruhango-kabagali\n")
		args := []string{"import", "schools", file, "--tenant", tenant, "--url", dirURL, "--token", token}
		code, out, errOut := run(t, args...)
		if code != 0 || !strings.Contains(out, "rows 2  created 2  updated 0  unchanged 0  rejected 0") {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
		}
		code, out, _ = run(t, append(args, "--dry-run")...)
		if code != 0 || !strings.Contains(out, "dry run") || !strings.Contains(out, "unchanged 2") {
			t.Errorf("dry run again: exit %d\n%s", code, out)
		}
		if n := len(listSchoolCodes(t, dirURL, token)); n != len(want.Schools)+2 {
			t.Errorf("%d schools listed after importing 2 more to %d", n, len(want.Schools))
		}
	})

	t.Run("a rejected import lists its row errors and fails", func(t *testing.T) {
		file := writeFile(t, "bad.csv", "code,name,unit\nTST-03,E.P. Nowhere,Kimironko\nTST-04,,Byimana\n")
		code, out, errOut := run(t, "import", "schools", file, "--tenant", tenant, "--url", dirURL, "--token", token)
		if code == 0 {
			t.Fatalf("exit 0 for a file with bad rows:\n%s", out)
		}
		for _, line := range []string{
			"\n  row 2, column unit: \"Kimironko\" is not a sector of rw-ruhango\n",
			"\n  row 3, column name: required\n",
		} {
			if !strings.Contains(out, line) {
				t.Errorf("stdout lacks the line %q:\n%s", line, out)
			}
		}
		if !strings.Contains(errOut, "rejected") {
			t.Errorf("stderr: %q", errOut)
		}
	})

	t.Run("a bad token is refused before the upload is read", func(t *testing.T) {
		file := writeFile(t, "schools.csv", "code,name,unit\nTST-09,E.P. Test IX,Byimana\n")
		code, _, errOut := run(t, "import", "schools", file, "--tenant", tenant, "--url", dirURL, "--token", "not-a-jwt")
		if code == 0 || !strings.Contains(errOut, "401") {
			t.Errorf("exit %d, stderr %q; want a 401 reported", code, errOut)
		}
	})

	t.Run("import head teachers with a token minted from --dir", func(t *testing.T) {
		t.Setenv("L4L_TOKEN", "")
		file := writeFile(t, "hts.csv", "staff_id,given_name,family_name,school_code,gender\nRW-HT-9001,Aline,Uwase,TST-01,female\n")
		code, out, errOut := run(t, "import", "head-teachers", file, "--tenant", tenant, "--url", dirURL, "--dir", dir)
		if code != 0 || !strings.Contains(out, "created 1") {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
		}
	})

	t.Run("restart on the same data seeds again and changes nothing", func(t *testing.T) {
		// The first stack must be gone first: same data dir, same files.
		env.cancel()
		if err := env.Wait(); err != nil {
			t.Fatal(err)
		}
		again := startDev(t, dir)
		for kind, r := range map[string]importReport{"schools": again.Seeded.Schools, "head teachers": again.Seeded.HeadTeachers} {
			if r.Rows == 0 || r.Unchanged != r.Rows || r.Created+r.Updated+r.Rejected != 0 {
				t.Errorf("seeding %s again: %+v, want all unchanged", kind, r)
			}
		}
		// A token printed before the restart still works: the key is kept in --dir.
		if n := len(listSchoolCodes(t, again.URL(directory.Name), token)); n != len(want.Schools)+2 {
			t.Errorf("%d schools after restart, want %d", n, len(want.Schools)+2)
		}
	})
}

func TestDevUpNamesTakenPorts(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	_, err = up(context.Background(), upOptions{Dir: t.TempDir(), MongoPort: port, IssuerAddr: "127.0.0.1:0", Tenant: tenant})
	if err == nil || !strings.Contains(err.Error(), "--mongo-port") || !strings.Contains(err.Error(), strconv.Itoa(port)) {
		t.Fatalf("err = %v, want one naming port %d and --mongo-port", err, port)
	}
	_, err = up(context.Background(), upOptions{Dir: t.TempDir(), IssuerAddr: "127.0.0.1:0", Tenant: "rw-gasbo"})
	if err == nil || !strings.Contains(err.Error(), "--tenant") {
		t.Fatalf("err = %v, want one naming --tenant", err)
	}
}

var exportToken = regexp.MustCompile(`(?m)^  export TOKEN=(\S+)$`)

func printedToken(t *testing.T, summary string) string {
	t.Helper()
	m := exportToken.FindStringSubmatch(summary)
	if m == nil {
		t.Fatalf("no export TOKEN=... line in:\n%s", summary)
	}
	return m[1]
}

// listSchoolCodes pages through GET /schools as a client would.
func listSchoolCodes(t *testing.T, base, token string) map[string]bool {
	t.Helper()
	codes := map[string]bool{}
	cursor := ""
	for {
		q := url.Values{"limit": {"200"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		req, _ := http.NewRequest(http.MethodGet, base+"/v1/tenants/"+tenant+"/schools?"+q.Encode(), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("list schools: %d %s", res.StatusCode, body)
		}
		var page struct {
			Items      []struct{ Code string }
			NextCursor string `json:"next_cursor"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatal(err)
		}
		for _, s := range page.Items {
			codes[s.Code] = true
		}
		if page.NextCursor == "" {
			return codes
		}
		cursor = page.NextCursor
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

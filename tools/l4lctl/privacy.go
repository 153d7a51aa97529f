package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
)

type privacyOptions struct {
	tenant, person, url, token, dir, out string
	basePort                             int
	serviceURLs                          map[string]string
	wait                                 time.Duration
}

// newPrivacyCmd is the data-protection officer's tools (docs/privacy.md).
func newPrivacyCmd() *cobra.Command {
	var o privacyOptions
	cmd := &cobra.Command{
		Use:   "privacy",
		Short: "Subject access and erasure of a person's data (data-protection officer)",
		Long: `Each service answers for its own data; these commands gather the answers.

Services are reached at --url when it is set (an Ingress routing /v1/tenants/*/privacy/<service>
to each service), else at the ports ` + "`l4lctl dev up`" + ` uses (--base-port and after).

The token is --token, else $L4L_TOKEN, else a "dpo" token for --tenant minted with the dev
issuer's key in --dir (which only a stack started by ` + "`l4lctl dev up`" + ` trusts).`,
	}
	f := cmd.PersistentFlags()
	f.StringVar(&o.tenant, "tenant", "", "the tenant (district), e.g. rw-gasabo (required)")
	f.StringVar(&o.url, "url", "", "one base URL that routes every service (default: the dev ports)")
	f.IntVar(&o.basePort, "base-port", 8081, "the directory's port in dev mode; the others follow as in `dev up`")
	f.StringToStringVar(&o.serviceURLs, "service-url", nil, "a service's own base URL, e.g. plc=http://plc.l4l:8080 (repeat; overrides --url)")
	f.StringVar(&o.token, "token", "", "bearer token (default $L4L_TOKEN, else a dev dpo token)")
	f.StringVar(&o.dir, "dir", defaultDir, "where the dev issuer's key is kept (for the default token)")
	_ = cmd.MarkPersistentFlagRequired("tenant")

	export := &cobra.Command{
		Use:   "export",
		Short: "Gather everything every service holds about the person into one JSON archive",
		Long: `Writes one JSON file (mode 0600): a manifest naming each service and what it answered
(exported, or failed with the reason), and each service's records. The exit status is
non-zero when a service failed: the archive is then incomplete, and its manifest says so.`,
		Example: "  l4lctl privacy export --tenant rw-gasabo --person 01a2... --out aline.json",
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return runExport(cmd, o) },
	}
	export.Flags().StringVar(&o.out, "out", "", "the archive to write (required)")
	_ = export.MarkFlagRequired("out")
	export.Flags().StringVar(&o.person, "person", "", "the person's id in the directory (required)")
	_ = export.MarkFlagRequired("person")

	erase := &cobra.Command{
		Use:   "erase",
		Short: "Record an erasure request and follow it until every service has confirmed",
		Long: `Records the request in the directory (which publishes it to every service), then shows
the services' confirmations as they arrive. It fails after --wait, naming the services that
have not confirmed; the request stays recorded and they confirm when they run again
(GET …/privacy/erasure-requests/{id} shows it).`,
		Example: "  l4lctl privacy erase --tenant rw-gasabo --person 01a2... --wait 5m",
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return runErase(cmd, o) },
	}
	erase.Flags().DurationVar(&o.wait, "wait", 2*time.Minute, "how long to follow the request")
	erase.Flags().StringVar(&o.person, "person", "", "the person's id in the directory (required)")
	_ = erase.MarkFlagRequired("person")

	var ro retentionOptions
	retention := &cobra.Command{
		Use:   "retention",
		Short: "Show what each service's retention job removed in the tenant (and run it now with --run)",
		Long: `Prints, for every service, its retention runs in the tenant since --since: for each kind
of record, the lifetime applied (from the country profile, or the platform's default), the
cutoff, and how many records were removed. With --run, each service runs its job in the
tenant first. The exit status is non-zero when a service did not answer or a run failed.`,
		Example: "  l4lctl privacy retention --tenant rw-gasabo --since 168h\n  l4lctl privacy retention --tenant rw-gasabo --run",
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return runRetention(cmd, o, ro) },
	}
	retention.Flags().DurationVar(&ro.since, "since", 48*time.Hour, "show the runs started this long ago or later")
	retention.Flags().BoolVar(&ro.run, "run", false, "run each service's job in the tenant now")
	cmd.AddCommand(export, erase, retention)
	return cmd
}

// privacyServices are the services that hold personal data, in dev up's order.
func privacyServices() []string {
	var out []string
	for _, s := range services {
		if s.def.Privacy != nil {
			out = append(out, s.def.Name)
		}
	}
	return out
}

func (o privacyOptions) serviceURL(name string) string {
	if u, ok := o.serviceURLs[name]; ok {
		return strings.TrimSuffix(u, "/")
	}
	if o.url != "" {
		return strings.TrimSuffix(o.url, "/")
	}
	for _, s := range services {
		if s.def.Name == name {
			return fmt.Sprintf("http://127.0.0.1:%d", o.basePort+s.offset)
		}
	}
	return ""
}

func (o privacyOptions) tenantPath(name, rest string) string {
	return o.serviceURL(name) + "/v1/tenants/" + url.PathEscape(o.tenant) + rest
}

func privacyToken(o privacyOptions) (string, error) {
	return importToken(importOptions{tenant: o.tenant, token: o.token, dir: o.dir}, "dpo", "l4lctl-privacy")
}

// archiveManifest says what the archive holds and what it lacks.
type archiveManifest struct {
	Tenant     string          `json:"tenant"`
	Person     string          `json:"person"`
	ExportedAt time.Time       `json:"exported_at"`
	Complete   bool            `json:"complete"`
	Services   []manifestEntry `json:"services"`
}

type manifestEntry struct {
	Service string `json:"service"`
	// Status is "exported" or "failed".
	Status  string         `json:"status"`
	Error   string         `json:"error,omitempty"`
	Records map[string]int `json:"records,omitempty"`
}

type archive struct {
	Manifest archiveManifest            `json:"manifest"`
	Services map[string]json.RawMessage `json:"services"`
}

func runExport(cmd *cobra.Command, o privacyOptions) error {
	token, err := privacyToken(o)
	if err != nil {
		return err
	}
	a := archive{Manifest: archiveManifest{Tenant: o.tenant, Person: o.person, ExportedAt: time.Now().UTC(), Complete: true},
		Services: map[string]json.RawMessage{}}
	out := cmd.OutOrStdout()
	for _, name := range privacyServices() {
		var raw json.RawMessage
		req, err := http.NewRequestWithContext(cmd.Context(), http.MethodGet, o.tenantPath(name, "/privacy/"+name+"/people/"+url.PathEscape(o.person)), nil)
		if err == nil {
			req.Header.Set("Authorization", "Bearer "+token)
			err = do(req, &raw)
		}
		entry := manifestEntry{Service: name, Status: "exported"}
		if err != nil {
			entry.Status, entry.Error, a.Manifest.Complete = "failed", err.Error(), false
			fmt.Fprintf(out, "  %-14s failed: %v\n", name, err)
		} else {
			var e struct {
				Records map[string][]json.RawMessage `json:"records"`
			}
			_ = json.Unmarshal(raw, &e)
			entry.Records = map[string]int{}
			total := 0
			for kind, recs := range e.Records {
				entry.Records[kind] = len(recs)
				total += len(recs)
			}
			a.Services[name] = raw
			fmt.Fprintf(out, "  %-14s %d records\n", name, total)
		}
		a.Manifest.Services = append(a.Manifest.Services, entry)
	}
	body, err := json.MarshalIndent(a, "", "  ")
	if err != nil {
		return err
	}
	if err := writePrivate(o.out, body); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s: %s's data in %s\n", o.out, o.person, o.tenant)
	if !a.Manifest.Complete {
		return errors.New("the archive is incomplete: the manifest names the services that failed; run the export again once they answer")
	}
	return nil
}

// writePrivate writes through a temporary file in the same directory, readable by its
// owner only (it holds personal data), so a failure never leaves half an archive.
func writePrivate(path string, body []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".l4l-export-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(body); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

type erasureStatus struct {
	ID        string   `json:"id"`
	Status    string   `json:"status"`
	Expected  []string `json:"expected"`
	Pending   []string `json:"pending"`
	Confirmed []struct {
		Service string `json:"service"`
		Records int    `json:"records"`
	} `json:"confirmed"`
}

func runErase(cmd *cobra.Command, o privacyOptions) error {
	token, err := privacyToken(o)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(map[string]string{"person_id": o.person})
	req, err := http.NewRequestWithContext(cmd.Context(), http.MethodPost, o.tenantPath("directory", "/privacy/erasure-requests"), bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	// A retried command after a network failure records the request once.
	req.Header.Set("Idempotency-Key", "l4lctl-erase-"+uuid.NewString())
	var st erasureStatus
	if err := do(req, &st); err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "erasure request %s recorded for %s in %s\n", st.ID, o.person, o.tenant)
	bar := progressBar(cmd.ErrOrStderr(), len(st.Expected), "services confirmed")
	deadline := time.Now().Add(o.wait)
	seen := map[string]bool{}
	for {
		for _, c := range st.Confirmed {
			if !seen[c.Service] {
				seen[c.Service] = true
				_ = bar.Add(1)
				fmt.Fprintf(out, "  %-14s confirmed (%d records changed)\n", c.Service, c.Records)
			}
		}
		if st.Status == "completed" {
			_ = bar.Finish()
			fmt.Fprintf(out, "completed: every service has erased what it held about %s\n", o.person)
			return nil
		}
		if time.Now().After(deadline) {
			_ = bar.Exit()
			pending := slices.Clone(st.Pending)
			slices.Sort(pending)
			return fmt.Errorf("after %s, %s have not confirmed the erasure request %s; it stays recorded and they confirm once they run (follow it with GET %s)",
				o.wait, strings.Join(pending, ", "), st.ID, "/v1/tenants/"+o.tenant+"/privacy/erasure-requests/"+st.ID)
		}
		select {
		case <-cmd.Context().Done():
			return cmd.Context().Err()
		case <-time.After(500 * time.Millisecond):
		}
		req, err := http.NewRequestWithContext(cmd.Context(), http.MethodGet, o.tenantPath("directory", "/privacy/erasure-requests/"+st.ID), nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		var next erasureStatus
		if err := do(req, &next); err != nil {
			return err
		}
		st = next
	}
}

// progressBar draws on a terminal only (like uploadBar).
func progressBar(w any, n int, desc string) *progressbar.ProgressBar {
	if f, ok := w.(*os.File); ok && f == os.Stderr && isTerminal(f) {
		return progressbar.Default(int64(n), desc)
	}
	return progressbar.DefaultSilent(int64(n), desc)
}

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/l4l-platform/l4l/libs/problem"
)

type importOptions struct {
	tenant, url, token, mode, dir string
	dryRun                        bool
}

func newImportCmd() *cobra.Command {
	var o importOptions
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Import schools or head teachers from CSV into the directory",
		Long: `Upload a CSV file to the directory's import API and print its report. By default the
import is all-or-nothing: one bad row and nothing is imported, and every row error is
listed. Re-importing the same file changes nothing (rows are "unchanged").

The exit status is 0 only if every row was accepted.

The token is --token, else $L4L_TOKEN, else a DEO token for --tenant minted with the dev
issuer's key in --dir (which only a stack started by ` + "`l4lctl dev up`" + ` trusts).`,
	}
	f := cmd.PersistentFlags()
	f.StringVar(&o.tenant, "tenant", "", "the tenant (district) to import into, e.g. rw-gasabo (required)")
	f.StringVar(&o.url, "url", "http://127.0.0.1:8081", "the directory service's base URL")
	f.StringVar(&o.token, "token", "", "bearer token (default $L4L_TOKEN, else a dev DEO token)")
	f.StringVar(&o.mode, "mode", "all", "all: import nothing if any row is bad; valid: import the good rows, report the bad")
	f.BoolVar(&o.dryRun, "dry-run", false, "check the file and report what would change, without writing")
	f.StringVar(&o.dir, "dir", defaultDir, "where the dev issuer's key is kept (for the default token)")
	_ = cmd.MarkPersistentFlagRequired("tenant")

	for _, kind := range []struct{ name, columns string }{
		{"schools", "code,name,unit[,ownership,status] — unit is a sector code (rw-gasabo-kimironko) or name (Kimironko)"},
		{"head-teachers", "staff_id,given_name,family_name,school_code[,gender,email,phone,start_date]"},
	} {
		cmd.AddCommand(&cobra.Command{
			Use:     kind.name + " FILE",
			Short:   "Import " + kind.name + " from a CSV file with the columns " + kind.columns,
			Example: "  l4lctl import " + kind.name + " " + kind.name + ".csv --tenant rw-gasabo --dry-run",
			Args:    cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				return runImport(cmd, o, kind.name, args[0])
			},
		})
	}
	return cmd
}

func runImport(cmd *cobra.Command, o importOptions, kind, file string) error {
	if o.mode != "all" && o.mode != "valid" {
		return fmt.Errorf("--mode %q: all (import nothing if any row is bad) or valid (import the good rows)", o.mode)
	}
	token, err := importToken(o, "deo", "l4lctl-import")
	if err != nil {
		return err
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	bar := uploadBar(cmd.ErrOrStderr(), st.Size(), "uploading "+filepath.Base(file))
	body := progressbar.NewReader(f, bar)
	rep, err := postImport(cmd.Context(), importRequest{BaseURL: o.url, Token: token, Tenant: o.tenant, Kind: kind,
		Mode: o.mode, DryRun: o.dryRun, Body: &body, Size: st.Size()})
	if !bar.IsFinished() {
		// The server answered before reading the whole file (a 401, a 415): leave the bar
		// where it stopped rather than claim the upload completed.
		_ = bar.Exit()
	}
	out := cmd.OutOrStdout()
	var ae *apiError
	if errors.As(err, &ae) && len(ae.Problem.Errors) > 0 {
		fmt.Fprintf(out, "%s → %s: rejected: %s\n", filepath.Base(file), o.tenant, ae.Problem.Detail)
		printRowErrors(out, ae.Problem.Errors)
		return fmt.Errorf("the import of %s was rejected (%d errors)", filepath.Base(file), len(ae.Problem.Errors))
	}
	if err != nil {
		return err
	}
	printReport(out, filepath.Base(file), o.tenant, rep)
	if rep.Rejected > 0 {
		return fmt.Errorf("%d of %d rows of %s were rejected", rep.Rejected, rep.Rows, filepath.Base(file))
	}
	return nil
}

func printReport(w io.Writer, file, tenant string, r *importReport) {
	how := "mode " + r.Mode
	if r.DryRun {
		how += ", dry run: nothing was written"
	}
	fmt.Fprintf(w, "%s → %s (%s)\n", file, tenant, how)
	fmt.Fprintf(w, "  rows %d  created %d  updated %d  unchanged %d  rejected %d\n",
		r.Rows, r.Created, r.Updated, r.Unchanged, r.Rejected)
	printRowErrors(w, r.Errors)
}

func printRowErrors(w io.Writer, errs []problem.FieldError) {
	for _, e := range errs {
		fmt.Fprintf(w, "  %s: %s\n", e.Field, e.Detail)
	}
}

// importToken picks the bearer token: explicit, from the environment, or minted from the
// dev key. Minting never creates a key here: a fresh key would be trusted by no one.
func importToken(o importOptions, role, subject string) (string, error) {
	if o.token != "" {
		return o.token, nil
	}
	if t := os.Getenv("L4L_TOKEN"); t != "" {
		return t, nil
	}
	if _, err := os.Stat(filepath.Join(o.dir, "dev-issuer.pem")); err != nil {
		return "", fmt.Errorf("no token: pass --token or set L4L_TOKEN (no dev issuer key in %s to mint one; is --dir the one `l4lctl dev up` uses?)", o.dir)
	}
	return mintToken(tokenOptions{roles: []string{role}, tenant: o.tenant, subject: subject, ttl: devTokenTTL, dir: o.dir})
}

// uploadBar shows progress only on a terminal; in CI logs and pipes a redrawn bar is noise.
func uploadBar(w io.Writer, size int64, desc string) *progressbar.ProgressBar {
	if f, ok := w.(*os.File); ok && f == os.Stderr && isTerminal(f) {
		return progressbar.DefaultBytes(size, desc) // draws on os.Stderr
	}
	return progressbar.DefaultBytesSilent(size, desc)
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

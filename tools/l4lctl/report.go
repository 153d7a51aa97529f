package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/l4l-platform/l4l/libs/problem"
)

// newReportCmd downloads the quarterly programme report of a district or the country.
func newReportCmd() *cobra.Command {
	var tenant, country, quarter, format, lang, out, baseURL, token, dir string
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Download the quarterly programme report (PDF or HTML) of a district or a country",
		Long: `Download the quarterly programme report from the analytics service: the KPIs with their
change since the last quarter and the baseline, charts over time, the units furthest behind
and data-quality notes. The file is written only once complete (through a temporary file).
Without --token or $L4L_TOKEN a dev token is minted (a DEO's for --tenant, a national analyst's for
--country).`,
		Example: "  l4lctl report --country rw --quarter 2027Q1 --out report.pdf\n" +
			"  l4lctl report --tenant rw-gasabo --out gasabo.html --format html --lang fr",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var path string
			o := tokenOptions{subject: "l4lctl-report", ttl: 10 * time.Minute, dir: dir}
			switch {
			case (tenant == "") == (country == ""):
				return errors.New("give one of --tenant (rw-gasabo) or --country (rw)")
			case tenant != "":
				path, o.roles, o.tenant = "/v1/tenants/"+url.PathEscape(tenant)+"/reports/quarterly", []string{"deo"}, tenant
			default:
				path, o.roles, o.country = "/v1/countries/"+url.PathEscape(country)+"/reports/quarterly", []string{"analyst"}, country
			}
			if out == "" {
				return errors.New("--out is required: the file to write (report.pdf)")
			}
			if format == "" {
				format = "pdf"
				if strings.HasSuffix(strings.ToLower(out), ".html") {
					format = "html"
				}
			}
			if token == "" {
				token = os.Getenv("L4L_TOKEN")
			}
			if token == "" {
				// Minting never creates a key here: a fresh key would be trusted by no one.
				if _, err := os.Stat(filepath.Join(dir, "dev-issuer.pem")); err != nil {
					return fmt.Errorf("no token: pass --token or set L4L_TOKEN (no dev issuer key in %s to mint one; is --dir the one `l4lctl dev up` uses?)", dir)
				}
				var err error
				if token, err = mintToken(o); err != nil {
					return err
				}
			}
			q := url.Values{"format": {format}}
			if quarter != "" {
				q.Set("quarter", quarter)
			}
			if lang != "" {
				q.Set("lang", lang)
			}
			u := strings.TrimRight(baseURL, "/") + path + "?" + q.Encode()
			n, err := downloadReport(cmd, u, token, out)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (%d bytes)\n", out, n)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&tenant, "tenant", "", "a district (tenant), e.g. rw-gasabo")
	f.StringVar(&country, "country", "", "a country, e.g. rw: the national report")
	f.StringVar(&quarter, "quarter", "", "a calendar quarter like 2027Q1 (default: the last that ended)")
	f.StringVar(&format, "format", "", "pdf or html (default from --out's extension, else pdf)")
	f.StringVar(&lang, "lang", "", "a language of the country profile (en, fr, rw, sw); default English")
	f.StringVar(&out, "out", "", "the file to write")
	f.StringVar(&baseURL, "url", "http://127.0.0.1:8086", "the analytics service's base URL")
	f.StringVar(&token, "token", "", "a bearer token (default $L4L_TOKEN, else a dev token from --dir)")
	f.StringVar(&dir, "dir", defaultDir, "where the dev issuer's key is kept")
	return cmd
}

// downloadReport shows a spinner while the server renders (a PDF takes seconds), then a
// byte counter while the file downloads, and writes out only when the whole body arrived.
func downloadReport(cmd *cobra.Command, u, token, out string) (int64, error) {
	req, err := http.NewRequestWithContext(cmd.Context(), http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	stderr := cmd.ErrOrStderr()
	p := newProgress(stderr)
	stop := p.spin("rendering the report")
	res, err := http.DefaultClient.Do(req)
	stop()
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) {
			return 0, fmt.Errorf("nothing answers at %s: is `l4lctl dev up` running, or is --url wrong?", req.URL.Host)
		}
		return 0, err
	}
	defer res.Body.Close()
	if res.StatusCode >= 300 {
		body, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
		e := &apiError{Method: req.Method, URL: req.URL.String()}
		ct, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type"))
		if ct != problem.ContentType || json.Unmarshal(body, &e.Problem) != nil {
			e.Problem = problem.Problem{Status: res.StatusCode, Title: http.StatusText(res.StatusCode), Detail: snippet(body)}
		}
		printRowErrors(stderr, e.Problem.Errors)
		return 0, e
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name()) // after the rename, a no-op
	n, err := io.Copy(tmp, p.count(res.Body, res.ContentLength, "downloading"))
	p.done()
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("downloading %s: %w", u, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return 0, err
	}
	return n, os.Rename(tmp.Name(), out)
}

// progress draws a spinner and a byte counter on one terminal line, redrawn in place;
// elsewhere (CI logs, pipes) it prints nothing, as the other commands' bars. It is its
// own small thing rather than progressbar's spinner, whose ticker goroutine reads the
// bar's state unlocked (a data race under -race).
type progress struct {
	w   io.Writer
	tty bool
}

func newProgress(w io.Writer) *progress {
	f, ok := w.(*os.File)
	return &progress{w: w, tty: ok && f == os.Stderr && term.IsTerminal(int(f.Fd()))}
}

// spin redraws "desc ⠋ 1.2s" until the returned stop is called; stop returns once the
// line is cleared.
func (p *progress) spin(desc string) (stop func()) {
	if !p.tty {
		return func() {}
	}
	quit, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		frames := []rune("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")
		begin := time.Now()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for i := 0; ; i++ {
			fmt.Fprintf(p.w, "\r%s %c %.1fs ", desc, frames[i%len(frames)], time.Since(begin).Seconds())
			select {
			case <-quit:
				fmt.Fprint(p.w, "\r\033[K")
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(quit); <-finished }
}

// count passes r through, redrawing "desc 12.3 KiB / 94.6 KiB" as bytes arrive (total
// -1: unknown).
func (p *progress) count(r io.Reader, total int64, desc string) io.Reader {
	if !p.tty {
		return r
	}
	return &counter{r: r, p: p, total: total, desc: desc}
}

func (p *progress) done() {
	if p.tty {
		fmt.Fprintln(p.w)
	}
}

type counter struct {
	r        io.Reader
	p        *progress
	n, total int64
	desc     string
	drawn    time.Time
}

func (c *counter) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	if time.Since(c.drawn) > 65*time.Millisecond || err != nil {
		c.drawn = time.Now()
		of := ""
		if c.total >= 0 {
			of = " / " + kib(c.total)
		}
		fmt.Fprintf(c.p.w, "\r%s %s%s ", c.desc, kib(c.n), of)
	}
	return n, err
}

func kib(n int64) string { return fmt.Sprintf("%.1f KiB", float64(n)/1024) }

package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/l4l-platform/l4l/services/directory"
)

func newDevCmd() *cobra.Command {
	dev := &cobra.Command{Use: "dev", Short: "Run the platform on this machine"}
	var o upOptions
	var noSeed bool
	upCmd := &cobra.Command{
		Use:   "up",
		Short: "Start Kafka, MongoDB, the dev issuer and every service, seed demo data, print the URLs",
		Long: `Start an embedded Kafka-protocol broker and an embedded MongoDB-wire-protocol database on
loopback, the dev OIDC issuer, and every service; wait until all are ready; import a demo
directory (schools and head teachers of every sector of --tenant) through the REST API;
print the URLs and a DEO token. Data is kept in --dir across restarts, and seeding again
changes nothing. Ctrl-C stops everything.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Seed = !noSeed
			// Services log at warn only: the terminal is for the summary and for trouble.
			o.Logger = slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn}))
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			fmt.Fprintf(cmd.ErrOrStderr(), "starting l4l (data in %s) …\n", o.Dir)
			env, err := up(ctx, o)
			if err != nil {
				if ctx.Err() != nil {
					return nil // interrupted while starting: up has stopped what it started
				}
				return err
			}
			printSummary(cmd.OutOrStdout(), env)
			if env.Programme != nil && env.URL("plc") != "" {
				go func() {
					n, err := scheduleTerms(ctx, env.URL("plc"), env.Token, env.Profile, o.Tenant)
					switch {
					case err != nil && ctx.Err() == nil:
						fmt.Fprintf(cmd.ErrOrStderr(), "plc: could not schedule the demo terms: %v\n", err)
					case err == nil && n > 0:
						fmt.Fprintf(cmd.ErrOrStderr(), "plc: %d sessions scheduled for this term and next\n", n)
					}
				}()
			}
			select {
			case <-ctx.Done():
			case <-env.Done(): // a service stopped on its own; the rest follow
			}
			stop() // from here a second Ctrl-C kills at once
			fmt.Fprintln(cmd.ErrOrStderr(), "stopping …")
			if err := env.Wait(); err != nil {
				return err
			}
			fmt.Fprintln(cmd.ErrOrStderr(), "stopped")
			return nil
		},
	}
	f := upCmd.Flags()
	f.StringVar(&o.Dir, "dir", defaultDir, "where the broker's and database's data and the dev issuer's key are kept")
	f.IntVar(&o.KafkaPort, "kafka-port", 9092, "the Kafka broker's loopback port (0: a free one)")
	f.IntVar(&o.MongoPort, "mongo-port", 27017, "the MongoDB server's loopback port (0: a free one)")
	f.StringVar(&o.IssuerAddr, "issuer-addr", "127.0.0.1:8099", "where the dev issuer serves its JWKS")
	f.IntVar(&o.BasePort, "base-port", 8081, "the first service's port (directory); the others follow (0: free ones)")
	f.StringVar(&o.Tenant, "tenant", "rw-gasabo", "the district to run and seed")
	f.BoolVar(&noSeed, "no-seed", false, "do not import the demo schools and head teachers")
	dev.AddCommand(upCmd)
	return dev
}

// printSummary tells a developer everything needed to start calling the API, with lines
// that can be pasted into a shell as they are.
func printSummary(w io.Writer, e *devEnv) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "\nl4l is up in %s. Ctrl-C stops it.\n\n", e.Took.Round(100*time.Millisecond))
	for _, s := range e.Services {
		fmt.Fprintf(tw, "  %s\t%s\t%s/openapi.yaml  %s/metrics\n", s.Name, s.URL, s.URL, s.URL)
	}
	fmt.Fprintf(tw, "  issuer\t%s\tJWKS %s\n", e.Issuer, e.JWKSURL)
	fmt.Fprintf(tw, "  kafka\t%s\n", strings.Join(e.KafkaBrokers, ","))
	fmt.Fprintf(tw, "  mongodb\t%s\n", e.MongoURI)
	fmt.Fprintf(tw, "  data\t%s\n", e.Dir)
	_ = tw.Flush()
	if s := e.Seeded; s != nil {
		fmt.Fprintf(w, "\nDemo data for %s: %d schools in %d sectors (%s), %d head teachers (%s).\n",
			e.Tenant, s.Schools.Rows, s.Units, counts(s.Schools), s.HeadTeachers.Rows, counts(s.HeadTeachers))
	}
	if p := e.Programme; p != nil {
		fmt.Fprintf(w, "Middle tier: a DEO, an SEO per sector, %d leaders of learning; recruitment campaign %s; %d PLC groups\n(this term's and next term's PLC sessions are scheduled in the background once every group has its facilitators).\n",
			p.Leaders, p.Campaign, p.Groups)
	}
	fmt.Fprintf(w, "\nA DEO token for %s, valid %s (more: l4lctl token --help):\n\n", e.Tenant, shortDuration(devTokenTTL))
	fmt.Fprintf(w, "  export TOKEN=%s\n", e.Token)
	// Quoted: zsh would take the ? of the query for a glob.
	fmt.Fprintf(w, "  curl -s -H \"Authorization: Bearer $TOKEN\" \"%s/v1/tenants/%s/schools?limit=5\"\n\n",
		e.URL(directory.Name), e.Tenant)
}

func counts(r importReport) string {
	var parts []string
	for _, c := range []struct {
		n    int
		what string
	}{{r.Created, "created"}, {r.Updated, "updated"}, {r.Unchanged, "unchanged"}, {r.Rejected, "rejected"}} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c.n, c.what))
		}
	}
	return strings.Join(parts, ", ")
}

// shortDuration writes 12h rather than 12h0m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

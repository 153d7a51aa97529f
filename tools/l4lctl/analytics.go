package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/l4l-platform/l4l/libs/config"
	"github.com/l4l-platform/l4l/services/analytics"
)

func newAnalyticsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "analytics",
		Short: "Operate the analytics service's read models",
	}
	var tenant, brokers, mongoURI string
	rebuild := &cobra.Command{
		Use:   "rebuild",
		Short: "Rebuild analytics' read models by replaying the publishers' topics from the start",
		Long: `Replay the directory, recruitment, plc, coaching and accreditation topics from their first
offsets (partition readers: the live consumers' offsets are untouched) and make each
tenant's facts exactly what the replay folds. The service may keep running: what its
consumers write meanwhile is newer and wins. The KPIs are then those of the live path.

Connection settings default to the analytics service's own (L4L_KAFKA_BROKERS,
L4L_MONGO_URI; the dev stack's loopback ports).`,
		Example: "  l4lctl analytics rebuild --tenant rw-gasabo",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.FromEnv(analytics.Name)
			if err != nil {
				return err
			}
			if brokers != "" {
				cfg.KafkaBrokers = strings.Split(brokers, ",")
			}
			if mongoURI != "" {
				cfg.MongoURI = mongoURI
			}
			var read, written *progressbar.ProgressBar
			res, err := analytics.Rebuild(cmd.Context(), cfg, analytics.RebuildOptions{
				ReplayOptions: analytics.ReplayOptions{Tenant: tenant, Progress: func(n, total int64) {
					if read == nil { // made once the length is known (an unknown-length bar redraws from its own goroutine)
						read = countBar(cmd.ErrOrStderr(), total, "replaying events")
					}
					_ = read.Set64(n)
				}},
				Written: func(n, total int) {
					if written == nil {
						written = countBar(cmd.ErrOrStderr(), int64(total), "writing facts")
					}
					_ = written.Set(n)
				},
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "rebuilt %d tenant(s) %s: %d events read (%d not analytics' or refused), %d facts kept\n",
				len(res.Tenants), strings.Join(res.Tenants, ", "), res.Events, res.Skipped, res.Facts)
			return nil
		},
	}
	f := rebuild.Flags()
	f.StringVar(&tenant, "tenant", "", "rebuild one tenant (e.g. rw-gasabo); default every tenant")
	f.StringVar(&brokers, "brokers", "", "Kafka bootstrap brokers, comma-separated (default $L4L_KAFKA_BROKERS)")
	f.StringVar(&mongoURI, "mongo-uri", "", "analytics' MongoDB (default $L4L_MONGO_URI)")
	cmd.AddCommand(rebuild, newDashboardCmd())
	return cmd
}

// newDashboardCmd prints the dashboard's URL with a dev token in its fragment: the
// "no login in dev mode" path (with a real identity provider, integrators put the token
// there the same way).
func newDashboardCmd() *cobra.Command {
	var scope, unit, url, dir string
	cmd := &cobra.Command{
		Use:     "dashboard",
		Short:   "Print the analytics dashboard's URL for a district or a country, with a dev token",
		Example: "  l4lctl analytics dashboard --scope rw-gasabo\n  l4lctl analytics dashboard --scope rw            # the national roll-up\n  l4lctl analytics dashboard --scope rw-gasabo --unit rw-gasabo-remera   # an SEO's view",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o := tokenOptions{subject: "l4lctl-dashboard", ttl: devTokenTTL, dir: dir, unit: unit}
			fragment := ""
			switch {
			case strings.Contains(scope, "-") && unit != "":
				o.roles, o.tenant, fragment = []string{"seo"}, scope, "tenant="+scope
			case strings.Contains(scope, "-"):
				o.roles, o.tenant, fragment = []string{"deo"}, scope, "tenant="+scope
			case scope != "":
				o.roles, o.country, fragment = []string{"analyst"}, scope, "country="+scope
			default:
				return fmt.Errorf("--scope is required: a tenant (rw-gasabo) or a country (rw)")
			}
			tok, err := mintToken(o)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s/dashboard#%s&token=%s\n", strings.TrimRight(url, "/"), fragment, tok)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&scope, "scope", "", "a tenant (rw-gasabo: a DEO's view) or a country (rw: a national analyst's view)")
	f.StringVar(&unit, "unit", "", "narrow a tenant's view to a unit (an SEO's sector)")
	f.StringVar(&url, "url", "http://127.0.0.1:8086", "the analytics service's base URL")
	f.StringVar(&dir, "dir", defaultDir, "where the dev issuer's key is kept")
	return cmd
}

// countBar draws on a terminal only; in CI logs and pipes a redrawn bar is noise.
func countBar(w io.Writer, total int64, desc string) *progressbar.ProgressBar {
	if f, ok := w.(*os.File); ok && f == os.Stderr && term.IsTerminal(int(f.Fd())) {
		return progressbar.Default(total, desc)
	}
	return progressbar.DefaultSilent(total, desc)
}

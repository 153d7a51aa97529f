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
	cmd.AddCommand(rebuild)
	return cmd
}

// countBar draws on a terminal only; in CI logs and pipes a redrawn bar is noise.
func countBar(w io.Writer, total int64, desc string) *progressbar.ProgressBar {
	if f, ok := w.(*os.File); ok && f == os.Stderr && term.IsTerminal(int(f.Fd())) {
		return progressbar.Default(total, desc)
	}
	return progressbar.DefaultSilent(total, desc)
}

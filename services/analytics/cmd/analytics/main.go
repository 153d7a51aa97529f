// Command analytics serves the analytics API and dashboard. Configuration comes from
// L4L_* environment variables (libs/config); defaults suit the dev stack.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/l4l-platform/l4l/libs/config"
	"github.com/l4l-platform/l4l/libs/service"
	"github.com/l4l-platform/l4l/services/analytics"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := config.FromEnv(analytics.Name)
	if err == nil {
		err = service.Run(ctx, analytics.Definition, cfg)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "analytics:", err)
		os.Exit(1)
	}
}

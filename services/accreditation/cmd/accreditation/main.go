// Command accreditation serves the accreditation API. Configuration comes from L4L_* environment
// variables (libs/config); defaults suit the dev stack.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/l4l-platform/l4l/libs/config"
	"github.com/l4l-platform/l4l/libs/service"
	"github.com/l4l-platform/l4l/services/accreditation"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := config.FromEnv(accreditation.Name)
	if err == nil {
		err = service.Run(ctx, accreditation.Definition, cfg)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "accreditation:", err)
		os.Exit(1)
	}
}

package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// defaultDir is where dev mode keeps its data and the dev issuer's key; the repository's
// .gitignore lists it, so `make run` from the top leaves the tree clean.
const defaultDir = ".l4l"

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "l4lctl",
		Short: "Run l4l locally, mint dev tokens, import directory data",
		// Errors are printed once by execute, and usage only for usage mistakes: a failed
		// import should not bury its row errors under the flag list.
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.AddCommand(newDevCmd(), newTokenCmd(), newImportCmd(), newTenantCmd(), newAnalyticsCmd(), newPrivacyCmd(), newReportCmd())
	return root
}

// execute runs the command line and returns the process's exit status. Tests call it
// with their own writers.
func execute(args []string, stdout, stderr io.Writer) int {
	root := newRoot()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := root.ExecuteContext(context.Background()); err != nil {
		fmt.Fprintf(stderr, "l4lctl: %v\n", err)
		return 1
	}
	return 0
}

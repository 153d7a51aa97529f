package devstack

import (
	"context"
	"testing"
)

// ForTest starts a stack on free ports, with its data in the test's temporary directory,
// and stops it at cleanup. (FerretDB's in-memory mode gives SQLite a single connection,
// and a query cursor left open then blocks every later write.)
func ForTest(tb testing.TB) *Stack {
	tb.Helper()
	s, err := Start(context.Background(), Options{Dir: tb.TempDir()})
	if err != nil {
		tb.Fatalf("devstack: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

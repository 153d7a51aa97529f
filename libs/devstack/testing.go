package devstack

import (
	"context"
	"testing"
)

// ForTest starts an in-memory stack on free ports for one test and stops it at cleanup.
func ForTest(tb testing.TB) *Stack {
	tb.Helper()
	s, err := Start(context.Background(), Options{})
	if err != nil {
		tb.Fatalf("devstack: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

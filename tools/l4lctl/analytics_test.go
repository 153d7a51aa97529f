package main

import (
	"bytes"
	"strings"
	"testing"
)

// A misspelt tenant is refused before anything is read or written.
func TestAnalyticsRebuildRefusesAnUnknownTenant(t *testing.T) {
	var out, errb bytes.Buffer
	code := execute([]string{"analytics", "rebuild", "--tenant", "rw-gasabbo", "--brokers", "127.0.0.1:1", "--mongo-uri", "mongodb://127.0.0.1:1"}, &out, &errb)
	if code == 0 || !strings.Contains(errb.String(), `"rw-gasabbo" is not a tenant`) {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
}

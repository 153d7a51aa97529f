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

func TestAnalyticsDashboardPrintsAURLWithAToken(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	if code := execute([]string{"token", "--role", "deo", "--tenant", "rw-gasabo", "--dir", dir}, &out, &errb); code != 0 {
		t.Fatalf("token: %s", errb.String())
	}
	out.Reset()
	if code := execute([]string{"analytics", "dashboard", "--scope", "rw", "--dir", dir}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.HasPrefix(out.String(), "http://127.0.0.1:8086/dashboard#country=rw&token=ey") {
		t.Errorf("printed %q", out.String())
	}
}

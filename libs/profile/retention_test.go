package profile

import (
	"testing"
	"time"
)

func TestPeriodsAreCalendarLifetimes(t *testing.T) {
	at := time.Date(2028, 2, 29, 10, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		keep string
		want time.Time
	}{
		{"90d", time.Date(2027, 12, 1, 10, 0, 0, 0, time.UTC)},
		{"18m", time.Date(2026, 8, 29, 10, 0, 0, 0, time.UTC)},
		// Two years before a 29 February: Go normalises 2026-02-29 to 1 March.
		{"2y", time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)},
		{"1y", time.Date(2027, 3, 1, 10, 0, 0, 0, time.UTC)},
	} {
		p, err := ParsePeriod(tt.keep)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Before(at); !got.Equal(tt.want) {
			t.Errorf("%s before %s = %s, want %s", tt.keep, at, got, tt.want)
		}
		if p.String() != tt.keep {
			t.Errorf("%s prints as %s", tt.keep, p)
		}
	}
	for _, bad := range []string{"", "2", "y", "0y", "-1y", "1.5y", "2Y", "10000d", "2 y", "2w"} {
		if _, err := ParsePeriod(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestShippedProfilesSetRetention(t *testing.T) {
	for country, want := range map[string]map[string]string{
		"rw": {RetentionAuditEntries: "5y", RetentionRejectedApplications: "2y"},
		"ke": {RetentionAuditEntries: "3y", RetentionRejectedApplications: "2y"},
	} {
		s, err := Load(country)
		if err != nil {
			t.Fatal(err)
		}
		for record, keep := range want {
			p, ok := s.RetentionFor(record)
			if !ok || p.String() != keep {
				t.Errorf("%s %s: %v %v, want %s", country, record, p, ok, keep)
			}
		}
		if _, ok := s.RetentionFor(RetentionIdempotencyRecords); ok {
			t.Errorf("%s sets idempotency records: the default was expected", country)
		}
	}
}

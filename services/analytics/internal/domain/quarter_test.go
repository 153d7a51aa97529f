package domain_test

import (
	"testing"
	"time"

	"github.com/l4l-platform/l4l/services/analytics/internal/domain"
)

func TestQuarters(t *testing.T) {
	for _, c := range []struct {
		in, name, from, to string
	}{
		{"2027Q1", "2027Q1", "2027-01-01", "2027-03-31"},
		{"2026Q4", "2026Q4", "2026-10-01", "2026-12-31"},
		{"2028Q1", "2028Q1", "2028-01-01", "2028-03-31"},
		{"2026Q2", "2026Q2", "2026-04-01", "2026-06-30"},
	} {
		p, err := domain.ParseQuarter(c.in)
		if err != nil || p.Name != c.name || p.From != c.from || p.To != c.to || p.Kind != domain.Quarter {
			t.Errorf("ParseQuarter(%q) = %+v, %v", c.in, p, err)
		}
	}
	for _, bad := range []string{"", "2027Q0", "2027Q5", "2027q1", "27Q1", "2027-Q1", "Q1-2027", "2027Q1x", "0000Q1"} {
		if p, err := domain.ParseQuarter(bad); err == nil {
			t.Errorf("ParseQuarter(%q) = %+v, want an error", bad, p)
		}
	}
	got, err := domain.Periods(rwanda(t), domain.Quarter, "2027-02-14", 3)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range got {
		names = append(names, p.Name)
	}
	if len(names) != 3 || names[0] != "2026Q3" || names[1] != "2026Q4" || names[2] != "2027Q1" {
		t.Errorf("three quarters to 2027-02-14: %v", names)
	}
	if q := domain.QuarterOf(time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC)); q.Name != "2026Q4" {
		t.Errorf("QuarterOf(31 December) = %s", q.Name)
	}
}

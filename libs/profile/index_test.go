package profile

import (
	"slices"
	"testing"
	"time"
)

func codes(units []Unit) []string {
	out := make([]string, len(units))
	for i, u := range units {
		out[i] = u.Code
	}
	return out
}

func TestIndexUnits(t *testing.T) {
	x := NewIndex(mustLoad(t, "rw"))

	if _, ok := x.Unit("rw-nowhere"); ok {
		t.Error("found an unknown unit")
	}
	if got := codes(x.Children("")); !slices.Equal(got, []string{"rw-kigali", "rw-north", "rw-south", "rw-east", "rw-west"}) {
		t.Errorf("top level = %v", got)
	}
	if got := codes(x.Children("rw-kigali")); !slices.Equal(got, []string{"rw-gasabo", "rw-kicukiro", "rw-nyarugenge"}) {
		t.Errorf("Kigali's districts = %v", got)
	}
	if got := x.Children("rw-gasabo-kimironko"); got != nil {
		t.Errorf("a sector has children: %v", got)
	}

	tests := []struct {
		code, level string
		want        int
	}{
		{"rw-kigali", "sector", 35}, // 15 + 10 + 10
		{"rw-kigali", "district", 3},
		{"rw-gasabo", "district", 1}, // the unit itself
		{"rw-gasabo", "province", 0}, // above it
		{"rw-gasabo-kimironko", "sector", 1},
		{"rw-gasabo", "cell", 0},
		{"rw-nowhere", "sector", 0},
	}
	for _, tt := range tests {
		if got := len(x.UnitsUnder(tt.code, tt.level)); got != tt.want {
			t.Errorf("UnitsUnder(%s, %s) has %d units, want %d", tt.code, tt.level, got, tt.want)
		}
	}

	if got := codes(x.Path("rw-gasabo-kimironko")); !slices.Equal(got, []string{"rw-kigali", "rw-gasabo", "rw-gasabo-kimironko"}) {
		t.Errorf("Path = %v", got)
	}
	if x.Path("rw-nowhere") != nil {
		t.Error("Path of an unknown unit")
	}
	if !x.Within("rw-gasabo-kimironko", "rw-gasabo") || !x.Within("rw-gasabo", "rw-gasabo") || !x.Within("rw-gasabo-kimironko", "rw-kigali") {
		t.Error("Within misses an ancestor")
	}
	if x.Within("rw-gasabo-kimironko", "rw-kicukiro") || x.Within("rw-gasabo", "rw-gasabo-kimironko") {
		t.Error("Within accepts a non-ancestor")
	}
	if u, ok := x.TenantOf("rw-gasabo-kimironko"); !ok || u.Code != "rw-gasabo" {
		t.Errorf("TenantOf(sector) = %v, %v", u.Code, ok)
	}
	if u, ok := x.TenantOf("rw-gasabo"); !ok || u.Code != "rw-gasabo" {
		t.Errorf("TenantOf(district) = %v, %v", u.Code, ok)
	}
	if _, ok := x.TenantOf("rw-kigali"); ok {
		t.Error("a province has a tenant")
	}
}

func TestIndexLookups(t *testing.T) {
	x := NewIndex(mustLoad(t, "rw"))
	if r, ok := x.Role("nll"); !ok || r.Name != "National Leader of Learning" {
		t.Errorf("Role(nll) = %+v, %v", r, ok)
	}
	if _, ok := x.Role("mayor"); ok {
		t.Error("found an unknown role")
	}
	if l, ok := x.Level("sector"); !ok || l.Name != "Sector" {
		t.Errorf("Level(sector) = %+v, %v", l, ok)
	}
	if c, ok := x.Caseload("lll", "ht"); !ok || c.Max < c.Warn || c.Max == 0 {
		t.Errorf("Caseload(lll, ht) = %+v, %v", c, ok)
	}
	if _, ok := x.Caseload("ht", "lll"); ok {
		t.Error("found a caseload the wrong way round")
	}
	if _, ok := x.PLC("school_plc"); ok {
		t.Error("found an unknown PLC")
	}
}

func TestIndexCalendar(t *testing.T) {
	x := NewIndex(mustLoad(t, "rw"))
	if got := x.Location().String(); got != "Africa/Kigali" {
		t.Fatalf("Location = %s", got)
	}
	// 23:30 UTC on 25 March is already Good Friday in Kigali (UTC+2).
	h, ok := x.HolidayOn(time.Date(2027, 3, 25, 23, 30, 0, 0, time.UTC))
	if !ok || h.Name != "Good Friday" {
		t.Errorf("HolidayOn = %+v, %v", h, ok)
	}
	if _, ok := x.HolidayOn(time.Date(2027, 3, 25, 21, 30, 0, 0, time.UTC)); ok {
		t.Error("Thursday evening is a holiday")
	}

	kigali := x.Location()
	tests := []struct {
		day        time.Time
		term       string
		inTerm     bool
		schoolYear string
	}{
		{time.Date(2026, 9, 7, 8, 0, 0, 0, kigali), "Term 1", true, "2026-2027"},    // first day
		{time.Date(2026, 12, 18, 16, 0, 0, 0, kigali), "Term 1", true, "2026-2027"}, // last day
		{time.Date(2026, 12, 19, 8, 0, 0, 0, kigali), "", false, ""},                // holidays
		{time.Date(2027, 2, 15, 8, 0, 0, 0, kigali), "Term 2", true, "2026-2027"},
		{time.Date(2027, 8, 1, 8, 0, 0, 0, kigali), "", false, ""}, // after the last year
	}
	for _, tt := range tests {
		y, term, ok := x.TermOn(tt.day)
		if ok != tt.inTerm || term.Name != tt.term || y.Name != tt.schoolYear {
			t.Errorf("TermOn(%s) = %q, %q, %v", tt.day.Format(DateLayout), y.Name, term.Name, ok)
		}
	}
}

// An Index over an invalid spec must not panic or loop: services may build
// one before validating, and the fuzz test feeds it arbitrary profiles.
func TestIndexToleratesInvalidSpec(t *testing.T) {
	s := &Spec{
		TimeZone: "nowhere",
		Geography: Geography{
			Levels:      []Level{{Key: "a"}, {Key: "b"}, {Key: "a"}},
			TenantLevel: "b",
			Units: []Unit{
				{Code: "x", Level: "b", Parent: "y"},
				{Code: "y", Level: "b", Parent: "x"}, // a cycle
				{Code: "x", Level: "a"},              // a duplicate
				{Code: "z", Level: "nowhere"},
			},
		},
	}
	x := NewIndex(s)
	if x.Location() != time.UTC {
		t.Error("a bad time zone should fall back to UTC")
	}
	if got := len(x.Path("x")); got != 2 {
		t.Errorf("Path through a cycle has %d units", got)
	}
	if got := len(x.Tenants()); got != 2 {
		t.Errorf("%d tenants, want 2 (duplicates skipped)", got)
	}
	_ = x.UnitsUnder("x", "b")
	_ = x.UnitsUnder("z", "b")
	_, _ = x.TenantOf("z")
	_ = x.SchoolLevel()
}

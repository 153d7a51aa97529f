package demo

import (
	"bytes"
	"encoding/csv"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/l4l-platform/l4l/libs/profile"
)

func index(t *testing.T, country string) *profile.Index {
	t.Helper()
	s, err := profile.Load(country)
	if err != nil {
		t.Fatal(err)
	}
	return profile.NewIndex(s)
}

func TestGenerateIsDeterministic(t *testing.T) {
	p := index(t, "rw")
	a, err := Generate(p, "rw-gasabo")
	if err != nil {
		t.Fatal(err)
	}
	b, err := Generate(profile.NewIndex(p.Spec()), "rw-gasabo")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.SchoolsCSV(), b.SchoolsCSV()) || !bytes.Equal(a.HeadTeachersCSV(), b.HeadTeachersCSV()) {
		t.Fatal("two generations of rw-gasabo differ")
	}
	// The first rows pin the scheme, so that a change to it is a visible decision: it
	// turns every developer's next seeding into updates.
	if got, want := a.Schools[0], (School{Code: "GAS-BUM-01", Name: "E.P. Bumbogo I", Unit: "rw-gasabo-bumbogo", Ownership: "public"}); got != want {
		t.Errorf("first school = %+v, want %+v", got, want)
	}
	if got := a.HeadTeachers[0]; got.StaffID != "RW-HT-0001" || got.SchoolCode != "GAS-BUM-01" {
		t.Errorf("first head teacher = %+v", got)
	}
}

// The directory's rules for a school code (domain.codePattern), restated: the directory's
// domain package is internal to it.
var codePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$`)

func TestGasaboFilesAreValid(t *testing.T) {
	p := index(t, "rw")
	d, err := Generate(p, "rw-gasabo")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Units) != 15 {
		t.Fatalf("Gasabo has 15 sectors, got %d units", len(d.Units))
	}
	schools := readCSV(t, d.SchoolsCSV(), []string{"code", "name", "unit", "ownership"})
	perUnit := map[string]int{}
	codes := map[string]bool{}
	names := map[string]bool{}
	for _, s := range schools {
		u, ok := p.Unit(s["unit"])
		if !ok || u.Level != "sector" || !p.Within(u.Code, "rw-gasabo") {
			t.Errorf("school %s: unit %q is not a sector of rw-gasabo", s["code"], s["unit"])
		}
		perUnit[s["unit"]]++
		if !codePattern.MatchString(s["code"]) || codes[s["code"]] {
			t.Errorf("school code %q invalid or repeated", s["code"])
		}
		codes[s["code"]] = true
		if names[s["name"]] {
			t.Errorf("school name %q repeated", s["name"])
		}
		names[s["name"]] = true
		if s["ownership"] != "public" && s["ownership"] != "government_aided" {
			t.Errorf("school %s: ownership %q", s["code"], s["ownership"])
		}
	}
	for _, u := range d.Units {
		if n := perUnit[u.Code]; n < MinSchoolsPerUnit || n > MaxSchoolsPerUnit {
			t.Errorf("%s has %d schools, want %d–%d", u.Code, n, MinSchoolsPerUnit, MaxSchoolsPerUnit)
		}
	}

	hts := readCSV(t, d.HeadTeachersCSV(), []string{"staff_id", "given_name", "family_name", "school_code", "gender", "start_date"})
	if len(hts) != len(schools) {
		t.Fatalf("%d head teachers for %d schools", len(hts), len(schools))
	}
	staff := map[string]bool{}
	led := map[string]bool{}
	for _, h := range hts {
		if !codes[h["school_code"]] {
			t.Errorf("head teacher %s: school %q is not in the schools file", h["staff_id"], h["school_code"])
		}
		if led[h["school_code"]] || staff[h["staff_id"]] {
			t.Errorf("head teacher %s or school %s repeated", h["staff_id"], h["school_code"])
		}
		led[h["school_code"]], staff[h["staff_id"]] = true, true
		if h["given_name"] == "" || h["family_name"] == "" || (h["gender"] != "female" && h["gender"] != "male") {
			t.Errorf("head teacher %v", h)
		}
		if d, err := time.Parse(time.DateOnly, h["start_date"]); err != nil || d.After(time.Now()) {
			t.Errorf("head teacher %s: start_date %q", h["staff_id"], h["start_date"])
		}
	}
}

// Every tenant of both shipped profiles gets codes that are unique and valid: the
// abbreviation scheme must survive sectors like Kimihurura and Kimironko, and Kenya.
func TestEveryTenantGetsUniqueValidCodes(t *testing.T) {
	for _, country := range []string{"rw", "ke"} {
		p := index(t, country)
		for _, tenant := range p.Tenants() {
			d, err := Generate(p, tenant.Code)
			if err != nil {
				if len(p.UnitsUnder(tenant.Code, p.SchoolLevel().Key)) == 0 {
					continue // a tenant the profile lists without school-level units
				}
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for _, s := range d.Schools {
				if !codePattern.MatchString(s.Code) || seen[s.Code] {
					t.Fatalf("%s: school code %q invalid or repeated", tenant.Code, s.Code)
				}
				seen[s.Code] = true
			}
		}
	}
}

func TestAbbreviations(t *testing.T) {
	units := []profile.Unit{
		{Code: "a", Name: "Kimironko"}, {Code: "b", Name: "Kimihurura"}, {Code: "c", Name: "Remera"},
		{Code: "d", Name: "Jali"}, {Code: "e", Name: "Jabana"}, {Code: "f", Name: "Ndera"}, {Code: "g", Name: "Nduba"},
		{Code: "h", Name: "Twin"}, {Code: "i", Name: "Twin"}, {Code: "j", Name: "Ny"},
	}
	got := Abbreviations(units)
	want := map[string]string{"a": "KIMIR", "b": "KIMIH", "c": "REM", "d": "JAL", "e": "JAB", "f": "NDE", "g": "NDU",
		"h": "TWI", "i": "TWI2", "j": "NY"}
	for code, w := range want {
		if got[code] != w {
			t.Errorf("%s: got %q, want %q", code, got[code], w)
		}
	}
	// Not order-dependent (apart from the numbering of identical names).
	rev := slices.Clone(units[:7])
	slices.Reverse(rev)
	for code, a := range Abbreviations(rev) {
		if a != want[code] {
			t.Errorf("reversed: %s got %q, want %q", code, a, want[code])
		}
	}
}

func TestRoman(t *testing.T) {
	for n, want := range map[int]string{1: "I", 2: "II", 4: "IV", 5: "V", 9: "IX", 10: "X", 14: "XIV", 39: "XXXIX"} {
		if got := Roman(n); got != want {
			t.Errorf("Roman(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestGenerateRefusesNonTenants(t *testing.T) {
	p := index(t, "rw")
	for _, code := range []string{"rw-gasabo-kimironko", "rw-nowhere", ""} {
		if _, err := Generate(p, code); err == nil {
			t.Errorf("Generate(%q) succeeded", code)
		}
	}
}

func readCSV(t *testing.T, b []byte, header []string) []map[string]string {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(recs[0], header) {
		t.Fatalf("header %v, want %v", recs[0], header)
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range header {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

// Package demo makes the synthetic directory `l4lctl dev up` seeds a tenant with: schools
// in every school-level unit (Rwanda: sector) and one head teacher per school.
//
// Everything is derived from the tenant's units by hashing, never from a clock or a
// random source: the same profile always gives the same files, so seeding on every start
// is an idempotent re-import (all rows "unchanged") rather than a pile of duplicates.
// The people are invented; no real name is paired with a real school.
package demo

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"hash/fnv"
	"strings"
	"unicode"

	"github.com/l4l-platform/l4l/libs/profile"
)

// Schools per school-level unit: a range, so that sectors differ as real ones do.
const (
	MinSchoolsPerUnit = 6
	MaxSchoolsPerUnit = 10
)

// School is one row of the schools import.
type School struct {
	Code, Name, Unit, Ownership string
}

// HeadTeacher is one row of the head-teachers import.
type HeadTeacher struct {
	StaffID, GivenName, FamilyName, Gender, SchoolCode, StartDate string
}

// Data is a tenant's demo directory, in import order.
type Data struct {
	Tenant       string
	Units        []profile.Unit
	Schools      []School
	HeadTeachers []HeadTeacher
}

// Rwandan school name prefixes: Groupe Scolaire (primary and secondary on one site) and
// École Primaire.
var schoolKinds = []string{"G.S.", "E.P."}

// Common Kinyarwanda given and family names. Family names are kept apart by the gender
// they are usually borne by (the Muka-/Nyira- prefixes are women's), so that no demo
// person looks odd to a Rwandan reader.
var (
	givenFemale  = []string{"Aline", "Marie", "Claudine", "Grace", "Jeanne", "Solange", "Diane", "Chantal", "Esperance", "Josiane", "Vestine", "Immaculée"}
	givenMale    = []string{"Jean", "Eric", "Emmanuel", "Patrick", "Jean Bosco", "Innocent", "Theoneste", "Olivier", "Alexis", "Celestin", "Faustin", "Didier"}
	familyFemale = []string{"Uwase", "Mukamana", "Uwimana", "Ingabire", "Mukeshimana", "Uwamahoro", "Nyirahabimana", "Umutoni", "Ishimwe", "Iradukunda"}
	familyMale   = []string{"Habimana", "Niyonzima", "Ndayisaba", "Mugisha", "Nshimiyimana", "Hakizimana", "Bizimana", "Niyitegeka", "Ishimwe", "Iradukunda"}
)

// Generate makes the demo directory of tenant from its country profile.
func Generate(p *profile.Index, tenant string) (Data, error) {
	t, ok := p.Unit(tenant)
	if !ok || t.Level != p.TenantLevel().Key {
		return Data{}, fmt.Errorf("demo: %q is not a %s of the %s profile", tenant, p.TenantLevel().Name, p.Spec().Country)
	}
	units := p.UnitsUnder(tenant, p.SchoolLevel().Key)
	if len(units) == 0 {
		return Data{}, fmt.Errorf("demo: %s has no %s units to put schools in", tenant, p.SchoolLevel().Name)
	}
	country, _, _ := strings.Cut(tenant, "-")
	d := Data{Tenant: tenant, Units: units}
	abbrev := Abbreviations(units)
	district := letters(t.Name)
	if len(district) > 3 {
		district = district[:3]
	}
	for _, u := range units {
		n := MinSchoolsPerUnit + int(hash(u.Code)%(MaxSchoolsPerUnit-MinSchoolsPerUnit+1))
		perKind := map[string]int{}
		for i := range n {
			h := hash(fmt.Sprintf("%s/%d", u.Code, i))
			kind := schoolKinds[h%uint64(len(schoolKinds))]
			perKind[kind]++
			// About one school in four is government-aided (faith-based), as in Rwanda.
			ownership := "public"
			if (h>>8)%4 == 0 {
				ownership = "government_aided"
			}
			s := School{
				Code:      fmt.Sprintf("%s-%s-%02d", district, abbrev[u.Code], i+1),
				Name:      fmt.Sprintf("%s %s %s", kind, u.Name, Roman(perKind[kind])),
				Unit:      u.Code,
				Ownership: ownership,
			}
			d.Schools = append(d.Schools, s)
			d.HeadTeachers = append(d.HeadTeachers, headTeacher(country, len(d.HeadTeachers)+1, s.Code))
		}
	}
	return d, nil
}

func headTeacher(country string, n int, school string) HeadTeacher {
	h := hash(school + "/head-teacher")
	given, family, gender := givenMale, familyMale, "male"
	if h%2 == 0 {
		given, family, gender = givenFemale, familyFemale, "female"
	}
	// Start dates from 2012 to 2024 give the recruitment demo both eligible (≥ 3 years as
	// head teacher) and ineligible candidates; always at the start of a term.
	terms := []string{"01-08", "04-22", "09-02"}
	return HeadTeacher{
		StaffID:    fmt.Sprintf("%s-HT-%04d", strings.ToUpper(country), n),
		GivenName:  given[(h>>1)%uint64(len(given))],
		FamilyName: family[(h>>9)%uint64(len(family))],
		Gender:     gender,
		SchoolCode: school,
		StartDate:  fmt.Sprintf("%d-%s", 2012+(h>>17)%13, terms[(h>>25)%3]),
	}
}

// Abbreviations gives each unit a short upper-case code from its name: the first three
// letters, or as many more as it takes to tell it from a sibling with the same start
// (Kimihurura → KIMIH, Kimironko → KIMIR). It does not depend on the units' order.
func Abbreviations(units []profile.Unit) map[string]string {
	names := make([]string, len(units))
	for i, u := range units {
		names[i] = letters(u.Name)
		if names[i] == "" {
			names[i] = letters(u.Code)
		}
	}
	out := make(map[string]string, len(units))
	for i, u := range units {
		n := min(3, len(names[i]))
		for j, other := range names {
			if j != i && other != names[i] {
				n = max(n, min(commonPrefix(names[i], other)+1, len(names[i])))
			}
		}
		out[u.Code] = names[i][:n]
	}
	// Units with the same name (or none) would share a code: number them apart.
	seen := map[string]int{}
	for _, u := range units {
		a := out[u.Code]
		if seen[a]++; seen[a] > 1 {
			out[u.Code] = fmt.Sprintf("%s%d", a, seen[a])
		}
	}
	return out
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// letters keeps the ASCII letters of s, upper-cased (school codes allow only ASCII).
func letters(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < unicode.MaxASCII && unicode.IsLetter(r) {
			b.WriteRune(unicode.ToUpper(r))
		}
	}
	return b.String()
}

// Roman writes n (1–39, more than any sector has schools of one kind) in Roman numerals.
func Roman(n int) string {
	var b strings.Builder
	for _, r := range []struct {
		v int
		s string
	}{{10, "X"}, {9, "IX"}, {5, "V"}, {4, "IV"}, {1, "I"}} {
		for ; n >= r.v; n -= r.v {
			b.WriteString(r.s)
		}
	}
	return b.String()
}

func hash(s string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(s))
	return h.Sum64()
}

// SchoolsCSV is the schools import file (docs: code,name,unit[,ownership,status]).
func (d Data) SchoolsCSV() []byte {
	rows := [][]string{{"code", "name", "unit", "ownership"}}
	for _, s := range d.Schools {
		rows = append(rows, []string{s.Code, s.Name, s.Unit, s.Ownership})
	}
	return writeCSV(rows)
}

// HeadTeachersCSV is the head-teachers import file
// (staff_id,given_name,family_name,school_code[,gender,email,phone,start_date]).
func (d Data) HeadTeachersCSV() []byte {
	rows := [][]string{{"staff_id", "given_name", "family_name", "school_code", "gender", "start_date"}}
	for _, h := range d.HeadTeachers {
		rows = append(rows, []string{h.StaffID, h.GivenName, h.FamilyName, h.SchoolCode, h.Gender, h.StartDate})
	}
	return writeCSV(rows)
}

func writeCSV(rows [][]string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.WriteAll(rows) // writes to memory: cannot fail
	return b.Bytes()
}

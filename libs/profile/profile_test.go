package profile

import (
	"reflect"
	"slices"
	"testing"
)

func mustLoad(t testing.TB, name string) *Spec {
	t.Helper()
	s, err := Load(name)
	if err != nil {
		t.Fatalf("Load(%q): %v", name, err)
	}
	return s
}

func names(units []Unit) []string {
	out := make([]string, len(units))
	for i, u := range units {
		out[i] = u.Name
	}
	return out
}

func TestNames(t *testing.T) {
	if got, want := Names(), []string{"ke", "rw"}; !slices.Equal(got, want) {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
}

func TestShippedProfilesLoadAndValidate(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			s := mustLoad(t, name)
			if s.Country != name {
				t.Errorf("country = %q, want %q", s.Country, name)
			}
			if err := s.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
			// Load hands out independent copies.
			s.Geography.Units[0].Name = "changed"
			if again := mustLoad(t, name); again.Geography.Units[0].Name == "changed" {
				t.Error("Load returned shared state")
			}
		})
	}
}

func TestLoadUnknown(t *testing.T) {
	if _, err := Load("xx"); err == nil {
		t.Fatal("Load(xx) succeeded")
	}
}

func TestRwandaGeography(t *testing.T) {
	x := NewIndex(mustLoad(t, "rw"))
	if got := x.TenantLevel().Key; got != "district" {
		t.Errorf("tenant level = %q, want district", got)
	}
	if got := x.SchoolLevel().Key; got != "sector" {
		t.Errorf("school level = %q, want sector", got)
	}
	if got := len(x.UnitsAt("province")); got != 5 {
		t.Errorf("%d provinces, want 5", got)
	}
	districts := x.Tenants()
	if len(districts) != 30 {
		t.Fatalf("%d districts, want 30", len(districts))
	}
	for _, n := range []string{"Gasabo", "Nyarugenge", "Kicukiro", "Musanze", "Rubavu", "Nyagatare", "Huye", "Rusizi", "Bugesera"} {
		if !slices.Contains(names(districts), n) {
			t.Errorf("no district %q", n)
		}
	}
	// Counts as in the npm package `rwanda` 2.1.6.
	if got := len(x.UnitsAt("sector")); got != 416 {
		t.Errorf("%d sectors, want 416", got)
	}
	for code, want := range map[string]int{"rw-gasabo": 15, "rw-nyarugenge": 10, "rw-kicukiro": 10, "rw-gicumbi": 21, "rw-ruhango": 9} {
		if got := len(x.UnitsUnder(code, "sector")); got != want {
			t.Errorf("%s has %d sectors, want %d", code, got, want)
		}
	}
	wantGasabo := []string{"Bumbogo", "Gatsata", "Gikomero", "Gisozi", "Jabana", "Jali", "Kacyiru", "Kimihurura", "Kimironko", "Kinyinya", "Ndera", "Nduba", "Remera", "Rusororo", "Rutunga"}
	if got := names(x.Children("rw-gasabo")); !slices.Equal(got, wantGasabo) {
		t.Errorf("Gasabo sectors = %v\nwant %v", got, wantGasabo)
	}
	u, ok := x.Unit("rw-gasabo-kimironko")
	if !ok || u.Name != "Kimironko" || u.Parent != "rw-gasabo" || u.Level != "sector" {
		t.Errorf("Unit(rw-gasabo-kimironko) = %+v, %v", u, ok)
	}
	if p, _ := x.Unit("rw-gasabo"); p.Parent != "rw-kigali" {
		t.Errorf("Gasabo's parent = %q, want rw-kigali", p.Parent)
	}
	if p, _ := x.Unit("rw-musanze"); p.Parent != "rw-north" {
		t.Errorf("Musanze's parent = %q, want rw-north", p.Parent)
	}
}

func TestRwandaProgramme(t *testing.T) {
	s := mustLoad(t, "rw")
	x := NewIndex(s)
	for _, k := range []string{"ht", "lll", "nll", "seo", "deo", "sla", "field_staff", "assessor", "analyst"} {
		if _, ok := x.Role(k); !ok {
			t.Errorf("no role %q", k)
		}
	}
	if r, _ := x.Role("lll"); r.Scope != "sector" || r.Quota == nil || r.Quota.PerLevel != "sector" || r.Quota.Count != 1 {
		t.Errorf("lll = %+v", r)
	}
	// 416 LLLs + 2 NLLs × 30 districts = the 476 leaders of seed 001.
	total := 0
	for _, k := range []string{"lll", "nll"} {
		r, _ := x.Role(k)
		total += r.Quota.Count * len(x.UnitsAt(r.Quota.PerLevel))
	}
	if total != 476 {
		t.Errorf("leader quota totals %d, want 476", total)
	}
	if got := len(s.Competencies.Areas); got != 4 {
		t.Errorf("%d competency areas, want 4", got)
	}
	sp, ok := x.PLC("sector_plc")
	if !ok || sp.Frequency != FrequencyMonthly || sp.LedBy != "lll" || !slices.Equal(sp.With, []string{"seo"}) || !slices.Equal(sp.Members, []string{"ht"}) {
		t.Errorf("sector PLC = %+v", sp)
	}
	dp, ok := x.PLC("district_plc")
	if !ok || dp.Frequency != FrequencyTermly || dp.LedBy != "nll" || !slices.Equal(dp.With, []string{"deo"}) {
		t.Errorf("district PLC = %+v", dp)
	}
	if got := len(s.Calendar.SchoolYears[0].Terms); got != 3 {
		t.Errorf("%d terms, want 3", got)
	}
	sum := 0
	for _, c := range s.Recruitment.Criteria {
		sum += c.Weight
	}
	if sum != 100 {
		t.Errorf("criteria weights sum to %d", sum)
	}
	if s.Accreditation == nil || s.Accreditation.AwardingBody != "University of Rwanda" {
		t.Errorf("accreditation = %+v", s.Accreditation)
	}
}

func TestKenyaGeography(t *testing.T) {
	x := NewIndex(mustLoad(t, "ke"))
	if got := x.TenantLevel().Key; got != "county" {
		t.Errorf("tenant level = %q, want county", got)
	}
	if got := x.SchoolLevel().Key; got != "zone" {
		t.Errorf("school level = %q, want zone", got)
	}
	counties := x.Tenants()
	if len(counties) != 47 {
		t.Fatalf("%d counties, want 47", len(counties))
	}
	for _, n := range []string{"Nairobi", "Mombasa", "Kisumu", "Nakuru", "Turkana", "Murang'a"} {
		if !slices.Contains(names(counties), n) {
			t.Errorf("no county %q", n)
		}
	}
	if n, _ := x.Unit("ke-nairobi"); n.Ref != "047" {
		t.Errorf("Nairobi ref = %q, want 047", n.Ref)
	}
	if got := len(x.UnitsAt("sub_county")); got != 307 {
		t.Errorf("%d sub-counties, want 307 (kenya-locations 0.1.8)", got)
	}
	for _, c := range counties {
		if len(x.Children(c.Code)) == 0 {
			t.Errorf("county %s has no sub-counties", c.Code)
		}
	}
	if got := len(x.Children("ke-nairobi")); got != 17 {
		t.Errorf("Nairobi has %d sub-counties, want 17", got)
	}
	if _, ok := x.Unit("ke-nairobi-westlands"); !ok {
		t.Error("no ke-nairobi-westlands")
	}
	zones := x.UnitsUnder("ke-nairobi-westlands", "zone")
	if len(zones) == 0 {
		t.Fatal("Westlands has no zones")
	}
	if got := len(x.UnitsUnder("ke-nairobi", "zone")); got != 85 {
		t.Errorf("Nairobi has %d zones, want 85", got)
	}
	if tu, ok := x.TenantOf(zones[0].Code); !ok || tu.Code != "ke-nairobi" {
		t.Errorf("TenantOf(%s) = %+v, %v", zones[0].Code, tu, ok)
	}
}

// The operator's CRD types call these generated functions; a copy must be
// equal and share nothing with the original.
func TestDeepCopy(t *testing.T) {
	s := mustLoad(t, "rw")
	c := s.DeepCopy()
	if !reflect.DeepEqual(s, c) {
		t.Fatal("copy differs")
	}
	c.Geography.Units[0].Name = "x"
	c.Roles[1].Quota.Count = 99
	c.Recruitment.Criteria[0].Levels[0].Descriptor = "x"
	c.Accreditation.Modules[0].Competencies[0] = "x"
	if s.Geography.Units[0].Name == "x" || s.Roles[1].Quota.Count == 99 ||
		s.Recruitment.Criteria[0].Levels[0].Descriptor == "x" || s.Accreditation.Modules[0].Competencies[0] == "x" {
		t.Error("copy shares memory with the original")
	}
}

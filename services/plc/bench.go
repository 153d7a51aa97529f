package plc

import (
	"fmt"
	"runtime"
	"syscall"
	"time"

	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/services/plc/internal/domain"
)

// BenchResult is one scheduling run: groups, sessions placed and not, time, and memory.
type BenchResult struct {
	Schools, Groups, Sessions, Unplaced int
	// Duration covers computing every group from the directory's facts and scheduling
	// the school year; generating the facts is not counted.
	Duration time.Duration
	// HeapAlloc is the heap allocated by the run; PeakRSS the process's peak resident set.
	HeapAlloc uint64
	PeakRSS   uint64
}

func (r BenchResult) String() string {
	return fmt.Sprintf("%d schools, %d groups: %d sessions (%d unplaced) in %s, %.1f MiB allocated, peak RSS %.1f MiB",
		r.Schools, r.Groups, r.Sessions, r.Unplaced, r.Duration.Round(time.Millisecond), float64(r.HeapAlloc)/(1<<20), float64(r.PeakRSS)/(1<<20))
}

// country is a synthetic directory: schools, head teachers, and per school-level unit a
// leader and an officer; per tenant two leaders of leaders and an officer.
type country struct {
	tenant  domain.Tenant
	schools []domain.SchoolFact
	roles   []domain.RoleFact
}

func synthesize(x *profile.Index, tenantUnit string, schoolsPerUnit func(i int) int, leader, officer, topLeader, topOfficer string) country {
	c := country{tenant: domain.Tenant{Code: tenantUnit, Profile: x}}
	tenants := []string{tenantUnit}
	if tenantUnit == "" {
		tenants = nil
		for _, u := range x.Tenants() {
			tenants = append(tenants, u.Code)
		}
	}
	n := 0
	add := func(person, role, unit string) {
		n++
		c.roles = append(c.roles, domain.RoleFact{ID: fmt.Sprintf("a%d", n), PersonID: person, Role: role, Unit: unit, StartDate: "2020-01-01"})
	}
	for _, t := range tenants {
		add("p-"+t+"-n1", topLeader, t)
		add("p-"+t+"-n2", topLeader, t)
		add("p-"+t+"-o", topOfficer, t)
		for i, u := range x.UnitsUnder(t, x.SchoolLevel().Key) {
			for s := range schoolsPerUnit(i) {
				id := fmt.Sprintf("s-%s-%d", u.Code, s)
				c.schools = append(c.schools, domain.SchoolFact{ID: id, Unit: u.Code, Status: "open"})
				add("ht-"+id, "ht", id)
				if s == 0 {
					add("ht-"+id, leader, u.Code) // the unit's leader of learning is one of its head teachers
				}
			}
			add("p-"+u.Code+"-o", officer, u.Code)
		}
	}
	return c
}

// schedule computes the groups of every tenant and schedules the school year.
func (c country) schedule(year profile.SchoolYear) (BenchResult, error) {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	before := ms.TotalAlloc
	start := time.Now()
	x := c.tenant.Profile
	tenants := []string{c.tenant.Code}
	if c.tenant.Code == "" {
		tenants = nil
		for _, u := range x.Tenants() {
			tenants = append(tenants, u.Code)
		}
	}
	from, to := year.Terms[0].Start, year.Terms[len(year.Terms)-1].End
	in := domain.ScheduleInput{Profile: x, Rules: domain.DefaultRules(), From: from, To: to}
	// One roster for the country: a tenant's roster holds its facts only in production,
	// which is less work than this.
	roster := domain.NewRoster(domain.Tenant{Code: c.tenant.Code, Profile: x}, c.schools, c.roles)
	for _, t := range tenants {
		for _, k := range domain.GroupsOf(domain.Tenant{Code: t, Profile: x}) {
			g, _ := roster.Group(k)
			g.ID = k.Kind + "/" + k.Unit
			p, _ := x.PLC(k.Kind)
			if gp := domain.PlanOf(g, p, from); len(gp.People) > 0 {
				in.Groups = append(in.Groups, gp)
			}
		}
	}
	s, err := domain.Plan(in)
	if err != nil {
		return BenchResult{}, err
	}
	res := BenchResult{Schools: len(c.schools), Groups: len(in.Groups), Sessions: len(s.Sessions), Unplaced: len(s.Unplaced), Duration: time.Since(start)}
	runtime.ReadMemStats(&ms)
	res.HeapAlloc = ms.TotalAlloc - before
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		res.PeakRSS = uint64(ru.Maxrss) * 1024 // Linux reports KiB
	}
	return res, nil
}

// BenchRwandaYear schedules Rwanda's 2026-2027 school year for the whole country: 416
// sector PLCs monthly and 30 district PLCs termly, over ~3,200 schools (seed 001).
func BenchRwandaYear() (BenchResult, error) {
	s, err := profile.Load("rw")
	if err != nil {
		return BenchResult{}, err
	}
	x := profile.NewIndex(s)
	// 3,200 schools over 416 sectors: 7 or 8 each (seed 004's "8 per sector").
	c := synthesize(x, "", func(i int) int { return 7 + i%3/2 }, "lll", "seo", "nll", "deo")
	return c.schedule(s.Calendar.SchoolYears[0])
}

// IndiaProfile is a synthetic India-sized profile: states, districts and clusters,
// with monthly cluster PLCs and termly district PLCs, and Rwanda's calendar.
func IndiaProfile(clusters int) *profile.Index {
	rw, _ := profile.Load("rw")
	const states, districts = 36, 750
	s := &profile.Spec{Country: "in", Name: "India (synthetic)", Locale: "en-IN", TimeZone: "Asia/Kolkata",
		Geography: profile.Geography{TenantLevel: "district", SchoolLevel: "cluster",
			Levels: []profile.Level{{Key: "state", Name: "State"}, {Key: "district", Name: "District"}, {Key: "cluster", Name: "Cluster"}}},
		Roles: []profile.Role{{Key: "ht", Name: "Head teacher", Scope: profile.ScopeSchool},
			{Key: "crp", Name: "Cluster resource person", Scope: "cluster"}, {Key: "cro", Name: "Cluster officer", Scope: "cluster"},
			{Key: "dlead", Name: "District leader", Scope: "district"}, {Key: "deo", Name: "District officer", Scope: "district"}},
		PLCs: []profile.PLC{
			{Key: "cluster_plc", Name: "Cluster PLC", Level: "cluster", Frequency: profile.FrequencyMonthly, LedBy: "crp", With: []string{"cro"}, Members: []string{"ht"}, HostRotation: true, OnlineAllowed: true, DurationMinutes: 180},
			{Key: "district_plc", Name: "District PLC", Level: "district", Frequency: profile.FrequencyTermly, LedBy: "dlead", With: []string{"deo"}, Members: []string{"crp"}, HostRotation: true, OnlineAllowed: true, DurationMinutes: 240},
		},
		Calendar: rw.Calendar,
	}
	for i := range states {
		s.Geography.Units = append(s.Geography.Units, profile.Unit{Code: fmt.Sprintf("in-s%d", i), Name: "State", Level: "state"})
	}
	for i := range districts {
		s.Geography.Units = append(s.Geography.Units, profile.Unit{Code: fmt.Sprintf("in-d%d", i), Name: "District", Level: "district", Parent: fmt.Sprintf("in-s%d", i%states)})
	}
	for i := range clusters {
		s.Geography.Units = append(s.Geography.Units, profile.Unit{Code: fmt.Sprintf("in-d%d-c%d", i%districts, i), Name: "Cluster", Level: "cluster", Parent: fmt.Sprintf("in-d%d", i%districts)})
	}
	return profile.NewIndex(s)
}

// BenchCountry schedules a school year for a synthetic country of about schools schools
// in clusters of 15 (India: 1.5 million schools, 100,000 clusters, 750 districts).
func BenchCountry(schools int) (BenchResult, error) {
	clusters := max(1, schools/15)
	x := IndiaProfile(clusters)
	c := synthesize(x, "", func(int) int { return 15 }, "crp", "cro", "dlead", "deo")
	return c.schedule(x.Spec().Calendar.SchoolYears[0])
}

package domain

import (
	"math"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/l4l-platform/l4l/libs/profile"
)

// Units a KPI is expressed in.
const (
	Percent = "percent" // 100 × numerator / denominator, one decimal
	Count   = "count"   // the numerator; the denominator, when there is one, is context
	Ratio   = "ratio"   // numerator / denominator, two decimals
	Days    = "days"    // the median of samples
)

// Def is one KPI's definition. docs/kpis.md says the same in words; a test keeps the two
// lists equal.
type Def struct {
	Key  string
	Name string
	Unit string
}

// StandardKeyPrefix starts the per-area KPIs: one per competency area of the profile.
const StandardKeyPrefix = "ht_meeting_standard_"

// Defs lists the KPIs other than the per-area ones, in the order they are reported.
var Defs = []Def{
	{"ht_meeting_all_standards", "Head teachers meeting every leadership standard", Percent},
	{"plc_active", "Active PLCs", Count},
	{"plc_sessions_held", "PLC sessions held", Count},
	{"plc_attendance_rate", "PLC attendance rate", Percent},
	{"ht_collaborating_regularly", "Head teachers collaborating regularly in PLCs", Percent},
	{"plc_action_follow_up_rate", "PLC action follow-up rate", Percent},
	{"coaching_coverage", "Head teachers coached", Percent},
	{"coaching_sessions_per_coach", "Coaching sessions per coach", Ratio},
	{"caseload_mean", "Coaching caseload (mean, with its distribution)", Ratio},
	{"coaches_above_caseload_warning", "Coaches above the caseload warning", Count},
	{"overdue_visits", "Head teachers overdue for a coaching visit", Count},
	{"repeat_visit_rate", "Repeat-visit rate", Percent},
	{"coaching_action_follow_up_rate", "Coaching action follow-up rate", Percent},
	{"recruitment_applications", "Recruitment funnel: applications", Count},
	{"recruitment_eligible", "Recruitment funnel: screened eligible", Count},
	{"recruitment_offers", "Recruitment funnel: offers made", Count},
	{"recruitment_appointed", "Recruitment funnel: leaders appointed", Count},
	{"recruitment_inducted", "Recruitment funnel: leaders inducted", Count},
	{"sectors_with_active_lll", "Sectors with an active Local Leader of Learning", Percent},
	{"seo_coverage", "Sectors with a Sector Education Officer", Percent},
	{"accreditation_enrolled", "Accreditation pipeline: enrolled", Count},
	{"accreditation_submitted", "Accreditation pipeline: portfolios submitted", Count},
	{"leaders_graduated", "Accreditation pipeline: leaders graduated", Count},
	{"median_days_to_award", "Median days from enrolment to award", Days},
	{"teachers_meeting_english_benchmark", "Teachers meeting the English benchmark", Percent},
	{"teachers_meeting_maths_benchmark", "Teachers meeting the maths benchmark", Percent},
}

// DefsFor is every KPI of a country: the per-area ones first.
func DefsFor(x *profile.Index) []Def {
	var out []Def
	for _, a := range x.Spec().Competencies.Areas {
		out = append(out, Def{StandardKeyPrefix + a.Key, "Head teachers meeting the standard: " + a.Name, Percent})
	}
	return append(out, Defs...)
}

// Value is one KPI's figure with the parts it is computed from, so that a roll-up sums
// parts rather than averaging ratios.
type Value struct {
	Key         string   `json:"key"`
	Name        string   `json:"name"`
	Unit        string   `json:"unit"`
	Value       *float64 `json:"value"`
	Numerator   int      `json:"numerator"`
	Denominator int      `json:"denominator"`
	// Distribution is caseload_mean's coaches per caseload ("3": 2 coaches hold 3).
	Distribution map[string]int `json:"distribution,omitempty"`
	// Samples are median_days_to_award's durations; a roll-up takes the median of all.
	Samples []float64 `json:"-"`
}

// Finish computes Value from the parts.
func (v *Value) Finish() {
	var f float64
	switch v.Unit {
	case Count:
		f = float64(v.Numerator)
	case Percent:
		if v.Denominator == 0 {
			v.Value = nil
			return
		}
		f = math.Round(1000*float64(v.Numerator)/float64(v.Denominator)) / 10
	case Ratio:
		if v.Denominator == 0 {
			v.Value = nil
			return
		}
		f = math.Round(100*float64(v.Numerator)/float64(v.Denominator)) / 100
	case Days:
		if len(v.Samples) == 0 {
			v.Value = nil
			return
		}
		f = Median(v.Samples)
		v.Numerator, v.Denominator = len(v.Samples), 0
	}
	v.Value = &f
}

// Median of samples (the mean of the middle two for an even count).
func Median(samples []float64) float64 {
	s := slices.Clone(samples)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Sum adds KPI lists of the same definitions part by part (a country's tenants, say).
func Sum(lists ...[]Value) []Value {
	if len(lists) == 0 {
		return nil
	}
	out := make([]Value, len(lists[0]))
	for i, v := range lists[0] {
		out[i] = Value{Key: v.Key, Name: v.Name, Unit: v.Unit}
	}
	for _, l := range lists {
		for i := range out {
			if i >= len(l) || l[i].Key != out[i].Key {
				continue
			}
			out[i].Numerator += l[i].Numerator
			out[i].Denominator += l[i].Denominator
			out[i].Samples = append(out[i].Samples, l[i].Samples...)
			for k, n := range l[i].Distribution {
				if out[i].Distribution == nil {
					out[i].Distribution = map[string]int{}
				}
				out[i].Distribution[k] += n
			}
		}
	}
	for i := range out {
		out[i].Finish()
	}
	return out
}

// Scope narrows a computation to one unit below the tenant (a sector, or a school);
// "" is the whole tenant.
type Scope string

// Rules are the profile's figures the KPIs use.
type Rules struct {
	Profile *profile.Index
	Tenant  string
	// VisitInterval gives the days between coaching visits for a head teacher whose
	// weakest latest area is at level (0: never rated).
	VisitInterval func(level int) int
	// RegularShare is the share of their PLC sessions a head teacher must attend to be
	// "collaborating regularly".
	RegularShare float64
}

// DefaultVisitIntervals is coaching's visit rhythm (services/coaching, domain.rhythm):
// the weaker a head teacher's practice, the closer the next visit. Copied here because
// services do not import each other; the profile has no field for it yet.
var DefaultVisitIntervals = map[int]int{1: 30, 2: 60, 3: 90, 4: 180}

// DefaultRules are the rules for a tenant of a profile.
func DefaultRules(x *profile.Index, tenant string) Rules {
	return Rules{Profile: x, Tenant: tenant, RegularShare: 2.0 / 3, VisitInterval: func(level int) int {
		best, bestLevel := DefaultVisitIntervals[1], 1
		for l, d := range DefaultVisitIntervals {
			if l <= level && l >= bestLevel {
				best, bestLevel = d, l
			}
		}
		return best
	}}
}

// place answers where things are: the sector of a school or unit, and whether it is in scope.
type place struct {
	m     *Model
	x     *profile.Index
	scope Scope
}

// sector is the unit a school or unit belongs to below the tenant ("" for the tenant itself).
func (p place) sector(unit string) string {
	if s, ok := p.m.Schools[unit]; ok {
		return s.Sector
	}
	if u, ok := p.x.Unit(unit); ok && u.Level != p.x.TenantLevel().Key {
		return unit
	}
	return ""
}

// in reports whether unit (a school or a unit) lies in the scope.
func (p place) in(unit string) bool {
	return p.scope == "" || string(p.scope) == unit || string(p.scope) == p.sector(unit)
}

// Compute computes every KPI of the tenant for the period, within scope. today caps the
// snapshot date (Period.AsOf).
func Compute(m *Model, r Rules, p Period, today string, scope Scope) []Value {
	x := r.Profile
	pl := place{m: m, x: x, scope: scope}
	asOf := p.AsOf(today)
	during := func(d string) bool { return p.From <= d && d <= p.To }
	vals := map[string]*Value{}
	defs := DefsFor(x)
	for _, d := range defs {
		vals[d.Key] = &Value{Key: d.Key, Name: d.Name, Unit: d.Unit}
	}
	set := func(key string, num, den int) { vals[key].Numerator, vals[key].Denominator = num, den }

	// Head teachers in post on the as-of date, at a known open school in scope.
	hts := map[string]string{} // person → school
	for _, a := range m.Assignments {
		if a.Role != "ht" || !a.ActiveOn(asOf) {
			continue
		}
		if s, ok := m.Schools[a.Unit]; ok && s.Open && pl.in(a.Unit) {
			hts[a.Person] = a.Unit
		}
	}

	// Leadership standards: each head teacher's latest rating per area up to the as-of date.
	latest := map[string]map[string]AreaRating{} // person → area → rating
	for _, rt := range m.Ratings {               // sorted oldest first
		if rt.Date > asOf {
			continue
		}
		if latest[rt.HeadTeacher] == nil {
			latest[rt.HeadTeacher] = map[string]AreaRating{}
		}
		for _, a := range rt.Areas {
			latest[rt.HeadTeacher][a.Area] = a
		}
	}
	areas := x.Spec().Competencies.Areas
	allMeet := 0
	for _, a := range areas {
		n := 0
		for ht := range hts {
			if latest[ht][a.Key].Meets {
				n++
			}
		}
		set(StandardKeyPrefix+a.Key, n, len(hts))
	}
	for ht := range hts {
		ok := len(areas) > 0
		for _, a := range areas {
			ok = ok && latest[ht][a.Key].Meets
		}
		if ok {
			allMeet++
		}
	}
	set("ht_meeting_all_standards", allMeet, len(hts))

	// PLCs.
	groupsInScope := 0
	for _, g := range m.Groups {
		if pl.in(g.Unit) {
			groupsInScope++
		}
	}
	active := map[string]bool{}
	held, present, register := 0, 0, 0
	expected, attended := map[string]int{}, map[string]int{}
	prevActions := map[string][]string{} // group → action ids of its previous held session
	followNum, followDen := 0, 0
	for _, s := range m.PLCSessions { // sorted by date
		inScope := pl.in(s.Unit)
		if inScope && during(s.Date) {
			active[s.Group] = true
			held++
			for _, at := range s.Attendance {
				register++
				if at.Attended() {
					present++
				}
				expected[at.Person]++
				if at.Attended() {
					attended[at.Person]++
				}
			}
			if prev, ok := prevActions[s.Group]; ok {
				followDen += len(prev)
				for _, id := range prev {
					if slices.Contains(s.FollowedUp, id) {
						followNum++
					}
				}
			}
		}
		if s.Date <= p.To {
			prevActions[s.Group] = s.Actions
		}
	}
	set("plc_active", len(active), groupsInScope)
	set("plc_sessions_held", held, 0)
	set("plc_attendance_rate", present, register)
	regular := 0
	for ht := range hts {
		if e := expected[ht]; e > 0 && float64(attended[ht]) >= r.RegularShare*float64(e)-1e-9 {
			regular++
		}
	}
	set("ht_collaborating_regularly", regular, len(hts))
	set("plc_action_follow_up_rate", followNum, followDen)

	// Coaching.
	coached := map[string]bool{}
	visits := map[string]int{}
	lastVisit := map[string]string{}
	carried, followed, sessions := 0, 0, 0
	for _, s := range m.Sessions { // sorted by date
		if !pl.in(s.Unit) || s.Date > p.To {
			continue
		}
		if s.Mode == "school_visit" && s.Date <= asOf {
			lastVisit[s.Coachee] = s.Date
		}
		if !during(s.Date) {
			continue
		}
		sessions++
		coached[s.Coachee] = true
		carried += s.Carried
		followed += s.FollowedUp
		if s.Mode == "school_visit" {
			visits[s.Coachee]++
		}
	}
	n := 0
	for ht := range hts {
		if coached[ht] {
			n++
		}
	}
	set("coaching_coverage", n, len(hts))
	coaches := map[string]bool{}
	caseload := map[string]int{} // coach → active relationships on the as-of date
	coachRole := map[string]string{}
	coacheeRole := map[string]string{}
	htCoachees := map[string]Relationship{}
	for _, rel := range m.Relationships {
		if !pl.in(rel.Unit) {
			continue
		}
		if rel.ActiveDuring(p.From, p.To) {
			coaches[rel.Coach] = true
		}
		if rel.ActiveDuring(asOf, asOf) {
			caseload[rel.Coach]++
			coachRole[rel.Coach], coacheeRole[rel.Coach] = rel.CoachRole, rel.CoacheeRole
			if rel.CoacheeRole == "ht" {
				if old, ok := htCoachees[rel.Coachee]; !ok || rel.Start < old.Start {
					htCoachees[rel.Coachee] = rel
				}
			}
		}
	}
	set("coaching_sessions_per_coach", sessions, len(coaches))
	dist := map[string]int{}
	total, above := 0, 0
	for coach, c := range caseload {
		dist[strconv.Itoa(c)]++
		total += c
		if cl, ok := x.Caseload(coachRole[coach], coacheeRole[coach]); ok && cl.Warn > 0 && c > cl.Warn {
			above++
		}
	}
	set("caseload_mean", total, len(caseload))
	if len(dist) > 0 {
		vals["caseload_mean"].Distribution = dist
	}
	set("coaches_above_caseload_warning", above, len(caseload))
	overdue := 0
	asOfDay, _ := time.Parse(time.DateOnly, asOf)
	for ht, rel := range htCoachees {
		lowest := 0
		for _, a := range latest[ht] {
			if lowest == 0 || a.Level < lowest {
				lowest = a.Level
			}
		}
		since := rel.Start
		if v, ok := lastVisit[ht]; ok && v > since {
			since = v
		}
		sinceDay, err := time.Parse(time.DateOnly, since)
		if err == nil && asOfDay.Sub(sinceDay) > time.Duration(r.VisitInterval(lowest))*24*time.Hour {
			overdue++
		}
	}
	set("overdue_visits", overdue, len(htCoachees))
	repeat := 0
	for _, v := range visits {
		if v >= 2 {
			repeat++
		}
	}
	set("repeat_visit_rate", repeat, len(visits))
	set("coaching_action_follow_up_rate", followed, carried)

	// Recruitment funnel, by the date of each step.
	apps, eligible := 0, 0
	for _, a := range m.Applications {
		if !pl.in(a.Unit) {
			continue
		}
		if during(a.Submitted) {
			apps++
		}
		if a.Eligible && during(a.Screened) {
			eligible++
		}
	}
	set("recruitment_applications", apps, 0)
	set("recruitment_eligible", eligible, 0)
	steps := map[string]int{}
	for _, s := range m.Steps {
		if pl.in(s.Unit) && during(s.Date) {
			steps[s.Kind]++
		}
	}
	set("recruitment_offers", steps["offer"], 0)
	set("recruitment_appointed", steps["appointed"], 0)
	set("recruitment_inducted", steps["inducted"], 0)

	// Sectors with their leaders: the units at the LLL's and the SEO's level.
	coverage := func(role string) (int, int) {
		rl, ok := x.Role(role)
		if !ok {
			return 0, 0
		}
		held := map[string]bool{}
		for _, a := range m.Assignments {
			if a.Role == role && a.ActiveOn(asOf) {
				held[a.Unit] = true
			}
		}
		num, den := 0, 0
		for _, u := range x.UnitsUnder(r.Tenant, rl.Scope) {
			if !pl.in(u.Code) {
				continue
			}
			den++
			if held[u.Code] {
				num++
			}
		}
		return num, den
	}
	num, den := coverage("lll")
	set("sectors_with_active_lll", num, den)
	num, den = coverage("seo")
	set("seo_coverage", num, den)

	// Accreditation pipeline on the as-of date; days to award of credentials issued in the period.
	unitOf := map[string]string{} // person → the unit of a role they hold
	for _, a := range m.Assignments {
		if a.ActiveOn(asOf) || unitOf[a.Person] == "" {
			unitOf[a.Person] = a.Unit
		}
	}
	enrolled, submitted, graduated := 0, 0, 0
	var days []float64
	for _, e := range m.Enrolments {
		if scope != "" && !pl.in(unitOf[e.Person]) {
			continue
		}
		withdrawn := e.Withdrawn != "" && e.Withdrawn <= asOf
		if e.Enrolled != "" && e.Enrolled <= asOf && !withdrawn {
			enrolled++
		}
		if e.Submitted != "" && e.Submitted <= asOf {
			submitted++
		}
		if e.Issued != "" && e.Issued <= asOf && (e.Revoked == "" || e.Revoked > asOf) {
			graduated++
		}
		if e.Issued != "" && during(e.Issued) && e.Enrolled != "" {
			from, err1 := time.Parse(time.DateOnly, e.Enrolled)
			to, err2 := time.Parse(time.DateOnly, e.Issued)
			if err1 == nil && err2 == nil {
				days = append(days, to.Sub(from).Hours()/24)
			}
		}
	}
	set("accreditation_enrolled", enrolled, 0)
	set("accreditation_submitted", submitted, 0)
	set("leaders_graduated", graduated, 0)
	vals["median_days_to_award"].Samples = days

	// Teacher benchmarks: each teacher's latest observation in the subject up to the as-of date.
	bench := func(subjects ...string) (int, int) {
		last := map[string]bool{}
		for _, o := range m.Observations { // sorted oldest first
			if o.Date <= asOf && slices.Contains(subjects, o.Subject) && pl.in(o.School) {
				last[o.Teacher] = o.Met
			}
		}
		met := 0
		for _, ok := range last {
			if ok {
				met++
			}
		}
		return met, len(last)
	}
	num, den = bench("english")
	set("teachers_meeting_english_benchmark", num, den)
	num, den = bench("maths", "mathematics", "math")
	set("teachers_meeting_maths_benchmark", num, den)

	out := make([]Value, 0, len(defs))
	for _, d := range defs {
		v := vals[d.Key]
		v.Finish()
		out = append(out, *v)
	}
	return out
}

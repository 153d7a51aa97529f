package profile

import (
	"time"
)

// Index answers the lookups services make against a profile (units by code,
// children, tenants, roles, terms, holidays) without scanning the lists each
// time. It lives beside [Spec] rather than inside it so that Spec stays plain
// data that can be deep-copied and turned into a CRD schema.
//
// Build it with [NewIndex] from a validated spec and do not modify the spec
// afterwards: the index holds positions into its lists. An Index is safe for
// concurrent use. Methods return copies, so callers cannot change the profile
// through them.
//
// +kubebuilder:object:generate=false
type Index struct {
	spec     *Spec
	levelPos map[string]int
	units    map[string]int   // code → position in Geography.Units
	children map[string][]int // parent code ("" for the top level) → positions
	roles    map[string]int
	plcs     map[string]int
	holidays map[string]int // date → position in Calendar.Holidays
	loc      *time.Location
}

// NewIndex indexes a spec. It does not validate: on an invalid spec lookups
// simply find less (the first of duplicate codes wins, a bad time zone falls
// back to UTC), so validate first with [Spec.Validate] or load through
// [Parse], which does.
func NewIndex(s *Spec) *Index {
	x := &Index{
		spec:     s,
		levelPos: map[string]int{},
		units:    map[string]int{},
		children: map[string][]int{},
		roles:    map[string]int{},
		plcs:     map[string]int{},
		holidays: map[string]int{},
		loc:      time.UTC,
	}
	for i, l := range s.Geography.Levels {
		if _, dup := x.levelPos[l.Key]; !dup {
			x.levelPos[l.Key] = i
		}
	}
	for i, u := range s.Geography.Units {
		if _, dup := x.units[u.Code]; dup {
			continue
		}
		x.units[u.Code] = i
		x.children[u.Parent] = append(x.children[u.Parent], i)
	}
	for i, r := range s.Roles {
		if _, dup := x.roles[r.Key]; !dup {
			x.roles[r.Key] = i
		}
	}
	for i, p := range s.PLCs {
		if _, dup := x.plcs[p.Key]; !dup {
			x.plcs[p.Key] = i
		}
	}
	for i, h := range s.Calendar.Holidays {
		if _, dup := x.holidays[h.Date]; !dup {
			x.holidays[h.Date] = i
		}
	}
	if loc, err := time.LoadLocation(s.TimeZone); err == nil && s.TimeZone != "" {
		x.loc = loc
	}
	return x
}

// Spec returns the indexed spec. Treat it as read-only.
func (x *Index) Spec() *Spec { return x.spec }

// Level returns the geography level with the given key.
func (x *Index) Level(key string) (Level, bool) {
	i, ok := x.levelPos[key]
	if !ok {
		return Level{}, false
	}
	return x.spec.Geography.Levels[i], true
}

// TenantLevel returns the level whose units are tenants (Rwanda: district).
func (x *Index) TenantLevel() Level {
	l, _ := x.Level(x.spec.Geography.TenantLevel)
	return l
}

// SchoolLevel returns the level schools attach to (Rwanda: sector).
func (x *Index) SchoolLevel() Level {
	l, _ := x.Level(x.spec.Geography.SchoolLevel)
	return l
}

// Unit returns the unit with the given code.
func (x *Index) Unit(code string) (Unit, bool) {
	i, ok := x.units[code]
	if !ok {
		return Unit{}, false
	}
	return x.spec.Geography.Units[i], true
}

// Children returns the units directly below code, in profile order; code ""
// returns the top-level units.
func (x *Index) Children(code string) []Unit {
	return x.collect(x.children[code])
}

// Tenants returns the units at the tenant level, in profile order.
func (x *Index) Tenants() []Unit {
	return x.UnitsAt(x.spec.Geography.TenantLevel)
}

// UnitsAt returns every unit at a level, in profile order.
func (x *Index) UnitsAt(level string) []Unit {
	var out []Unit
	for i, u := range x.spec.Geography.Units {
		if u.Level == level && x.units[u.Code] == i { // skip duplicate codes
			out = append(out, u)
		}
	}
	return out
}

// UnitsUnder returns the units at level within the subtree rooted at code
// (code itself included if it is at that level), in profile order — e.g. all
// sectors of a district. It returns nil if code is unknown or level is above
// code's level.
func (x *Index) UnitsUnder(code, level string) []Unit {
	root, ok := x.units[code]
	if !ok {
		return nil
	}
	target, ok := x.levelPos[level]
	if !ok {
		return nil
	}
	var out []Unit
	// Descending only to strictly deeper levels guarantees termination even
	// on an invalid spec whose parent links form a cycle.
	var walk func(i, above int)
	walk = func(i, above int) {
		u := x.spec.Geography.Units[i]
		pos, ok := x.levelPos[u.Level]
		switch {
		case !ok || pos <= above || pos > target:
			return
		case pos == target:
			out = append(out, u)
			return
		}
		for _, c := range x.children[u.Code] {
			walk(c, pos)
		}
	}
	walk(root, -1)
	return out
}

// Path returns the chain of units from the top level down to code, inclusive
// — a sector's province, district and the sector itself — or nil if code is
// unknown. It stops at a broken parent link rather than looping.
func (x *Index) Path(code string) []Unit {
	var rev []Unit
	seen := map[string]bool{}
	for code != "" && !seen[code] {
		seen[code] = true
		u, ok := x.Unit(code)
		if !ok {
			break
		}
		rev = append(rev, u)
		code = u.Parent
	}
	out := make([]Unit, 0, len(rev))
	for i := len(rev) - 1; i >= 0; i-- {
		out = append(out, rev[i])
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// Within reports whether code is ancestor or lies below it. Authorization
// uses it: a holder scoped to a district may act on that district's sectors.
func (x *Index) Within(code, ancestor string) bool {
	for _, u := range x.Path(code) {
		if u.Code == ancestor {
			return true
		}
	}
	return false
}

// TenantOf returns the tenant-level unit that code is in (or is).
func (x *Index) TenantOf(code string) (Unit, bool) {
	for _, u := range x.Path(code) {
		if u.Level == x.spec.Geography.TenantLevel {
			return u, true
		}
	}
	return Unit{}, false
}

// Role returns the role with the given key.
func (x *Index) Role(key string) (Role, bool) {
	i, ok := x.roles[key]
	if !ok {
		return Role{}, false
	}
	return x.spec.Roles[i], true
}

// PLC returns the PLC kind with the given key.
func (x *Index) PLC(key string) (PLC, bool) {
	i, ok := x.plcs[key]
	if !ok {
		return PLC{}, false
	}
	return x.spec.PLCs[i], true
}

// Caseload returns the caseload limit for a coach role and coachee role.
func (x *Index) Caseload(role, coachee string) (Caseload, bool) {
	for _, c := range x.spec.Caseloads {
		if c.Role == role && c.Coachee == coachee {
			return c, true
		}
	}
	return Caseload{}, false
}

// Location returns the profile's time zone (UTC if it does not load).
func (x *Index) Location() *time.Location { return x.loc }

// Date returns t's calendar date in the profile's time zone, in
// [DateLayout] — the form profile dates are compared in.
func (x *Index) Date(t time.Time) string { return t.In(x.loc).Format(DateLayout) }

// TermOn returns the school year and term containing t's date in the
// profile's time zone; ok is false during school holidays and outside the
// configured years.
func (x *Index) TermOn(t time.Time) (year SchoolYear, term Term, ok bool) {
	d := x.Date(t)
	for _, y := range x.spec.Calendar.SchoolYears {
		for _, tm := range y.Terms {
			// Dates in DateLayout order lexically as they do in time.
			if tm.Start <= d && d <= tm.End {
				return y, tm, true
			}
		}
	}
	return SchoolYear{}, Term{}, false
}

// HolidayOn returns the public holiday on t's date in the profile's time
// zone, if there is one.
func (x *Index) HolidayOn(t time.Time) (Holiday, bool) {
	i, ok := x.holidays[x.Date(t)]
	if !ok {
		return Holiday{}, false
	}
	return x.spec.Calendar.Holidays[i], true
}

func (x *Index) collect(positions []int) []Unit {
	if len(positions) == 0 {
		return nil
	}
	out := make([]Unit, len(positions))
	for i, p := range positions {
		out[i] = x.spec.Geography.Units[p]
	}
	return out
}

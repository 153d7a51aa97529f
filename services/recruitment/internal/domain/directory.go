package domain

import (
	"slices"

	"github.com/l4l-platform/l4l/libs/profile"
)

// RoleFact is what the directory published about one role assignment (its role events
// are the single source of truth for who holds which role where, since when).
type RoleFact struct {
	AssignmentID string `json:"assignment_id" bson:"_id"`
	PersonID     string `json:"person_id" bson:"person_id"`
	Role         string `json:"role" bson:"role"`
	// Unit is a school id for school-scoped roles (ht), else a unit code.
	Unit      string `json:"unit" bson:"unit"`
	StartDate string `json:"start_date" bson:"start_date"`
	EndDate   string `json:"end_date,omitempty" bson:"end_date"`
	Removed   bool   `json:"removed" bson:"removed"`
}

// ActiveOn reports whether the assignment holds on date (YYYY-MM-DD): started, not ended
// (an end date on or before the date has ended it) and not removed.
func (r RoleFact) ActiveOn(date string) bool {
	return !r.Removed && r.StartDate != "" && r.StartDate <= date && (r.EndDate == "" || date < r.EndDate)
}

// PersonFacts is what recruitment knows of one person from the directory.
type PersonFacts struct {
	PersonID string
	// SchoolID is the school the person record names (person events), if any.
	SchoolID string
	Roles    []RoleFact
	// SchoolUnits maps the ids of the schools named above to their unit codes.
	SchoolUnits map[string]string
}

// HeadTeacherOn returns the person's head-teacher assignment active on date; with several
// (a transfer recorded with overlap) the one that started first, since the rule counts
// years as a head teacher, not years in this school.
func (p PersonFacts) HeadTeacherOn(date string) (RoleFact, bool) {
	var best RoleFact
	found := false
	for _, r := range p.Roles {
		if r.Role == HeadTeacherRole && r.ActiveOn(date) && (!found || r.StartDate < best.StartDate) {
			best, found = r, true
		}
	}
	return best, found
}

// Holds reports whether the person holds any of roles on date.
func (p PersonFacts) Holds(date string, roles ...string) bool {
	for _, r := range p.Roles {
		if slices.Contains(roles, r.Role) && r.ActiveOn(date) {
			return true
		}
	}
	return false
}

// Affiliation is where a person belongs, for conflict-of-interest rules: their schools
// and every geography unit above them or held as a role's unit.
type Affiliation struct {
	Schools []string
	// Units maps a level key to the unit codes of that level the person belongs to.
	Units map[string][]string
}

func (a *Affiliation) addUnitPath(t Tenant, code string) {
	for _, u := range t.Profile.Path(code) {
		if a.Units == nil {
			a.Units = map[string][]string{}
		}
		if !slices.Contains(a.Units[u.Level], u.Code) {
			a.Units[u.Level] = append(a.Units[u.Level], u.Code)
		}
	}
}

func (a *Affiliation) addSchool(t Tenant, schoolID, unit string) {
	if schoolID != "" && !slices.Contains(a.Schools, schoolID) {
		a.Schools = append(a.Schools, schoolID)
	}
	if unit != "" {
		a.addUnitPath(t, unit)
	}
}

// CandidateAffiliation is a candidate's school and its units.
func CandidateAffiliation(t Tenant, schoolID, schoolUnit string) Affiliation {
	var a Affiliation
	a.addSchool(t, schoolID, schoolUnit)
	return a
}

// Affiliation derives where the person belongs on date: the school of their person
// record, the schools they lead, and the units of their other active roles.
func (p PersonFacts) Affiliation(t Tenant, date string) Affiliation {
	var a Affiliation
	if p.SchoolID != "" {
		a.addSchool(t, p.SchoolID, p.SchoolUnits[p.SchoolID])
	}
	for _, r := range p.Roles {
		if !r.ActiveOn(date) {
			continue
		}
		role, ok := t.Profile.Role(r.Role)
		if ok && role.Scope == profile.ScopeSchool {
			a.addSchool(t, r.Unit, p.SchoolUnits[r.Unit])
		} else {
			a.addUnitPath(t, r.Unit)
		}
	}
	return a
}

// Conflicts lists the keys of the conflict-of-interest rules that make member stand aside
// for candidate: same-unit rules the platform detects, and declared rules the member (or
// the chair) declared for this candidate.
func Conflicts(rules []profile.ConflictRule, member, candidate Affiliation, declared []string) []string {
	var out []string
	// Same school always conflicts, whatever the profile says (the rule; profile
	// validation also requires it).
	if !slices.ContainsFunc(rules, func(r profile.ConflictRule) bool { return r.SameUnit == profile.ScopeSchool }) {
		rules = append([]profile.ConflictRule{{Key: "same_school", SameUnit: profile.ScopeSchool}}, rules...)
	}
	for _, r := range rules {
		hit := false
		switch {
		case r.Declared:
			hit = slices.Contains(declared, r.Key)
		case r.SameUnit == profile.ScopeSchool:
			hit = intersects(member.Schools, candidate.Schools)
		case r.SameUnit != "":
			hit = intersects(member.Units[r.SameUnit], candidate.Units[r.SameUnit])
		}
		if hit {
			out = append(out, r.Key)
		}
	}
	return out
}

func intersects(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

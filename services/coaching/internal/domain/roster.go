package domain

import (
	"slices"
	"strings"
	"time"

	"github.com/l4l-platform/l4l/libs/profile"
)

// Assignment is the directory's role assignment, as its events tell it (the directory is
// the single source of truth for roles; recruitment appointments and exits reach us as
// role assignments too).
type Assignment struct {
	ID        string `bson:"_id"`
	PersonID  string `bson:"person_id"`
	Role      string `bson:"role"`
	Unit      string `bson:"unit"`
	StartDate string `bson:"start_date"`
	EndDate   string `bson:"end_date"`
	Removed   bool   `bson:"removed"`
	// EventTime is the time of the event that last changed it: an older event redelivered
	// late must not undo a newer one.
	EventTime time.Time `bson:"event_time"`
}

// ActiveOn reports whether the assignment holds on date: not removed, and not ended (an
// assignment whose end date is on or before the date has ended). A future start date
// counts as held: an appointed leader gets a caseload at once, and the relationship
// starts on the start date.
func (a Assignment) ActiveOn(date string) bool {
	return !a.Removed && (a.EndDate == "" || a.EndDate > date)
}

// School is what the service knows of a school: where it is.
type School struct {
	ID        string    `bson:"_id"`
	Unit      string    `bson:"unit"`
	Removed   bool      `bson:"removed"`
	EventTime time.Time `bson:"event_time"`
}

// Person is what the service knows of a person: their school, if any (teachers).
type Person struct {
	ID        string    `bson:"_id"`
	SchoolID  string    `bson:"school_id"`
	Removed   bool      `bson:"removed"`
	EventTime time.Time `bson:"event_time"`
}

// Roster is the tenant's people in their roles, as of the directory's events.
type Roster struct {
	Assignments []Assignment
	// Schools maps school id → the unit it sits in (a sector).
	Schools map[string]string
	// People maps person id → school id ("" for people without a school).
	People map[string]string
}

// Active returns the assignments active on date, sorted by person then id.
func (r Roster) Active(date string) []Assignment {
	var out []Assignment
	for _, a := range r.Assignments {
		if a.ActiveOn(date) {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b Assignment) int {
		if c := strings.Compare(a.PersonID, b.PersonID); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// Holds reports whether person holds role (in unit, unless unit is "") on date.
func (r Roster) Holds(person, role, unit, date string) bool {
	for _, a := range r.Assignments {
		if a.PersonID == person && a.Role == role && (unit == "" || a.Unit == unit) && a.ActiveOn(date) {
			return true
		}
	}
	return false
}

// Known reports whether the directory told us of the person (as a person or a role holder).
func (r Roster) Known(person string) bool {
	if _, ok := r.People[person]; ok {
		return true
	}
	for _, a := range r.Assignments {
		if a.PersonID == person {
			return true
		}
	}
	return false
}

// HeadOf returns the active holders of role at school on date.
func (r Roster) HoldersAt(role, unit, date string) []string {
	var out []string
	for _, a := range r.Active(date) {
		if a.Role == role && a.Unit == unit && !slices.Contains(out, a.PersonID) {
			out = append(out, a.PersonID)
		}
	}
	return out
}

// Placement is where a role holder sits: the unit of their assignment and the units
// above it (for scoping reads), and the group of the coaching link (the unit whose
// coaches share its coachees: an HT's sector for LLLs, the district for NLLs).
type Placement struct {
	Unit  string
	Units []string
	Group string
}

// Place locates an assignment of a role with scope coacheeScope for a coach role with
// scope coachScope. ok is false when the unit is unknown (a school the directory has not
// announced, a unit outside the tenant).
func (t Tenant) Place(r Roster, unit, coacheeScope, coachScope string) (Placement, bool) {
	base := unit
	units := []string{unit}
	if coacheeScope == profile.ScopeSchool {
		sector, ok := r.Schools[unit]
		if !ok {
			return Placement{}, false
		}
		base = sector
	}
	path := t.Profile.Path(base)
	if path == nil || !t.Profile.Within(base, t.Code) {
		return Placement{}, false
	}
	group := ""
	for i := len(path) - 1; i >= 0; i-- {
		if path[i].Code != unit {
			units = append(units, path[i].Code)
		}
		if path[i].Level == coachScope {
			group = path[i].Code
		}
	}
	switch coachScope {
	case profile.ScopeCountry:
		group = t.Code
	case profile.ScopeSchool:
		group = unit
	}
	if group == "" {
		return Placement{}, false
	}
	return Placement{Unit: unit, Units: units, Group: group}, true
}

// UnitsOf is the placement units of a person's school (for records about a teacher or a
// head teacher: the school, its sector, its district, ...).
func (t Tenant) UnitsOf(r Roster, school string) []string {
	p, ok := t.Place(r, school, profile.ScopeSchool, profile.ScopeCountry)
	if !ok {
		return []string{school}
	}
	return p.Units
}

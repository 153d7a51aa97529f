// Package domain holds the PLC service's rules, without I/O: who belongs to which
// Professional Learning Community (from the directory's facts and the country profile's
// PLC kinds), the scheduler that places every group's sessions in the school calendar,
// the constraints a session must meet, session records and their action items, and the
// attendance rules behind "collaborates regularly".
package domain

import (
	"cmp"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/l4l-platform/l4l/libs/profile"
)

// Tenant is a district (or the profile's tenant-level unit) and its country profile.
type Tenant struct {
	Code    string
	Profile *profile.Index
}

// NewID returns a UUIDv7: unique and time-ordered, so _id order is creation order.
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

// Positions a person holds in a group: the profile's ledBy role facilitates, its "with"
// roles co-facilitate (Rwanda's SEO in the sector PLC), its member roles attend.
const (
	Facilitator   = "facilitator"
	CoFacilitator = "co_facilitator"
	MemberOf      = "member"
)

func positionRank(p string) int {
	switch p {
	case Facilitator:
		return 0
	case CoFacilitator:
		return 1
	}
	return 2
}

// SchoolFact is what the directory told us about a school.
type SchoolFact struct {
	ID      string    `json:"school_id" bson:"_id"`
	Unit    string    `json:"unit" bson:"unit"`
	Status  string    `json:"status" bson:"status"`
	Deleted bool      `json:"deleted" bson:"gone"`
	At      time.Time `json:"at" bson:"at"`
}

// RoleFact is what the directory told us about a role assignment.
type RoleFact struct {
	ID        string    `json:"assignment_id" bson:"_id"`
	PersonID  string    `json:"person_id" bson:"person_id"`
	Role      string    `json:"role" bson:"role"`
	Unit      string    `json:"unit" bson:"unit"`
	StartDate string    `json:"start_date" bson:"start_date"`
	EndDate   string    `json:"end_date,omitempty" bson:"end_date"`
	Deleted   bool      `json:"deleted" bson:"gone"`
	At        time.Time `json:"at" bson:"at"`
}

// Newer reports whether a fact stamped at is newer than the stored one stamped stored:
// redelivered or reordered events never roll a fact back.
func Newer(at, stored time.Time) bool { return stored.IsZero() || !at.Before(stored) }

// Member is one role assignment that puts a person in a group, with its dates: a head
// teacher who leaves a school stops being expected at the sector PLC from the end date.
type Member struct {
	PersonID     string `json:"person_id" bson:"person_id"`
	Role         string `json:"role" bson:"role"`
	Position     string `json:"position" bson:"position"`
	SchoolID     string `json:"school_id,omitempty" bson:"school_id,omitempty"`
	AssignmentID string `json:"assignment_id" bson:"assignment_id"`
	StartDate    string `json:"start_date" bson:"start_date"`
	EndDate      string `json:"end_date,omitempty" bson:"end_date,omitempty"`
}

// ActiveOn reports whether the membership holds on date (YYYY-MM-DD). An end date is the
// last day held, as in the directory.
func (m Member) ActiveOn(date string) bool {
	return m.StartDate <= date && (m.EndDate == "" || date <= m.EndDate)
}

// ActiveFrom reports whether the membership holds on some day from date on.
func (m Member) ActiveFrom(date string) bool { return m.EndDate == "" || date <= m.EndDate }

// Group is one PLC: a kind from the profile (sector PLC, district PLC, zone PLC) for one
// unit, its schools (the host candidates) and its people.
type Group struct {
	ID   string `json:"id" bson:"_id"`
	Kind string `json:"kind" bson:"kind"`
	Unit string `json:"unit" bson:"unit"`
	// Schools are the open schools in the unit, sorted.
	Schools []string `json:"school_ids" bson:"schools"`
	// UnableToHost are schools of the group that cannot host a session (no room, no
	// road in the rainy season); rotation skips them.
	UnableToHost []string  `json:"unable_to_host" bson:"unable_to_host"`
	Members      []Member  `json:"members" bson:"members"`
	CreatedAt    time.Time `json:"created_at" bson:"created_at"`
	UpdatedAt    time.Time `json:"updated_at" bson:"updated_at"`
}

// Person is someone expected at a session, and in what position.
type Person struct {
	PersonID string `json:"person_id"`
	Role     string `json:"role"`
	Position string `json:"position"`
	SchoolID string `json:"school_id,omitempty"`
}

// PeopleOn lists who the group expects on date, one entry per person (their highest
// position), sorted by position then id.
func (g Group) PeopleOn(date string) []Person {
	return g.people(func(m Member) bool { return m.ActiveOn(date) })
}

// PeopleFrom lists who belongs to the group on some day from date on.
func (g Group) PeopleFrom(date string) []Person {
	return g.people(func(m Member) bool { return m.ActiveFrom(date) })
}

func (g Group) people(active func(Member) bool) []Person {
	best := map[string]Person{}
	for _, m := range g.Members {
		if !active(m) {
			continue
		}
		p, ok := best[m.PersonID]
		if !ok || positionRank(m.Position) < positionRank(p.Position) {
			best[m.PersonID] = Person{PersonID: m.PersonID, Role: m.Role, Position: m.Position, SchoolID: m.SchoolID}
		} else if p.SchoolID == "" && m.SchoolID != "" {
			p.SchoolID = m.SchoolID
			best[m.PersonID] = p
		}
	}
	out := make([]Person, 0, len(best))
	for _, p := range best {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b Person) int {
		return cmp.Or(cmp.Compare(positionRank(a.Position), positionRank(b.Position)), cmp.Compare(a.PersonID, b.PersonID))
	})
	return out
}

// FacilitatorsOn are the ids of those leading or co-leading the group on date.
func (g Group) FacilitatorsOn(date string) []string {
	var out []string
	for _, p := range g.PeopleOn(date) {
		if p.Position != MemberOf {
			out = append(out, p.PersonID)
		}
	}
	return out
}

// Hosts are the schools that may host, sorted.
func (g Group) Hosts() []string {
	out := make([]string, 0, len(g.Schools))
	for _, s := range g.Schools {
		if !slices.Contains(g.UnableToHost, s) {
			out = append(out, s)
		}
	}
	return out
}

// HasSchool reports whether id is one of the group's schools.
func (g Group) HasSchool(id string) bool {
	_, ok := slices.BinarySearch(g.Schools, id)
	return ok
}

// SameMembership reports whether two groups have the same schools and members.
func (g Group) SameMembership(o Group) bool {
	return slices.Equal(g.Schools, o.Schools) && slices.Equal(g.Members, o.Members)
}

// GroupKey names a group by what makes it unique: its kind and unit.
type GroupKey struct{ Kind, Unit string }

// GroupsOf lists every group the profile's PLC kinds give the tenant: one per unit of
// each kind's level inside the tenant, in profile order.
func GroupsOf(t Tenant) []GroupKey {
	var out []GroupKey
	for _, p := range t.Profile.Spec().PLCs {
		for _, u := range t.Profile.UnitsUnder(t.Code, p.Level) {
			out = append(out, GroupKey{Kind: p.Key, Unit: u.Code})
		}
	}
	return out
}

// KindsContaining lists the groups whose unit contains unit (a sector is in its sector
// PLC and its district PLC), for the PLC kinds of the profile.
func KindsContaining(t Tenant, unit string) []GroupKey {
	var out []GroupKey
	path := t.Profile.Path(unit)
	for _, p := range t.Profile.Spec().PLCs {
		for _, u := range path {
			if u.Level == p.Level && t.Profile.Within(u.Code, t.Code) {
				out = append(out, GroupKey{Kind: p.Key, Unit: u.Code})
			}
		}
	}
	return out
}

// Roster is the directory's facts a tenant's groups are computed from, indexed once.
type Roster struct {
	t       Tenant
	schools map[string]SchoolFact
	byUnit  map[string][]string // unit code → open school ids
	roles   []RoleFact
	// roleUnits indexes roles by the unit they act in (a head teacher's: the school's unit).
	roleUnits map[string][]int
}

// NewRoster indexes the facts. Deleted and closed schools and removed assignments drop
// out here.
func NewRoster(t Tenant, schools []SchoolFact, roles []RoleFact) *Roster {
	r := &Roster{t: t, schools: make(map[string]SchoolFact, len(schools)), byUnit: map[string][]string{}}
	for _, s := range schools {
		if s.Deleted || s.Status == "closed" {
			continue
		}
		r.schools[s.ID] = s
		r.byUnit[s.Unit] = append(r.byUnit[s.Unit], s.ID)
	}
	r.roleUnits = map[string][]int{}
	for _, rf := range roles {
		if rf.Deleted {
			continue
		}
		unit := rf.Unit
		if s, ok := r.schools[rf.Unit]; ok {
			unit = s.Unit
		}
		r.roleUnits[unit] = append(r.roleUnits[unit], len(r.roles))
		r.roles = append(r.roles, rf)
	}
	return r
}

// candidates are the positions in r.roles of the roles acting in or above unit.
func (r *Roster) candidates(unit string) []int {
	var out []int
	for _, u := range r.t.Profile.Path(unit) {
		out = append(out, r.roleUnits[u.Code]...)
	}
	levels := r.t.Profile.Spec().Geography.Levels
	below := false
	for _, l := range levels {
		if below {
			for _, u := range r.t.Profile.UnitsUnder(unit, l.Key) {
				out = append(out, r.roleUnits[u.Code]...)
			}
		}
		if u, ok := r.t.Profile.Unit(unit); ok && u.Level == l.Key {
			below = true
		}
	}
	return out
}

// Group computes the membership of one group. Its id and host settings are the caller's.
//
// A school-scoped role (a head teacher) belongs where its school is. Facilitating roles
// also count when they are held above the group's unit (a DEO named in a sector PLC's
// "with" list supports every sector of the district); member roles only inside it.
func (r *Roster) Group(key GroupKey) (Group, bool) {
	p, ok := r.t.Profile.PLC(key.Kind)
	if !ok {
		return Group{}, false
	}
	g := Group{Kind: key.Kind, Unit: key.Unit, Schools: []string{}, Members: []Member{}, UnableToHost: []string{}}
	for _, u := range r.t.Profile.UnitsUnder(key.Unit, r.t.Profile.SchoolLevel().Key) {
		g.Schools = append(g.Schools, r.byUnit[u.Code]...)
	}
	slices.Sort(g.Schools)
	for _, i := range r.candidates(key.Unit) {
		rf := r.roles[i]
		pos := ""
		switch {
		case rf.Role == p.LedBy:
			pos = Facilitator
		case slices.Contains(p.With, rf.Role):
			pos = CoFacilitator
		case slices.Contains(p.Members, rf.Role):
			pos = MemberOf
		default:
			continue
		}
		m := Member{PersonID: rf.PersonID, Role: rf.Role, Position: pos, AssignmentID: rf.ID, StartDate: rf.StartDate, EndDate: rf.EndDate}
		unit := rf.Unit
		if s, ok := r.schools[rf.Unit]; ok {
			m.SchoolID, unit = s.ID, s.Unit
		} else if role, ok := r.t.Profile.Role(rf.Role); ok && role.Scope == profile.ScopeSchool {
			continue // the school is unknown, closed or not yet told to us
		}
		inside := r.t.Profile.Within(unit, key.Unit)
		above := pos != MemberOf && r.t.Profile.Within(key.Unit, unit)
		if inside || above {
			g.Members = append(g.Members, m)
		}
	}
	slices.SortFunc(g.Members, func(a, b Member) int {
		return cmp.Or(cmp.Compare(positionRank(a.Position), positionRank(b.Position)),
			cmp.Compare(a.PersonID, b.PersonID), cmp.Compare(a.AssignmentID, b.AssignmentID))
	})
	return g, true
}

// Package domain holds the coaching programme's rules, without I/O: the coaching chain
// and who coaches whom (School Leadership Advisors → NLLs → LLLs → head teachers, from
// the country profile), caseload limits, coaching sessions and school visits with their
// agreed actions, competency ratings of head teachers against the leadership standards,
// classroom observations, and the visit rhythm.
package domain

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/profile"
)

// Tenant is a district and its country profile.
type Tenant struct {
	Code    string
	Profile *profile.Index
}

// Today is the calendar date of now in the profile's time zone.
func (t Tenant) Today(now time.Time) string { return t.Profile.Date(now) }

// NewID makes a UUIDv7: unique, and time-ordered so that _id order is creation order.
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

// NewChange makes a change-feed position: a UUIDv7, so positions order as writes happen.
func NewChange() string { return NewID() }

// ValidID reports whether s is a UUID (clients generate ids of offline records as UUIDv7).
func ValidID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}

// Link is one step of the coaching chain: holders of CoachRole coach holders of
// CoacheeRole. The chain comes from the profile's Roles[].Coaches.
type Link struct {
	CoachRole   string `json:"coach_role" bson:"coach_role"`
	CoacheeRole string `json:"coachee_role" bson:"coachee_role"`
}

// Key names the link in relationships ("lll>ht").
func (l Link) Key() string { return l.CoachRole + ">" + l.CoacheeRole }

// Chain lists the profile's coaching links, in profile order.
func Chain(p *profile.Index) []Link {
	var out []Link
	for _, r := range p.Spec().Roles {
		for _, c := range r.Coaches {
			out = append(out, Link{CoachRole: r.Key, CoacheeRole: c})
		}
	}
	return out
}

// LinkOf finds the link in which coach coaches coachee.
func (t Tenant) LinkOf(coach, coachee string) (Link, bool) {
	for _, l := range Chain(t.Profile) {
		if l.CoachRole == coach && l.CoacheeRole == coachee {
			return l, true
		}
	}
	return Link{}, false
}

// FallbackRole is who covers a coach role's coachees while no coach is in post ("to the
// SEO until one exists"). The profile has no field for it (see the service's report:
// a Role.coverWhenVacant key would be the profile's way); the default rule is: the role
// acting at the same level as the coach role that is outside the coaching chain and has
// exactly one holder per unit — the unit's education officer (Rwanda: SEO for an LLL's
// sector, DEO for an NLL's district). "" when there is none (SLAs are national).
func FallbackRole(p *profile.Index, coachRole string) string {
	coach, ok := p.Role(coachRole)
	if !ok || coach.Scope == profile.ScopeCountry {
		return ""
	}
	inChain := map[string]bool{}
	for _, l := range Chain(p) {
		inChain[l.CoachRole], inChain[l.CoacheeRole] = true, true
	}
	var keys []string
	for _, r := range p.Spec().Roles {
		if r.Scope == coach.Scope && !inChain[r.Key] && r.Quota != nil && r.Quota.PerLevel == coach.Scope && r.Quota.Count == 1 {
			keys = append(keys, r.Key)
		}
	}
	slices.Sort(keys)
	if len(keys) == 0 {
		return ""
	}
	return keys[0]
}

// RatedRole is the role whose holders are rated against the competency framework: the
// school-level role at the end of the coaching chain (head teachers).
func RatedRole(p *profile.Index) string {
	for _, l := range Chain(p) {
		if r, ok := p.Role(l.CoacheeRole); ok && r.Scope == profile.ScopeSchool {
			return r.Key
		}
	}
	return ""
}

// ValidDate reports whether s is a calendar date YYYY-MM-DD.
func ValidDate(s string) bool {
	_, err := time.Parse(profile.DateLayout, s)
	return err == nil
}

// AddDays adds n days to a YYYY-MM-DD date.
func AddDays(date string, n int) string {
	d, err := time.Parse(profile.DateLayout, date)
	if err != nil {
		return date
	}
	return d.AddDate(0, 0, n).Format(profile.DateLayout)
}

// DaysBetween is the number of days from a to b (negative when b is before a).
func DaysBetween(a, b string) int {
	da, err1 := time.Parse(profile.DateLayout, a)
	db, err2 := time.Parse(profile.DateLayout, b)
	if err1 != nil || err2 != nil {
		return 0
	}
	return int(db.Sub(da).Hours() / 24)
}

var slug = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// fieldErrs collects field errors in a stable order.
type fieldErrs []problem.FieldError

func (f *fieldErrs) add(field, format string, args ...any) {
	*f = append(*f, problem.Field(field, format, args...))
}

func (f fieldErrs) err(detail string) error {
	if len(f) == 0 {
		return nil
	}
	slices.SortStableFunc(f, func(a, b problem.FieldError) int { return strings.Compare(a.Field, b.Field) })
	return problem.Fields(detail, f...)
}

func areaKeys(p *profile.Index) []string {
	var out []string
	for _, a := range p.Spec().Competencies.Areas {
		out = append(out, a.Key)
	}
	return out
}

func area(p *profile.Index, key string) (profile.CompetencyArea, bool) {
	for _, a := range p.Spec().Competencies.Areas {
		if a.Key == key {
			return a, true
		}
	}
	return profile.CompetencyArea{}, false
}

func dedupe(xs []string) []string {
	var out []string
	for _, x := range xs {
		if x != "" && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

package domain

import (
	"slices"
	"strings"
	"time"

	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/profile"
)

// RoleAssignment says that a person holds a role of the profile (head teacher of school X,
// LLL of sector Y) from a date, until an end date.
type RoleAssignment struct {
	ID       string `json:"id" bson:"_id"`
	PersonID string `json:"person_id" bson:"person_id"`
	Role     string `json:"role" bson:"role"`
	// Unit is a school id for school-scoped roles, else the code of a unit at the
	// role's scope level (a sector for an LLL, the district for a DEO).
	Unit      string    `json:"unit" bson:"unit"`
	StartDate string    `json:"start_date" bson:"start_date"`
	EndDate   string    `json:"end_date,omitempty" bson:"end_date"`
	Source    string    `json:"source" bson:"source"`
	CreatedAt time.Time `json:"created_at" bson:"created_at"`
	UpdatedAt time.Time `json:"updated_at" bson:"updated_at"`
}

// RoleFields are what a client sets on an assignment.
type RoleFields struct {
	PersonID  string `json:"person_id"`
	Role      string `json:"role"`
	Unit      string `json:"unit"`
	StartDate string `json:"start_date"`
	EndDate   string `json:"end_date"`
}

// Sources of an assignment: set by staff, or by a recruitment appointment event.
const (
	SourceManual      = "manual"
	SourceRecruitment = "recruitment"
)

// RoleTarget is what the store found the assignment's person and unit to be.
type RoleTarget struct {
	PersonExists bool
	// SchoolExists is whether Unit names a live school of the tenant.
	SchoolExists bool
}

// CheckRole lists every problem with an assignment in tenant t.
func CheckRole(t Tenant, f RoleFields, target RoleTarget) []problem.FieldError {
	var errs []problem.FieldError
	add := func(field, format string, args ...any) { errs = append(errs, problem.Field(field, format, args...)) }
	if f.PersonID == "" {
		add("person_id", "required")
	} else if !target.PersonExists {
		add("person_id", "no person %q in %s", f.PersonID, t.Code)
	}
	role, ok := t.Profile.Role(f.Role)
	switch {
	case f.Role == "":
		add("role", "required")
	case !ok:
		var keys []string
		for _, r := range t.Profile.Spec().Roles {
			keys = append(keys, r.Key)
		}
		add("role", "%q is not a role of this country's profile; one of %s", f.Role, strings.Join(keys, ", "))
	case role.Scope == profile.ScopeCountry:
		add("role", "%s is a national role: it is not assigned inside a district", role.Name)
	case f.Unit == "":
		add("unit", "required")
	case role.Scope == profile.ScopeSchool:
		if !target.SchoolExists {
			add("unit", "a %s is assigned to a school: %q is not a school id of %s", role.Name, f.Unit, t.Code)
		}
	default:
		u, ok := t.Profile.Unit(f.Unit)
		if !ok || u.Level != role.Scope || !t.Profile.Within(f.Unit, t.Code) {
			add("unit", "a %s is assigned to a %s of %s: %q is not one", role.Name, role.Scope, t.Code, f.Unit)
		}
	}
	start, err := parseDate(f.StartDate)
	if err != nil {
		add("start_date", "required, as YYYY-MM-DD")
	}
	if f.EndDate != "" {
		end, err := parseDate(f.EndDate)
		if err != nil {
			add("end_date", "YYYY-MM-DD")
		} else if f.StartDate != "" && end.Before(start) {
			add("end_date", "before start_date")
		}
	}
	return sortFieldErrors(errs)
}

// NewRoleAssignment validates and makes an assignment.
func NewRoleAssignment(t Tenant, f RoleFields, target RoleTarget, source string, now time.Time) (RoleAssignment, error) {
	if errs := CheckRole(t, f, target); len(errs) > 0 {
		return RoleAssignment{}, problem.Fields("the role assignment has invalid fields", errs...)
	}
	return RoleAssignment{ID: NewID(), PersonID: f.PersonID, Role: f.Role, Unit: f.Unit, StartDate: f.StartDate,
		EndDate: f.EndDate, Source: source, CreatedAt: now, UpdatedAt: now}, nil
}

// Apply replaces the assignment's fields; it reports whether anything changed.
func (r *RoleAssignment) Apply(t Tenant, f RoleFields, target RoleTarget, now time.Time) (bool, error) {
	if errs := CheckRole(t, f, target); len(errs) > 0 {
		return false, problem.Fields("the role assignment has invalid fields", errs...)
	}
	if r.Fields() == f {
		return false, nil
	}
	r.PersonID, r.Role, r.Unit, r.StartDate, r.EndDate, r.UpdatedAt = f.PersonID, f.Role, f.Unit, f.StartDate, f.EndDate, now
	return true, nil
}

// Fields are the assignment's client-set fields.
func (r RoleAssignment) Fields() RoleFields {
	return RoleFields{PersonID: r.PersonID, Role: r.Role, Unit: r.Unit, StartDate: r.StartDate, EndDate: r.EndDate}
}

// ActiveOn reports whether the assignment holds on date (YYYY-MM-DD).
func (r RoleAssignment) ActiveOn(date string) bool {
	return r.StartDate <= date && (r.EndDate == "" || date <= r.EndDate)
}

func sortFieldErrors(errs []problem.FieldError) []problem.FieldError {
	slices.SortStableFunc(errs, func(a, b problem.FieldError) int { return strings.Compare(a.Field, b.Field) })
	return errs
}

func parseDate(s string) (time.Time, error) { return time.Parse(profile.DateLayout, s) }

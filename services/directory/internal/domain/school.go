// Package domain holds the directory's rules: what a valid school, person and role
// assignment is in a tenant of a country profile. No I/O; table-tested.
package domain

import (
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/profile"
)

// Tenant is a district (or the profile's tenant level) with its country profile.
type Tenant struct {
	Code    string
	Profile *profile.Index
}

// School statuses.
const (
	SchoolOpen   = "open"
	SchoolClosed = "closed"
)

// School is a school of the tenant, attached to a unit at the profile's school level
// (a sector in Rwanda, a zone in Kenya).
type School struct {
	ID   string `json:"id" bson:"_id"`
	Code string `json:"code" bson:"code"`
	Name string `json:"name" bson:"name"`
	// Unit is the code of the geography unit the school belongs to.
	Unit string `json:"unit" bson:"unit"`
	// Ownership: public, government-aided or private.
	Ownership string    `json:"ownership" bson:"ownership"`
	Status    string    `json:"status" bson:"status"`
	CreatedAt time.Time `json:"created_at" bson:"created_at"`
	UpdatedAt time.Time `json:"updated_at" bson:"updated_at"`
}

// SchoolFields are what a client sets on a school.
type SchoolFields struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	Unit      string `json:"unit"`
	Ownership string `json:"ownership"`
	Status    string `json:"status"`
}

var codePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$`)

// Ownerships a school may have.
var Ownerships = []string{"public", "government_aided", "private"}

// Normalize trims the fields and fills defaults.
func (f *SchoolFields) Normalize() {
	f.Code = strings.TrimSpace(f.Code)
	f.Name = strings.Join(strings.Fields(f.Name), " ")
	f.Unit = strings.TrimSpace(f.Unit)
	f.Ownership = strings.ToLower(strings.TrimSpace(f.Ownership))
	f.Status = strings.ToLower(strings.TrimSpace(f.Status))
	if f.Ownership == "" {
		f.Ownership = "public"
	}
	if f.Status == "" {
		f.Status = SchoolOpen
	}
}

// Check lists every problem with the fields in tenant t, with the given field-name prefix
// (an import names "row 3, column code" instead of "code").
func (f SchoolFields) Check(t Tenant, name func(string) string) []problem.FieldError {
	var errs []problem.FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, problem.Field(name(field), format, args...))
	}
	switch {
	case f.Code == "":
		add("code", "required: the school's EMIS code")
	case !codePattern.MatchString(f.Code):
		add("code", "1 to 40 letters, digits, '.', '_', '/' or '-', starting with a letter or digit")
	}
	switch {
	case f.Name == "":
		add("name", "required")
	case len(f.Name) > 200:
		add("name", "at most 200 characters")
	}
	if f.Unit == "" {
		add("unit", "required: the code of the %s the school belongs to", t.Profile.SchoolLevel().Name)
	} else if !t.HasSchoolUnit(f.Unit) {
		add("unit", "%q is not a %s of %s", f.Unit, strings.ToLower(t.Profile.SchoolLevel().Name), t.Code)
	}
	if !contains(Ownerships, f.Ownership) {
		add("ownership", "one of %s", strings.Join(Ownerships, ", "))
	}
	if f.Status != SchoolOpen && f.Status != SchoolClosed {
		add("status", "open or closed")
	}
	return errs
}

// HasSchoolUnit reports whether code is a unit of the school level inside the tenant.
func (t Tenant) HasSchoolUnit(code string) bool {
	u, ok := t.Profile.Unit(code)
	return ok && u.Level == t.Profile.SchoolLevel().Key && t.Profile.Within(code, t.Code)
}

// NewSchool validates the fields and makes a school.
func NewSchool(t Tenant, f SchoolFields, now time.Time) (School, error) {
	f.Normalize()
	if errs := f.Check(t, plain); len(errs) > 0 {
		return School{}, problem.Fields("the school has invalid fields", errs...)
	}
	return School{ID: NewID(), Code: f.Code, Name: f.Name, Unit: f.Unit, Ownership: f.Ownership,
		Status: f.Status, CreatedAt: now, UpdatedAt: now}, nil
}

// Apply replaces the school's fields; it reports whether anything changed.
func (s *School) Apply(t Tenant, f SchoolFields, now time.Time) (bool, error) {
	f.Normalize()
	if errs := f.Check(t, plain); len(errs) > 0 {
		return false, problem.Fields("the school has invalid fields", errs...)
	}
	if s.Fields() == f {
		return false, nil
	}
	s.Code, s.Name, s.Unit, s.Ownership, s.Status, s.UpdatedAt = f.Code, f.Name, f.Unit, f.Ownership, f.Status, now
	return true, nil
}

// Fields are the school's client-set fields.
func (s School) Fields() SchoolFields {
	return SchoolFields{Code: s.Code, Name: s.Name, Unit: s.Unit, Ownership: s.Ownership, Status: s.Status}
}

// Units is the school's place for authorization: its unit, the unit's ancestors and itself.
func (s School) Units(t Tenant) []string {
	var us []string
	for _, u := range t.Profile.Path(s.Unit) {
		us = append(us, u.Code)
	}
	return append(us, s.ID)
}

// NewID makes a time-ordered UUIDv7, so that _id order is creation order.
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

func plain(field string) string { return field }

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

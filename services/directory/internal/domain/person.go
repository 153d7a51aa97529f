package domain

import (
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/l4l-platform/l4l/libs/problem"
)

// Person is someone the programme knows: a head teacher, a leader of learning, an officer.
// Personal data stays here; events carry only the id.
type Person struct {
	ID         string    `json:"id" bson:"_id"`
	StaffID    string    `json:"staff_id,omitempty" bson:"staff_id"`
	GivenName  string    `json:"given_name" bson:"given_name"`
	FamilyName string    `json:"family_name" bson:"family_name"`
	Gender     string    `json:"gender" bson:"gender"`
	Email      string    `json:"email,omitempty" bson:"email"`
	Phone      string    `json:"phone,omitempty" bson:"phone"`
	SchoolID   string    `json:"school_id,omitempty" bson:"school_id"`
	CreatedAt  time.Time `json:"created_at" bson:"created_at"`
	UpdatedAt  time.Time `json:"updated_at" bson:"updated_at"`
}

// PersonFields are what a client sets on a person.
type PersonFields struct {
	StaffID    string `json:"staff_id"`
	GivenName  string `json:"given_name"`
	FamilyName string `json:"family_name"`
	Gender     string `json:"gender"`
	Email      string `json:"email"`
	Phone      string `json:"phone"`
	SchoolID   string `json:"school_id"`
}

// Genders a person may record.
var Genders = []string{"female", "male", "other", "unspecified"}

var phonePattern = regexp.MustCompile(`^\+?[0-9 ()-]{6,20}$`)

// Normalize trims the fields and fills defaults.
func (f *PersonFields) Normalize() {
	f.StaffID = strings.TrimSpace(f.StaffID)
	f.GivenName = strings.Join(strings.Fields(f.GivenName), " ")
	f.FamilyName = strings.Join(strings.Fields(f.FamilyName), " ")
	f.Gender = strings.ToLower(strings.TrimSpace(f.Gender))
	f.Email = strings.ToLower(strings.TrimSpace(f.Email))
	f.Phone = strings.TrimSpace(f.Phone)
	f.SchoolID = strings.TrimSpace(f.SchoolID)
	if f.Gender == "" {
		f.Gender = "unspecified"
	}
}

// Check lists every problem with the fields. Whether SchoolID names a school of the
// tenant is for the caller to check: it needs the store.
func (f PersonFields) Check(name func(string) string) []problem.FieldError {
	var errs []problem.FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, problem.Field(name(field), format, args...))
	}
	if f.StaffID != "" && !codePattern.MatchString(f.StaffID) {
		add("staff_id", "1 to 40 letters, digits, '.', '_', '/' or '-'")
	}
	for field, v := range map[string]string{"given_name": f.GivenName, "family_name": f.FamilyName} {
		switch {
		case v == "":
			add(field, "required")
		case len(v) > 100:
			add(field, "at most 100 characters")
		}
	}
	if !contains(Genders, f.Gender) {
		add("gender", "one of %s", strings.Join(Genders, ", "))
	}
	if f.Email != "" {
		if a, err := mail.ParseAddress(f.Email); err != nil || a.Address != f.Email {
			add("email", "not an email address")
		}
	}
	if f.Phone != "" && !phonePattern.MatchString(f.Phone) {
		add("phone", "6 to 20 digits, optionally with +, spaces, dashes or parentheses")
	}
	return sortFieldErrors(errs)
}

// NewPerson validates the fields and makes a person.
func NewPerson(f PersonFields, now time.Time) (Person, error) {
	f.Normalize()
	if errs := f.Check(plain); len(errs) > 0 {
		return Person{}, problem.Fields("the person has invalid fields", errs...)
	}
	p := Person{ID: NewID(), CreatedAt: now}
	p.set(f, now)
	return p, nil
}

// Apply replaces the person's fields; it reports whether anything changed.
func (p *Person) Apply(f PersonFields, now time.Time) (bool, error) {
	f.Normalize()
	if errs := f.Check(plain); len(errs) > 0 {
		return false, problem.Fields("the person has invalid fields", errs...)
	}
	if p.Fields() == f {
		return false, nil
	}
	p.set(f, now)
	return true, nil
}

func (p *Person) set(f PersonFields, now time.Time) {
	p.StaffID, p.GivenName, p.FamilyName, p.Gender = f.StaffID, f.GivenName, f.FamilyName, f.Gender
	p.Email, p.Phone, p.SchoolID, p.UpdatedAt = f.Email, f.Phone, f.SchoolID, now
}

// Fields are the person's client-set fields.
func (p Person) Fields() PersonFields {
	return PersonFields{StaffID: p.StaffID, GivenName: p.GivenName, FamilyName: p.FamilyName,
		Gender: p.Gender, Email: p.Email, Phone: p.Phone, SchoolID: p.SchoolID}
}

// Package events names the directory's events and builds them. Events carry ids and facts,
// never names or contact details: personal data stays in the directory, where it can be
// exported and erased. Each type has a JSON Schema under api/events/.
package events

import (
	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/services/directory/internal/domain"
)

// Source is the CloudEvents source of every directory event.
const Source = "/l4l/directory"

// Event types, org.l4l.directory.<noun>.<verb>.v1.
const (
	SchoolCreated = "org.l4l.directory.school.created.v1"
	SchoolUpdated = "org.l4l.directory.school.updated.v1"
	SchoolDeleted = "org.l4l.directory.school.deleted.v1"
	PersonCreated = "org.l4l.directory.person.created.v1"
	PersonUpdated = "org.l4l.directory.person.updated.v1"
	PersonDeleted = "org.l4l.directory.person.deleted.v1"
	RoleAssigned  = "org.l4l.directory.role.assigned.v1"
	RoleUpdated   = "org.l4l.directory.role.updated.v1"
	RoleRemoved   = "org.l4l.directory.role.removed.v1"
)

// School is the data of school events.
type School struct {
	SchoolID  string `json:"school_id"`
	Code      string `json:"code"`
	Unit      string `json:"unit"`
	Ownership string `json:"ownership"`
	Status    string `json:"status"`
}

// Person is the data of person events.
type Person struct {
	PersonID string `json:"person_id"`
	SchoolID string `json:"school_id,omitempty"`
}

// Role is the data of role events.
type Role struct {
	AssignmentID string `json:"assignment_id"`
	PersonID     string `json:"person_id"`
	Role         string `json:"role"`
	Unit         string `json:"unit"`
	StartDate    string `json:"start_date"`
	EndDate      string `json:"end_date,omitempty"`
	Source       string `json:"source"`
}

// ForSchool builds a school event.
func ForSchool(typ, tenant string, s domain.School) (events.Envelope, error) {
	return events.New(Source, typ, tenant, s.ID, School{SchoolID: s.ID, Code: s.Code, Unit: s.Unit, Ownership: s.Ownership, Status: s.Status})
}

// ForPerson builds a person event.
func ForPerson(typ, tenant string, p domain.Person) (events.Envelope, error) {
	return events.New(Source, typ, tenant, p.ID, Person{PersonID: p.ID, SchoolID: p.SchoolID})
}

// ForRole builds a role event.
func ForRole(typ, tenant string, r domain.RoleAssignment) (events.Envelope, error) {
	return events.New(Source, typ, tenant, r.ID, Role{AssignmentID: r.ID, PersonID: r.PersonID, Role: r.Role,
		Unit: r.Unit, StartDate: r.StartDate, EndDate: r.EndDate, Source: r.Source})
}

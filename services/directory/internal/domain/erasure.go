package domain

import (
	"slices"
	"time"

	"github.com/google/uuid"
)

// ErasureServices are the services that hold personal data and must confirm an erasure
// before its request is completed: the directory itself and every service that keeps
// names or free text about people. Analytics holds ids and facts only and is not asked.
var ErasureServices = []string{"directory", "recruitment", "plc", "coaching", "accreditation"}

// Erasure request states.
const (
	ErasurePending   = "pending"
	ErasureCompleted = "completed"
)

// ErasureRequest is a lawful request to erase a person's data (a data-protection officer
// records it): the directory publishes it, each service confirms, and it is completed
// once every expected service has.
type ErasureRequest struct {
	ID          string                `json:"id" bson:"_id"`
	PersonID    string                `json:"person_id" bson:"person_id"`
	Status      string                `json:"status" bson:"status"`
	Expected    []string              `json:"expected" bson:"expected"`
	Confirmed   []ErasureConfirmation `json:"confirmed" bson:"confirmed"`
	Pending     []string              `json:"pending" bson:"pending"`
	RequestedBy string                `json:"requested_by" bson:"requested_by"`
	RequestedAt time.Time             `json:"requested_at" bson:"requested_at"`
	CompletedAt *time.Time            `json:"completed_at,omitempty" bson:"completed_at,omitempty"`
}

// ErasureConfirmation is one service's confirmation.
type ErasureConfirmation struct {
	Service     string    `json:"service" bson:"service"`
	Records     int       `json:"records" bson:"records"`
	ConfirmedAt time.Time `json:"confirmed_at" bson:"confirmed_at"`
}

// NewErasureRequest records a request for person by subject (the DPO's token subject).
func NewErasureRequest(person, subject string, now time.Time) ErasureRequest {
	return ErasureRequest{
		ID: uuid.Must(uuid.NewV7()).String(), PersonID: person, Status: ErasurePending,
		Expected: slices.Clone(ErasureServices), Confirmed: []ErasureConfirmation{}, Pending: slices.Clone(ErasureServices),
		RequestedBy: subject, RequestedAt: now,
	}
}

// Confirm records service's confirmation; it reports false when there is nothing to
// change (a redelivered or unexpected confirmation).
func (r *ErasureRequest) Confirm(service string, records int, now time.Time) bool {
	if !slices.Contains(r.Expected, service) || slices.ContainsFunc(r.Confirmed, func(c ErasureConfirmation) bool { return c.Service == service }) {
		return false
	}
	r.Confirmed = append(r.Confirmed, ErasureConfirmation{Service: service, Records: records, ConfirmedAt: now})
	r.Pending = slices.DeleteFunc(r.Pending, func(s string) bool { return s == service })
	if len(r.Pending) == 0 {
		r.Status = ErasureCompleted
		r.CompletedAt = &now
	}
	return true
}

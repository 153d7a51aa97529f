// Package problem is the platform's error vocabulary and its RFC 9457 rendering.
//
// Domain and store code return errors of a Kind (NotFound, Invalid, Conflict, ...); the HTTP
// layer turns any error into a Problem with From, using the one table in this file. An error
// of no Kind is a bug or an outage we did not classify: it becomes a generic 500 whose
// detail never leaks internals (the HTTP layer logs the cause).
package problem

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// ContentType is the media type of problem documents.
const ContentType = "application/problem+json"

// Kind classifies an error for the caller: what went wrong from their point of view.
type Kind int

// The kinds; each maps to one HTTP status in table.
const (
	Internal Kind = iota
	Invalid
	Malformed
	Unauthenticated
	Forbidden
	NotFound
	Conflict
	PreconditionFailed
	PreconditionRequired
	TooLarge
	Unprocessable
	Unavailable
	UnsupportedMediaType
)

type kindInfo struct {
	status int
	slug   string
	title  string
}

// table is the one error-to-status table of the platform.
var table = map[Kind]kindInfo{
	Internal:             {http.StatusInternalServerError, "internal", "Internal server error"},
	Malformed:            {http.StatusBadRequest, "malformed-request", "The request could not be read"},
	Invalid:              {http.StatusBadRequest, "invalid-request", "The request has invalid fields"},
	Unauthenticated:      {http.StatusUnauthorized, "unauthenticated", "Authentication required"},
	Forbidden:            {http.StatusForbidden, "forbidden", "Not allowed"},
	NotFound:             {http.StatusNotFound, "not-found", "Not found"},
	Conflict:             {http.StatusConflict, "conflict", "Conflict with the current state"},
	PreconditionFailed:   {http.StatusPreconditionFailed, "precondition-failed", "The resource was changed by someone else"},
	TooLarge:             {http.StatusRequestEntityTooLarge, "too-large", "Request body too large"},
	UnsupportedMediaType: {http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type"},
	Unprocessable:        {http.StatusUnprocessableEntity, "unprocessable", "The request cannot be processed"},
	PreconditionRequired: {http.StatusPreconditionRequired, "precondition-required", "If-Match header required"},
	Unavailable:          {http.StatusServiceUnavailable, "unavailable", "Service temporarily unavailable"},
}

// TypeBase prefixes the type URI of every problem; the documents under docs/problems explain each.
const TypeBase = "https://l4l.org/problems/"

// FieldError names one bad field (a JSON pointer-like dotted path, a query parameter, or a
// CSV "row 12, column code") and what is wrong with it.
type FieldError struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

// Error is an error with a Kind and a message safe to show to the caller.
type Error struct {
	Kind   Kind
	Detail string
	Fields []FieldError
	// Err is the cause, for logs; never shown to the caller.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Detail)
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "; %s: %s", f.Field, f.Detail)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error of kind k with a caller-safe detail.
func New(k Kind, format string, args ...any) error {
	return &Error{Kind: k, Detail: fmt.Sprintf(format, args...)}
}

// Wrap returns an error of kind k that keeps cause for the logs.
func Wrap(k Kind, cause error, format string, args ...any) error {
	return &Error{Kind: k, Detail: fmt.Sprintf(format, args...), Err: cause}
}

// Fields returns an Invalid error listing every bad field at once.
func Fields(detail string, fields ...FieldError) error {
	return &Error{Kind: Invalid, Detail: detail, Fields: fields}
}

// Field is shorthand for one FieldError.
func Field(field, format string, args ...any) FieldError {
	return FieldError{Field: field, Detail: fmt.Sprintf(format, args...)}
}

// KindOf reports the Kind of err, Internal when it has none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// Is reports whether err is of kind k.
func Is(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type     string       `json:"type"`
	Title    string       `json:"title"`
	Status   int          `json:"status"`
	Detail   string       `json:"detail,omitempty"`
	Instance string       `json:"instance,omitempty"`
	Errors   []FieldError `json:"errors,omitempty"`
}

// From turns any error into the problem document the caller sees.
func From(err error, instance string) Problem {
	var e *Error
	if !errors.As(err, &e) || e.Kind == Internal {
		info := table[Internal]
		return Problem{Type: TypeBase + info.slug, Title: info.title, Status: info.status,
			Detail: "An unexpected error occurred; it has been logged. Retry later or report the request id.", Instance: instance}
	}
	info := table[e.Kind]
	return Problem{Type: TypeBase + info.slug, Title: info.title, Status: info.status,
		Detail: e.Detail, Instance: instance, Errors: e.Fields}
}

// Status returns the HTTP status of kind k.
func (k Kind) Status() int { return table[k].status }

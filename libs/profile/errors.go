package profile

import (
	"fmt"
	"strings"
)

// FieldError is one problem with a profile: the path of the offending field
// ("geography.units[12].parent", "spec.timeZone") and what is wrong with it.
// An empty Field means the document as a whole (e.g. it is not YAML).
//
// +kubebuilder:object:generate=false
type FieldError struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

// String returns "field: detail".
func (e FieldError) String() string {
	if e.Field == "" {
		return e.Detail
	}
	return e.Field + ": " + e.Detail
}

// ValidationError lists every problem found in a profile, so that whoever
// edits one fixes them in a single pass rather than one per attempt. It is
// what [Spec.Validate], [Document.Validate] and the parsing functions return;
// use errors.As to get at the list.
//
// +kubebuilder:object:generate=false
type ValidationError struct {
	Errors []FieldError `json:"errors"`
}

// Error joins the problems into one line.
func (e *ValidationError) Error() string {
	var b strings.Builder
	if len(e.Errors) == 1 {
		b.WriteString("invalid country profile: ")
	} else {
		fmt.Fprintf(&b, "invalid country profile (%d problems): ", len(e.Errors))
	}
	for i, fe := range e.Errors {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(fe.String())
	}
	return b.String()
}

// problems collects FieldErrors while checking a profile.
type problems struct {
	errs []FieldError
}

func (p *problems) add(field, format string, args ...any) {
	p.errs = append(p.errs, FieldError{Field: field, Detail: fmt.Sprintf(format, args...)})
}

// err returns nil when nothing was found, so callers never see a non-nil
// error interface holding an empty list.
func (p *problems) err() error {
	if len(p.errs) == 0 {
		return nil
	}
	return &ValidationError{Errors: p.errs}
}

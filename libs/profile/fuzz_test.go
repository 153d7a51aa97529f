package profile

import (
	"errors"
	"testing"
	"time"
)

// FuzzParse checks that no input makes Parse panic, that every failure is a
// non-empty *ValidationError (what the HTTP layer turns into a problem
// document), and that whatever Parse accepts validates and can be indexed.
func FuzzParse(f *testing.F) {
	// The shipped profiles are not seeds: at ~50 KB each they slow the
	// fuzzer to a crawl, and minimal covers the same structure.
	for _, s := range []string{
		minimal,
		"",
		"null",
		"[]",
		"apiVersion: 1",
		"spec: {geography: {units: [{code: 1}]}}",
		"spec: {roles: [{quota: {count: 1e99}}]}",
		"a: &a [*a, *a]",
		`{"apiVersion": "l4l.org/v1alpha1", "kind": "CountryProfile", "spec": {"country": "no"}}`,
		"metadata: {labels: {a: [1]}}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(data)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Errors) == 0 {
				t.Fatalf("error %T %v is not a non-empty *ValidationError", err, err)
			}
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("Parse accepted a profile that does not validate: %v", err)
		}
		x := NewIndex(s)
		for _, u := range x.Tenants() {
			x.UnitsUnder(u.Code, x.SchoolLevel().Key)
			x.Path(u.Code)
		}
		x.TermOn(time.Now())
	})
}

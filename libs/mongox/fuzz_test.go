package mongox

import (
	"testing"

	"github.com/l4l-platform/l4l/libs/problem"
)

// FuzzCursor: a cursor a client sends is either one this API made (and resumes after the
// same id) or a 400 naming the parameter; never a panic, never an operator smuggled into
// the query.
func FuzzCursor(f *testing.F) {
	f.Add(EncodeCursor("01900000-0000-7000-8000-000000000000"))
	f.Add("eyJhIjp7IiRndCI6IiJ9fQ") // {"a":{"$gt":""}}
	f.Add("!!!")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := DecodeCursor(s)
		if err != nil {
			if p := problem.From(err, "/"); p.Status != 400 {
				t.Fatalf("%q: status %d", s, p.Status)
			}
			return
		}
		if s == "" {
			return // no cursor: the first page
		}
		if id == "" {
			t.Fatalf("%q decoded to an empty id", s)
		}
		if again, err := DecodeCursor(EncodeCursor(id)); err != nil || again != id {
			t.Fatalf("round trip of %q: %q, %v", id, again, err)
		}
	})
}

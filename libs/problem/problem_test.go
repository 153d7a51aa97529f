package problem_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/l4l-platform/l4l/libs/problem"
)

func TestFrom(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantDetail string
		wantFields int
	}{
		{"not found", problem.New(problem.NotFound, "school %q not found", "x"), http.StatusNotFound, `school "x" not found`, 0},
		{"wrapped kind survives", fmt.Errorf("store: %w", problem.New(problem.Conflict, "code taken")), http.StatusConflict, "code taken", 0},
		{"fields", problem.Fields("bad", problem.Field("name", "required"), problem.Field("code", "too long")), http.StatusBadRequest, "bad", 2},
		{"precondition", problem.New(problem.PreconditionFailed, "v2 != v3"), http.StatusPreconditionFailed, "v2 != v3", 0},
		{"unavailable", problem.Wrap(problem.Unavailable, errors.New("dial tcp: refused"), "database unavailable"), http.StatusServiceUnavailable, "database unavailable", 0},
		{"unknown error hides its text", errors.New("mongo: secret internals"), http.StatusInternalServerError, "An unexpected error occurred; it has been logged. Retry later or report the request id.", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := problem.From(tt.err, "/x")
			if p.Status != tt.wantStatus || p.Detail != tt.wantDetail || len(p.Errors) != tt.wantFields {
				t.Fatalf("From() = %+v; want status %d detail %q fields %d", p, tt.wantStatus, tt.wantDetail, tt.wantFields)
			}
			if p.Type == "" || p.Title == "" || p.Instance != "/x" {
				t.Fatalf("incomplete problem %+v", p)
			}
		})
	}
}

func TestEveryKindHasAStatus(t *testing.T) {
	for k := problem.Internal; k <= problem.UnsupportedMediaType; k++ {
		if k.Status() < 400 {
			t.Errorf("kind %d has status %d", k, k.Status())
		}
	}
}

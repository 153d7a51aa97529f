package domain_test

import (
	"testing"
	"time"

	"github.com/l4l-platform/l4l/services/directory/internal/domain"
)

func TestErasureRequestCompletesOnceEveryServiceConfirmed(t *testing.T) {
	now := time.Date(2027, 3, 1, 8, 0, 0, 0, time.UTC)
	r := domain.NewErasureRequest("p", "dpo-1", now)
	if r.Status != domain.ErasurePending || len(r.Pending) != len(domain.ErasureServices) {
		t.Fatalf("new %+v", r)
	}
	for i, svc := range domain.ErasureServices {
		if !r.Confirm(svc, i, now) {
			t.Fatalf("%s's confirmation refused", svc)
		}
		if r.Confirm(svc, i, now) {
			t.Fatalf("%s confirmed twice", svc)
		}
		if done := i == len(domain.ErasureServices)-1; (r.Status == domain.ErasureCompleted) != done || (r.CompletedAt != nil) != done {
			t.Fatalf("after %s: %+v", svc, r)
		}
	}
	if r.Confirm("analytics", 0, now) || len(r.Confirmed) != len(domain.ErasureServices) || len(r.Pending) != 0 {
		t.Fatalf("an unexpected service's confirmation counted: %+v", r)
	}
}

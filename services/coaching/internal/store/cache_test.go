package store

import (
	"testing"
	"time"

	"github.com/l4l-platform/l4l/services/coaching/internal/domain"
)

// The relationships uploads read are reused for a short time, never across a write of
// this process, and never filled by a read that started before such a write.
func TestRelationshipCache(t *testing.T) {
	c := &relationshipCache{tenants: map[string]*cachedRelationships{}}
	r1 := domain.Relationship{ID: "r1", CoachID: "c1"}
	got, missing := c.get("rw-gasabo", []string{"r1"})
	if len(got) != 0 || len(missing) != 1 {
		t.Fatalf("empty cache: %v %v", got, missing)
	}
	c.put("rw-gasabo", time.Now(), map[string]domain.Relationship{"r1": r1})
	if got, missing = c.get("rw-gasabo", []string{"r1", "r2"}); got["r1"].CoachID != "c1" || len(missing) != 1 || missing[0] != "r2" {
		t.Fatalf("after a read: %v %v", got, missing)
	}
	if got, _ = c.get("rw-kicukiro", []string{"r1"}); len(got) != 0 {
		t.Fatal("another tenant's relationships served")
	}

	started := time.Now()
	c.drop() // a relationship was written
	if got, _ = c.get("rw-gasabo", []string{"r1"}); len(got) != 0 {
		t.Fatal("served after a write")
	}
	c.put("rw-gasabo", started, map[string]domain.Relationship{"r1": r1})
	if got, _ = c.get("rw-gasabo", []string{"r1"}); len(got) != 0 {
		t.Fatal("a read that started before the write filled the cache")
	}

	old := &relationshipCache{tenants: map[string]*cachedRelationships{}}
	old.put("rw-gasabo", time.Now().Add(-RelationshipCacheFor-time.Second), map[string]domain.Relationship{"r1": r1})
	if got, _ = old.get("rw-gasabo", []string{"r1"}); len(got) != 0 {
		t.Fatal("served after RelationshipCacheFor")
	}
}

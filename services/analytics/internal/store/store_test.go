package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/l4l-platform/l4l/libs/devstack"
	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/services/analytics/internal/domain"
	"github.com/l4l-platform/l4l/services/analytics/internal/store"
)

func newStore(t *testing.T) *store.Store {
	stack := devstack.ForTest(t)
	client, err := mongox.Connect(stack.MongoURI)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	return &store.Store{Tenants: mongox.NewTenants(client, "analytics", store.Indexes)}
}

func version(i int) domain.Fact {
	t0 := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	return domain.Fact{Type: domain.SchoolUpdated, Subject: "s1", EventID: fmt.Sprintf("id-%03d", i), Time: t0.Add(time.Duration(i) * time.Second),
		Data: []byte(fmt.Sprintf(`{"school_id":"s1","unit":"u%d"}`, i))}
}

// Versions of one fact written in any order, twice, by concurrent writers: the newest stays.
func TestPutKeepsTheNewestWhateverTheOrder(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	order := []int{5, 2, 9, 9, 1, 7, 3, 8, 6, 4, 2, 0}
	var wg sync.WaitGroup
	for _, i := range order {
		wg.Go(func() {
			if _, err := s.Put(ctx, "rw-gasabo", version(i)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	changed, err := s.Put(ctx, "rw-gasabo", version(4))
	if err != nil || changed {
		t.Errorf("an older version changed the fact (%v, %v)", changed, err)
	}
	all, err := s.All(ctx, "rw-gasabo")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 || all[0].EventID != "id-009" || string(all[0].Data) != `{"school_id":"s1","unit":"u9"}` {
		t.Errorf("kept %+v, want version 9 alone", all)
	}
}

// Replace keeps a fact written after the replay began even though the replay lacks it,
// and deletes one written before.
func TestReplaceKeepsWhatArrivedDuringTheReplay(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	old := domain.Fact{Type: domain.SchoolCreated, Subject: "gone", EventID: "a", Time: time.Now(), Data: []byte(`{}`)}
	if _, err := s.Put(ctx, "rw-gasabo", old); err != nil {
		t.Fatal(err)
	}
	began := time.Now().Add(10 * time.Millisecond)
	time.Sleep(20 * time.Millisecond)
	late := domain.Fact{Type: domain.SchoolCreated, Subject: "late", EventID: "b", Time: time.Now(), Data: []byte(`{}`)}
	if _, err := s.Put(ctx, "rw-gasabo", late); err != nil {
		t.Fatal(err)
	}
	replayed := map[string]domain.Fact{version(3).Key(): version(3)}
	n := 0
	if err := s.Replace(ctx, "rw-gasabo", replayed, began, func() { n++ }); err != nil {
		t.Fatal(err)
	}
	all, _ := s.All(ctx, "rw-gasabo")
	var keys []string
	for _, f := range all {
		keys = append(keys, f.Subject)
	}
	if fmt.Sprint(keys) != "[late s1]" || n != 1 {
		t.Errorf("after Replace: %v (progress %d), want [late s1] (1)", keys, n)
	}
}

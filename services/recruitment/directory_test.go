package recruitment_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/l4l-platform/l4l/libs/service/servicetest"
)

// handled counts the directory events the consumer finished with.
func handled(t *testing.T, w *world) float64 {
	t.Helper()
	mfs, err := w.env.Svc.Deps.Metrics.Gather()
	if err != nil {
		t.Fatal(err)
	}
	n := 0.0
	for _, mf := range mfs {
		if mf.GetName() != "l4l_consumer_events_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["group"] == "recruitment-directory" && labels["outcome"] != "dead_lettered" {
				n += m.GetCounter().GetValue()
			}
		}
	}
	return n
}

func waitHandled(t *testing.T, w *world, n float64) {
	t.Helper()
	servicetest.Eventually(t, 30*time.Second, "the consumer handles the directory's events", func() bool { return handled(t, w) >= n })
}

// The read model applies a directory fact only if it is newer than what it holds:
// redelivered and out-of-order events change nothing. Ended assignments end eligibility.
func TestDirectoryReadModel(t *testing.T) {
	w := newWorld(t)
	r := w.mustPost("/campaigns", w.deo, map[string]any{"intake": "2027", "opens_on": w.date(-1), "closes_on": w.date(30), "roles": []string{"lll"}}, 201)
	var c campaignDoc
	r.JSON(t, &c)
	apply := func() int {
		r, _ := w.apply(c.ID, "ht-x")
		return r.Status
	}
	t0 := time.Now().Add(-time.Hour)
	assignment := func(end string) map[string]string {
		return map[string]string{"assignment_id": "as-x", "person_id": "ht-x", "role": "ht", "unit": "X1", "start_date": "2010-01-04", "end_date": end, "source": "manual"}
	}
	w.publish("school.created", "X1", map[string]string{"school_id": "X1", "code": "X1", "unit": "rw-gasabo-remera", "ownership": "public", "status": "open"}, t0)
	w.publish("role.assigned", "as-x", assignment(""), t0.Add(time.Second))
	w.publish("role.updated", "as-x", assignment(w.date(-1)), t0.Add(2*time.Second))
	waitHandled(t, w, 3)
	if s := apply(); s != http.StatusBadRequest {
		t.Fatalf("a head teacher whose assignment ended yesterday applied: %d", s)
	}
	// The older "assigned" event again (a redelivery, or a late partition): still ended.
	w.publish("role.assigned", "as-x", assignment(""), t0.Add(time.Second))
	waitHandled(t, w, 4)
	if s := apply(); s != http.StatusBadRequest {
		t.Fatalf("an older event reopened the ended assignment: %d", s)
	}
	// A newer event reinstates the head teacher.
	w.publish("role.updated", "as-x", assignment(""), t0.Add(3*time.Second))
	waitHandled(t, w, 5)
	if s := apply(); s != http.StatusCreated {
		t.Fatalf("reinstated head teacher: %d", s)
	}

	// Vacancies come from the directory's role assignments: the LLL the directory created
	// for Kacyiru (from a leader.appointed event) fills that sector.
	var v struct{ Items []struct{ Unit string } }
	w.env.Do(servicetest.Request{Method: "GET", Path: base + "/reports/vacancies?role=lll", Token: w.deo}).JSON(t, &v)
	before := len(v.Items)
	w.publish("role.assigned", "as-l", map[string]string{"assignment_id": "as-l", "person_id": "ht-l", "role": "lll", "unit": "rw-gasabo-kacyiru", "start_date": w.date(-10), "source": "recruitment"}, time.Time{})
	waitHandled(t, w, 6)
	w.env.Do(servicetest.Request{Method: "GET", Path: base + "/reports/vacancies?role=lll", Token: w.deo}).JSON(t, &v)
	var units []string
	for _, it := range v.Items {
		units = append(units, it.Unit)
	}
	if before != 15 || len(units) != 14 || slices.Contains(units, "rw-gasabo-kacyiru") || !slices.Contains(units, "rw-gasabo-remera") {
		t.Fatalf("sectors without an LLL: %d before, after %v", before, units)
	}
}

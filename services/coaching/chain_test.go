package coaching_test

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"testing"

	"github.com/l4l-platform/l4l/libs/service/servicetest"
)

// seedRemera publishes n schools of Remera with a head teacher each (ht-1 … ht-n at
// sch-1 … sch-n) and the sector's SEO.
func seedRemera(d *district, n int) {
	d.assign("seo-remera", "seo", remera)
	for i := 1; i <= n; i++ {
		school := fmt.Sprintf("sch-%d", i)
		d.school(school, remera)
		d.assign(fmt.Sprintf("ht-%d", i), "ht", school)
	}
}

func TestChainAssignsSplitsAndReassigns(t *testing.T) {
	env, d := start(t)
	seedRemera(d, 5)
	d.school("k-1", kacyiru)
	d.assign("ht-k1", "ht", "k-1")
	d.assign("seo-kacyiru", "seo", kacyiru)
	lll1 := d.assign("ht-1", "lll", remera) // an LLL is a head teacher too
	d.assign("nll-1", "nll", tenant)

	// The LLL coaches the other head teachers of its sector; Kacyiru has no LLL, so its SEO
	// covers; the NLL coaches the district's LLL.
	want := map[string]string{"ht-2": "ht-1", "ht-3": "ht-1", "ht-4": "ht-1", "ht-5": "ht-1", "ht-k1": "seo-kacyiru"}
	rels := waitFor(t, env, "first assignment", func(r []relationship) bool {
		return maps.Equal(coachOf(r, "lll>ht"), want) && len(r) == 6
	})
	if got := coachOf(rels, "nll>lll"); got["ht-1"] != "nll-1" || len(got) != 1 {
		t.Fatalf("nll>lll coaches %v", got)
	}
	for _, r := range rels {
		wantSource := "auto"
		if r.CoacheeID == "ht-k1" {
			wantSource = "interim"
		}
		if r.Source != wantSource || r.Status != "active" || !slices.Contains(r.Units, tenant) {
			t.Fatalf("relationship %+v", r)
		}
	}

	// A second LLL in the sector: the sector's three other head teachers are split evenly.
	lll2 := d.assign("ht-2", "lll", remera)
	want = map[string]string{"ht-3": "ht-1", "ht-4": "ht-1", "ht-5": "ht-2", "ht-k1": "seo-kacyiru"}
	rels = waitFor(t, env, "split between two LLLs", func(r []relationship) bool {
		return maps.Equal(coachOf(r, "lll>ht"), want) && len(coachOf(r, "nll>lll")) == 2
	})
	// An LLL is not coached by its sector's LLLs as a head teacher: the NLL coaches it.
	if c := coachOf(rels, "lll>ht"); c["ht-1"] != "" || c["ht-2"] != "" {
		t.Fatalf("an LLL is coached as a head teacher by its sector: %v", c)
	}

	// The first LLL leaves: its coachees go to the one still in post, itself included
	// (now a head teacher like the others).
	d.end(lll1, daysAgo(1))
	waitFor(t, env, "reassignment to the remaining LLL", func(r []relationship) bool {
		l := loads(r, "lll>ht")
		return l["ht-2"] == 4 && l["ht-1"] == 0 && coachOf(r, "lll>ht")["ht-1"] == "ht-2"
	})
	// The second leaves too: the SEO covers until a replacement is appointed.
	d.end(lll2, daysAgo(1))
	waitFor(t, env, "the SEO covering", func(r []relationship) bool { return loads(r, "lll>ht")["seo-remera"] == 5 })
	d.assign("ht-3", "lll", remera)
	waitFor(t, env, "the replacement taking over", func(r []relationship) bool {
		c := coachOf(r, "nll>lll")
		return loads(r, "lll>ht")["ht-3"] == 4 && loads(r, "lll>ht")["seo-remera"] == 0 && len(c) == 1 && c["ht-3"] == "nll-1"
	})

	// History stays: ended relationships say why.
	r := env.Do(servicetest.Request{Method: "GET", Path: base + "/relationships?status=ended&coachee_id=ht-4&limit=100", Token: deoToken(env)})
	var ended page[relationship]
	r.JSON(t, &ended)
	reasons := map[string]bool{}
	for _, e := range ended.Items {
		reasons[e.EndReason] = true
	}
	if !reasons["coach_left"] || !reasons["coach_appointed"] {
		t.Fatalf("ended relationships of ht-4: %+v", ended.Items)
	}
}

func TestCaseloadLimitAndOverride(t *testing.T) {
	env, d := start(t)
	seedRemera(d, 10)
	d.assign("ht-1", "lll", remera)
	// Nine head teachers, a limit of eight: the ninth is covered by the SEO.
	rels := waitFor(t, env, "assignment up to the limit: 8 for the LLL and 1 for the SEO", func(r []relationship) bool {
		l := loads(r, "lll>ht")
		return l["ht-1"] == 8 && l["seo-remera"] == 1 && len(r) == 9
	})
	var interim relationship
	for _, r := range rels {
		if r.Source == "interim" {
			interim = r
		}
	}

	// End the SEO's cover by hand: If-Match is required, and a stale one is refused.
	deo := deoToken(env)
	path := base + "/relationships/" + interim.ID
	endBody := map[string]string{"end_date": today()}
	if r := env.Do(servicetest.Request{Method: "PUT", Path: path, Token: deo, Body: endBody}); r.Status != http.StatusPreconditionRequired {
		t.Fatalf("PUT without If-Match: %d", r.Status)
	}
	if r := env.Do(servicetest.Request{Method: "PUT", Path: path, Token: deo, Body: endBody, Header: map[string]string{"If-Match": `"7"`}}); r.Status != http.StatusPreconditionFailed {
		t.Fatalf("PUT with a stale ETag: %d %s", r.Status, r.Body)
	} else {
		r.Problem(t)
	}
	if r := env.Do(servicetest.Request{Method: "PUT", Path: path, Token: deo, Body: endBody, Header: map[string]string{"If-Match": `"1"`}}); r.Status != http.StatusOK || r.Header.Get("ETag") != `"2"` {
		t.Fatalf("end by hand: %d %s", r.Status, r.Body)
	}

	// Assigning the ninth to the LLL by hand is beyond the caseload: 409, also for an SEO
	// who gives a reason; a DEO overrides with a reason.
	manual := map[string]string{"coach_id": "ht-1", "coach_role": "lll", "coachee_id": interim.CoacheeID, "coachee_role": "ht"}
	r := env.Do(servicetest.Request{Method: "POST", Path: base + "/relationships", Token: deo, Body: manual})
	if p := r.Problem(t); r.Status != http.StatusConflict {
		t.Fatalf("beyond the limit: %d %+v", r.Status, p)
	}
	manual["override_reason"] = "the second LLL of Remera is appointed next month"
	seo := token(env, "seo-remera", []string{"seo"}, remera)
	if r := env.Do(servicetest.Request{Method: "POST", Path: base + "/relationships", Token: seo, Body: manual}); r.Status != http.StatusConflict {
		t.Fatalf("an SEO overriding: %d %s", r.Status, r.Body)
	}
	r = env.Do(servicetest.Request{Method: "POST", Path: base + "/relationships", Token: deo, Body: manual})
	if r.Status != http.StatusCreated {
		t.Fatalf("a DEO overriding: %d %s", r.Status, r.Body)
	}
	var made relationship
	r.JSON(t, &made)
	if made.Source != "manual" || made.Override == nil || made.Override.By != "deo-1" {
		t.Fatalf("override not recorded: %+v", made)
	}
	// The coachee has a coach now: a second one in the same link is a conflict.
	manual["coach_id"] = "seo-remera"
	manual["coach_role"] = "lll"
	if r := env.Do(servicetest.Request{Method: "POST", Path: base + "/relationships", Token: deo, Body: manual}); r.Status != http.StatusBadRequest {
		t.Fatalf("an SEO as LLL coach: %d %s", r.Status, r.Body)
	}

	// Bad input names the field; nothing is written.
	bad := map[string]string{"coach_id": "ht-1", "coach_role": "ht", "coachee_id": "ht-2", "coachee_role": "lll"}
	r = env.Do(servicetest.Request{Method: "POST", Path: base + "/relationships", Token: deo, Body: bad})
	if p := r.Problem(t); r.Status != http.StatusBadRequest || p.Errors[0].Field != "coach_role" {
		t.Fatalf("not a link of the chain: %d %+v", r.Status, p)
	}
	// A head teacher may not assign coaches.
	if r := env.Do(servicetest.Request{Method: "POST", Path: base + "/relationships", Token: token(env, "ht-2", []string{"ht"}, "sch-2"), Body: manual}); r.Status != http.StatusForbidden {
		t.Fatalf("a head teacher assigning: %d", r.Status)
	}
	if n := len(active(t, env)); n != 9 {
		t.Fatalf("%d active relationships, want 9", n)
	}
}

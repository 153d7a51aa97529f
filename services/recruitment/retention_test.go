package recruitment_test

import (
	"context"
	"maps"
	"net/http"
	"testing"
	"time"

	"github.com/l4l-platform/l4l/libs/privacy"
	"github.com/l4l-platform/l4l/libs/service/servicetest"
)

// Rejected applications live as long as the profile says (Rwanda: 2 years), counted from
// the campaign's ranking or the withdrawal: none is removed today or a minute before the
// lifetime has passed; after it, exactly the declined, the screened-out and the withdrawn
// are; the appointed leader's application stays, and the campaign's funnel is unchanged.
func TestRetentionRemovesRejectedApplications(t *testing.T) {
	w := newWorld(t)
	w.district()
	start := time.Now().UTC()
	c := w.campaign(nil)
	later := w.campaign(map[string]any{"intake": "2028"})
	w.waitFor("ht-r1", "ht-r2", "ht-r3", "ht-k2")
	cp := "/campaigns/" + c.ID

	_, declined := w.apply(c.ID, "ht-r1")
	_, appointed := w.apply(c.ID, "ht-r2")
	_, screenedOut := w.apply(c.ID, "ht-r3")
	_, withdrawn := w.apply(later.ID, "ht-k2")
	if declined.ID == "" || appointed.ID == "" || screenedOut.ID == "" || withdrawn.ID == "" || screenedOut.Screening.Eligible {
		t.Fatalf("applications: %+v %+v %+v %+v", declined, appointed, screenedOut, withdrawn)
	}
	w.mustPost("/campaigns/"+later.ID+"/applications/"+withdrawn.ID+"/withdrawal", w.htTok, nil, 200)
	w.assess(c.ID, declined.ID, map[string]map[string]int{"deo": levels(4), "seo-k": levels(4), "nll-1": levels(4)})
	w.assess(c.ID, appointed.ID, map[string]map[string]int{"deo": levels(3), "seo-k": levels(3), "nll-1": levels(3)})
	w.mustPost(cp+"/ranking", w.deo, nil, 200)
	var offers struct {
		Offers []struct{ ID string }
	}
	w.mustPost(cp+"/offers", w.deo, nil, 200).JSON(t, &offers)
	var next struct{ Next struct{ ID string } }
	w.mustPost(cp+"/offers/"+offers.Offers[0].ID+"/decline", w.htTok, nil, 200).JSON(t, &next)
	w.mustPost(cp+"/offers/"+next.Next.ID+"/acceptance", w.htTok, map[string]string{"start_date": w.date(7)}, 200)
	end := time.Now().UTC()
	funnel := func() map[string]int {
		var f map[string]int
		w.env.Do(servicetest.Request{Method: "GET", Path: base + cp + "/funnel", Token: w.deo}).JSON(t, &f)
		return f
	}
	before := funnel()
	if want := map[string]int{"applied": 3, "eligible": 2, "assessed": 2, "ranked": 2, "offered": 2, "appointed": 1}; !maps.Equal(before, want) {
		t.Fatalf("funnel %v, want %v", before, want)
	}

	job := w.env.Svc.Retention
	removedAt := func(clock time.Time) int64 {
		t.Helper()
		job.SetClock(func() time.Time { return clock })
		report, err := job.RunOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return report[tenant]["rejected_applications"]
	}
	if n := removedAt(time.Now()); n != 0 {
		t.Fatalf("today the job removed %d rejected applications", n)
	}
	if n := removedAt(start.AddDate(2, 0, 0).Add(-time.Minute)); n != 0 {
		t.Fatalf("a minute before two years had passed, the job removed %d rejected applications", n)
	}

	// Two years and a minute after the last of them ended, the DPO runs the job.
	job.SetClock(func() time.Time { return end.AddDate(2, 0, 0).Add(time.Minute) })
	dpo := w.env.Token([]string{"dpo"}, tenant, "")
	r := w.env.Do(servicetest.Request{Method: "POST", Path: base + privacy.RetentionRoute("recruitment"), Token: dpo})
	if r.Status != http.StatusCreated {
		t.Fatalf("run now: %d %s", r.Status, r.Body)
	}
	var run privacy.RetentionRun
	r.JSON(t, &run)
	var rule *privacy.RuleOutcome
	for i := range run.Rules {
		if run.Rules[i].Record == "rejected_applications" {
			rule = &run.Rules[i]
		}
	}
	if rule == nil || rule.Removed != 3 || rule.Keep != "2y" || rule.Source != "profile" || rule.Outcome != privacy.RunOK {
		t.Fatalf("report: %s", r.Body)
	}
	status := func(campaign, app string) int {
		return w.env.Do(servicetest.Request{Method: "GET", Path: base + "/campaigns/" + campaign + "/applications/" + app, Token: w.deo}).Status
	}
	for name, a := range map[string][2]string{"declined": {c.ID, declined.ID}, "screened out": {c.ID, screenedOut.ID}, "withdrawn": {later.ID, withdrawn.ID}} {
		if s := status(a[0], a[1]); s != http.StatusNotFound {
			t.Errorf("the %s application answers %d after its lifetime", name, s)
		}
	}
	if s := status(c.ID, appointed.ID); s != http.StatusOK {
		t.Fatalf("the appointed leader's application answers %d", s)
	}
	if after := funnel(); !maps.Equal(after, before) {
		t.Fatalf("funnel after retention %v, want it unchanged %v", after, before)
	}
	// The reports list the runs, the DPO's last; today's report itself had outlived its
	// own two years by then and was removed by that run.
	var page struct {
		Items []privacy.RetentionRun `json:"items"`
	}
	w.env.Do(servicetest.Request{Method: "GET", Path: base + privacy.RetentionRoute("recruitment"), Token: dpo}).JSON(t, &page)
	if len(page.Items) != 2 || page.Items[1].ID != run.ID || page.Items[1].Trigger != privacy.TriggerRequest {
		t.Fatalf("runs: %+v", page.Items)
	}
}

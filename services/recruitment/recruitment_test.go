package recruitment_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/service/servicetest"
)

// The whole selection of a Remera LLL: apply → screen → assess and score → moderation →
// rank → offer → decline → next on the reserve → accept → induct → exit, with the events
// a directory and integrators read.
func TestSelectionWalk(t *testing.T) {
	w := newWorld(t)
	w.district()
	c := w.campaign(nil)
	w.waitFor("ht-r1", "ht-r2", "ht-r3")
	cp := "/campaigns/" + c.ID

	r, a1 := w.apply(c.ID, "ht-r1")
	if r.Status != 201 || !a1.Screening.Eligible || a1.Position != "lll:rw-gasabo-remera" {
		t.Fatalf("apply ht-r1: %d %s", r.Status, r.Body)
	}
	_, a2 := w.apply(c.ID, "ht-r2")
	r, a3 := w.apply(c.ID, "ht-r3")
	if r.Status != 201 || a3.Screening.Eligible || a3.Screening.Rules[0].Passed || !strings.Contains(a3.Screening.Rules[0].Reason, "at least 3") {
		t.Fatalf("a head teacher of a few weeks: %d %s", r.Status, r.Body)
	}
	if r, _ := w.apply(c.ID, "ht-r1"); r.Status != http.StatusConflict {
		t.Fatalf("second application of ht-r1: %d %s", r.Status, r.Body)
	}

	w.assess(c.ID, a1.ID, map[string]map[string]int{"deo": levels(3), "seo-k": levels(3), "nll-1": levels(4)})
	split := levels(3)
	split["openness"] = 1
	w.assess(c.ID, a2.ID, map[string]map[string]int{"deo": levels(3), "seo-k": split, "nll-1": levels(3)})
	// ht-r2's openness is 1 against 3: flagged, so ranking is blocked, naming the application.
	r = w.post(cp+"/ranking", w.deo, nil)
	if p := r.Problem(t); r.Status != http.StatusConflict || len(p.Errors) != 1 || p.Errors[0].Field != "applications."+a2.ID || !strings.Contains(p.Errors[0].Detail, "openness") {
		t.Fatalf("ranking with an open flag: %d %+v", r.Status, p)
	}
	w.mustPost(cp+"/applications/"+a2.ID+"/moderations", w.deo, map[string]string{"criterion": "openness", "justification": "Evidence from teachers supports the lower score."}, 200)

	r = w.mustPost(cp+"/ranking", w.deo, nil, 200)
	var ranking struct {
		Positions []struct {
			Position string
			Ranked   []struct {
				ApplicationID string  `json:"application_id"`
				Rank          int     `json:"rank"`
				Score         float64 `json:"score"`
			}
			Reserve []string
		}
	}
	r.JSON(t, &ranking)
	var remera []string
	for _, p := range ranking.Positions {
		if p.Position == "lll:rw-gasabo-remera" {
			for _, x := range p.Ranked {
				remera = append(remera, x.ApplicationID)
			}
			if !slices.Equal(p.Reserve, []string{a2.ID}) {
				t.Fatalf("reserve list %v, want ht-r2's application", p.Reserve)
			}
		}
	}
	if !slices.Equal(remera, []string{a1.ID, a2.ID}) {
		t.Fatalf("Remera ranking %v, want ht-r1 then ht-r2 (the ineligible ht-r3 left out)", remera)
	}
	if r, _ := w.apply(c.ID, "ht-k2"); r.Status != http.StatusConflict {
		t.Fatalf("applying after ranking: %d", r.Status)
	}

	r = w.post(cp+"/offers", w.deo, map[string]string{"application_id": a3.ID})
	if p := r.Problem(t); r.Status != http.StatusConflict || !strings.Contains(p.Detail, "not eligible") {
		t.Fatalf("offer to the ineligible ht-r3: %d %+v", r.Status, p)
	}
	r = w.post(cp+"/offers", w.deo, map[string]string{"application_id": a2.ID})
	if p := r.Problem(t); r.Status != http.StatusConflict || !strings.Contains(p.Detail, "not next in rank order") {
		t.Fatalf("offer to ht-r2 over ht-r1: %d %+v", r.Status, p)
	}
	var offers struct {
		Offers []struct {
			ID            string `json:"id"`
			ApplicationID string `json:"application_id"`
		}
	}
	w.mustPost(cp+"/offers", w.deo, nil, 200).JSON(t, &offers)
	if len(offers.Offers) != 1 || offers.Offers[0].ApplicationID != a1.ID {
		t.Fatalf("offers %+v, want one to ht-r1", offers)
	}
	var declined struct {
		Next struct {
			ID            string `json:"id"`
			ApplicationID string `json:"application_id"`
		}
	}
	w.mustPost(cp+"/offers/"+offers.Offers[0].ID+"/decline", w.htTok, nil, 200).JSON(t, &declined)
	if declined.Next.ApplicationID != a2.ID {
		t.Fatalf("after the decline, the reserve's ht-r2 should be offered: %+v", declined)
	}
	var ap struct {
		ID, Role, Unit, Status string
		PersonID               string `json:"person_id"`
	}
	w.mustPost(cp+"/offers/"+declined.Next.ID+"/acceptance", w.htTok, map[string]string{"start_date": w.date(7)}, 200).JSON(t, &ap)
	if ap.PersonID != "ht-r2" || ap.Role != "lll" || ap.Unit != "rw-gasabo-remera" || ap.Status != "appointed" {
		t.Fatalf("appointment %+v", ap)
	}
	w.mustPost(cp+"/appointments/"+ap.ID+"/induction", w.deo, map[string]string{"date": w.date(10)}, 200)
	var exit struct {
		Appointment struct{ Status string }
		Replacement *struct{ ID string }
	}
	w.mustPost(cp+"/appointments/"+ap.ID+"/exit", w.deo, map[string]string{"end_date": w.date(200), "reason": "transferred"}, 200).JSON(t, &exit)
	if exit.Appointment.Status != "exited" || exit.Replacement != nil {
		t.Fatalf("exit with an empty reserve: %+v", exit)
	}
	r = w.env.Do(servicetest.Request{Method: "GET", Path: base + cp, Token: w.deo})
	var after campaignDoc
	r.JSON(t, &after)
	for _, p := range after.Positions {
		if p.Key == "lll:rw-gasabo-remera" && (p.Open != 1 || p.Appointed != 0) {
			t.Fatalf("Remera after the exit with no reserve left: %+v (the place is open for the next campaign)", p)
		}
	}

	var funnel map[string]int
	w.env.Do(servicetest.Request{Method: "GET", Path: base + cp + "/funnel", Token: w.deo}).JSON(t, &funnel)
	want := map[string]int{"applied": 3, "eligible": 2, "assessed": 2, "ranked": 2, "offered": 2, "appointed": 1}
	for k, v := range want {
		if funnel[k] != v {
			t.Fatalf("funnel %v, want %v", funnel, want)
		}
	}
	r = w.env.Do(servicetest.Request{Method: "GET", Path: base + cp + "/ranking.csv", Token: w.deo})
	rows, err := csv.NewReader(strings.NewReader(string(r.Body))).ReadAll()
	if err != nil || r.Status != 200 || len(rows) != 3 || rows[1][3] != a1.ID || rows[1][len(rows[1])-1] != "offer_declined" || rows[2][len(rows[2])-1] != "exited" {
		t.Fatalf("CSV %d %v: %q", r.Status, err, rows)
	}

	seen := recruitmentEvents(t, w, 12)
	for _, typ := range []string{"campaign.opened", "campaign.closed", "application.submitted", "application.screened", "assessment.recorded",
		"score.recorded", "candidates.ranked", "offer.made", "offer.declined", "leader.appointed", "leader.inducted", "leader.exited"} {
		if len(seen["org.l4l.recruitment."+typ+".v1"]) == 0 {
			t.Errorf("no %s event", typ)
		}
	}
	var appointed map[string]string
	_ = json.Unmarshal(seen["org.l4l.recruitment.leader.appointed.v1"][0].Data, &appointed)
	if appointed["appointment_id"] != ap.ID || appointed["person_id"] != "ht-r2" || appointed["unit"] != "rw-gasabo-remera" || appointed["start_date"] != w.date(7) {
		t.Fatalf("leader.appointed %v", appointed)
	}
}

// recruitmentEvents reads the recruitment topic until it holds at least n event types,
// checking each event against its schema.
func recruitmentEvents(t *testing.T, w *world, n int) map[string][]events.Envelope {
	t.Helper()
	rd := kafka.NewReader(kafka.ReaderConfig{Brokers: w.env.Stack.KafkaBrokers, Topic: events.Topic("recruitment"),
		GroupID: "test-" + t.Name(), StartOffset: kafka.FirstOffset, MaxWait: 100 * time.Millisecond,
		HeartbeatInterval: 100 * time.Millisecond, JoinGroupBackoff: 100 * time.Millisecond,
		SessionTimeout: time.Second, RebalanceTimeout: 2 * time.Second})
	defer rd.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	seen := map[string][]events.Envelope{}
	for len(seen) < n {
		m, err := rd.FetchMessage(ctx)
		if err != nil {
			t.Fatalf("after %d event types: %v", len(seen), err)
		}
		servicetest.ValidateEvent(t, "api/events", m.Value)
		e, err := events.FromMessage(m)
		if err != nil {
			t.Fatal(err)
		}
		if e.Tenant != tenant || string(m.Key) != tenant+"/"+e.Subject {
			t.Fatalf("event %s keyed %s", e.Type, m.Key)
		}
		seen[e.Type] = append(seen[e.Type], e)
	}
	return seen
}

package coaching_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/service/servicetest"
)

type plan struct {
	ID             string `json:"id"`
	Status         string `json:"status"`
	CurrentVersion int    `json:"current_version"`
	HeadTeacherID  string `json:"head_teacher_id"`
	Versions       []struct {
		Number int    `json:"number"`
		Status string `json:"status"`
	} `json:"versions"`
	Reviews []struct {
		Decision                 string `json:"decision"`
		ReviewerRole             string `json:"reviewer_role"`
		MeetsQualityAndInclusion bool   `json:"meets_quality_and_inclusion"`
	} `json:"reviews"`
	SelfReviews []struct {
		Term   string `json:"term"`
		Behind int    `json:"behind"`
	} `json:"self_reviews"`
}

// planBody is sch-2's plan for 2026-2027; its text must never reach an event.
func planBody() map[string]any {
	return map[string]any{
		"school_id": "sch-2", "school_year": "2026-2027",
		"priorities": []map[string]any{
			{"key": "p3_reading", "title": "Raise P3 reading in English", "areas": []string{"leading_learning"}, "learning_outcomes": []string{"english"}},
			{"key": "p4_maths", "title": "Number sense in P4", "areas": []string{"leading_teaching"}, "learning_outcomes": []string{"mathematics"}},
		},
		"actions": []map[string]any{
			{"key": "reading_club", "priority": "p3_reading", "description": "Daily reading club run by volunteers", "owner": "Deputy head teacher", "due": "2027-03-26"},
			{"key": "maths_cpd", "priority": "p4_maths", "description": "Fortnightly maths CPD", "owner": "Maths lead teacher", "start": "2026-09-14", "due": "2027-07-02"},
		},
		"targets": []map[string]any{
			{"key": "p3_fluency", "priority": "p3_reading", "description": "P3 pupils reading 40 words a minute", "subject": "english", "baseline": 38, "value": 60, "by": "2027-07-09"},
		},
		"inclusion": map[string]any{
			"learners_with_disabilities": "Ramps and large-print readers",
			"girls":                      "Girls' reading mentors",
			"dropout_risk":               "Home visits after three absences",
			"dropout_identification":     "Attendance register reviewed monthly by the class teachers",
		},
	}
}

var planCriteria = []string{"learning_focus", "uses_data", "measurable_targets", "owned_actions", "resources", "monitoring", "learners_with_disabilities", "girls", "dropout_risk"}

func criteria(notMet ...string) []map[string]string {
	var out []map[string]string
	for _, k := range planCriteria {
		r := "met"
		for _, n := range notMet {
			if n == k {
				r = "not_met"
			}
		}
		out = append(out, map[string]string{"key": k, "rating": r})
	}
	return out
}

// planDate is a date of the plan's school year that is not in the future: the profile's
// calendar holds 2026-2027 only.
func planDate() string {
	if d := today(); d < "2027-07-09" {
		return d
	}
	return "2027-07-09"
}

// TestPlanWalk is the walk: a head teacher submits the school's plan, the coach
// asks for changes, a stale ETag is refused, the head teacher resubmits, the SEO
// approves, the school records its self-review, and the next visit sees it all; each
// bad-input rule is refused with a clear 4xx and changes nothing.
func TestPlanWalk(t *testing.T) {
	env, _ := coachingScenario(t)
	ht2 := token(env, "ht-2", []string{"ht"}, "sch-2")
	ht3 := token(env, "ht-3", []string{"ht"}, "sch-3")
	lll := token(env, "ht-1", []string{"lll", "ht"}, remera) // coaches ht-2
	seo := token(env, "seo-remera", []string{"seo"}, remera)
	seoK := token(env, "seo-kacyiru", []string{"seo"}, kacyiru)
	ht2SEO := token(env, "ht-2", []string{"ht", "seo"}, "")  // a head teacher who also holds a reviewer role
	field := token(env, "fs-1", []string{"field_staff"}, "") // sees the whole district, reviews nothing

	do := func(method, path, tok string, body any, header map[string]string) *servicetest.Response {
		return env.Do(servicetest.Request{Method: method, Path: base + path, Token: tok, Body: body, Header: header})
	}
	wantProblem := func(r *servicetest.Response, status int, field string) {
		t.Helper()
		if r.Status != status {
			t.Fatalf("want %d, got %d %s", status, r.Status, r.Body)
		}
		p := r.Problem(t)
		if field != "" && (len(p.Errors) != 1 || p.Errors[0].Field != field) {
			t.Fatalf("want the field %s named, got %+v", field, p)
		}
	}

	// Submitting: only the school's head teacher; bad fields named.
	wantProblem(do("POST", "/plans", ht3, planBody(), nil), http.StatusForbidden, "")
	bad := planBody()
	bad["school_year"] = "2019-2020"
	wantProblem(do("POST", "/plans", ht2, bad, nil), http.StatusBadRequest, "school_year")
	bad = planBody()
	bad["school_id"] = "nowhere"
	wantProblem(do("POST", "/plans", ht2, bad, nil), http.StatusBadRequest, "school_id")
	bad = planBody()
	bad["inclusion"].(map[string]any)["girls"] = ""
	wantProblem(do("POST", "/plans", ht2, bad, nil), http.StatusBadRequest, "inclusion.girls")

	key := map[string]string{"Idempotency-Key": "sip-sch-2-2026"}
	r := do("POST", "/plans", ht2, planBody(), key)
	if r.Status != http.StatusCreated || r.Header.Get("ETag") != `"1"` {
		t.Fatalf("submit: %d %s", r.Status, r.Body)
	}
	var p plan
	r.JSON(t, &p)
	if p.Status != "submitted" || p.CurrentVersion != 0 || p.HeadTeacherID != "ht-2" {
		t.Fatalf("plan %+v", p)
	}
	var again plan
	if r := do("POST", "/plans", ht2, planBody(), key); r.Status != http.StatusCreated {
		t.Fatalf("replayed submit: %d", r.Status)
	} else if r.JSON(t, &again); again.ID != p.ID {
		t.Fatalf("the replay made another plan: %s", again.ID)
	}
	r = do("POST", "/plans", ht2, planBody(), nil)
	wantProblem(r, http.StatusConflict, "")
	if !strings.Contains(r.Problem(t).Detail, p.ID) {
		t.Fatalf("the conflict does not name the plan: %s", r.Body)
	}

	path := "/plans/" + p.ID
	etag := func(want string) {
		t.Helper()
		r := do("GET", path, ht2, nil, nil)
		if r.Status != http.StatusOK || r.Header.Get("ETag") != want {
			t.Fatalf("GET plan: %d ETag %s, want %s", r.Status, r.Header.Get("ETag"), want)
		}
	}
	v1 := map[string]string{"If-Match": `"1"`}
	changes := map[string]any{"version": 1, "decision": "request_changes", "criteria": criteria("dropout_risk"), "comment": "Say how at-risk children are followed up"}

	// Reviewing: only the head teacher's coach or an SEO of the sector, never the head
	// teacher; every rule refused changes nothing.
	wantProblem(do("POST", path+"/reviews", field, changes, v1), http.StatusForbidden, "")
	// A token narrowed to another school or sector does not even see the plan.
	wantProblem(do("POST", path+"/reviews", ht3, changes, v1), http.StatusNotFound, "")
	wantProblem(do("POST", path+"/reviews", seoK, changes, v1), http.StatusNotFound, "")
	wantProblem(do("POST", path+"/reviews", ht2, changes, v1), http.StatusForbidden, "")
	wantProblem(do("POST", path+"/reviews", ht2SEO, changes, v1), http.StatusForbidden, "")
	wantProblem(do("POST", path+"/reviews", lll, changes, nil), http.StatusPreconditionRequired, "")
	unknown := map[string]any{"version": 1, "decision": "request_changes", "criteria": append(criteria(), map[string]string{"key": "beauty", "rating": "met"}), "comment": "x"}
	wantProblem(do("POST", path+"/reviews", lll, unknown, v1), http.StatusBadRequest, "criteria[9].key")
	below := map[string]any{"version": 1, "decision": "approve", "criteria": criteria("girls")}
	wantProblem(do("POST", path+"/reviews", lll, below, v1), http.StatusBadRequest, "decision")
	noComment := map[string]any{"version": 1, "decision": "request_changes", "criteria": criteria("girls")}
	wantProblem(do("POST", path+"/reviews", lll, noComment, v1), http.StatusBadRequest, "comment")
	selfReview := map[string]any{"date": planDate(), "items": []map[string]string{{"ref": "reading_club", "status": "on_track", "evidence": "Club runs daily"}, {"ref": "p3_fluency", "status": "behind"}}}
	wantProblem(do("POST", path+"/self-reviews", ht2, selfReview, nil), http.StatusConflict, "") // nothing approved yet
	etag(`"1"`)

	// The coach asks for changes.
	r = do("POST", path+"/reviews", lll, changes, v1)
	if r.Status != http.StatusOK || r.Header.Get("ETag") != `"2"` {
		t.Fatalf("request changes: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &p)
	if p.Status != "changes_requested" || len(p.Reviews) != 1 || p.Reviews[0].ReviewerRole != "lll" || p.Reviews[0].MeetsQualityAndInclusion {
		t.Fatalf("after changes requested %+v", p)
	}

	// A resubmission against the ETag it read before the review is refused.
	content := planBody()
	delete(content, "school_id")
	delete(content, "school_year")
	content["inclusion"].(map[string]any)["dropout_risk"] = "Home visits after three absences; a monthly list reviewed with the school committee"
	wantProblem(do("POST", path+"/versions", ht2, content, v1), http.StatusPreconditionFailed, "")
	wantProblem(do("POST", path+"/versions", field, content, map[string]string{"If-Match": `"2"`}), http.StatusForbidden, "")
	etag(`"2"`)
	r = do("POST", path+"/versions", ht2, content, map[string]string{"If-Match": `"2"`})
	if r.Status != http.StatusOK || r.Header.Get("ETag") != `"3"` {
		t.Fatalf("resubmit: %d %s", r.Status, r.Body)
	}

	// The SEO approves version 2.
	approve := map[string]any{"version": 2, "decision": "approve", "criteria": criteria()}
	r = do("POST", path+"/reviews", seo, approve, map[string]string{"If-Match": `"3"`})
	if r.Status != http.StatusOK {
		t.Fatalf("approve: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &p)
	if p.Status != "approved" || p.CurrentVersion != 2 || p.Versions[0].Status != "changes_requested" || !p.Reviews[1].MeetsQualityAndInclusion {
		t.Fatalf("approved %+v", p)
	}

	// The school's self-review: its head teacher only, once per term.
	wantProblem(do("POST", path+"/self-reviews", lll, selfReview, nil), http.StatusForbidden, "")
	badRef := map[string]any{"date": planDate(), "items": []map[string]string{{"ref": "ghost", "status": "done"}}}
	wantProblem(do("POST", path+"/self-reviews", ht2, badRef, nil), http.StatusBadRequest, "items[0].ref")
	r = do("POST", path+"/self-reviews", ht2, selfReview, nil)
	if r.Status != http.StatusCreated {
		t.Fatalf("self-review: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &p)
	if len(p.SelfReviews) != 1 || p.SelfReviews[0].Behind != 1 || p.SelfReviews[0].Term == "" {
		t.Fatalf("self-review %+v", p.SelfReviews)
	}
	wantProblem(do("POST", path+"/self-reviews", ht2, selfReview, nil), http.StatusConflict, "")
	etag(`"5"`) // submitted, changes requested, resubmitted, approved, self-reviewed: nothing more
	if r := do("GET", path, ht2, nil, nil); !strings.Contains(string(r.Body), `"self_reviews":[{`) || strings.Count(string(r.Body), `"term":`) != 1 {
		t.Fatalf("one self-review: %s", r.Body)
	}

	// The drop-out-risk check at the visit, by the coach.
	yes := true
	check := map[string]any{"school_id": "sch-2", "date": planDate(), "criteria": []map[string]any{
		{"key": "at_risk_list", "met": yes}, {"key": "reviewed_monthly", "met": yes}, {"key": "family_follow_up", "met": yes, "note": "Two families visited"}}}
	wantProblem(do("POST", "/risk-checks", ht3, check, nil), http.StatusForbidden, "")
	withSession := map[string]any{}
	for k, v := range check {
		withSession[k] = v
	}
	withSession["session_id"] = newID()
	wantProblem(do("POST", "/risk-checks", lll, withSession, nil), http.StatusBadRequest, "session_id")
	r = do("POST", "/risk-checks", lll, check, nil)
	if r.Status != http.StatusCreated {
		t.Fatalf("risk check: %d %s", r.Status, r.Body)
	}

	// What the next visit sees.
	var view struct {
		Status           string    `json:"status"`
		CurrentVersion   int       `json:"current_version"`
		Current          *struct{} `json:"current"`
		LatestSelfReview *struct{} `json:"latest_self_review"`
		RiskCheck        *struct {
			HasSystem bool `json:"has_system"`
		} `json:"risk_check"`
	}
	r = do("GET", "/schools/sch-2/plan", lll, nil, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("visit view: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &view)
	if view.Status != "approved" || view.CurrentVersion != 2 || view.Current == nil || view.LatestSelfReview == nil || view.RiskCheck == nil || !view.RiskCheck.HasSystem {
		t.Fatalf("visit view %s", r.Body)
	}
	wantProblem(do("GET", "/schools/sch-2/plan", seoK, nil, nil), http.StatusNotFound, "")
	if r := do("GET", "/schools/sch-3/plan", lll, nil, nil); r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"status":"none"`) {
		t.Fatalf("a school without a plan: %d %s", r.Status, r.Body)
	}

	// The events: schema-valid, ids and facts only, with the KPIs' facts.
	reader := kafka.NewReader(kafka.ReaderConfig{Brokers: env.Stack.KafkaBrokers, Topic: events.Topic("coaching"),
		GroupID: "plans-test", StartOffset: kafka.FirstOffset, MaxWait: 100 * time.Millisecond,
		HeartbeatInterval: 100 * time.Millisecond, JoinGroupBackoff: 100 * time.Millisecond,
		SessionTimeout: time.Second, RebalanceTimeout: 2 * time.Second})
	defer reader.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	counts := map[string]int{}
	reviewed := map[string]bool{} // decision → meets_quality_and_inclusion
	for counts["org.l4l.coaching.riskcheck.recorded.v1"] == 0 || counts["org.l4l.coaching.selfreview.recorded.v1"] == 0 || counts["org.l4l.coaching.plan.approved.v1"] == 0 {
		m, err := reader.FetchMessage(ctx)
		if err != nil {
			t.Fatalf("after %v: %v", counts, err)
		}
		servicetest.ValidateEvent(t, "api/events", m.Value)
		e, err := events.FromMessage(m)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(e.Type, ".plan.") && !strings.Contains(e.Type, "selfreview") && !strings.Contains(e.Type, "riskcheck") {
			continue
		}
		if string(m.Key) != tenant+"/"+e.Subject {
			t.Fatalf("key %s subject %s", m.Key, e.Subject)
		}
		if containsAny(string(e.Data), "reading club", "Deputy", "Home visits", "Two families", "at-risk children", "Club runs") {
			t.Fatalf("free text in an event: %s", e.Data)
		}
		counts[e.Type]++
		var d struct {
			Decision  string `json:"decision"`
			Meets     bool   `json:"meets_quality_and_inclusion"`
			HasSystem bool   `json:"has_system"`
			Unit      string `json:"unit"`
			Focused   bool   `json:"focused_on_learning"`
		}
		if err := e.DecodeData(&d); err != nil {
			t.Fatal(err)
		}
		if d.Unit != remera {
			t.Fatalf("%s unit %q", e.Type, d.Unit)
		}
		switch e.Type {
		case "org.l4l.coaching.plan.reviewed.v1":
			reviewed[d.Decision] = d.Meets
		case "org.l4l.coaching.plan.approved.v1":
			if !d.Focused {
				t.Fatalf("plan.approved %s", e.Data)
			}
		case "org.l4l.coaching.riskcheck.recorded.v1":
			if !d.HasSystem {
				t.Fatalf("riskcheck.recorded %s", e.Data)
			}
		}
	}
	if counts["org.l4l.coaching.plan.submitted.v1"] != 2 || counts["org.l4l.coaching.plan.reviewed.v1"] != 2 {
		t.Fatalf("events %v", counts)
	}
	if meets, ok := reviewed["request_changes"]; !ok || meets || !reviewed["approve"] {
		t.Fatalf("plan.reviewed facts %v", reviewed)
	}
}

// TestRiskChecks: a check linked to the visit's session, a client-made id that makes a
// retried upload a 409 rather than a second record, and lists scoped to the caller.
func TestRiskChecks(t *testing.T) {
	env, rel := coachingScenario(t)
	lll := token(env, "ht-1", []string{"lll", "ht"}, remera)
	seoK := token(env, "seo-kacyiru", []string{"seo"}, kacyiru)
	field := token(env, "fs-1", []string{"field_staff"}, "")

	r := env.Do(servicetest.Request{Method: "POST", Path: base + "/coaching-sessions", Token: lll, Body: map[string]any{
		"relationship_id": rel["ht-2"], "date": planDate(), "mode": "school_visit", "duration_minutes": 60, "focus_areas": []string{"school_direction"}}})
	if r.Status != http.StatusCreated {
		t.Fatalf("visit: %d %s", r.Status, r.Body)
	}
	var visit session
	r.JSON(t, &visit)
	no := false
	answers := func(met bool) []map[string]any {
		return []map[string]any{{"key": "at_risk_list", "met": true}, {"key": "reviewed_monthly", "met": met}, {"key": "family_follow_up", "met": true}}
	}
	id := newID()
	check := map[string]any{"id": id, "school_id": "sch-2", "date": planDate(), "session_id": visit.ID, "criteria": answers(no)}
	r = env.Do(servicetest.Request{Method: "POST", Path: base + "/risk-checks", Token: lll, Body: check})
	if r.Status != http.StatusCreated || r.Header.Get("Location") != base+"/risk-checks/"+id {
		t.Fatalf("check: %d %s %s", r.Status, r.Header.Get("Location"), r.Body)
	}
	var c struct {
		HasSystem    bool   `json:"has_system"`
		CriteriaMet  int    `json:"criteria_met"`
		RecorderRole string `json:"recorder_role"`
		SessionID    string `json:"session_id"`
	}
	r.JSON(t, &c)
	if c.HasSystem || c.CriteriaMet != 2 || c.RecorderRole != "lll" || c.SessionID != visit.ID {
		t.Fatalf("a list not reviewed monthly is no system: %+v", c)
	}
	if r := env.Do(servicetest.Request{Method: "POST", Path: base + "/risk-checks", Token: lll, Body: check}); r.Status != http.StatusConflict {
		t.Fatalf("the same check again: %d %s", r.Status, r.Body)
	}
	// The session must be at the school checked.
	elsewhere := map[string]any{"school_id": "sch-3", "date": planDate(), "session_id": visit.ID, "criteria": answers(true)}
	if r := env.Do(servicetest.Request{Method: "POST", Path: base + "/risk-checks", Token: lll, Body: elsewhere}); r.Status != http.StatusBadRequest || r.Problem(t).Errors[0].Field != "session_id" {
		t.Fatalf("a session at another school: %d %s", r.Status, r.Body)
	}
	// Field staff record anywhere in the district; an SEO only in their sector.
	if r := env.Do(servicetest.Request{Method: "POST", Path: base + "/risk-checks", Token: field, Body: map[string]any{"school_id": "k-1", "date": planDate(), "criteria": answers(true)}}); r.Status != http.StatusCreated {
		t.Fatalf("field staff: %d %s", r.Status, r.Body)
	}
	if r := env.Do(servicetest.Request{Method: "POST", Path: base + "/risk-checks", Token: seoK, Body: map[string]any{"school_id": "sch-2", "date": planDate(), "criteria": answers(true)}}); r.Status != http.StatusForbidden {
		t.Fatalf("another sector's SEO: %d %s", r.Status, r.Body)
	}
	var list page[struct {
		SchoolID string `json:"school_id"`
	}]
	r = env.Do(servicetest.Request{Method: "GET", Path: base + "/risk-checks", Token: seoK})
	r.JSON(t, &list)
	if r.Status != http.StatusOK || len(list.Items) != 1 || list.Items[0].SchoolID != "k-1" {
		t.Fatalf("the Kacyiru SEO's list: %d %s", r.Status, r.Body)
	}
	r = env.Do(servicetest.Request{Method: "GET", Path: base + "/risk-checks?school_id=sch-2", Token: field})
	r.JSON(t, &list)
	if len(list.Items) != 1 {
		t.Fatalf("sch-2's checks: %s", r.Body)
	}
}

// TestPlansOffline: a tablet uploads a self-review and a risk check in a sync batch, each
// with its own result; the upload repeated creates nothing twice; the change feed brings
// the plan down.
func TestPlansOffline(t *testing.T) {
	env, _ := coachingScenario(t)
	ht2 := token(env, "ht-2", []string{"ht"}, "sch-2")
	seo := token(env, "seo-remera", []string{"seo"}, remera)
	r := env.Do(servicetest.Request{Method: "POST", Path: base + "/plans", Token: ht2, Body: planBody()})
	var p plan
	r.JSON(t, &p)
	r = env.Do(servicetest.Request{Method: "POST", Path: base + "/plans/" + p.ID + "/reviews", Token: seo, Header: map[string]string{"If-Match": `"1"`},
		Body: map[string]any{"version": 1, "decision": "approve", "criteria": criteria()}})
	if r.Status != http.StatusOK {
		t.Fatalf("approve: %d %s", r.Status, r.Body)
	}

	upload := map[string]any{
		"self_reviews": []map[string]any{{"id": newID(), "plan_id": p.ID, "date": planDate(), "items": []map[string]string{{"ref": "maths_cpd", "status": "done"}}}},
		// A head teacher does not record the school's risk check: rejected alone.
		"risk_checks": []map[string]any{{"id": newID(), "school_id": "sch-2", "date": planDate(), "criteria": []map[string]any{
			{"key": "at_risk_list", "met": true}, {"key": "reviewed_monthly", "met": true}, {"key": "family_follow_up", "met": false}}}},
	}
	type result struct {
		Kind, Status string
		Problem      *struct{ Status int }
	}
	var res struct {
		Results                    []result
		Created, Existed, Rejected int
	}
	r = env.Do(servicetest.Request{Method: "POST", Path: base + "/sync", Token: ht2, Body: upload})
	r.JSON(t, &res)
	if r.Status != http.StatusOK || res.Created != 1 || res.Rejected != 1 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	for _, x := range res.Results {
		if x.Kind == "risk_check" && (x.Status != "rejected" || x.Problem == nil || x.Problem.Status != http.StatusForbidden) {
			t.Fatalf("the head teacher's risk check: %+v", x)
		}
	}
	r = env.Do(servicetest.Request{Method: "POST", Path: base + "/sync", Token: ht2, Body: upload})
	r.JSON(t, &res)
	if res.Created != 0 || res.Existed != 1 || res.Rejected != 1 {
		t.Fatalf("the upload again: %s", r.Body)
	}
	missingID := map[string]any{"self_reviews": []map[string]any{{"plan_id": p.ID, "date": planDate(), "items": []map[string]string{{"ref": "maths_cpd", "status": "done"}}}}}
	if r := env.Do(servicetest.Request{Method: "POST", Path: base + "/sync", Token: ht2, Body: missingID}); r.Status != http.StatusBadRequest || r.Problem(t).Errors[0].Field != "self_reviews[0].id" {
		t.Fatalf("a self-review without its id: %d %s", r.Status, r.Body)
	}

	var feed struct {
		Items []struct {
			Kind string `json:"kind"`
			Plan *plan  `json:"plan"`
		} `json:"items"`
	}
	servicetest.Eventually(t, 10*time.Second, "the plan in the change feed", func() bool {
		r := env.Do(servicetest.Request{Method: "GET", Path: base + "/changes", Token: ht2})
		r.JSON(t, &feed)
		for _, it := range feed.Items {
			if it.Kind == "plan" && it.Plan.ID == p.ID && len(it.Plan.SelfReviews) == 1 {
				return true
			}
		}
		return false
	})
}

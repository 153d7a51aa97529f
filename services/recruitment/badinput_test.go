package recruitment_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/service/servicetest"
)

// Every bad request gets a clear 4xx problem naming the field where there is one, and
// writes nothing.
func TestBadInput(t *testing.T) {
	w := newWorld(t)
	w.district()
	c := w.campaign(nil)
	w.waitFor("ht-r1", "ht-r2", "ht-r3", "ht-k2")
	future := w.campaign(map[string]any{"intake": "2028", "opens_on": w.date(30), "closes_on": w.date(60)})
	full := w.campaign(map[string]any{"intake": "2027-small", "max_applications": 1})
	w.mustPost("/campaigns/"+full.ID+"/applications", w.htTok, map[string]any{"person_id": "ht-r1", "role": "lll", "evidence": evidence}, 201)

	cp := "/campaigns/" + c.ID
	_, good := w.apply(c.ID, "ht-r1")
	_, kacyiru := w.apply(c.ID, "ht-k2")
	_, ineligible := w.apply(c.ID, "ht-r3")
	for _, a := range []string{good.ID, kacyiru.ID} {
		w.mustPost(cp+"/applications/"+a+"/assessments", w.seoTok, map[string]any{"kind": "interview", "date": w.date(0), "present": []string{"deo", "seo-k", "nll-1"}}, 200)
	}
	w.mustPost(cp+"/applications/"+good.ID+"/conflicts", w.seoTok, map[string]string{"person_id": "nll-1", "rule": "declared_interest"}, 200)
	scores := func(app, member string, l map[string]int) string {
		b, _ := json.Marshal(map[string]any{"member_id": member, "levels": l})
		return string(b)
	}
	high := levels(3)
	high["coaching_skill"] = 5

	tests := []struct {
		name, method, path, body string
		header                   map[string]string
		status                   int
		field                    string
	}{
		{"application before the window", "POST", "/campaigns/" + future.ID + "/applications", `{"person_id":"ht-r2","role":"lll"}`, nil, 409, ""},
		{"application to a full campaign", "POST", "/campaigns/" + full.ID + "/applications", `{"person_id":"ht-r2","role":"lll"}`, nil, 409, ""},
		{"application from someone not a head teacher", "POST", cp + "/applications", `{"person_id":"seo-k","role":"lll"}`, nil, 400, "person_id"},
		{"application from a stranger", "POST", cp + "/applications", `{"person_id":"nobody","role":"lll"}`, nil, 400, "person_id"},
		{"duplicate application", "POST", cp + "/applications", `{"person_id":"ht-r1","role":"lll"}`, nil, 409, ""},
		{"application for a role not recruited", "POST", cp + "/applications", `{"person_id":"ht-r2","role":"deo"}`, nil, 400, "role"},
		{"application with unknown evidence", "POST", cp + "/applications", `{"person_id":"ht-r2","role":"lll","evidence":{"charm":true}}`, nil, 400, "evidence.charm"},
		{"application with a wrong type", "POST", cp + "/applications", `{"person_id":7,"role":"lll"}`, nil, 400, "person_id"},
		{"application with an unknown field", "POST", cp + "/applications", `{"person_id":"ht-r2","role":"lll","score":4}`, nil, 400, "score"},
		{"malformed JSON", "POST", cp + "/applications", `{"person_id":`, nil, 400, ""},
		{"score above the scale", "POST", cp + "/applications/" + good.ID + "/scores", scores(good.ID, "deo", high), nil, 400, "levels.coaching_skill"},
		{"score of an unknown criterion", "POST", cp + "/applications/" + good.ID + "/scores", `{"member_id":"deo","levels":{"charisma":2}}`, nil, 400, "levels.charisma"},
		{"score by a non-panel member", "POST", cp + "/applications/" + good.ID + "/scores", scores(good.ID, "ht-r2", levels(3)), nil, 403, ""},
		{"score by the SEO of the candidate's sector", "POST", cp + "/applications/" + kacyiru.ID + "/scores", scores(kacyiru.ID, "seo-k", levels(3)), nil, 409, ""},
		{"score by an NLL leading a school of the candidate's sector", "POST", cp + "/applications/" + kacyiru.ID + "/scores", scores(kacyiru.ID, "nll-1", levels(3)), nil, 409, ""},
		{"score by a member who declared an interest", "POST", cp + "/applications/" + good.ID + "/scores", scores(good.ID, "nll-1", levels(3)), nil, 409, ""},
		{"score of an ineligible candidate", "POST", cp + "/applications/" + ineligible.ID + "/scores", scores(ineligible.ID, "deo", levels(3)), nil, 409, ""},
		{"assessment with a stranger present", "POST", cp + "/applications/" + good.ID + "/assessments", `{"kind":"site_visit","date":"2027-03-01","present":["deo","x"]}`, nil, 400, "present[1]"},
		{"declared conflict under an unknown rule", "POST", cp + "/applications/" + good.ID + "/conflicts", `{"person_id":"deo","rule":"same_school"}`, nil, 400, "rule"},
		{"override without a justification", "POST", cp + "/applications/" + ineligible.ID + "/screening/override", `{"eligible":true,"justification":""}`, nil, 400, "justification"},
		{"ranking with missing scores", "POST", cp + "/ranking", ``, nil, 409, "applications." + good.ID},
		{"offer before ranking", "POST", cp + "/offers", ``, nil, 409, ""},
		{"offer to an unknown application", "POST", cp + "/offers", `{"application_id":"nope"}`, nil, 400, "application_id"},
		{"accept an unknown offer", "POST", cp + "/offers/nope/acceptance", ``, nil, 404, ""},
		{"panel change without If-Match", "PUT", cp + "/panel", `{"chair":"deo","members":["seo-k","nll-1"]}`, nil, 428, ""},
		{"panel change on another version", "PUT", cp + "/panel", `{"chair":"deo","members":["seo-k","nll-1"]}`, map[string]string{"If-Match": `"7"`}, 412, ""},
		{"panel with a head teacher as member", "PUT", cp + "/panel", `{"chair":"deo","members":["seo-k","ht-r2"]}`, map[string]string{"If-Match": `"1"`}, 400, "members[1]"},
		{"campaign with a duplicate intake", "POST", "/campaigns", `{"intake":"2027","opens_on":"2027-03-01","closes_on":"2027-03-31"}`, nil, 400, "intake"},
		{"campaign closing before it opens", "POST", "/campaigns", `{"intake":"x","opens_on":"2027-03-01","closes_on":"2027-02-01"}`, nil, 400, "closes_on"},
		{"campaign with a sector of another district", "POST", "/campaigns", `{"intake":"y","opens_on":"2027-03-01","closes_on":"2027-03-31","places":[{"role":"lll","unit":"rw-kicukiro-niboye","places":1}]}`, nil, 400, "places[0].unit"},
		{"unknown campaign", "GET", "/campaigns/nope", ``, nil, 404, ""},
		{"application of another campaign", "GET", "/campaigns/" + full.ID + "/applications/" + good.ID, ``, nil, 404, ""},
		{"invalid status filter", "GET", cp + "/applications?status=maybe", ``, nil, 400, "status"},
		{"invalid vacancy role", "GET", "/reports/vacancies?role=deo", ``, nil, 400, "role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := servicetest.Request{Method: tt.method, Path: base + tt.path, Token: w.deo, Header: tt.header}
			if tt.body != "" {
				req.Body, req.ContentType = tt.body, "application/json"
			}
			if strings.Contains(tt.path, "/applications") && tt.method == "POST" && !strings.Contains(tt.path, "/applications/") {
				req.Token = w.htTok
			}
			r := w.env.Do(req)
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.status, r.Body)
			}
			p := r.Problem(t)
			if tt.field != "" && !slices.ContainsFunc(p.Errors, func(f problem.FieldError) bool { return f.Field == tt.field }) {
				t.Fatalf("problem does not name %q: %+v", tt.field, p)
			}
		})
	}

	// Nothing half-written: no application, score or campaign came from the bad requests.
	var apps struct{ Items []applicationDoc }
	w.env.Do(servicetest.Request{Method: "GET", Path: base + cp + "/applications", Token: w.deo}).JSON(t, &apps)
	if len(apps.Items) != 3 {
		t.Fatalf("%d applications, want 3", len(apps.Items))
	}
	for _, a := range apps.Items {
		if len(a.Scores) != 0 {
			t.Fatalf("application %s has refused scores: %+v", a.ID, a.Scores)
		}
	}
	var campaigns struct{ Items []campaignDoc }
	w.env.Do(servicetest.Request{Method: "GET", Path: base + "/campaigns", Token: w.deo}).JSON(t, &campaigns)
	if len(campaigns.Items) != 4 { // 2027, 2028, 2027-small and the probe
		t.Fatalf("%d campaigns, want 4", len(campaigns.Items))
	}
	var got campaignDoc
	w.env.Do(servicetest.Request{Method: "GET", Path: base + cp, Token: w.deo}).JSON(t, &got)
	if got.Status != "open" || len(got.Offers) != 0 {
		t.Fatalf("campaign after refused ranking and offers: %+v", got)
	}
}

// Concurrent edits: two clients read the panel at version 1; the second write is refused.
func TestConcurrentPanelEdits(t *testing.T) {
	w := newWorld(t)
	w.district()
	w.role("seo-r", "seo", "rw-gasabo-remera", "2020-01-06")
	c := w.campaign(nil)
	r := w.env.Do(servicetest.Request{Method: "GET", Path: base + "/campaigns/" + c.ID, Token: w.deo})
	etag := r.Header.Get("ETag")
	var first *servicetest.Response
	servicetest.Eventually(t, 30*time.Second, "seo-r reaches the read model", func() bool {
		first = w.env.Do(servicetest.Request{Method: "PUT", Path: base + "/campaigns/" + c.ID + "/panel", Token: w.deo,
			Body: map[string]any{"chair": "deo", "members": []string{"seo-k", "seo-r"}}, Header: map[string]string{"If-Match": etag}})
		return first.Status == 200
	})
	if first.Header.Get("ETag") != `"2"` {
		t.Fatalf("ETag after the change: %q", first.Header.Get("ETag"))
	}
	second := w.env.Do(servicetest.Request{Method: "PUT", Path: base + "/campaigns/" + c.ID + "/panel", Token: w.deo,
		Body: map[string]any{"chair": "deo", "members": []string{"seo-k", "nll-1"}}, Header: map[string]string{"If-Match": etag}})
	if second.Status != http.StatusPreconditionFailed {
		t.Fatalf("second writer on a stale ETag: %d %s", second.Status, second.Body)
	}
	second.Problem(t)
	var got struct{ Panel struct{ Members []string } }
	w.env.Do(servicetest.Request{Method: "GET", Path: base + "/campaigns/" + c.ID, Token: w.deo}).JSON(t, &got)
	if strings.Join(got.Panel.Members, ",") != "seo-k,seo-r" {
		t.Fatalf("panel %v: the first writer's change was lost", got.Panel.Members)
	}
}

func TestAuthorization(t *testing.T) {
	w := newWorld(t)
	other := w.env.Token([]string{"deo"}, "rw-kicukiro", "")
	national := w.env.Token([]string{"analyst"}, "rw", "")
	tests := []struct {
		name, method, path, token string
		status                    int
	}{
		{"no token", "GET", base + "/campaigns", "", 401},
		{"another district's DEO", "GET", base + "/campaigns", other, 403},
		{"a head teacher may not open a campaign", "POST", base + "/campaigns", w.htTok, 403},
		{"an SEO may not open a campaign", "POST", base + "/campaigns", w.seoTok, 403},
		{"a head teacher may not read campaigns", "GET", base + "/campaigns", w.htTok, 403},
		{"a national analyst reads", "GET", base + "/campaigns", national, 200},
		{"unknown tenant", "GET", "/v1/tenants/rw-atlantis/campaigns", national, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body any
			if tt.method == "POST" {
				body = map[string]string{"intake": "x", "opens_on": "2027-03-01", "closes_on": "2027-03-31"}
			}
			r := w.env.Do(servicetest.Request{Method: tt.method, Path: tt.path, Token: tt.token, Body: body})
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.status, r.Body)
			}
			if tt.status >= 400 {
				r.Problem(t)
			}
		})
	}
}

package plc_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/l4l-platform/l4l/libs/service/servicetest"
)

// Bad input gets a 4xx problem naming the field, never a 5xx, and writes nothing.
func TestBadInput(t *testing.T) {
	env := start(t)
	deo := env.Token([]string{"deo"}, tenant, "")
	ht := env.Token([]string{"ht"}, tenant, "")
	other := env.Token([]string{"deo"}, "rw-kicukiro", "")
	country := env.Token([]string{"analyst", "deo"}, "rw", "")
	ifMatch := map[string]string{"If-Match": `"1"`}
	tests := []struct {
		name   string
		method string
		path   string
		token  string
		body   string
		header map[string]string
		status int
		field  string
	}{
		{"malformed JSON", "POST", base + "/schedules", deo, `{"school_year":`, nil, 400, ""},
		{"unknown field", "POST", base + "/schedules", deo, `{"school_year":"2026-2027","terms":"all"}`, nil, 400, "terms"},
		{"wrong type", "POST", base + "/schedules", deo, `{"school_year":2026}`, nil, 400, "school_year"},
		{"unknown school year", "POST", base + "/schedules", deo, `{"school_year":"1999"}`, nil, 400, "school_year"},
		{"unknown term", "POST", base + "/schedules", deo, `{"school_year":"2026-2027","term":"Term 9"}`, nil, 400, "term"},
		{"bad from", "POST", base + "/schedules", deo, `{"school_year":"2026-2027","from":"soon"}`, nil, 400, "from"},
		{"a period already over", "POST", base + "/schedules", deo, `{"school_year":"2026-2027","term":"Term 1","from":"2027-01-01"}`, nil, 422, ""},
		{"an empty batch", "POST", base + "/session-records", deo, `{"items":[]}`, nil, 400, "items"},
		{"a batch item of the wrong shape", "POST", base + "/session-records", deo, `{"items":[{"session_id":"x","record":{"held":"yes"}}]}`, nil, 400, "items.record.held"},
		{"a change without If-Match", "PUT", base + "/sessions/x", deo, `{"status":"confirmed"}`, nil, 428, ""},
		{"a bad If-Match", "PUT", base + "/sessions/x", deo, `{"status":"confirmed"}`, map[string]string{"If-Match": "yesterday"}, 400, "If-Match"},
		{"an unknown session", "PUT", base + "/sessions/x", deo, `{"status":"confirmed"}`, ifMatch, 404, ""},
		{"a record of an unknown session", "PUT", base + "/sessions/x/record", deo, `{"held":false,"not_held_reason":"rain"}`, ifMatch, 404, ""},
		{"hosting of an unknown group", "PUT", base + "/groups/x/hosting", deo, `{"unable_to_host":[]}`, ifMatch, 404, ""},
		{"a bad status filter", "GET", base + "/sessions?status=maybe", deo, "", nil, 400, "status"},
		{"a bad date filter", "GET", base + "/sessions?from=yesterday", deo, "", nil, 400, "from"},
		{"a PLC kind the profile lacks", "GET", base + "/groups?kind=zone_plc", deo, "", nil, 400, "kind"},
		{"a bad overdue flag", "GET", base + "/actions?overdue=maybe", deo, "", nil, 400, "overdue"},
		{"a forged cursor", "GET", base + "/groups?cursor=!!!", deo, "", nil, 400, "cursor"},
		{"a bad limit", "GET", base + "/sessions?limit=0", deo, "", nil, 400, "limit"},
		{"a subscription to both a group and a person", "POST", base + "/calendar-subscriptions", deo, `{"group_id":"g","person_id":"p"}`, nil, 400, "group_id"},
		{"a subscription to an unknown group", "POST", base + "/calendar-subscriptions", deo, `{"group_id":"g"}`, nil, 400, "group_id"},
		{"a head teacher scheduling", "POST", base + "/schedules", ht, `{"school_year":"2026-2027"}`, nil, 403, ""},
		{"another district's token", "GET", base + "/groups", other, "", nil, 403, ""},
		{"no token", "GET", base + "/groups", "", "", nil, 401, ""},
		{"an unknown tenant", "GET", "/v1/tenants/rw-nowhere/groups", country, "", nil, 404, ""},
		{"an unknown feed", "GET", "/calendar/rw-gasabo.nothing.ics", "", "", nil, 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := servicetest.Request{Method: tt.method, Path: tt.path, Token: tt.token, Header: tt.header}
			if tt.body != "" {
				req.Body, req.ContentType = tt.body, "application/json"
			}
			r := env.Do(req)
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.status, r.Body)
			}
			p := r.Problem(t)
			if tt.field == "" {
				return
			}
			var fields []string
			for _, e := range p.Errors {
				fields = append(fields, e.Field)
			}
			if !strings.Contains(strings.Join(fields, " "), tt.field) {
				t.Fatalf("fields %v, want %s", fields, tt.field)
			}
		})
	}
	// Nothing was written: no group, no session.
	for _, path := range []string{base + "/groups", base + "/sessions"} {
		r := env.Do(servicetest.Request{Method: "GET", Path: path, Token: deo})
		if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"items":[]`) {
			t.Fatalf("%s after bad input: %s", path, r.Body)
		}
	}
}

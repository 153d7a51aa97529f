package directory_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/service/servicetest"
	"github.com/l4l-platform/l4l/services/directory"
)

const base = "/v1/tenants/rw-gasabo"

type school struct {
	ID, Code, Name, Unit, Ownership, Status string
}

type page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

func start(t *testing.T) (*servicetest.Env, string) {
	t.Helper()
	env := servicetest.Start(t, directory.Definition)
	return env, env.Token([]string{"deo"}, "rw-gasabo", "")
}

func createSchool(t *testing.T, env *servicetest.Env, tok, code, unit string) school {
	t.Helper()
	r := env.Do(servicetest.Request{Method: "POST", Path: base + "/schools", Token: tok,
		Body: map[string]string{"code": code, "name": "School " + code, "unit": unit}})
	if r.Status != http.StatusCreated {
		t.Fatalf("create %s: %d %s", code, r.Status, r.Body)
	}
	var s school
	r.JSON(t, &s)
	return s
}

func countSchools(t *testing.T, env *servicetest.Env, tok string) int {
	t.Helper()
	n, cursor := 0, ""
	for {
		r := env.Do(servicetest.Request{Method: "GET", Path: base + "/schools?limit=500&cursor=" + cursor, Token: tok})
		if r.Status != 200 {
			t.Fatalf("list: %d %s", r.Status, r.Body)
		}
		var p page[school]
		r.JSON(t, &p)
		n += len(p.Items)
		if p.NextCursor == "" {
			return n
		}
		cursor = p.NextCursor
	}
}

func TestSchoolLifecycle(t *testing.T) {
	env, tok := start(t)
	r := env.Do(servicetest.Request{Method: "POST", Path: base + "/schools", Token: tok,
		Body: map[string]string{"code": "GS-KIM-01", "name": "G.S. Kimironko I", "unit": "rw-gasabo-kimironko"}})
	if r.Status != 201 || r.Header.Get("ETag") != `"1"` || !strings.HasPrefix(r.Header.Get("Location"), base+"/schools/") {
		t.Fatalf("create: %d %v %s", r.Status, r.Header, r.Body)
	}
	var s school
	r.JSON(t, &s)

	r = env.Do(servicetest.Request{Method: "GET", Path: base + "/schools/" + s.ID, Token: tok})
	if r.Status != 200 || r.Header.Get("ETag") != `"1"` {
		t.Fatalf("get: %d %s", r.Status, r.Body)
	}

	update := map[string]string{"code": "GS-KIM-01", "name": "G.S. Kimironko One", "unit": "rw-gasabo-kimironko"}
	r = env.Do(servicetest.Request{Method: "PUT", Path: base + "/schools/" + s.ID, Token: tok, Body: update})
	if r.Status != http.StatusPreconditionRequired {
		t.Fatalf("PUT without If-Match: %d, want 428", r.Status)
	}
	r.Problem(t)
	r = env.Do(servicetest.Request{Method: "PUT", Path: base + "/schools/" + s.ID, Token: tok, Body: update, Header: map[string]string{"If-Match": `"1"`}})
	if r.Status != 200 || r.Header.Get("ETag") != `"2"` {
		t.Fatalf("PUT: %d %s", r.Status, r.Body)
	}
	// Someone who read version 1 must not overwrite version 2.
	r = env.Do(servicetest.Request{Method: "PUT", Path: base + "/schools/" + s.ID, Token: tok, Body: update, Header: map[string]string{"If-Match": `"1"`}})
	if r.Status != http.StatusPreconditionFailed {
		t.Fatalf("stale PUT: %d, want 412", r.Status)
	}
	r.Problem(t)

	r = env.Do(servicetest.Request{Method: "DELETE", Path: base + "/schools/" + s.ID, Token: tok, Header: map[string]string{"If-Match": `"2"`}})
	if r.Status != 204 {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	if r = env.Do(servicetest.Request{Method: "GET", Path: base + "/schools/" + s.ID, Token: tok}); r.Status != 404 {
		t.Fatalf("get after delete: %d", r.Status)
	}
	// The code is free again once the school is deleted.
	createSchool(t, env, tok, "GS-KIM-01", "rw-gasabo-kimironko")
	r = env.Do(servicetest.Request{Method: "POST", Path: base + "/schools", Token: tok,
		Body: map[string]string{"code": "GS-KIM-01", "name": "Twin", "unit": "rw-gasabo-kimironko"}})
	if p := r.Problem(t); r.Status != 400 || p.Errors[0].Field != "code" {
		t.Fatalf("duplicate code: %d %+v", r.Status, p)
	}
}

func TestPaginationAndFilters(t *testing.T) {
	env, tok := start(t)
	for i := range 7 {
		unit := "rw-gasabo-remera"
		if i%2 == 1 {
			unit = "rw-gasabo-kacyiru"
		}
		createSchool(t, env, tok, fmt.Sprintf("S%02d", i), unit)
	}
	var codes []string
	cursor := ""
	for pages := 0; ; pages++ {
		r := env.Do(servicetest.Request{Method: "GET", Path: base + "/schools?limit=2&unit=rw-gasabo-remera&cursor=" + cursor, Token: tok})
		var p page[school]
		r.JSON(t, &p)
		for _, s := range p.Items {
			codes = append(codes, s.Code)
		}
		if p.NextCursor == "" {
			break
		}
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		cursor = p.NextCursor
	}
	if strings.Join(codes, ",") != "S00,S02,S04,S06" {
		t.Fatalf("remera schools in order: %v", codes)
	}
	// The district as a unit means all its schools.
	r := env.Do(servicetest.Request{Method: "GET", Path: base + "/schools?unit=rw-gasabo", Token: tok})
	var p page[school]
	r.JSON(t, &p)
	if len(p.Items) != 7 {
		t.Fatalf("district filter: %d schools", len(p.Items))
	}
}

func TestBadInput(t *testing.T) {
	env, tok := start(t)
	createSchool(t, env, tok, "KEEP", "rw-gasabo-remera")
	big := `{"code":"X","name":"` + strings.Repeat("a", 2<<20) + `","unit":"rw-gasabo-remera"}`
	tests := []struct {
		name      string
		method    string
		path      string
		body      string
		ct        string
		status    int
		wantField string
	}{
		{"malformed JSON", "POST", "/schools", `{"code": "X",`, "", 400, ""},
		{"not JSON at all", "POST", "/schools", `code=X`, "", 400, ""},
		{"wrong type", "POST", "/schools", `{"code": 12, "name": "n", "unit": "rw-gasabo-remera"}`, "", 400, "code"},
		{"unknown field", "POST", "/schools", `{"code": "X", "name": "n", "unit": "rw-gasabo-remera", "admin": true}`, "", 400, "admin"},
		{"missing required", "POST", "/schools", `{"name": "n"}`, "", 400, "code"},
		{"operator injection", "POST", "/schools", `{"code": {"$gt": ""}, "name": "n", "unit": "rw-gasabo-remera"}`, "", 400, "code"},
		{"two values", "POST", "/schools", `{"code":"A","name":"n","unit":"rw-gasabo-remera"} {}`, "", 400, ""},
		{"empty body", "POST", "/schools", ``, "", 400, ""},
		{"wrong content type", "POST", "/schools", `<school/>`, "application/xml", 415, ""},
		{"oversize body", "POST", "/schools", big, "", 413, ""},
		{"invalid cursor", "GET", "/schools?cursor=!!!not-base64", "", "", 400, "cursor"},
		{"forged cursor", "GET", "/schools?cursor=eyJhIjoxfQ", "", "", 400, "cursor"},
		{"invalid limit", "GET", "/schools?limit=100000", "", "", 400, "limit"},
		{"invalid status filter", "GET", "/schools?status=maybe", "", "", 400, "status"},
		{"unit of another district", "GET", "/schools?unit=rw-kicukiro", "", "", 400, "unit"},
		{"unknown school", "GET", "/schools/nope", "", "", 404, ""},
		{"bad If-Match", "PUT", "/schools/x", `{}`, "", 400, "If-Match"},
		{"unknown route", "GET", "/nothing", "", "", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct := tt.ct
			if ct == "" && tt.body != "" {
				ct = "application/json"
			}
			hdr := map[string]string{}
			if tt.name == "bad If-Match" {
				hdr["If-Match"] = "yesterday"
			}
			r := env.Do(servicetest.Request{Method: tt.method, Path: base + tt.path, Token: tok, Body: tt.body, ContentType: ct, Header: hdr})
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.status, r.Body)
			}
			p := r.Problem(t)
			if tt.wantField != "" {
				found := false
				for _, f := range p.Errors {
					found = found || f.Field == tt.wantField
				}
				if !found {
					t.Fatalf("problem does not name %q: %+v", tt.wantField, p)
				}
			}
		})
	}
	if n := countSchools(t, env, tok); n != 1 {
		t.Fatalf("bad requests wrote something: %d schools, want 1", n)
	}
}

func TestAuthorization(t *testing.T) {
	env, tok := start(t)
	remera := createSchool(t, env, tok, "R1", "rw-gasabo-remera")
	createSchool(t, env, tok, "K1", "rw-gasabo-kacyiru")
	kicukiro := env.Token([]string{"deo"}, "rw-kicukiro", "")
	env.Do(servicetest.Request{Method: "POST", Path: "/v1/tenants/rw-kicukiro/schools", Token: kicukiro,
		Body: map[string]string{"code": "N1", "name": "Niboye", "unit": "rw-kicukiro-niboye"}})

	seoRemera := env.Token([]string{"seo"}, "rw-gasabo", "rw-gasabo-remera")
	headTeacher := env.Token([]string{"ht"}, "rw-gasabo", remera.ID)
	national := env.Token([]string{"analyst"}, "rw", "")
	expired, _ := env.Issuer.Token("u", []string{"deo"}, "rw", "rw-gasabo", "", -time.Minute)

	tests := []struct {
		name, method, path, token string
		status                    int
	}{
		{"no token", "GET", base + "/schools", "", 401},
		{"expired", "GET", base + "/schools", expired, 401},
		{"garbage", "GET", base + "/schools", "a.b.c", 401},
		{"other district's token", "GET", base + "/schools", kicukiro, 403},
		{"head teacher may not create", "POST", base + "/schools", headTeacher, 403},
		{"SEO may not read people", "GET", base + "/people", seoRemera, 403},
		{"national analyst reads a district", "GET", base + "/schools", national, 200},
		{"national analyst is not another country", "GET", "/v1/tenants/ke-nairobi/schools", national, 403},
		{"SEO reads a school of the sector", "GET", base + "/schools/" + remera.ID, seoRemera, 200},
		{"head teacher reads own school", "GET", base + "/schools/" + remera.ID, headTeacher, 200},
		{"unknown tenant", "GET", "/v1/tenants/rw-atlantis/schools", national, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body any
			if tt.method == "POST" {
				body = map[string]string{"code": "Z", "name": "z", "unit": "rw-gasabo-remera"}
			}
			r := env.Do(servicetest.Request{Method: tt.method, Path: tt.path, Token: tt.token, Body: body})
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.status, r.Body)
			}
			if tt.status >= 400 {
				r.Problem(t)
			}
		})
	}

	// A school in another district is invisible to a district-scoped token.
	var kp page[school]
	env.Do(servicetest.Request{Method: "GET", Path: "/v1/tenants/rw-kicukiro/schools", Token: kicukiro}).JSON(t, &kp)
	if r := env.Do(servicetest.Request{Method: "GET", Path: base + "/schools/" + kp.Items[0].ID, Token: tok}); r.Status != 404 {
		t.Fatalf("another district's school through my tenant: %d, want 404", r.Status)
	}
	// A sector-scoped token lists its sector only, and other sectors' schools are invisible.
	var sp page[school]
	env.Do(servicetest.Request{Method: "GET", Path: base + "/schools", Token: seoRemera}).JSON(t, &sp)
	if len(sp.Items) != 1 || sp.Items[0].Code != "R1" {
		t.Fatalf("SEO of Remera lists %+v", sp.Items)
	}
	var all page[school]
	env.Do(servicetest.Request{Method: "GET", Path: base + "/schools?code=K1", Token: tok}).JSON(t, &all)
	if r := env.Do(servicetest.Request{Method: "GET", Path: base + "/schools/" + all.Items[0].ID, Token: seoRemera}); r.Status != 404 {
		t.Fatalf("SEO of Remera reads a Kacyiru school: %d, want 404", r.Status)
	}
}

func TestIdempotentCreate(t *testing.T) {
	env, tok := start(t)
	req := servicetest.Request{Method: "POST", Path: base + "/schools", Token: tok,
		Body:   map[string]string{"code": "IDEM", "name": "Idem", "unit": "rw-gasabo-remera"},
		Header: map[string]string{"Idempotency-Key": "tablet-42-0001"}}
	first := env.Do(req)
	second := env.Do(req)
	if first.Status != 201 || second.Status != 201 || string(first.Body) != string(second.Body) ||
		second.Header.Get("Location") != first.Header.Get("Location") || second.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry gave %d %s, first %d %s", second.Status, second.Body, first.Status, first.Body)
	}
	req.Body = map[string]string{"code": "OTHER", "name": "Other", "unit": "rw-gasabo-remera"}
	if r := env.Do(req); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("same key, other body: %d, want 422", r.Status)
	} else {
		r.Problem(t)
	}
	if n := countSchools(t, env, tok); n != 1 {
		t.Fatalf("%d schools after retries, want 1", n)
	}
}

func TestPeopleAndRoles(t *testing.T) {
	env, tok := start(t)
	s := createSchool(t, env, tok, "P1", "rw-gasabo-remera")
	r := env.Do(servicetest.Request{Method: "POST", Path: base + "/people", Token: tok, Body: map[string]string{
		"staff_id": "RW-T-1", "given_name": "Aline", "family_name": "Uwase", "gender": "female", "email": "aline@example.org", "school_id": s.ID}})
	if r.Status != 201 {
		t.Fatalf("person: %d %s", r.Status, r.Body)
	}
	var p struct{ ID string }
	r.JSON(t, &p)
	r = env.Do(servicetest.Request{Method: "POST", Path: base + "/people", Token: tok, Body: map[string]string{
		"staff_id": "RW-T-1", "given_name": "Dup", "family_name": "Licate"}})
	if pr := r.Problem(t); r.Status != 400 || pr.Errors[0].Field != "staff_id" {
		t.Fatalf("duplicate staff id: %d %+v", r.Status, pr)
	}
	r = env.Do(servicetest.Request{Method: "POST", Path: base + "/role-assignments", Token: tok, Body: map[string]string{
		"person_id": p.ID, "role": "ht", "unit": s.ID, "start_date": "2027-01-04"}})
	if r.Status != 201 {
		t.Fatalf("assign HT: %d %s", r.Status, r.Body)
	}
	r = env.Do(servicetest.Request{Method: "POST", Path: base + "/role-assignments", Token: tok, Body: map[string]string{
		"person_id": p.ID, "role": "lll", "unit": "rw-kicukiro-niboye", "start_date": "2027-01-04"}})
	if pr := r.Problem(t); r.Status != 400 || pr.Errors[0].Field != "unit" {
		t.Fatalf("LLL of another district's sector: %d %+v", r.Status, pr)
	}
	r = env.Do(servicetest.Request{Method: "GET", Path: base + "/role-assignments?person_id=" + p.ID, Token: tok})
	var roles page[struct{ Role, Unit string }]
	r.JSON(t, &roles)
	if len(roles.Items) != 1 || roles.Items[0].Role != "ht" {
		t.Fatalf("roles %+v", roles)
	}
}

func TestEventsArePublished(t *testing.T) {
	env, tok := start(t)
	s := createSchool(t, env, tok, "EV1", "rw-gasabo-remera")
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: env.Stack.KafkaBrokers, Topic: events.Topic("directory"),
		GroupID: "test", StartOffset: kafka.FirstOffset, MaxWait: 100 * time.Millisecond,
		HeartbeatInterval: 100 * time.Millisecond, JoinGroupBackoff: 100 * time.Millisecond,
		SessionTimeout: time.Second, RebalanceTimeout: 2 * time.Second})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	m, err := r.FetchMessage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	servicetest.ValidateEvent(t, "api/events", m.Value)
	e, err := events.FromMessage(m)
	if err != nil {
		t.Fatal(err)
	}
	var data map[string]any
	_ = json.Unmarshal(e.Data, &data)
	if e.Type != "org.l4l.directory.school.created.v1" || e.Tenant != "rw-gasabo" || e.Subject != s.ID ||
		string(m.Key) != "rw-gasabo/"+s.ID || data["school_id"] != s.ID || data["name"] != nil {
		t.Fatalf("event %+v key %s data %v", e, m.Key, data)
	}
}

func TestDatabaseOutage(t *testing.T) {
	env, tok := start(t)
	createSchool(t, env, tok, "UP", "rw-gasabo-remera")
	env.Stack.StopMongo()
	r := env.Do(servicetest.Request{Method: "GET", Path: base + "/schools", Token: tok})
	if r.Status != 503 {
		t.Fatalf("list with the database down: %d, want 503: %s", r.Status, r.Body)
	}
	r.Problem(t)
	if r := env.Do(servicetest.Request{Method: "GET", Path: "/readyz"}); r.Status != 503 {
		t.Fatalf("/readyz with the database down: %d", r.Status)
	}
	if err := env.Stack.StartMongo(context.Background()); err != nil {
		t.Fatal(err)
	}
	servicetest.Eventually(t, 15*time.Second, "recovery", func() bool {
		return env.Do(servicetest.Request{Method: "GET", Path: "/readyz"}).Status == 200
	})
	if n := countSchools(t, env, tok); n != 1 {
		t.Fatalf("after recovery: %d schools", n)
	}
}

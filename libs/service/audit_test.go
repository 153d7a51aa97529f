package service_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/l4l-platform/l4l/libs/config"
	"github.com/l4l-platform/l4l/libs/privacy"
	"github.com/l4l-platform/l4l/libs/service"
	"github.com/l4l-platform/l4l/libs/service/servicetest"
	"github.com/l4l-platform/l4l/libs/web"
)

// peopleSpec has a read of a person's record (marked), a read that is not, and a write.
var peopleSpec = `openapi: 3.1.0
info: {title: people, version: "1"}
paths:
` + strings.ReplaceAll(auditFragment, "SERVICE", "people") + `
` + strings.ReplaceAll(retentionFragment, "SERVICE", "people") + `
  /v1/tenants/{tenant}/people:
    parameters:
      - {name: tenant, in: path, required: true, schema: {type: string}}
    post:
      requestBody: {required: true, content: {application/json: {schema: {type: object}}}}
      responses:
        '201': {description: created, content: {application/json: {schema: {type: object}}}}
        default: {$ref: '#/components/responses/Problem'}
  /v1/tenants/{tenant}/people/{id}:
    parameters:
      - {name: tenant, in: path, required: true, schema: {type: string}}
      - {name: id, in: path, required: true, schema: {type: string}}
    get:
      x-l4l-personal-data: true
      responses:
        '200': {description: the person, content: {application/json: {schema: {type: object}}}}
        default: {$ref: '#/components/responses/Problem'}
  /v1/tenants/{tenant}/schools:
    parameters:
      - {name: tenant, in: path, required: true, schema: {type: string}}
    get:
      responses:
        '200': {description: schools, content: {application/json: {schema: {type: object}}}}
        default: {$ref: '#/components/responses/Problem'}
components:
  responses:
    Problem:
      description: a problem
      content: {application/problem+json: {schema: {type: object}}}
  schemas:
` + retentionSchema + `
`

var people = service.Definition{
	Name:    "people",
	OpenAPI: []byte(peopleSpec),
	Routes: func(d *service.Deps, v1 *gin.RouterGroup) error {
		v1.POST("/tenants/:tenant/people", web.Handle(func(c *gin.Context) error {
			return web.Created(c, "p-1", gin.H{"id": "p-1"})
		}))
		v1.GET("/tenants/:tenant/people/:person", web.Handle(func(c *gin.Context) error {
			return web.JSON(c, http.StatusOK, gin.H{"id": c.Param("person"), "name": "Secret Name"})
		}))
		v1.GET("/tenants/:tenant/schools", web.Handle(func(c *gin.Context) error {
			return web.JSON(c, http.StatusOK, gin.H{})
		}))
		return nil
	},
}

// The audit trail records writes and reads of personal records, in the tenant's own
// trail, without payloads, for the DPO only.
// auditFragment is what every service's document says of its audit route.
const auditFragment = `  /v1/tenants/{tenant}/privacy/SERVICE/audit:
    get:
      tags: [privacy]
      operationId: listAuditEntries
      summary: This service's audit trail for the tenant (data-protection officer, admin).
      description: |
        Every write, and every read of an operation marked "x-l4l-personal-data", is recorded
        with who (subject, roles, unit), what (method, route template, the ids in the path,
        the id a POST created), when, the request id and the outcome. Never a body, a query
        string or a header. Oldest first.
      parameters:
        - {name: tenant, in: path, required: true, schema: {type: string}}
        - {name: subject, in: query, schema: {type: string}, description: The token subject who acted.}
        - {name: route, in: query, schema: {type: string}, description: 'A route template, e.g. /v1/tenants/:tenant/people/:id.'}
        - {name: resource, in: query, schema: {type: string}, description: An id that was in the path or was created.}
        - {name: outcome, in: query, schema: {type: string, enum: [ok, refused, failed]}}
        - {name: from, in: query, schema: {type: string, format: date-time}}
        - {name: to, in: query, schema: {type: string, format: date-time}}
        - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 500}}
        - {name: cursor, in: query, schema: {type: string}}
      responses:
        '200':
          description: A page of audit entries.
          content:
            application/json:
              schema:
                type: object
                required: [items]
                properties:
                  next_cursor: {type: string}
                  items:
                    type: array
                    items:
                      type: object
                      required: [id, time, subject, roles, method, route, request_id, status, outcome]
                      properties:
                        id: {type: string}
                        time: {type: string, format: date-time}
                        subject: {type: string}
                        roles: {type: array, items: {type: string}}
                        unit: {type: string}
                        method: {type: string}
                        route: {type: string}
                        resources: {type: object, additionalProperties: {type: string}}
                        created: {type: string}
                        request_id: {type: string}
                        status: {type: integer}
                        outcome: {type: string, enum: [ok, refused, failed]}
        default: {$ref: '#/components/responses/Problem'}`

func TestAuditTrail(t *testing.T) {
	env := servicetest.Start(t, people, func(c *config.Service) { c.Tenants = []string{"rw-gasabo", "rw-ruhango"} })
	deo := env.Token([]string{"deo"}, "rw-gasabo", "")
	dpo := env.Token([]string{"dpo"}, "rw-gasabo", "")

	if r := env.Do(servicetest.Request{Method: "POST", Path: "/v1/tenants/rw-gasabo/people", Token: deo, Body: map[string]string{"name": "Secret Name"}}); r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	env.Do(servicetest.Request{Method: "GET", Path: "/v1/tenants/rw-gasabo/people/p-1", Token: deo})
	env.Do(servicetest.Request{Method: "GET", Path: "/v1/tenants/rw-gasabo/schools", Token: deo})
	// Refused before reaching the tenant: in nobody's trail.
	env.Do(servicetest.Request{Method: "GET", Path: "/v1/tenants/rw-gasabo/people/p-1", Token: env.Token([]string{"deo"}, "rw-ruhango", "")})
	// A role the programme does not know opens nothing (refused by the tenant guard, so
	// not in the trail either).
	if r := env.Do(servicetest.Request{Method: "GET", Path: "/v1/tenants/rw-gasabo/schools", Token: env.Token([]string{"visitor"}, "rw-gasabo", "")}); r.Status != 403 {
		t.Fatalf("a made-up role: %d %s", r.Status, r.Body)
	} else if p := r.Problem(t); !strings.Contains(p.Detail, "visitor") {
		t.Fatalf("the refusal does not name the role: %s", p.Detail)
	}

	var page struct {
		Items []privacy.Entry `json:"items"`
	}
	path := "/v1/tenants/rw-gasabo" + privacy.AuditRoute("people")
	r := env.Do(servicetest.Request{Method: "GET", Path: path, Token: dpo})
	if r.Status != 200 {
		t.Fatalf("audit list: %d %s", r.Status, r.Body)
	}
	if strings.Contains(string(r.Body), "Secret Name") {
		t.Fatalf("the trail holds a payload: %s", r.Body)
	}
	r.JSON(t, &page)
	var got []string
	for _, e := range page.Items {
		got = append(got, e.Method+" "+e.Route+" "+e.Outcome+" "+e.Created+e.Resources["person"])
		if e.Subject != "test-user" || len(e.Roles) != 1 || e.Roles[0] != "deo" || e.RequestID == "" {
			t.Errorf("entry without who or request id: %+v", e)
		}
	}
	want := []string{
		"POST /v1/tenants/:tenant/people ok p-1",
		"GET /v1/tenants/:tenant/people/:person ok p-1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("trail:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	r = env.Do(servicetest.Request{Method: "GET", Path: path + "?resource=p-1&outcome=ok", Token: dpo})
	r.JSON(t, &page)
	if len(page.Items) != 2 {
		t.Fatalf("filtered by resource: %d entries: %s", len(page.Items), r.Body)
	}
	r = env.Do(servicetest.Request{Method: "GET", Path: "/v1/tenants/rw-ruhango" + privacy.AuditRoute("people"), Token: env.Token([]string{"dpo"}, "rw-ruhango", "")})
	r.JSON(t, &page)
	if len(page.Items) != 0 {
		t.Fatalf("another district's trail holds %d entries: %s", len(page.Items), r.Body)
	}
	if r := env.Do(servicetest.Request{Method: "GET", Path: path, Token: deo}); r.Status != 403 {
		t.Fatalf("a DEO reads the trail: %d", r.Status)
	}
	if r := env.Do(servicetest.Request{Method: "GET", Path: path + "?from=yesterday", Token: dpo}); r.Status != 400 || !strings.Contains(string(r.Body), `"from"`) {
		t.Fatalf("a bad from: %d %s", r.Status, r.Body)
	}
}

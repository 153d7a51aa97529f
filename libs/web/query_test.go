package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/l4l-platform/l4l/libs/web"
)

func TestQueryValidatorRefusesValuesTheDocumentDoesNotAllow(t *testing.T) {
	doc := []byte(`openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /v1/things/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
      - {name: status, in: query, schema: {type: string, enum: [active, ended]}}
    get:
      parameters:
        - {name: within_days, in: query, schema: {type: integer, minimum: 0}}
        - {name: overdue, in: query, schema: {type: boolean}}
      responses: {"200": {description: ok}}
`)
	v, err := web.QueryValidator(doc)
	if err != nil {
		t.Fatal(err)
	}
	e := gin.New()
	e.GET("/v1/things/:thing", v, func(c *gin.Context) { c.String(200, "ok") })
	e.GET("/v1/undocumented", v, func(c *gin.Context) { c.String(200, "ok") })
	for _, c := range []struct {
		query string
		code  int
		field string
	}{
		{"", 200, ""},
		{"status=active&within_days=3&overdue=true", 200, ""},
		{"status[$ne]=x&unknown=1", 200, ""}, // undeclared names are ignored
		{"status=paused", 400, `"field":"status"`},
		{"status=%7B%22%24gt%22%3A%22%22%7D", 400, `"field":"status"`},
		{"within_days=soon", 400, `"field":"within_days"`},
		{"within_days=1.5", 400, `"field":"within_days"`},
		{"within_days=-1", 400, `"field":"within_days"`},
		{"overdue=maybe", 400, `"field":"overdue"`},
		{"status=active&status=ended", 400, `"field":"status"`},
	} {
		w := httptest.NewRecorder()
		e.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/v1/things/x?"+c.query, nil))
		if w.Code != c.code || !strings.Contains(w.Body.String(), c.field) {
			t.Errorf("?%s: %d %s, want %d naming %s", c.query, w.Code, w.Body, c.code, c.field)
		}
	}
	w := httptest.NewRecorder()
	e.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/v1/undocumented?status=anything", nil))
	if w.Code != 200 {
		t.Errorf("an undocumented route: %d", w.Code)
	}
}

package web_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/web"
)

// FuzzDecode: whatever a client sends, decoding answers a 4xx problem or a value, never a
// panic or an internal error.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"name":"x","count":1}`, `{"name":{"$gt":""}}`, `[]`, `{"count":1e999}`, `{"name":"\ud800"}`, `{} {}`, ``} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		c, _ := gin.CreateTestContext(httptest.NewRecorder())
		c.Request = httptest.NewRequest("POST", "/", strings.NewReader(body))
		c.Request.Header.Set("Content-Type", "application/json")
		var v struct {
			Name  string   `json:"name"`
			Count int      `json:"count"`
			Tags  []string `json:"tags"`
		}
		err := web.Decode(c, &v)
		if err != nil {
			if s := problem.From(err, "/").Status; s < 400 || s >= 500 {
				t.Fatalf("%q gave status %d: %v", body, s, err)
			}
		}
	})
}

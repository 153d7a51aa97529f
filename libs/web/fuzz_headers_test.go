package web_test

import (
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/web"
)

// FuzzIfMatch: any If-Match header gives a version this API could have issued (≥ 1,
// which formats back to the same ETag) or a 4xx problem; never a panic.
func FuzzIfMatch(f *testing.F) {
	for _, s := range []string{`"1"`, `W/"7"`, `*`, `"-1"`, `"9223372036854775808"`, ``, `"1", "2"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		c, _ := gin.CreateTestContext(httptest.NewRecorder())
		c.Request = httptest.NewRequest("PUT", "/", nil)
		c.Request.Header.Set("If-Match", h)
		v, err := web.IfMatch(c)
		if err != nil {
			if s := problem.From(err, "/").Status; s != 400 && s != 428 {
				t.Fatalf("%q gave status %d", h, s)
			}
			return
		}
		if v < 1 {
			t.Fatalf("%q gave version %d", h, v)
		}
	})
}

// FuzzLimit: any ?limit= is the default, a number within bounds, or a 400 naming limit.
func FuzzLimit(f *testing.F) {
	for _, s := range []string{"", "1", "50", "0", "-1", "1e3", "99999999999999999999", "１"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		c, _ := gin.CreateTestContext(httptest.NewRecorder())
		c.Request = httptest.NewRequest("GET", "/?limit="+url.QueryEscape(q), nil)
		n, err := web.Limit(c, 20, 100)
		if err != nil {
			p := problem.From(err, "/")
			if p.Status != 400 || len(p.Errors) != 1 || p.Errors[0].Field != "limit" {
				t.Fatalf("%q: %+v", q, p)
			}
			return
		}
		if n < 1 || n > 100 {
			t.Fatalf("%q gave limit %d", q, n)
		}
	})
}

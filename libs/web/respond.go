package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/l4l-platform/l4l/libs/problem"
)

var (
	errNoRoute  = problem.New(problem.NotFound, "no such resource; see /openapi.yaml for the routes")
	errNoMethod = problem.New(problem.NotFound, "method not allowed on this resource; see /openapi.yaml")
)

const loggerKey = "l4l.logger"

// Handler is a gin handler that returns its error instead of writing it: decode, authorize,
// call the domain, encode, and let Handle turn any error into a problem document.
type Handler func(c *gin.Context) error

// Handle adapts a Handler to gin.
func Handle(h Handler) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h(c); err != nil {
			Fail(c, err)
		}
	}
}

// Fail writes err as an RFC 9457 problem document and aborts the chain. Errors without a
// problem.Kind are logged with the request id and answered with a generic 500.
func Fail(c *gin.Context, err error) {
	p := problem.From(err, c.Request.URL.Path)
	if p.Status >= 500 {
		log, _ := c.Get(loggerKey)
		if l, ok := log.(*slog.Logger); ok {
			l.ErrorContext(c.Request.Context(), "request failed", "error", err, "request_id", RequestID(c), "path", c.Request.URL.Path)
		}
	}
	if p.Status == http.StatusUnauthorized {
		c.Header("WWW-Authenticate", `Bearer realm="l4l"`)
	}
	if p.Status == http.StatusServiceUnavailable {
		c.Header("Retry-After", "5")
	}
	body, _ := json.Marshal(p)
	c.Abort()
	c.Data(p.Status, problem.ContentType, body)
}

// JSON writes v with status.
func JSON(c *gin.Context, status int, v any) error {
	c.JSON(status, v)
	return nil
}

// Decode reads a JSON body strictly into dst: unknown fields, wrong types, trailing data,
// oversize bodies and non-JSON content types are 4xx problems naming the field. Decoding
// into typed structs is also what makes operator injection ({"$gt": ""}) impossible.
func Decode(c *gin.Context, dst any) error {
	if ct := c.GetHeader("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return problem.New(problem.UnsupportedMediaType, "Content-Type must be application/json, got %q", ct)
		}
	}
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return problem.New(problem.Malformed, "request body must hold a single JSON value")
	}
	return nil
}

func decodeError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return problem.New(problem.TooLarge, "request body exceeds %d bytes", tooBig.Limit)
	case errors.Is(err, io.EOF):
		return problem.New(problem.Malformed, "request body is empty; send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return problem.New(problem.Malformed, "request body is truncated JSON")
	case errors.As(err, &syntax):
		return problem.New(problem.Malformed, "malformed JSON at byte %d: %v", syntax.Offset, syntax)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(body)"
		}
		return problem.Fields("a field has the wrong type", problem.Field(field, "must be %s, not %s", jsonKind(typ.Type.Kind().String()), typ.Value))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return problem.Fields("the body has a field this endpoint does not accept", problem.Field(name, "unknown field"))
	}
	return problem.Wrap(problem.Malformed, err, "request body could not be read")
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "an array"
	case "bool":
		return "a boolean"
	default:
		return "a number"
	}
}

// Limit reads the ?limit= query parameter: default def, at most max.
func Limit(c *gin.Context, def, max int) (int, error) {
	s := c.Query("limit")
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > max {
		return 0, problem.Fields("invalid query parameter", problem.Field("limit", "must be a whole number from 1 to %d", max))
	}
	return n, nil
}

// ETag formats a version as a strong entity tag.
func ETag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// IfMatch reads the If-Match header as a version. Updates require it: without it a client
// would silently overwrite a change it never saw.
func IfMatch(c *gin.Context) (int64, error) {
	h := strings.TrimSpace(c.GetHeader("If-Match"))
	if h == "" {
		return 0, problem.New(problem.PreconditionRequired, "send If-Match with the ETag from your last GET")
	}
	h = strings.TrimPrefix(h, "W/")
	v, err := strconv.ParseInt(strings.Trim(h, `"`), 10, 64)
	if err != nil || v < 1 {
		return 0, problem.Fields("invalid header", problem.Field("If-Match", "must be an ETag this API returned, like %s", ETag(1)))
	}
	return v, nil
}

// Page is the envelope of every list response.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// Location sets the Location header of a created resource.
func Location(c *gin.Context, format string, args ...any) {
	c.Header("Location", fmt.Sprintf(format, args...))
}

// Created answers 201 with the new resource at <request path>/<id> and its first ETag.
func Created(c *gin.Context, id string, v any) error {
	Location(c, "%s/%s", c.Request.URL.Path, id)
	c.Header("ETag", ETag(1))
	return JSON(c, http.StatusCreated, v)
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"syscall"

	"github.com/l4l-platform/l4l/libs/problem"
)

// importReport is the directory's answer to an import (ImportReport in its OpenAPI
// document; the service's Go type is internal to it, as it should be).
type importReport struct {
	Mode      string               `json:"mode"`
	DryRun    bool                 `json:"dry_run"`
	Rows      int                  `json:"rows"`
	Created   int                  `json:"created"`
	Updated   int                  `json:"updated"`
	Unchanged int                  `json:"unchanged"`
	Rejected  int                  `json:"rejected"`
	Errors    []problem.FieldError `json:"errors"`
}

// apiError is a problem document a service answered with.
type apiError struct {
	Method, URL string
	Problem     problem.Problem
	// RetryAfter is the answer's Retry-After header: the service says trying again helps.
	RetryAfter string
}

// retryable reports whether the service asked to be called again: 503, or a 409 with
// Retry-After (an Idempotency-Key whose first request is still running).
func (e *apiError) retryable() bool {
	return e.Problem.Status == http.StatusServiceUnavailable || (e.Problem.Status == http.StatusConflict && e.RetryAfter != "")
}

func (e *apiError) Error() string {
	msg := fmt.Sprintf("%s %s: %d %s", e.Method, e.URL, e.Problem.Status, e.Problem.Title)
	if e.Problem.Detail != "" {
		msg += ": " + e.Problem.Detail
	}
	return msg
}

// importRequest is one CSV upload to the directory.
type importRequest struct {
	BaseURL, Token, Tenant string
	Kind                   string // schools or head-teachers
	Mode                   string // all, valid, or "" for the service's default (all)
	DryRun                 bool
	Body                   io.Reader
	Size                   int64
}

// postImport uploads the CSV and returns the report; a rejected import (422 and every
// other problem document) comes back as an *apiError carrying the row errors.
func postImport(ctx context.Context, r importRequest) (*importReport, error) {
	q := url.Values{}
	if r.Mode != "" {
		q.Set("mode", r.Mode)
	}
	if r.DryRun {
		q.Set("dry_run", "true")
	}
	u := strings.TrimSuffix(r.BaseURL, "/") + "/v1/tenants/" + url.PathEscape(r.Tenant) + "/imports/" + r.Kind
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, r.Body)
	if err != nil {
		return nil, err
	}
	// A wrapped reader hides the length from net/http; without it the upload would be
	// chunked and the server could not refuse an oversized file before reading it.
	req.ContentLength = r.Size
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("Authorization", "Bearer "+r.Token)
	var rep importReport
	if err := do(req, &rep); err != nil {
		return nil, err
	}
	return &rep, nil
}

// do sends req and decodes a 2xx JSON answer into out, or returns the problem document.
func do(req *http.Request, out any) error {
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) {
			return fmt.Errorf("nothing answers at %s: is `l4lctl dev up` running, or is --url wrong?", req.URL.Host)
		}
		return err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", req.Method, req.URL, err)
	}
	ct, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type"))
	if res.StatusCode >= 300 {
		e := &apiError{Method: req.Method, URL: req.URL.String()}
		if ct == problem.ContentType && json.Unmarshal(body, &e.Problem) == nil {
			return e
		}
		e.Problem = problem.Problem{Status: res.StatusCode, Title: http.StatusText(res.StatusCode), Detail: snippet(body)}
		return e
	}
	if ct != "application/json" {
		return fmt.Errorf("%s %s: expected JSON, got %q: %s (is --url an l4l service?)", req.Method, req.URL, ct, snippet(body))
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("%s %s: %w", req.Method, req.URL, err)
	}
	return nil
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

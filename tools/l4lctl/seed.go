package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/tools/l4lctl/internal/demo"
)

// seedResult is what seeding did: the directory's reports of both imports.
type seedResult struct {
	Units                 int
	Schools, HeadTeachers importReport
}

// seed imports the tenant's demo directory through the public REST API, as an integrator
// would: the data passes the same validation, and the same events reach Kafka, as real
// data. Imports are idempotent, so seeding every start costs one unchanged pass.
func seed(ctx context.Context, url, token string, p *profile.Index, tenant string) (seedResult, error) {
	d, err := demo.Generate(p, tenant)
	if err != nil {
		return seedResult{}, err
	}
	res := seedResult{Units: len(d.Units)}
	send := func(kind string, csv []byte) (importReport, error) {
		rep, err := retryUnavailable(ctx, func() (*importReport, error) {
			return postImport(ctx, importRequest{BaseURL: url, Token: token, Tenant: tenant, Kind: kind,
				Body: bytes.NewReader(csv), Size: int64(len(csv))})
		})
		if err != nil {
			return importReport{}, fmt.Errorf("%s: %w", kind, describe(err))
		}
		return *rep, nil
	}
	if res.Schools, err = send("schools", d.SchoolsCSV()); err != nil {
		return res, err
	}
	// Head teachers second: their rows name schools that must exist.
	res.HeadTeachers, err = send("head-teachers", d.HeadTeachersCSV())
	return res, err
}

// retryUnavailable retries an import the service answered 503 to, as the answer asks
// ("retry shortly"); imports are idempotent, so a retry never imports twice. In dev mode
// the database has one connection, which the outbox relay may hold for a moment.
func retryUnavailable(ctx context.Context, f func() (*importReport, error)) (*importReport, error) {
	deadline := time.Now().Add(time.Minute)
	wait := 100 * time.Millisecond
	for {
		rep, err := f()
		var ae *apiError
		if !errors.As(err, &ae) || ae.Problem.Status != http.StatusServiceUnavailable || time.Now().After(deadline) {
			return rep, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(wait):
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// describe adds the row errors of a rejected import to its message.
func describe(err error) error {
	e, ok := err.(*apiError)
	if !ok || len(e.Problem.Errors) == 0 {
		return err
	}
	msg := e.Error()
	for _, fe := range e.Problem.Errors {
		msg += fmt.Sprintf("\n  %s: %s", fe.Field, fe.Detail)
	}
	return fmt.Errorf("%s", msg)
}

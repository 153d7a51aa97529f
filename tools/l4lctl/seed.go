package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/tools/l4lctl/internal/demo"
)

// seedResult is what seeding did: the directory's reports of both imports, summed over
// the chunks they were sent in.
type seedResult struct {
	Units                 int
	Schools, HeadTeachers importReport
}

// seedChunk is how many rows one seeding request carries. FerretDB 1.24 (the dev
// database) deadlocks for good on an update command of 100 or more statements: each
// statement holds one of its 100 SQLite connections until the command ends. The outbox
// relay clears the outboxes of a whole batch of documents (up to 256) in one BulkWrite,
// so one import of 100+ new rows would wedge the database. Seeding therefore sends small
// imports and lets the relay drain each before the next. Remove this once the relay
// splits its BulkWrite (reported to the owners of libs/events).
const seedChunk = 40

// seed imports the tenant's demo directory through the public REST API, as an integrator
// would: the data passes the same validation, and the same events reach Kafka, as real
// data. Imports are idempotent, so seeding every start costs one unchanged pass.
func seed(ctx context.Context, url, token string, p *profile.Index, tenant string) (seedResult, error) {
	d, err := demo.Generate(p, tenant)
	if err != nil {
		return seedResult{}, err
	}
	res := seedResult{Units: len(d.Units)}
	send := func(kind string, csv []byte, sum *importReport, eventsPerRow int) error {
		before, err := published(ctx, url)
		if err != nil {
			return err
		}
		rep, err := retryUnavailable(ctx, func() (*importReport, error) {
			return postImport(ctx, importRequest{BaseURL: url, Token: token, Tenant: tenant, Kind: kind,
				Body: bytes.NewReader(csv), Size: int64(len(csv))})
		})
		if err != nil {
			return fmt.Errorf("%s: %w", kind, describe(err))
		}
		sum.Mode = rep.Mode
		sum.Rows += rep.Rows
		sum.Created += rep.Created
		sum.Updated += rep.Updated
		sum.Unchanged += rep.Unchanged
		sum.Rejected += rep.Rejected
		sum.Errors = append(sum.Errors, rep.Errors...)
		// At least this many events were written to outboxes; wait until they are out.
		return waitPublished(ctx, url, before+float64(eventsPerRow*rep.Created+rep.Updated))
	}
	for i := 0; i < len(d.Schools); i += seedChunk {
		part := demo.Data{Schools: d.Schools[i:min(i+seedChunk, len(d.Schools))]}
		if err := send("schools", part.SchoolsCSV(), &res.Schools, 1); err != nil {
			return res, err
		}
	}
	// Head teachers second: their rows name schools that must exist. A new one is two
	// events: the person created and the head-teacher role assigned.
	for i := 0; i < len(d.HeadTeachers); i += seedChunk {
		part := demo.Data{HeadTeachers: d.HeadTeachers[i:min(i+seedChunk, len(d.HeadTeachers))]}
		if err := send("head-teachers", part.HeadTeachersCSV(), &res.HeadTeachers, 2); err != nil {
			return res, err
		}
	}
	return res, nil
}

// retryUnavailable retries an import the service answered 503 to, as the answer asks
// ("retry shortly"); imports are idempotent, so a retry never imports twice. The dev
// database has one connection, which the outbox relay holds while it clears a batch of
// outboxes (after /metrics already counts the events as published); a request arriving
// then can time out waiting for it.
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

// published reads l4l_outbox_published_total from the service's /metrics: the only
// public sign of how far its outbox relay has got.
func published(ctx context.Context, url string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s/metrics: %s", url, res.Status)
	}
	var total float64
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "l4l_outbox_published_total") {
			continue
		}
		f := strings.Fields(line)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err != nil {
			return 0, fmt.Errorf("GET %s/metrics: %q: %w", url, line, err)
		}
		total += v
	}
	return total, sc.Err()
}

func waitPublished(ctx context.Context, url string, want float64) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		n, err := published(ctx, url)
		if err == nil && n >= want {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the directory's outbox relay published %v of %v events within 30s; see its log", n, want)
		case <-time.After(20 * time.Millisecond):
		}
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

package service_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/l4l-platform/l4l/libs/idempotency"
	"github.com/l4l-platform/l4l/libs/privacy"
	"github.com/l4l-platform/l4l/libs/service/servicetest"
)

// retentionFragment and retentionSchema are what every service's document says of its
// retention reports.
const retentionFragment = `  /v1/tenants/{tenant}/privacy/SERVICE/retention-runs:
    get:
      tags: [privacy]
      operationId: listRetentionRuns
      summary: What the retention job removed in this tenant, run by run (data-protection officer, admin).
      description: |
        The job runs daily in every service and deletes the records whose lifetime has
        passed: the lifetime the country profile sets for the kind of record
        ("spec.retention"), else the platform's default. Each run's report names, for each
        kind, the lifetime applied and where it came from, the cutoff, and how many records
        were removed. Counts only, never the records. Oldest first.
      parameters:
        - {name: tenant, in: path, required: true, schema: {type: string}}
        - {name: from, in: query, schema: {type: string, format: date-time}, description: Only the runs started at or after this time.}
        - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 500}}
        - {name: cursor, in: query, schema: {type: string}}
      responses:
        '200':
          description: A page of retention runs.
          content:
            application/json:
              schema:
                type: object
                required: [items]
                properties:
                  next_cursor: {type: string}
                  items: {type: array, items: {$ref: '#/components/schemas/RetentionRun'}}
        default: {$ref: '#/components/responses/Problem'}
    post:
      tags: [privacy]
      operationId: runRetention
      summary: Run the retention job in this tenant now and answer its report (data-protection officer, admin).
      description: |
        For after a profile shortened a lifetime, or before an inspection. A second run
        removes nothing more, so no Idempotency-Key is needed. A kind that could not be
        processed is in the report with outcome "failed".
      parameters:
        - {name: tenant, in: path, required: true, schema: {type: string}}
      responses:
        '201':
          description: The run's report.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/RetentionRun'}
        default: {$ref: '#/components/responses/Problem'}`

const retentionSchema = `    RetentionRun:
      type: object
      description: One run of the retention job in one tenant.
      required: [id, started_at, finished_at, trigger, outcome, rules]
      properties:
        id: {type: string}
        started_at: {type: string, format: date-time}
        finished_at: {type: string, format: date-time}
        trigger: {type: string, enum: [schedule, request]}
        outcome: {type: string, enum: [ok, failed]}
        rules:
          type: array
          items:
            type: object
            required: [record, keep, source, cutoff, removed, outcome]
            properties:
              record: {type: string, description: 'The kind of record, e.g. audit_entries, rejected_applications.'}
              keep: {type: string, description: 'The lifetime applied, e.g. 5y, 18m, 90d.'}
              source: {type: string, enum: [profile, default], description: Whether the country profile set the lifetime.}
              cutoff: {type: string, format: date-time, description: Records that ended before this were removed.}
              removed: {type: integer, minimum: 0}
              outcome: {type: string, enum: [ok, failed]}`

// The retention job removes exactly the expired records, with each tenant's profile's
// lifetimes (Rwanda keeps audit entries 5 years, Kenya 3) and the defaults where the
// profile sets none (idempotency records, 2 days), and nothing else; a second run removes
// nothing; the metrics and the tenant's reports say what was removed.
func TestRetentionRemovesExactlyTheExpiredRecords(t *testing.T) {
	env := servicetest.Start(t, people)
	ctx := context.Background()
	// The job's clock is moved to a fixed day, so that "5 years" is calendar arithmetic
	// whatever day the test runs on.
	now := time.Date(2031, 3, 15, 12, 0, 0, 0, time.UTC)
	env.Svc.Retention.SetClock(func() time.Time { return now })
	hour := time.Hour
	seed := map[string][]struct {
		coll, field string
		at          time.Time
	}{
		"rw-gasabo": {
			{privacy.AuditCollection, "time", now.AddDate(-5, 0, 0).Add(-hour)},      // expired (profile: 5y)
			{privacy.AuditCollection, "time", now.AddDate(-5, 0, 0).Add(hour)},       // kept
			{privacy.AuditCollection, "time", now.AddDate(-4, 0, 0)},                 // kept
			{idempotency.Collection, "created_at", now.AddDate(0, 0, -2).Add(-hour)}, // expired (default: 2d)
			{idempotency.Collection, "created_at", now.AddDate(0, 0, -2).Add(hour)},  // kept
		},
		"ke-mombasa": {
			{privacy.AuditCollection, "time", now.AddDate(-3, 0, 0).Add(-hour)}, // expired (profile: 3y)
			{privacy.AuditCollection, "time", now.AddDate(-3, 0, 0).Add(hour)},  // kept, though Rwanda's default would differ
			{privacy.AuditCollection, "time", now.AddDate(-4, 0, 0)},            // expired in Kenya, kept in Rwanda
			{idempotency.Collection, "created_at", now.Add(-hour)},
		},
	}
	count := func(tenant, coll string) int64 {
		db, err := env.Svc.Deps.Tenants.DB(ctx, tenant)
		if err != nil {
			t.Fatal(err)
		}
		n, err := db.Collection(coll).CountDocuments(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for tenant, docs := range seed {
		db, err := env.Svc.Deps.Tenants.DB(ctx, tenant)
		if err != nil {
			t.Fatal(err)
		}
		for i, d := range docs {
			if _, err := db.Collection(d.coll).InsertOne(ctx, bson.D{{Key: "_id", Value: tenant + "-" + string(rune('a'+i))}, {Key: d.field, Value: d.at}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	report, err := env.Svc.Retention.RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]int64{
		"rw-gasabo":  {"audit_entries": 1, "idempotency_records": 1},
		"ke-mombasa": {"audit_entries": 2, "idempotency_records": 0},
	}
	for tenant, kinds := range want {
		for kind, n := range kinds {
			if report[tenant][kind] != n {
				t.Errorf("%s %s: removed %d, want %d (report %v)", tenant, kind, report[tenant][kind], n, report)
			}
		}
	}
	if a, i := count("rw-gasabo", privacy.AuditCollection), count("rw-gasabo", idempotency.Collection); a != 2 || i != 1 {
		t.Fatalf("Gasabo keeps %d audit entries and %d idempotency records, want 2 and 1", a, i)
	}
	if a, i := count("ke-mombasa", privacy.AuditCollection), count("ke-mombasa", idempotency.Collection); a != 1 || i != 1 {
		t.Fatalf("Mombasa keeps %d audit entries and %d idempotency records, want 1 and 1", a, i)
	}

	// A DPO asks for a run now: nothing more to remove; the reports list both runs with
	// the lifetimes applied and where they came from.
	dpo := env.Token([]string{"dpo"}, "ke-mombasa", "")
	path := "/v1/tenants/ke-mombasa" + privacy.RetentionRoute("people")
	r := env.Do(servicetest.Request{Method: "POST", Path: path, Token: dpo})
	if r.Status != 201 {
		t.Fatalf("run now: %d %s", r.Status, r.Body)
	}
	var run privacy.RetentionRun
	r.JSON(t, &run)
	if run.Trigger != privacy.TriggerRequest || run.Outcome != privacy.RunOK {
		t.Fatalf("run now: %+v", run)
	}
	for _, o := range run.Rules {
		if o.Removed != 0 {
			t.Errorf("the second run removed %d %s", o.Removed, o.Record)
		}
	}
	var page struct {
		Items []privacy.RetentionRun `json:"items"`
	}
	r = env.Do(servicetest.Request{Method: "GET", Path: path, Token: dpo})
	if r.Status != 200 {
		t.Fatalf("list runs: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &page)
	if len(page.Items) != 2 || page.Items[0].Trigger != privacy.TriggerSchedule || page.Items[1].ID != run.ID {
		t.Fatalf("runs of Mombasa: %s", r.Body)
	}
	got := map[string]string{}
	for _, o := range page.Items[0].Rules {
		got[o.Record] = o.Keep + " " + o.Source + " " + o.Cutoff.Format(time.DateOnly) + " " + string(rune('0'+o.Removed))
	}
	for record, w := range map[string]string{
		"audit_entries":       "3y profile 2028-03-15 2",
		"idempotency_records": "2d default 2031-03-13 0",
		"retention_runs":      "2y default 2029-03-15 0",
	} {
		if got[record] != w {
			t.Errorf("Mombasa's first run, %s: %q, want %q", record, got[record], w)
		}
	}
	if r := env.Do(servicetest.Request{Method: "POST", Path: path, Token: env.Token([]string{"deo"}, "ke-mombasa", "")}); r.Status != 403 {
		t.Fatalf("a county officer runs the job: %d", r.Status)
	}
	if r := env.Do(servicetest.Request{Method: "GET", Path: path, Token: env.Token([]string{"dpo"}, "rw-gasabo", "")}); r.Status != 403 {
		t.Fatalf("Gasabo's DPO reads Mombasa's reports: %d", r.Status)
	}

	res, err := http.Get(env.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, m := range []string{`l4l_retention_removed_total{record="audit_entries"} 3`, `l4l_retention_removed_total{record="idempotency_records"} 1`,
		`l4l_retention_runs_total{outcome="ok"} 1`} {
		if !strings.Contains(string(body), m) {
			t.Errorf("metrics lack %s", m)
		}
	}
}

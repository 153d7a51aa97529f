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

// The retention job removes exactly the expired records — audit entries older than five
// years, idempotency records older than two days — in every tenant, and nothing else; a
// second run removes nothing; the metrics say what was removed.
func TestRetentionRemovesExactlyTheExpiredRecords(t *testing.T) {
	env := servicetest.Start(t, people)
	ctx := context.Background()
	now := time.Now().UTC()
	day := 24 * time.Hour
	seed := map[string][]struct {
		coll, field string
		age         time.Duration
	}{
		"rw-gasabo": {
			{privacy.AuditCollection, "time", 5*365*day + day}, // expired
			{privacy.AuditCollection, "time", 5*365*day - day}, // kept
			{privacy.AuditCollection, "time", time.Hour},       // kept
			{idempotency.Collection, "created_at", 3 * day},    // expired
			{idempotency.Collection, "created_at", day},        // kept
		},
		"rw-nyarugenge": {
			{privacy.AuditCollection, "time", 6 * 365 * day}, // expired
			{idempotency.Collection, "created_at", time.Hour},
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
			if _, err := db.Collection(d.coll).InsertOne(ctx, bson.D{{Key: "_id", Value: tenant + "-" + string(rune('a'+i))}, {Key: d.field, Value: now.Add(-d.age)}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	report, err := env.Svc.Retention.RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]int64{
		"rw-gasabo":     {"audit_entries": 1, "idempotency_records": 1},
		"rw-nyarugenge": {"audit_entries": 1, "idempotency_records": 0},
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
	if a, i := count("rw-nyarugenge", privacy.AuditCollection), count("rw-nyarugenge", idempotency.Collection); a != 0 || i != 1 {
		t.Fatalf("Nyarugenge keeps %d audit entries and %d idempotency records, want 0 and 1", a, i)
	}
	again, err := env.Svc.Retention.RunOnce(ctx)
	if err != nil || again["rw-gasabo"]["audit_entries"] != 0 || again["rw-gasabo"]["idempotency_records"] != 0 {
		t.Fatalf("second run: %v %v", again, err)
	}
	res, err := http.Get(env.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, m := range []string{`l4l_retention_removed_total{record="audit_entries"} 2`, `l4l_retention_removed_total{record="idempotency_records"} 1`,
		`l4l_retention_runs_total{outcome="ok"} 2`} {
		if !strings.Contains(string(body), m) {
			t.Errorf("metrics lack %s", m)
		}
	}
}

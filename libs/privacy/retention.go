package privacy

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/l4l-platform/l4l/libs/idempotency"
	"github.com/l4l-platform/l4l/libs/mongox"
)

// RetentionRule is one kind of record that lives for a limited time: the documents of
// Collection whose Field (a BSON date) is older than Keep are deleted by the daily job.
// There are no TTL indexes on FerretDB (DESIGN.md's MongoDB subset), hence a job.
type RetentionRule struct {
	// Record names the kind in reports and metrics ("audit_entries").
	Record     string
	Collection string
	Field      string
	Keep       time.Duration
}

// PlatformRetention are the rules of what libs keeps in every tenant database:
//   - audit entries, 5 years (long enough for a complaint to a data-protection
//     authority and its appeal; the profile cannot change it yet — docs/privacy.md);
//   - idempotency records, 2 days: they hold whole answers, names included, and count as
//     absent after idempotency.Retention (1 day) anyway.
var PlatformRetention = []RetentionRule{
	{Record: "audit_entries", Collection: AuditCollection, Field: "time", Keep: 5 * 365 * 24 * time.Hour},
	{Record: "idempotency_records", Collection: idempotency.Collection, Field: "created_at", Keep: 2 * 24 * time.Hour},
}

// Retention runs a service's rules in every tenant that has a database.
type Retention struct {
	tenants *mongox.Tenants
	rules   []RetentionRule
	logger  *slog.Logger
	now     func() time.Time
	removed *prometheus.CounterVec
	runs    *prometheus.CounterVec
	last    prometheus.Gauge
}

// NewRetention prepares the job; reg receives its metrics.
func NewRetention(tenants *mongox.Tenants, rules []RetentionRule, logger *slog.Logger, reg prometheus.Registerer) *Retention {
	r := &Retention{tenants: tenants, rules: rules, logger: logger, now: time.Now,
		removed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "l4l_retention_removed_total", Help: "Records the retention job deleted, by kind."}, []string{"record"}),
		runs:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "l4l_retention_runs_total", Help: "Runs of the retention job, by outcome (ok, failed)."}, []string{"outcome"}),
		last:    prometheus.NewGauge(prometheus.GaugeOpts{Name: "l4l_retention_last_success_timestamp_seconds", Help: "When the retention job last ran without error."}),
	}
	if reg != nil {
		reg.MustRegister(r.removed, r.runs, r.last)
	}
	return r
}

// RunOnce applies every rule in every tenant with a database and reports what it
// removed, by tenant and kind. A tenant that fails does not stop the others.
func (r *Retention) RunOnce(ctx context.Context) (map[string]map[string]int64, error) {
	tenants, err := r.tenants.Existing(ctx)
	if err != nil {
		r.runs.WithLabelValues("failed").Inc()
		return nil, err
	}
	report := map[string]map[string]int64{}
	var firstErr error
	for _, tenant := range tenants {
		db, err := r.tenants.DB(ctx, tenant)
		if err != nil {
			firstErr = err
			continue
		}
		report[tenant] = map[string]int64{}
		for _, rule := range r.rules {
			cutoff := r.now().Add(-rule.Keep).UTC()
			res, err := db.Collection(rule.Collection).DeleteMany(ctx, bson.D{{Key: rule.Field, Value: bson.D{{Key: "$lt", Value: cutoff}}}})
			if err != nil {
				firstErr = err
				r.logger.Error("retention: could not delete expired records", "tenant", tenant, "record", rule.Record, "error", err)
				continue
			}
			report[tenant][rule.Record] = res.DeletedCount
			r.removed.WithLabelValues(rule.Record).Add(float64(res.DeletedCount))
		}
		r.logger.Info("retention run", "tenant", tenant, "removed", report[tenant])
	}
	if firstErr != nil {
		r.runs.WithLabelValues("failed").Inc()
		return report, firstErr
	}
	r.runs.WithLabelValues("ok").Inc()
	r.last.SetToCurrentTime()
	return report, nil
}

// Run runs the job a minute after start, then every interval, until ctx ends. Every
// replica runs it: the deletes are idempotent, and no leader election is needed.
func (r *Retention) Run(ctx context.Context, first, interval time.Duration) {
	wait := first
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		if _, err := r.RunOnce(ctx); err != nil && ctx.Err() == nil {
			r.logger.Warn("retention run failed; retrying at the next interval", "error", err)
		}
		wait = interval
	}
}

package privacy

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/l4l-platform/l4l/libs/idempotency"
	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/profile"
)

// RetentionRule is one kind of record that lives for a limited time: the documents of
// Collection whose Field (a BSON date) is older than the lifetime are deleted by the
// daily job. There are no TTL indexes on FerretDB (DESIGN.md's MongoDB subset), hence a
// job. The lifetime is the tenant's country profile's (spec.retention, by Record), or
// Keep when the profile sets none.
type RetentionRule struct {
	// Record names the kind in profiles, reports and metrics ("audit_entries"); it must
	// be one of profile.RetentionRecords for a profile to be able to set it.
	Record     string
	Collection string
	Field      string
	// Keep is the default lifetime.
	Keep profile.Period
	// Remove, for a kind whose end is not one date field of one collection, deletes the
	// records that ended before cutoff itself and says how many (Collection and Field
	// are then unused).
	Remove func(ctx context.Context, db *mongo.Database, cutoff time.Time) (int64, error)
}

// RetentionRunsCollection holds each tenant's reports of the job's runs.
const RetentionRunsCollection = "retention_runs"

// PlatformRetention are the rules of what libs keeps in every tenant database:
//   - audit entries, 5 years by default (long enough for a complaint to a data-protection
//     authority and its appeal);
//   - idempotency records, 2 days: they hold whole answers, names included, and count as
//     absent after idempotency.Retention (1 day) anyway;
//   - the job's own reports, 2 years (they hold only counts).
var PlatformRetention = []RetentionRule{
	{Record: profile.RetentionAuditEntries, Collection: AuditCollection, Field: "time", Keep: profile.Years(5)},
	{Record: profile.RetentionIdempotencyRecords, Collection: idempotency.Collection, Field: "created_at", Keep: profile.Days(2)},
	{Record: profile.RetentionRetentionRuns, Collection: RetentionRunsCollection, Field: "started_at", Keep: profile.Years(2)},
}

// Triggers of a run: the daily schedule, or a data-protection officer's request.
const (
	TriggerSchedule = "schedule"
	TriggerRequest  = "request"
)

// Outcomes of a run and of each rule in it.
const (
	RunOK     = "ok"
	RunFailed = "failed"
)

// RetentionRun is the report of one run in one tenant: what each rule removed. It holds
// counts and dates only, never the removed records.
type RetentionRun struct {
	ID         string        `bson:"_id" json:"id"`
	StartedAt  time.Time     `bson:"started_at" json:"started_at"`
	FinishedAt time.Time     `bson:"finished_at" json:"finished_at"`
	Trigger    string        `bson:"trigger" json:"trigger"`
	Outcome    string        `bson:"outcome" json:"outcome"`
	Rules      []RuleOutcome `bson:"rules" json:"rules"`
	// Deleted is always "" (mongox.Page lists live documents only).
	Deleted string `bson:"deleted" json:"-"`
}

// RuleOutcome is what one rule did in a run.
type RuleOutcome struct {
	Record string `bson:"record" json:"record"`
	// Keep is the lifetime applied and Source where it came from: "profile" or "default".
	Keep   string `bson:"keep" json:"keep"`
	Source string `bson:"source" json:"source"`
	// Cutoff is the instant before which records had expired.
	Cutoff  time.Time `bson:"cutoff" json:"cutoff"`
	Removed int64     `bson:"removed" json:"removed"`
	Outcome string    `bson:"outcome" json:"outcome"`
}

// Retention runs a service's rules in every tenant that has a database.
type Retention struct {
	tenants  *mongox.Tenants
	profiles *profile.Registry
	rules    []RetentionRule
	logger   *slog.Logger
	mu       sync.Mutex
	now      func() time.Time
	removed  *prometheus.CounterVec
	runs     *prometheus.CounterVec
	last     prometheus.Gauge
}

// NewRetention prepares the job; profiles (may be nil) set the lifetimes, reg receives
// its metrics.
func NewRetention(tenants *mongox.Tenants, profiles *profile.Registry, rules []RetentionRule, logger *slog.Logger, reg prometheus.Registerer) *Retention {
	r := &Retention{tenants: tenants, profiles: profiles, rules: rules, logger: logger, now: time.Now,
		removed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "l4l_retention_removed_total", Help: "Records the retention job deleted, by kind."}, []string{"record"}),
		runs:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "l4l_retention_runs_total", Help: "Runs of the retention job, by outcome (ok, failed)."}, []string{"outcome"}),
		last:    prometheus.NewGauge(prometheus.GaugeOpts{Name: "l4l_retention_last_success_timestamp_seconds", Help: "When the retention job last ran without error in every tenant."}),
	}
	if reg != nil {
		reg.MustRegister(r.removed, r.runs, r.last)
	}
	return r
}

// SetClock replaces the job's clock (time.Now): tests move it to see records expire.
func (r *Retention) SetClock(now func() time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.now = now
}

func (r *Retention) clock() time.Time {
	r.mu.Lock()
	now := r.now
	r.mu.Unlock()
	return now().UTC()
}

// lifetime is the rule's lifetime in a tenant: its profile's, else the rule's default.
func (r *Retention) lifetime(tenant string, rule RetentionRule) (profile.Period, string) {
	if r.profiles != nil {
		if x, _, ok := r.profiles.Tenant(tenant); ok {
			if p, ok := x.Spec().RetentionFor(rule.Record); ok {
				return p, "profile"
			}
		}
	}
	return rule.Keep, "default"
}

// RunTenant applies every rule in one tenant and records the report in the tenant's
// database. A rule that fails does not stop the others; the report says which failed.
func (r *Retention) RunTenant(ctx context.Context, tenant, trigger string) (RetentionRun, error) {
	now := r.clock()
	run := RetentionRun{ID: uuid.Must(uuid.NewV7()).String(), StartedAt: now, Trigger: trigger, Outcome: RunOK, Rules: []RuleOutcome{}}
	db, err := r.tenants.DB(ctx, tenant)
	if err != nil {
		return run, err
	}
	var errs []error
	for _, rule := range r.rules {
		keep, source := r.lifetime(tenant, rule)
		cutoff := keep.Before(now)
		out := RuleOutcome{Record: rule.Record, Keep: keep.String(), Source: source, Cutoff: cutoff, Outcome: RunOK}
		var n int64
		if rule.Remove != nil {
			n, err = rule.Remove(ctx, db, cutoff)
		} else {
			var res *mongo.DeleteResult
			res, err = db.Collection(rule.Collection).DeleteMany(ctx, bson.D{{Key: rule.Field, Value: bson.D{{Key: "$lt", Value: cutoff}}}})
			if res != nil {
				n = res.DeletedCount
			}
		}
		out.Removed = n
		r.removed.WithLabelValues(rule.Record).Add(float64(n))
		if err != nil {
			errs = append(errs, err)
			out.Outcome, run.Outcome = RunFailed, RunFailed
			r.logger.Error("retention: could not delete expired records", "tenant", tenant, "record", rule.Record, "error", err)
		}
		run.Rules = append(run.Rules, out)
	}
	run.FinishedAt = r.clock()
	if _, err := db.Collection(RetentionRunsCollection).InsertOne(ctx, run); err != nil {
		errs = append(errs, err)
	}
	r.logger.Info("retention run", "tenant", tenant, "trigger", trigger, "outcome", run.Outcome, "rules", run.Rules)
	return run, errors.Join(errs...)
}

// RunOnce applies every rule in every tenant with a database and reports what it
// removed, by tenant and kind. A tenant that fails does not stop the others.
func (r *Retention) RunOnce(ctx context.Context) (map[string]map[string]int64, error) {
	tenants, err := r.tenants.Existing(ctx)
	if err != nil {
		r.runs.WithLabelValues(RunFailed).Inc()
		return nil, err
	}
	report := map[string]map[string]int64{}
	var firstErr error
	for _, tenant := range tenants {
		run, err := r.RunTenant(ctx, tenant, TriggerSchedule)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		report[tenant] = map[string]int64{}
		for _, o := range run.Rules {
			report[tenant][o.Record] = o.Removed
		}
	}
	if firstErr != nil {
		r.runs.WithLabelValues(RunFailed).Inc()
		return report, firstErr
	}
	r.runs.WithLabelValues(RunOK).Inc()
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

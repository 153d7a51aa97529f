package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/services/coaching/internal/domain"
)

// School improvement plans and drop-out-risk checks: each an aggregate written with its
// events in its own outbox (one single-document write per change).
const (
	Plans      = "plans"
	RiskChecks = "risk_checks"
)

// The plans' indexes join Indexes here rather than in store.go, so that this feature
// stays in its own files.
func init() {
	Indexes[Plans] = []mongo.IndexModel{
		// One plan per school and school year.
		{Keys: bson.D{{Key: "school_year_key", Value: 1}}, Options: options.Index().SetUnique(true)},
		{Keys: bson.D{{Key: "school_id", Value: 1}}},
		{Keys: bson.D{{Key: ChangeField, Value: 1}}},
	}
	Indexes[RiskChecks] = []mongo.IndexModel{
		{Keys: bson.D{{Key: "school_id", Value: 1}}},
		{Keys: bson.D{{Key: ChangeField, Value: 1}}},
	}
}

// Plans is the plans' collection of every tenant.
func (s *Store) Plans() mongox.Aggregates[domain.SchoolPlan] {
	return mongox.Aggregates[domain.SchoolPlan]{Name: "plan", Collection: Plans, Tenants: s.Tenants, Notifier: s.notifier}
}

// RiskChecks is the drop-out-risk checks' collection of every tenant.
func (s *Store) RiskChecks() mongox.Aggregates[domain.RiskCheck] {
	return mongox.Aggregates[domain.RiskCheck]{Name: "drop-out-risk check", Collection: RiskChecks, Tenants: s.Tenants, Notifier: s.notifier}
}

// PlanOf reads the plan of a school and school year ("" id when there is none).
func (s *Store) PlanOf(ctx context.Context, tenant, school, year string) (domain.SchoolPlan, int64, error) {
	c, err := s.coll(ctx, tenant, Plans)
	if err != nil {
		return domain.SchoolPlan{}, 0, err
	}
	var meta struct {
		ID string `bson:"_id"`
	}
	err = c.FindOne(ctx, bson.D{{Key: "school_year_key", Value: school + "|" + year}}, options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Decode(&meta)
	if err != nil {
		return domain.SchoolPlan{}, 0, mongox.Err(err, "plan")
	}
	return s.Plans().Get(ctx, tenant, meta.ID)
}

// LatestRiskCheck reads a school's latest drop-out-risk check (by date, then recording).
func (s *Store) LatestRiskCheck(ctx context.Context, tenant, school string) (*domain.RiskCheck, error) {
	checks, err := s.RiskChecks().All(ctx, tenant, bson.D{{Key: "school_id", Value: school}})
	if err != nil || len(checks) == 0 {
		return nil, err
	}
	latest := checks[0]
	for _, c := range checks[1:] {
		if c.Date > latest.Date || (c.Date == latest.Date && c.ID > latest.ID) {
			latest = c
		}
	}
	return &latest, nil
}

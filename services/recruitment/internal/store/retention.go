package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/privacy"
	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/services/recruitment/internal/domain"
)

// RejectedApplications is recruitment's retention rule (domain/retention.go says which
// applications are rejected and from when their lifetime counts). Two years by default,
// as in the shipped profiles; a profile's "rejected_applications" entry overrides it.
var RejectedApplications = privacy.RetentionRule{
	Record: profile.RetentionRejectedApplications,
	Keep:   profile.Years(2),
	Remove: removeRejectedApplications,
}

// storedCampaign is a campaign with its version, to update it without losing a
// concurrent change.
type storedCampaign struct {
	domain.Campaign `bson:",inline"`
	Version         int64 `bson:"v"`
}

// removeRejectedApplications deletes the applications withdrawn before cutoff and, in
// campaigns ranked before cutoff, those without an accepted or pending offer. Before the
// first removal from a campaign it records the funnel's first stages on the campaign, so
// the campaign's funnel stays what it was. Deleting is final (no tombstone): the point is
// that the data is gone. The applications' outboxes were relayed long ago.
func removeRejectedApplications(ctx context.Context, db *mongo.Database, cutoff time.Time) (int64, error) {
	apps := db.Collection(Applications)
	var removed int64
	del := func(ids []string) error {
		if len(ids) == 0 {
			return nil
		}
		res, err := apps.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
		if res != nil {
			removed += res.DeletedCount
		}
		return err
	}

	// Campaigns ranked before the cutoff (a district has a campaign a year or so).
	cur, err := db.Collection(Campaigns).Find(ctx, bson.D{{Key: "status", Value: domain.CampaignRanked}, {Key: "ranked_at", Value: bson.D{{Key: "$lt", Value: cutoff}}}})
	if err != nil {
		return 0, err
	}
	var campaigns []storedCampaign
	if err := cur.All(ctx, &campaigns); err != nil {
		return 0, err
	}
	for _, c := range campaigns {
		if !c.RankedBefore(cutoff) {
			continue
		}
		held, err := campaignApplications(ctx, apps, bson.D{{Key: "campaign_id", Value: c.ID}})
		if err != nil {
			return removed, err
		}
		rejected := c.Rejected(held)
		if len(rejected) == 0 {
			continue
		}
		if c.FunnelBeforeRetention == nil {
			early := domain.EarlyStagesOf(held)
			res, err := db.Collection(Campaigns).UpdateOne(ctx,
				bson.D{{Key: "_id", Value: c.ID}, {Key: mongox.VersionField, Value: c.Version}},
				bson.D{{Key: "$set", Value: bson.D{{Key: "funnel_before_retention", Value: early}}}, {Key: "$inc", Value: bson.D{{Key: mongox.VersionField, Value: 1}}}})
			if err != nil {
				return removed, err
			}
			if res.MatchedCount == 0 {
				continue // changed meanwhile: the next run sees it afresh
			}
		}
		if err := del(rejected); err != nil {
			return removed, err
		}
	}

	// Withdrawn before the cutoff, in campaigns of any status.
	withdrawn, err := campaignApplications(ctx, apps, bson.D{{Key: "status", Value: domain.ApplicationWithdrawn}})
	if err != nil {
		return removed, err
	}
	var expired []string
	for _, a := range withdrawn {
		if a.WithdrawnBefore(cutoff) {
			expired = append(expired, a.ID)
		}
	}
	return removed, del(expired)
}

func campaignApplications(ctx context.Context, apps *mongo.Collection, filter bson.D) ([]domain.Application, error) {
	cur, err := apps.Find(ctx, filter)
	if err != nil {
		return nil, err
	}
	var out []domain.Application
	return out, cur.All(ctx, &out)
}

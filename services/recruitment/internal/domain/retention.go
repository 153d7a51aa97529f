package domain

import (
	"slices"
	"time"
)

// Retention of rejected applications (the profile's "rejected_applications", 2 years in
// the shipped profiles). An application is rejected once it can no longer lead to an
// appointment: withdrawn, or — in a ranked campaign — without an accepted or pending
// offer (screened out, assessed but not reached, offer declined). Its lifetime counts
// from the date the record says it ended: the withdrawal, or the campaign's ranking.
// Appointed leaders' applications stay as long as the campaign (they are the record of
// why the leader was appointed), and so do those with an offer still pending.

// EarlyStages are the funnel stages counted from applications.
type EarlyStages struct {
	Applied  int `json:"applied" bson:"applied"`
	Eligible int `json:"eligible" bson:"eligible"`
	Assessed int `json:"assessed" bson:"assessed"`
}

// WithdrawnBefore reports whether a withdrawn application was withdrawn before cutoff.
// Applications withdrawn before withdrawn_at was recorded count from their last update,
// which was the withdrawal (a withdrawn application takes no further change).
func (a Application) WithdrawnBefore(cutoff time.Time) bool {
	if a.Status != ApplicationWithdrawn {
		return false
	}
	at := a.UpdatedAt
	if a.WithdrawnAt != nil {
		at = *a.WithdrawnAt
	}
	return at.Before(cutoff)
}

// RankedBefore reports whether the campaign was ranked before cutoff.
func (c Campaign) RankedBefore(cutoff time.Time) bool {
	return c.Status == CampaignRanked && c.RankedAt != nil && c.RankedAt.Before(cutoff)
}

// Rejected lists the applications of a ranked campaign that cannot lead to an
// appointment any more: every one without an accepted or pending offer.
func (c Campaign) Rejected(apps []Application) []string {
	var out []string
	for _, a := range apps {
		if !slices.ContainsFunc(c.Offers, func(o Offer) bool {
			return o.ApplicationID == a.ID && (o.Status == OfferAccepted || o.Status == OfferPending)
		}) {
			out = append(out, a.ID)
		}
	}
	return out
}

// EarlyStagesOf counts the funnel's first stages of a ranked campaign from its
// applications, as the funnel does, except that assessed counts any score: whether a
// scorer counted (no conflict of interest) needs the directory's facts of two years ago.
// Ranking waits until every eligible candidate is fully scored by counted members, so
// the two agree for every campaign ranked through the API.
func EarlyStagesOf(apps []Application) EarlyStages {
	var e EarlyStages
	for _, a := range apps {
		if !a.Active() {
			continue
		}
		e.Applied++
		if a.Eligible() {
			e.Eligible++
			if len(a.Scores) > 0 {
				e.Assessed++
			}
		}
	}
	return e
}

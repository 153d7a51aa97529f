package domain

import (
	"slices"
	"testing"
	"time"
)

func TestRejectedApplicationsOfARankedCampaign(t *testing.T) {
	ranked := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	c := Campaign{Status: CampaignRanked, RankedAt: &ranked, Offers: []Offer{
		{ApplicationID: "accepted", Status: OfferAccepted},
		{ApplicationID: "exited", Status: OfferAccepted}, // appointed, left since: still the record of an appointment
		{ApplicationID: "pending", Status: OfferPending},
		{ApplicationID: "declined", Status: OfferDeclined},
	}}
	apps := []Application{{ID: "accepted"}, {ID: "exited"}, {ID: "pending"}, {ID: "declined"}, {ID: "not-reached"}, {ID: "screened-out"}, {ID: "withdrawn"}}
	got := c.Rejected(apps)
	if want := []string{"declined", "not-reached", "screened-out", "withdrawn"}; !slices.Equal(got, want) {
		t.Fatalf("rejected %v, want %v", got, want)
	}
	if !c.RankedBefore(ranked.Add(time.Second)) || c.RankedBefore(ranked) {
		t.Fatal("ranked before: the cutoff is exclusive")
	}
	if (Campaign{Status: CampaignClosed, RankedAt: &ranked}).RankedBefore(ranked.AddDate(5, 0, 0)) {
		t.Fatal("a campaign that is not ranked has no rejected applications")
	}
}

func TestWithdrawnBefore(t *testing.T) {
	at := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	a := Application{Status: ApplicationActive, UpdatedAt: at.AddDate(-3, 0, 0)}
	if a.WithdrawnBefore(at) {
		t.Fatal("an active application expired")
	}
	if err := a.Withdraw(Campaign{Status: CampaignOpen}, at); err != nil {
		t.Fatal(err)
	}
	if a.WithdrawnBefore(at) || !a.WithdrawnBefore(at.Add(time.Second)) {
		t.Fatal("withdrawn_at is the withdrawal")
	}
	// Withdrawn before withdrawn_at was recorded: the last update was the withdrawal.
	old := Application{Status: ApplicationWithdrawn, UpdatedAt: at}
	if !old.WithdrawnBefore(at.Add(time.Second)) || old.WithdrawnBefore(at) {
		t.Fatal("an old withdrawal counts from its last update")
	}
}

func TestFunnelKeepsItsStagesAfterRetention(t *testing.T) {
	scored := []Score{{MemberID: "m", Criterion: "c", Level: 3}}
	apps := []Application{
		{ID: "a", Status: ApplicationActive, Screening: Screening{Eligible: true}, Scores: scored},
		{ID: "b", Status: ApplicationActive, Screening: Screening{Eligible: true}, Scores: scored},
		{ID: "c", Status: ApplicationActive},
		{ID: "w", Status: ApplicationWithdrawn, Screening: Screening{Eligible: true}},
	}
	early := EarlyStagesOf(apps)
	if early != (EarlyStages{Applied: 3, Eligible: 2, Assessed: 2}) {
		t.Fatalf("early stages %+v", early)
	}
	c := Campaign{Ranking: []PositionRun{{Ranked: []Ranked{{ApplicationID: "a"}, {ApplicationID: "b"}}}}, Offers: []Offer{{ApplicationID: "a", Status: OfferAccepted}}}
	assessed := func(a Application) bool { return len(a.Scores) > 0 }
	full := FunnelOf(c, apps, assessed)
	c.FunnelBeforeRetention = &early
	if after := FunnelOf(c, apps[:1], assessed); after != full {
		t.Fatalf("after retention the funnel is %+v, was %+v", after, full)
	}
}

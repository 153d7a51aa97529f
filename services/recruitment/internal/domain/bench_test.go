package domain

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkRank ranks a Kenya-sized intake: 30,000 applications for 1,500 positions, each
// scored by 5 panel members on every criterion of the rubric. Target: < 1 s and < 500 MiB
// (B/op is everything the ranking allocates, an upper bound on what it holds).
func BenchmarkRank(b *testing.B) {
	tn := rwanda(b)
	crit := tn.Rules().Criteria
	const apps, positions, scorers = 30_000, 1_500, 5
	pos := make([]Position, positions)
	for i := range pos {
		pos[i] = Position{Key: fmt.Sprintf("lead_ht:zone-%04d", i), Places: 2}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	cands := make([]Candidate, apps)
	for i := range cands {
		lv := make(map[string][]int, len(crit))
		for _, c := range crit {
			l := make([]int, scorers)
			for s := range l {
				l[s] = 1 + rng.IntN(4)
			}
			lv[c.Key] = l
		}
		cands[i] = Candidate{ApplicationID: fmt.Sprintf("app-%06d", i), PersonID: fmt.Sprintf("person-%06d", i),
			Position: pos[i%positions].Key, Levels: lv, YearsAsHeadTeacher: 3 + rng.IntN(20), SubmittedAt: now}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		runs := Rank(crit, pos, cands)
		if len(runs) != positions || len(runs[0].Ranked) != apps/positions {
			b.Fatalf("%d runs, %d ranked in the first", len(runs), len(runs[0].Ranked))
		}
	}
}

// BenchmarkPrepareAndRank is the whole pure path of POST .../ranking for the same intake:
// readiness (missing scores, moderation flags, conflicts) over stored applications, then
// the ranking.
func BenchmarkPrepareAndRank(b *testing.B) {
	tn := rwanda(b)
	crit := tn.Rules().Criteria
	const apps, positions = 30_000, 1_500
	panel := Panel{Chair: "m0", Members: []string{"m1", "m2", "m3", "m4"}}
	c := Campaign{ID: "c", Panel: panel, Positions: make([]Position, positions)}
	for i := range c.Positions {
		c.Positions[i] = Position{Key: fmt.Sprintf("lead_ht:zone-%04d", i), Places: 2}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	list := make([]Application, apps)
	for i := range list {
		a := Application{ID: fmt.Sprintf("app-%06d", i), CampaignID: "c", PersonID: fmt.Sprintf("person-%06d", i),
			Position: c.Positions[i%positions].Key, SchoolID: fmt.Sprintf("school-%06d", i), SchoolUnit: "rw-gasabo-remera",
			Status: ApplicationActive, Screening: Screening{Eligible: true}, YearsAsHeadTeacher: 3 + rng.IntN(20), SubmittedAt: now,
			Assessments: []Assessment{{Kind: SiteVisit, Present: panel.All()}}}
		// Scorers agree within a level (no moderation flags), as a ranking needs.
		base := 1 + rng.IntN(3)
		for _, m := range panel.All() {
			for _, cr := range crit {
				a.Scores = append(a.Scores, Score{MemberID: m, Criterion: cr.Key, Level: base + rng.IntN(2)})
			}
		}
		list[i] = a
	}
	members := Members{}
	for _, m := range panel.All() {
		members[m] = staff(m, "deo", "rw-gasabo").Affiliation(tn, "2027-03-10")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		cands, err := Prepare(tn, c, list, members)
		if err != nil {
			b.Fatal(err)
		}
		if runs := Rank(crit, c.Positions, cands); len(runs) != positions {
			b.Fatalf("%d runs", len(runs))
		}
	}
}

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

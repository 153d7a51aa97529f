package domain

import (
	"cmp"
	"slices"
	"time"

	"github.com/l4l-platform/l4l/libs/profile"
)

// Candidate is an assessed, eligible application as the ranking sees it.
type Candidate struct {
	ApplicationID string
	PersonID      string
	Position      string
	// Levels holds, per criterion key, the levels of the counted (present, unconflicted)
	// panel members.
	Levels             map[string][]int
	YearsAsHeadTeacher int
	SubmittedAt        time.Time
}

// Ranked is a candidate's place in a position's ranking.
type Ranked struct {
	ApplicationID string `json:"application_id" bson:"application_id"`
	PersonID      string `json:"person_id" bson:"person_id"`
	Rank          int    `json:"rank" bson:"rank"`
	// Score is the weighted mean over criteria of the mean level over scorers (1 to N).
	Score float64 `json:"score" bson:"score"`
	// Criteria are the mean levels per criterion.
	Criteria           map[string]float64 `json:"criteria" bson:"criteria"`
	YearsAsHeadTeacher int                `json:"years_as_head_teacher" bson:"years_as_head_teacher"`
}

// PositionRun is a position's ranking and the selection that runs down it.
type PositionRun struct {
	Position string   `json:"position" bson:"position"`
	Ranked   []Ranked `json:"ranked" bson:"ranked"`
	// Queue is who may be offered the position, in rank order: the top candidates for its
	// places, then the reserve list. Next is the index of the next one to offer.
	Queue []string `json:"-" bson:"queue"`
	Next  int      `json:"-" bson:"next"`
	// Reserve is the reserve list still waiting (derived from Queue and Next).
	Reserve []string `json:"reserve" bson:"reserve"`
}

// tolerance below which two weighted scores are equal: means of small integers, weighted
// in percent, differ by far more when they really differ.
const tolerance = 1e-9

type scored struct {
	c        *Candidate
	score    float64
	byWeight []float64 // criterion means, heaviest criterion first
}

// Rank orders the candidates of each position (an LLL per sector, NLLs per district) by
// their aggregate score: the weighted mean over the rubric's criteria of the mean level
// over the counted scorers. Ties are broken, in order, by:
//  1. the higher mean on the heaviest criterion, then the next heaviest, and so on
//     (criteria of equal weight in profile order) — Rwanda: coaching skill first;
//  2. more years as a head teacher;
//  3. the earlier application;
//  4. the application id (so that the order is total and repeatable).
//
// A criterion nobody scored counts as 0 (the readiness check keeps such candidates out
// of a real ranking). Candidates of unknown positions are left out. Rank is pure: the same
// input gives the same output.
func Rank(criteria []profile.Criterion, positions []Position, cands []Candidate) []PositionRun {
	order := slices.Clone(criteria)
	slices.SortStableFunc(order, func(a, b profile.Criterion) int { return cmp.Compare(b.Weight, a.Weight) })
	total := 0
	for _, c := range order {
		total += c.Weight
	}
	index := make(map[string]int, len(positions))
	for i, p := range positions {
		index[p.Key] = i
	}
	groups := make([][]scored, len(positions))
	means := make([]float64, len(cands)*len(order))
	for i := range cands {
		c := &cands[i]
		pi, ok := index[c.Position]
		if !ok {
			continue
		}
		s := scored{c: c, byWeight: means[i*len(order) : (i+1)*len(order)]}
		for j, cr := range order {
			lv := c.Levels[cr.Key]
			if len(lv) == 0 {
				continue
			}
			sum := 0
			for _, l := range lv {
				sum += l
			}
			m := float64(sum) / float64(len(lv))
			s.byWeight[j] = m
			s.score += float64(cr.Weight) * m
		}
		if total > 0 {
			s.score /= float64(total)
		}
		groups[pi] = append(groups[pi], s)
	}
	runs := make([]PositionRun, len(positions))
	for pi, g := range groups {
		slices.SortFunc(g, compareScored)
		run := PositionRun{Position: positions[pi].Key, Ranked: make([]Ranked, len(g))}
		for r, s := range g {
			crit := make(map[string]float64, len(order))
			for j, cr := range order {
				crit[cr.Key] = s.byWeight[j]
			}
			run.Ranked[r] = Ranked{ApplicationID: s.c.ApplicationID, PersonID: s.c.PersonID, Rank: r + 1,
				Score: s.score, Criteria: crit, YearsAsHeadTeacher: s.c.YearsAsHeadTeacher}
		}
		runs[pi] = run
	}
	return runs
}

func compareScored(a, b scored) int {
	if d := a.score - b.score; d > tolerance || d < -tolerance {
		return cmp.Compare(b.score, a.score)
	}
	for j := range a.byWeight {
		if d := a.byWeight[j] - b.byWeight[j]; d > tolerance || d < -tolerance {
			return cmp.Compare(b.byWeight[j], a.byWeight[j])
		}
	}
	if a.c.YearsAsHeadTeacher != b.c.YearsAsHeadTeacher {
		return cmp.Compare(b.c.YearsAsHeadTeacher, a.c.YearsAsHeadTeacher)
	}
	if c := a.c.SubmittedAt.Compare(b.c.SubmittedAt); c != 0 {
		return c
	}
	return cmp.Compare(a.c.ApplicationID, b.c.ApplicationID)
}

package domain

import (
	"slices"
	"strings"
)

// DefaultVisitIntervals maps a head teacher's last rating level (the lowest of the latest
// levels per area) to the days until the next visit is due. The profile has no field for
// it yet (see the report: Competencies.Levels[].visitIntervalDays would be its place);
// this is the documented default, from the example: the weaker the practice, the
// closer the support.
var DefaultVisitIntervals = map[int]int{1: 30, 2: 60, 3: 90, 4: 180}

// VisitInterval is the days from one visit to the next for a coachee last rated at level
// (0: never rated, which gets the closest rhythm). Levels beyond the table take its
// highest entry.
func VisitInterval(level int) int {
	if level < 1 {
		level = 1
	}
	best, bestLevel := DefaultVisitIntervals[1], 1
	for l, d := range DefaultVisitIntervals {
		if l <= level && l >= bestLevel {
			best, bestLevel = d, l
		}
	}
	return best
}

// Visit statuses.
const (
	RhythmNeverVisited = "never_visited"
	RhythmOverdue      = "overdue"
	RhythmDue          = "due"
	RhythmOnTrack      = "on_track"
)

// RhythmEntry is where one coachee stands in the visit rhythm.
type RhythmEntry struct {
	RelationshipID string `json:"relationship_id"`
	CoachID        string `json:"coach_id"`
	CoacheeID      string `json:"coachee_id"`
	CoacheeRole    string `json:"coachee_role"`
	Unit           string `json:"unit"`
	LastVisit      string `json:"last_visit,omitempty"`
	RatingLevel    int    `json:"rating_level"`
	IntervalDays   int    `json:"interval_days"`
	NextDue        string `json:"next_due,omitempty"`
	DaysOverdue    int    `json:"days_overdue"`
	Status         string `json:"status"`
}

// Rhythm places each relationship's coachee in the rhythm on today: never visited,
// overdue (the next visit's date has passed), due (within `within` days) or on track.
// lastVisit and levels are per coachee; any session of the coachee counts as a visit.
// Most urgent first.
func Rhythm(rels []Relationship, lastVisit map[string]string, levels map[string]int, today string, within int) []RhythmEntry {
	out := make([]RhythmEntry, 0, len(rels))
	for _, r := range rels {
		e := RhythmEntry{RelationshipID: r.ID, CoachID: r.CoachID, CoacheeID: r.CoacheeID, CoacheeRole: r.CoacheeRole,
			Unit: r.Unit, LastVisit: lastVisit[r.CoacheeID], RatingLevel: levels[r.CoacheeID]}
		e.IntervalDays = VisitInterval(e.RatingLevel)
		switch {
		case e.LastVisit == "":
			e.Status = RhythmNeverVisited
		default:
			e.NextDue = AddDays(e.LastVisit, e.IntervalDays)
			left := DaysBetween(today, e.NextDue)
			switch {
			case left < 0:
				e.Status, e.DaysOverdue = RhythmOverdue, -left
			case left <= within:
				e.Status = RhythmDue
			default:
				e.Status = RhythmOnTrack
			}
		}
		out = append(out, e)
	}
	rank := map[string]int{RhythmNeverVisited: 0, RhythmOverdue: 1, RhythmDue: 2, RhythmOnTrack: 3}
	slices.SortStableFunc(out, func(a, b RhythmEntry) int {
		if rank[a.Status] != rank[b.Status] {
			return rank[a.Status] - rank[b.Status]
		}
		if a.DaysOverdue != b.DaysOverdue {
			return b.DaysOverdue - a.DaysOverdue
		}
		if c := strings.Compare(a.NextDue, b.NextDue); c != 0 {
			return c
		}
		return strings.Compare(a.CoacheeID, b.CoacheeID)
	})
	return out
}

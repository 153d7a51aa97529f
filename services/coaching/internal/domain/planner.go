package domain

import (
	"maps"
	"slices"
	"time"

	"github.com/l4l-platform/l4l/libs/profile"
)

// Ending is a relationship to end, and why.
type Ending struct {
	ID     string
	Reason string
}

// Changes are what Plan decides: relationships to end, then relationships to start.
type Changes struct {
	End   []Ending
	Start []Relationship
}

// Empty reports whether nothing changes.
func (c Changes) Empty() bool { return len(c.End) == 0 && len(c.Start) == 0 }

// Plan assigns coaches by the chain's rules, given the roster and the active
// relationships. It is deterministic and idempotent: planning again on the result
// changes nothing. The rules, for each link of the chain (LLL → HT, NLL → LLL, SLA → NLL):
//   - a coach coaches the coachees of the unit they are assigned to (an LLL the head
//     teachers of its sector's schools, an NLL the district's LLLs, a national SLA all
//     NLLs), but never a coachee who is a coach of the same unit (an LLL is a head teacher
//     too, coached by an NLL, not by itself);
//   - several coaches of a unit share its coachees evenly: a new coachee goes to the least
//     loaded coach, and loads differing by more than one are rebalanced;
//   - nobody is given more than the profile's caseload limit (Spec.Caseloads[].Max);
//   - a coachee without a coach (none in post, or all at the limit) is covered by the
//     unit's education officer (FallbackRole: the SEO) until a coach can take them; a
//     replacement coach takes them over;
//   - relationships made by hand are kept until their coach or coachee leaves the role.
func Plan(t Tenant, r Roster, current []Relationship, today string, now time.Time) Changes {
	var ch Changes
	active := r.Active(today)
	for _, l := range Chain(t.Profile) {
		planLink(t, l, r, active, current, today, now, &ch)
	}
	return ch
}

type coacheeSpot struct {
	person string
	start  string
	place  Placement
}

func planLink(t Tenant, l Link, r Roster, active []Assignment, current []Relationship, today string, now time.Time, ch *Changes) {
	coachRole, ok1 := t.Profile.Role(l.CoachRole)
	coacheeRole, ok2 := t.Profile.Role(l.CoacheeRole)
	if !ok1 || !ok2 {
		return
	}
	fallback := FallbackRole(t.Profile, l.CoachRole)
	limit := 0
	if c, ok := t.Profile.Caseload(l.CoachRole, l.CoacheeRole); ok {
		limit = c.Max
	}
	groupOfCoach := func(a Assignment) string {
		if coachRole.Scope == profile.ScopeCountry {
			return t.Code
		}
		return a.Unit
	}

	coaches := map[string][]string{}   // group → coach person ids, sorted
	fallbacks := map[string][]string{} // group → fallback holders, sorted
	coachIn := map[[2]string]bool{}    // (person, group)
	fallbackIn := map[[2]string]bool{}
	holdsCoachRole := map[string]bool{}
	start := map[string]string{} // person → earliest start in the coach or fallback role
	for _, a := range active {
		switch a.Role {
		case l.CoachRole:
			g := groupOfCoach(a)
			holdsCoachRole[a.PersonID] = true
			if !coachIn[[2]string{a.PersonID, g}] {
				coachIn[[2]string{a.PersonID, g}] = true
				coaches[g] = append(coaches[g], a.PersonID)
			}
		case fallback:
			if !fallbackIn[[2]string{a.PersonID, a.Unit}] {
				fallbackIn[[2]string{a.PersonID, a.Unit}] = true
				fallbacks[a.Unit] = append(fallbacks[a.Unit], a.PersonID)
			}
		default:
			continue
		}
		if s, ok := start[a.PersonID]; !ok || a.StartDate < s {
			start[a.PersonID] = a.StartDate
		}
	}

	coachees := map[string]coacheeSpot{}
	for _, a := range active {
		if a.Role != l.CoacheeRole {
			continue
		}
		if _, dup := coachees[a.PersonID]; dup {
			continue
		}
		p, ok := t.Place(r, a.Unit, coacheeRole.Scope, coachRole.Scope)
		if !ok || coachIn[[2]string{a.PersonID, p.Group}] {
			continue
		}
		coachees[a.PersonID] = coacheeSpot{person: a.PersonID, start: a.StartDate, place: p}
	}

	endedNow := map[string]bool{}
	end := func(rel Relationship, reason string) {
		ch.End = append(ch.End, Ending{ID: rel.ID, Reason: reason})
		endedNow[rel.CoacheeID] = true
	}
	kept := map[string]Relationship{} // coachee → relationship
	load := map[string]int{}
	for _, rel := range current {
		if rel.Link != l.Key() || rel.Status != StatusActive {
			continue
		}
		c, ok := coachees[rel.CoacheeID]
		if !ok {
			end(rel, EndCoacheeLeft)
			continue
		}
		if _, dup := kept[rel.CoacheeID]; dup {
			// Cannot happen with the unique active key; tolerate it by ending the twin.
			end(rel, EndRebalanced)
			continue
		}
		switch rel.Source {
		case SourceManual:
			if !holdsCoachRole[rel.CoachID] {
				end(rel, EndCoachLeft)
				continue
			}
		case SourceInterim:
			if !fallbackIn[[2]string{rel.CoachID, c.place.Group}] {
				end(rel, EndCoachLeft)
				continue
			}
		default:
			if !coachIn[[2]string{rel.CoachID, c.place.Group}] {
				reason := EndCoachLeft
				if rel.GroupUnit != c.place.Group {
					reason = EndMoved
				}
				end(rel, reason)
				continue
			}
		}
		kept[rel.CoacheeID] = rel
		if rel.Source != SourceInterim {
			load[rel.CoachID]++
		}
	}

	groups := map[string][]string{} // group → coachees, sorted
	for _, id := range slices.Sorted(maps.Keys(coachees)) {
		g := coachees[id].place.Group
		groups[g] = append(groups[g], id)
	}
	// A relationship starts when both are in post (an upload from a tablet that was
	// offline since may log sessions from then), except when it takes over from one
	// ended now: then it starts today, after the previous one.
	startOf := func(coach, coachee string) string {
		if endedNow[coachee] {
			return today
		}
		return max(start[coach], coachees[coachee].start)
	}
	assign := func(coach, coachee string) {
		rel := newRelationship(l, coach, l.CoachRole, coachee, coachees[coachee].place, SourceAuto, startOf(coach, coachee), now)
		ch.Start = append(ch.Start, rel)
		load[coach]++
	}
	leastLoaded := func(g string) (string, bool) {
		best := ""
		for _, c := range coaches[g] {
			if limit > 0 && load[c] >= limit {
				continue
			}
			if best == "" || load[c] < load[best] {
				best = c
			}
		}
		return best, best != ""
	}

	for _, g := range slices.Sorted(maps.Keys(groups)) {
		var unassigned []string
		for _, id := range groups[g] {
			rel, ok := kept[id]
			switch {
			case !ok:
				unassigned = append(unassigned, id)
			case rel.Source == SourceInterim:
				// A coach in post with room takes over from the interim cover.
				if _, room := leastLoaded(g); room {
					end(rel, EndCoachAppointed)
					delete(kept, id)
					unassigned = append(unassigned, id)
				}
			}
		}
		var uncovered []string
		for _, id := range unassigned {
			if c, ok := leastLoaded(g); ok {
				assign(c, id)
			} else {
				uncovered = append(uncovered, id)
			}
		}
		rebalance(g, coaches[g], kept, load, func(rel Relationship, to string) {
			end(rel, EndRebalanced)
			delete(kept, rel.CoacheeID)
			load[rel.CoachID]--
			assign(to, rel.CoacheeID)
		})
		for _, id := range uncovered {
			if fb := fallbacks[g]; len(fb) > 0 && fb[0] != id {
				rel := newRelationship(l, fb[0], fallback, id, coachees[id].place, SourceInterim, startOf(fb[0], id), now)
				ch.Start = append(ch.Start, rel)
			}
		}
	}
}

// rebalance moves automatically assigned coachees from the most to the least loaded coach
// of a group until loads differ by at most one, moving the fewest relationships.
func rebalance(g string, coaches []string, kept map[string]Relationship, load map[string]int, move func(Relationship, string)) {
	for range 1000 {
		if len(coaches) < 2 {
			return
		}
		most, least := coaches[0], coaches[0]
		for _, c := range coaches {
			if load[c] > load[most] {
				most = c
			}
			if load[c] < load[least] {
				least = c
			}
		}
		if load[most]-load[least] <= 1 {
			return
		}
		var candidate *Relationship
		for _, id := range slices.Sorted(maps.Keys(kept)) {
			rel := kept[id]
			if rel.CoachID == most && rel.Source == SourceAuto && rel.GroupUnit == g {
				candidate = &rel
			}
		}
		if candidate == nil {
			return
		}
		move(*candidate, least)
	}
}

package domain

import "github.com/l4l-platform/l4l/libs/privacy"

// The erase functions pseudonymise the free text of a coaching record that names the
// person being erased (as coach, coachee, observer, rater, head teacher or recorder):
// notes, goals, agreed actions' descriptions and follow-up notes become privacy.Erased.
// Ids, dates, focus areas, levels, rubric scores and statuses stay, so coverage, caseloads
// and the "% meeting the standard" stay true. Each reports whether anything changed.

func eraseText(changed *bool, s *string) {
	if *s != "" && *s != privacy.Erased {
		*s, *changed = privacy.Erased, true
	}
}

// EraseSession erases a coaching session's text.
func EraseSession(s *Session) bool {
	changed := false
	eraseText(&changed, &s.Notes)
	for i := range s.Goals {
		eraseText(&changed, &s.Goals[i])
	}
	for i := range s.Actions {
		eraseText(&changed, &s.Actions[i].Description)
	}
	for i := range s.FollowUps {
		eraseText(&changed, &s.FollowUps[i].Note)
	}
	return changed
}

// EraseRating erases the rater's notes on indicators.
func EraseRating(r *Rating) bool {
	changed := false
	for i := range r.Areas {
		for j := range r.Areas[i].Indicators {
			eraseText(&changed, &r.Areas[i].Indicators[j].Note)
		}
	}
	return changed
}

// EraseObservation erases a lesson observation's notes.
func EraseObservation(o *Observation) bool {
	changed := false
	eraseText(&changed, &o.Notes)
	return changed
}

// EraseRiskCheck erases the notes of a drop-out-risk check.
func EraseRiskCheck(r *RiskCheck) bool {
	changed := false
	for i := range r.Criteria {
		eraseText(&changed, &r.Criteria[i].Note)
	}
	return changed
}

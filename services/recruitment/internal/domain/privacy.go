package domain

import "github.com/l4l-platform/l4l/libs/privacy"

// EraseApplication pseudonymises the free text of a person's application: the panel's
// evidence notes, the chair's override justification and the moderation justifications.
// Ids, dates, scores, levels, screening results and statuses stay, so the ranking and the
// recruitment funnel stay true. It reports whether anything changed (a second run
// changes nothing).
func EraseApplication(a *Application) bool {
	changed := false
	erase := func(s *string) {
		if *s != "" && *s != privacy.Erased {
			*s, changed = privacy.Erased, true
		}
	}
	for i := range a.Assessments {
		for j := range a.Assessments[i].Notes {
			erase(&a.Assessments[i].Notes[j].Text)
		}
	}
	if a.Screening.Override != nil {
		erase(&a.Screening.Override.Justification)
	}
	for i := range a.Moderations {
		erase(&a.Moderations[i].Justification)
	}
	return changed
}

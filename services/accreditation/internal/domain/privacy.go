package domain

import "github.com/l4l-platform/l4l/libs/privacy"

func eraseText(changed *bool, s *string) {
	if *s != "" && *s != privacy.Erased {
		*s, *changed = privacy.Erased, true
	}
}

// EraseEnrolment pseudonymises the free text of a leader's enrolment: the reflections
// frozen in each submission, the assessor's and the moderator's feedback and the
// moderation's reason. Levels, outcomes, dates and ids stay, so the portfolio's progress
// and the accreditation pipeline stay true. The credential is not touched: its subject
// is urn:l4l:<tenant>:person:<id>, never a name, and it is the holder's — it must still
// verify. It reports whether anything changed.
func EraseEnrolment(e *Enrolment) bool {
	changed := false
	for i := range e.Submissions {
		s := &e.Submissions[i]
		for j := range s.Evidence {
			for k := range s.Evidence[j].Mappings {
				eraseText(&changed, &s.Evidence[j].Mappings[k].Reflection)
			}
		}
		if a := s.Assessment; a != nil {
			eraseText(&changed, &a.Feedback)
			for j := range a.Judgements {
				eraseText(&changed, &a.Judgements[j].Feedback)
			}
		}
		// The moderation's reason is why it was required ("fail" or "sample"), a fact,
		// not free text: it stays.
		if m := s.Moderation; m != nil {
			eraseText(&changed, &m.Feedback)
		}
	}
	return changed
}

// EraseEvidence pseudonymises an evidence item of person's portfolio. An item that is
// theirs alone loses its title, its reflections, its file's name and the file itself
// (dropFile is the stored file to delete; the item keeps the file's size and hash, and
// counts as before). A group project shared with others keeps everything: it is the
// others' evidence too.
func EraseEvidence(ev *Evidence, person string) (changed bool, dropFile string) {
	if len(ev.Owners) != 1 || ev.Owners[0] != person {
		return false, ""
	}
	eraseText(&changed, &ev.Title)
	for i := range ev.Mappings {
		eraseText(&changed, &ev.Mappings[i].Reflection)
	}
	if ev.File != nil {
		eraseText(&changed, &ev.File.Name)
		if ev.File.GridFSID != "" {
			dropFile, ev.File.GridFSID, changed = ev.File.GridFSID, "", true
		}
	}
	return changed, dropFile
}

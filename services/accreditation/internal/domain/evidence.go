package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/profile"
)

// Evidence is one item of workplace evidence. Items collected from events belong to one
// person; a group upload belongs to every team member named on it.
type Evidence struct {
	ID          string `bson:"_id" json:"id"`
	Requirement string `bson:"requirement" json:"requirement"`
	Source      string `bson:"source" json:"source"`
	// Owners are the people whose portfolios the item counts for.
	Owners []string `bson:"owners" json:"owners"`
	// SourceKey identifies what the item was collected from ("plc:<session>:<person>"),
	// unique, so a redelivered event adds nothing.
	SourceKey string    `bson:"source_key" json:"-"`
	SourceRef string    `bson:"source_ref,omitempty" json:"source_ref,omitempty"`
	Date      string    `bson:"date" json:"date"`
	Title     string    `bson:"title,omitempty" json:"title,omitempty"`
	File      *File     `bson:"file,omitempty" json:"file,omitempty"`
	Mappings  []Mapping `bson:"mappings" json:"mappings"`
	AddedBy   string    `bson:"added_by,omitempty" json:"added_by,omitempty"`
	AddedAt   time.Time `bson:"added_at" json:"added_at"`
}

// File is an uploaded document, stored in GridFS.
type File struct {
	GridFSID    string `bson:"gridfs_id" json:"-"`
	Name        string `bson:"name" json:"name"`
	ContentType string `bson:"content_type" json:"content_type"`
	Size        int64  `bson:"size" json:"size"`
	SHA256      string `bson:"sha256" json:"sha256"`
}

// Mapping ties evidence to a competency with the leader's reflection on it.
type Mapping struct {
	Competency string `bson:"competency" json:"competency"`
	Reflection string `bson:"reflection" json:"reflection"`
}

// MappingsOf is the item's mappings (shared by a group project's team).
func (ev Evidence) MappingsOf(string) []Mapping {
	if ev.Mappings == nil {
		return []Mapping{}
	}
	return ev.Mappings
}

// Collected makes an item of automatic evidence for one person.
func Collected(p Programme, id, collector, person, ref, date string, now time.Time) (Evidence, bool) {
	req := p.CollectedBy(collector)
	if req == "" || person == "" {
		return Evidence{}, false
	}
	prefix := map[string]string{CollectPLCFacilitated: "plc", CollectObservedCoaching: "coaching"}[collector]
	return Evidence{ID: id, Requirement: req, Source: profile.EvidenceAutomatic, Owners: []string{person},
		SourceKey: prefix + ":" + ref + ":" + person, SourceRef: ref, Date: date, Mappings: []Mapping{}, AddedAt: now}, true
}

// UploadFields describe an upload before its file is stored.
type UploadFields struct {
	Requirement string
	Title       string
	Date        string
	TeamMembers []string
}

// CheckUpload validates an upload's fields for a leader; enrolled says which team members
// have a live enrolment.
func CheckUpload(p Programme, uploader string, f UploadFields, enrolled func(string) bool) []problem.FieldError {
	var errs []problem.FieldError
	req, ok := p.Requirement(f.Requirement)
	switch {
	case f.Requirement == "":
		errs = append(errs, problem.Field("requirement", "required"))
	case !ok:
		var keys []string
		for _, r := range p.Requirements {
			if r.Source == profile.EvidenceUpload {
				keys = append(keys, r.Key)
			}
		}
		errs = append(errs, problem.Field("requirement", "%q is not an evidence requirement of the programme; uploads go to one of %s", f.Requirement, strings.Join(keys, ", ")))
	case req.Source != profile.EvidenceUpload:
		errs = append(errs, problem.Field("requirement", "%s is collected automatically from the platform's records and cannot be uploaded", f.Requirement))
	}
	if strings.TrimSpace(f.Title) == "" {
		errs = append(errs, problem.Field("title", "required"))
	} else if len(f.Title) > 200 {
		errs = append(errs, problem.Field("title", "at most 200 characters"))
	}
	if f.Date != "" {
		if _, err := time.Parse(time.DateOnly, f.Date); err != nil {
			errs = append(errs, problem.Field("date", "YYYY-MM-DD"))
		}
	}
	if len(f.TeamMembers) > 0 {
		if ok && !req.Group {
			errs = append(errs, problem.Field("team_member_ids", "%s is individual evidence: only group requirements name a team", f.Requirement))
		}
		for i, m := range f.TeamMembers {
			if m == uploader || slices.Contains(f.TeamMembers[:i], m) {
				errs = append(errs, problem.Field(fmt.Sprintf("team_member_ids[%d]", i), "%s is named twice (the uploader is a member already)", m))
			} else if !enrolled(m) {
				errs = append(errs, problem.Field(fmt.Sprintf("team_member_ids[%d]", i), "%s has no live enrolment in this tenant", m))
			}
		}
	}
	return errs
}

// Uploaded makes the evidence of an upload whose file is stored.
func Uploaded(id, uploader string, f UploadFields, file File, source string, now time.Time) Evidence {
	date := f.Date
	if date == "" {
		date = now.Format(time.DateOnly)
	}
	return Evidence{ID: id, Requirement: f.Requirement, Source: source, Owners: append([]string{uploader}, f.TeamMembers...),
		SourceKey: "upload:" + id, Date: date, Title: strings.TrimSpace(f.Title), File: &file, Mappings: []Mapping{},
		AddedBy: uploader, AddedAt: now}
}

// SetMappings replaces the item's competency mappings; each needs a known competency and a reflection.
func (ev *Evidence) SetMappings(p Programme, ms []Mapping) error {
	var errs []problem.FieldError
	seen := map[string]bool{}
	for i, m := range ms {
		f := fmt.Sprintf("mappings[%d]", i)
		switch {
		case !p.HasCompetency(m.Competency):
			errs = append(errs, problem.Field(f+".competency", "%q is not a competency of the programme; one of %s", m.Competency, strings.Join(p.CompetencyKeys(), ", ")))
		case seen[m.Competency]:
			errs = append(errs, problem.Field(f+".competency", "%s is mapped twice", m.Competency))
		}
		seen[m.Competency] = true
		if n := len(strings.TrimSpace(m.Reflection)); n == 0 {
			errs = append(errs, problem.Field(f+".reflection", "required: say how this evidence shows the competency"))
		} else if n > 5000 {
			errs = append(errs, problem.Field(f+".reflection", "at most 5000 characters"))
		}
	}
	if len(errs) > 0 {
		return problem.Fields("the mappings are not valid", errs...)
	}
	ev.Mappings = ms
	return nil
}

// RequirementRow is the progress of one requirement.
type RequirementRow struct {
	Key    string `bson:"key" json:"key"`
	Source string `bson:"source" json:"source"`
	Have   int    `bson:"have" json:"have"`
	Min    int    `bson:"min" json:"min"`
	Met    bool   `bson:"met" json:"met"`
}

// CompetencyRow says how much evidence is mapped to one competency.
type CompetencyRow struct {
	Key    string `json:"key"`
	Mapped int    `json:"mapped"`
}

// PortfolioProgress is the portfolio's progress per requirement and competency.
type PortfolioProgress struct {
	Requirements []RequirementRow `json:"requirements"`
	Competencies []CompetencyRow  `json:"competencies"`
	Complete     bool             `json:"complete"`
}

// Progress counts a person's evidence against the programme.
func Progress(p Programme, person string, evidence []Evidence) PortfolioProgress {
	have := map[string]int{}
	mapped := map[string]int{}
	for _, ev := range evidence {
		have[ev.Requirement]++
		for _, m := range ev.MappingsOf(person) {
			mapped[m.Competency]++
		}
	}
	out := PortfolioProgress{Complete: true}
	for _, r := range p.Requirements {
		row := RequirementRow{Key: r.Key, Source: r.Source, Have: have[r.Key], Min: r.Min, Met: have[r.Key] >= r.Min}
		out.Complete = out.Complete && row.Met
		out.Requirements = append(out.Requirements, row)
	}
	for _, c := range p.Competencies {
		out.Competencies = append(out.Competencies, CompetencyRow{Key: c.Key, Mapped: mapped[c.Key]})
		out.Complete = out.Complete && mapped[c.Key] > 0
	}
	return out
}

// Missing lists what keeps a portfolio from being submitted.
func Missing(p Programme, pr PortfolioProgress) []problem.FieldError {
	var errs []problem.FieldError
	for _, r := range pr.Requirements {
		if !r.Met {
			errs = append(errs, problem.Field("requirements."+r.Key, "%d of %d", r.Have, r.Min))
		}
	}
	for _, c := range pr.Competencies {
		if c.Mapped == 0 {
			errs = append(errs, problem.Field("competencies."+c.Key, "no evidence is mapped to it"))
		}
	}
	return errs
}

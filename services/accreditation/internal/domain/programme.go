// Package domain holds the accreditation programme's rules, without I/O: who is enrolled,
// what a portfolio needs before it may be submitted, who may assess whom, how an
// assessment and its moderation decide the outcome, and how a credential is signed and
// verified.
package domain

import (
	"fmt"
	"slices"

	"sigs.k8s.io/yaml"

	"github.com/l4l-platform/l4l/libs/profile"
)

// Collectors: the platform events an automatic requirement is fed from.
const (
	// CollectPLCFacilitated counts org.l4l.plc.session.held.v1 once for each facilitator.
	CollectPLCFacilitated = "plc_session_facilitated"
	// CollectObservedCoaching counts org.l4l.coaching.session.logged.v1 for the coach,
	// only when a third person observed the session.
	CollectObservedCoaching = "coaching_session_observed"
)

// Extras is what a programme needs beyond the profile's accreditation section: the
// embedded file programmes/<country>.yaml.
type Extras struct {
	Collectors              map[string]string `json:"collectors"`
	GroupRequirements       []string          `json:"groupRequirements"`
	ModerationSamplePercent int               `json:"moderationSamplePercent"`
	Uploads                 struct {
		MaxBytes int64    `json:"maxBytes"`
		Types    []string `json:"types"`
	} `json:"uploads"`
	CredentialValidYears int `json:"credentialValidYears"`
}

// Requirement is one evidence requirement of the portfolio.
type Requirement struct {
	Key    string `json:"key"`
	Name   string `json:"name"`
	Source string `json:"source"`
	Min    int    `json:"min"`
	// Collector names the events an automatic requirement is fed from.
	Collector string `json:"collector,omitempty"`
	// Group uploads count for every team member named on them.
	Group bool `json:"group"`
}

// Competency is one competency area the programme assesses.
type Competency struct {
	Key  string `json:"key"`
	Name string `json:"name"`
}

// Programme is a country's certificate programme.
type Programme struct {
	Country          string           `json:"country"`
	Name             string           `json:"name"`
	AwardingBody     string           `json:"awarding_body"`
	Roles            []string         `json:"roles"`
	Modules          []profile.Module `json:"modules"`
	Competencies     []Competency     `json:"competencies"`
	Requirements     []Requirement    `json:"requirements"`
	Levels           int              `json:"levels"`
	PassLevel        int              `json:"pass_level"`
	MaxResubmissions int              `json:"max_resubmissions"`
	ModerationSample int              `json:"moderation_sample_percent"`
	MaxUploadBytes   int64            `json:"max_upload_bytes"`
	UploadTypes      []string         `json:"upload_types"`
	ValidYears       int              `json:"credential_valid_years"`
}

// NewProgramme builds a country's programme from its profile and extras file. A profile
// without an accreditation section has no programme (ok false).
func NewProgramme(spec *profile.Spec, extrasYAML []byte) (Programme, bool, error) {
	a := spec.Accreditation
	if a == nil {
		return Programme{}, false, nil
	}
	var x Extras
	if err := yaml.UnmarshalStrict(extrasYAML, &x); err != nil {
		return Programme{}, false, fmt.Errorf("accreditation programme of %s: %w", spec.Country, err)
	}
	p := Programme{Country: spec.Country, Name: a.Name, AwardingBody: a.AwardingBody, Roles: a.Roles, Modules: a.Modules,
		Levels: len(spec.Competencies.Levels), PassLevel: a.PassLevel, MaxResubmissions: a.MaxResubmissions,
		ModerationSample: x.ModerationSamplePercent, MaxUploadBytes: x.Uploads.MaxBytes, UploadTypes: x.Uploads.Types,
		ValidYears: x.CredentialValidYears}
	names := map[string]string{}
	for _, area := range spec.Competencies.Areas {
		names[area.Key] = area.Name
	}
	for _, m := range a.Modules {
		for _, c := range m.Competencies {
			if _, ok := names[c]; !ok {
				return p, false, fmt.Errorf("accreditation programme of %s: module %s names unknown competency %q", spec.Country, m.Code, c)
			}
			if !slices.ContainsFunc(p.Competencies, func(x Competency) bool { return x.Key == c }) {
				p.Competencies = append(p.Competencies, Competency{Key: c, Name: names[c]})
			}
		}
	}
	for _, r := range a.Evidence {
		req := Requirement{Key: r.Key, Name: r.Name, Source: r.Source, Min: r.Min, Group: slices.Contains(x.GroupRequirements, r.Key)}
		if r.Source == profile.EvidenceAutomatic {
			req.Collector = x.Collectors[r.Key]
			if req.Collector != CollectPLCFacilitated && req.Collector != CollectObservedCoaching {
				return p, false, fmt.Errorf("accreditation programme of %s: automatic requirement %s needs a collector (%s or %s) in programmes/%s.yaml",
					spec.Country, r.Key, CollectPLCFacilitated, CollectObservedCoaching, spec.Country)
			}
		}
		p.Requirements = append(p.Requirements, req)
	}
	if p.MaxUploadBytes <= 0 || len(p.UploadTypes) == 0 {
		return p, false, fmt.Errorf("accreditation programme of %s: uploads.maxBytes and uploads.types are required", spec.Country)
	}
	if p.ModerationSample < 0 || p.ModerationSample > 100 {
		return p, false, fmt.Errorf("accreditation programme of %s: moderationSamplePercent must be 0..100", spec.Country)
	}
	return p, true, nil
}

// Requirement finds a requirement by key.
func (p Programme) Requirement(key string) (Requirement, bool) {
	i := slices.IndexFunc(p.Requirements, func(r Requirement) bool { return r.Key == key })
	if i < 0 {
		return Requirement{}, false
	}
	return p.Requirements[i], true
}

// CollectedBy is the automatic requirement fed by a collector ("" when none is).
func (p Programme) CollectedBy(collector string) string {
	for _, r := range p.Requirements {
		if r.Collector == collector {
			return r.Key
		}
	}
	return ""
}

// HasCompetency reports whether key is one of the programme's competencies.
func (p Programme) HasCompetency(key string) bool {
	return slices.ContainsFunc(p.Competencies, func(c Competency) bool { return c.Key == key })
}

// CompetencyKeys lists the competency keys in order.
func (p Programme) CompetencyKeys() []string {
	out := make([]string, len(p.Competencies))
	for i, c := range p.Competencies {
		out[i] = c.Key
	}
	return out
}

// Enrols reports whether the programme enrols holders of role on appointment.
func (p Programme) Enrols(role string) bool { return slices.Contains(p.Roles, role) }

// Cohort is the school year an enrolment starting on date (YYYY-MM-DD) belongs to: the
// profile's school year that contains the date, else the next one to start after it
// (an appointment in the long holiday joins the coming year), else the calendar year.
func Cohort(spec *profile.Spec, date string) string {
	next := ""
	for _, y := range spec.Calendar.SchoolYears {
		if len(y.Terms) == 0 {
			continue
		}
		first, last := y.Terms[0].Start, y.Terms[len(y.Terms)-1].End
		if first <= date && date <= last {
			return y.Name
		}
		if first > date && next == "" {
			next = y.Name
		}
	}
	if next != "" {
		return next
	}
	if len(date) >= 4 {
		return date[:4]
	}
	return ""
}

package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/l4l-platform/l4l/libs/profile"
)

// Rating is a head teacher's competency rating against the profile's leadership
// standards: each rated area at a level of the scale, with notes on its indicators.
type Rating struct {
	ID            string       `json:"id" bson:"_id"`
	HeadTeacherID string       `json:"head_teacher_id" bson:"head_teacher_id"`
	SchoolID      string       `json:"school_id" bson:"school_id"`
	RaterID       string       `json:"rater_id" bson:"rater_id"`
	RaterRole     string       `json:"rater_role" bson:"rater_role"`
	Date          string       `json:"date" bson:"date"`
	Areas         []AreaRating `json:"areas" bson:"areas"`
	Units         []string     `json:"units" bson:"units"`
	CreatedAt     time.Time    `json:"created_at" bson:"created_at"`
	Parties       []string     `json:"-" bson:"parties"`
	Change        string       `json:"-" bson:"change"`
}

// AreaRating is one area's level in a rating.
type AreaRating struct {
	Area          string          `json:"area" bson:"area"`
	Level         int             `json:"level" bson:"level"`
	MeetsStandard bool            `json:"meets_standard" bson:"meets_standard"`
	Indicators    []IndicatorNote `json:"indicators" bson:"indicators"`
}

// IndicatorNote is the rater's note on one indicator of the area.
type IndicatorNote struct {
	Key  string `json:"key" bson:"key"`
	Note string `json:"note" bson:"note"`
}

// RatingFields are what a rater sends.
type RatingFields struct {
	ID            string            `json:"id"`
	HeadTeacherID string            `json:"head_teacher_id"`
	Date          string            `json:"date"`
	Areas         []AreaRatingInput `json:"areas"`
}

// AreaRatingInput rates one area.
type AreaRatingInput struct {
	Area       string          `json:"area"`
	Level      int             `json:"level"`
	Indicators []IndicatorNote `json:"indicators"`
}

// Rater is who rates and in which capacity (a coach's role, "seo", "field_staff"); the
// HTTP layer decides it from the relationship or the token.
type Rater struct {
	PersonID string
	Role     string
}

// NewRating validates a rating of a head teacher at school (the school is "" when the
// person holds no head-teacher assignment, which is refused).
func NewRating(t Tenant, f RatingFields, school string, units []string, by Rater, now time.Time) (Rating, error) {
	var errs fieldErrs
	fw := t.Profile.Spec().Competencies
	if f.ID != "" && !ValidID(f.ID) {
		errs.add("id", "must be a UUID")
	}
	if f.HeadTeacherID == "" {
		errs.add("head_teacher_id", "required")
	} else if school == "" {
		errs.add("head_teacher_id", "%q is not an active head teacher in %s", f.HeadTeacherID, t.Code)
	}
	switch today := t.Today(now); {
	case !ValidDate(f.Date):
		errs.add("date", "required, as YYYY-MM-DD")
	case f.Date > today:
		errs.add("date", "%s is in the future (today is %s)", f.Date, today)
	}
	if len(f.Areas) == 0 {
		errs.add("areas", "rate at least one area")
	}
	seen := map[string]bool{}
	for i, a := range f.Areas {
		at := fmt.Sprintf("areas[%d]", i)
		def, ok := area(t.Profile, a.Area)
		if !ok {
			errs.add(at+".area", "%q is not a competency area of the framework; one of %s", a.Area, strings.Join(areaKeys(t.Profile), ", "))
		} else if seen[a.Area] {
			errs.add(at+".area", "rated twice")
		}
		seen[a.Area] = true
		if a.Level < 1 || a.Level > len(fw.Levels) {
			errs.add(at+".level", "the framework's levels are 1 to %d", len(fw.Levels))
		}
		for j, n := range a.Indicators {
			if ok && !slices.ContainsFunc(def.Indicators, func(x profile.Indicator) bool { return x.Key == n.Key }) {
				errs.add(fmt.Sprintf("%s.indicators[%d].key", at, j), "%q is not an indicator of %s", n.Key, a.Area)
			}
			if len(n.Note) > 2000 {
				errs.add(fmt.Sprintf("%s.indicators[%d].note", at, j), "at most 2000 characters")
			}
		}
	}
	if err := errs.err("the rating has invalid fields"); err != nil {
		return Rating{}, err
	}
	id := f.ID
	if id == "" {
		id = NewID()
	}
	r := Rating{ID: id, HeadTeacherID: f.HeadTeacherID, SchoolID: school, RaterID: by.PersonID, RaterRole: by.Role,
		Date: f.Date, Units: units, CreatedAt: now, Parties: dedupe([]string{f.HeadTeacherID, by.PersonID}), Change: NewChange()}
	for _, a := range f.Areas {
		notes := a.Indicators
		if notes == nil {
			notes = []IndicatorNote{}
		}
		r.Areas = append(r.Areas, AreaRating{Area: a.Area, Level: a.Level, MeetsStandard: a.Level >= fw.MeetsStandardLevel, Indicators: notes})
	}
	return r, nil
}

// Standing is where a head teacher stands in one area: the latest rating decides.
type Standing struct {
	Area          string `json:"area"`
	Level         int    `json:"level"`
	MeetsStandard bool   `json:"meets_standard"`
	Date          string `json:"date"`
	RatingID      string `json:"rating_id"`
}

// Standards returns the latest rating per area (by date, then by recording order) and
// whether the head teacher meets the standard in every area of the framework.
func Standards(t Tenant, ratings []Rating) ([]Standing, bool) {
	latest := map[string]Standing{}
	for _, r := range ratings {
		for _, a := range r.Areas {
			cur, ok := latest[a.Area]
			if !ok || r.Date > cur.Date || (r.Date == cur.Date && r.ID > cur.RatingID) {
				latest[a.Area] = Standing{Area: a.Area, Level: a.Level, MeetsStandard: a.Level >= t.Profile.Spec().Competencies.MeetsStandardLevel, Date: r.Date, RatingID: r.ID}
			}
		}
	}
	out := []Standing{}
	all := true
	for _, key := range areaKeys(t.Profile) {
		s, ok := latest[key]
		if !ok {
			all = false
			continue
		}
		all = all && s.MeetsStandard
		out = append(out, s)
	}
	return out, all
}

// LowestLevel is the lowest of the latest levels per area: the weakest area sets the
// visit rhythm. 0 when never rated.
func LowestLevel(standings []Standing) int {
	lowest := 0
	for _, s := range standings {
		if lowest == 0 || s.Level < lowest {
			lowest = s.Level
		}
	}
	return lowest
}

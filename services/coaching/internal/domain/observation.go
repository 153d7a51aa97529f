package domain

import (
	"fmt"
	"time"
)

// Rubric scores of a classroom observation item. The profile has no observation rubric
// yet (see the report: a Spec.Observations with subjects, items and benchmark would be
// its place); until it has, items are scored 0 (not seen) to 4 on the framework's
// four-step shape, and the observer states whether the lesson met the benchmark.
const (
	MinItemScore = 0
	MaxItemScore = 4
)

// Observation is a classroom observation of a teacher, for the teacher-quality KPI.
type Observation struct {
	ID           string       `json:"id" bson:"_id"`
	TeacherID    string       `json:"teacher_id" bson:"teacher_id"`
	SchoolID     string       `json:"school_id" bson:"school_id"`
	ObserverID   string       `json:"observer_id" bson:"observer_id"`
	ObserverRole string       `json:"observer_role" bson:"observer_role"`
	Date         string       `json:"date" bson:"date"`
	Subject      string       `json:"subject" bson:"subject"`
	Items        []RubricItem `json:"items" bson:"items"`
	BenchmarkMet bool         `json:"benchmark_met" bson:"benchmark_met"`
	Notes        string       `json:"notes,omitempty" bson:"notes"`
	Units        []string     `json:"units" bson:"units"`
	CreatedAt    time.Time    `json:"created_at" bson:"created_at"`
	Parties      []string     `json:"-" bson:"parties"`
	Change       string       `json:"-" bson:"change"`
}

// RubricItem is one scored item of the observation rubric.
type RubricItem struct {
	Key   string `json:"key" bson:"key"`
	Score int    `json:"score" bson:"score"`
}

// ObservationFields are what an observer sends.
type ObservationFields struct {
	ID           string       `json:"id"`
	TeacherID    string       `json:"teacher_id"`
	Date         string       `json:"date"`
	Subject      string       `json:"subject"`
	Items        []RubricItem `json:"items"`
	BenchmarkMet *bool        `json:"benchmark_met"`
	Notes        string       `json:"notes"`
}

// Observer is who observes and in which capacity.
type Observer struct {
	PersonID string
	Role     string
}

// NewObservation validates an observation of a teacher at school ("" when the directory
// knows no such teacher).
func NewObservation(t Tenant, f ObservationFields, school string, units []string, by Observer, now time.Time) (Observation, error) {
	var errs fieldErrs
	if f.ID != "" && !ValidID(f.ID) {
		errs.add("id", "must be a UUID")
	}
	if f.TeacherID == "" {
		errs.add("teacher_id", "required")
	} else if school == "" {
		errs.add("teacher_id", "no teacher %q at a school of %s", f.TeacherID, t.Code)
	}
	switch today := t.Today(now); {
	case !ValidDate(f.Date):
		errs.add("date", "required, as YYYY-MM-DD")
	case f.Date > today:
		errs.add("date", "%s is in the future (today is %s)", f.Date, today)
	}
	if !slug.MatchString(f.Subject) {
		errs.add("subject", "required: a lower-case key such as english or mathematics")
	}
	if len(f.Items) == 0 || len(f.Items) > 50 {
		errs.add("items", "from 1 to 50 rubric items")
	}
	seen := map[string]bool{}
	for i, it := range f.Items {
		if !slug.MatchString(it.Key) || seen[it.Key] {
			errs.add(fmt.Sprintf("items[%d].key", i), "a unique lower-case key")
		}
		seen[it.Key] = true
		if it.Score < MinItemScore || it.Score > MaxItemScore {
			errs.add(fmt.Sprintf("items[%d].score", i), "from %d to %d", MinItemScore, MaxItemScore)
		}
	}
	if f.BenchmarkMet == nil {
		errs.add("benchmark_met", "required: whether the lesson met the benchmark")
	}
	if len(f.Notes) > maxText {
		errs.add("notes", "at most %d characters", maxText)
	}
	if err := errs.err("the observation has invalid fields"); err != nil {
		return Observation{}, err
	}
	id := f.ID
	if id == "" {
		id = NewID()
	}
	return Observation{ID: id, TeacherID: f.TeacherID, SchoolID: school, ObserverID: by.PersonID, ObserverRole: by.Role,
		Date: f.Date, Subject: f.Subject, Items: f.Items, BenchmarkMet: *f.BenchmarkMet, Notes: f.Notes, Units: units,
		CreatedAt: now, Parties: dedupe([]string{f.TeacherID, by.PersonID}), Change: NewChange()}, nil
}

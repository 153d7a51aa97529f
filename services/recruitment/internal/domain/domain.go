// Package domain holds the recruitment rules of Leaders of Learning in the seeds' words:
// campaigns with positions from the country profile's quotas, the District Selection
// Panel and its conflict-of-interest rules, applications screened against the profile's
// eligibility rules, assessment by site visits and interviews scored on the rubric,
// moderation, ranking with documented tie-breaks, offers with a reserve list, and the
// leader's life from appointment to exit with replacement from the reserve. No I/O.
package domain

import (
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/profile"
)

// HeadTeacherRole is the profile role key of head teachers: applicants must hold it, and
// "years as head teacher" is counted from its assignment.
const HeadTeacherRole = "ht"

// YearsAsHeadTeacherRule is the eligibility rule whose value the platform computes from
// the directory (the start date of the applicant's head-teacher assignment) instead of
// taking it from the applicant.
const YearsAsHeadTeacherRule = "years_as_head_teacher"

// Tenant is a district (or the profile's tenant level) with its country profile.
type Tenant struct {
	Code    string
	Profile *profile.Index
}

// Rules are the tenant's recruitment rules.
func (t Tenant) Rules() *profile.Recruitment { return &t.Profile.Spec().Recruitment }

// Today is the calendar date of now in the profile's time zone.
func (t Tenant) Today(now time.Time) string { return t.Profile.Date(now) }

// UnitAt returns the unit at level on the path of code (code itself or an ancestor).
func (t Tenant) UnitAt(code, level string) (string, bool) {
	for _, u := range t.Profile.Path(code) {
		if u.Level == level {
			return u.Code, true
		}
	}
	return "", false
}

// NewID makes a time-ordered UUIDv7, so that _id order is creation order.
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

func parseDate(s string) (time.Time, error) { return time.Parse(profile.DateLayout, s) }

// wholeYears counts the full years from from to to (dates), as a birthday would.
func wholeYears(from, to string) int {
	f, err1 := parseDate(from)
	t, err2 := parseDate(to)
	if err1 != nil || err2 != nil || t.Before(f) {
		return 0
	}
	y := t.Year() - f.Year()
	if t.Month() < f.Month() || (t.Month() == f.Month() && t.Day() < f.Day()) {
		y--
	}
	return y
}

func sortFields(errs []problem.FieldError) []problem.FieldError {
	slices.SortStableFunc(errs, func(a, b problem.FieldError) int { return strings.Compare(a.Field, b.Field) })
	return errs
}

func conflict(format string, args ...any) error {
	return problem.New(problem.Conflict, format, args...)
}

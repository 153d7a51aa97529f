package domain

import (
	"fmt"
	"time"

	"github.com/l4l-platform/l4l/libs/profile"
)

// Rules are the scheduling and attendance rules the country profile does not (yet) carry.
// Their defaults are the service's; the report of issue 4 asks for profile fields to hold
// them (libs/profile is not this service's to change).
type Rules struct {
	// ExcludedWeekdays are days no session falls on (default Saturday and Sunday).
	ExcludedWeekdays []time.Weekday
	// StartTime is when sessions start, local time "15:04" (default 09:00).
	StartTime string
	// MinGapDays is the least number of days between two sessions of one group, by
	// profile frequency (default: weekly 4, fortnightly 10, monthly 14, termly 28,
	// yearly 90).
	MinGapDays map[string]int
	// DefaultDuration is used when the profile's PLC has no durationMinutes.
	DefaultDuration time.Duration
	// A head teacher "collaborates regularly" who attended (present or late) at least
	// CollaborationAttended of the last CollaborationOf sessions of their group that were
	// held (seed 001's "91% of head teachers collaborate regularly").
	CollaborationAttended, CollaborationOf int
}

// DefaultRules are the rules used when nothing else is configured.
func DefaultRules() Rules {
	return Rules{
		ExcludedWeekdays: []time.Weekday{time.Saturday, time.Sunday},
		StartTime:        "09:00",
		MinGapDays: map[string]int{
			profile.FrequencyWeekly: 4, profile.FrequencyFortnightly: 10, profile.FrequencyMonthly: 14,
			profile.FrequencyTermly: 28, profile.FrequencyYearly: 90,
		},
		DefaultDuration:       3 * time.Hour,
		CollaborationAttended: 2,
		CollaborationOf:       3,
	}
}

// MinGap is the minimum gap in days for a frequency.
func (r Rules) MinGap(frequency string) int { return r.MinGapDays[frequency] }

// Duration is the planned length of a session of p.
func (r Rules) Duration(p profile.PLC) time.Duration {
	if p.DurationMinutes > 0 {
		return time.Duration(p.DurationMinutes) * time.Minute
	}
	return r.DefaultDuration
}

// Excluded reports whether sessions may not fall on weekday d.
func (r Rules) Excluded(d time.Weekday) bool {
	for _, x := range r.ExcludedWeekdays {
		if x == d {
			return true
		}
	}
	return false
}

// StartOn is the start of a session on date (YYYY-MM-DD) in loc.
func (r Rules) StartOn(date string, loc *time.Location) (time.Time, error) {
	t, err := time.ParseInLocation(profile.DateLayout+" 15:04", date+" "+r.StartTime, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("session start %s %s: %w", date, r.StartTime, err)
	}
	return t, nil
}

package domain

import (
	"fmt"
	"time"

	"github.com/l4l-platform/l4l/libs/profile"
)

// Period kinds.
const (
	Month = "month"
	Term  = "term"
	Year  = "year"
	// Quarter is the calendar quarter (2027Q1 = January to March): the Strategic
	// Oversight Committee meets quarterly, whatever the school calendar.
	Quarter = "quarter"
)

// PeriodKinds lists the kinds a caller may ask for.
var PeriodKinds = []string{Month, Term, Year, Quarter}

// Period is a reporting window, both dates included.
type Period struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	From string `json:"from"`
	To   string `json:"to"`
}

// AsOf is the date the period's snapshot KPIs are taken on: its last day, or today
// while it is still running.
func (p Period) AsOf(today string) string {
	if today < p.To {
		return today
	}
	return p.To
}

// ErrNoPeriod says the profile's calendar has no term or school year at or before a date.
type ErrNoPeriod struct{ Kind, At string }

func (e ErrNoPeriod) Error() string {
	return fmt.Sprintf("the country profile's calendar has no %s on or before %s", e.Kind, e.At)
}

// Periods returns up to n periods of kind, oldest first, the last being the one that
// contains date at. A term or school year is the one containing at or, during a
// holiday, the last one that ended before it; month is the calendar month.
func Periods(x *profile.Index, kind, at string, n int) ([]Period, error) {
	day, err := time.Parse(time.DateOnly, at)
	if err != nil {
		return nil, err
	}
	var all []Period
	switch kind {
	case Month:
		first := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC)
		for i := n - 1; i >= 0; i-- {
			s := first.AddDate(0, -i, 0)
			all = append(all, Period{Kind: Month, Name: s.Format("2006-01"), From: s.Format(time.DateOnly),
				To: s.AddDate(0, 1, -1).Format(time.DateOnly)})
		}
		return all, nil
	case Quarter:
		first := time.Date(day.Year(), day.Month()-(day.Month()-1)%3, 1, 0, 0, 0, 0, time.UTC)
		for i := n - 1; i >= 0; i-- {
			all = append(all, QuarterOf(first.AddDate(0, -3*i, 0)))
		}
		return all, nil
	case Term:
		for _, y := range x.Spec().Calendar.SchoolYears {
			for _, t := range y.Terms {
				all = append(all, Period{Kind: Term, Name: y.Name + " " + t.Name, From: t.Start, To: t.End})
			}
		}
	case Year:
		for _, y := range x.Spec().Calendar.SchoolYears {
			if len(y.Terms) > 0 {
				all = append(all, Period{Kind: Year, Name: y.Name, From: y.Terms[0].Start, To: y.Terms[len(y.Terms)-1].End})
			}
		}
	default:
		return nil, fmt.Errorf("unknown period kind %q", kind)
	}
	last := -1
	for i, p := range all {
		if p.From <= at {
			last = i
		}
	}
	if last < 0 {
		return nil, ErrNoPeriod{Kind: kind, At: at}
	}
	return all[max(0, last-n+1) : last+1], nil
}

// QuarterOf is the calendar quarter containing day, named like 2027Q1.
func QuarterOf(day time.Time) Period {
	s := time.Date(day.Year(), day.Month()-(day.Month()-1)%3, 1, 0, 0, 0, 0, time.UTC)
	return Period{Kind: Quarter, Name: fmt.Sprintf("%dQ%d", s.Year(), (int(s.Month())-1)/3+1),
		From: s.Format(time.DateOnly), To: s.AddDate(0, 3, -1).Format(time.DateOnly)}
}

// ParseQuarter reads a quarter's name (2027Q1).
func ParseQuarter(name string) (Period, error) {
	var y, q int
	if len(name) != 6 || name[4] != 'Q' {
		return Period{}, fmt.Errorf("a quarter like 2027Q1")
	}
	if _, err := fmt.Sscanf(name, "%4dQ%1d", &y, &q); err != nil || y < 1900 || q < 1 || q > 4 {
		return Period{}, fmt.Errorf("a quarter like 2027Q1")
	}
	return QuarterOf(time.Date(y, time.Month(3*q-2), 1, 0, 0, 0, 0, time.UTC)), nil
}

// FromTime is the period's first day.
func (p Period) FromTime() time.Time {
	t, _ := time.Parse(time.DateOnly, p.From)
	return t
}

// Package ical renders PLC sessions as RFC 5545 iCalendar feeds (with arran4/golang-ical):
// stable UIDs (the session id), SEQUENCE bumped by each reschedule, STATUS:CANCELLED for
// cancelled sessions, and times in the country profile's zone with its VTIMEZONE, so
// calendar clients show local times even across daylight-saving changes.
package ical

import (
	"fmt"
	"io"
	"time"

	ics "github.com/arran4/golang-ical"
)

// Event is one session as a calendar shows it.
type Event struct {
	UID         string
	Summary     string
	Location    string
	Description string
	Start, End  time.Time
	Sequence    int
	// Status is "CONFIRMED", "TENTATIVE" or "CANCELLED".
	Status   string
	Modified time.Time
}

// Statuses of events.
const (
	StatusTentative = string(ics.ObjectStatusTentative)
	StatusConfirmed = string(ics.ObjectStatusConfirmed)
	StatusCancelled = string(ics.ObjectStatusCancelled)
)

const localLayout = "20060102T150405"

// Write writes a feed named name of events in zone loc.
func Write(w io.Writer, name string, loc *time.Location, events []Event) error {
	cal := ics.NewCalendarFor("l4l PLC")
	cal.SetMethod(ics.MethodPublish)
	cal.SetName(name)
	cal.SetXWRCalName(name)
	cal.SetXWRTimezone(loc.String())
	cal.SetRefreshInterval("PT1H")
	cal.SetXPublishedTTL("PT1H")
	// The zone is described over the events' span (a year either side), so the feed is
	// the same whenever it is rendered.
	lo, hi := time.Date(2000, 1, 1, 0, 0, 0, 0, loc), time.Date(2000, 1, 2, 0, 0, 0, 0, loc)
	for i, e := range events {
		if i == 0 {
			lo, hi = e.Start, e.End
		}
		lo, hi = minTime(lo, e.Start), maxTime(hi, e.End)
	}
	cal.AddVTimezone(Timezone(loc, lo.AddDate(-1, 0, 0), hi.AddDate(1, 0, 0)))
	tz := ics.WithTZID(loc.String())
	for _, e := range events {
		ev := cal.AddEvent(e.UID)
		ev.SetDtStampTime(e.Modified)
		ev.SetModifiedAt(e.Modified)
		ev.SetProperty(ics.ComponentPropertyDtStart, e.Start.In(loc).Format(localLayout), tz)
		ev.SetProperty(ics.ComponentPropertyDtEnd, e.End.In(loc).Format(localLayout), tz)
		ev.SetSequence(e.Sequence)
		ev.SetStatus(ics.ObjectStatus(e.Status))
		ev.SetSummary(e.Summary)
		if e.Location != "" {
			ev.SetLocation(e.Location)
		}
		if e.Description != "" {
			ev.SetDescription(e.Description)
		}
	}
	// RFC 5545 lines end in CRLF whatever the server's platform.
	return cal.SerializeTo(w, ics.WithNewLineWindows)
}

// Timezone describes loc between from and to as a VTIMEZONE: one observance per offset
// change found in Go's zone data (none for zones without daylight saving, like Kigali's).
func Timezone(loc *time.Location, from, to time.Time) *ics.VTimezone {
	tz := ics.NewTimezone(loc.String())
	add := func(at time.Time, fromOffset int) {
		name, offset := at.In(loc).Zone()
		var c *ics.ComponentBase
		if at.In(loc).IsDST() {
			d := &ics.Daylight{}
			tz.Components = append(tz.Components, d)
			c = &d.ComponentBase
		} else {
			s := tz.AddStandard()
			c = &s.ComponentBase
		}
		// DTSTART is the local time the observance begins, read in the offset before it.
		c.SetProperty(ics.ComponentPropertyDtStart, at.In(time.FixedZone("", fromOffset)).Format(localLayout))
		c.SetProperty(ics.ComponentProperty(ics.PropertyTzoffsetfrom), formatOffset(fromOffset))
		c.SetProperty(ics.ComponentProperty(ics.PropertyTzoffsetto), formatOffset(offset))
		if name != "" {
			c.SetProperty(ics.ComponentProperty(ics.PropertyTzname), name)
		}
	}
	from = time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, time.UTC)
	_, first := from.In(loc).Zone()
	add(from, first)
	prev := first
	for day := from; day.Before(to); day = day.Add(24 * time.Hour) {
		next := day.Add(24 * time.Hour)
		if _, off := next.In(loc).Zone(); off != prev {
			// Narrow the change to the second.
			lo, hi := day, next
			for hi.Sub(lo) > time.Second {
				mid := lo.Add(hi.Sub(lo) / 2)
				if _, o := mid.In(loc).Zone(); o == prev {
					lo = mid
				} else {
					hi = mid
				}
			}
			add(hi, prev)
			prev = off
		}
	}
	return tz
}

func formatOffset(seconds int) string {
	sign := '+'
	if seconds < 0 {
		sign, seconds = '-', -seconds
	}
	return fmt.Sprintf("%c%02d%02d", sign, seconds/3600, seconds%3600/60)
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

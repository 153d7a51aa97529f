package ical

import (
	"strconv"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
)

// Feeds parse back with the same library a client-side integrator would use, and carry
// what calendar clients need: UIDs, sequences, statuses, local times with their zone.
func TestFeedsParseBack(t *testing.T) {
	tests := []struct {
		zone        string
		observances int // STANDARD/DAYLIGHT blocks over the feed's range
	}{
		{"Africa/Kigali", 1},
		{"Africa/Nairobi", 1},
		{"Europe/London", 6}, // 2026-2028: the start plus two changes a year
	}
	for _, tt := range tests {
		t.Run(tt.zone, func(t *testing.T) {
			loc, err := time.LoadLocation(tt.zone)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Date(2027, 3, 29, 9, 0, 0, 0, loc) // after London's clocks go forward
			events := []Event{
				{UID: "a@plc.l4l", Summary: "Sector PLC, Remera", Location: "Online", Start: start, End: start.Add(3 * time.Hour), Sequence: 2, Status: StatusConfirmed, Modified: start},
				{UID: "b@plc.l4l", Summary: "District PLC; Gasabo, term 1", Start: start.AddDate(0, 1, 0), End: start.AddDate(0, 1, 0).Add(4 * time.Hour), Status: StatusCancelled, Modified: start},
			}
			var b strings.Builder
			if err := Write(&b, "Sector PLC", loc, events); err != nil {
				t.Fatal(err)
			}
			feed := b.String()
			if !strings.Contains(feed, "\r\n") || !strings.Contains(feed, "DTSTART;TZID="+tt.zone+":20270329T090000") {
				t.Fatalf("feed:\n%s", feed)
			}
			cal, err := ics.ParseCalendar(strings.NewReader(feed))
			if err != nil {
				t.Fatalf("parse: %v\n%s", err, feed)
			}
			tzs := cal.Timezones()
			if len(tzs) != 1 || tzs[0].GetProperty(ics.ComponentPropertyTzid).Value != tt.zone || len(tzs[0].Components) != tt.observances {
				t.Fatalf("VTIMEZONE: %d zones, %d observances\n%s", len(tzs), len(tzs[0].Components), feed)
			}
			got := cal.Events()
			if len(got) != 2 {
				t.Fatalf("%d events", len(got))
			}
			for i, e := range got {
				want := events[i]
				st, err := e.GetStartAt()
				if err != nil || !st.Equal(want.Start) {
					t.Errorf("start %v (%v), want %v", st, err, want.Start)
				}
				en, err := e.GetEndAt()
				if err != nil || !en.Equal(want.End) {
					t.Errorf("end %v, want %v", en, want.End)
				}
				if e.Id() != want.UID || e.GetProperty(ics.ComponentPropertyStatus).Value != want.Status {
					t.Errorf("uid %s status %s", e.Id(), e.GetProperty(ics.ComponentPropertyStatus).Value)
				}
				if seq := e.GetProperty(ics.ComponentPropertySequence).Value; seq != strconv.Itoa(want.Sequence) {
					t.Errorf("sequence %s", seq)
				}
				if s := e.GetProperty(ics.ComponentPropertySummary).Value; s != want.Summary {
					t.Errorf("summary %q, want %q (escaping)", s, want.Summary)
				}
			}
		})
	}
}

func TestLondonObservances(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/London")
	tz := Timezone(loc, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 12, 31, 0, 0, 0, 0, time.UTC))
	var b strings.Builder
	if err := tz.SerializeTo(&b, &ics.SerializationConfiguration{MaxLength: 75, PropertyMaxLength: 75, NewLine: "\r\n"}); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	for _, want := range []string{"BEGIN:DAYLIGHT\r\nDTSTART:20270328T010000\r\nTZOFFSETFROM:+0000\r\nTZOFFSETTO:+0100\r\nTZNAME:BST",
		"BEGIN:STANDARD\r\nDTSTART:20271031T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0000\r\nTZNAME:GMT"} {
		if !strings.Contains(s, want) {
			t.Fatalf("missing %q in\n%s", want, s)
		}
	}
}

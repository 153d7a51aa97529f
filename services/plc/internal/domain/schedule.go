package domain

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"time"

	"github.com/l4l-platform/l4l/libs/profile"
)

// Session modes.
const (
	InPerson = "in_person"
	Online   = "online"
)

// Constraints a session must meet; violations and unplaced sessions name them.
const (
	ConstraintInTerm        = "in_term"
	ConstraintHoliday       = "holiday"
	ConstraintWeekday       = "excluded_weekday"
	ConstraintMinGap        = "min_gap"
	ConstraintPersonOverlap = "person_overlap"
	ConstraintHostSchool    = "host_school"
	ConstraintHostUnable    = "host_unable"
	ConstraintHostRotation  = "host_rotation"
	ConstraintOnline        = "online_not_allowed"
	ConstraintNoHost        = "no_host"
)

// Booking is a session placed in the calendar: a generated one, or one the scheduler
// must keep (held or confirmed sessions, and sessions outside the period regenerated).
type Booking struct {
	GroupID string
	// Slot is the cadence period the session stands for ("2026-10" for a monthly PLC,
	// "2026-2027/Term 1" for a termly one). Regenerating matches sessions by slot, so a
	// calendar keeps its events' UIDs.
	Slot         string
	Date         string
	Start, End   time.Time
	Mode         string
	HostSchoolID string
}

// GroupPlan is what the scheduler needs of one group.
type GroupPlan struct {
	ID   string
	Kind string
	Unit string
	PLC  profile.PLC
	// People are everyone who may attend during the period; no one of them may be in two
	// overlapping sessions.
	People []string
	// Hosts are the schools able to host, sorted.
	Hosts []string
}

// PlanOf is the scheduling view of a group over the period starting on from.
func PlanOf(g Group, p profile.PLC, from string) GroupPlan {
	gp := GroupPlan{ID: g.ID, Kind: g.Kind, Unit: g.Unit, PLC: p, Hosts: g.Hosts()}
	for _, person := range g.PeopleFrom(from) {
		gp.People = append(gp.People, person.PersonID)
	}
	return gp
}

// ScheduleInput is a scheduling problem: a period of a tenant's calendar and its groups.
type ScheduleInput struct {
	Profile *profile.Index
	Rules   Rules
	// From and To bound the period (YYYY-MM-DD, inclusive): a term or a school year,
	// possibly starting later than its first day.
	From, To string
	Groups   []GroupPlan
	// Fixed are the sessions to keep. A group's slot that has one is not generated again;
	// all of them count for gaps, overlaps and host rotation.
	Fixed []Booking
	// Closed are slots not to fill again (a planner cancelled their session); only
	// GroupID and Slot are read.
	Closed []Booking
}

// Unplaced is a slot the scheduler could not fill, and the constraint that stopped it.
type Unplaced struct {
	GroupID    string
	Slot       string
	Constraint string
	Detail     string
}

// Schedule is the scheduler's answer.
type Schedule struct {
	// Sessions are the new bookings, by group (input order) then time.
	Sessions []Booking
	Unplaced []Unplaced
}

type slot struct {
	key  string
	days []int32 // candidate days, ascending
}

type span struct{ start, end int64 } // unix seconds

type busyKey struct {
	person int32
	day    int32
}

func dayOf(date string) (int32, error) {
	t, err := time.Parse(profile.DateLayout, date)
	if err != nil {
		return 0, err
	}
	return int32(t.Unix() / 86400), nil
}

func dateOf(day int32) string { return time.Unix(int64(day)*86400, 0).UTC().Format(profile.DateLayout) }

// Plan places every group's sessions for the period. It is deterministic: the same input
// gives the same schedule. Constraints: sessions fall inside term dates (unless the PLC
// kind allows holidays), never on public holidays or excluded weekdays, at least the
// minimum gap apart within a group, with no person in two overlapping sessions; the host
// school rotates fairly (none hosts twice before every school able to host has hosted);
// without a school able to host, a session goes online where the profile allows it.
func Plan(in ScheduleInput) (Schedule, error) {
	from, err := dayOf(in.From)
	if err != nil {
		return Schedule{}, fmt.Errorf("from: %w", err)
	}
	to, err := dayOf(in.To)
	if err != nil {
		return Schedule{}, fmt.Errorf("to: %w", err)
	}
	loc := in.Profile.Location()
	clock, err := time.Parse("15:04", in.Rules.StartTime)
	if err != nil {
		return Schedule{}, fmt.Errorf("start time %q: %w", in.Rules.StartTime, err)
	}

	// People in more than one group are the only ones who can be double-booked; tracking
	// only them keeps a country of head teachers out of the busy map.
	groupsOf := map[string]int{}
	for _, g := range in.Groups {
		for _, p := range g.People {
			groupsOf[p]++
		}
	}
	personIdx := map[string]int32{}
	groupPeople := make([][]int32, len(in.Groups))
	byID := make(map[string]int, len(in.Groups))
	for i, g := range in.Groups {
		byID[g.ID] = i
		for _, p := range g.People {
			if groupsOf[p] < 2 {
				continue
			}
			idx, ok := personIdx[p]
			if !ok {
				idx = int32(len(personIdx))
				personIdx[p] = idx
			}
			groupPeople[i] = append(groupPeople[i], idx)
		}
	}
	busy := map[busyKey][]span{}
	booked := make([][]int32, len(in.Groups)) // days taken per group, ascending
	fixedSlots := make([]map[string]bool, len(in.Groups))
	reserve := func(gi int, day int32, s span) {
		for _, p := range groupPeople[gi] {
			k := busyKey{p, day}
			busy[k] = append(busy[k], s)
		}
		at, _ := slices.BinarySearch(booked[gi], day)
		booked[gi] = slices.Insert(booked[gi], at, day)
	}
	for _, c := range in.Closed {
		if gi, ok := byID[c.GroupID]; ok {
			if fixedSlots[gi] == nil {
				fixedSlots[gi] = map[string]bool{}
			}
			fixedSlots[gi][c.Slot] = true
		}
	}
	for _, f := range in.Fixed {
		gi, ok := byID[f.GroupID]
		if !ok {
			continue
		}
		day, err := dayOf(f.Date)
		if err != nil {
			return Schedule{}, fmt.Errorf("fixed session of %s: %w", f.GroupID, err)
		}
		if fixedSlots[gi] == nil {
			fixedSlots[gi] = map[string]bool{}
		}
		fixedSlots[gi][f.Slot] = true
		reserve(gi, day, span{f.Start.Unix(), f.End.Unix()})
	}

	startOf := func(day int32) int64 {
		t := time.Unix(int64(day)*86400, 0).UTC()
		return time.Date(t.Year(), t.Month(), t.Day(), clock.Hour(), clock.Minute(), 0, 0, loc).Unix()
	}
	slotCache := map[[2]string][]slot{}
	var out Schedule
	perGroup := make([][]Booking, len(in.Groups))
	// The rarest meetings are placed first: a termly district PLC needs one day on which
	// none of its many leaders is busy, which is easy before their monthly PLCs are placed
	// and impossible after.
	order := make([]int, len(in.Groups))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Compare(rarity(in.Groups[a].PLC.Frequency), rarity(in.Groups[b].PLC.Frequency))
	})
	for _, gi := range order {
		g := in.Groups[gi]
		ck := [2]string{g.PLC.Frequency, fmt.Sprint(g.PLC.AllowDuringHolidays)}
		slots, ok := slotCache[ck]
		if !ok {
			slots = slotsOf(in.Profile, in.Rules, g.PLC, from, to)
			slotCache[ck] = slots
		}
		gap := int32(in.Rules.MinGap(g.PLC.Frequency))
		dur := int64(in.Rules.Duration(g.PLC) / time.Second)
		h := fnv.New32a()
		h.Write([]byte(g.Kind + "/" + g.Unit))
		pref := int(h.Sum32())
		for si, sl := range slots {
			if fixedSlots[gi][sl.key] {
				continue
			}
			if len(sl.days) == 0 {
				out.Unplaced = append(out.Unplaced, Unplaced{GroupID: g.ID, Slot: sl.key, Constraint: ConstraintInTerm,
					Detail: "no school day in this period: every day is outside term, a holiday or an excluded weekday"})
				continue
			}
			// Look ahead: a day so late that the next slot (a term's last few days) would
			// have no free day left at the minimum gap is tried only when nothing else fits.
			latest := int32(math.MaxInt32)
			if si+1 < len(slots) && !fixedSlots[gi][slots[si+1].key] && len(slots[si+1].days) > 0 {
				next := slots[si+1].days
				for j := len(next) - 1; j >= 0; j-- {
					if s := (span{startOf(next[j]), startOf(next[j]) + dur}); !overlaps(busy, groupPeople[gi], next[j], s) {
						latest = next[j] - gap
						break
					}
				}
			}
			failGap, failOverlap, placed := 0, 0, false
			n := len(sl.days)
			for pass := 0; pass < 2 && !placed; pass++ {
				for i := range n {
					day := sl.days[(pref+i)%n]
					if pass == 0 && day > latest {
						continue
					}
					if !gapOK(booked[gi], day, gap) {
						failGap++
						continue
					}
					s := span{startOf(day), 0}
					s.end = s.start + dur
					if overlaps(busy, groupPeople[gi], day, s) {
						failOverlap++
						continue
					}
					reserve(gi, day, s)
					perGroup[gi] = append(perGroup[gi], Booking{GroupID: g.ID, Slot: sl.key, Date: dateOf(day),
						Start: time.Unix(s.start, 0).In(loc), End: time.Unix(s.end, 0).In(loc)})
					placed = true
					break
				}
			}
			if !placed {
				u := Unplaced{GroupID: g.ID, Slot: sl.key, Constraint: ConstraintMinGap,
					Detail: fmt.Sprintf("each of the %d school days is within %d days of another session of the group", n, gap)}
				if failOverlap > failGap {
					u.Constraint = ConstraintPersonOverlap
					u.Detail = fmt.Sprintf("on each of the %d school days someone of the group is already in another session", n)
				}
				out.Unplaced = append(out.Unplaced, u)
			}
		}
	}
	fixedBy := make([][]Booking, len(in.Groups))
	for _, f := range in.Fixed {
		if gi, ok := byID[f.GroupID]; ok {
			fixedBy[gi] = append(fixedBy[gi], f)
		}
	}
	for gi, g := range in.Groups {
		assignHosts(g, fixedBy[gi], perGroup[gi])
		slices.SortFunc(perGroup[gi], func(a, b Booking) int { return a.Start.Compare(b.Start) })
		out.Sessions = append(out.Sessions, perGroup[gi]...)
	}
	return out, nil
}

func rarity(frequency string) int {
	switch frequency {
	case profile.FrequencyYearly:
		return 0
	case profile.FrequencyTermly:
		return 1
	case profile.FrequencyMonthly:
		return 2
	case profile.FrequencyFortnightly:
		return 3
	}
	return 4
}

func gapOK(days []int32, day, gap int32) bool {
	at, _ := slices.BinarySearch(days, day)
	if at < len(days) && days[at]-day < gap {
		return false
	}
	if at > 0 && day-days[at-1] < gap {
		return false
	}
	return true
}

func overlaps(busy map[busyKey][]span, people []int32, day int32, s span) bool {
	for _, p := range people {
		for _, b := range busy[busyKey{p, day}] {
			if b.start < s.end && s.start < b.end {
				return true
			}
		}
	}
	return false
}

// slotsOf lists the cadence periods of a PLC kind in [from, to] with their candidate days.
func slotsOf(x *profile.Index, r Rules, p profile.PLC, from, to int32) []slot {
	spec := x.Spec()
	var out []slot
	index := map[string]int{}
	add := func(key string, day int32, ok bool) {
		i, seen := index[key]
		if !seen {
			i = len(out)
			index[key] = i
			out = append(out, slot{key: key})
		}
		if ok {
			out[i].days = append(out[i].days, day)
		}
	}
	type window struct {
		year, term string
		start, end int32
		termStart  int32
	}
	var windows []window
	for _, y := range spec.Calendar.SchoolYears {
		for _, tm := range y.Terms {
			s, err1 := dayOf(tm.Start)
			e, err2 := dayOf(tm.End)
			if err1 != nil || err2 != nil {
				continue
			}
			windows = append(windows, window{year: y.Name, term: tm.Name, start: s, end: e, termStart: s})
		}
	}
	if p.AllowDuringHolidays {
		// The days between terms belong to the term before them.
		for i := range windows {
			if i+1 < len(windows) {
				windows[i].end = windows[i+1].start - 1
			}
		}
	}
	for _, w := range windows {
		lo, hi := max(w.start, from), min(w.end, to)
		for day := lo; day <= hi; day++ {
			t := time.Unix(int64(day)*86400, 0).UTC()
			ok := !r.Excluded(t.Weekday())
			if ok && !p.AllowDuringHolidays {
				_, holiday := x.HolidayOn(time.Date(t.Year(), t.Month(), t.Day(), 12, 0, 0, 0, x.Location()))
				ok = !holiday
			}
			var key string
			switch p.Frequency {
			case profile.FrequencyWeekly:
				yy, ww := t.ISOWeek()
				key = fmt.Sprintf("%d-W%02d", yy, ww)
			case profile.FrequencyFortnightly:
				key = fmt.Sprintf("%s/%s/F%d", w.year, w.term, (day-w.termStart)/14+1)
			case profile.FrequencyMonthly:
				key = t.Format("2006-01")
			case profile.FrequencyYearly:
				key = w.year
			default: // termly
				key = w.year + "/" + w.term
			}
			add(key, day, ok)
		}
	}
	return out
}

// assignHosts rotates the host school through a group's sessions in time order: fixed
// sessions keep theirs (and count), new ones take the next school, in id order after the
// last host, that has not hosted in the current round; a round ends when every school
// able to host has hosted. Without such a school a session goes online if allowed.
func assignHosts(g GroupPlan, fixed []Booking, fresh []Booking) {
	type item struct {
		b     *Booking
		fixed bool
	}
	items := make([]item, 0, len(fixed)+len(fresh))
	for i := range fixed {
		items = append(items, item{&fixed[i], true})
	}
	for i := range fresh {
		items = append(items, item{&fresh[i], false})
	}
	slices.SortStableFunc(items, func(a, b item) int { return a.b.Start.Compare(b.b.Start) })
	r := NewRotation(g.Hosts)
	for _, it := range items {
		if it.fixed {
			if it.b.Mode == InPerson {
				r.Hosted(it.b.HostSchoolID)
			}
			continue
		}
		it.b.Mode = InPerson
		if !g.PLC.HostRotation {
			continue
		}
		host, ok := r.Next()
		switch {
		case ok:
			it.b.HostSchoolID = host
			r.Hosted(host)
		case g.PLC.OnlineAllowed:
			it.b.Mode = Online
		}
	}
}

// Rotation is the fair host rotation of a group: within a round no school hosts twice,
// and a round ends when every school able to host has hosted.
type Rotation struct {
	hosts []string // sorted
	round map[string]bool
	last  string
}

// NewRotation starts a rotation over the schools able to host.
func NewRotation(hosts []string) *Rotation {
	h := slices.Clone(hosts)
	slices.Sort(h)
	return &Rotation{hosts: h, round: map[string]bool{}}
}

// InRound reports whether school has hosted in the current round.
func (r *Rotation) InRound(school string) bool { return r.round[school] }

// Hosted records a session hosted by school. Schools unable to host are not counted.
func (r *Rotation) Hosted(school string) {
	if _, ok := slices.BinarySearch(r.hosts, school); !ok {
		return
	}
	r.round[school] = true
	r.last = school
	if len(r.round) == len(r.hosts) {
		r.round = map[string]bool{}
	}
}

// Next is the next school to host: the first after the last host, cyclically in id
// order, that has not hosted in this round.
func (r *Rotation) Next() (string, bool) {
	if len(r.hosts) == 0 {
		return "", false
	}
	start, _ := slices.BinarySearch(r.hosts, r.last)
	if r.last != "" && start < len(r.hosts) && r.hosts[start] == r.last {
		start++
	}
	for i := range len(r.hosts) {
		h := r.hosts[(start+i)%len(r.hosts)]
		if !r.round[h] {
			return h, true
		}
	}
	return "", false
}

// SortBookings orders bookings by time, then group.
func SortBookings(b []Booking) {
	slices.SortFunc(b, func(x, y Booking) int { return cmp.Or(x.Start.Compare(y.Start), cmp.Compare(x.GroupID, y.GroupID)) })
}

package domain

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/l4l-platform/l4l/libs/problem"
	"github.com/l4l-platform/l4l/libs/profile"
)

func rwanda(t testing.TB) Tenant {
	t.Helper()
	s, err := profile.Load("rw")
	if err != nil {
		t.Fatal(err)
	}
	return Tenant{Code: "rw-gasabo", Profile: profile.NewIndex(s)}
}

// A small Gasabo: Remera has three schools, Kimironko two; one LLL and one SEO each, two
// NLLs and the DEO for the district.
func gasabo(t testing.TB) (Tenant, *Roster) {
	t.Helper()
	tn := rwanda(t)
	schools := []SchoolFact{
		{ID: "s-rem-1", Unit: "rw-gasabo-remera", Status: "open"},
		{ID: "s-rem-2", Unit: "rw-gasabo-remera", Status: "open"},
		{ID: "s-rem-3", Unit: "rw-gasabo-remera", Status: "open"},
		{ID: "s-kim-1", Unit: "rw-gasabo-kimironko", Status: "open"},
		{ID: "s-kim-2", Unit: "rw-gasabo-kimironko", Status: "open"},
		{ID: "s-closed", Unit: "rw-gasabo-remera", Status: "closed"},
		{ID: "s-gone", Unit: "rw-gasabo-remera", Status: "open", Deleted: true},
	}
	role := func(id, person, role, unit string) RoleFact {
		return RoleFact{ID: id, PersonID: person, Role: role, Unit: unit, StartDate: "2026-01-01"}
	}
	roles := []RoleFact{
		role("a1", "ht-rem-1", "ht", "s-rem-1"), role("a2", "ht-rem-2", "ht", "s-rem-2"), role("a3", "ht-rem-3", "ht", "s-rem-3"),
		role("a4", "ht-kim-1", "ht", "s-kim-1"), role("a5", "ht-kim-2", "ht", "s-kim-2"),
		role("a6", "ht-rem-1", "lll", "rw-gasabo-remera"), role("a7", "ht-kim-1", "lll", "rw-gasabo-kimironko"),
		role("a8", "seo-rem", "seo", "rw-gasabo-remera"), role("a9", "seo-kim", "seo", "rw-gasabo-kimironko"),
		role("a10", "nll-1", "nll", "rw-gasabo"), role("a11", "nll-2", "nll", "rw-gasabo"), role("a12", "deo", "deo", "rw-gasabo"),
		role("a13", "ht-closed", "ht", "s-closed"), role("a14", "ht-unknown", "ht", "s-unknown"),
		role("a15", "lll-other", "lll", "rw-kicukiro-niboye"),
		{ID: "a16", PersonID: "ht-left", Role: "ht", Unit: "s-rem-2", StartDate: "2020-01-01", EndDate: "2025-12-31"},
		{ID: "a17", PersonID: "removed", Role: "ht", Unit: "s-rem-2", StartDate: "2020-01-01", Deleted: true},
	}
	return tn, NewRoster(tn, schools, roles)
}

func peopleOf(g Group, date string) string {
	var out []string
	for _, p := range g.PeopleOn(date) {
		out = append(out, p.PersonID+":"+p.Position)
	}
	return strings.Join(out, " ")
}

func TestMembershipFromTheDirectory(t *testing.T) {
	_, r := gasabo(t)
	tests := []struct {
		name    string
		key     GroupKey
		date    string
		schools string
		people  string
	}{
		{"sector PLC: its HTs, led by its LLL with its SEO", GroupKey{"sector_plc", "rw-gasabo-remera"}, "2026-10-01",
			"s-rem-1 s-rem-2 s-rem-3", "ht-rem-1:facilitator seo-rem:co_facilitator ht-rem-2:member ht-rem-3:member"},
		{"a head teacher who left is no longer expected", GroupKey{"sector_plc", "rw-gasabo-remera"}, "2025-06-01",
			"s-rem-1 s-rem-2 s-rem-3", "ht-left:member"},
		{"district PLC: NLLs lead with the DEO, LLLs attend", GroupKey{"district_plc", "rw-gasabo"}, "2026-10-01",
			"s-kim-1 s-kim-2 s-rem-1 s-rem-2 s-rem-3", "nll-1:facilitator nll-2:facilitator deo:co_facilitator ht-kim-1:member ht-rem-1:member"},
		{"a sector with no schools yet", GroupKey{"sector_plc", "rw-gasabo-kacyiru"}, "2026-10-01", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, ok := r.Group(tt.key)
			if !ok {
				t.Fatal("no group")
			}
			if got := strings.Join(g.Schools, " "); got != tt.schools {
				t.Errorf("schools %q, want %q", got, tt.schools)
			}
			if got := peopleOf(g, tt.date); got != tt.people {
				t.Errorf("people %q, want %q", got, tt.people)
			}
		})
	}
	if _, ok := r.Group(GroupKey{"no_such_plc", "rw-gasabo"}); ok {
		t.Error("a PLC kind the profile lacks made a group")
	}
}

func TestGroupsComeFromTheProfile(t *testing.T) {
	tn := rwanda(t)
	keys := GroupsOf(tn)
	sectors, district := 0, 0
	for _, k := range keys {
		switch k.Kind {
		case "sector_plc":
			sectors++
		case "district_plc":
			district++
		default:
			t.Errorf("unexpected kind %s", k.Kind)
		}
	}
	if sectors != len(tn.Profile.UnitsUnder("rw-gasabo", "sector")) || sectors < 10 || district != 1 {
		t.Fatalf("%d sector PLCs, %d district PLCs", sectors, district)
	}
	got := KindsContaining(tn, "rw-gasabo-remera")
	want := []GroupKey{{"sector_plc", "rw-gasabo-remera"}, {"district_plc", "rw-gasabo"}}
	if !slices.Equal(got, want) {
		t.Fatalf("groups containing remera: %v", got)
	}
	ke, _ := profile.Load("ke")
	kx := profile.NewIndex(ke)
	kt := Tenant{Profile: kx}
	for _, u := range ke.Geography.Units {
		if u.Level == "zone" {
			county, _ := kx.TenantOf(u.Code)
			kt.Code = county.Code
			break
		}
	}
	kinds := map[string]int{}
	for _, k := range GroupsOf(kt) {
		kinds[k.Kind]++
	}
	if kinds["zone_plc"] == 0 || kinds["sub_county_plc"] == 0 || kinds["sector_plc"] != 0 {
		t.Fatalf("Kenya's groups come from its profile: %v", kinds)
	}
}

func TestFacts(t *testing.T) {
	t0 := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		at, stored time.Time
		want       bool
	}{{t0, time.Time{}, true}, {t0, t0, true}, {t0.Add(time.Second), t0, true}, {t0, t0.Add(time.Second), false}}
	for _, tt := range tests {
		if got := Newer(tt.at, tt.stored); got != tt.want {
			t.Errorf("Newer(%v, %v) = %v", tt.at, tt.stored, got)
		}
	}
}

func plansFor(t testing.TB, tn Tenant, r *Roster, from string, mutate func(*Group)) []GroupPlan {
	t.Helper()
	var plans []GroupPlan
	for i, k := range GroupsOf(tn) {
		g, _ := r.Group(k)
		g.ID = fmt.Sprintf("g%02d-%s", i, k.Unit)
		if mutate != nil {
			mutate(&g)
		}
		p, _ := tn.Profile.PLC(k.Kind)
		plans = append(plans, PlanOf(g, p, from))
	}
	return plans
}

func term1(tn Tenant, groups []GroupPlan) ScheduleInput {
	return ScheduleInput{Profile: tn.Profile, Rules: DefaultRules(), From: "2026-09-07", To: "2026-12-18", Groups: groups}
}

func TestScheduleRespectsTheCalendar(t *testing.T) {
	tn, r := gasabo(t)
	in := term1(tn, plansFor(t, tn, r, "2026-09-07", nil))
	s, err := Plan(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Unplaced) != 0 {
		t.Fatalf("unplaced: %+v", s.Unplaced)
	}
	perGroup := map[string][]Booking{}
	for _, b := range s.Sessions {
		perGroup[b.GroupID] = append(perGroup[b.GroupID], b)
		local := b.Start.In(tn.Profile.Location())
		if _, _, ok := tn.Profile.TermOn(b.Start); !ok {
			t.Errorf("%s outside term", b.Date)
		}
		if h, ok := tn.Profile.HolidayOn(b.Start); ok {
			t.Errorf("%s on %s", b.Date, h.Name)
		}
		if wd := local.Weekday(); wd == time.Saturday || wd == time.Sunday {
			t.Errorf("%s on a %s", b.Date, wd)
		}
		if local.Format("15:04") != "09:00" || local.Format(profile.DateLayout) != b.Date {
			t.Errorf("starts %s", local)
		}
	}
	// Monthly sector PLCs: Sept..Dec = 4 sessions; the termly district PLC: 1.
	for id, bs := range perGroup {
		want := 4
		if strings.Contains(id, "-rw-gasabo") && !strings.Contains(id, "rw-gasabo-") {
			want = 1
		}
		if len(bs) != want {
			t.Errorf("%s: %d sessions, want %d", id, len(bs), want)
		}
		for i := 1; i < len(bs); i++ {
			if d := bs[i].Start.Sub(bs[i-1].Start); d < 14*24*time.Hour {
				t.Errorf("%s: sessions %s and %s only %s apart", id, bs[i-1].Date, bs[i].Date, d)
			}
		}
	}
	// The same input gives the same schedule.
	again, _ := Plan(in)
	if fmt.Sprint(again) != fmt.Sprint(s) {
		t.Fatal("the scheduler is not deterministic")
	}
}

func TestScheduleAvoidsHolidaysAndShortSlots(t *testing.T) {
	tn, r := gasabo(t)
	// A December with only Christmas week is no month for a PLC: the 21st–24th are out of
	// term, the 25th a holiday.
	in := term1(tn, plansFor(t, tn, r, "2026-12-21", nil))
	in.From, in.To = "2026-12-21", "2026-12-31"
	s, err := Plan(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Sessions) != 0 {
		t.Fatalf("sessions in the holidays: %+v", s.Sessions)
	}
	// Term 2 starts 2027-01-04; 1 and 2 January are holidays, and a PLC that may meet in
	// the holidays still avoids weekends but not public holidays.
	in = ScheduleInput{Profile: tn.Profile, Rules: DefaultRules(), From: "2026-12-19", To: "2027-01-31"}
	p, _ := tn.Profile.PLC("sector_plc")
	p.AllowDuringHolidays = true
	in.Groups = []GroupPlan{{ID: "g", Kind: "sector_plc", Unit: "rw-gasabo-remera", PLC: p, Hosts: []string{"a"}}}
	s, _ = Plan(in)
	if len(s.Sessions) != 2 || s.Sessions[0].Slot != "2026-12" || s.Sessions[0].Date > "2026-12-31" {
		t.Fatalf("a holiday-allowed PLC meets in December: %+v", s.Sessions)
	}
}

func TestNoPersonInTwoSessionsAtOnce(t *testing.T) {
	tn, r := gasabo(t)
	plans := plansFor(t, tn, r, "2026-09-07", nil)
	// One SEO covering both sectors, and the district PLC sharing its LLLs: with every
	// group wanting the same few days, the scheduler must still keep people single-booked.
	for i := range plans {
		plans[i].People = append(plans[i].People, "everywhere")
	}
	in := term1(tn, plans)
	in.From, in.To = "2026-10-01", "2026-10-31"
	s, err := Plan(in)
	if err != nil {
		t.Fatal(err)
	}
	days := map[string]string{}
	for _, b := range s.Sessions {
		if other, dup := days[b.Date]; dup {
			t.Errorf("%s and %s both on %s, sharing a person", other, b.GroupID, b.Date)
		}
		days[b.Date] = b.GroupID
	}
	// October 2026 has 22 school days for 16 groups (15 sectors + the district... only
	// some of which have people): everyone fits.
	if len(s.Unplaced) != 0 {
		t.Fatalf("unplaced: %+v", s.Unplaced)
	}
	// Squeeze them into three days: the rest cannot be placed, and say why.
	in.From, in.To = "2026-10-05", "2026-10-07"
	s, _ = Plan(in)
	if len(s.Sessions) != 3 || len(s.Unplaced) == 0 {
		t.Fatalf("%d placed, %d unplaced", len(s.Sessions), len(s.Unplaced))
	}
	for _, u := range s.Unplaced {
		if u.Constraint != ConstraintPersonOverlap {
			t.Errorf("unplaced for %s: %s", u.Constraint, u.Detail)
		}
	}
}

func TestHostRotation(t *testing.T) {
	tn := rwanda(t)
	p, _ := tn.Profile.PLC("sector_plc")
	noRotation := p
	noRotation.HostRotation = false
	offline := p
	offline.OnlineAllowed = false
	year := ScheduleInput{Profile: tn.Profile, Rules: DefaultRules(), From: "2026-09-01", To: "2027-07-31"}
	tests := []struct {
		name  string
		plc   profile.PLC
		hosts []string
		fixed []Booking
		want  string
	}{
		{"every school hosts once before any hosts again", p, []string{"a", "b", "c"}, nil, "a b c a b c a b c a b"},
		{"schools unable to host are skipped", p, []string{"b"}, nil, "b b b b b b b b b b b"},
		{"no school able to host: online", p, nil, nil, "online online online online online online online online online online online"},
		{"no school able to host and no online sessions: in person, host to be found", offline, nil, nil, "- - - - - - - - - - -"},
		{"no rotation: no host", noRotation, []string{"a", "b"}, nil, "- - - - - - - - - - -"},
		{"held sessions count in the round", p, []string{"a", "b", "c"}, []Booking{
			{GroupID: "g", Slot: "2026-09", Date: "2026-09-15", Start: kigali("2026-09-15 09:00"), End: kigali("2026-09-15 12:00"), Mode: InPerson, HostSchoolID: "b"},
		}, "[b] c a b c a b c a b c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := year
			in.Groups = []GroupPlan{{ID: "g", Kind: "sector_plc", Unit: "rw-gasabo-remera", PLC: tt.plc, Hosts: tt.hosts}}
			in.Fixed = tt.fixed
			s, err := Plan(in)
			if err != nil {
				t.Fatal(err)
			}
			all := append(slices.Clone(tt.fixed), s.Sessions...)
			SortBookings(all)
			var got []string
			for _, b := range all {
				h := b.HostSchoolID
				switch {
				case b.Mode == Online:
					h = "online"
				case h == "":
					h = "-"
				}
				if slices.ContainsFunc(tt.fixed, func(f Booking) bool { return f.Date == b.Date }) {
					h = "[" + h + "]"
				}
				got = append(got, h)
			}
			if strings.Join(got, " ") != tt.want {
				t.Fatalf("hosts %q, want %q (unplaced %+v)", strings.Join(got, " "), tt.want, s.Unplaced)
			}
		})
	}
}

func kigali(s string) time.Time {
	loc, _ := time.LoadLocation("Africa/Kigali")
	t, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		panic(err)
	}
	return t
}

func TestRegeneratingKeepsFixedSlots(t *testing.T) {
	tn := rwanda(t)
	p, _ := tn.Profile.PLC("sector_plc")
	in := ScheduleInput{Profile: tn.Profile, Rules: DefaultRules(), From: "2026-09-07", To: "2026-12-18",
		Groups: []GroupPlan{{ID: "g", Kind: "sector_plc", Unit: "rw-gasabo-remera", PLC: p, Hosts: []string{"a", "b"}}}}
	first, _ := Plan(in)
	// Confirm October on the last Friday: regenerating keeps it and moves November if it
	// would come too close.
	oct := Booking{GroupID: "g", Slot: "2026-10", Date: "2026-10-30", Start: kigali("2026-10-30 09:00"), End: kigali("2026-10-30 12:00"), Mode: InPerson, HostSchoolID: "a"}
	in.Fixed = []Booking{oct}
	second, _ := Plan(in)
	if len(second.Sessions) != len(first.Sessions)-1 {
		t.Fatalf("%d sessions after fixing one of %d", len(second.Sessions), len(first.Sessions))
	}
	for _, b := range second.Sessions {
		if b.Slot == "2026-10" {
			t.Fatal("the fixed slot was generated again")
		}
		if b.Slot == "2026-11" && b.Date < "2026-11-13" {
			t.Fatalf("November on %s, closer than 14 days to the fixed 30 October", b.Date)
		}
	}
}

func TestSessionCheckNamesTheConstraint(t *testing.T) {
	tn, r := gasabo(t)
	g, _ := r.Group(GroupKey{"sector_plc", "rw-gasabo-remera"})
	g.ID = "g-rem"
	g.UnableToHost = []string{"s-rem-3"}
	d, _ := r.Group(GroupKey{"district_plc", "rw-gasabo"})
	d.ID = "g-dist"
	p, _ := tn.Profile.PLC("sector_plc")
	session := func(start, mode, host string) Session {
		s := kigali(start)
		return Session{ID: "s-new", GroupID: g.ID, Date: s.Format(profile.DateLayout), Start: s, End: s.Add(3 * time.Hour), Mode: mode, HostSchoolID: host}
	}
	others := []Other{
		{SessionID: "s-oct", GroupID: "g-rem", Date: "2026-10-14", Start: kigali("2026-10-14 09:00"), End: kigali("2026-10-14 12:00"), Mode: InPerson, Host: "s-rem-1"},
		{SessionID: "s-dist", GroupID: "g-dist", Date: "2026-11-18", Start: kigali("2026-11-18 10:00"), End: kigali("2026-11-18 14:00"), Mode: InPerson, People: []string{"ht-rem-1", "nll-1"}},
	}
	tests := []struct {
		name    string
		s       Session
		plc     profile.PLC
		want    string
		wantKey string
	}{
		{"a good day", session("2026-11-10 09:00", InPerson, "s-rem-2"), p, "", ""},
		{"outside term", session("2026-12-22 09:00", InPerson, "s-rem-2"), p, ConstraintInTerm, "start"},
		{"public holiday", session("2027-02-01 09:00", InPerson, "s-rem-2"), p, ConstraintHoliday, "start"},
		{"weekend", session("2026-11-14 09:00", InPerson, "s-rem-2"), p, ConstraintWeekday, "start"},
		{"too close to the last one", session("2026-10-20 09:00", InPerson, "s-rem-2"), p, ConstraintMinGap, "start"},
		{"the LLL is at the district PLC", session("2026-11-18 09:00", InPerson, "s-rem-2"), p, ConstraintPersonOverlap, "start"},
		{"host not in the group", session("2026-11-10 09:00", InPerson, "s-kim-1"), p, ConstraintHostSchool, "host_school_id"},
		{"host unable", session("2026-11-10 09:00", InPerson, "s-rem-3"), p, ConstraintHostUnable, "host_school_id"},
		{"host twice in a round", session("2026-11-10 09:00", InPerson, "s-rem-1"), p, ConstraintHostRotation, "host_school_id"},
		{"online where not allowed", session("2026-11-10 09:00", Online, ""), func() profile.PLC { q := p; q.OnlineAllowed = false; return q }(), ConstraintOnline, "mode"},
		{"online is fine where allowed", session("2026-11-10 09:00", Online, ""), p, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vs := SessionCheck{Tenant: tn, Rules: DefaultRules(), PLC: tt.plc, Group: g, Session: tt.s, Others: others}.Check()
			if tt.want == "" {
				if len(vs) > 0 {
					t.Fatalf("violations %+v", vs)
				}
				return
			}
			if len(vs) != 1 || vs[0].Constraint != tt.want || vs[0].Field != tt.wantKey {
				t.Fatalf("violations %+v, want one %s on %s", vs, tt.want, tt.wantKey)
			}
			err := ViolationsError(vs)
			if problem.KindOf(err) != problem.Unprocessable || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v", err)
			}
		})
	}
}

func TestRecords(t *testing.T) {
	tn, r := gasabo(t)
	g, _ := r.Group(GroupKey{"sector_plc", "rw-gasabo-remera"})
	g.ID = "g-rem"
	now := kigali("2026-11-20 12:00")
	held := Session{ID: "s2", GroupID: "g-rem", Date: "2026-11-10", Start: kigali("2026-11-10 09:00"), Status: Scheduled}
	prior := map[string]PriorAction{"0190a0f0-0000-7000-8000-000000000001": {Action: Action{ID: "0190a0f0-0000-7000-8000-000000000001"}, SessionID: "s1", Status: ActionOpen}}
	good := func() RecordFields {
		return RecordFields{Held: true,
			Attendance: []Attendance{{"ht-rem-1", Present}, {"ht-rem-2", Late}, {"ht-rem-3", Excused}, {"seo-rem", Present}},
			SchoolData: []SchoolData{{SchoolID: "s-rem-2", Topic: "P3 reading results"}},
			Agenda:     []AgendaItem{{Title: "Lesson observation", CompetencyAreas: []string{"leading_teaching"}}},
			Challenges: []Challenge{{Description: "Pupils dropping out in the rainy season", Solution: "Home visits", SchoolID: "s-rem-3"}},
			Actions:    []Action{{Description: "Share the observation rubric", OwnerID: "ht-rem-2", SchoolID: "s-rem-2", DueDate: "2026-12-01"}},
			FollowUps:  []FollowUp{{ActionID: "0190a0f0-0000-7000-8000-000000000001", Status: ActionDone}},
		}
	}
	tests := []struct {
		name   string
		mutate func(*RecordFields, *Session)
		kind   problem.Kind
		fields string
	}{
		{"a good record", func(*RecordFields, *Session) {}, 0, ""},
		{"not held, with a reason", func(f *RecordFields, _ *Session) { *f = RecordFields{NotHeldReason: "Flooded roads"} }, 0, ""},
		{"not held without a reason", func(f *RecordFields, _ *Session) { *f = RecordFields{Attendance: f.Attendance} }, problem.Invalid, "attendance not_held_reason"},
		{"attendance of a non-member", func(f *RecordFields, _ *Session) { f.Attendance[1].PersonID = "ht-kim-2" }, problem.Invalid, "attendance[1].person_id"},
		{"attendance twice and a bad status", func(f *RecordFields, _ *Session) {
			f.Attendance[1] = Attendance{"ht-rem-1", "sleeping"}
		}, problem.Invalid, "attendance[1].person_id attendance[1].status"},
		{"no one present", func(f *RecordFields, _ *Session) { f.Attendance = []Attendance{{"ht-rem-1", Absent}} }, problem.Invalid, "attendance"},
		{"an action without an owner", func(f *RecordFields, _ *Session) { f.Actions[0].OwnerID = "" }, problem.Invalid, "actions[0].owner_id"},
		{"an action due before the session", func(f *RecordFields, _ *Session) { f.Actions[0].DueDate = "2026-11-01" }, problem.Invalid, "actions[0].due_date"},
		{"an unknown competency area and school", func(f *RecordFields, _ *Session) {
			f.Agenda[0].CompetencyAreas = []string{"juggling"}
			f.SchoolData[0].SchoolID = "s-kim-1"
		}, problem.Invalid, "agenda[0].competency_areas[0] school_data[0].school_id"},
		{"a follow-up of an unknown action", func(f *RecordFields, _ *Session) { f.FollowUps[0].ActionID = "x" }, problem.Invalid, "follow_ups[0].action_id"},
		{"a cancelled session", func(_ *RecordFields, s *Session) { s.Status = Cancelled }, problem.Conflict, ""},
		{"a session still to come", func(_ *RecordFields, s *Session) { s.Start = now.Add(time.Hour) }, problem.Conflict, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, f := held, good()
			tt.mutate(&f, &s)
			err := RecordSession(&s, RecordContext{Tenant: tn, Group: g, Session: s, Prior: prior, Now: now, By: "u"}, f)
			if tt.kind == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if want := map[bool]string{true: Held, false: NotHeld}[f.Held]; s.Status != want || s.Record == nil {
					t.Fatalf("status %s", s.Status)
				}
				for _, a := range s.Record.Actions {
					if a.ID == "" {
						t.Fatal("action without id")
					}
				}
				return
			}
			if problem.KindOf(err) != tt.kind {
				t.Fatalf("error %v, want kind %d", err, tt.kind)
			}
			var pe *problem.Error
			if tt.fields != "" {
				pe = err.(*problem.Error)
				var fields []string
				for _, fe := range pe.Fields {
					fields = append(fields, fe.Field)
				}
				if strings.Join(fields, " ") != tt.fields {
					t.Fatalf("fields %v, want %s", fields, tt.fields)
				}
			}
		})
	}
}

func TestActionsAndAttendance(t *testing.T) {
	_, r := gasabo(t)
	g, _ := r.Group(GroupKey{"sector_plc", "rw-gasabo-remera"})
	g.ID = "g-rem"
	at := func(id, date string, rec *Record) Session {
		st := Held
		if rec == nil {
			st = Scheduled
		}
		return Session{ID: id, GroupID: "g-rem", Date: date, Start: kigali(date + " 09:00"), Status: st, Record: rec}
	}
	att := func(pairs ...string) []Attendance {
		var out []Attendance
		for i := 0; i < len(pairs); i += 2 {
			out = append(out, Attendance{pairs[i], pairs[i+1]})
		}
		return out
	}
	sessions := []Session{
		at("s1", "2026-09-15", &Record{Held: true, Attendance: att("ht-rem-1", Present, "ht-rem-2", Present, "ht-rem-3", Absent),
			Actions: []Action{{ID: "a1", OwnerID: "ht-rem-2", DueDate: "2026-10-01"}, {ID: "a2", OwnerID: "ht-rem-3", DueDate: "2026-12-01"}}}),
		at("s2", "2026-10-14", &Record{Held: true, Attendance: att("ht-rem-1", Present, "ht-rem-2", Excused, "ht-rem-3", Late),
			FollowUps: []FollowUp{{ActionID: "a1", Status: ActionInProgress}}}),
		at("s3", "2026-11-10", &Record{Held: true, Attendance: att("ht-rem-1", Present, "ht-rem-3", Present),
			FollowUps: []FollowUp{{ActionID: "a2", Status: ActionDone}}}),
		at("s4", "2026-12-08", nil),
	}
	ga := AttendanceOf(g, sessions, DefaultRules())
	got := map[string]string{}
	for _, m := range ga.Members {
		got[m.PersonID] = fmt.Sprintf("%d/%d %v", m.Present+m.Late, m.Expected, m.CollaboratesRegularly)
	}
	want := map[string]string{"ht-rem-1": "3/3 true", "ht-rem-2": "1/3 false", "ht-rem-3": "2/3 true", "seo-rem": "0/3 false"}
	if fmt.Sprint(got) != fmt.Sprint(want) || len(ga.Sessions) != 3 {
		t.Fatalf("attendance %v (%d sessions)", got, len(ga.Sessions))
	}
	actions := ActionsOf(sessions, "2026-11-23")
	if len(actions) != 2 || actions[0].Status != ActionInProgress || !actions[0].Overdue || actions[1].Status != ActionDone || actions[1].Overdue {
		t.Fatalf("actions %+v", actions)
	}
	if p := PriorActions(sessions[1], sessions); len(p) != 2 {
		t.Fatalf("prior actions of s2: %v", p)
	}

	rules := DefaultRules()
	for _, tt := range []struct {
		statuses []string
		want     bool
	}{
		{nil, false},
		{[]string{Present}, true},
		{[]string{Absent}, false},
		{[]string{Present, Absent}, false},
		{[]string{Present, Present}, true},
		{[]string{Absent, Absent, Present, Late}, true},
		{[]string{Present, Present, Absent, Excused, Late}, false},
	} {
		if got := Collaborates(tt.statuses, rules); got != tt.want {
			t.Errorf("Collaborates(%v) = %v", tt.statuses, got)
		}
	}
}

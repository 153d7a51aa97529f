package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

const (
	gasabo  = "rw-gasabo"
	ruhango = "rw-ruhango"

	remera    = "rw-gasabo-remera"
	kacyiru   = "rw-gasabo-kacyiru"
	kimironko = "rw-gasabo-kimironko"
	byimana   = "rw-ruhango-byimana"
)

// Gasabo's schools and head teachers (CSV, as a ministry's EMIS exports them). GAS-HT-R3
// has led their school since November 2026: too short for the three years recruitment
// asks (screened out).
const (
	gasaboSchools = "code,name,unit,ownership\n" +
		"GAS-REM-01,G.S. Remera I,rw-gasabo-remera,public\n" +
		"GAS-REM-02,E.P. Remera II,rw-gasabo-remera,public\n" +
		"GAS-REM-03,G.S. Remera III,rw-gasabo-remera,government_aided\n" +
		"GAS-KAC-01,G.S. Kacyiru I,rw-gasabo-kacyiru,public\n" +
		"GAS-KAC-02,E.P. Kacyiru II,rw-gasabo-kacyiru,public\n" +
		"GAS-KAC-03,G.S. Kacyiru III,rw-gasabo-kacyiru,public\n"
	gasaboHeadTeachers = "staff_id,given_name,family_name,school_code,gender,start_date\n" +
		"GAS-HT-R1,Aline,Uwase,GAS-REM-01,female,2015-01-05\n" +
		"GAS-HT-R2,Jean,Habimana,GAS-REM-02,male,2016-01-04\n" +
		"GAS-HT-R3,Grace,Mukamana,GAS-REM-03,female,2026-11-02\n" +
		"GAS-HT-K1,Eric,Niyonzima,GAS-KAC-01,male,2012-01-09\n" +
		"GAS-HT-K2,Diane,Ingabire,GAS-KAC-02,female,2018-01-08\n" +
		"GAS-HT-K3,Patrick,Mugisha,GAS-KAC-03,male,2019-01-07\n"
	ruhangoSchools = "code,name,unit,ownership\n" +
		"RUH-BYI-01,G.S. Byimana I,rw-ruhango-byimana,public\n" +
		"RUH-BYI-02,E.P. Byimana II,rw-ruhango-byimana,public\n"
	ruhangoHeadTeachers = "staff_id,given_name,family_name,school_code,gender,start_date\n" +
		"RUH-HT-B1,Claude,Nshimiyimana,RUH-BYI-01,male,2014-01-06\n" +
		"RUH-HT-B2,Alice,Uwimana,RUH-BYI-02,female,2017-01-09\n"
)

type page struct {
	Items []json.RawMessage `json:"items"`
}

type idDoc struct {
	ID string `json:"id"`
}

// district is one tenant as the scenario sees it: its staff's person ids and tokens.
type district struct {
	p      *platform
	tenant string
	deo    string            // DEO token
	people map[string]string // staff id → person id
}

func (d *district) path(rest string) string { return "/v1/tenants/" + d.tenant + rest }

func (d *district) importCSV(kind, csv string) {
	d.p.t.Helper()
	var rep struct{ Rows, Created, Rejected int }
	d.p.must("directory", call{method: "POST", path: d.path("/imports/" + kind), token: d.deo, body: csv, contentType: "text/csv"}, 200).decode(d.p.t, &rep)
	if rep.Created != rep.Rows || rep.Rejected != 0 {
		d.p.t.Fatalf("import of %s into %s: %+v", kind, d.tenant, rep)
	}
}

func (d *district) personID(staffID string) string {
	d.p.t.Helper()
	if id, ok := d.people[staffID]; ok {
		return id
	}
	var pg page
	d.p.must("directory", call{method: "GET", path: d.path("/people?staff_id=" + url.QueryEscape(staffID)), token: d.deo}, 200).decode(d.p.t, &pg)
	if len(pg.Items) != 1 {
		d.p.t.Fatalf("%d people with staff id %s in %s", len(pg.Items), staffID, d.tenant)
	}
	var x idDoc
	_ = json.Unmarshal(pg.Items[0], &x)
	d.people[staffID] = x.ID
	return x.ID
}

// staff creates a person with a role at unit.
func (d *district) staff(staffID, role, unit string) string {
	d.p.t.Helper()
	var x idDoc
	d.p.must("directory", call{method: "POST", path: d.path("/people"), token: d.deo,
		body: map[string]string{"staff_id": staffID, "given_name": "Staff", "family_name": staffID}}, 201).decode(d.p.t, &x)
	d.people[staffID] = x.ID
	d.p.must("directory", call{method: "POST", path: d.path("/role-assignments"), token: d.deo,
		body: map[string]string{"person_id": x.ID, "role": role, "unit": unit, "start_date": "2019-01-07"}}, 201)
	return x.ID
}

// kpis reads the district's KPIs for the school year 2026-2027 (numerator, denominator
// and value by key).
type kpi struct {
	Key         string   `json:"key"`
	Value       *float64 `json:"value"`
	Numerator   int      `json:"numerator"`
	Denominator int      `json:"denominator"`
}

func (d *district) kpis(token string) map[string]kpi {
	d.p.t.Helper()
	var rep struct {
		Periods []struct {
			KPIs []kpi `json:"kpis"`
		} `json:"periods"`
	}
	d.p.must("analytics", call{method: "GET", path: d.path("/kpis?period=year"), token: token}, 200).decode(d.p.t, &rep)
	out := map[string]kpi{}
	for _, k := range rep.Periods[len(rep.Periods)-1].KPIs {
		out[k.Key] = k
	}
	return out
}

// want is a KPI figure worked out by hand: numerator / denominator.
type want struct{ num, den int }

// waitKPIs waits until every KPI named has the figures worked out by hand; analytics
// follows the other services' events, so the figures arrive a little after the writes.
func (d *district) waitKPIs(what string, wants map[string]want) {
	d.p.t.Helper()
	var got map[string]kpi
	ok := poll(2*time.Minute, func() bool {
		got = d.kpis(d.deo)
		for k, w := range wants {
			if g, ok := got[k]; !ok || g.Numerator != w.num || g.Denominator != w.den {
				return false
			}
		}
		return true
	})
	if !ok {
		var diffs []string
		for k, w := range wants {
			diffs = append(diffs, fmt.Sprintf("%s: got %d/%d, want %d/%d", k, got[k].Numerator, got[k].Denominator, w.num, w.den))
		}
		sort.Strings(diffs)
		d.p.t.Fatalf("%s: %s KPIs never matched:\n  %s", what, d.tenant, strings.Join(diffs, "\n  "))
	}
}

// TestProgrammeYear is a programme year in the Gasabo district, with Ruhango beside it.
func TestProgrammeYear(t *testing.T) {
	// The shipped profile's calendar holds the school year 2026-2027 only; the services'
	// clock is the real one. Outside that year the scenario cannot schedule or count it:
	// fail saying so (a skip would pass silently) until the profile has the next year.
	if today := time.Now().In(kigali()).Format(time.DateOnly); today < "2026-11-02" || today > "2027-07-09" {
		t.Fatalf("today (%s) is outside the part of the 2026-2027 school year the scenario walks (2026-11-02 to 2027-07-09): add the next school year to the profile's calendar and move the scenario's dates", today)
	}
	start := time.Now()
	p := startPlatform(t)
	t.Logf("platform up in %s", time.Since(start).Round(time.Millisecond))
	gas := &district{p: p, tenant: gasabo, people: map[string]string{}}
	gas.deo = p.token("deo-gasabo", []string{"deo"}, gasabo, "")
	ruh := &district{p: p, tenant: ruhango, people: map[string]string{}}
	ruh.deo = p.token("deo-ruhango", []string{"deo"}, ruhango, "")
	s := &scenario{p: p, gas: gas, ruh: ruh}

	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"directory-import", s.directory},
		{"recruitment", s.recruitment},
		{"induction-reaches-directory", s.induction},
		{"plc-groups-form", s.plcGroups},
		{"plc-term-scheduled-and-recorded", s.plcSessions},
		{"coaching", s.coaching},
		{"accreditation", s.accreditation},
		{"kpis-by-hand", s.kpisByHand},
		{"isolation", s.isolation},
		{"drill/database-down", s.drillDatabase},
		{"drill/poison-event", s.drillPoison},
		{"drill/consumer-killed", s.drillKill},
		{"drill/broker-down", s.drillBroker},
		{"drill/replayed-topic", s.drillReplay},
	}
	for _, st := range steps {
		begin := time.Now()
		ok := t.Run(st.name, func(t *testing.T) {
			p.t = t
			defer func() { p.t = nil }()
			st.run(t)
		})
		t.Logf("%-34s %s", st.name, time.Since(begin).Round(time.Millisecond))
		if !ok {
			p.t = t
			t.FailNow() // each step builds on the ones before
		}
	}
	p.t = t
}

// scenario carries what steps learn for the steps after them.
type scenario struct {
	p        *platform
	gas, ruh *district
	campaign string
	lll      map[string]string // sector → the appointed LLL's person id
	groups   map[string]string // sector → PLC group id
	// Sessions used by later steps.
	kacyiruSessions []session
	held            int // PLC sessions recorded held in Gasabo so far
	credential      string
	graduated       int // Gasabo's leaders holding a valid certificate
}

func (s *scenario) directory(t *testing.T) {
	gas, ruh := s.gas, s.ruh
	gas.importCSV("schools", gasaboSchools)
	gas.importCSV("head-teachers", gasaboHeadTeachers)
	ruh.importCSV("schools", ruhangoSchools)
	ruh.importCSV("head-teachers", ruhangoHeadTeachers)
	// Re-importing the same file changes nothing (EMIS exports arrive again every term).
	var rep struct{ Rows, Created, Unchanged int }
	s.p.must("directory", call{method: "POST", path: gas.path("/imports/head-teachers"), token: gas.deo, body: gasaboHeadTeachers, contentType: "text/csv"}, 200).decode(t, &rep)
	if rep.Created != 0 || rep.Unchanged != 6 {
		t.Fatalf("re-import: %+v", rep)
	}
	// The district's staff: the DEO, an SEO in each sector with schools and one with none
	// (Kimironko, who sits on the selection panel free of conflicts), one NLL.
	gas.staff("GAS-DEO", "deo", gasabo)
	gas.staff("GAS-SEO-REM", "seo", remera)
	gas.staff("GAS-SEO-KAC", "seo", kacyiru)
	gas.staff("GAS-SEO-KIM", "seo", kimironko)
	gas.staff("GAS-NLL-1", "nll", gasabo)
	ruh.staff("RUH-DEO", "deo", ruhango)
	ruh.staff("RUH-SEO-BYI", "seo", byimana)
	ruh.staff("RUH-NLL-1", "nll", ruhango)
	for _, id := range []string{"GAS-HT-R1", "GAS-HT-R2", "GAS-HT-R3", "GAS-HT-K1", "GAS-HT-K2", "GAS-HT-K3"} {
		gas.personID(id)
	}
	ruh.personID("RUH-HT-B1")
	ruh.personID("RUH-HT-B2")
}

type application struct {
	ID        string `json:"id"`
	Position  string `json:"position"`
	Screening struct {
		Eligible bool `json:"eligible"`
	} `json:"screening"`
}

func levels(l int) map[string]int {
	return map[string]int{"coaching_skill": l, "drive_to_improve_others": l, "appetite_for_learning": l,
		"openness": l, "external_collaboration": l, "inclusive_education": l}
}

// openCampaign opens the 2027 LLL intake once the panel's roles have reached recruitment
// through the directory's events.
func openCampaign(p *platform, d *district, chair, seo, nll string) string {
	today := time.Now().In(kigali())
	body := map[string]any{"intake": "2027", "opens_on": today.AddDate(0, 0, -1).Format(time.DateOnly),
		"closes_on": today.AddDate(0, 0, 30).Format(time.DateOnly), "roles": []string{"lll"},
		"panel": map[string]any{"chair": chair, "members": []string{seo, nll}}}
	var c idDoc
	p.eventually("the panel's roles reach recruitment", time.Minute, "recruitment",
		call{method: "POST", path: d.path("/campaigns"), token: d.deo, body: body}, 201, nil).decode(p.t, &c)
	return c.ID
}

func kigali() *time.Location {
	loc, err := time.LoadLocation("Africa/Kigali")
	if err != nil {
		return time.FixedZone("CAT", 2*3600)
	}
	return loc
}

func (s *scenario) recruitment(t *testing.T) {
	p, gas, ruh := s.p, s.gas, s.ruh
	panel := []string{gas.people["GAS-DEO"], gas.people["GAS-SEO-KIM"], gas.people["GAS-NLL-1"]}
	s.campaign = openCampaign(p, gas, panel[0], panel[1], panel[2])
	cp := gas.path("/campaigns/" + s.campaign)
	ht := p.token("ht-gasabo", []string{"ht"}, gasabo, "")

	// Five applications; GAS-HT-R3 (head teacher since November 2026) is screened out.
	apps := map[string]application{}
	for _, staff := range []string{"GAS-HT-R1", "GAS-HT-R2", "GAS-HT-R3", "GAS-HT-K1", "GAS-HT-K2"} {
		var a application
		p.eventually(staff+"'s head-teacher role reaches recruitment", time.Minute, "recruitment",
			call{method: "POST", path: cp + "/applications", token: ht, body: map[string]any{"person_id": gas.people[staff], "role": "lll",
				"evidence": map[string]bool{"sip_focused_on_learning": true, "collaborative_planning_evidence": true}}}, 201,
			func(r response) bool {
				_ = json.Unmarshal(r.Body, &a)
				return true
			})
		apps[staff] = a
	}
	if apps["GAS-HT-R3"].Screening.Eligible || !apps["GAS-HT-R1"].Screening.Eligible || apps["GAS-HT-K1"].Position != "lll:"+kacyiru {
		t.Fatalf("screening: %+v", apps)
	}
	// Site visits by the whole panel and every member's scores: R1 and K1 at level 4, the
	// others at 3, so each sector's ranking is known in advance.
	seo := p.token("seo-kimironko", []string{"seo"}, gasabo, "")
	for _, staff := range []string{"GAS-HT-R1", "GAS-HT-R2", "GAS-HT-K1", "GAS-HT-K2"} {
		a := cp + "/applications/" + apps[staff].ID
		p.must("recruitment", call{method: "POST", path: a + "/assessments", token: seo, body: map[string]any{
			"kind": "site_visit", "date": time.Now().In(kigali()).Format(time.DateOnly), "present": panel,
			"notes": []map[string]string{{"source": "teachers", "text": "Weekly lesson observations with feedback."},
				{"source": "pupils", "text": "Reading corners in every class."}}}}, 200)
		level := 3
		if staff == "GAS-HT-R1" || staff == "GAS-HT-K1" {
			level = 4
		}
		for _, m := range panel {
			p.must("recruitment", call{method: "POST", path: a + "/scores", token: seo, body: map[string]any{"member_id": m, "levels": levels(level)}}, 200)
		}
	}
	p.must("recruitment", call{method: "POST", path: cp + "/ranking", token: gas.deo}, 200)
	var offers struct {
		Offers []struct {
			ID            string `json:"id"`
			ApplicationID string `json:"application_id"`
		} `json:"offers"`
	}
	p.must("recruitment", call{method: "POST", path: cp + "/offers", token: gas.deo}, 200).decode(t, &offers)
	byApp := map[string]string{}
	for _, o := range offers.Offers {
		byApp[o.ApplicationID] = o.ID
	}
	if len(offers.Offers) != 2 || byApp[apps["GAS-HT-R1"].ID] == "" || byApp[apps["GAS-HT-K1"].ID] == "" {
		t.Fatalf("offers %+v, want one to R1 and one to K1", offers)
	}
	// R1 declines: the next on Remera's reserve list (R2) is offered the place.
	var declined struct {
		Next struct {
			ID            string `json:"id"`
			ApplicationID string `json:"application_id"`
		} `json:"next"`
	}
	p.must("recruitment", call{method: "POST", path: cp + "/offers/" + byApp[apps["GAS-HT-R1"].ID] + "/decline", token: ht}, 200).decode(t, &declined)
	if declined.Next.ApplicationID != apps["GAS-HT-R2"].ID {
		t.Fatalf("after R1's decline: %+v, want R2 offered", declined)
	}
	s.lll = map[string]string{}
	for sector, offer := range map[string]string{remera: declined.Next.ID, kacyiru: byApp[apps["GAS-HT-K1"].ID]} {
		var ap struct {
			ID       string `json:"id"`
			PersonID string `json:"person_id"`
			Unit     string `json:"unit"`
		}
		// The district's intake was decided before the school year: the LLLs take up their
		// roles on its first day (the appointment is recorded now, backdated).
		p.must("recruitment", call{method: "POST", path: cp + "/offers/" + offer + "/acceptance", token: ht,
			body: map[string]string{"start_date": "2026-09-07"}}, 200).decode(t, &ap)
		if ap.Unit != sector {
			t.Fatalf("appointment %+v, want %s", ap, sector)
		}
		p.must("recruitment", call{method: "POST", path: cp + "/appointments/" + ap.ID + "/induction", token: gas.deo,
			body: map[string]string{"date": time.Now().In(kigali()).Format(time.DateOnly)}}, 200)
		s.lll[sector] = ap.PersonID
	}
	if s.lll[remera] != gas.people["GAS-HT-R2"] || s.lll[kacyiru] != gas.people["GAS-HT-K1"] {
		t.Fatalf("appointed %v", s.lll)
	}
	var funnel map[string]int
	p.must("recruitment", call{method: "GET", path: cp + "/funnel", token: gas.deo}, 200).decode(t, &funnel)
	// applied 5; eligible 5 - R3 = 4; assessed 4; ranked 4; offered R1, K1, then R2 = 3; appointed R2, K1 = 2.
	if fmt.Sprint(funnel["applied"], funnel["eligible"], funnel["offered"], funnel["appointed"]) != "5 4 3 2" {
		t.Fatalf("funnel %v", funnel)
	}

	// Ruhango runs its own intake at the same time: one application.
	rpanel := []string{ruh.people["RUH-DEO"], ruh.people["RUH-SEO-BYI"], ruh.people["RUH-NLL-1"]}
	rc := openCampaign(p, ruh, rpanel[0], rpanel[1], rpanel[2])
	p.eventually("RUH-HT-B1's role reaches recruitment", time.Minute, "recruitment",
		call{method: "POST", path: ruh.path("/campaigns/" + rc + "/applications"), token: p.token("ht-ruhango", []string{"ht"}, ruhango, ""),
			body: map[string]any{"person_id": ruh.people["RUH-HT-B1"], "role": "lll",
				"evidence": map[string]bool{"sip_focused_on_learning": true, "collaborative_planning_evidence": true}}}, 201, nil)
}

// induction: the appointments reach the directory as LLL role assignments.
func (s *scenario) induction(t *testing.T) {
	for sector, person := range s.lll {
		s.p.eventually("the LLL role of "+sector+" in the directory", time.Minute, "directory",
			call{method: "GET", path: s.gas.path("/role-assignments?role=lll&person_id=" + person), token: s.gas.deo}, 200,
			func(r response) bool {
				var pg struct {
					Items []struct {
						Unit string `json:"unit"`
					} `json:"items"`
				}
				_ = json.Unmarshal(r.Body, &pg)
				return len(pg.Items) == 1 && pg.Items[0].Unit == sector
			})
	}
}

type member struct {
	PersonID string `json:"person_id"`
	Position string `json:"position"`
}

type group struct {
	ID      string   `json:"id"`
	Unit    string   `json:"unit"`
	Members []member `json:"members"`
}

func (g group) people() []string {
	var out []string
	for _, m := range g.Members {
		if !slices.Contains(out, m.PersonID) {
			out = append(out, m.PersonID)
		}
	}
	sort.Strings(out)
	return out
}

func (g group) facilitator() string {
	for _, m := range g.Members {
		if m.Position == "facilitator" {
			return m.PersonID
		}
	}
	return ""
}

func (s *scenario) plcGroups(t *testing.T) {
	gas := s.gas
	var gs map[string]group
	s.p.eventually("the sector PLCs form with their LLLs", 2*time.Minute, "plc", call{method: "GET", path: gas.path("/groups?limit=100"), token: gas.deo}, 200,
		func(r response) bool {
			var pg struct {
				Items []group `json:"items"`
			}
			_ = json.Unmarshal(r.Body, &pg)
			gs = map[string]group{}
			for _, g := range pg.Items {
				gs[g.Unit] = g
			}
			// Remera: its three head teachers and its SEO; the LLL (R2) facilitates.
			return gs[remera].facilitator() == s.lll[remera] && len(gs[remera].people()) == 4 &&
				gs[kacyiru].facilitator() == s.lll[kacyiru] && len(gs[kacyiru].people()) == 4
		})
	s.groups = map[string]string{remera: gs[remera].ID, kacyiru: gs[kacyiru].ID}
	want := []string{gas.people["GAS-HT-R1"], gas.people["GAS-HT-R2"], gas.people["GAS-HT-R3"], gas.people["GAS-SEO-REM"]}
	sort.Strings(want)
	if !slices.Equal(gs[remera].people(), want) {
		t.Fatalf("Remera's PLC: %v, want %v", gs[remera].people(), want)
	}
}

type session struct {
	ID     string `json:"id"`
	Date   string `json:"date"`
	Status string `json:"status"`
}

func (s *scenario) sessionsOf(groupID string) []session {
	var pg struct {
		Items []session `json:"items"`
	}
	s.p.must("plc", call{method: "GET", path: s.gas.path("/sessions?limit=500&group_id=" + groupID), token: s.gas.deo}, 200).decode(s.p.t, &pg)
	sort.Slice(pg.Items, func(i, j int) bool { return pg.Items[i].Date < pg.Items[j].Date })
	return pg.Items
}

// register is an attendance list: everyone present but the statuses given.
func register(people []string, except map[string]string) []map[string]string {
	var out []map[string]string
	for _, id := range people {
		st := "present"
		if e, ok := except[id]; ok {
			st = e
		}
		out = append(out, map[string]string{"person_id": id, "status": st})
	}
	return out
}

func (s *scenario) plcSessions(t *testing.T) {
	p, gas := s.p, s.gas
	// The first term, from its first day (a backfill: today is later in the term).
	var res struct {
		Created int `json:"created"`
	}
	p.must("plc", call{method: "POST", path: gas.path("/schedules"), token: gas.deo,
		body: map[string]any{"school_year": "2026-2027", "term": "Term 1", "from": "2026-09-07"}}, 200).decode(t, &res)
	rem, kac := s.sessionsOf(s.groups[remera]), s.sessionsOf(s.groups[kacyiru])
	today := time.Now().In(kigali()).Format(time.DateOnly)
	past := func(ss []session) int {
		n := 0
		for _, x := range ss {
			if x.Date < today {
				n++
			}
		}
		return n
	}
	if past(rem) < 2 || past(kac) < 3 {
		t.Fatalf("term 1 gave Remera %d and Kacyiru %d past sessions; the scenario needs 2 and 3 (created %d)", past(rem), past(kac), res.Created)
	}
	s.kacyiruSessions = kac

	// R3 has led their school since November: not on September's or October's register.
	remPeople := []string{gas.people["GAS-HT-R1"], gas.people["GAS-HT-R2"], gas.people["GAS-SEO-REM"]}
	kacPeople := []string{gas.people["GAS-HT-K1"], gas.people["GAS-HT-K2"], gas.people["GAS-HT-K3"], gas.people["GAS-SEO-KAC"]}
	lllRemera := p.token(s.lll[remera], []string{"lll"}, gasabo, remera)

	// Remera's first session, recorded by its LLL: the SEO absent; one action for R1.
	var recorded struct {
		Record struct {
			Actions []idDoc `json:"actions"`
		} `json:"record"`
	}
	p.must("plc", call{method: "PUT", path: gas.path("/sessions/" + rem[0].ID + "/record"), token: lllRemera, ifMatch: `"1"`, body: map[string]any{
		"held":       true,
		"attendance": register(remPeople, map[string]string{gas.people["GAS-SEO-REM"]: "absent"}),
		"actions": []map[string]string{{"description": "Share the observation rubric", "owner_id": gas.people["GAS-HT-R1"],
			"due_date": "2026-10-30"}},
	}}, 200).decode(t, &recorded)
	if len(recorded.Record.Actions) != 1 {
		t.Fatalf("recorded actions: %+v", recorded)
	}

	// A tablet syncs Remera's second session and Kacyiru's first offline; the network
	// drops the answer and the tablet sends the same batch again with the same key.
	batch := map[string]any{"items": []map[string]any{
		{"session_id": rem[1].ID, "record": map[string]any{"held": true, "attendance": register(remPeople, nil),
			"follow_ups": []map[string]string{{"action_id": recorded.Record.Actions[0].ID, "status": "done"}}}},
		{"session_id": kac[0].ID, "record": map[string]any{"held": true, "attendance": register(kacPeople, map[string]string{
			gas.people["GAS-HT-K2"]: "late", gas.people["GAS-HT-K3"]: "excused"})}},
	}}
	key := newKey()
	first := p.must("plc", call{method: "POST", path: gas.path("/session-records"), token: gas.deo, body: batch, key: key}, 200)
	var results struct {
		Results []struct {
			Status int `json:"status"`
		} `json:"results"`
	}
	first.decode(t, &results)
	if len(results.Results) != 2 || results.Results[0].Status != 200 || results.Results[1].Status != 200 {
		t.Fatalf("batch: %s", first.Body)
	}
	again := p.must("plc", call{method: "POST", path: gas.path("/session-records"), token: gas.deo, body: batch, key: key}, 200)
	if again.Header.Get("Idempotent-Replayed") != "true" || string(again.Body) != string(first.Body) {
		t.Fatalf("the batch sent again: %v %s", again.Header, again.Body)
	}
	// Under a new key the same records are refused item by item: nothing is recorded twice.
	p.must("plc", call{method: "POST", path: gas.path("/session-records"), token: gas.deo, body: batch}, 200).decode(t, &results)
	if results.Results[0].Status != 409 || results.Results[1].Status != 409 {
		t.Fatalf("the same records under a new key: %+v", results)
	}
	s.held = 3
}

// gasaboWant are Gasabo's KPIs for the school year 2026-2027 worked out by hand.
func (s *scenario) gasaboWant() map[string]want {
	return map[string]want{
		// 5 applications (R1, R2, R3, K1, K2); R3 screened out → 4 eligible.
		"recruitment_applications": {5, 0},
		"recruitment_eligible":     {4, 0},
		// R1 and K1 offered, R1 declined, R2 offered → 3; R2 and K1 appointed and inducted.
		"recruitment_offers":    {3, 0},
		"recruitment_appointed": {2, 0},
		"recruitment_inducted":  {2, 0},
		// Remera and Kacyiru have an LLL; Gasabo has 15 sectors.
		"sectors_with_active_lll": {2, 15},
		// SEOs in Remera, Kacyiru and Kimironko.
		"seo_coverage": {3, 15},
		// Sessions held: Remera 2, Kacyiru 1 (+ what the drills add, counted in s.held).
		"plc_sessions_held": {s.held, 0},
		// Coached this year: R1 and R3 (by R2), K2 (by K1), of 6 head teachers in post.
		"coaching_coverage": {3, 6},
		// Ratings (standard met at level 3): R1 all 3, R3 leading teaching 2 and the rest
		// 3, K2 all 4; the other three are unrated and count as not meeting it.
		"ht_meeting_standard_school_direction": {3, 6},
		"ht_meeting_standard_leading_teaching": {2, 6},
		"ht_meeting_all_standards":             {2, 6},
		"teachers_meeting_english_benchmark":   {1, 2},
		// R2 and K1 enrolled on appointment; R2's certificate counts until revoked.
		"accreditation_enrolled":  {2, 0},
		"accreditation_submitted": {1, 0},
		// Remera's first session set one action; its second followed it up: 1/1.
		"plc_action_follow_up_rate": {1, 1},
		"leaders_graduated":         {s.graduated, 0},
	}
}

func (s *scenario) kpisByHand(t *testing.T) {
	w := s.gasaboWant()
	// Registers: Remera 1st 3 lines, 2 present (the SEO absent); Remera 2nd 3 lines, 3
	// present; Kacyiru 1st 4 lines, 2 present + 1 late (counts) + 1 excused (does not):
	// (2 + 3 + 3) / (3 + 3 + 4) = 8/10 = 80.0 %.
	w["plc_attendance_rate"] = want{8, 10}
	s.gas.waitKPIs("after the first term's sessions", w)
	got := s.gas.kpis(s.gas.deo)
	var keys []string
	for k := range w {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := "null"
		if got[k].Value != nil {
			v = fmt.Sprint(*got[k].Value)
		}
		t.Logf("Gasabo %-38s %3d / %-3d = %s", k, got[k].Numerator, got[k].Denominator, v)
	}
	if v := s.gas.kpis(s.gas.deo)["plc_attendance_rate"].Value; v == nil || *v != 80 {
		t.Fatalf("attendance rate %v, want 80.0", v)
	}
	// Ruhango: one application, no appointment, an SEO in 1 of its 9 sectors.
	s.ruh.waitKPIs("Ruhango beside Gasabo", map[string]want{
		"recruitment_applications": {1, 0}, "recruitment_appointed": {0, 0},
		"sectors_with_active_lll": {0, 9}, "seo_coverage": {1, 9}, "plc_sessions_held": {0, 0},
	})
	// The national roll-up adds the districts' numerators and denominators: applications
	// 5 + 1 = 6; sectors with an LLL 2 + 0 and with an SEO 3 + 1, each of Rwanda's 416
	// sectors (the national denominator is every sector of the profile, served or not).
	analyst := s.p.nationalToken("analyst-1", []string{"analyst"}, "rw")
	var rep struct {
		Periods []struct {
			KPIs []kpi `json:"kpis"`
		} `json:"periods"`
	}
	s.p.must("analytics", call{method: "GET", path: "/v1/countries/rw/kpis?period=year", token: analyst}, 200).decode(t, &rep)
	national := map[string]kpi{}
	for _, k := range rep.Periods[len(rep.Periods)-1].KPIs {
		national[k.Key] = k
	}
	if k := national["recruitment_applications"]; k.Numerator != 6 {
		t.Errorf("national applications %d, want 6", k.Numerator)
	}
	if k := national["seo_coverage"]; k.Numerator != 4 || k.Denominator != 416 {
		t.Errorf("national SEO coverage %d/%d, want 4 sectors", k.Numerator, k.Denominator)
	}
	if k := national["sectors_with_active_lll"]; k.Numerator != 2 || k.Denominator != 416 {
		t.Errorf("national sectors with an LLL %d/%d, want 2", k.Numerator, k.Denominator)
	}
	t.Logf("national: applications %d, SEO coverage %d/%d, sectors with an LLL %d/%d", national["recruitment_applications"].Numerator,
		national["seo_coverage"].Numerator, national["seo_coverage"].Denominator,
		national["sectors_with_active_lll"].Numerator, national["sectors_with_active_lll"].Denominator)
	// A district's DEO does not get the national roll-up.
	s.p.must("analytics", call{method: "GET", path: "/v1/countries/rw/kpis?period=year", token: s.gas.deo}, 403)
}

// isolation: each district's DEO gets nothing of the other district from any service.
func (s *scenario) isolation(t *testing.T) {
	routes := map[string][]string{
		"directory":     {"/people", "/schools", "/role-assignments"},
		"recruitment":   {"/campaigns", "/campaigns/" + s.campaign},
		"plc":           {"/groups", "/sessions"},
		"coaching":      {"/relationships"},
		"accreditation": {"/enrolments"},
		"analytics":     {"/kpis"},
	}
	for svc, paths := range routes {
		for _, rest := range paths {
			for _, pair := range [][2]*district{{s.gas, s.ruh}, {s.ruh, s.gas}} {
				caller, other := pair[0], pair[1]
				// The token's tenant is not the path's: refused before anything is read.
				s.p.must(svc, call{method: "GET", path: other.path(rest), token: caller.deo}, http.StatusForbidden)
			}
		}
	}
	// Writes too: Ruhango's DEO cannot record Gasabo's session or add Gasabo's staff.
	s.p.must("plc", call{method: "PUT", path: s.gas.path("/sessions/" + s.kacyiruSessions[1].ID + "/record"), token: s.ruh.deo, ifMatch: `"1"`,
		body: map[string]any{"held": false, "not_held_reason": "x"}}, 403)
	s.p.must("directory", call{method: "POST", path: s.gas.path("/people"), token: s.ruh.deo,
		body: map[string]string{"staff_id": "X", "given_name": "X", "family_name": "X"}}, 403)
	// And Gasabo's list of people holds none of Ruhango's.
	var pg page
	s.p.must("directory", call{method: "GET", path: s.gas.path("/people?limit=100"), token: s.gas.deo}, 200).decode(t, &pg)
	for _, raw := range pg.Items {
		if strings.Contains(string(raw), "RUH-") {
			t.Fatalf("a Ruhango person in Gasabo's directory: %s", raw)
		}
	}
}

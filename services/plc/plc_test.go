package plc_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/segmentio/kafka-go"

	"github.com/l4l-platform/l4l/libs/config"
	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/service/servicetest"
	"github.com/l4l-platform/l4l/services/plc"
)

const (
	tenant = "rw-gasabo"
	base   = "/v1/tenants/" + tenant
	remera = "rw-gasabo-remera"
	kim    = "rw-gasabo-kimironko"
)

// start runs the service with the tenant known at start, as L4L_TENANTS does in
// production: its indexes are made before the consumers run. (FerretDB drops the
// connection when two clients create a new database's indexes at once; real MongoDB
// does not, and the consumer retries.)
func start(t *testing.T) *servicetest.Env {
	return servicetest.Start(t, plc.Definition, func(c *config.Service) { c.Tenants = []string{tenant} })
}

type page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

type member struct {
	PersonID string `json:"person_id"`
	Position string `json:"position"`
}

type group struct {
	ID        string   `json:"id"`
	Kind      string   `json:"kind"`
	Unit      string   `json:"unit"`
	SchoolIDs []string `json:"school_ids"`
	Members   []member `json:"members"`
}

type session struct {
	ID           string    `json:"id"`
	GroupID      string    `json:"group_id"`
	Unit         string    `json:"unit"`
	Slot         string    `json:"slot"`
	Date         string    `json:"date"`
	Start        time.Time `json:"start"`
	Mode         string    `json:"mode"`
	HostSchoolID string    `json:"host_school_id"`
	Facilitators []string  `json:"facilitators"`
	Status       string    `json:"status"`
	Sequence     int       `json:"sequence"`
	Record       *struct {
		Actions []struct {
			ID string `json:"id"`
		} `json:"actions"`
	} `json:"record"`
}

// published collects what the service publishes, each event checked against its schema.
type published struct {
	mu  sync.Mutex
	evs []events.Envelope
}

func (p *published) of(typ string) []events.Envelope {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []events.Envelope
	for _, e := range p.evs {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

func collect(t *testing.T, env *servicetest.Env) *published {
	t.Helper()
	p := &published{}
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: env.Stack.KafkaBrokers, Topic: events.Topic("plc"),
		GroupID: "test-" + t.Name(), StartOffset: kafka.FirstOffset, MaxWait: 100 * time.Millisecond,
		HeartbeatInterval: 100 * time.Millisecond, JoinGroupBackoff: 100 * time.Millisecond,
		SessionTimeout: time.Second, RebalanceTimeout: 2 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			m, err := r.FetchMessage(ctx)
			if err != nil {
				return
			}
			servicetest.ValidateEvent(t, "api/events", m.Value)
			e, err := events.FromMessage(m)
			if err != nil {
				t.Errorf("event: %v", err)
				continue
			}
			if string(m.Key) != e.Tenant+"/"+e.Subject {
				t.Errorf("key %s for %s", m.Key, e.Subject)
			}
			p.mu.Lock()
			p.evs = append(p.evs, e)
			p.mu.Unlock()
		}
	}()
	t.Cleanup(func() { cancel(); <-done; r.Close() })
	return p
}

type directory struct {
	t *testing.T
	w *kafka.Writer
}

func newDirectory(t *testing.T, env *servicetest.Env) *directory {
	w := events.NewWriter(env.Stack.KafkaBrokers)
	t.Cleanup(func() { w.Close() })
	return &directory{t, w}
}

func (d *directory) send(es ...events.Envelope) {
	d.t.Helper()
	var msgs []kafka.Message
	for _, e := range es {
		m, err := events.ToMessage(events.Topic("directory"), e)
		if err != nil {
			d.t.Fatal(err)
		}
		msgs = append(msgs, m)
	}
	if err := d.w.WriteMessages(context.Background(), msgs...); err != nil {
		d.t.Fatal(err)
	}
}

func (d *directory) event(typ, subject string, data any) events.Envelope {
	d.t.Helper()
	e, err := events.New("/l4l/directory", "org.l4l.directory."+typ+".v1", tenant, subject, data)
	if err != nil {
		d.t.Fatal(err)
	}
	return e
}

func (d *directory) school(id, unit string) events.Envelope {
	return d.event("school.created", id, map[string]string{"school_id": id, "code": id, "unit": unit, "ownership": "public", "status": "open"})
}

func (d *directory) role(typ, id, person, role, unit string) events.Envelope {
	return d.event("role."+typ, id, map[string]string{"assignment_id": id, "person_id": person, "role": role, "unit": unit, "start_date": "2026-01-01", "source": "manual"})
}

func groups(t *testing.T, env *servicetest.Env, tok string) map[string]group {
	t.Helper()
	r := env.Do(servicetest.Request{Method: "GET", Path: base + "/groups", Token: tok})
	if r.Status != 200 {
		t.Fatalf("groups: %d %s", r.Status, r.Body)
	}
	var p page[group]
	r.JSON(t, &p)
	out := map[string]group{}
	for _, g := range p.Items {
		out[g.Unit] = g
	}
	return out
}

func people(g group) string {
	var out []string
	for _, m := range g.Members {
		out = append(out, m.PersonID+":"+m.Position)
	}
	return strings.Join(out, " ")
}

func sessionsOf(t *testing.T, env *servicetest.Env, tok, groupID string) []session {
	t.Helper()
	r := env.Do(servicetest.Request{Method: "GET", Path: base + "/sessions?limit=500&group_id=" + groupID, Token: tok})
	if r.Status != 200 {
		t.Fatalf("sessions: %d %s", r.Status, r.Body)
	}
	var p page[session]
	r.JSON(t, &p)
	slices.SortFunc(p.Items, func(a, b session) int { return a.Start.Compare(b.Start) })
	return p.Items
}

func calendar(t *testing.T, env *servicetest.Env, path, tok string) *ics.Calendar {
	t.Helper()
	req, _ := http.NewRequest("GET", env.URL+path, nil)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/calendar") {
		t.Fatalf("%s: %d %s %s", path, res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	cal, err := ics.ParseCalendar(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("feed does not parse: %v\n%s", err, body)
	}
	if tz := cal.Timezones(); len(tz) != 1 || tz[0].GetProperty(ics.ComponentPropertyTzid).Value != "Africa/Kigali" {
		t.Fatalf("VTIMEZONE missing:\n%s", body)
	}
	return cal
}

func eventByUID(cal *ics.Calendar, id string) *ics.VEvent {
	for _, e := range cal.Events() {
		if e.Id() == id+"@plc.l4l" {
			return e
		}
	}
	return nil
}

func prop(e *ics.VEvent, p ics.ComponentProperty) string {
	if v := e.GetProperty(p); v != nil {
		return v.Value
	}
	return ""
}

// The programme's month in one walk: the directory tells who is where; groups form; a
// term is scheduled; a session is rescheduled (and refused where a rule says no), one
// cancelled; sessions are recorded one by one and in an offline batch; actions are followed
// up; attendance and overdue actions are queried; calendars follow every change; and
// regenerating the term keeps what was held or confirmed.
func TestPLCWalk(t *testing.T) {
	env := start(t)
	deo := env.Token([]string{"deo"}, tenant, "")
	lllRemera := env.Token([]string{"lll"}, tenant, remera)
	pub := collect(t, env)
	dir := newDirectory(t, env)

	// Directory facts: three Remera schools, two in Kimironko, their head teachers, an LLL
	// (a head teacher) and an SEO per sector, two NLLs and the DEO. The role events come
	// before the school events they refer to, as they may on a partitioned topic.
	removed := dir.role("assigned", "a-r3", "ht-r3", "ht", "s-r3")
	dir.send(
		dir.role("assigned", "a-r1", "ht-r1", "ht", "s-r1"), dir.role("assigned", "a-r2", "ht-r2", "ht", "s-r2"), removed,
		dir.role("assigned", "a-k1", "ht-k1", "ht", "s-k1"), dir.role("assigned", "a-k2", "ht-k2", "ht", "s-k2"),
		dir.role("assigned", "a-lr", "ht-r1", "lll", remera), dir.role("assigned", "a-lk", "ht-k1", "lll", kim),
		dir.role("assigned", "a-sr", "seo-r", "seo", remera), dir.role("assigned", "a-sk", "seo-k", "seo", kim),
		dir.role("assigned", "a-n1", "nll-1", "nll", tenant), dir.role("assigned", "a-n2", "nll-2", "nll", tenant),
		dir.role("assigned", "a-d", "deo-1", "deo", tenant),
		dir.event("person.created", "ht-r1", map[string]string{"person_id": "ht-r1"}),
	)
	dir.send(dir.school("s-r1", remera), dir.school("s-r2", remera), dir.school("s-r3", remera), dir.school("s-k1", kim), dir.school("s-k2", kim))
	want := map[string]string{
		remera: "ht-r1:facilitator seo-r:co_facilitator ht-r1:member ht-r2:member ht-r3:member",
		kim:    "ht-k1:facilitator seo-k:co_facilitator ht-k1:member ht-k2:member",
		tenant: "nll-1:facilitator nll-2:facilitator deo-1:co_facilitator ht-k1:member ht-r1:member",
	}
	servicetest.Eventually(t, 60*time.Second, "groups formed from the directory", func() bool {
		g := groups(t, env, deo)
		return len(g) == 3 && people(g[remera]) == want[remera] && people(g[kim]) == want[kim] && people(g[tenant]) == want[tenant]
	})
	// A head teacher leaves; a redelivered (older) copy of the assignment changes nothing.
	dir.send(dir.role("removed", "a-r3", "ht-r3", "ht", "s-r3"))
	dir.send(removed)
	servicetest.Eventually(t, 30*time.Second, "the group to lose the head teacher who left", func() bool {
		return people(groups(t, env, deo)[remera]) == "ht-r1:facilitator seo-r:co_facilitator ht-r1:member ht-r2:member"
	})
	g := groups(t, env, deo)
	if strings.Join(g[remera].SchoolIDs, " ") != "s-r1 s-r2 s-r3" || len(g[tenant].SchoolIDs) != 5 {
		t.Fatalf("schools: %v / %v", g[remera].SchoolIDs, g[tenant].SchoolIDs)
	}
	// A sector-scoped token sees its sector's group and the district's, not the others'.
	if mine := groups(t, env, lllRemera); len(mine) != 2 || mine[kim].ID != "" {
		t.Fatalf("a Remera token sees %v", mine)
	}

	// Schedule term 1 from its first day (a backfill: today is later in the term).
	body := map[string]any{"school_year": "2026-2027", "term": "Term 1", "from": "2026-09-07"}
	r := env.Do(servicetest.Request{Method: "POST", Path: base + "/schedules", Token: deo, Body: map[string]any{"school_year": "2026-2027", "term": "Term 1", "from": "2026-09-07", "dry_run": true}})
	var res struct {
		Created, Rescheduled, Cancelled, Unchanged, Kept int
		Unplaced                                         []any
	}
	r.JSON(t, &res)
	if r.Status != 200 || res.Created != 9 || len(sessionsOf(t, env, deo, g[remera].ID)) != 0 {
		t.Fatalf("dry run: %d %+v", r.Status, res)
	}
	r = env.Do(servicetest.Request{Method: "POST", Path: base + "/schedules", Token: deo, Body: body, Header: map[string]string{"Idempotency-Key": "term-1"}})
	r.JSON(t, &res)
	if r.Status != 200 || res.Created != 9 || len(res.Unplaced) != 0 {
		t.Fatalf("schedule: %d %s", r.Status, r.Body)
	}
	rem := sessionsOf(t, env, deo, g[remera].ID)
	kims := sessionsOf(t, env, deo, g[kim].ID)
	dist := sessionsOf(t, env, deo, g[tenant].ID)
	if len(rem) != 4 || len(kims) != 4 || len(dist) != 1 {
		t.Fatalf("%d, %d, %d sessions", len(rem), len(kims), len(dist))
	}
	if rem[0].HostSchoolID == rem[1].HostSchoolID || rem[1].HostSchoolID == rem[2].HostSchoolID || rem[0].HostSchoolID == rem[2].HostSchoolID {
		t.Fatalf("hosts do not rotate: %s %s %s", rem[0].HostSchoolID, rem[1].HostSchoolID, rem[2].HostSchoolID)
	}
	if !slices.Equal(rem[0].Facilitators, []string{"ht-r1", "seo-r"}) || dist[0].Slot != "2026-2027/Term 1" {
		t.Fatalf("facilitators %v, slot %s", rem[0].Facilitators, dist[0].Slot)
	}
	feed := calendar(t, env, base+"/groups/"+g[remera].ID+"/calendar.ics", deo)
	if len(feed.Events()) != 4 {
		t.Fatalf("%d events in the group feed", len(feed.Events()))
	}

	// Reschedule Remera's December session: refused on Christmas Day and at a weekend,
	// each time naming the rule; then moved to a good day and confirmed.
	dec := rem[3]
	kigali, _ := time.LoadLocation("Africa/Kigali")
	put := func(s session, etag string, start time.Time, status string) *servicetest.Response {
		return env.Do(servicetest.Request{Method: "PUT", Path: base + "/sessions/" + s.ID, Token: lllRemera, Header: map[string]string{"If-Match": etag},
			Body: map[string]any{"start": start.Format(time.RFC3339), "mode": s.Mode, "host_school_id": s.HostSchoolID, "status": status}})
	}
	for _, bad := range []struct {
		day  string
		want []string
	}{
		{"2026-12-25", []string{"in_term", "holiday"}},
		{"2026-12-12", []string{"excluded_weekday"}},
		{dist[0].Date, []string{"person_overlap"}},
		{rem[2].Date, []string{"min_gap"}},
	} {
		day, _ := time.ParseInLocation("2006-01-02 15:04", bad.day+" 09:00", kigali)
		r := put(dec, `"1"`, day, "confirmed")
		p := r.Problem(t)
		var got []string
		for _, e := range p.Errors {
			got = append(got, strings.SplitN(e.Detail, ":", 2)[0])
		}
		slices.Sort(got)
		for _, w := range bad.want {
			if !slices.Contains(got, w) {
				t.Errorf("moving to %s: %d %v, want %v", bad.day, r.Status, got, bad.want)
			}
		}
		if r.Status != 422 {
			t.Errorf("moving to %s: %d", bad.day, r.Status)
		}
	}
	var moveTo time.Time
	novDate, _ := time.Parse("2006-01-02", rem[2].Date)
	for d := time.Date(2026, 12, 18, 9, 0, 0, 0, kigali); d.Day() > 1; d = d.AddDate(0, 0, -1) {
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday && d.Format("2006-01-02") != dec.Date &&
			d.Format("2006-01-02") != dist[0].Date && d.Sub(novDate) >= 15*24*time.Hour {
			moveTo = d
			break
		}
	}
	r = put(dec, `"1"`, moveTo, "confirmed")
	if r.Status != 200 || r.Header.Get("ETag") != `"2"` {
		t.Fatalf("reschedule to %s: %d %s", moveTo, r.Status, r.Body)
	}
	if r := put(dec, `"1"`, moveTo, "scheduled"); r.Status != http.StatusPreconditionFailed {
		t.Fatalf("a stale ETag: %d", r.Status)
	}
	if r := env.Do(servicetest.Request{Method: "PUT", Path: base + "/sessions/" + kims[3].ID, Token: lllRemera, Header: map[string]string{"If-Match": `"1"`},
		Body: map[string]any{"status": "cancelled"}}); r.Status != 404 {
		t.Fatalf("Remera's LLL cancelling Kimironko's session: %d", r.Status)
	}
	r = env.Do(servicetest.Request{Method: "PUT", Path: base + "/sessions/" + kims[3].ID, Token: deo, Header: map[string]string{"If-Match": `"1"`},
		Body: map[string]any{"status": "cancelled", "cancel_reason": "Exams week"}})
	if r.Status != 200 {
		t.Fatalf("cancel: %d %s", r.Status, r.Body)
	}
	feed = calendar(t, env, base+"/groups/"+g[remera].ID+"/calendar.ics", deo)
	ev := eventByUID(feed, dec.ID)
	if st, _ := ev.GetStartAt(); !st.Equal(moveTo) || prop(ev, ics.ComponentPropertySequence) != "1" || prop(ev, ics.ComponentPropertyStatus) != "CONFIRMED" {
		t.Fatalf("rescheduled event: %v seq %s status %s", st, prop(ev, ics.ComponentPropertySequence), prop(ev, ics.ComponentPropertyStatus))
	}
	feed = calendar(t, env, base+"/groups/"+g[kim].ID+"/calendar.ics", deo)
	if ev := eventByUID(feed, kims[3].ID); prop(ev, ics.ComponentPropertyStatus) != "CANCELLED" || prop(ev, ics.ComponentPropertySequence) != "1" {
		t.Fatalf("cancelled event status %s", prop(ev, ics.ComponentPropertyStatus))
	}

	// Record Remera's September session.
	record := map[string]any{"held": true,
		"attendance":  []map[string]string{{"person_id": "ht-r1", "status": "present"}, {"person_id": "ht-r2", "status": "late"}, {"person_id": "seo-r", "status": "present"}},
		"school_data": []map[string]string{{"school_id": "s-r2", "topic": "P3 reading results"}},
		"agenda":      []map[string]any{{"title": "Observing lessons", "competency_areas": []string{"leading_teaching"}}},
		"challenges":  []map[string]string{{"description": "Dropout in the rainy season", "solution": "Home visits with the school committee"}},
		"actions": []map[string]string{
			{"description": "Share the observation rubric", "owner_id": "ht-r2", "school_id": "s-r2", "due_date": "2026-10-01"},
			{"description": "Map pupils at risk", "owner_id": "seo-r", "due_date": "2027-03-01"},
		},
	}
	recordAt := func(s session, etag string, body any) *servicetest.Response {
		return env.Do(servicetest.Request{Method: "PUT", Path: base + "/sessions/" + s.ID + "/record", Token: lllRemera, Header: map[string]string{"If-Match": etag}, Body: body})
	}
	badRecord := func(mutate func(map[string]any)) map[string]any {
		b, _ := json.Marshal(record)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		mutate(m)
		return m
	}
	for _, bad := range []struct {
		name   string
		s      session
		body   map[string]any
		status int
		field  string
	}{
		{"attendance of a non-member", rem[0], badRecord(func(m map[string]any) {
			m["attendance"] = []map[string]string{{"person_id": "ht-k2", "status": "present"}}
		}), 400, "attendance[0].person_id"},
		{"an action without an owner", rem[0], badRecord(func(m map[string]any) {
			m["actions"] = []map[string]string{{"description": "Something", "due_date": "2026-10-01"}}
		}), 400, "actions[0].owner_id"},
		{"a session still to come", dec, record, 409, ""},
	} {
		etag := `"1"`
		if bad.s.ID == dec.ID {
			etag = `"2"`
		}
		r := recordAt(bad.s, etag, bad.body)
		p := r.Problem(t)
		if r.Status != bad.status || (bad.field != "" && (len(p.Errors) != 1 || p.Errors[0].Field != bad.field)) {
			t.Errorf("%s: %d %+v", bad.name, r.Status, p)
		}
	}
	r = recordAt(rem[0], `"1"`, record)
	var sep session
	r.JSON(t, &sep)
	if r.Status != 200 || sep.Status != "held" || len(sep.Record.Actions) != 2 {
		t.Fatalf("record: %d %s", r.Status, r.Body)
	}
	rubric := sep.Record.Actions[0].ID

	// The tablet syncs a batch: October's Remera session (following September's actions
	// up), Kimironko's September with someone who is not a member, an unknown session,
	// the cancelled December session, and Kimironko's October.
	batch := map[string]any{"items": []map[string]any{
		{"session_id": rem[1].ID, "record": map[string]any{"held": true,
			"attendance": []map[string]string{{"person_id": "ht-r1", "status": "present"}, {"person_id": "ht-r2", "status": "present"}},
			"follow_ups": []map[string]string{{"action_id": rubric, "status": "in_progress"}}}},
		{"session_id": kims[0].ID, "record": map[string]any{"held": true, "attendance": []map[string]string{{"person_id": "ht-r2", "status": "present"}}}},
		{"session_id": "no-such-session", "record": map[string]any{"held": false, "not_held_reason": "x"}},
		{"session_id": kims[3].ID, "record": map[string]any{"held": false, "not_held_reason": "Flooded roads"}},
		{"session_id": kims[1].ID, "record": map[string]any{"held": false, "not_held_reason": "Flooded roads"}},
	}}
	r = env.Do(servicetest.Request{Method: "POST", Path: base + "/session-records", Token: deo, Body: batch, Header: map[string]string{"Idempotency-Key": "sync-1"}})
	var results struct {
		Results []struct {
			Status  int `json:"status"`
			Problem *struct {
				Errors []struct{ Field string } `json:"errors"`
			} `json:"problem"`
		} `json:"results"`
	}
	r.JSON(t, &results)
	var statuses []int
	for _, it := range results.Results {
		statuses = append(statuses, it.Status)
	}
	if r.Status != 200 || fmt.Sprint(statuses) != "[200 400 404 409 200]" || results.Results[1].Problem.Errors[0].Field != "attendance[0].person_id" {
		t.Fatalf("batch: %d %v %s", r.Status, statuses, r.Body)
	}
	again := env.Do(servicetest.Request{Method: "POST", Path: base + "/session-records", Token: deo, Body: batch, Header: map[string]string{"Idempotency-Key": "sync-1"}})
	if again.Status != 200 || again.Header.Get("Idempotent-Replayed") != "true" || string(again.Body) != string(r.Body) {
		t.Fatalf("replayed batch: %d %v", again.Status, again.Header)
	}
	r = env.Do(servicetest.Request{Method: "POST", Path: base + "/session-records", Token: deo, Body: batch})
	r.JSON(t, &results)
	if results.Results[0].Status != 409 || results.Results[4].Status != 409 {
		t.Fatalf("sent again without the key, recorded sessions are not recorded twice: %s", r.Body)
	}

	// Queries: overdue actions, attendance, collaborating regularly, upcoming sessions.
	r = env.Do(servicetest.Request{Method: "GET", Path: base + "/actions?overdue=true", Token: deo})
	var actions page[struct {
		ID string `json:"id"`
	}]
	r.JSON(t, &actions)
	if r.Status != 200 || len(actions.Items) != 1 || actions.Items[0].ID != rubric {
		t.Fatalf("overdue actions: %s", r.Body)
	}
	r = env.Do(servicetest.Request{Method: "GET", Path: base + "/people/ht-r2/attendance", Token: deo})
	var pa struct {
		CollaboratesRegularly bool `json:"collaborates_regularly"`
		Groups                []struct {
			Expected, Present, Late int
		}
	}
	r.JSON(t, &pa)
	if r.Status != 200 || !pa.CollaboratesRegularly || len(pa.Groups) != 1 || pa.Groups[0].Expected != 2 || pa.Groups[0].Present != 1 || pa.Groups[0].Late != 1 {
		t.Fatalf("attendance of ht-r2: %s", r.Body)
	}
	r = env.Do(servicetest.Request{Method: "GET", Path: base + "/groups/" + g[remera].ID + "/attendance", Token: deo})
	var ga struct {
		Sessions []struct{ Expected, Present int }
		Members  []struct {
			PersonID              string `json:"person_id"`
			CollaboratesRegularly bool   `json:"collaborates_regularly"`
		}
	}
	r.JSON(t, &ga)
	if r.Status != 200 || len(ga.Sessions) != 2 || len(ga.Members) != 3 {
		t.Fatalf("group attendance: %s", r.Body)
	}
	r = env.Do(servicetest.Request{Method: "GET", Path: base + "/people/ht-r1/sessions", Token: deo})
	var upcoming page[session]
	r.JSON(t, &upcoming)
	if r.Status != 200 || !slices.ContainsFunc(upcoming.Items, func(s session) bool { return s.ID == dec.ID }) {
		t.Fatalf("upcoming sessions of ht-r1: %s", r.Body)
	}
	for _, s := range upcoming.Items {
		if s.Status == "cancelled" || s.Start.Before(time.Now().Add(-5*time.Hour)) {
			t.Errorf("not upcoming: %+v", s)
		}
	}

	// Regenerating the term keeps what was held or confirmed and leaves the cancelled
	// slot empty; nothing else moves.
	r = env.Do(servicetest.Request{Method: "POST", Path: base + "/schedules", Token: deo, Body: body})
	r.JSON(t, &res)
	if r.Status != 200 || res.Created != 0 || res.Rescheduled != 0 || res.Cancelled != 0 || res.Kept != 4 || res.Unchanged != 4 {
		t.Fatalf("regenerate: %s", r.Body)
	}

	// A calendar client subscribes with a secret URL (no bearer token), until revoked.
	r = env.Do(servicetest.Request{Method: "POST", Path: base + "/calendar-subscriptions", Token: deo, Body: map[string]string{"person_id": "ht-r1"}})
	var sub struct{ ID, URL string }
	r.JSON(t, &sub)
	if r.Status != 201 || !strings.Contains(sub.URL, "/calendar/") {
		t.Fatalf("subscribe: %d %s", r.Status, r.Body)
	}
	path := sub.URL[strings.Index(sub.URL, "/calendar/"):]
	personal := calendar(t, env, path, "")
	if eventByUID(personal, dec.ID) == nil || eventByUID(personal, dist[0].ID) == nil || eventByUID(personal, kims[0].ID) != nil {
		t.Fatalf("ht-r1's feed has %d events", len(personal.Events()))
	}
	if r := env.Do(servicetest.Request{Method: "DELETE", Path: base + "/calendar-subscriptions/" + sub.ID, Token: deo, Header: map[string]string{"If-Match": `"1"`}}); r.Status != 204 {
		t.Fatalf("revoke: %d", r.Status)
	}
	if r := env.Do(servicetest.Request{Method: "GET", Path: path}); r.Status != 404 {
		t.Fatalf("revoked feed: %d", r.Status)
	}
	if r := env.Do(servicetest.Request{Method: "GET", Path: "/calendar/rw-nowhere.forged.ics"}); r.Status != 404 {
		t.Fatalf("forged feed: %d", r.Status)
	}

	// What the service told the world.
	servicetest.Eventually(t, 30*time.Second, "events published", func() bool {
		return len(pub.of("org.l4l.plc.session.held.v1")) == 2 && len(pub.of("org.l4l.plc.action.updated.v1")) == 1 &&
			len(pub.of("org.l4l.plc.session.not_held.v1")) == 1
	})
	for typ, n := range map[string]int{"group.formed": 3, "session.scheduled": 9, "session.rescheduled": 1, "session.cancelled": 1, "action.created": 2} {
		if got := len(pub.of("org.l4l.plc." + typ + ".v1")); got != n {
			t.Errorf("%d %s events, want %d", got, typ, n)
		}
	}
	if len(pub.of("org.l4l.plc.group.changed.v1")) == 0 {
		t.Error("no group.changed event")
	}
	for _, e := range pub.of("org.l4l.plc.session.held.v1") {
		var d struct {
			SessionID    string   `json:"session_id"`
			Facilitators []string `json:"facilitators"`
			Attendance   []any    `json:"attendance"`
		}
		_ = json.Unmarshal(e.Data, &d)
		if d.SessionID == sep.ID && (len(d.Facilitators) != 2 || len(d.Attendance) != 3) {
			t.Errorf("held event %s", e.Data)
		}
		if strings.Contains(string(e.Data), "Home visits") || strings.Contains(string(e.Data), "reading") {
			t.Errorf("free text in an event: %s", e.Data)
		}
	}
}

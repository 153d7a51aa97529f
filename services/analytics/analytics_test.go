package analytics_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/libs/service/servicetest"
	"github.com/l4l-platform/l4l/services/analytics"
	"github.com/l4l-platform/l4l/services/analytics/internal/domain"
	analyticsevents "github.com/l4l-platform/l4l/services/analytics/internal/events"
	"github.com/l4l-platform/l4l/services/analytics/internal/fixture"
	analyticshttp "github.com/l4l-platform/l4l/services/analytics/internal/http"
)

const october = "period=month&at=2026-10-15"

// publisher writes events to their publishers' topics, as those services' relays would,
// and counts what it wrote per topic.
type publisher struct {
	t    *testing.T
	env  *servicetest.Env
	w    *kafka.Writer
	sent map[string]int
}

func newPublisher(t *testing.T, env *servicetest.Env) *publisher {
	var topics []string
	for _, p := range analytics.Publishers {
		topics = append(topics, events.Topic(p))
	}
	if err := events.EnsureTopics(context.Background(), env.Stack.KafkaBrokers, topics...); err != nil {
		t.Fatal(err)
	}
	w := events.NewWriter(env.Stack.KafkaBrokers)
	t.Cleanup(func() { w.Close() })
	return &publisher{t: t, env: env, w: w, sent: map[string]int{}}
}

func publisherOf(typ string) string {
	return strings.Split(typ, ".")[2]
}

func (p *publisher) send(evs ...events.Envelope) {
	p.t.Helper()
	var msgs []kafka.Message
	for _, e := range evs {
		svc := publisherOf(e.Type)
		m, err := events.ToMessage(events.Topic(svc), e)
		if err != nil {
			p.t.Fatal(err)
		}
		msgs = append(msgs, m)
		p.sent[svc]++
	}
	if err := p.w.WriteMessages(context.Background(), msgs...); err != nil {
		p.t.Fatal(err)
	}
}

// settled waits until each analytics consumer group finished with every message sent to
// its topic (handled, duplicate or dead-lettered), read from the service's own metrics.
func (p *publisher) settled() {
	p.t.Helper()
	servicetest.Eventually(p.t, 60*time.Second, "consumers caught up", func() bool {
		done := consumed(p.t, p.env)
		for svc, n := range p.sent {
			if done["analytics-"+svc] < n {
				return false
			}
		}
		return true
	})
}

var consumedLine = regexp.MustCompile(`^l4l_consumer_events_total\{group="([^"]+)",outcome="[^"]+",topic="[^"]+"\} (\d+)`)

func consumed(t *testing.T, env *servicetest.Env) map[string]int {
	out := map[string]int{}
	for _, l := range metrics(t, env) {
		if m := consumedLine.FindStringSubmatch(l); m != nil {
			n, _ := strconv.Atoi(m[2])
			out[m[1]] += n
		}
	}
	return out
}

func metrics(t *testing.T, env *servicetest.Env) []string {
	r := env.Do(servicetest.Request{Method: "GET", Path: "/metrics"})
	if r.Status != 200 {
		t.Fatalf("metrics: %d", r.Status)
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(r.Body))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}

func report(t *testing.T, env *servicetest.Env, tok, path string) analyticshttp.Report {
	t.Helper()
	r := env.Do(servicetest.Request{Method: "GET", Path: path, Token: tok})
	if r.Status != 200 {
		t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
	}
	var rep analyticshttp.Report
	r.JSON(t, &rep)
	return rep
}

func kpi(t *testing.T, vals []domain.Value, key string) domain.Value {
	t.Helper()
	i := slices.IndexFunc(vals, func(v domain.Value) bool { return v.Key == key })
	if i < 0 {
		t.Fatalf("no KPI %s", key)
	}
	return vals[i]
}

func value(t *testing.T, vals []domain.Value, key string) float64 {
	t.Helper()
	v := kpi(t, vals, key)
	if v.Value == nil {
		t.Fatalf("%s has no value", key)
	}
	return *v.Value
}

// expected computes the fixture's KPIs in process from the same events, the way the
// domain tests check them by hand; the service must answer exactly these.
func expected(t *testing.T, evs []events.Envelope, tenant string, p domain.Period, scope domain.Scope) []domain.Value {
	t.Helper()
	reg, _ := profile.LoadRegistry("rw", "ke")
	x, _ := reg.Country("rw")
	latest := map[string]domain.Fact{}
	for _, e := range evs {
		f, ok, err := analyticsevents.Fact(reg, e)
		if err != nil || !ok {
			t.Fatalf("%s: %v", e.Type, err)
		}
		if old, seen := latest[f.Key()]; !seen || f.Newer(old) {
			latest[f.Key()] = f
		}
	}
	var facts []domain.Fact
	for _, f := range latest {
		facts = append(facts, f)
	}
	today := x.Date(time.Now())
	vals := domain.Compute(domain.Build(facts, x.Location()), domain.DefaultRules(x, tenant), p, today, scope)
	for i := range vals {
		vals[i].Samples = nil
	}
	return vals
}

var octoberPeriod = domain.Period{Kind: domain.Month, Name: "2026-10", From: "2026-10-01", To: "2026-10-31"}

func sameKPIs(a, b []domain.Value) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

// TestFixtureEventsMatchThePublishersSchemas keeps the fixture honest: every event it
// sends is valid against the publishing service's JSON Schema (accreditation has none
// published yet).
func TestFixtureEventsMatchThePublishersSchemas(t *testing.T) {
	for _, e := range append(append(fixture.District(), fixture.OtherDistrict()...), fixture.SchoolArrives()) {
		svc := publisherOf(e.Type)
		if svc == "accreditation" {
			continue
		}
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		servicetest.ValidateEvent(t, "../"+svc+"/api/events", b)
	}
}

func TestKPIsOfAFixtureDistrict(t *testing.T) {
	env := servicetest.Start(t, analytics.Definition)
	pub := newPublisher(t, env)
	district := fixture.District()
	pub.send(district...)
	pub.send(fixture.OtherDistrict()...)
	pub.settled()

	deo := env.Token([]string{"deo"}, fixture.Tenant, "")
	base := "/v1/tenants/" + fixture.Tenant + "/kpis?"
	rep := report(t, env, deo, base+october)
	want := expected(t, district, fixture.Tenant, octoberPeriod, "")
	if got := rep.Periods[0].KPIs; !sameKPIs(got, want) {
		t.Fatalf("the service's KPIs differ from the fixture's:\n got %+v\nwant %+v", got, want)
	}
	// Spot checks of the hand arithmetic (internal/domain/domain_test.go has all of it).
	for key, v := range map[string]float64{
		"ht_meeting_all_standards": 66.7, // h1, h3 of 3
		"plc_attendance_rate":      80,   // (3+1)/(4+1)
		"overdue_visits":           1,    // h2, 51 days since a visit, due every 30
		"median_days_to_award":     267.5,
		"sectors_with_active_lll":  6.7, // 1 of Gasabo's 15 sectors
	} {
		if got := value(t, rep.Periods[0].KPIs, key); got != v {
			t.Errorf("%s = %v, want %v", key, got, v)
		}
	}
	if rep.ParkedFacts != 1 || rep.Scope != fixture.Tenant || rep.Periods[0].AsOf != "2026-10-31" {
		t.Errorf("parked %d, scope %s, as of %s; want 1, %s, 2026-10-31", rep.ParkedFacts, rep.Scope, rep.Periods[0].AsOf, fixture.Tenant)
	}

	t.Run("a sector's officer sees the sector", func(t *testing.T) {
		seo := env.Token([]string{"seo"}, fixture.Tenant, fixture.Remera)
		rep := report(t, env, seo, base+october+"&breakdown=sector")
		if rep.Scope != fixture.Remera || value(t, rep.Periods[0].KPIs, "ht_meeting_all_standards") != 50 { // h1 of h1, h2
			t.Errorf("scope %s, all standards %v; want Remera's 50", rep.Scope, value(t, rep.Periods[0].KPIs, "ht_meeting_all_standards"))
		}
		if len(rep.Breakdown) != 1 || rep.Breakdown[0].Unit != fixture.Remera {
			t.Errorf("an SEO's breakdown lists %d units, want Remera alone", len(rep.Breakdown))
		}
	})

	t.Run("breakdown, series, league and CSV", func(t *testing.T) {
		rep := report(t, env, deo, base+october+"&breakdown=sector&series=3")
		if len(rep.Periods) != 3 || rep.Periods[0].Period.Name != "2026-08" || rep.Periods[2].Period.Name != "2026-10" {
			t.Errorf("series: %+v", rep.Periods)
		}
		if len(rep.Breakdown) != 15 {
			t.Fatalf("%d sectors in the breakdown, want Gasabo's 15", len(rep.Breakdown))
		}
		by := map[string][]domain.Value{}
		for _, u := range rep.Breakdown {
			by[u.Unit] = u.KPIs
		}
		if value(t, by[fixture.Remera], "ht_meeting_all_standards") != 50 || value(t, by[fixture.Kacyiru], "ht_meeting_all_standards") != 100 {
			t.Error("breakdown: Remera 50 (h1 of 2), Kacyiru 100 (h3) expected")
		}
		if !sameKPIs(by[fixture.Remera], expected(t, district, fixture.Tenant, octoberPeriod, fixture.Remera)) {
			t.Error("Remera's breakdown differs from the in-process computation")
		}
		// September: h3's 15 Sep rating is all 2s and nobody else is rated yet.
		if v := value(t, rep.Periods[1].KPIs, "ht_meeting_all_standards"); v != 0 {
			t.Errorf("September all standards %v, want 0 (0 of 3)", v)
		}

		r := env.Do(servicetest.Request{Method: "GET", Path: base[:len(base)-1] + "/league?key=ht_meeting_all_standards&" + october, Token: deo})
		var lg analyticshttp.League
		r.JSON(t, &lg)
		if len(lg.Rows) != 15 || lg.Rows[0].Unit != fixture.Kacyiru || lg.Rows[0].Rank != 1 || lg.Rows[1].Unit != fixture.Remera ||
			lg.Rows[1].Rank != 2 || lg.Rows[2].Rank != 0 || lg.Rows[2].Value != nil {
			t.Errorf("league: %+v", lg.Rows[:3])
		}

		r = env.Do(servicetest.Request{Method: "GET", Path: base + october, Token: deo, Header: map[string]string{"Accept": "text/csv"}})
		if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("CSV: %d %s", r.Status, r.Header.Get("Content-Type"))
		}
		csv := string(r.Body)
		for _, line := range []string{
			"scope,period,from,to,as_of,key,unit,value,numerator,denominator",
			"rw-gasabo,2026-10,2026-10-01,2026-10-31,2026-10-31,ht_meeting_all_standards,percent,66.7,2,3",
			"rw-gasabo,2026-10,2026-10-01,2026-10-31,2026-10-31,median_days_to_award,days,267.5,2,0",
		} {
			if !strings.Contains(csv, line+"\n") {
				t.Errorf("CSV lacks %q:\n%s", line, csv)
			}
		}
		if got := env.Do(servicetest.Request{Method: "GET", Path: base + october + "&format=csv", Token: deo}); !bytes.Equal(got.Body, r.Body) {
			t.Error("format=csv and Accept: text/csv differ")
		}
	})

	t.Run("bad queries are 400s naming the parameter", func(t *testing.T) {
		for path, fields := range map[string][]string{
			base + "period=week&at=15-10-2026&series=0&breakdown=district": {"period", "at", "series", "breakdown"},
			base + "format=xml":                      {"format"},
			base + "period=term&at=2025-01-01":       {"at"}, // before the profile's calendar
			base[:len(base)-1] + "/league?key=nope":  {"key"},
			base[:len(base)-1] + "/league?series=2":  {"series"},
			"/v1/countries/rw/kpis?breakdown=sector": {"breakdown"},
		} {
			tok := deo
			if strings.HasPrefix(path, "/v1/countries") {
				tok = env.Token([]string{"analyst"}, "rw", "")
			}
			r := env.Do(servicetest.Request{Method: "GET", Path: path, Token: tok})
			if r.Status != 400 {
				t.Errorf("%s: %d, want 400", path, r.Status)
				continue
			}
			var named []string
			for _, f := range r.Problem(t).Errors {
				named = append(named, f.Field)
			}
			slices.Sort(named)
			slices.Sort(fields)
			if !slices.Equal(named, fields) {
				t.Errorf("%s names %v, want %v", path, named, fields)
			}
		}
	})

	t.Run("who may read", func(t *testing.T) {
		for _, c := range []struct {
			name, tok, path string
			status          int
		}{
			{"another district's DEO", env.Token([]string{"deo"}, fixture.Other, ""), base + october, 403},
			{"a head teacher", env.Token([]string{"ht"}, fixture.Tenant, fixture.ID("s1")), base + october, 403},
			{"no token", "", base + october, 401},
			{"a district token on the roll-up", deo, "/v1/countries/rw/kpis", 403},
			{"Kenya's analyst on Rwanda", env.Token([]string{"analyst"}, "ke", ""), "/v1/countries/rw/kpis", 403},
			{"a national analyst on a district", env.Token([]string{"analyst"}, "rw", ""), base + october, 200},
			{"an unknown country", env.Token([]string{"analyst"}, "zz", ""), "/v1/countries/zz/kpis", 404},
		} {
			if r := env.Do(servicetest.Request{Method: "GET", Path: c.path, Token: c.tok}); r.Status != c.status {
				t.Errorf("%s: %d, want %d", c.name, r.Status, c.status)
			} else if c.status >= 400 {
				r.Problem(t)
			}
		}
	})

	t.Run("national roll-up sums the districts' parts", func(t *testing.T) {
		analyst := env.Token([]string{"analyst"}, "rw", "")
		rep := report(t, env, analyst, "/v1/countries/rw/kpis?"+october+"&breakdown=tenant")
		all := kpi(t, rep.Periods[0].KPIs, "ht_meeting_all_standards")
		if *all.Value != 75 || all.Numerator != 3 || all.Denominator != 4 { // (2+1)/(3+1), not mean(66.7, 100)
			t.Errorf("national all standards %v (%d/%d), want 75 (3/4)", *all.Value, all.Numerator, all.Denominator)
		}
		if len(rep.Breakdown) != 30 || rep.Scope != "rw" {
			t.Errorf("%d districts in the breakdown, scope %s; want Rwanda's 30", len(rep.Breakdown), rep.Scope)
		}
	})

	t.Run("gauges are labelled by country and tenant only", func(t *testing.T) {
		term := report(t, env, deo, base+"period=term")
		want := value(t, term.Periods[0].KPIs, "ht_meeting_all_standards") / 100
		label := regexp.MustCompile(`^(l4l_kpi_[a-z0-9_]+)\{([^}]*)\} (\S+)$`)
		found := false
		n := 0
		for _, l := range metrics(t, env) {
			if !strings.HasPrefix(l, "l4l_kpi_") {
				continue
			}
			m := label.FindStringSubmatch(l)
			if m == nil || !regexp.MustCompile(`^country="rw",tenant="rw-[a-z]+"$`).MatchString(m[2]) {
				t.Errorf("gauge line %q: labels must be exactly country and tenant", l)
				continue
			}
			n++
			if m[1] == "l4l_kpi_ht_meeting_all_standards_ratio" && strings.Contains(m[2], `"rw-gasabo"`) {
				found = true
				if got, _ := strconv.ParseFloat(m[3], 64); got != want {
					t.Errorf("gauge %v, API's term figure %v", got, want)
				}
			}
		}
		if !found || n < 20 {
			t.Errorf("%d KPI gauges, Gasabo's all-standards ratio found: %v", n, found)
		}
	})

	t.Run("redelivered, older and reordered events change nothing", func(t *testing.T) {
		before := report(t, env, deo, base+october+"&breakdown=school")
		// The whole district again, newest first (the same ids: the inbox drops them)...
		again := slices.Clone(district)
		slices.Reverse(again)
		pub.send(again...)
		// ...and older versions of facts under new ids: an earlier rating r1 that did
		// not meet the standard, an earlier school record placing s3 in Remera.
		old := fixture.Rating(fixture.Tenant, "r1", "h1", "s1", "2026-10-05", 1, 1, 1, 1)
		old.Time = district[10].Time.Add(-time.Hour)
		oldSchool := fixture.School(fixture.Tenant, "s3", fixture.Remera, "2026-01-01")
		oldSchool.Type = "org.l4l.directory.school.updated.v1"
		pub.send(old, oldSchool)
		pub.settled()
		after := report(t, env, deo, base+october+"&breakdown=school")
		if a, b := asJSON(before), asJSON(after); a != b {
			t.Errorf("the report changed:\n%s\n%s", a, b)
		}
	})

	t.Run("unusable events go to the dead-letter topic and change nothing", func(t *testing.T) {
		before := report(t, env, deo, base+october)
		foreign := fixture.Rating(fixture.Tenant, "rz", "h1", "s1", "2026-10-09", 1, 1, 1, 1)
		foreign.Tenant = "zz-nowhere" // no country profile has it
		noSchool := fixture.Rating(fixture.Tenant, "rx", "h1", "s1", "2026-10-09", 1, 1, 1, 1)
		noSchool.Data = []byte(`{"rating_id":"x","head_teacher_id":"h","date":"2026-10-09","areas":[]}`)
		dead := func() int {
			n := 0
			for _, l := range metrics(t, env) {
				if strings.HasPrefix(l, `l4l_consumer_events_total{group="analytics-coaching",outcome="dead_lettered"`) {
					f := strings.Fields(l)
					v, _ := strconv.Atoi(f[len(f)-1])
					n += v
				}
			}
			return n
		}
		was := dead()
		pub.send(foreign, noSchool)
		pub.settled()
		if got := dead(); got != was+2 {
			t.Errorf("%d events dead-lettered, want 2", got-was)
		}
		if asJSON(report(t, env, deo, base+october)) != asJSON(before) {
			t.Error("refused events changed the report")
		}
	})

	t.Run("a parked fact counts once its school arrives", func(t *testing.T) {
		pub.send(fixture.SchoolArrives())
		pub.settled()
		servicetest.Eventually(t, 10*time.Second, "the parked rating counted", func() bool {
			rep := report(t, env, deo, base+october)
			all := kpi(t, rep.Periods[0].KPIs, "ht_meeting_all_standards")
			return rep.ParkedFacts == 0 && all.Numerator == 3 && all.Denominator == 4 // h4 joins, meeting all
		})
	})

	t.Run("rebuild gives what the live path gave", func(t *testing.T) {
		live := facts(t, env, fixture.Tenant)
		liveReport := report(t, env, deo, base+october+"&breakdown=sector&series=3")
		// Damage the read model: lose half the facts, add one no topic holds.
		c := factsColl(t, env, fixture.Tenant)
		for i, f := range live {
			if i%2 == 0 {
				if _, err := c.DeleteOne(context.Background(), bson.D{{Key: "_id", Value: f["_id"]}}); err != nil {
					t.Fatal(err)
				}
			}
		}
		bogus := maps.Clone(live[1])
		bogus["_id"] = "org.l4l.coaching.rating.recorded.v1/bogus"
		if _, err := c.InsertOne(context.Background(), bogus); err != nil {
			t.Fatal(err)
		}
		var reads []int64
		res, err := analytics.Rebuild(context.Background(), env.Config, analytics.RebuildOptions{
			ReplayOptions: analytics.ReplayOptions{Tenant: fixture.Tenant, Progress: func(read, total int64) { reads = append(reads, read) }},
		})
		if err != nil {
			t.Fatal(err)
		}
		if res.Facts != len(live) || len(reads) == 0 {
			t.Errorf("rebuild kept %d facts, live had %d; progress calls %d", res.Facts, len(live), len(reads))
		}
		if got := facts(t, env, fixture.Tenant); asJSON(got) != asJSON(live) {
			t.Errorf("facts after rebuild differ from the live ones (%d, %d)", len(got), len(live))
			for i := range min(len(got), len(live)) {
				if asJSON(got[i]) != asJSON(live[i]) {
					t.Fatalf("first difference:\n%s\n%s", asJSON(got[i]), asJSON(live[i]))
				}
			}
		}
		servicetest.Eventually(t, 2*analytics.CacheAge, "the rebuilt model served", func() bool {
			return asJSON(report(t, env, deo, base+october+"&breakdown=sector&series=3")) == asJSON(liveReport)
		})
	})
}

// asJSON is a canonical form for comparisons (maps' keys sorted, pointers followed).
func asJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func factsColl(t *testing.T, env *servicetest.Env, tenant string) *mongo.Collection {
	return env.Svc.Deps.Mongo.Database("l4l_analytics_" + strings.ReplaceAll(tenant, "-", "_")).Collection("facts")
}

func facts(t *testing.T, env *servicetest.Env, tenant string) []bson.M {
	t.Helper()
	cur, err := factsColl(t, env, tenant).Find(context.Background(), bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		t.Fatal(err)
	}
	var out []bson.M
	if err := cur.All(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	for _, f := range out {
		delete(f, "written_at") // when this copy was written, not what it says
	}
	return out
}

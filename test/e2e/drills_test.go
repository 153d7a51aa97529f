package e2e

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

// drillDatabase: the database stops. Writes answer 503 (never 500, never half a record);
// the tablet retries with the same Idempotency-Key once it is back; exactly one record
// exists; the service recovers without a restart.
func (s *scenario) drillDatabase(t *testing.T) {
	p, gas := s.p, s.gas
	key := newKey()
	person := call{method: "POST", path: gas.path("/people"), token: gas.deo, key: key,
		body: map[string]string{"staff_id": "GAS-FIELD-1", "given_name": "Field", "family_name": "Officer"}}
	p.mongo.StopMongo()
	stopped := true
	defer func() {
		if stopped {
			_ = p.mongo.StartMongo(context.Background())
		}
	}()
	var r response
	if !poll(time.Minute, func() bool {
		r = p.do("directory", person)
		return r.Status == http.StatusServiceUnavailable
	}) {
		t.Fatalf("a write with the database down: %d %s, want 503", r.Status, r.Body)
	}
	if !strings.Contains(r.Header.Get("Content-Type"), "problem+json") {
		t.Fatalf("503 without a problem document: %v", r.Header)
	}
	if rd := p.do("directory", call{method: "GET", path: "/readyz"}); rd.Status == 200 {
		t.Fatalf("/readyz answers 200 with the database down")
	}
	if err := p.mongo.StartMongo(context.Background()); err != nil {
		t.Fatal(err)
	}
	stopped = false
	// The same request, same key, until the service has its connection back.
	var created idDoc
	p.eventually("the directory to recover", 2*time.Minute, "directory", person, 201, nil).decode(t, &created)
	// And once more: the key answers the same record, nothing new.
	var replay idDoc
	p.must("directory", person, 201).decode(t, &replay)
	if replay.ID != created.ID {
		t.Fatalf("the retry created %s after %s", replay.ID, created.ID)
	}
	var pg page
	p.must("directory", call{method: "GET", path: gas.path("/people?staff_id=GAS-FIELD-1"), token: gas.deo}, 200).decode(t, &pg)
	if len(pg.Items) != 1 {
		t.Fatalf("%d people GAS-FIELD-1 after the outage, want 1", len(pg.Items))
	}
	for _, name := range serviceNames {
		p.waitReady(name, 2*time.Minute)
	}
}

// drillPoison: a message that is not an event reaches a topic analytics reads. It lands
// on the group's dead-letter topic byte for byte, a metric counts it, and the consumer
// goes on with the next event.
func (s *scenario) drillPoison(t *testing.T) {
	p, gas := s.p, s.gas
	poison := []byte(`{"specversion":"1.0","type":"org.l4l.plc.session.held.v1","data":` + strconv.Quote("not an object") + `}`)
	key := []byte(gasabo + "/poison-" + newKey())
	w := &kafka.Writer{Addr: kafka.TCP(p.kafkaAt), Topic: "l4l.plc.events", Balancer: &kafka.Hash{}, Transport: &kafka.Transport{},
		BatchTimeout: 10 * time.Millisecond, RequiredAcks: kafka.RequireAll}
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := w.WriteMessages(ctx, kafka.Message{Key: key, Value: poison}); err != nil {
		t.Fatal(err)
	}
	// The consumer goes on: Kacyiru's second session, recorded after the poison.
	kacPeople := []string{gas.people["GAS-HT-K1"], gas.people["GAS-HT-K2"], gas.people["GAS-HT-K3"], gas.people["GAS-SEO-KAC"]}
	p.must("plc", call{method: "PUT", path: gas.path("/sessions/" + s.kacyiruSessions[1].ID + "/record"), token: gas.deo, ifMatch: `"1"`,
		body: map[string]any{"held": true, "attendance": register(kacPeople, nil)}}, 200)
	s.held++

	dlq := "l4l.analytics-plc.dlq"
	m := findMessage(t, p.kafkaAt, dlq, key)
	if !bytes.Equal(m.Value, poison) {
		t.Fatalf("the dead letter's value %q, want the poison %q", m.Value, poison)
	}
	var cause string
	for _, h := range m.Headers {
		if h.Key == "dlq-error" {
			cause = string(h.Value)
		}
	}
	if cause == "" {
		t.Fatalf("the dead letter has no dlq-error header: %v", m.Headers)
	}
	metric := `l4l_consumer_events_total{group="analytics-plc",outcome="dead_lettered",topic="l4l.plc.events"}`
	if v := scrape(t, p, "analytics", metric); v < 1 {
		t.Fatalf("%s = %v after a poison event", metric, v)
	}
	// Registers: 8/10 before; Kacyiru's second 4 present → 12/14.
	w2 := s.gasaboWant()
	w2["plc_attendance_rate"] = want{12, 14}
	gas.waitKPIs("after the poison event", w2)
}

// drillKill: analytics is killed (SIGKILL: no drain, nothing committed on the way out)
// right after a write it has to consume, and started again: it resumes from its committed offsets
// and the inbox drops what it had applied but not committed, so the counts are exact.
func (s *scenario) drillKill(t *testing.T) {
	p, gas := s.p, s.gas
	kacPeople := []string{gas.people["GAS-HT-K1"], gas.people["GAS-HT-K2"], gas.people["GAS-HT-K3"], gas.people["GAS-SEO-KAC"]}
	p.must("plc", call{method: "PUT", path: gas.path("/sessions/" + s.kacyiruSessions[2].ID + "/record"), token: gas.deo, ifMatch: `"1"`,
		body: map[string]any{"held": true, "attendance": register(kacPeople, map[string]string{gas.people["GAS-HT-K3"]: "absent"})}}, 200)
	s.held++
	// What analytics has finished with so far: were it to start again from the beginning
	// of its topics rather than from its committed offsets, at least as many events would
	// come back to it as duplicates.
	before := scrapeSum(t, p, "analytics", "l4l_consumer_events_total", `outcome="handled"`) +
		scrapeSum(t, p, "analytics", "l4l_consumer_events_total", `outcome="duplicate"`)
	p.kill("analytics")
	// While it is down the directory goes on: an SEO for Kinyinya.
	gas.staff("GAS-SEO-KIN", "seo", "rw-gasabo-kinyinya")
	p.start("analytics")
	p.waitReady("analytics", 2*time.Minute)
	w := s.gasaboWant()
	w["seo_coverage"] = want{4, 15}
	// 12/14 before; Kacyiru's third: 3 present of 4 → 15/18 = 83.3 %.
	w["plc_attendance_rate"] = want{15, 18}
	gas.waitKPIs("after analytics was killed and restarted", w)
	dups := scrapeSum(t, p, "analytics", "l4l_consumer_events_total", `outcome="duplicate"`)
	if dups >= before {
		t.Fatalf("analytics re-read %v events as duplicates after the restart, of %v it had finished with: it did not resume from its committed offsets", dups, before)
	}
	t.Logf("analytics had finished with %v events; after SIGKILL and restart it saw %v again as duplicates", before, dups)
}

// drillBroker: the broker stops mid-year. Services keep answering; their writes wait in
// the outboxes; once the broker is back every event arrives once: the KPIs of both
// districts are exact.
func (s *scenario) drillBroker(t *testing.T) {
	p, gas, ruh := s.p, s.gas, s.ruh
	p.stopKafka()
	restarted := false
	defer func() {
		if !restarted {
			p.startKafka()
		}
	}()
	// Writes during the outage: an SEO in each district.
	gas.staff("GAS-SEO-GIS", "seo", "rw-gasabo-gisozi")
	ruh.staff("RUH-SEO-KIN", "seo", "rw-ruhango-kinazi")
	p.startKafka()
	restarted = true
	w := s.gasaboWant()
	w["seo_coverage"] = want{5, 15}
	w["plc_attendance_rate"] = want{15, 18}
	// PLC groups: Remera and Kacyiru (both with held sessions), the district PLC, and a
	// sector PLC for each sector with an SEO but no school yet: Kimironko, Kinyinya and
	// Gisozi (this drill's SEO). Ruhango: Byimana, the district, Kinazi (this drill's).
	w["plc_active"] = want{2, 6}
	gas.waitKPIs("after the broker came back", w)
	ruh.waitKPIs("after the broker came back", map[string]want{
		"recruitment_applications": {1, 0}, "seo_coverage": {2, 9}, "plc_sessions_held": {0, 0}, "plc_active": {0, 3},
	})
}

// findMessage reads topic from its beginning until a message with key arrives.
func findMessage(t *testing.T, broker, topic string, key []byte) kafka.Message {
	t.Helper()
	rd := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{broker}, Topic: topic, GroupID: "e2e-" + newKey(),
		StartOffset: kafka.FirstOffset, MaxWait: 100 * time.Millisecond, HeartbeatInterval: 100 * time.Millisecond,
		JoinGroupBackoff: 100 * time.Millisecond, SessionTimeout: time.Second, RebalanceTimeout: 2 * time.Second,
		Dialer: &kafka.Dialer{Timeout: 5 * time.Second}})
	defer rd.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	for {
		m, err := rd.FetchMessage(ctx)
		if err != nil {
			t.Fatalf("no message keyed %s on %s: %v", key, topic, err)
		}
		if bytes.Equal(m.Key, key) {
			return m
		}
	}
}

// scrapeSum adds the samples of a metric whose labels contain label.
func scrapeSum(t *testing.T, p *platform, svc, metric, label string) float64 {
	t.Helper()
	res, err := http.Get(p.procs[svc].URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	sum := 0.0
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, metric+"{") && strings.Contains(line, label) {
			f, _ := strconv.ParseFloat(line[strings.LastIndex(line, " ")+1:], 64)
			sum += f
		}
	}
	return sum
}

// scrape returns the value of one sample of a service's /metrics (-1 when absent).
func scrape(t *testing.T, p *platform, svc, sample string) float64 {
	t.Helper()
	res, err := http.Get(p.procs[svc].URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, sample+" "); ok {
			f, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return f
		}
	}
	return -1
}

// drillReplay: every message of the PLC topic is published again, byte for byte, as an
// upstream replay (a mirror catching up, an operator re-sending a topic) would. Every
// consumer counts each copy a duplicate; the read models do not move: analytics' KPIs of
// both districts and Remera's LLL's portfolio are what they were.
func (s *scenario) drillReplay(t *testing.T) {
	p, gas := s.p, s.gas
	beforeG, beforeR := settled(t, gas), settled(t, s.ruh)
	enrolled := s.enrolmentOf(s.lll[remera], "Remera's LLL's portfolio", func(enrolment) bool { return true })

	msgs := readAll(t, p.kafkaAt, "l4l.plc.events")
	dupAnalytics := `l4l_consumer_events_total{group="analytics-plc",outcome="duplicate",topic="l4l.plc.events"}`
	dupAccreditation := `l4l_consumer_events_total{group="accreditation-plc",outcome="duplicate",topic="l4l.plc.events"}`
	// Analytics keeps the latest fact per (type, subject): a copy it no longer finds in its
	// inbox is applied again and changes nothing, so what must hold for it is that every
	// copy was consumed (in any outcome) and that its KPIs did not move (checked below).
	// Accreditation's inbox sees each copy as a duplicate.
	consumedByAnalytics := func() float64 {
		return scrapeSum(t, p, "analytics", "l4l_consumer_events_total", `group="analytics-plc"`)
	}
	a0, c0 := consumedByAnalytics(), max(scrape(t, p, "accreditation", dupAccreditation), 0)
	w := &kafka.Writer{Addr: kafka.TCP(p.kafkaAt), Topic: "l4l.plc.events", Balancer: &kafka.Hash{}, Transport: &kafka.Transport{},
		BatchTimeout: 10 * time.Millisecond, RequiredAcks: kafka.RequireAll}
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var again []kafka.Message
	events := 0
	for _, m := range msgs {
		again = append(again, kafka.Message{Key: m.Key, Value: m.Value, Headers: m.Headers})
		if !bytes.Contains(m.Key, []byte("/poison-")) {
			events++
		}
	}
	if err := w.WriteMessages(ctx, again...); err != nil {
		t.Fatal(err)
	}
	// Each republished event is a duplicate for both groups (the poison goes to the DLQ
	// again: it was never applied). Under -race beside the other suites analytics took
	// more than two minutes to go through 57 events once.
	if !poll(5*time.Minute, func() bool {
		return consumedByAnalytics()-a0 >= float64(events) && scrape(t, p, "accreditation", dupAccreditation)-c0 >= float64(events)
	}) {
		t.Fatalf("after republishing %d events: consumed by analytics %v (duplicates %v), duplicates for accreditation %v", events,
			consumedByAnalytics()-a0, scrape(t, p, "analytics", dupAnalytics), scrape(t, p, "accreditation", dupAccreditation)-c0)
	}
	afterG, afterR := gas.kpis(gas.deo), s.ruh.kpis(s.ruh.deo)
	for _, c := range []struct {
		name          string
		before, after map[string]kpi
	}{{"Gasabo", beforeG, afterG}, {"Ruhango", beforeR, afterR}} {
		for k, b := range c.before {
			if a := c.after[k]; a.Numerator != b.Numerator || a.Denominator != b.Denominator {
				t.Errorf("%s %s moved with the replay: %d/%d → %d/%d", c.name, k, b.Numerator, b.Denominator, a.Numerator, a.Denominator)
			}
		}
	}
	after := s.enrolmentOf(s.lll[remera], "Remera's LLL's portfolio", func(enrolment) bool { return true })
	if after.have("plcs_led") != enrolled.have("plcs_led") {
		t.Fatalf("PLCs led %d after the replay, %d before", after.have("plcs_led"), enrolled.have("plcs_led"))
	}
	t.Logf("republished %d messages of l4l.plc.events (%d events)", len(again), events)
}

// settled reads a district's KPIs once two reads a second apart agree: what the drills
// before wrote has reached analytics.
func settled(t *testing.T, d *district) map[string]kpi {
	t.Helper()
	prev := d.kpis(d.deo)
	var cur map[string]kpi
	if !poll(time.Minute, func() bool {
		time.Sleep(time.Second)
		cur = d.kpis(d.deo)
		same := len(cur) == len(prev)
		for k, v := range prev {
			if c := cur[k]; c.Numerator != v.Numerator || c.Denominator != v.Denominator {
				same = false
			}
		}
		prev = cur
		return same
	}) {
		t.Fatalf("%s's KPIs kept moving for a minute", d.tenant)
	}
	return cur
}

// readAll reads a topic from its beginning to the end it has now, every partition.
func readAll(t *testing.T, broker, topic string) []kafka.Message {
	t.Helper()
	conn, err := kafka.Dial("tcp", broker)
	if err != nil {
		t.Fatal(err)
	}
	parts, err := conn.ReadPartitions(topic)
	conn.Close()
	if err != nil {
		t.Fatal(err)
	}
	var out []kafka.Message
	for _, pt := range parts {
		pc, err := kafka.DialLeader(context.Background(), "tcp", broker, topic, pt.ID)
		if err != nil {
			t.Fatal(err)
		}
		first, last, err := pc.ReadOffsets()
		pc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if last <= first {
			continue
		}
		rd := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{broker}, Topic: topic, Partition: pt.ID, MaxWait: 100 * time.Millisecond})
		if err := rd.SetOffset(first); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		for {
			m, err := rd.ReadMessage(ctx)
			if err != nil {
				cancel()
				rd.Close()
				t.Fatalf("reading %s/%d: %v", topic, pt.ID, err)
			}
			out = append(out, m)
			if m.Offset >= last-1 {
				break
			}
		}
		cancel()
		rd.Close()
	}
	return out
}

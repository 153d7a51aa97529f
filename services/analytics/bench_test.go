package analytics_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/l4l-platform/l4l/libs/config"
	"github.com/l4l-platform/l4l/libs/devstack"
	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/profile"
	"github.com/l4l-platform/l4l/libs/service/servicetest"
	"github.com/l4l-platform/l4l/services/analytics"
	"github.com/l4l-platform/l4l/services/analytics/internal/domain"
	"github.com/l4l-platform/l4l/services/analytics/internal/store"
)

var (
	benchEvents = flag.Int("analytics.events", 1_000_000, "events in the rebuild benchmark")
	benchWrites = flag.Bool("analytics.writes", true, "also write the rebuilt facts into the dev database")
)

// benchEnvelope is a synthetic event of one of four kinds; every subject gets four
// versions (an edited record), so a million events keep a quarter of a million facts.
func benchEnvelope(tenants []string, i int) events.Envelope {
	subject := i / 4
	tenant := tenants[subject%len(tenants)]
	id := fmt.Sprintf("%08d-0000-4000-8000-%012d", subject, i)
	at := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second)
	var typ string
	var data any
	sid := fmt.Sprintf("00000000-0000-4000-8000-%012d", subject)
	switch subject % 4 {
	case 0:
		typ, data = domain.RoleUpdated, map[string]any{"assignment_id": sid, "person_id": sid, "role": "ht", "unit": sid, "start_date": "2026-01-01", "source": "manual"}
	case 1:
		typ, data = domain.SessionLogged, map[string]any{"session_id": sid, "relationship_id": sid, "link": "lll-ht", "coach_id": "c", "coach_role": "lll",
			"coachee_id": sid, "coachee_role": "ht", "unit": sid, "date": "2026-10-02", "mode": "school_visit", "duration_minutes": 60,
			"focus_areas": []string{}, "actions_agreed": 1, "actions_carried": i % 3, "actions_followed_up": 1, "actions_completed": 1, "observed": false}
	case 2:
		typ, data = domain.RatingRecorded, map[string]any{"rating_id": sid, "head_teacher_id": sid, "school_id": sid, "rater_id": "r", "rater_role": "lll",
			"date": "2026-10-05", "areas": []map[string]any{{"area": "leading_learning", "level": i%4 + 1, "meets_standard": i%4 >= 2}}}
	default:
		typ, data = domain.PLCHeld, map[string]any{"session_id": sid, "group_id": "g", "kind": "sector_plc", "unit": tenant, "date": "2026-10-19",
			"start": "2026-10-19T09:00:00Z", "mode": "in_person", "facilitators": []string{}, "attendance": []map[string]string{{"person_id": sid, "status": "present"}},
			"school_ids_discussed": []string{}, "competency_areas": []string{}, "action_ids": []string{}, "followed_up_action_ids": []string{}}
	}
	raw, _ := json.Marshal(data)
	return events.Envelope{SpecVersion: events.SpecVersion, ID: id, Source: "/l4l/bench", Type: typ, Subject: sid, Time: at,
		DataContentType: events.JSONContentType, Tenant: tenant, Data: raw}
}

func rwandaTenants(b *testing.B) (*profile.Registry, *profile.Index, []string) {
	reg, err := profile.LoadRegistry("rw")
	if err != nil {
		b.Fatal(err)
	}
	x, _ := reg.Country("rw")
	var out []string
	for _, u := range x.Tenants() {
		out = append(out, u.Code)
	}
	return reg, x, out
}

// BenchmarkRebuild replays a million events (generated here, never committed) and sets
// the replay's rate beside raw kafka-go reading the same partitions in the same run.
func BenchmarkRebuild(b *testing.B) {
	reg, _, tenants := rwandaTenants(b)
	stack := devstack.ForTest(b)
	ctx := context.Background()
	var topics []string
	for _, p := range analytics.Publishers {
		topics = append(topics, events.Topic(p))
	}
	if err := events.EnsureTopics(ctx, stack.KafkaBrokers, topics...); err != nil {
		b.Fatal(err)
	}
	w := &kafka.Writer{Addr: kafka.TCP(stack.KafkaBrokers...), Balancer: &kafka.Hash{}, BatchSize: 1000, BatchTimeout: 2 * time.Millisecond, Transport: &kafka.Transport{}}
	defer w.Close()
	n := *benchEvents
	msgs := make([]kafka.Message, 0, 1000)
	for i := range n {
		e := benchEnvelope(tenants, i)
		m, err := events.ToMessage(events.Topic(map[string]string{domain.RoleUpdated: "directory", domain.SessionLogged: "coaching",
			domain.RatingRecorded: "coaching", domain.PLCHeld: "plc"}[e.Type]), e)
		if err != nil {
			b.Fatal(err)
		}
		msgs = append(msgs, m)
		if len(msgs) == cap(msgs) || i == n-1 {
			if err := w.WriteMessages(ctx, msgs...); err != nil {
				b.Fatal(err)
			}
			msgs = msgs[:0]
		}
	}

	b.ResetTimer()
	for b.Loop() {
		// Ceiling: raw kafka-go partition readers over the same partitions, no decoding,
		// read before the replay and again after it; the faster of the two counts, so a
		// burst of load on the shared machine during one raw read cannot flatter the ratio.
		rawRun := func() (time.Duration, usage) {
			runtime.GC()
			u := use()
			t0 := time.Now()
			var raw int64
			// Labels let a CPU profile (-cpuprofile) be read per phase: -tagfocus phase=replay.
			pprof.Do(ctx, pprof.Labels("phase", "raw"), func(context.Context) { raw = rawRead(b, stack.KafkaBrokers, topics) })
			d := time.Since(t0)
			if raw != int64(n) {
				b.Fatalf("raw read %d of %d", raw, n)
			}
			return d, use().minus(u)
		}
		rawDur, rawUse := rawRun()

		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		peak := sampleHeap()
		replayUse := use()
		t0 := time.Now()
		var rep *analytics.Replayed
		var err error
		pprof.Do(ctx, pprof.Labels("phase", "replay"), func(ctx context.Context) {
			rep, err = analytics.Replay(ctx, reg, analytics.ReplayOptions{Brokers: stack.KafkaBrokers})
		})
		replayDur := time.Since(t0)
		replayUse = use().minus(replayUse)
		peakHeap := peak()
		if d, u := rawRun(); d < rawDur {
			rawDur, rawUse = d, u
		}
		if err != nil {
			b.Fatal(err)
		}
		if rep.Events != int64(n) || rep.Facts() != n/4 {
			b.Fatalf("replayed %d events into %d facts; want %d and %d", rep.Events, rep.Facts(), n, n/4)
		}
		b.ReportMetric(float64(n)/replayDur.Seconds(), "replay-events/s")
		b.ReportMetric(float64(n)/rawDur.Seconds(), "raw-kafka-go-events/s")
		b.ReportMetric(rawDur.Seconds()/replayDur.Seconds(), "ratio")
		b.ReportMetric(float64(peakHeap-before.HeapAlloc)/(1<<20), "peak-heap-MiB")
		// What each phase cost the process (it includes the embedded broker serving the
		// reads): on a shared machine a steadier comparison than the rates above.
		b.ReportMetric(rawUse.cpu.Seconds(), "raw-cpu-s")
		b.ReportMetric(replayUse.cpu.Seconds(), "replay-cpu-s")
		b.ReportMetric(float64(rawUse.gcs), "raw-gc-cycles")
		b.ReportMetric(float64(replayUse.gcs), "replay-gc-cycles")

		if *benchWrites {
			cfg := servicetestConfig(stack)
			t0 = time.Now()
			res, err := analytics.Rebuild(ctx, cfg, analytics.RebuildOptions{})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(res.Facts)/time.Since(t0).Seconds(), "rebuild-with-writes-facts/s")
			b.ReportMetric(float64(n)/time.Since(t0).Seconds(), "rebuild-with-writes-events/s")
		}
	}
}

// usage is the process's CPU time (user and system) and garbage collections so far.
type usage struct {
	cpu time.Duration
	gcs uint32
}

func use() usage {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return usage{cpu: time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), gcs: m.NumGC}
}

func (u usage) minus(v usage) usage { return usage{cpu: u.cpu - v.cpu, gcs: u.gcs - v.gcs} }

// sampleHeap watches the heap until the returned function is called, which gives its peak.
func sampleHeap() func() uint64 {
	var peakHeap atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peakHeap.Load() {
				peakHeap.Store(m.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return func() uint64 { close(stop); <-done; return peakHeap.Load() }
}

func rawRead(b *testing.B, brokers, topics []string) int64 {
	ctx := context.Background()
	conn, err := kafka.Dial("tcp", brokers[0])
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	var total atomic.Int64
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4) // as many at once as the replay reads
	for _, topic := range topics {
		parts, err := conn.ReadPartitions(topic)
		if err != nil {
			b.Fatal(err)
		}
		for _, p := range parts {
			lc, err := kafka.DialLeader(ctx, "tcp", fmt.Sprintf("%s:%d", p.Leader.Host, p.Leader.Port), topic, p.ID)
			if err != nil {
				b.Fatal(err)
			}
			first, last, err := lc.ReadOffsets()
			lc.Close()
			if err != nil || last <= first {
				continue
			}
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Topic: topic, Partition: p.ID, MinBytes: 1, MaxBytes: 16 << 20, MaxWait: 100 * time.Millisecond})
				defer r.Close()
				_ = r.SetOffset(first)
				for {
					m, err := r.ReadMessage(ctx)
					if err != nil {
						return
					}
					total.Add(1)
					if m.Offset+1 >= last {
						return
					}
				}
			})
		}
	}
	wg.Wait()
	return total.Load()
}

func servicetestConfig(stack *devstack.Stack) (cfg config.Service) {
	cfg.Countries = []string{"rw"}
	cfg.MongoURI, cfg.KafkaBrokers = stack.MongoURI, stack.KafkaBrokers
	return cfg
}

// BenchmarkCountryKPIs asks for Rwanda's national roll-up over 30 districts of synthetic
// facts (written here, never committed), one request at a time, each followed by the
// foundation's read ceiling: a raw driver FindOne by _id on the same database.
func BenchmarkCountryKPIs(b *testing.B) {
	_, x, tenants := rwandaTenants(b)
	env := servicetest.Start(b, analytics.Definition, func(c *config.Service) { c.Countries = []string{"rw"} })
	ctx := context.Background()
	st := &store.Store{Tenants: mongox.NewTenants(env.Svc.Deps.Mongo, analytics.Name, store.Indexes)}
	facts := 0
	for ti, t := range tenants {
		byKey := countryFacts(x, t, ti)
		facts += len(byKey)
		if err := st.Replace(ctx, t, byKey, time.Now(), nil); err != nil {
			b.Fatal(err)
		}
	}
	analyst := env.Token([]string{"analyst"}, "rw", "")
	req, _ := http.NewRequest("GET", env.URL+"/v1/countries/rw/kpis?period=term&at=2026-10-15", nil)
	req.Header.Set("Authorization", "Bearer "+analyst)
	// The ceiling's own client, as an integrator's reader would have: the service's single
	// dev-mode connection is busy with its own work.
	client, err := mongox.Connect(env.Stack.MongoURI)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = client.Disconnect(ctx) }()
	coll := client.Database(mongox.DBName(analytics.Name, tenants[0])).Collection(store.Facts)
	var one struct {
		ID string `bson:"_id"`
	}
	if err := coll.FindOne(ctx, bson.D{}).Decode(&one); err != nil {
		b.Fatal(err)
	}
	var query, ceiling []time.Duration
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			b.Fatalf("%d %s", res.StatusCode, body)
		}
		query = append(query, time.Since(t0))
		t0 = time.Now()
		if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: one.ID}}).Err(); err != nil {
			b.Fatal(err)
		}
		ceiling = append(ceiling, time.Since(t0))
	}
	b.StopTimer()
	pct := func(d []time.Duration, p float64) float64 {
		slices.Sort(d)
		return float64(d[min(len(d)-1, int(float64(len(d))*p))]) / float64(time.Millisecond)
	}
	b.ReportMetric(float64(facts), "facts")
	b.ReportMetric(pct(query, 0.5), "kpi-p50-ms")
	b.ReportMetric(pct(query, 0.99), "kpi-p99-ms")
	b.ReportMetric(pct(ceiling, 0.99), "findone-p99-ms")
	b.ReportMetric(pct(query, 0.99)/pct(ceiling, 0.99), "p99-ratio")
}

// countryFacts is one district: seven schools per sector with a head teacher, an LLL per
// sector coaching them, an SEO in every other sector, a sector PLC with four sessions,
// two ratings and three coaching sessions per head teacher, two lesson observations per
// school.
func countryFacts(x *profile.Index, tenant string, ti int) map[string]domain.Fact {
	out := map[string]domain.Fact{}
	n := 0
	add := func(typ, subject, date string, data map[string]any) {
		n++
		raw, _ := json.Marshal(data)
		at, _ := time.Parse(time.DateOnly, date)
		f := domain.Fact{Type: typ, Subject: subject, EventID: fmt.Sprintf("%04d-%08d", ti, n), Time: at.Add(9 * time.Hour), Data: raw}
		out[f.Key()] = f
	}
	for si, sec := range x.Children(tenant) {
		lll := tenant + "-" + sec.Code + "-lll"
		add(domain.RoleAssigned, lll+"-a", "2026-01-01", map[string]any{"assignment_id": lll + "-a", "person_id": lll, "role": "lll", "unit": sec.Code, "start_date": "2026-01-01"})
		if si%2 == 0 {
			add(domain.RoleAssigned, sec.Code+"-seo", "2026-01-01", map[string]any{"assignment_id": sec.Code + "-seo", "person_id": sec.Code + "-seo", "role": "seo", "unit": sec.Code, "start_date": "2026-01-01"})
		}
		g := sec.Code + "-plc"
		add(domain.GroupFormed, g, "2026-09-01", map[string]any{"group_id": g, "kind": "sector_plc", "unit": sec.Code})
		var reg []map[string]string
		for k := range 7 {
			s := fmt.Sprintf("%s-s%d", sec.Code, k)
			ht := s + "-ht"
			add(domain.SchoolCreated, s, "2026-01-05", map[string]any{"school_id": s, "unit": sec.Code, "status": "open"})
			add(domain.RoleAssigned, ht+"-a", "2026-01-01", map[string]any{"assignment_id": ht + "-a", "person_id": ht, "role": "ht", "unit": s, "start_date": "2026-01-01"})
			for r, date := range []string{"2026-09-20", "2026-10-10"} {
				add(domain.RatingRecorded, fmt.Sprintf("%s-r%d", ht, r), date, map[string]any{"head_teacher_id": ht, "school_id": s, "date": date,
					"areas": []map[string]any{{"area": "school_direction", "level": 2 + (k+r)%3, "meets_standard": (k+r)%3 >= 1}, {"area": "leading_learning", "level": 3, "meets_standard": true}}})
			}
			rel := ht + "-rel"
			add(domain.RelationshipStarted, rel, "2026-09-01", map[string]any{"relationship_id": rel, "coach_id": lll, "coach_role": "lll", "coachee_id": ht, "coachee_role": "ht", "unit": s, "start_date": "2026-09-01"})
			for c, date := range []string{"2026-09-15", "2026-10-06", "2026-10-27"} {
				add(domain.SessionLogged, fmt.Sprintf("%s-c%d", ht, c), date, map[string]any{"relationship_id": rel, "coach_id": lll, "coachee_id": ht, "coachee_role": "ht",
					"unit": s, "date": date, "mode": "school_visit", "actions_carried": 2, "actions_followed_up": 1})
			}
			for o, subj := range []string{"english", "mathematics"} {
				add(domain.ObservationRecorded, fmt.Sprintf("%s-o%d", s, o), "2026-10-08", map[string]any{"teacher_id": fmt.Sprintf("%s-t%d", s, o), "school_id": s,
					"date": "2026-10-08", "subject": subj, "benchmark_met": (k+o)%2 == 0})
			}
			reg = append(reg, map[string]string{"person_id": ht, "status": []string{"present", "late", "absent"}[k%3]})
		}
		for p, date := range []string{"2026-09-21", "2026-10-19", "2026-11-16", "2026-12-07"} {
			add(domain.PLCHeld, fmt.Sprintf("%s-p%d", g, p), date, map[string]any{"group_id": g, "kind": "sector_plc", "unit": sec.Code, "date": date,
				"attendance": reg, "action_ids": []string{fmt.Sprintf("%s-a%d", g, p)}, "followed_up_action_ids": []string{fmt.Sprintf("%s-a%d", g, p-1)}})
		}
	}
	return out
}

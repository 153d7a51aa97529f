package main

import "fmt"

// goBenches are the table's rows measured by the packages' own Go benchmarks. Adding a
// row is one entry: the benchmark reports its figure and its ceiling with b.ReportMetric.
func goBenches(quick bool, plcSchools, analyticsEvents int) []goBench {
	times := func(full, short string) string {
		if quick {
			return short
		}
		return full
	}
	atLeast := func(min float64) func(_, ratio float64) bool {
		return func(_, ratio float64) bool { return ratio >= min }
	}
	below := func(max float64) func(fig, _ float64) bool {
		return func(fig, _ float64) bool { return fig < max }
	}
	return []goBench{
		{
			area: "events", measure: "outbox relay publish", pkg: "github.com/l4l-platform/l4l/libs/events",
			bench: "RelayPublish|RawKafkaGoWrite", benchtime: times("10000x", "2000x"),
			figure: metric{"RelayPublish", "events/s"}, ceiling: metric{"RawKafkaGoWrite", "events/s"}, ceilingName: "raw kafka-go",
			target: "reported",
		},
		{
			area: "recruitment", measure: "rank 30,000 applications, 1,500 positions (prepare + rank)", issue: 3,
			pkg: "github.com/l4l-platform/l4l/services/recruitment/internal/domain", bench: "^BenchmarkPrepareAndRank$",
			benchtime: times("3x", "1x"), args: []string{"-benchmem"},
			figure: metric{"PrepareAndRank", "ns/op"}, scale: 1e-9, unit: "s", target: "< 1 s", met: below(1),
		},
		{
			area: "recruitment", measure: "memory allocated by prepare + rank", issue: 3,
			pkg: "github.com/l4l-platform/l4l/services/recruitment/internal/domain", bench: "^BenchmarkPrepareAndRank$",
			benchtime: times("3x", "1x"), args: []string{"-benchmem"},
			figure: metric{"PrepareAndRank", "B/op"}, scale: 1.0 / (1 << 20), unit: "MiB", target: "< 500 MiB", met: below(500),
		},
		{
			area: "plc", measure: "schedule Rwanda's year (446 groups)", issue: 4,
			pkg: "github.com/l4l-platform/l4l/services/plc", bench: "^BenchmarkRwandaYear$", benchtime: "1x",
			figure: metric{"RwandaYear", "ms/year"}, target: "< 200 ms", met: below(200),
		},
		{
			area: "plc", measure: fmt.Sprintf("schedule a country of %d schools", plcSchools), issue: 4,
			pkg: "github.com/l4l-platform/l4l/services/plc", bench: "^BenchmarkCountry$", benchtime: "1x",
			args:   []string{fmt.Sprintf("-plc.schools=%d", plcSchools)},
			figure: metric{"Country", "s/year"}, target: "< 60 s at 1,500,000 schools", met: below(60),
		},
		{
			area: "plc", measure: fmt.Sprintf("peak memory, country of %d schools", plcSchools), issue: 4,
			pkg: "github.com/l4l-platform/l4l/services/plc", bench: "^BenchmarkCountry$", benchtime: "1x",
			args:   []string{fmt.Sprintf("-plc.schools=%d", plcSchools)},
			figure: metric{"Country", "MiB-peak-rss"}, target: "< 4 GiB at 1,500,000 schools", met: below(4096),
		},
		{
			area: "plc", measure: "a person's iCalendar feed, p99", issue: 4,
			pkg: "github.com/l4l-platform/l4l/services/plc", bench: "^BenchmarkPersonFeed$", benchtime: times("300x", "100x"),
			figure: metric{"PersonFeed", "feed-p99-ms"}, ceiling: metric{"PersonFeed", "findone-p99-ms"}, ceilingName: "raw FindOne p99",
			target: "reported (lower is better)",
		},
		{
			area: "coaching", measure: "batch sync, 10,000 sessions, 8 clients, batches of 200 (item ids)", issue: 5,
			pkg: "github.com/l4l-platform/l4l/services/coaching/bench", bench: "BatchSync", benchtime: "1x",
			figure: metric{"BatchSync/item-ids", "sessions/s"}, ceiling: metric{"BatchSync/item-ids", "raw-docs/s"}, ceilingName: "raw InsertMany",
			ratio: &metric{"BatchSync/item-ids", "ratio"}, target: ">= 0.5", met: atLeast(0.5),
		},
		{
			area: "coaching", measure: "batch sync, as above, each batch with an Idempotency-Key", issue: 5,
			pkg: "github.com/l4l-platform/l4l/services/coaching/bench", bench: "BatchSync", benchtime: "1x",
			figure: metric{"BatchSync/item-ids+Idempotency-Key", "sessions/s"}, ceiling: metric{"BatchSync/item-ids+Idempotency-Key", "raw-docs/s"}, ceilingName: "raw InsertMany",
			ratio: &metric{"BatchSync/item-ids+Idempotency-Key", "ratio"}, target: ">= 0.5", met: atLeast(0.5),
		},
		{
			area: "accreditation", measure: "public credential verification", issue: 6,
			pkg: "github.com/l4l-platform/l4l/services/accreditation/bench", bench: "Verification", benchtime: "1x",
			figure: metric{"Verification", "verify/s"}, ceiling: metric{"Verification", "ed25519/s"}, ceilingName: "bare Ed25519 verify",
			target: "reported",
		},
		{
			area: "accreditation", measure: "public credential verification, p99", issue: 6,
			pkg: "github.com/l4l-platform/l4l/services/accreditation/bench", bench: "Verification", benchtime: "1x",
			figure: metric{"Verification", "p99-ms"}, ceiling: metric{"Verification", "ed25519-p99-ms"}, ceilingName: "bare Ed25519 verify p99",
			target: "reported (lower is better)",
		},
		{
			area: "analytics", measure: fmt.Sprintf("rebuild: replay %d events into the read model", analyticsEvents), issue: 7,
			pkg: "github.com/l4l-platform/l4l/services/analytics", bench: "^BenchmarkRebuild$", benchtime: "1x",
			args:   []string{"-timeout", "60m", fmt.Sprintf("-analytics.events=%d", analyticsEvents)},
			figure: metric{"Rebuild", "replay-events/s"}, ceiling: metric{"Rebuild", "raw-kafka-go-events/s"}, ceilingName: "raw kafka-go, same partitions",
			ratio: &metric{"Rebuild", "ratio"}, target: ">= 0.25", met: atLeast(0.25),
		},
		{
			area: "analytics", measure: fmt.Sprintf("rebuild: peak heap, %d events", analyticsEvents), issue: 7,
			pkg: "github.com/l4l-platform/l4l/services/analytics", bench: "^BenchmarkRebuild$", benchtime: "1x",
			args:   []string{"-timeout", "60m", fmt.Sprintf("-analytics.events=%d", analyticsEvents)},
			figure: metric{"Rebuild", "peak-heap-MiB"}, target: "reported",
		},
		{
			area: "analytics", measure: "rebuild including the dev database's writes", issue: 7,
			pkg: "github.com/l4l-platform/l4l/services/analytics", bench: "^BenchmarkRebuild$", benchtime: "1x",
			args:   []string{"-timeout", "60m", fmt.Sprintf("-analytics.events=%d", analyticsEvents)},
			figure: metric{"Rebuild", "rebuild-with-writes-events/s"}, ceiling: metric{"Rebuild", "raw-kafka-go-events/s"}, ceilingName: "raw kafka-go, same partitions",
			target: "reported (bounded by FerretDB's inserts in dev mode)",
		},
		{
			area: "analytics", measure: "national KPIs of 30 districts, p99", issue: 7,
			pkg: "github.com/l4l-platform/l4l/services/analytics", bench: "^BenchmarkCountryKPIs$", benchtime: times("300x", "50x"),
			figure: metric{"CountryKPIs", "kpi-p99-ms"}, ceiling: metric{"CountryKPIs", "findone-p99-ms"}, ceilingName: "raw FindOne p99",
			target: "reported (lower is better)",
		},
	}
}

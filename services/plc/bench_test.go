package plc_test

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/l4l-platform/l4l/libs/config"
	"github.com/l4l-platform/l4l/libs/events"
	"github.com/l4l-platform/l4l/libs/mongox"
	"github.com/l4l-platform/l4l/libs/service/servicetest"
	"github.com/l4l-platform/l4l/services/plc"
)

var countrySchools = flag.Int("plc.schools", 150_000, "schools in BenchmarkCountry's synthetic country (India: 1500000)")

// Rwanda's year: 416 sector PLCs monthly and 30 district PLCs termly. Target < 200 ms.
func BenchmarkRwandaYear(b *testing.B) {
	for b.Loop() {
		r, err := plc.BenchRwandaYear()
		if err != nil {
			b.Fatal(err)
		}
		if r.Groups != 446 || r.Unplaced != 0 {
			b.Fatalf("%v", r)
		}
		b.ReportMetric(float64(r.Duration)/float64(time.Millisecond), "ms/year")
		b.ReportMetric(float64(r.Sessions), "sessions")
	}
}

// A synthetic country of -plc.schools schools (default a tenth of India; pass
// -plc.schools=1500000 for India: target < 60 s and < 4 GiB).
func BenchmarkCountry(b *testing.B) {
	for b.Loop() {
		r, err := plc.BenchCountry(*countrySchools)
		if err != nil {
			b.Fatal(err)
		}
		b.Log(r)
		b.ReportMetric(r.Duration.Seconds(), "s/year")
		b.ReportMetric(float64(r.PeakRSS)/(1<<20), "MiB-peak-rss")
		b.ReportMetric(float64(r.Groups), "groups")
	}
}

// The whole of Rwanda's year fits: every sector PLC meets in each of the 11 months with
// school days, every district PLC once a term, with nobody double-booked.
func TestRwandaYearPlacesEverySession(t *testing.T) {
	r, err := plc.BenchRwandaYear()
	if err != nil {
		t.Fatal(err)
	}
	if r.Groups != 446 || r.Unplaced != 0 || r.Sessions != 416*11+30*3 {
		t.Fatalf("%v", r)
	}
}

// A person's iCalendar feed over HTTP on the dev stack: p50 and p99 beside the ceiling
// measured in the same run, a raw driver FindOne by _id on the same database.
func BenchmarkPersonFeed(b *testing.B) {
	env := servicetest.Start(b, plc.Definition, func(c *config.Service) { c.Tenants = []string{tenant} })
	deo := env.Token([]string{"deo"}, tenant, "")
	w := events.NewWriter(env.Stack.KafkaBrokers)
	defer w.Close()
	var msgs []kafka.Message
	send := func(typ, subject string, data map[string]string) {
		e, err := events.New("/l4l/directory", "org.l4l.directory."+typ+".v1", tenant, subject, data)
		if err != nil {
			b.Fatal(err)
		}
		m, _ := events.ToMessage(events.Topic("directory"), e)
		msgs = append(msgs, m)
	}
	role := func(id, person, role, unit string) {
		send("role.assigned", id, map[string]string{"assignment_id": id, "person_id": person, "role": role, "unit": unit, "start_date": "2026-01-01", "source": "manual"})
	}
	for i := range 8 {
		id := fmt.Sprintf("s%d", i)
		send("school.created", id, map[string]string{"school_id": id, "code": id, "unit": remera, "ownership": "public", "status": "open"})
		role("a"+id, "ht-"+id, "ht", id)
	}
	role("l", "ht-s0", "lll", remera)
	role("o", "seo", "seo", remera)
	role("n", "nll", "nll", tenant)
	role("d", "deo", "deo", tenant)
	if err := w.WriteMessages(context.Background(), msgs...); err != nil {
		b.Fatal(err)
	}
	servicetest.Eventually(b, 60*time.Second, "groups", func() bool {
		r := env.Do(servicetest.Request{Method: "GET", Path: base + "/groups", Token: deo})
		return strings.Count(string(r.Body), `"person_id":"ht-s7"`) == 1 && strings.Count(string(r.Body), `"person_id":"deo"`) == 1
	})
	if r := env.Do(servicetest.Request{Method: "POST", Path: base + "/schedules", Token: deo, Body: map[string]any{"school_year": "2026-2027", "from": "2026-09-07"}}); r.Status != 200 {
		b.Fatalf("schedule: %d %s", r.Status, r.Body)
	}
	client, err := mongox.Connect(env.Stack.MongoURI)
	if err != nil {
		b.Fatal(err)
	}
	groups := client.Database(mongox.DBName("plc", tenant)).Collection("groups")
	var one struct {
		ID string `bson:"_id"`
	}
	if err := groups.FindOne(context.Background(), bson.D{}).Decode(&one); err != nil {
		b.Fatal(err)
	}
	req, _ := http.NewRequest("GET", env.URL+base+"/people/ht-s0/calendar.ics", nil)
	req.Header.Set("Authorization", "Bearer "+deo)
	var feed, ceiling []time.Duration
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || strings.Count(string(body), "BEGIN:VEVENT") != 14 {
			b.Fatalf("%d %d events", res.StatusCode, strings.Count(string(body), "BEGIN:VEVENT"))
		}
		feed = append(feed, time.Since(t0))
		t0 = time.Now()
		if err := groups.FindOne(context.Background(), bson.D{{Key: "_id", Value: one.ID}}).Err(); err != nil {
			b.Fatal(err)
		}
		ceiling = append(ceiling, time.Since(t0))
	}
	b.StopTimer()
	pct := func(d []time.Duration, p float64) float64 {
		slices.Sort(d)
		return float64(d[min(len(d)-1, int(float64(len(d))*p))]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(feed, 0.5), "feed-p50-ms")
	b.ReportMetric(pct(feed, 0.99), "feed-p99-ms")
	b.ReportMetric(pct(ceiling, 0.99), "findone-p99-ms")
	b.ReportMetric(pct(feed, 0.99)/pct(ceiling, 0.99), "p99-ratio")
}

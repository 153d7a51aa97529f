package plc_test

import (
	"flag"
	"testing"
	"time"

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

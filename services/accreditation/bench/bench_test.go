package bench

import (
	"context"
	"testing"
)

// BenchmarkVerification: go test -run '^$' -bench Verification -benchtime 1x ./bench
func BenchmarkVerification(b *testing.B) {
	for range b.N {
		r, err := Verification(context.Background(), Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(r.Endpoint.PerSec, "verify/s")
		b.ReportMetric(float64(r.Endpoint.P99.Microseconds())/1000, "p99-ms")
		b.ReportMetric(r.Bare.PerSec, "ed25519/s")
		b.ReportMetric(float64(r.Bare.P99.Microseconds())/1000, "ed25519-p99-ms")
		b.ReportMetric(r.Ratio, "ratio")
		b.Log("\n" + r.String())
	}
}

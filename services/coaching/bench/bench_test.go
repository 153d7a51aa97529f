package bench

import (
	"context"
	"testing"
)

// BenchmarkBatchSync: go test -run '^$' -bench BatchSync -benchtime 1x ./bench
func BenchmarkBatchSync(b *testing.B) {
	for _, keys := range []bool{false, true} {
		name := "item-ids"
		if keys {
			name = "item-ids+Idempotency-Key"
		}
		b.Run(name, func(b *testing.B) {
			for range b.N {
				r, err := BatchSync(context.Background(), Options{IdempotencyKeys: keys})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(r.SyncRate, "sessions/s")
				b.ReportMetric(r.RawRate, "raw-docs/s")
				b.ReportMetric(r.Ratio, "ratio")
				b.Log(r)
			}
		})
	}
}

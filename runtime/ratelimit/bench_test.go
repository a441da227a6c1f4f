package ratelimit_test

import (
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/ratelimit"
)

// BenchmarkLimiterUtilisation measures, on the wall clock, how much of the
// binding window's budget the limiter uses against a server that enforces
// the windows exactly (20/s and 60/5 s sliding, 8 callers, three 5 s
// windows per iteration), and how many 429s that cost. Run it with
// -benchtime 1x: one iteration takes 15 s.
func BenchmarkLimiterUtilisation(b *testing.B) {
	ws := []ratelimit.Window{{Limit: 20, Per: time.Second}, {Limit: 60, Per: 5 * time.Second}}
	var util float64
	var refused int
	for range b.N {
		srv, hs := newWindowServer(b, true, ws...)
		as, _ := measureWindows(b, hs.URL, srv.log, 8, 3, ws...)
		util += utilisation(as, ws[1], 3)
		refused += count429(as)
	}
	b.ReportMetric(util/float64(b.N), "%budget")
	b.ReportMetric(float64(refused)/float64(b.N), "429s")
}

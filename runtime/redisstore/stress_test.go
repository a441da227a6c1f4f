//go:build stress

package redisstore

import (
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/ratelimit"
)

// The real-time cases longer than 10 s, under the build tag "stress" like
// the rest of the real-time tier (make stress; make stress-redis runs
// these).

// Four processes share 20/s and 200/10s for 30 s against a server that
// enforces both on the wall clock: no 429, no window over its limit as the
// server saw arrivals, and at least 90% of the budget used; quiet, and
// with a goroutine spinning in every process. make stress-redis runs the
// quiet case again under -race.
func TestStressRedisLimiter(t *testing.T) {
	for _, tc := range []struct {
		name string
		burn bool
	}{{"quiet", false}, {"cpu", true}} {
		t.Run(tc.name, func(t *testing.T) {
			rdb := sharedRedis(t)
			windows := []ratelimit.Window{{Limit: 20, Per: time.Second}, {Limit: 200, Per: 10 * time.Second}}
			res := sharedRun{windows: windows, processes: 4, workers: 4, duration: 30 * time.Second, enforce: true, burn: tc.burn, redisAddr: rdb.Options().Addr}.start(t)
			checkShared(t, res, windows, 0)
			u := utilisation(res.arrivals, windows)
			t.Logf("%d requests, %.1f%% of the budget, %d × 429", len(res.arrivals), 100*u, res.too)
			if u < 0.90 {
				t.Errorf("utilisation %.1f%%, want at least 90%%", 100*u)
			}
		})
	}
}

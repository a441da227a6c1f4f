package redisstore

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/apigen-go/apigen/runtime/ratelimit"
	"github.com/apigen-go/apigen/runtime/transport"
)

func newLimiter(t testing.TB, rdb redis.UniversalClient, name string, limits ratelimit.Config, replicas int) *Limiter {
	t.Helper()
	l, err := NewLimiter(rdb, LimiterConfig{Name: name, Limits: limits, Replicas: replicas, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func ok200() *http.Response { return &http.Response{StatusCode: 200, Header: http.Header{}} }

// maxInWindow is the largest number of times in any interval of length per.
func maxInWindow(times []time.Time, per time.Duration) int {
	best, j := 0, 0
	for i := range times {
		for times[i].Sub(times[j]) >= per {
			j++
		}
		best = max(best, i-j+1)
	}
	return best
}

// Three limiters with one name stand for three processes: together they
// keep every window, measured on one clock.
func TestLimiterSharedSlidingWindows(t *testing.T) {
	rdb := sharedRedis(t)
	name := uniqueName(t)
	cfg := ratelimit.Config{Windows: []ratelimit.Window{{Limit: 5, Per: 300 * time.Millisecond}, {Limit: 12, Per: time.Second}}}
	var mu sync.Mutex
	var sends []time.Time
	var wg sync.WaitGroup
	deadline := time.Now().Add(2 * time.Second)
	for range 3 {
		l := newLimiter(t, rdb, name, cfg, 3)
		for range 3 {
			wg.Go(func() {
				for time.Now().Before(deadline) {
					r, err := l.Reserve(context.Background(), "")
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					sends = append(sends, time.Now())
					mu.Unlock()
					r.Sent()
					r.Observe(ok200())
				}
			})
		}
	}
	wg.Wait()
	sortTimes(sends)
	// The margin is the slack between the limiter's clock and ours.
	if got := maxInWindow(sends, 300*time.Millisecond-2*ratelimit.DefaultMargin); got > 5 {
		t.Errorf("%d sends within 300ms, limit 5", got)
	}
	if got := maxInWindow(sends, time.Second-2*ratelimit.DefaultMargin); got > 12 {
		t.Errorf("%d sends within 1s, limit 12", got)
	}
	if len(sends) < 24 {
		t.Errorf("only %d sends in about 2s of a 12/1s budget", len(sends))
	}
}

func sortTimes(ts []time.Time) {
	for i := 1; i < len(ts); i++ {
		for j := i; j > 0 && ts[j].Before(ts[j-1]); j-- {
			ts[j], ts[j-1] = ts[j-1], ts[j]
		}
	}
}

func TestLimiterFixedWindowCountsPeriods(t *testing.T) {
	rdb := sharedRedis(t)
	cfg := ratelimit.Config{Windows: []ratelimit.Window{{Limit: 3, Per: 500 * time.Millisecond, Kind: ratelimit.Fixed, Anchor: ratelimit.UTCMidnight}}}
	l := newLimiter(t, rdb, uniqueName(t), cfg, 1)
	counts := map[int64]int{}
	for range 9 {
		r, err := l.Reserve(context.Background(), "")
		if err != nil {
			t.Fatal(err)
		}
		counts[time.Now().Add(l.offsetNow()).UnixMilli()/500]++
		r.Observe(ok200())
	}
	for p, n := range counts {
		if n > 3 {
			t.Errorf("period %d carried %d requests, limit 3", p, n)
		}
	}
}

func (l *Limiter) offsetNow() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.offset
}

func TestLimiterQuotaExhausted(t *testing.T) {
	rdb := sharedRedis(t)
	cfg := ratelimit.Config{Windows: []ratelimit.Window{{Limit: 1, Per: 10 * time.Second}}, MaxWait: 100 * time.Millisecond}
	l := newLimiter(t, rdb, uniqueName(t), cfg, 1)
	r, err := l.Reserve(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	r.Observe(ok200())
	start := time.Now()
	_, err = l.Reserve(context.Background(), "")
	var qe *ratelimit.QuotaExhaustedError
	if !errors.As(err, &qe) || !strings.Contains(qe.Reason, "1/10s") {
		t.Fatalf("Reserve past the limit = %v; want a QuotaExhaustedError naming the window", err)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("QuotaExhaustedError after %s; want it at once", d)
	}
}

// A route's own window holds only that route, and says so.
func TestLimiterRouteQuotaExhausted(t *testing.T) {
	rdb := sharedRedis(t)
	cfg := ratelimit.Config{
		Operations: map[string]ratelimit.Override{"download": {Windows: []ratelimit.Window{{Limit: 1, Per: 10 * time.Second}}}},
		MaxWait:    50 * time.Millisecond,
	}
	l := newLimiter(t, rdb, uniqueName(t), cfg, 1)
	ctx := transport.WithOperation(context.Background(), &transport.Operation{ID: "download"})
	r, err := l.Reserve(ctx, "GET /statements")
	if err != nil {
		t.Fatal(err)
	}
	r.Observe(ok200())
	_, err = l.Reserve(ctx, "GET /statements")
	var qe *ratelimit.QuotaExhaustedError
	if !errors.As(err, &qe) || qe.Scope != ratelimit.Route || !strings.Contains(qe.Reason, `route "GET /statements" window 1/10s`) {
		t.Fatalf("second download = %v; want a route-scoped QuotaExhaustedError naming the window", err)
	}
	// Other operations are not held back by it.
	r, err = l.Reserve(context.Background(), "GET /companies")
	if err != nil {
		t.Fatalf("another route = %v", err)
	}
	r.Observe(ok200())
}

// A cancelled reservation gives its slot back.
func TestLimiterCancelGivesSlotBack(t *testing.T) {
	rdb := sharedRedis(t)
	cfg := ratelimit.Config{Windows: []ratelimit.Window{{Limit: 1, Per: 10 * time.Second}}, MaxWait: 50 * time.Millisecond}
	l := newLimiter(t, rdb, uniqueName(t), cfg, 1)
	r, err := l.Reserve(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	r.Cancel()
	if _, err := l.Reserve(context.Background(), ""); err != nil {
		t.Fatalf("Reserve after Cancel = %v", err)
	}
}

// An admitted request not yet answered holds its slot: nothing bunches
// with it, however late it is sent.
func TestLimiterInFlightHoldsSlot(t *testing.T) {
	rdb := sharedRedis(t)
	cfg := ratelimit.Config{Windows: []ratelimit.Window{{Limit: 1, Per: 100 * time.Millisecond}}, MaxWait: time.Second}
	l := newLimiter(t, rdb, uniqueName(t), cfg, 1)
	r, err := l.Reserve(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(200 * time.Millisecond)
		r.Sent()
		r.Observe(ok200())
	}()
	start := time.Now()
	r2, err := l.Reserve(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	r2.Observe(ok200())
	if d := time.Since(start); d < 300*time.Millisecond-20*time.Millisecond {
		t.Errorf("second request admitted %s after the first was reserved; the first was sent at 200ms, so not before 300ms", d)
	}
}

func TestLimiterHeaderBudget(t *testing.T) {
	rdb := sharedRedis(t)
	cfg := ratelimit.Config{
		Headers: []ratelimit.Headers{{Remaining: "X-RateLimit-Remaining", Reset: "X-RateLimit-Reset", ResetUnit: ratelimit.DeltaSeconds}},
		MaxWait: 200 * time.Millisecond,
	}
	name := uniqueName(t)
	a, b := newLimiter(t, rdb, name, cfg, 2), newLimiter(t, rdb, name, cfg, 2)
	r, err := a.Reserve(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	resp := ok200()
	resp.Header.Set("X-RateLimit-Remaining", "0")
	resp.Header.Set("X-RateLimit-Reset", "1")
	r.Observe(resp)
	// The other process learned it too.
	_, err = b.Reserve(context.Background(), "")
	var qe *ratelimit.QuotaExhaustedError
	if !errors.As(err, &qe) || !strings.Contains(qe.Reason, "X-Ratelimit-Remaining") || qe.Scope != ratelimit.Global {
		t.Fatalf("Reserve after remaining 0 = %v; want a QuotaExhaustedError naming the header", err)
	}
}

// A bare 429 seen by one process opens a cooldown for all; after it one
// probe goes alone.
func TestLimiterCooldownSharedAndProbe(t *testing.T) {
	rdb := sharedRedis(t)
	name := uniqueName(t)
	cfg := ratelimit.Config{MaxWait: 5 * time.Second}
	a, b, c := newLimiter(t, rdb, name, cfg, 3), newLimiter(t, rdb, name, cfg, 3), newLimiter(t, rdb, name, cfg, 3)
	r, err := a.Reserve(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r.Observe(&http.Response{StatusCode: 429, Header: http.Header{}})
	probe, err := b.Reserve(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 700*time.Millisecond {
		t.Fatalf("request admitted %s after a bare 429; the cooldown is at least 750ms", d)
	}
	// While the probe is out nobody else goes.
	short, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := c.Reserve(short, ""); err == nil {
		t.Fatal("a second request was admitted while the probe was out")
	}
	probe.Sent()
	probe.Observe(ok200())
	r3, err := c.Reserve(context.Background(), "")
	if err != nil {
		t.Fatalf("after the probe succeeded: %v", err)
	}
	r3.Observe(ok200())
	if s := a.Stats(); s.TooMany != 1 || s.Cooldowns != 1 {
		t.Errorf("Stats = %+v; want 1 429 and 1 cooldown", s)
	}
}

func TestLimiterForeignKeyTypeAndScriptFlush(t *testing.T) {
	ctx := context.Background()
	rdb := sharedRedis(t)
	cfg := ratelimit.Config{Windows: []ratelimit.Window{{Limit: 5, Per: time.Second}}}
	l := newLimiter(t, rdb, uniqueName(t), cfg, 1)
	rdb.ScriptFlush(ctx)
	r, err := l.Reserve(ctx, "")
	if err != nil {
		t.Fatalf("Reserve after SCRIPT FLUSH = %v", err)
	}
	r.Observe(ok200())
	key := l.buckets("", l.cfg.SettingsFor(ctx))[0].windowKey(l.keys, cfg.Windows[0])
	rdb.Del(ctx, key)
	rdb.Set(ctx, key, "x", time.Minute)
	_, err = l.Reserve(ctx, "")
	if err == nil || !strings.Contains(err.Error(), "another type") {
		t.Fatalf("Reserve with a string where a sorted set belongs = %v; want a wrong-type error", err)
	}
}

func TestNewLimiterBadConfig(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: closedAddr(t)})
	defer rdb.Close()
	for _, tc := range []struct {
		cfg  LimiterConfig
		want string
	}{
		{LimiterConfig{Name: "x"}, "Replicas"},
		{LimiterConfig{Replicas: 1}, "name is required"},
		{LimiterConfig{Name: "a}b", Replicas: 1}, "must not contain"},
		{LimiterConfig{Name: "x", Replicas: 1, Limits: ratelimit.Config{Windows: []ratelimit.Window{{Limit: 0, Per: time.Second}}}}, "limit 0"},
	} {
		if _, err := NewLimiter(rdb, tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewLimiter(%+v) = %v; want an error mentioning %q", tc.cfg, err, tc.want)
		}
	}
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Redis unreachable from the start: requests are still limited, at the
// fair share, and the warning is logged once.
func TestLimiterUnreachableFallsBackToShare(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: closedAddr(t), MaxRetries: -1})
	defer rdb.Close()
	var logs syncBuffer
	cfg := ratelimit.Config{Windows: []ratelimit.Window{{Limit: 8, Per: 400 * time.Millisecond}}}
	l, err := NewLimiter(rdb, LimiterConfig{Name: "down", Limits: cfg, Replicas: 4, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	var sends []time.Time
	deadline := time.Now().Add(1200 * time.Millisecond)
	for time.Now().Before(deadline) {
		r, err := l.Reserve(context.Background(), "")
		if err != nil {
			t.Fatal(err)
		}
		sends = append(sends, time.Now())
		r.Observe(ok200())
	}
	if got := maxInWindow(sends, 400*time.Millisecond); got > 2 {
		t.Errorf("%d sends within 400ms with Redis down; the share is 8/4 = 2", got)
	}
	if n := strings.Count(logs.String(), "Redis is unreachable"); n != 1 {
		t.Errorf("warning logged %d times, want once:\n%s", n, logs.String())
	}
}

// Redis unreachable: the fair share counts a request at its send time,
// not its admission. A request that waits for the CPU (or a slow write)
// after admission reaches the server later than it was admitted, and the
// next one must keep a window's distance from that arrival.
func TestLimiterUnreachableShareCountsSendTime(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: closedAddr(t), MaxRetries: -1})
	defer rdb.Close()
	const per = 400 * time.Millisecond
	cfg := ratelimit.Config{Windows: []ratelimit.Window{{Limit: 1, Per: per}}}
	l := newLimiter(t, rdb, "down-send-time", cfg, 1)
	first, err := l.Reserve(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // admitted, but sent only now
	first.Sent()
	sent := time.Now()
	first.Observe(ok200())
	second, err := l.Reserve(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer second.Observe(ok200())
	if gap := time.Since(sent); gap < per {
		t.Fatalf("second request admitted %v after the first was sent; the window is %v", gap.Round(time.Millisecond), per)
	}
}

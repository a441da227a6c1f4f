package ratelimit_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/apigen-go/apigen/runtime/clock"
	"github.com/apigen-go/apigen/runtime/ratelimit"
	"github.com/apigen-go/apigen/runtime/transport"
)

const day = 24 * time.Hour

// checkWindows fails the test when any interval of a window's length holds
// more than its limit in sends (sorted). Sliding windows: every run of
// Limit+1 consecutive sends must span at least Per+margin, which is the
// same as "no interval of length Per holds Limit+1 sends", with the margin
// on top. Fixed windows: each period, widened by the margin on both sides,
// holds at most Limit sends.
func checkWindows(t *testing.T, sends []time.Time, windows []ratelimit.Window, margin time.Duration) {
	t.Helper()
	if !slices.IsSortedFunc(sends, func(a, b time.Time) int { return a.Compare(b) }) {
		t.Fatal("send times not sorted")
	}
	for _, w := range windows {
		if w.Kind == ratelimit.Fixed && w.Anchor != "" {
			counts := map[int64]int{}
			for _, s := range sends {
				lo, hi := floorDiv(s.Add(-margin).UnixNano(), int64(w.Per)), floorDiv(s.Add(margin).UnixNano(), int64(w.Per))
				for k := lo; k <= hi; k++ {
					counts[k]++
					if counts[k] > w.Limit {
						t.Fatalf("fixed window %v: period starting %v holds %d sends", w, time.Unix(0, k*int64(w.Per)).UTC(), counts[k])
					}
				}
			}
			continue
		}
		for i := 0; i+w.Limit < len(sends); i++ {
			if gap := sends[i+w.Limit].Sub(sends[i]); gap < w.Per+margin {
				t.Fatalf("window %v: sends %d..%d (%v .. %v) span %v < %v + margin %v",
					w, i, i+w.Limit, sends[i], sends[i+w.Limit], gap, w.Per, margin)
			}
		}
	}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b < 0 {
		q--
	}
	return q
}

type schedule struct {
	name    string
	windows []ratelimit.Window
	margin  time.Duration // as configured (0 = default)
	n       int
	gap     time.Duration // typical gap between arrivals
}

func effMargin(m time.Duration) time.Duration {
	switch {
	case m == 0:
		return ratelimit.DefaultMargin
	case m < 0:
		return 0
	}
	return m
}

func sliding(limit int, per time.Duration) ratelimit.Window {
	return ratelimit.Window{Limit: limit, Per: per}
}

var schedules = []schedule{
	{name: "pdfgenerator 2/s+60/min", windows: []ratelimit.Window{sliding(2, time.Second), sliding(60, time.Minute)}, n: 400, gap: 400 * time.Millisecond},
	{name: "bank 10/s+5000/day", windows: []ratelimit.Window{sliding(10, time.Second), sliding(5000, day)}, n: 11000, gap: 60 * time.Millisecond},
	{name: "bank download 5/s+1500/day", windows: []ratelimit.Window{sliding(5, time.Second), sliding(1500, day)}, n: 3500, gap: 150 * time.Millisecond},
	{name: "segnivo 10000/h", windows: []ratelimit.Window{sliding(10000, time.Hour)}, n: 22000, gap: 200 * time.Millisecond},
	{name: "three windows no margin", windows: []ratelimit.Window{sliding(3, 100*time.Millisecond), sliding(7, time.Second), sliding(20, 10*time.Second)}, margin: -1, n: 300, gap: 200 * time.Millisecond},
	{name: "raynet fixed day", windows: []ratelimit.Window{{Limit: 40, Per: day, Kind: ratelimit.Fixed, Anchor: ratelimit.UTCMidnight}}, n: 300, gap: 20 * time.Minute},
	{name: "fixed minute+sliding second", windows: []ratelimit.Window{sliding(4, time.Second), {Limit: 30, Per: time.Minute, Kind: ratelimit.Fixed, Anchor: ratelimit.UTCMidnight}}, n: 600, gap: 500 * time.Millisecond},
	{name: "fixed without anchor is sliding", windows: []ratelimit.Window{{Limit: 5, Per: time.Second, Kind: ratelimit.Fixed}}, n: 200, gap: 100 * time.Millisecond},
}

// arrivals draws a bursty schedule: runs of back-to-back calls, ordinary
// gaps, and pauses long enough to let windows drain.
func arrivals(r *rand.Rand, n int, gap time.Duration) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		switch p := r.IntN(10); {
		case p < 4: // burst
		case p < 9:
			out[i] = time.Duration(r.Int64N(int64(2*gap) + 1))
		default:
			out[i] = time.Duration(r.Int64N(int64(200*gap) + 1))
		}
	}
	return out
}

func TestPropertyNoWindowExceeded(t *testing.T) {
	for _, sc := range schedules {
		t.Run(sc.name, func(t *testing.T) {
			seeds := 20
			if sc.n > 5000 {
				seeds = 3
			}
			for seed := range seeds {
				r := rand.New(rand.NewPCG(uint64(seed), 42))
				start := time.Date(2024, 3, 1, 23, 0, 0, 0, time.UTC).Add(time.Duration(r.Int64N(int64(day))))
				clk := clock.NewFake(start)
				l, err := ratelimit.New(ratelimit.Config{Windows: sc.windows, Margin: sc.margin, MaxWait: 10 * day, Clock: clk})
				if err != nil {
					t.Fatal(err)
				}
				var sends, ready []time.Time
				arrival := start
				for i, g := range arrivals(r, sc.n, sc.gap) {
					arrival = arrival.Add(g)
					if d := arrival.Sub(clk.Now()); d > 0 {
						clk.Advance(d)
					}
					ready = append(ready, clk.Now())
					if err := wait(l, context.Background(), ""); err != nil {
						t.Fatalf("seed %d request %d: %v", seed, i, err)
					}
					sends = append(sends, clk.Now())
				}
				checkWindows(t, sends, sc.windows, effMargin(sc.margin))
				if allSliding(sc.windows) {
					checkTight(t, sends, ready, sc.windows, effMargin(sc.margin))
				}
			}
		})
	}
}

func allSliding(ws []ratelimit.Window) bool {
	for _, w := range ws {
		if w.Kind == ratelimit.Fixed && w.Anchor != "" {
			return false
		}
	}
	return true
}

// checkTight verifies the limiter is never slower than it must be with
// sliding windows: each send happens exactly when it was ready or when the
// binding window allowed it (its Limit-th previous send + Per + margin),
// whichever is later.
func checkTight(t *testing.T, sends, ready []time.Time, windows []ratelimit.Window, margin time.Duration) {
	t.Helper()
	for i := range sends {
		want := ready[i]
		for _, w := range windows {
			if i >= w.Limit {
				if e := sends[i-w.Limit].Add(w.Per + margin); e.After(want) {
					want = e
				}
			}
		}
		if !sends[i].Equal(want) {
			t.Fatalf("send %d at %v, want %v (ready %v)", i, sends[i], want, ready[i])
		}
	}
}

// TestPropertyConcurrent runs many goroutines against shared global and
// route windows inside a synctest bubble (virtual time, real scheduling)
// and checks the recorded send times of every bucket.
func TestPropertyConcurrent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		global := []ratelimit.Window{sliding(4, time.Second), sliding(25, 10*time.Second)}
		routeWindows := []ratelimit.Window{sliding(2, time.Second), sliding(9, 10*time.Second)}
		special := []ratelimit.Window{sliding(1, time.Second)}
		gl, err := ratelimit.New(ratelimit.Config{Windows: global, MaxWait: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		rl, err := ratelimit.New(ratelimit.Config{
			Windows: routeWindows, Scope: ratelimit.Route, MaxWait: time.Hour,
			Operations: map[string]ratelimit.Override{"special": {Windows: special}},
		})
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		globalSends := []time.Time{}
		routeSends := map[string][]time.Time{}
		var wg sync.WaitGroup
		for g := range 24 {
			wg.Go(func() {
				r := rand.New(rand.NewPCG(uint64(g), 7))
				for i := range 6 {
					time.Sleep(time.Duration(r.IntN(3000)) * time.Millisecond)
					key := fmt.Sprintf("op%d", r.IntN(3))
					if r.IntN(4) == 0 {
						key = "special"
					}
					ctx := transport.WithOperation(context.Background(), &transport.Operation{ID: key, RateLimitKey: key})
					if err := wait(gl, ctx, key); err != nil {
						t.Errorf("goroutine %d call %d: %v", g, i, err)
						return
					}
					mu.Lock()
					globalSends = append(globalSends, time.Now())
					mu.Unlock()
					if err := wait(rl, ctx, key); err != nil {
						t.Errorf("goroutine %d call %d: %v", g, i, err)
						return
					}
					mu.Lock()
					routeSends[key] = append(routeSends[key], time.Now())
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		slices.SortFunc(globalSends, time.Time.Compare)
		if len(globalSends) != 24*6 {
			t.Fatalf("got %d global sends", len(globalSends))
		}
		checkWindows(t, globalSends, global, ratelimit.DefaultMargin)
		for key, sends := range routeSends {
			slices.SortFunc(sends, time.Time.Compare)
			ws := routeWindows
			if key == "special" {
				ws = special
			}
			checkWindows(t, sends, ws, ratelimit.DefaultMargin)
		}
		if len(routeSends) != 4 {
			t.Fatalf("route buckets used: %d, want 4", len(routeSends))
		}
	})
}

// TestConcurrentFakeClock hammers one limiter with the fake clock under the
// race detector: reservations must never overlap even when sleeps return at
// once.
func TestConcurrentFakeClock(t *testing.T) {
	clk := clock.NewFake(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	l, err := ratelimit.New(ratelimit.Config{Windows: []ratelimit.Window{sliding(3, time.Second)}, MaxWait: time.Hour, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for range 20 {
				if err := wait(l, context.Background(), ""); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	// 640 requests at 3 per 1.05 s need at least 213 window lengths.
	if got, min := clk.Now().Sub(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)), 212*(time.Second+ratelimit.DefaultMargin); got < min {
		t.Fatalf("fake time advanced %v, want at least %v", got, min)
	}
}

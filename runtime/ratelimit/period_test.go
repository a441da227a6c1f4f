package ratelimit_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/clock"
	"github.com/apigen-go/apigen/runtime/ratelimit"
)

// Answers of one reset period arrive out of order: they must not raise the
// server's count, whose resets differ slightly from answer to answer when
// they are sent as seconds from now. An answer of an older period says
// nothing about the current one.

// admitted counts the requests l admits at once, each answered without
// headers, until one is refused (MaxWait -1: nothing waits).
func admitted(t *testing.T, l ratelimit.Limiter) int {
	t.Helper()
	ctx := context.Background()
	for n := 0; n < 100; n++ {
		r, err := l.Reserve(ctx, "")
		if err != nil {
			quotaError(t, err)
			return n
		}
		r.Sent()
		r.Observe(&http.Response{StatusCode: 200, Header: http.Header{}})
	}
	t.Fatal("more than 100 requests admitted")
	return 0
}

// The server counted A, then B. B's answer ("2 left, reset in 10 s")
// arrives first; A's ("5 left, reset in 11 s", rounded up where B's was
// rounded down) comes 400 ms later: read on its arrival, its reset is
// 1.4 s later than B's. It is the same period: 2 are left, not 5.
func TestLateAnswerWithDeltaResetKeepsTheLowerCount(t *testing.T) {
	clk := clock.NewFake(t0)
	l := newLimiter(t, ratelimit.Config{
		Headers: []ratelimit.Headers{{Remaining: "R", Reset: "Reset", ResetUnit: ratelimit.DeltaSeconds}},
		MaxWait: -1, Clock: clk,
	})
	ctx := context.Background()
	a := mustWait(t, l, ctx, "")
	b := mustWait(t, l, ctx, "")
	b.Observe(&http.Response{StatusCode: 200, Header: hdr("R", "2", "Reset", "10")})
	clk.Advance(400 * time.Millisecond)
	a.Observe(&http.Response{StatusCode: 200, Header: hdr("R", "5", "Reset", "11")})
	if n := admitted(t, l); n != 2 {
		t.Fatalf("%d requests admitted after the answers; want the 2 the fresher answer left", n)
	}
}

// The same with the reset guessed from a small number (no ResetUnit) and
// 1 s of rounding: the late answer says 11 s where the first said 10.
func TestLateAnswerWithGuessedDeltaResetKeepsTheLowerCount(t *testing.T) {
	clk := clock.NewFake(t0)
	l := newLimiter(t, ratelimit.Config{
		Headers: []ratelimit.Headers{{Remaining: "R", Reset: "Reset"}},
		MaxWait: -1, Clock: clk,
	})
	ctx := context.Background()
	a := mustWait(t, l, ctx, "")
	b := mustWait(t, l, ctx, "")
	b.Observe(&http.Response{StatusCode: 200, Header: hdr("R", "2", "Reset", "10")})
	a.Observe(&http.Response{StatusCode: 200, Header: hdr("R", "5", "Reset", "11")})
	if n := admitted(t, l); n != 2 {
		t.Fatalf("%d requests admitted after the answers; want the 2 the fresher answer left", n)
	}
}

// B was counted in a new period (1 left until its reset in a minute); A,
// counted before the old period ended, arrives after it with that
// period's count and reset (4 left, reset in 2 s). A is ignored.
func TestAnswerOfAnOlderPeriodIgnored(t *testing.T) {
	for _, unit := range []ratelimit.ResetUnit{ratelimit.DeltaSeconds, ratelimit.EpochSeconds} {
		t.Run(string(unit), func(t *testing.T) {
			clk := clock.NewFake(t0)
			l := newLimiter(t, ratelimit.Config{
				Headers: []ratelimit.Headers{{Remaining: "R", Reset: "Reset", ResetUnit: unit}},
				MaxWait: -1, Clock: clk,
			})
			reset := func(d time.Duration) string {
				if unit == ratelimit.DeltaSeconds {
					return strconv.FormatInt(int64(d/time.Second), 10)
				}
				return strconv.FormatInt(t0.Add(d).Unix(), 10)
			}
			ctx := context.Background()
			a := mustWait(t, l, ctx, "")
			b := mustWait(t, l, ctx, "")
			b.Observe(&http.Response{StatusCode: 200, Header: hdr("R", "1", "Reset", reset(time.Minute))})
			a.Observe(&http.Response{StatusCode: 200, Header: hdr("R", "4", "Reset", reset(2*time.Second))})
			if n := admitted(t, l); n != 1 {
				t.Fatalf("%d requests admitted after the answers; want the 1 the newer period left", n)
			}
		})
	}
}

// Without a reset header the count holds for Per from its answer: a late
// answer's Per starts later, yet it is the same stretch of the server's
// count and must not raise it.
func TestLateAnswerWithoutResetKeepsTheLowerCount(t *testing.T) {
	clk := clock.NewFake(t0)
	l := newLimiter(t, ratelimit.Config{
		Headers: []ratelimit.Headers{{Remaining: "R", Per: time.Minute}},
		MaxWait: -1, Clock: clk,
	})
	ctx := context.Background()
	a := mustWait(t, l, ctx, "")
	b := mustWait(t, l, ctx, "")
	b.Observe(&http.Response{StatusCode: 200, Header: hdr("R", "2")})
	clk.Advance(300 * time.Millisecond)
	a.Observe(&http.Response{StatusCode: 200, Header: hdr("R", "5")})
	if n := admitted(t, l); n != 2 {
		t.Fatalf("%d requests admitted after the answers; want the 2 the fresher answer left", n)
	}
}

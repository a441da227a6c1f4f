package redisstore

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigen-go/apigen/internal/fakes/deltareset"
	"github.com/apigen-go/apigen/runtime/ratelimit"
)

// Answers of one reset period arrive out of order: they must not raise the
// shared count, whose resets differ slightly from answer to answer when
// they are sent as seconds from now. An answer of an older period says
// nothing about the current one. (ratelimit's period_test.go)

// admittedNow counts the requests l admits at once, each answered without
// headers, until one is refused (MaxWait -1: nothing waits).
func admittedNow(t *testing.T, l *Limiter) int {
	t.Helper()
	for n := 0; n < 100; n++ {
		r, err := l.Reserve(context.Background(), "")
		if err != nil {
			quotaErr(t, err)
			return n
		}
		r.Sent()
		r.Observe(ok200())
	}
	t.Fatal("more than 100 requests admitted")
	return 0
}

// The server counted A, then B. B's answer ("2 left, reset in 10 s")
// arrives first; A's ("5 left, reset in 11 s": rounded the other way, or
// late) after it. It is the same period: 2 are left, not 5.
func TestLimiterLateAnswerWithDeltaResetKeepsTheLowerCount(t *testing.T) {
	rdb := sharedRedis(t)
	l := newLimiter(t, rdb, uniqueName(t), ratelimit.Config{Headers: budgetHeaders, MaxWait: -1}, 1)
	a := reserveSent(t, l)
	b := reserveSent(t, l)
	b.Observe(budgetResponse("R", "2", "Reset", "10"))
	a.Observe(budgetResponse("R", "5", "Reset", "11"))
	if n := admittedNow(t, l); n != 2 {
		t.Fatalf("%d requests admitted after the answers; want the 2 the fresher answer left", n)
	}
}

// B was counted in a new period (1 left until its reset in a minute); A,
// counted before the old period ended, arrives after it with that
// period's count and reset (4 left, reset in 2 s). A is ignored.
func TestLimiterAnswerOfAnOlderPeriodIgnored(t *testing.T) {
	for _, unit := range []ratelimit.ResetUnit{ratelimit.DeltaSeconds, ratelimit.EpochSeconds} {
		t.Run(string(unit), func(t *testing.T) {
			rdb := sharedRedis(t)
			cfg := ratelimit.Config{Headers: []ratelimit.Headers{{Remaining: "R", Reset: "Reset", ResetUnit: unit}}, MaxWait: -1}
			l := newLimiter(t, rdb, uniqueName(t), cfg, 1)
			start := time.Now()
			reset := func(d time.Duration) string {
				if unit == ratelimit.DeltaSeconds {
					return strconv.FormatInt(int64(d/time.Second), 10)
				}
				return strconv.FormatInt(start.Add(d).Unix(), 10)
			}
			a := reserveSent(t, l)
			b := reserveSent(t, l)
			b.Observe(budgetResponse("R", "1", "Reset", reset(time.Minute)))
			a.Observe(budgetResponse("R", "4", "Reset", reset(3*time.Second)))
			if n := admittedNow(t, l); n != 1 {
				t.Fatalf("%d requests admitted after the answers; want the 1 the newer period left", n)
			}
		})
	}
}

// Without a reset header the count holds for Per from its answer: a late
// answer's Per starts later, yet it is the same stretch of the server's
// count and must not raise it.
func TestLimiterLateAnswerWithoutResetKeepsTheLowerCount(t *testing.T) {
	rdb := sharedRedis(t)
	cfg := ratelimit.Config{Headers: []ratelimit.Headers{{Remaining: "R", Per: time.Minute}}, MaxWait: -1}
	l := newLimiter(t, rdb, uniqueName(t), cfg, 1)
	a := reserveSent(t, l)
	b := reserveSent(t, l)
	b.Observe(budgetResponse("R", "2"))
	time.Sleep(300 * time.Millisecond)
	a.Observe(budgetResponse("R", "5"))
	if n := admittedNow(t, l); n != 2 {
		t.Fatalf("%d requests admitted after the answers; want the 2 the fresher answer left", n)
	}
}

// Real time, real HTTP, two processes' Limiters on one Redis: 8 calls
// left, reset sent as seconds from now, 15 calls from 5 callers taking
// the two in turn, answers delayed at random on both sides of the
// server's count, 10 rounds. Late answers carry higher counts and resets
// a little later than the fresher ones already heard: believed, they let
// through what the server refuses. No call may get a 429, and the quota
// is used to its last call. (ratelimit's
// TestDeltaResetOutOfOrderAnswersNever429)
func TestLimiterSharedDeltaResetOutOfOrderAnswersNever429(t *testing.T) {
	rdb := sharedRedis(t)
	const rounds, left, calls, callers = 10, 8, 15, 5
	cfg := ratelimit.Config{
		Headers: deltareset.Headers,
		MaxWait: time.Second,
	}
	var sent, tooMany int
	for range rounds {
		name := uniqueName(t)
		var clients []*http.Client
		for range 2 {
			l := newLimiter(t, rdb, name, cfg, 2)
			clients = append(clients, &http.Client{Transport: ratelimit.Middleware(l)(http.DefaultTransport)})
		}
		srv := deltareset.New(left, 20*time.Millisecond)
		hs := httptest.NewServer(srv)
		call := func(c *http.Client) {
			req, _ := http.NewRequest(http.MethodGet, hs.URL, nil)
			resp, err := c.Do(req)
			var qe *ratelimit.QuotaExhaustedError
			switch {
			case err == nil:
				resp.Body.Close()
			case !errors.As(err, &qe):
				t.Errorf("call failed: %v", err)
			}
		}
		call(clients[0]) // tells the budget
		var next atomic.Int64
		var wg sync.WaitGroup
		for range callers {
			wg.Go(func() {
				for i := next.Add(1); i < calls; i = next.Add(1) {
					call(clients[i%2])
				}
			})
		}
		wg.Wait()
		hs.Close()
		ok, n := srv.Counts()
		sent, tooMany = sent+ok, tooMany+n
	}
	if tooMany != 0 || sent != rounds*left {
		t.Errorf("over %d rounds the server counted %d requests and answered %d × 429; want %d and none",
			rounds, sent, tooMany, rounds*left)
	}
}

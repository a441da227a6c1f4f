package ratelimit_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigen-go/apigen/internal/fakes/deltareset"
	"github.com/apigen-go/apigen/runtime/ratelimit"
)

// spendDeltaQuota makes calls through clients (taken in turn) against a
// deltareset.Server with left requests: one first, which tells the budget, then
// the rest from callers goroutines at once. Every call must be answered
// 200 or refused with a *QuotaExhaustedError.
func spendDeltaQuota(t *testing.T, srv *deltareset.Server, clients []*http.Client, calls, callers int) {
	t.Helper()
	hs := httptest.NewServer(srv)
	defer hs.Close()
	call := func(c *http.Client) error {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, hs.URL, nil)
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusTooManyRequests {
			return errors.New(resp.Status)
		}
		return nil
	}
	check := func(err error) {
		var qe *ratelimit.QuotaExhaustedError
		if err != nil && !errors.As(err, &qe) {
			t.Errorf("call failed: %v", err)
		}
	}
	check(call(clients[0]))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			for i := next.Add(1); i < int64(calls); i = next.Add(1) {
				check(call(clients[int(i)%len(clients)]))
			}
		})
	}
	wg.Wait()
}

// Real time, real HTTP: 8 calls left, reset sent as seconds from now, 15
// calls from 5 callers, answers delayed at random on both sides of the
// server's count, 10 rounds. Late answers carry higher counts and resets
// a little later than the fresher ones already heard: believed, they let
// through what the server refuses. No call may get a 429, and the quota is
// used to its last call.
func TestDeltaResetOutOfOrderAnswersNever429(t *testing.T) {
	const rounds, left, calls, callers = 10, 8, 15, 5
	var sent, tooMany int
	for range rounds {
		l, err := ratelimit.New(ratelimit.Config{Headers: deltareset.Headers, MaxWait: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		c := &http.Client{Transport: ratelimit.Middleware(l)(http.DefaultTransport)}
		srv := deltareset.New(left, 20*time.Millisecond)
		spendDeltaQuota(t, srv, []*http.Client{c}, calls, callers)
		ok, n := srv.Counts()
		sent, tooMany = sent+ok, tooMany+n
	}
	if tooMany != 0 || sent != rounds*left {
		t.Errorf("over %d rounds the server counted %d requests and answered %d × 429; want %d and none",
			rounds, sent, tooMany, rounds*left)
	}
}

package ratelimit_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/apigen-go/apigen/runtime/clock"
	"github.com/apigen-go/apigen/runtime/ratelimit"
	"github.com/apigen-go/apigen/runtime/transport"
)

// raynet is the header mapping of RAYNET CRM (PROVIDERS §1.3): a daily
// quota per instance, reset at UTC midnight, in epoch seconds.
func raynetConfig(clk clock.Clock, maxWait time.Duration) ratelimit.Config {
	return ratelimit.Config{
		Windows: []ratelimit.Window{{Limit: 24000, Per: day, Kind: ratelimit.Fixed, Anchor: ratelimit.UTCMidnight}},
		Headers: []ratelimit.Headers{{
			Limit: "X-Ratelimit-Limit", Remaining: "X-Ratelimit-Remaining", Reset: "X-Ratelimit-Reset",
			ResetUnit: ratelimit.EpochSeconds, Per: day,
		}},
		MaxWait: maxWait,
		Clock:   clk,
	}
}

func TestRaynetQuota(t *testing.T) {
	for _, tc := range []struct {
		name     string
		untilRst time.Duration
		status   int
		wantWait bool
	}{
		{"reset minutes away: wait", 5 * time.Minute, 200, true},
		{"reset hours away: fail at once", 5 * time.Hour, 200, false},
		{"429 RequestLimitReached, hours away: fail at once", 5 * time.Hour, 429, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Date(2017, 10, 24, 19, 0, 0, 0, time.UTC)
			reset := start.Add(tc.untilRst)
			clk := clock.NewFake(start)
			srv := &server{clk: clk}
			srv.answer = func(_ *http.Request, now time.Time) (int, http.Header) {
				h := hdr("X-Ratelimit-Limit", "24000", "X-Ratelimit-Remaining", "0",
					"X-Ratelimit-Reset", strconv.FormatInt(reset.Unix(), 10))
				if now.Before(reset) {
					return tc.status, h
				}
				h.Set("X-Ratelimit-Remaining", "23999")
				return 200, h
			}
			rt := &ratelimit.Transport{Limiter: newLimiter(t, raynetConfig(clk, 10*time.Minute)), Base: srv}
			mustGet(t, rt, nil) // learns: nothing left until reset
			_, err := get(t, rt, nil)
			if tc.wantWait {
				if err != nil {
					t.Fatal(err)
				}
				if want := reset.Add(ratelimit.DefaultMargin); !clk.Now().Equal(want) {
					t.Fatalf("sent at %v, want %v", clk.Now(), want)
				}
				return
			}
			qe := quotaError(t, err)
			if !qe.ResetAt.Equal(reset) {
				t.Errorf("ResetAt = %v, want %v", qe.ResetAt, reset)
			}
			if !clk.Now().Equal(start) || srv.count() != 1 {
				t.Errorf("waited until %v / sent %d: must fail at once without sending", clk.Now(), srv.count())
			}
		})
	}
}

// TestBankSecondAndDayHeaders follows the Premium API's per-operation
// -Second and -Day headers, which carry no reset (PROVIDERS §8.3).
func TestBankSecondAndDayHeaders(t *testing.T) {
	clk := clock.NewFake(t0)
	remSecond, remDay := "9", "4000"
	srv := &server{clk: clk, answer: func(*http.Request, time.Time) (int, http.Header) {
		return 200, hdr("X-RateLimit-Limit-Second", "10", "X-RateLimit-Remaining-Second", remSecond,
			"X-RateLimit-Limit-Day", "5000", "X-RateLimit-Remaining-Day", remDay)
	}}
	l := newLimiter(t, ratelimit.Config{
		Windows: []ratelimit.Window{{Limit: 10, Per: time.Second}, {Limit: 5000, Per: day}},
		Scope:   ratelimit.Route,
		Headers: []ratelimit.Headers{
			{Limit: "X-RateLimit-Limit-Second", Remaining: "X-RateLimit-Remaining-Second", Per: time.Second},
			{Limit: "X-RateLimit-Limit-Day", Remaining: "X-RateLimit-Remaining-Day", Per: day},
		},
		Clock: clk,
	})
	rt := &ratelimit.Transport{Limiter: l, Base: srv}
	accounts := &transport.Operation{ID: "getAccounts", Method: "GET", PathTemplate: "/accounts"}
	payments := &transport.Operation{ID: "getPayments", Method: "GET", PathTemplate: "/payments"}

	remSecond = "0" // other clients used this second up
	mustGet(t, rt, accounts)
	mustGet(t, rt, accounts)
	if want := t0.Add(time.Second + ratelimit.DefaultMargin); !clk.Now().Equal(want) {
		t.Fatalf("per-second 0: next call at %v, want %v", clk.Now(), want)
	}
	before := clk.Now()
	mustGet(t, rt, payments) // another operation, another bucket
	if !clk.Now().Equal(before) {
		t.Fatal("other operation waited")
	}
	// That answer said 0 for the second too, so the next payments call
	// waits a second; its answer says the day is used up.
	remSecond, remDay = "9", "0"
	mustGet(t, rt, payments)
	if want := before.Add(time.Second + ratelimit.DefaultMargin); !clk.Now().Equal(want) {
		t.Fatalf("payments call at %v, want %v", clk.Now(), want)
	}
	// The day's count is sliding: the first slot frees when the oldest
	// request the server counted, our first payments call, leaves it.
	_, err := get(t, rt, payments)
	qe := quotaError(t, err)
	if qe.Scope != ratelimit.Route || qe.Key != "GET /payments" || !qe.ResetAt.Equal(before.Add(day)) {
		t.Fatalf("day exhausted: %+v (want reset %v)", qe, before.Add(day))
	}
}

// TestLaunchDarklyGlobalAndRoute maps LaunchDarkly's two counters with one
// reset header in epoch milliseconds (PROVIDERS §3.6).
func TestLaunchDarklyGlobalAndRoute(t *testing.T) {
	clk := clock.NewFake(t0)
	reset := t0.Add(8 * time.Second)
	global, route := "50", "0"
	srv := &server{clk: clk, answer: func(*http.Request, time.Time) (int, http.Header) {
		return 200, hdr("X-Ratelimit-Global-Remaining", global, "X-Ratelimit-Route-Remaining", route,
			"X-Ratelimit-Reset", strconv.FormatInt(reset.UnixMilli(), 10))
	}}
	l := newLimiter(t, ratelimit.Config{
		Headers: []ratelimit.Headers{
			{Remaining: "X-Ratelimit-Global-Remaining", Reset: "X-Ratelimit-Reset", ResetUnit: ratelimit.EpochMillis, Scope: ratelimit.Global},
			{Remaining: "X-Ratelimit-Route-Remaining", Reset: "X-Ratelimit-Reset", ResetUnit: ratelimit.EpochMillis, Scope: ratelimit.Route},
		},
		MaxWait: -1,
		Clock:   clk,
	})
	rt := &ratelimit.Transport{Limiter: l, Base: srv}
	patch := &transport.Operation{ID: "patchFeatureFlag", Method: "PATCH", PathTemplate: "/flags/{projectKey}/{featureFlagKey}"}
	list := &transport.Operation{ID: "getFeatureFlags", Method: "GET", PathTemplate: "/flags/{projectKey}"}
	mustGet(t, rt, patch)
	if _, err := get(t, rt, patch); err == nil {
		t.Fatal("route exhausted but sent")
	}
	route = "10"
	mustGet(t, rt, list)
	global = "0"
	mustGet(t, rt, list)
	_, err := get(t, rt, list)
	if qe := quotaError(t, err); qe.Scope != ratelimit.Global || !qe.ResetAt.Equal(reset) {
		t.Fatalf("global exhausted: %+v", qe)
	}
}

// pipeNet is an in-memory network for synctest bubbles: net.Pipe
// connections block durably, so virtual time advances while a request is
// in flight, which loopback sockets would not allow.
type pipeNet struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newPipeNet() *pipeNet {
	return &pipeNet{conns: make(chan net.Conn), done: make(chan struct{})}
}

func (p *pipeNet) Accept() (net.Conn, error) {
	select {
	case c := <-p.conns:
		return c, nil
	case <-p.done:
		return nil, net.ErrClosed
	}
}

func (p *pipeNet) Close() error {
	p.once.Do(func() { close(p.done) })
	return nil
}

func (p *pipeNet) Addr() net.Addr { return pipeAddr{} }

func (p *pipeNet) DialContext(ctx context.Context, _, _ string) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case p.conns <- server:
		return client, nil
	case <-p.done:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

// pdfGenerator enforces PDF Generator API's IP limits (PROVIDERS §2.3):
// 2 per second and 60 per minute, sliding, answering 429 beyond them.
type pdfGenerator struct {
	mu       sync.Mutex
	accepted []time.Time
	refused  int
}

func (f *pdfGenerator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	inLast := func(d time.Duration) int {
		n := 0
		for _, a := range f.accepted {
			if now.Sub(a) < d {
				n++
			}
		}
		return n
	}
	if inLast(time.Second) >= 2 || inLast(time.Minute) >= 60 {
		f.refused++
		w.Header().Set("Retry-After", "1")
		http.Error(w, `{"error":"You can make up to 2 requests per second and 60 requests per minute.","status":429}`, http.StatusTooManyRequests)
		return
	}
	f.accepted = append(f.accepted, now)
	w.Header().Set("X-RateLimit-Limit", "60")
	w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(60-inLast(time.Minute)))
	fmt.Fprint(w, `{"response":"ok"}`)
}

func TestPDFGeneratorBurstNo429(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := &pdfGenerator{}
		pn := newPipeNet()
		srv := &http.Server{Handler: fake}
		go srv.Serve(pn)
		base := &http.Transport{DialContext: pn.DialContext, MaxIdleConnsPerHost: 200}
		l := newLimiter(t, ratelimit.Config{
			Windows: []ratelimit.Window{{Limit: 2, Per: time.Second}, {Limit: 60, Per: time.Minute}},
			Headers: []ratelimit.Headers{{Limit: "X-RateLimit-Limit", Remaining: "X-RateLimit-Remaining", Per: time.Minute}},
			MaxWait: 5 * time.Minute,
		})
		client := &http.Client{Transport: transport.Chain(base, ratelimit.Middleware(l))}
		start := time.Now()

		const calls = 150
		var wg sync.WaitGroup
		statuses := make([]int, calls)
		for i := range calls {
			wg.Go(func() {
				ctx := transport.WithOperation(context.Background(), &transport.Operation{ID: "mergeTemplate", Method: "POST", PathTemplate: "/templates/{id}/output"})
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://pdfgenerator.test/templates/1/output", nil)
				resp, err := client.Do(req)
				if err != nil {
					t.Errorf("call %d: %v", i, err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				statuses[i] = resp.StatusCode
			})
		}
		wg.Wait()
		elapsed := time.Since(start)
		base.CloseIdleConnections()
		srv.Close()

		fake.mu.Lock()
		defer fake.mu.Unlock()
		if fake.refused != 0 {
			t.Errorf("server refused %d requests with 429", fake.refused)
		}
		for i, s := range statuses {
			if s != http.StatusOK {
				t.Errorf("call %d: status %d", i, s)
			}
		}
		accepted := slices.Clone(fake.accepted)
		checkWindows(t, accepted, []ratelimit.Window{{Limit: 2, Per: time.Second}, {Limit: 60, Per: time.Minute}}, ratelimit.DefaultMargin)
		// 150 calls at 60 a minute need just over two minutes, and the
		// limiter should not need much more.
		if elapsed < 2*time.Minute || elapsed > 2*time.Minute+30*time.Second {
			t.Errorf("burst took %v of virtual time", elapsed)
		}
		t.Logf("150 calls in %v virtual time, 0 refused", elapsed)
	})
}

package ratelimit_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/clock"
	"github.com/apigen-go/apigen/runtime/ratelimit"
	"github.com/apigen-go/apigen/runtime/transport"
)

// server is a scripted RoundTripper: answer decides each response from the
// request and the (fake) time it was sent.
type server struct {
	clk    clock.Clock
	answer func(req *http.Request, now time.Time) (status int, hdr http.Header)

	mu    sync.Mutex
	sends []time.Time
}

func (s *server) RoundTrip(req *http.Request) (*http.Response, error) {
	now := s.clk.Now()
	s.mu.Lock()
	s.sends = append(s.sends, now)
	status, hdr := http.StatusOK, http.Header{}
	if s.answer != nil {
		status, hdr = s.answer(req, now)
	}
	s.mu.Unlock()
	if req.Body != nil {
		req.Body.Close()
	}
	return &http.Response{StatusCode: status, Header: hdr, Body: io.NopCloser(strings.NewReader("")), Request: req}, nil
}

func (s *server) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sends)
}

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

func get(t *testing.T, rt http.RoundTripper, op *transport.Operation) (*http.Response, error) {
	t.Helper()
	ctx := context.Background()
	path := "/"
	if op != nil {
		ctx = transport.WithOperation(ctx, op)
		path = op.PathTemplate
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://api.example.test"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := rt.RoundTrip(req)
	if resp != nil {
		resp.Body.Close()
	}
	return resp, err
}

func mustGet(t *testing.T, rt http.RoundTripper, op *transport.Operation) *http.Response {
	t.Helper()
	resp, err := get(t, rt, op)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

var t0 = time.Date(2024, 6, 3, 12, 0, 0, 0, time.UTC)

func TestResetUnits(t *testing.T) {
	reset := t0.Add(30 * time.Second)
	for _, tc := range []struct {
		unit  ratelimit.ResetUnit
		value string
	}{
		{ratelimit.EpochSeconds, strconv.FormatInt(reset.Unix(), 10)},
		{ratelimit.EpochMillis, strconv.FormatInt(reset.UnixMilli(), 10)},
		{ratelimit.DeltaSeconds, "30"},
		{"", strconv.FormatInt(reset.Unix(), 10)},      // guessed: seconds
		{"", strconv.FormatInt(reset.UnixMilli(), 10)}, // guessed: milliseconds
		{"", "30"}, // guessed: delta
	} {
		t.Run(string(tc.unit)+"="+tc.value, func(t *testing.T) {
			clk := clock.NewFake(t0)
			srv := &server{clk: clk, answer: func(_ *http.Request, now time.Time) (int, http.Header) {
				if now.Before(reset) {
					return 200, hdr("X-RateLimit-Remaining", "0", "X-RateLimit-Reset", tc.value)
				}
				return 200, nil
			}}
			l := newLimiter(t, ratelimit.Config{
				Headers: []ratelimit.Headers{{Remaining: "X-RateLimit-Remaining", Reset: "X-RateLimit-Reset", ResetUnit: tc.unit}},
				Clock:   clk,
			})
			rt := &ratelimit.Transport{Limiter: l, Base: srv}
			mustGet(t, rt, nil)
			mustGet(t, rt, nil)
			if want := reset.Add(ratelimit.DefaultMargin); !clk.Now().Equal(want) {
				t.Fatalf("second request at %v, want %v", clk.Now(), want)
			}
		})
	}
}

func TestRemainingBudget(t *testing.T) {
	// The server allows 4 until the reset and says what is left; after two
	// calls it goes silent. Two more go at once, the fifth waits for the
	// reset: nothing is sent that the server would refuse.
	clk := clock.NewFake(t0)
	reset := t0.Add(20 * time.Second)
	srv := &server{clk: clk}
	srv.answer = func(_ *http.Request, now time.Time) (int, http.Header) {
		n := len(srv.sends) // the fake holds its lock while answering
		if n > 2 {
			return 200, nil
		}
		return 200, hdr("X-RateLimit-Remaining", strconv.Itoa(4-n), "X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	}
	l := newLimiter(t, ratelimit.Config{
		Headers: []ratelimit.Headers{{Remaining: "X-RateLimit-Remaining", Reset: "X-RateLimit-Reset", ResetUnit: ratelimit.EpochSeconds}},
		Clock:   clk,
	})
	rt := &ratelimit.Transport{Limiter: l, Base: srv}
	for range 4 {
		mustGet(t, rt, nil)
	}
	if !clk.Now().Equal(t0) {
		t.Fatalf("waited within the budget, until %v", clk.Now())
	}
	mustGet(t, rt, nil)
	if want := reset.Add(ratelimit.DefaultMargin); !clk.Now().Equal(want) {
		t.Fatalf("fifth call at %v, want %v", clk.Now(), want)
	}
	if srv.count() != 5 {
		t.Fatalf("sent %d", srv.count())
	}
}

func TestInflightRequestsComeOffTheBudget(t *testing.T) {
	// A response saying "1 left" arrives while another request is in
	// flight: that one may not be counted yet, so nothing is surely left
	// and a third request waits for its answer; the answer says the
	// server had not counted it (0 left): the third fails at once.
	clk := clock.NewFake(t0)
	reset := t0.Add(10 * time.Second)
	l := newLimiter(t, ratelimit.Config{
		Headers: []ratelimit.Headers{{Remaining: "R", Reset: "Reset", ResetUnit: ratelimit.DeltaSeconds}},
		MaxWait: -1, Clock: clk,
	})
	ctx := context.Background()
	a := mustWait(t, l, ctx, "") // A
	b := mustWait(t, l, ctx, "") // B, still in flight when A's response comes
	a.Observe(&http.Response{StatusCode: 200, Header: hdr("R", "1", "Reset", "10")})
	third := make(chan error, 1)
	go func() { third <- wait(l, ctx, "") }()
	select {
	case err := <-third:
		t.Fatalf("third request before B's answer: %v, want it to wait", err)
	case <-time.After(50 * time.Millisecond):
	}
	b.Observe(&http.Response{StatusCode: 200, Header: hdr("R", "0", "Reset", "10")})
	qe := quotaError(t, <-third)
	if !qe.ResetAt.Equal(reset) || !strings.Contains(qe.Reason, "R count") {
		t.Fatalf("error %+v", qe)
	}
}

func TestInflightRequestsCountedAlreadyComeBack(t *testing.T) {
	// The server had counted B when it answered A ("1 left" with B in
	// flight): B's answer says 1 too, so one more request may go. The
	// client must not refuse it (a daily quota is not given back).
	clk := clock.NewFake(t0)
	l := newLimiter(t, ratelimit.Config{
		Headers: []ratelimit.Headers{{Remaining: "R", Reset: "Reset", ResetUnit: ratelimit.DeltaSeconds}},
		MaxWait: -1, Clock: clk,
	})
	ctx := context.Background()
	a := mustWait(t, l, ctx, "")
	b := mustWait(t, l, ctx, "")
	a.Observe(&http.Response{StatusCode: 200, Header: hdr("R", "1", "Reset", "10")})
	third := make(chan error, 1)
	go func() { third <- wait(l, ctx, "") }()
	b.Observe(&http.Response{StatusCode: 200, Header: hdr("R", "1", "Reset", "10")})
	if err := <-third; err != nil {
		t.Fatalf("third request after B's answer said 1 left: %v", err)
	}
	if !clk.Now().Equal(t0) {
		t.Fatalf("third request waited until %v", clk.Now())
	}
	// That was the last: a fourth fails at once, nothing being in flight
	// that could still give one back.
	quotaError(t, wait(l, ctx, ""))
}

func TestTransportErrorEndsInflight(t *testing.T) {
	// A request that got no response is no longer in flight: a later
	// "1 left" must not be reduced by it.
	clk := clock.NewFake(t0)
	l := newLimiter(t, ratelimit.Config{
		Headers: []ratelimit.Headers{{Remaining: "R", Reset: "Reset", ResetUnit: ratelimit.DeltaSeconds}},
		MaxWait: -1, Clock: clk,
	})
	ctx := context.Background()
	mustWait(t, l, ctx, "").Observe(nil)
	mustWait(t, l, ctx, "").Observe(&http.Response{StatusCode: 200, Header: hdr("R", "1", "Reset", "10")})
	mustWait(t, l, ctx, "")
	quotaError(t, wait(l, ctx, ""))
}

func TestRouteAndGlobalScope(t *testing.T) {
	opA := &transport.Operation{ID: "getFlag", Method: "GET", PathTemplate: "/flags/{key}"}
	opB := &transport.Operation{ID: "listFlags", Method: "GET", PathTemplate: "/flags"}
	for _, tc := range []struct {
		scope     ratelimit.Scope
		bBlocked  bool
		wantScope ratelimit.Scope
	}{
		{ratelimit.Route, false, ratelimit.Route},
		{ratelimit.Global, true, ratelimit.Global},
	} {
		t.Run(string(tc.scope), func(t *testing.T) {
			clk := clock.NewFake(t0)
			srv := &server{clk: clk, answer: func(req *http.Request, now time.Time) (int, http.Header) {
				if transport.OperationFrom(req.Context()) == opA {
					return 200, hdr("X-Remaining", "0", "X-Reset", "5")
				}
				return 200, nil
			}}
			l := newLimiter(t, ratelimit.Config{
				Headers: []ratelimit.Headers{{Remaining: "X-Remaining", Reset: "X-Reset", ResetUnit: ratelimit.DeltaSeconds, Scope: tc.scope}},
				MaxWait: -1, Clock: clk,
			})
			rt := &ratelimit.Transport{Limiter: l, Base: srv}
			mustGet(t, rt, opA)
			_, err := get(t, rt, opA)
			if qe := quotaError(t, err); qe.Scope != tc.wantScope || qe.Key != "GET /flags/{key}" {
				t.Fatalf("A: %+v", qe)
			}
			_, err = get(t, rt, opB)
			if tc.bBlocked != (err != nil) {
				t.Fatalf("B blocked = %v, want %v", err, tc.bBlocked)
			}
			if srv.count() != 1+btoi(!tc.bBlocked) {
				t.Fatalf("sent %d requests", srv.count())
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestRetryAfterBlocksBucket(t *testing.T) {
	for _, tc := range []struct {
		name  string
		value func(now time.Time) string
		wait  time.Duration
	}{
		{"seconds", func(time.Time) string { return "7" }, 7 * time.Second},
		{"http-date", func(now time.Time) string { return now.Add(9 * time.Second).Format(http.TimeFormat) }, 9 * time.Second},
		{"date in the past", func(now time.Time) string { return now.Add(-time.Hour).Format(http.TimeFormat) }, 0},
		// Unreadable: a 429 without instructions, so the backoff from 1 s.
		{"garbage", func(time.Time) string { return "soon" }, time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := clock.NewFake(t0)
			first := true
			srv := &server{clk: clk, answer: func(_ *http.Request, now time.Time) (int, http.Header) {
				if first {
					first = false
					return http.StatusTooManyRequests, hdr("Retry-After", tc.value(now))
				}
				return 200, nil
			}}
			// The zero Config still honours Retry-After.
			rt := &ratelimit.Transport{Limiter: newLimiter(t, ratelimit.Config{Clock: clk}), Base: srv}
			if resp := mustGet(t, rt, nil); resp.StatusCode != 429 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			mustGet(t, rt, nil)
			want := t0.Add(tc.wait + ratelimit.DefaultMargin)
			if got := clk.Now(); got.Before(want) || tc.name != "garbage" && !got.Equal(want) || got.After(want.Add(tc.wait/2)) {
				t.Fatalf("second request at %v, want %v", got, want)
			}
		})
	}
}

func TestRetryAfterBeyondMaxWait(t *testing.T) {
	clk := clock.NewFake(t0)
	srv := &server{clk: clk, answer: func(*http.Request, time.Time) (int, http.Header) {
		return 429, hdr("Retry-After", "3600")
	}}
	rt := &ratelimit.Transport{Limiter: newLimiter(t, ratelimit.Config{Clock: clk}), Base: srv}
	mustGet(t, rt, nil)
	_, err := get(t, rt, nil)
	qe := quotaError(t, err)
	if want := t0.Add(time.Hour); !qe.ResetAt.Equal(want) || !strings.Contains(err.Error(), "Retry-After") {
		t.Fatalf("error %v (ResetAt %v)", err, qe.ResetAt)
	}
	if srv.count() != 1 {
		t.Fatalf("sent %d requests, want 1", srv.count())
	}
}

func Test429WithResetButNoRemaining(t *testing.T) {
	clk := clock.NewFake(t0)
	srv := &server{clk: clk, answer: func(*http.Request, time.Time) (int, http.Header) {
		return 429, hdr("X-Reset", "12")
	}}
	l := newLimiter(t, ratelimit.Config{
		Headers: []ratelimit.Headers{{Remaining: "X-Remaining", Reset: "X-Reset", ResetUnit: ratelimit.DeltaSeconds}},
		Clock:   clk,
	})
	rt := &ratelimit.Transport{Limiter: l, Base: srv}
	mustGet(t, rt, nil)
	mustGet(t, rt, nil)
	if want := t0.Add(12*time.Second + ratelimit.DefaultMargin); !clk.Now().Equal(want) {
		t.Fatalf("second request at %v, want %v", clk.Now(), want)
	}
}

func TestLimitHeaderRetunesWindow(t *testing.T) {
	// Configured 5/s, the server says its limit is 2/s: follow the server.
	clk := clock.NewFake(t0)
	srv := &server{clk: clk, answer: func(*http.Request, time.Time) (int, http.Header) {
		return 200, hdr("X-RateLimit-Limit-Second", "2")
	}}
	l := newLimiter(t, ratelimit.Config{
		Windows: []ratelimit.Window{{Limit: 5, Per: time.Second}},
		Headers: []ratelimit.Headers{{Limit: "X-RateLimit-Limit-Second", Per: time.Second}},
		Clock:   clk,
	})
	rt := &ratelimit.Transport{Limiter: l, Base: srv}
	mustGet(t, rt, nil)
	mustGet(t, rt, nil)
	mustGet(t, rt, nil)
	if want := t0.Add(time.Second + ratelimit.DefaultMargin); !clk.Now().Equal(want) {
		t.Fatalf("third request at %v, want %v", clk.Now(), want)
	}
}

func TestTransportErrorsAndBodies(t *testing.T) {
	clk := clock.NewFake(t0)
	boom := errors.New("boom")
	l := newLimiter(t, ratelimit.Config{Windows: []ratelimit.Window{{Limit: 1, Per: time.Minute}}, MaxWait: -1, Clock: clk})
	rt := &ratelimit.Transport{Limiter: l, Base: transport.RoundTripperFunc(func(r *http.Request) (*http.Response, error) {
		return nil, boom
	})}
	if _, err := get(t, rt, nil); !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
	// Refused by the limiter: the body is closed and nothing is sent.
	body := &closeRecorder{Reader: strings.NewReader("payload")}
	req, _ := http.NewRequest(http.MethodPost, "https://api.example.test/", body)
	if _, err := rt.RoundTrip(req); err == nil {
		t.Fatal("expected a quota error")
	}
	if !body.closed {
		t.Fatal("request body not closed")
	}
	// A nil Limiter passes through.
	if _, err := get(t, &ratelimit.Transport{Base: rt.Base}, nil); !errors.Is(err, boom) {
		t.Fatalf("nil limiter: %v", err)
	}
}

type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

func TestRouteKey(t *testing.T) {
	req, _ := http.NewRequest(http.MethodDelete, "https://x.test/a/1", nil)
	if k := ratelimit.RouteKey(req); k != "" {
		t.Errorf("no operation: %q", k)
	}
	op := &transport.Operation{ID: "deleteA", PathTemplate: "/a/{id}"}
	req = req.WithContext(transport.WithOperation(req.Context(), op))
	if k := ratelimit.RouteKey(req); k != "DELETE /a/{id}" {
		t.Errorf("template: %q", k)
	}
	op.RateLimitKey = "statements"
	if k := ratelimit.RouteKey(req); k != "statements" {
		t.Errorf("explicit key: %q", k)
	}
}

func TestMiddlewareInChain(t *testing.T) {
	clk := clock.NewFake(t0)
	srv := &server{clk: clk}
	l := newLimiter(t, ratelimit.Config{Windows: []ratelimit.Window{{Limit: 1, Per: time.Second}}, Clock: clk})
	rt := transport.Chain(srv, ratelimit.Middleware(l))
	mustGet(t, rt, nil)
	mustGet(t, rt, nil)
	if want := t0.Add(time.Second + ratelimit.DefaultMargin); !clk.Now().Equal(want) {
		t.Fatalf("second at %v", clk.Now())
	}
}

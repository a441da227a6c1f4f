package retry_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/clock"
	"github.com/apigen-go/apigen/runtime/ratelimit"
	"github.com/apigen-go/apigen/runtime/retry"
	"github.com/apigen-go/apigen/runtime/transport"
)

var t0 = time.Date(2024, 6, 3, 12, 0, 0, 0, time.UTC)

// sleepClock is a fake clock that records every sleep.
type sleepClock struct {
	*clock.Fake
	mu     sync.Mutex
	sleeps []time.Duration
}

func newSleepClock() *sleepClock { return &sleepClock{Fake: clock.NewFake(t0)} }

func (c *sleepClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.sleeps = append(c.sleeps, d)
	c.mu.Unlock()
	return c.Fake.Sleep(ctx, d)
}

func (c *sleepClock) slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// scripted is an httptest server answering hit n (1-based) with script(n).
type scripted struct {
	*httptest.Server
	hits   atomic.Int32
	mu     sync.Mutex
	bodies []string
	heads  []http.Header
}

func newScripted(t *testing.T, script func(n int, w http.ResponseWriter, r *http.Request)) *scripted {
	s := &scripted{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(s.hits.Add(1))
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.bodies = append(s.bodies, string(b))
		s.heads = append(s.heads, r.Header.Clone())
		s.mu.Unlock()
		script(n, w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// failFirst answers the first k hits with status (and Retry-After when ra
// is not empty), then 200 "ok".
func failFirst(k, status int, ra string) func(int, http.ResponseWriter, *http.Request) {
	return func(n int, w http.ResponseWriter, _ *http.Request) {
		if n <= k {
			if ra != "" {
				w.Header().Set("Retry-After", ra)
			}
			w.WriteHeader(status)
			fmt.Fprint(w, "failure body")
			return
		}
		fmt.Fprint(w, "ok")
	}
}

type call struct {
	method string
	body   string // "" = no body
	op     *transport.Operation
	key    string // idempotency key in the context
	ctx    context.Context
}

func do(t *testing.T, rt http.RoundTripper, url string, c call) (*http.Response, error) {
	t.Helper()
	ctx := c.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	if c.op != nil {
		ctx = transport.WithOperation(ctx, c.op)
	}
	if c.key != "" {
		ctx = transport.WithIdempotencyKey(ctx, c.key)
	}
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	req, err := http.NewRequestWithContext(ctx, c.method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	return rt.RoundTrip(req)
}

func status(t *testing.T, resp *http.Response, err error) int {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// code adapts status to a call's two results: code(t)(do(...)).
func code(t *testing.T) func(*http.Response, error) int {
	return func(resp *http.Response, err error) int {
		t.Helper()
		return status(t, resp, err)
	}
}

func zero() float64 { return 0 }

func newRetry(clk clock.Clock, base http.RoundTripper) *retry.Transport {
	return &retry.Transport{Policy: retry.Policy{Clock: clk, Rand: zero}, Base: base}
}

func Test429RetryAfterWaitedOut(t *testing.T) {
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		t.Run(method, func(t *testing.T) {
			srv := newScripted(t, failFirst(1, http.StatusTooManyRequests, "3"))
			clk := newSleepClock()
			resp, err := do(t, newRetry(clk, srv.Client().Transport), srv.URL, call{method: method, body: "{}"})
			if got := status(t, resp, err); got != 200 {
				t.Fatalf("status %d", got)
			}
			if srv.hits.Load() != 2 {
				t.Fatalf("hits %d, want 2", srv.hits.Load())
			}
			if s := clk.slept(); len(s) != 1 || s[0] != 3*time.Second {
				t.Fatalf("slept %v, want [3s]", s)
			}
		})
	}
}

func TestRetryAfterHTTPDate(t *testing.T) {
	srv := newScripted(t, failFirst(1, http.StatusServiceUnavailable, t0.Add(7*time.Second).Format(http.TimeFormat)))
	clk := newSleepClock()
	rt := &retry.Transport{Policy: retry.Policy{Clock: clk, Rand: func() float64 { return 0.5 }, BaseDelay: 200 * time.Millisecond}, Base: srv.Client().Transport}
	// POST without a key: a 503 with Retry-After proves nothing was done.
	if got := code(t)(do(t, rt, srv.URL, call{method: http.MethodPost, body: "x"})); got != 200 {
		t.Fatalf("status %d", got)
	}
	// At least the Retry-After, plus jitter below BaseDelay.
	if s := clk.slept(); len(s) != 1 || s[0] != 7*time.Second+100*time.Millisecond {
		t.Fatalf("slept %v, want [7.1s]", s)
	}
}

func TestRetryAfterBeyondCapReturnsResponse(t *testing.T) {
	srv := newScripted(t, failFirst(1, http.StatusTooManyRequests, "7200"))
	clk := newSleepClock()
	// MaxElapsed is generous: the Retry-After cap alone must stop it.
	rt := &retry.Transport{Policy: retry.Policy{MaxElapsed: 24 * time.Hour, Clock: clk, Rand: zero}, Base: srv.Client().Transport}
	if got := code(t)(do(t, rt, srv.URL, call{method: http.MethodGet})); got != 429 {
		t.Fatalf("status %d, want the 429", got)
	}
	if srv.hits.Load() != 1 || len(clk.slept()) != 0 {
		t.Fatalf("hits %d, sleeps %v", srv.hits.Load(), clk.slept())
	}
}

func TestSafetyRules(t *testing.T) {
	nonIdemPUT := &transport.Operation{ID: "createCompany", Method: "PUT", PathTemplate: "/company/", Idempotent: false}
	idemPOST := &transport.Operation{ID: "searchThings", Method: "POST", Idempotent: true}
	getOp := &transport.Operation{ID: "getFlag", Method: "GET", Idempotent: true}
	conflictOp := &transport.Operation{ID: "updateFlag", Method: "PUT", Idempotent: true, RetryStatuses: []int{409}}
	for _, tc := range []struct {
		name     string
		status   int
		ra       string
		c        call
		wantHits int32
	}{
		{"POST 502 not retried", 502, "", call{method: "POST", body: "{}"}, 1},
		{"POST 500 not retried", 500, "", call{method: "POST", body: "{}"}, 1},
		{"POST 503 without Retry-After not retried", 503, "", call{method: "POST", body: "{}"}, 1},
		{"POST 503 with Retry-After retried", 503, "1", call{method: "POST", body: "{}"}, 2},
		{"POST 429 retried", 429, "", call{method: "POST", body: "{}"}, 2},
		{"PATCH 504 not retried", 504, "", call{method: "PATCH", body: "{}"}, 1},
		{"POST with idempotency key retried after 502", 502, "", call{method: "POST", body: "{}", key: "k-1"}, 2},
		{"POST marked idempotent retried after 502", 502, "", call{method: "POST", body: "{}", op: idemPOST}, 2},
		{"PUT retried after 502", 502, "", call{method: "PUT", body: "{}"}, 2},
		{"DELETE retried after 500", 500, "", call{method: "DELETE"}, 2},
		{"GET retried after 408", 408, "", call{method: "GET"}, 2},
		{"GET retried after 425", 425, "", call{method: "GET"}, 2},
		{"RAYNET PUT (creates) not retried after 502", 502, "", call{method: "PUT", body: "{}", op: nonIdemPUT}, 1},
		{"RAYNET PUT retried after 429", 429, "", call{method: "PUT", body: "{}", op: nonIdemPUT}, 2},
		{"409 not retryable by default", 409, "", call{method: "GET", op: getOp}, 1},
		{"409 retried when the operation adds it", 409, "", call{method: "PUT", body: "{}", op: conflictOp}, 2},
		{"400 never retried", 400, "", call{method: "GET"}, 1},
		{"401 never retried", 401, "", call{method: "GET"}, 1},
		{"403 never retried", 403, "", call{method: "GET"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newScripted(t, failFirst(1, tc.status, tc.ra))
			resp, err := do(t, newRetry(newSleepClock(), srv.Client().Transport), srv.URL, tc.c)
			got := status(t, resp, err)
			if srv.hits.Load() != tc.wantHits {
				t.Fatalf("hits %d, want %d", srv.hits.Load(), tc.wantHits)
			}
			if want := map[bool]int{true: 200, false: tc.status}[tc.wantHits == 2]; got != want {
				t.Fatalf("status %d, want %d", got, want)
			}
		})
	}
}

func TestIdempotencyKeyHeader(t *testing.T) {
	srv := newScripted(t, failFirst(1, 502, ""))
	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader("{}"))
	req.Header.Set("Idempotency-Key", "abc")
	if got := code(t)(newRetry(newSleepClock(), srv.Client().Transport).RoundTrip(req)); got != 200 || srv.hits.Load() != 2 {
		t.Fatalf("status %d hits %d", got, srv.hits.Load())
	}
}

func TestBodyReplayedIdentically(t *testing.T) {
	srv := newScripted(t, failFirst(2, 503, ""))
	payload := strings.Repeat(`{"name":"ACME s.r.o.","note":"žluťoučký kůň"}`, 300)
	req, _ := http.NewRequest(http.MethodPut, srv.URL, bytes.NewReader([]byte(payload)))
	if got := code(t)(newRetry(newSleepClock(), srv.Client().Transport).RoundTrip(req)); got != 200 {
		t.Fatalf("status %d", got)
	}
	if len(srv.bodies) != 3 {
		t.Fatalf("%d attempts", len(srv.bodies))
	}
	for i, b := range srv.bodies {
		if b != payload {
			t.Errorf("attempt %d body differs (%d bytes, want %d)", i+1, len(b), len(payload))
		}
		if cl := srv.heads[i].Get("Content-Length"); cl != strconv.Itoa(len(payload)) {
			t.Errorf("attempt %d Content-Length %q", i+1, cl)
		}
	}
}

func TestNonReplayableBodyNotRetried(t *testing.T) {
	srv := newScripted(t, failFirst(1, 503, "1"))
	// io.MultiReader hides the type, so http.NewRequest sets no GetBody.
	req, _ := http.NewRequest(http.MethodPut, srv.URL, io.MultiReader(strings.NewReader("stream")))
	if req.GetBody != nil {
		t.Fatal("test setup: GetBody set")
	}
	if got := code(t)(newRetry(newSleepClock(), srv.Client().Transport).RoundTrip(req)); got != 503 || srv.hits.Load() != 1 {
		t.Fatalf("status %d hits %d, want the 503 after one attempt", got, srv.hits.Load())
	}
}

// refusingTransport makes its first dial to a closed port (a real
// ECONNREFUSED), later dials to the server.
func refusingTransport(t *testing.T, refusals int) *http.Transport {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	var dials atomic.Int32
	d := &net.Dialer{}
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		if int(dials.Add(1)) <= refusals {
			return d.DialContext(ctx, network, closed)
		}
		return d.DialContext(ctx, network, addr)
	}}
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

func TestConnectionRefusedRetriedEvenForPOST(t *testing.T) {
	srv := newScripted(t, failFirst(0, 200, ""))
	clk := newSleepClock()
	resp, err := do(t, newRetry(clk, refusingTransport(t, 1)), srv.URL, call{method: http.MethodPost, body: "create"})
	if got := status(t, resp, err); got != 200 {
		t.Fatalf("status %d", got)
	}
	if srv.hits.Load() != 1 || len(clk.slept()) != 1 || srv.bodies[0] != "create" {
		t.Fatalf("hits %d, sleeps %v, bodies %q", srv.hits.Load(), clk.slept(), srv.bodies)
	}
}

func TestConnectionRefusedGivesUpAfterAttempts(t *testing.T) {
	srv := newScripted(t, failFirst(0, 200, ""))
	_, err := do(t, newRetry(newSleepClock(), refusingTransport(t, 10)), srv.URL, call{method: http.MethodPost, body: "x"})
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "dial" {
		t.Fatalf("got %v, want the dial error", err)
	}
}

// TestDroppedAfterWriteNotRetriedForPOST: the server reads the request and
// drops the connection without answering. A POST may have been acted on,
// so it is not sent again; a GET is.
func TestDroppedAfterWriteNotRetriedForPOST(t *testing.T) {
	for _, tc := range []struct {
		method   string
		wantHits int32
	}{{http.MethodPost, 1}, {http.MethodGet, 2}} {
		t.Run(tc.method, func(t *testing.T) {
			srv := newScripted(t, func(n int, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					conn, _, err := w.(http.Hijacker).Hijack()
					if err == nil {
						conn.Close()
					}
					return
				}
				fmt.Fprint(w, "ok")
			})
			resp, err := do(t, newRetry(newSleepClock(), srv.Client().Transport), srv.URL, call{method: tc.method, body: "payload"})
			if tc.wantHits == 1 {
				if err == nil {
					resp.Body.Close()
					t.Fatal("POST succeeded: it was retried")
				}
			} else if got := status(t, resp, err); got != 200 {
				t.Fatalf("status %d", got)
			}
			if srv.hits.Load() != tc.wantHits {
				t.Fatalf("hits %d, want %d", srv.hits.Load(), tc.wantHits)
			}
		})
	}
}

func TestTransportErrorWithoutTrace(t *testing.T) {
	// A RoundTripper that reports no trace events cannot prove a POST was
	// not sent: only idempotent requests are retried.
	boom := errors.New("connection reset")
	for _, tc := range []struct {
		method string
		want   int32
	}{{http.MethodGet, 3}, {http.MethodPost, 1}} {
		var n atomic.Int32
		base := transport.RoundTripperFunc(func(r *http.Request) (*http.Response, error) {
			n.Add(1)
			return nil, boom
		})
		_, err := do(t, newRetry(newSleepClock(), base), "http://x.test/", call{method: tc.method})
		if !errors.Is(err, boom) || n.Load() != tc.want {
			t.Errorf("%s: err %v after %d attempts, want %d", tc.method, err, n.Load(), tc.want)
		}
	}
}

func TestAttemptsCap(t *testing.T) {
	for _, tc := range []struct {
		name   string
		policy int
		op     int
		want   int32
	}{
		{"default", 0, 0, retry.DefaultMaxAttempts},
		{"policy 5", 5, 0, 5},
		{"policy 1 disables", 1, 0, 1},
		{"operation overrides", 2, 4, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newScripted(t, failFirst(100, 503, ""))
			rt := &retry.Transport{Policy: retry.Policy{MaxAttempts: tc.policy, Clock: newSleepClock(), Rand: zero}, Base: srv.Client().Transport}
			op := &transport.Operation{ID: "getX", Method: "GET", Idempotent: true, MaxAttempts: tc.op}
			if got := code(t)(do(t, rt, srv.URL, call{method: "GET", op: op})); got != 503 {
				t.Fatalf("status %d", got)
			}
			if srv.hits.Load() != tc.want {
				t.Fatalf("hits %d, want %d", srv.hits.Load(), tc.want)
			}
		})
	}
}

func TestMaxElapsed(t *testing.T) {
	srv := newScripted(t, failFirst(100, 429, "20"))
	clk := newSleepClock()
	rt := &retry.Transport{Policy: retry.Policy{MaxAttempts: 10, MaxElapsed: 45 * time.Second, Clock: clk, Rand: zero}, Base: srv.Client().Transport}
	if got := code(t)(do(t, rt, srv.URL, call{method: "GET"})); got != 429 {
		t.Fatalf("status %d", got)
	}
	// Attempts at 0 s, 20 s, 40 s; a fourth would start at 60 s > 45 s.
	if srv.hits.Load() != 3 {
		t.Fatalf("hits %d, want 3", srv.hits.Load())
	}
}

// blockingClock announces each sleep, then sleeps until the context is done.
type blockingClock struct {
	clock.Clock
	sleeping chan struct{}
}

func (c blockingClock) Sleep(ctx context.Context, d time.Duration) error {
	c.sleeping <- struct{}{}
	<-ctx.Done()
	return ctx.Err()
}

func TestContextCancelStopsBackoff(t *testing.T) {
	srv := newScripted(t, failFirst(100, 503, ""))
	ctx, cancel := context.WithCancel(context.Background())
	clk := blockingClock{clock.NewFake(t0), make(chan struct{})}
	rt := &retry.Transport{Policy: retry.Policy{Clock: clk}, Base: srv.Client().Transport}
	done := make(chan error, 1)
	go func() {
		resp, err := do(t, rt, srv.URL, call{method: "GET", ctx: ctx})
		if resp != nil {
			resp.Body.Close()
		}
		done <- err
	}()
	select {
	case <-clk.sleeping: // in the backoff after the first 503
	case <-time.After(5 * time.Second):
		t.Fatal("no backoff")
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "retry: ") {
			t.Fatalf("got %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("backoff did not stop on cancel")
	}
	if srv.hits.Load() != 1 {
		t.Fatalf("hits %d", srv.hits.Load())
	}
}

func TestDeadlineShorterThanBackoffReturnsLastResponse(t *testing.T) {
	srv := newScripted(t, failFirst(100, 503, "30"))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	clk := newSleepClock()
	if got := code(t)(do(t, newRetry(clk, srv.Client().Transport), srv.URL, call{method: "GET", ctx: ctx})); got != 503 {
		t.Fatalf("status %d", got)
	}
	if len(clk.slept()) != 0 {
		t.Fatalf("slept %v past the deadline", clk.slept())
	}
}

func TestBackoffFullJitterBounds(t *testing.T) {
	base, maxDelay := 100*time.Millisecond, 300*time.Millisecond
	ceilings := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond, 300 * time.Millisecond, 300 * time.Millisecond}
	for _, tc := range []struct {
		name string
		rnd  func() float64
	}{
		{"low", func() float64 { return 0 }},
		{"high", func() float64 { return 0.999999 }},
		{"random", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var n atomic.Int32
			base503 := transport.RoundTripperFunc(func(r *http.Request) (*http.Response, error) {
				n.Add(1)
				return &http.Response{StatusCode: 503, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
			})
			clk := newSleepClock()
			rt := &retry.Transport{Policy: retry.Policy{
				MaxAttempts: 6, BaseDelay: base, MaxDelay: maxDelay, Clock: clk, Rand: tc.rnd,
			}, Base: base503}
			for range 20 {
				code(t)(do(t, rt, "http://x.test/", call{method: "GET"}))
			}
			sleeps := clk.slept()
			if len(sleeps) != 20*5 {
				t.Fatalf("%d sleeps", len(sleeps))
			}
			for i, s := range sleeps {
				ceil := ceilings[i%5]
				if s < 0 || s >= ceil {
					t.Fatalf("sleep %d = %v outside [0, %v)", i, s, ceil)
				}
				if tc.name == "low" && s != 0 || tc.name == "high" && s < ceil*99/100 {
					t.Fatalf("sleep %d = %v for rand %s (ceiling %v)", i, s, tc.name, ceil)
				}
			}
		})
	}
}

func TestAttemptFrom(t *testing.T) {
	if retry.AttemptFrom(context.Background()) != 0 {
		t.Fatal("attempt outside the middleware")
	}
	var seen []int
	inner := func(next http.RoundTripper) http.RoundTripper {
		return transport.RoundTripperFunc(func(r *http.Request) (*http.Response, error) {
			seen = append(seen, retry.AttemptFrom(r.Context()))
			return next.RoundTrip(r)
		})
	}
	srv := newScripted(t, failFirst(2, 500, ""))
	rt := transport.Chain(srv.Client().Transport, retry.Middleware(retry.Policy{Clock: newSleepClock(), Rand: zero}), inner)
	if got := code(t)(do(t, rt, srv.URL, call{method: "GET"})); got != 200 {
		t.Fatalf("status %d", got)
	}
	if fmt.Sprint(seen) != "[1 2 3]" {
		t.Fatalf("attempts seen %v", seen)
	}
}

type trackedBody struct {
	io.Reader
	closed atomic.Bool
	read   atomic.Int64
}

func (b *trackedBody) Read(p []byte) (int, error) {
	n, err := b.Reader.Read(p)
	b.read.Add(int64(n))
	return n, err
}
func (b *trackedBody) Close() error { b.closed.Store(true); return nil }

func TestDiscardedBodiesDrainedAndClosed(t *testing.T) {
	var bodies []*trackedBody
	base := transport.RoundTripperFunc(func(r *http.Request) (*http.Response, error) {
		b := &trackedBody{Reader: strings.NewReader("error details")}
		bodies = append(bodies, b)
		return &http.Response{StatusCode: 500, Header: http.Header{}, Body: b, Request: r}, nil
	})
	resp, err := do(t, newRetry(newSleepClock(), base), "http://x.test/", call{method: "GET"})
	if err != nil {
		t.Fatal(err)
	}
	if len(bodies) != 3 {
		t.Fatalf("%d attempts", len(bodies))
	}
	for i, b := range bodies[:2] {
		if !b.closed.Load() || b.read.Load() != int64(len("error details")) {
			t.Errorf("discarded body %d: closed %v, read %d", i, b.closed.Load(), b.read.Load())
		}
	}
	if bodies[2].closed.Load() || resp.Body != io.ReadCloser(bodies[2]) {
		t.Error("the returned body must be the last one, open")
	}
}

type permanentErr struct{}

func (permanentErr) Error() string   { return "permanent" }
func (permanentErr) Retryable() bool { return false }

func TestErrorsThatOptOut(t *testing.T) {
	var n atomic.Int32
	base := transport.RoundTripperFunc(func(r *http.Request) (*http.Response, error) {
		n.Add(1)
		return nil, fmt.Errorf("wrapped: %w", permanentErr{})
	})
	_, err := do(t, newRetry(newSleepClock(), base), "http://x.test/", call{method: "GET"})
	if !errors.As(err, new(permanentErr)) || n.Load() != 1 {
		t.Fatalf("err %v after %d attempts", err, n.Load())
	}
}

// TestWithRateLimiterInside chains retry → ratelimit like a generated
// client. RAYNET answers 429 with its quota reset hours away: the retry
// backs off once, the limiter then refuses at once with
// *QuotaExhaustedError, and the retry returns that instead of looping.
func TestWithRateLimiterInside(t *testing.T) {
	clk := newSleepClock()
	reset := t0.Add(6 * time.Hour)
	var hits atomic.Int32
	raynet := transport.RoundTripperFunc(func(r *http.Request) (*http.Response, error) {
		hits.Add(1)
		h := http.Header{}
		h.Set("X-Ratelimit-Remaining", "0")
		h.Set("X-Ratelimit-Reset", strconv.FormatInt(reset.Unix(), 10))
		return &http.Response{StatusCode: 429, Header: h, Request: r,
			Body: io.NopCloser(strings.NewReader(`{"type":"RequestLimitReached","message":"API request limit reached."}`))}, nil
	})
	lim, err := ratelimit.New(ratelimit.Config{
		Headers: []ratelimit.Headers{{Remaining: "X-Ratelimit-Remaining", Reset: "X-Ratelimit-Reset", ResetUnit: ratelimit.EpochSeconds}},
		Clock:   clk,
	})
	if err != nil {
		t.Fatal(err)
	}
	rt := transport.Chain(raynet, retry.Middleware(retry.Policy{Clock: clk, Rand: zero}), ratelimit.Middleware(lim))
	_, err = do(t, rt, "https://app.raynet.cz/api/v2/company/", call{method: "GET"})
	var qe *ratelimit.QuotaExhaustedError
	if !errors.As(err, &qe) || !qe.ResetAt.Equal(reset) {
		t.Fatalf("got %v, want QuotaExhaustedError until %v", err, reset)
	}
	if hits.Load() != 1 {
		t.Fatalf("server hit %d times, want 1", hits.Load())
	}
	if clk.Now().Sub(t0) > time.Minute {
		t.Fatalf("slept %v", clk.Now().Sub(t0))
	}
}

func TestZeroPolicyAndNilBase(t *testing.T) {
	// The zero Transport works: default policy, http.DefaultTransport.
	srv := newScripted(t, failFirst(0, 200, ""))
	var rt retry.Transport
	if got := code(t)(do(t, &rt, srv.URL, call{method: "GET"})); got != 200 {
		t.Fatalf("status %d", got)
	}
}

// A 429 through the rate limiter is resent when the limiter's cooldown
// (shared by every caller of the scope) ends, not after a backoff of the
// retry middleware's own on top of it.
func Test429WaitsOnTheLimitersCooldown(t *testing.T) {
	clk := newSleepClock()
	var hits atomic.Int32
	bare429 := transport.RoundTripperFunc(func(r *http.Request) (*http.Response, error) {
		status := http.StatusOK
		if hits.Add(1) == 1 {
			status = http.StatusTooManyRequests // no Retry-After, no headers
		}
		return &http.Response{StatusCode: status, Header: http.Header{}, Request: r, Body: io.NopCloser(strings.NewReader(""))}, nil
	})
	lim, err := ratelimit.New(ratelimit.Config{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	// A retry backoff of its own would add about 2 s.
	p := retry.Policy{Clock: clk, BaseDelay: 2 * time.Second, Rand: func() float64 { return 0.99 }}
	rt := transport.Chain(bare429, retry.Middleware(p), ratelimit.Middleware(lim))
	if got := code(t)(do(t, rt, "https://api.example.test/x", call{method: "GET"})); got != 200 {
		t.Fatalf("status %d", got)
	}
	// The cooldown after a bare 429 is 1 s to 1.5 s, plus the margin.
	if waited := clk.Now().Sub(t0); waited < time.Second || waited > 1500*time.Millisecond+ratelimit.DefaultMargin {
		t.Fatalf("resent after %v (sleeps %v), want the limiter's cooldown only", waited, clk.slept())
	}
	if st := lim.Stats(); st.TooMany != 1 || st.Cooldowns != 1 || st.Sent != 2 {
		t.Errorf("stats %+v", st)
	}
}

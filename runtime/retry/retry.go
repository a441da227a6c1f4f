// Package retry resends requests that failed for a passing reason, under
// the safety rules of CONTRACT §5: a request that may have reached the
// server is resent only when its operation is idempotent (or the caller
// gave an idempotency key), while a request the server provably did not act
// on (a 429, a 503 with Retry-After, a connection that failed before
// anything was written) may be resent whatever its method.
//
// Place Transport outside the rate limiter and auth, so that every attempt
// waits for its rate-limit slot and is signed afresh.
package retry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apigen-go/apigen/runtime/clock"
	"github.com/apigen-go/apigen/runtime/logging"
	"github.com/apigen-go/apigen/runtime/transport"
)

// Defaults applied to zero fields of Policy.
const (
	DefaultMaxAttempts   = 3
	DefaultBaseDelay     = 500 * time.Millisecond
	DefaultMaxDelay      = 30 * time.Second
	DefaultMaxRetryAfter = time.Minute
	DefaultMaxElapsed    = 2 * time.Minute
)

// Policy says how often and how long to retry. The zero value is the
// default policy.
type Policy struct {
	// MaxAttempts caps the attempts, the first one included; 1 disables
	// retries. An operation's MaxAttempts (x-apigen-retry) replaces it.
	MaxAttempts int
	// BaseDelay is the backoff cap of the first retry; it doubles with
	// every attempt up to MaxDelay. The delay itself is drawn uniformly
	// from [0, cap) ("full jitter"), so that clients that failed together
	// do not come back together.
	BaseDelay time.Duration
	MaxDelay  time.Duration
	// MaxRetryAfter is the longest Retry-After honoured. A longer one ends
	// the retries and returns the response: a client should not sleep for
	// an hour inside one call.
	MaxRetryAfter time.Duration
	// MaxElapsed caps the time from the first attempt to the start of the
	// last one: no retry starts after it.
	MaxElapsed time.Duration
	// Clock waits between attempts; nil means clock.Real.
	Clock clock.Clock
	// Rand returns a number in [0, 1) for the jitter; nil means
	// math/rand/v2.Float64. It must be safe for concurrent use.
	Rand func() float64
}

func (p Policy) withDefaults() Policy {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = DefaultMaxAttempts
	}
	def(&p.BaseDelay, DefaultBaseDelay)
	def(&p.MaxDelay, DefaultMaxDelay)
	def(&p.MaxRetryAfter, DefaultMaxRetryAfter)
	def(&p.MaxElapsed, DefaultMaxElapsed)
	p.Clock = clock.Or(p.Clock)
	if p.Rand == nil {
		p.Rand = rand.Float64
	}
	return p
}

// backoff is the full-jitter delay after the given failed attempt (1 for
// the first): uniform in [0, min(MaxDelay, BaseDelay*2^(attempt-1))).
func (p Policy) backoff(attempt int) time.Duration {
	ceil := p.MaxDelay
	if shift := attempt - 1; shift < 62 {
		if b := p.BaseDelay << shift; b > 0 && b>>shift == p.BaseDelay && b < ceil {
			ceil = b
		}
	}
	return jitter(p.Rand, ceil)
}

func jitter(rnd func() float64, ceil time.Duration) time.Duration {
	f := rnd()
	if !(f >= 0) || f >= 1 { // also catches NaN
		f = 0
	}
	return time.Duration(f * float64(ceil))
}

// Transport retries requests according to Policy and CONTRACT §5.
type Transport struct {
	Policy Policy
	// Base sends each attempt; nil means http.DefaultTransport.
	Base http.RoundTripper
}

// Middleware returns a transport.Middleware retrying with p.
func Middleware(p Policy) transport.Middleware {
	return func(next http.RoundTripper) http.RoundTripper {
		return &Transport{Policy: p, Base: next}
	}
}

// AttemptFrom returns the attempt number (1 for the first) of the request
// whose context is ctx, or 0 outside the retry middleware. Inner
// middlewares use it, e.g. logging records it with each attempt. The
// number is kept once, under logging's key (logging.WithAttempt).
func AttemptFrom(ctx context.Context) int {
	return logging.AttemptFrom(ctx)
}

// retryableStatus is CONTRACT §5's list; operations add their own.
func retryableStatus(code int, op *transport.Operation) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusTooEarly, http.StatusTooManyRequests,
		http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable,
		http.StatusGatewayTimeout:
		return true
	}
	return op != nil && slices.Contains(op.RetryStatuses, code)
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	p := t.Policy.withDefaults()
	ctx := req.Context()
	op := transport.OperationFrom(ctx)
	maxAttempts := p.MaxAttempts
	if op != nil && op.MaxAttempts > 0 {
		maxAttempts = op.MaxAttempts
	}
	idempotent := transport.Idempotent(req)
	// A body can be sent again only if it can be produced again: the
	// transport consumes and closes the one it is given.
	replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	start := p.Clock.Now()

	for attempt := 1; ; attempt++ {
		tr := &transport.SendTrace{}
		cooldown := &transport.CooldownSignal{}
		actx := httptrace.WithClientTrace(logging.WithAttempt(ctx, attempt), tr.Hooks())
		actx = transport.WithCooldownSignal(actx, cooldown)
		// A shallow copy: the middlewares below clone a request before
		// changing it (the RoundTripper contract), so the header map and
		// URL can be shared; only the context and, when replayed, the body
		// differ per attempt.
		areq := req.WithContext(actx)
		if attempt > 1 && req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, fmt.Errorf("retry: rewinding the body for attempt %d: %w", attempt, err)
			}
			areq.Body = body
		}
		resp, err := base.RoundTrip(areq)

		wait, ok := p.decide(ctx, op, idempotent, resp, err, tr)
		if !ok || attempt >= maxAttempts || !replayable {
			return resp, err
		}
		switch {
		case cooldown.IsSet() && resp != nil && resp.StatusCode == http.StatusTooManyRequests:
			// The rate limiter below holds the next attempt until the
			// cooldown this 429 opened (shared by every request of its
			// scope) is over: a timer of our own would only add to it.
			wait = 0
		case wait < 0:
			wait = p.backoff(attempt)
		}
		if elapsed := p.Clock.Now().Sub(start); elapsed+wait > p.MaxElapsed {
			return resp, err
		}
		if dl, ok := ctx.Deadline(); ok && wait > time.Until(dl) {
			return resp, err // the next attempt could not finish in time
		}
		if resp != nil {
			drain(resp.Body)
		}
		if err := p.Clock.Sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("retry: waiting after attempt %d of %s %s: %w", attempt, req.Method, req.URL.Redacted(), err)
		}
	}
}

// decide reports whether the outcome of an attempt may be retried, and the
// wait the server asked for (negative: none, use the backoff).
func (p Policy) decide(ctx context.Context, op *transport.Operation, idempotent bool, resp *http.Response, err error, tr *transport.SendTrace) (time.Duration, bool) {
	if err != nil {
		if ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return 0, false
		}
		// Inner middlewares mark errors that retrying cannot help, e.g. a
		// rate limiter's exhausted quota.
		var r interface{ Retryable() bool }
		if errors.As(err, &r) && !r.Retryable() {
			return 0, false
		}
		return -1, idempotent || tr.NotSent(err)
	}
	if !retryableStatus(resp.StatusCode, op) {
		return 0, false
	}
	ra, hasRA := parseRetryAfter(resp.Header.Get("Retry-After"), p.Clock.Now())
	if hasRA && ra > p.MaxRetryAfter {
		return 0, false
	}
	// 429 and 503 with Retry-After prove the server did nothing.
	proof := resp.StatusCode == http.StatusTooManyRequests ||
		resp.StatusCode == http.StatusServiceUnavailable && hasRA
	if !proof && !idempotent {
		return 0, false
	}
	if hasRA {
		// At least what the server asked, plus a little jitter so that
		// clients told the same time do not return in one burst.
		return ra + jitter(p.Rand, p.BaseDelay), true
	}
	return -1, true
}

// drain reads a little of a discarded body so that its connection can be
// reused, then closes it.
func drain(body io.ReadCloser) {
	if body == nil {
		return
	}
	io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	body.Close()
}

// parseRetryAfter reads Retry-After as delay-seconds or an HTTP-date
// (RFC 9110 §10.2.3). A date in the past means no wait.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		if n > int64(math.MaxInt64/time.Second) {
			n = int64(math.MaxInt64 / time.Second)
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

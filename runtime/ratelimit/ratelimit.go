// Package ratelimit keeps a generated client inside its provider's rate
// limits, so that requests are delayed on the client instead of refused by
// the server.
//
// A Limiter decides when a request may go; an Observer learns from the
// response. Local implements both in memory: it enforces the documented
// windows of x-apigen-ratelimit (several at once, sliding or fixed), obeys
// the server's remaining/reset headers and Retry-After, and fails at once
// with a *QuotaExhaustedError when a slot is further away than MaxWait.
// Transport applies a Limiter as middleware. A distributed limiter (Redis)
// can replace Local by implementing the same two small interfaces.
package ratelimit

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/apigen-go/apigen/runtime/clock"
	"github.com/apigen-go/apigen/runtime/transport"
)

// Local is an in-process Limiter and Observer configured from a Config.
//
// Slots are handed out first come, first served per bucket, and a request
// reserves its slot in every bucket it counts in (global and route) before
// it sleeps. So a request delayed by its route's limit also holds back the
// global queue behind it while both buckets have windows; that keeps the
// logs ordered, which is what makes the guarantee cheap to check. Memory is
// one timestamp (8 bytes) per request in a sliding window, at most Limit+1
// per window and bucket.
//
// Observe must follow every successful Wait (Transport does this): requests
// in flight are subtracted from the server's remaining counts.
type Local struct {
	cfg     Config
	clk     clock.Clock
	margin  time.Duration
	maxWait time.Duration
	base    time.Time // origin of the sliding logs' offsets

	mu     sync.Mutex
	global *bucket
	routes map[string]*bucket
}

var _ Limiter = (*Local)(nil)

// Reserve implements Limiter.
func (l *Local) Reserve(ctx context.Context, key string) (Reservation, error) {
	res, err := l.wait(ctx, key)
	if err != nil {
		return nil, err
	}
	return &localReservation{l: l, ctx: ctx, key: key, res: res}, nil
}

// Stats implements Limiter.
func (l *Local) Stats() Stats { return Stats{} }

type localReservation struct {
	l   *Local
	ctx context.Context
	key string
	res reservation
}

func (r *localReservation) Sent()                       {}
func (r *localReservation) Observe(resp *http.Response) { r.l.Observe(r.ctx, r.key, resp) }
func (r *localReservation) Cancel() {
	r.l.mu.Lock()
	r.l.cancel(r.res)
	r.l.mu.Unlock()
}

// New returns a Local enforcing cfg. It fails when cfg is invalid: a window
// without a positive limit or length, an unknown kind, anchor, scope or
// reset unit.
func New(cfg Config) (*Local, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg = cfg.clone()
	l := &Local{
		cfg:     cfg,
		clk:     clock.Or(cfg.Clock),
		margin:  resolve(cfg.Margin, DefaultMargin),
		maxWait: resolve(cfg.MaxWait, DefaultMaxWait),
		routes:  make(map[string]*bucket),
	}
	l.base = l.clk.Now()
	var gw []Window
	if cfg.Scope != Route {
		gw = cfg.Windows
	}
	l.global = newBucket("", gw)
	return l, nil
}

// bucket is one set of counts: the global one, or one per route key.
type bucket struct {
	key     string
	windows []*window
	last    time.Time // latest reservation; keeps the logs in order
	seq     uint64    // reservations made, to tell whether one can be undone
	// blockedUntil comes from Retry-After on a 429.
	blockedUntil time.Time
	blockReason  string
	// budgets are the server's remaining counts, by Remaining header name.
	budgets map[string]*budget
	// inflight counts reservations whose response was not observed yet:
	// a remaining count in a response cannot include them.
	inflight int
}

type budget struct {
	remaining int
	resetAt   time.Time
}

func newBucket(key string, ws []Window) *bucket {
	b := &bucket{key: key, budgets: make(map[string]*budget)}
	for _, w := range ws {
		b.windows = append(b.windows, newWindow(w))
	}
	return b
}

func (b *bucket) name() string {
	if b.key == "" {
		return "global"
	}
	return fmt.Sprintf("route %q", b.key)
}

// settings are the effective x-apigen-ratelimit values for one operation.
type settings struct {
	headers      []Headers
	maxWait      time.Duration
	routeWindows []Window
}

func (l *Local) settingsFor(ctx context.Context) settings {
	s := settings{headers: l.cfg.Headers, maxWait: l.maxWait}
	if l.cfg.Scope == Route {
		s.routeWindows = l.cfg.Windows
	}
	op := transport.OperationFrom(ctx)
	if op == nil {
		return s
	}
	o, ok := l.cfg.Operations[op.ID]
	if !ok {
		return s
	}
	if o.Windows != nil {
		s.routeWindows = o.Windows
	}
	if o.Headers != nil {
		s.headers = o.Headers
	}
	if o.MaxWait != 0 {
		s.maxWait = resolve(o.MaxWait, 0)
	}
	return s
}

func (l *Local) headerScope(h Headers) Scope {
	if h.Scope != "" {
		return h.Scope
	}
	if l.cfg.Scope != "" {
		return l.cfg.Scope
	}
	return Global
}

// route returns the route bucket for key, creating it when the settings
// give it anything to count, or nil. Buckets are created from the first
// operation that uses a key: operations sharing a RateLimitKey share one
// bucket and should share their overrides too.
func (l *Local) route(key string, s settings, create bool) *bucket {
	if b := l.routes[key]; b != nil {
		return b
	}
	need := len(s.routeWindows) > 0
	for _, h := range s.headers {
		need = need || l.headerScope(h) == Route
	}
	if !need && !create {
		return nil
	}
	b := newBucket(key, s.routeWindows)
	l.routes[key] = b
	return b
}

// constraint is what holds a request back: for the error message.
type constraint struct {
	bucket  *bucket
	reason  string
	resetAt time.Time
}

// Wait waits for a slot and takes it.
func (l *Local) Wait(ctx context.Context, key string) error {
	_, err := l.wait(ctx, key)
	return err
}

func (l *Local) wait(ctx context.Context, key string) (reservation, error) {
	if err := ctx.Err(); err != nil {
		return reservation{}, fmt.Errorf("ratelimit: %w", err)
	}
	s := l.settingsFor(ctx)

	l.mu.Lock()
	now := l.clk.Now()
	bs := l.buckets(key, s)
	t, c := l.earliest(now, bs)
	wait := t.Sub(now)
	if wait > s.maxWait {
		l.mu.Unlock()
		return reservation{}, &QuotaExhaustedError{
			Key: key, Scope: scopeOf(c.bucket), Reason: c.reason,
			ResetAt: c.resetAt, Wait: wait, MaxWait: s.maxWait,
		}
	}
	if dl, ok := ctx.Deadline(); ok && wait > 0 && wait > time.Until(dl) {
		l.mu.Unlock()
		return reservation{}, fmt.Errorf("ratelimit: %s: waiting %s for %s would pass the context deadline: %w",
			c.bucket.name(), wait.Round(time.Millisecond), c.reason, context.DeadlineExceeded)
	}
	res := l.reserve(bs, t)
	l.mu.Unlock()

	if wait <= 0 {
		return res, nil
	}
	if err := l.clk.Sleep(ctx, wait); err != nil {
		l.mu.Lock()
		l.cancel(res)
		l.mu.Unlock()
		return reservation{}, fmt.Errorf("ratelimit: wait for %s interrupted: %w", c.bucket.name(), err)
	}
	return res, nil
}

func scopeOf(b *bucket) Scope {
	if b == nil || b.key == "" {
		return Global
	}
	return Route
}

func (l *Local) buckets(key string, s settings) []*bucket {
	bs := []*bucket{l.global}
	if r := l.route(key, s, false); r != nil {
		bs = append(bs, r)
	}
	return bs
}

// earliest finds the first time >= now at which every constraint of every
// bucket allows one more request. Each constraint only ever moves t later,
// so the loop ends once a full pass moves nothing.
func (l *Local) earliest(now time.Time, bs []*bucket) (time.Time, constraint) {
	t := now
	var c constraint
	for _, b := range bs {
		// Slots are handed out in order within a bucket, so that its logs
		// stay sorted: a request never overtakes an earlier reservation.
		if len(b.windows) > 0 && t.Before(b.last) {
			t = b.last
			c = constraint{b, "earlier requests waiting for the same limits", b.last}
		}
	}
	for changed := true; changed; {
		changed = false
		for _, b := range bs {
			if next := b.blockedUntil.Add(l.margin); !b.blockedUntil.IsZero() && t.Before(next) {
				t, c, changed = next, constraint{b, b.blockReason, b.blockedUntil}, true
			}
			for name, bg := range b.budgets {
				if !bg.resetAt.After(now) {
					delete(b.budgets, name)
					continue
				}
				if bg.remaining <= 0 && t.Before(bg.resetAt.Add(l.margin)) {
					t, changed = bg.resetAt.Add(l.margin), true
					c = constraint{b, fmt.Sprintf("the server's %s count", name), bg.resetAt}
				}
			}
			for _, w := range b.windows {
				if next, reset, ok := w.earliest(t, l.base, l.margin); ok && next.After(t) {
					t, changed = next, true
					c = constraint{b, "window " + w.spec.String(), reset}
				}
			}
		}
	}
	if c.bucket == nil {
		c.bucket = bs[0]
	}
	return t, c
}

// reservation remembers what reserve did, so that a cancelled wait gives its
// slot back when nothing was reserved after it.
type reservation struct {
	t     time.Time
	marks []mark
}

type mark struct {
	b        *bucket
	seq      uint64
	prevLast time.Time
	recorded bool
}

func (l *Local) reserve(bs []*bucket, t time.Time) reservation {
	res := reservation{t: t}
	for _, b := range bs {
		m := mark{b: b, prevLast: b.last}
		if len(b.windows) > 0 {
			for _, w := range b.windows {
				w.record(t, l.base, l.margin)
			}
			b.last = t
			m.recorded = true
		}
		for _, bg := range b.budgets {
			if t.Before(bg.resetAt.Add(l.margin)) {
				bg.remaining--
			}
		}
		b.seq++
		m.seq = b.seq
		b.inflight++
		res.marks = append(res.marks, m)
	}
	return res
}

// cancel undoes a reservation whose request will not be sent. The window
// slot is given back only when it is still the latest one; the budget is
// not (a fresher count may have replaced it), which errs on the safe side.
func (l *Local) cancel(res reservation) {
	for _, m := range res.marks {
		b := m.b
		if b.inflight > 0 {
			b.inflight--
		}
		if m.recorded && b.seq == m.seq {
			for _, w := range b.windows {
				w.unrecord(res.t, l.margin)
			}
			b.last = m.prevLast
		}
	}
}

// Observe implements Observer: it reads the configured headers, and on a 429
// blocks the bucket until Retry-After or the reset.
func (l *Local) Observe(ctx context.Context, key string, resp *http.Response) {
	s := l.settingsFor(ctx)
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clk.Now()
	g, r := l.global, l.routes[key]
	for _, b := range []*bucket{g, r} {
		if b != nil && b.inflight > 0 {
			b.inflight--
		}
	}
	if resp == nil {
		return
	}
	tooMany := resp.StatusCode == http.StatusTooManyRequests
	if len(s.headers) == 0 {
		if tooMany {
			// Block where the request was counted: its own windows if it
			// has any, else the client as a whole.
			b := g
			if r != nil && len(r.windows) > 0 {
				b = r
			}
			l.observeRetryAfter(b, "Retry-After", resp.Header, now)
		}
		return
	}
	for _, h := range s.headers {
		b := g
		if l.headerScope(h) == Route {
			b = l.route(key, s, true)
		}
		l.observeHeaders(b, h, resp.Header, now, tooMany)
	}
}

func (l *Local) observeHeaders(b *bucket, h Headers, hdr http.Header, now time.Time, tooMany bool) {
	if h.Limit != "" && h.Per > 0 {
		if n, ok := parseCount(hdr.Get(h.Limit)); ok && n > 0 {
			b.setLimit(h.Per, n)
		}
	}
	resetAt, hasReset := time.Time{}, false
	if h.Reset != "" {
		resetAt, hasReset = parseReset(hdr.Get(h.Reset), h.ResetUnit, now)
	}
	rem, hasRem := -1, false
	if h.Remaining != "" {
		rem, hasRem = parseCount(hdr.Get(h.Remaining))
	}
	if !hasRem && tooMany && hasReset {
		// A 429 with a reset but no count: the count is zero.
		rem, hasRem = 0, true
	}
	if !hasReset && h.Per > 0 {
		resetAt, hasReset = now.Add(h.Per), true
	}
	if hasRem && hasReset && resetAt.After(now) {
		name := h.Remaining
		if name == "" {
			name = h.Reset
		}
		name = http.CanonicalHeaderKey(name)
		// Requests still in flight were reserved but, as far as we know,
		// not counted yet: they come off what the server says is left.
		left := rem - b.inflight
		if old := b.budgets[name]; old != nil && old.resetAt.Equal(resetAt) {
			// Within one period the server's count only goes down; an
			// older response arriving late must not raise it.
			old.remaining = min(old.remaining, left)
		} else {
			b.budgets[name] = &budget{remaining: left, resetAt: resetAt}
		}
	}
	if tooMany {
		ra := h.RetryAfter
		if ra == "" {
			ra = "Retry-After"
		}
		l.observeRetryAfter(b, ra, hdr, now)
	}
}

func (l *Local) observeRetryAfter(b *bucket, name string, hdr http.Header, now time.Time) {
	d, ok := parseRetryAfter(hdr.Get(name), now)
	if !ok || d <= 0 {
		return
	}
	if until := now.Add(d); until.After(b.blockedUntil) {
		b.blockedUntil = until
		b.blockReason = "the server's " + http.CanonicalHeaderKey(name) + " after a 429"
	}
}

// setLimit follows the server's limit for the window of length per, or adds
// a sliding window when the configuration has none of that length.
func (b *bucket) setLimit(per time.Duration, n int) {
	for _, w := range b.windows {
		if w.per == per {
			w.setLimit(n)
			return
		}
	}
	b.windows = append(b.windows, newWindow(Window{Limit: n, Per: per}))
}

// QuotaExhaustedError reports that a request would have to wait longer
// than the limiter's MaxWait for a slot. Nothing was sent. Retrying before
// ResetAt fails the same way, so callers (and the retry middleware) should
// not retry it blindly.
type QuotaExhaustedError struct {
	Key     string        // route key of the request
	Scope   Scope         // the bucket that is exhausted: Global or Route
	Reason  string        // the limit that holds, e.g. "window 24000/1d fixed from utc-midnight"
	ResetAt time.Time     // when that limit frees a slot (before the margin)
	Wait    time.Duration // how long the request would have had to wait
	MaxWait time.Duration
}

func (e *QuotaExhaustedError) Error() string {
	where := "global quota"
	if e.Scope == Route {
		where = fmt.Sprintf("quota of route %q", e.Key)
	}
	return fmt.Sprintf("ratelimit: %s exhausted by %s until %s: waiting %s exceeds the maximum wait of %s",
		where, e.Reason, e.ResetAt.UTC().Format(time.RFC3339Nano), e.Wait.Round(time.Millisecond), e.MaxWait)
}

// Retryable reports false: the limiter already decided that no slot is
// available soon enough, so the retry middleware returns the error at once.
func (e *QuotaExhaustedError) Retryable() bool { return false }

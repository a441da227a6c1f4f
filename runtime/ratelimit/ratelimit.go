// Package ratelimit keeps a generated client inside its provider's rate
// limits, so that requests are delayed on the client instead of refused by
// the server.
//
// A Limiter admits each request at the moment it is sent and learns from
// its response (see Limiter for the guarantees). Local implements it in
// memory: it enforces the documented windows of x-apigen-ratelimit
// (several at once, sliding or fixed), obeys the server's remaining/reset
// headers, turns every 429 into a cooldown shared by the requests of its
// scope, and fails at once with a *QuotaExhaustedError when a slot is
// further away than MaxWait. Transport applies a Limiter as middleware. A
// distributed limiter (Redis) replaces Local by implementing Limiter.
package ratelimit

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/apigen-go/apigen/runtime/clock"
)

// Local is an in-process Limiter configured from a Config.
//
// Requests are admitted first come, first served: a request waits in the
// queue of every bucket it counts in (global and route) and goes when it is
// at the head of all of them and every limit allows a send now. So a
// request delayed by its route's limit also holds back the global queue
// behind it while both buckets have windows. Memory is one timestamp (8
// bytes) per request in a sliding window, at most Limit per window and
// bucket.
type Local struct {
	cfg     Config
	clk     clock.Clock
	log     *slog.Logger
	margin  time.Duration
	maxWait time.Duration
	horizon time.Duration // the furthest reset a header may announce
	base    time.Time     // origin of the sliding logs' offsets

	mu      sync.Mutex
	global  *bucket
	routes  map[string]*bucket
	tickets uint64
	stats   Stats
}

var _ Limiter = (*Local)(nil)

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
		log:     cfg.Logger,
		margin:  cfg.EffectiveMargin(),
		maxWait: cfg.EffectiveMaxWait(),
		horizon: cfg.longestWindow(),
		routes:  make(map[string]*bucket),
	}
	if l.log == nil {
		l.log = slog.Default()
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
	waiting []*waiter // queued requests, by ticket
	// pending counts admitted requests whose send time is not known yet:
	// they count as sent at every instant until it is.
	pending int
	// inflight counts admitted requests whose response was not observed:
	// a remaining count in a response cannot include them.
	inflight int
	// budgets are the server's remaining counts, by Remaining header name.
	budgets map[string]*budget
	// cooldown is opened by a 429; epoch tells 429s of requests admitted
	// before it (already in flight) from those admitted after.
	cooldownUntil  time.Time
	cooldownReason string
	epoch          uint64
	strikes        int // 429s in a row without instructions, for the backoff
	// needProbe holds every request but one (probing) until a response
	// that is not a 429 arrives: after a cooldown or an exhausted budget's
	// reset, when the server's new count is unknown.
	needProbe, probing bool
}

type budget struct {
	// remaining is what may surely still be sent: the server's count
	// less every request in flight, which it may not have counted yet.
	remaining int
	// atMost is the most that may be left: the lowest count the server
	// sent less the requests admitted since. The truth lies between the
	// two; the answer that leaves nothing in flight makes them equal.
	atMost int
	// resetAt is when the period ends: the latest reset its answers
	// announced. period is the first, against which later answers are
	// judged to be of the same period, so that a steady stream of answers
	// a little apart cannot stretch one period forever.
	resetAt, period time.Time
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

// ahead is the number of requests queued in b before ticket.
func (b *bucket) ahead(ticket uint64) int {
	n, _ := slices.BinarySearchFunc(b.waiting, ticket, byTicket)
	return n
}

func (b *bucket) dequeue(ticket uint64) {
	if i, ok := slices.BinarySearchFunc(b.waiting, ticket, byTicket); ok {
		b.waiting = slices.Delete(b.waiting, i, i+1)
	}
}

// waiter is a queued request. Only the head of a queue can go next, so a
// change wakes the heads alone, not every waiter.
type waiter struct {
	ticket uint64
	wake   chan struct{} // buffered: a wake-up is never lost
}

func byTicket(w *waiter, t uint64) int { return cmp.Compare(w.ticket, t) }

// route returns the route bucket for key, creating it when the Settings
// give it anything to count, or nil. Buckets are created from the first
// operation that uses a key: operations sharing a RateLimitKey share one
// bucket and should share their overrides too.
func (l *Local) route(key string, s Settings, create bool) *bucket {
	if b := l.routes[key]; b != nil {
		return b
	}
	need := len(s.RouteWindows) > 0
	for _, h := range s.Headers {
		need = need || l.cfg.HeaderScope(h) == Route
	}
	if !need && !create {
		return nil
	}
	b := newBucket(key, s.RouteWindows)
	l.routes[key] = b
	return b
}

func (l *Local) buckets(key string, s Settings) []*bucket {
	bs := []*bucket{l.global}
	if r := l.route(key, s, false); r != nil {
		bs = append(bs, r)
	}
	return bs
}

// constraint is what holds a request back: for the error message.
type constraint struct {
	bucket  *bucket
	reason  string
	resetAt time.Time
}

// Reserve implements Limiter.
func (l *Local) Reserve(ctx context.Context, key string) (Reservation, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("ratelimit: %w", err)
	}
	s := l.cfg.SettingsFor(ctx)

	l.mu.Lock()
	start := l.clk.Now()
	bs := l.buckets(key, s)
	l.tickets++
	ticket := l.tickets
	var me *waiter // queued only if it has to wait
	for slept := false; ; slept = true {
		now := l.clk.Now()
		t, hold, c := l.earliest(now, bs, ticket)
		// The whole wait is judged on entry; later, what is left of it,
		// which grows only when the server says so (a 429, a budget).
		from := now
		if !slept {
			from = start
		}
		if err := l.refuse(ctx, key, s, from, now, t, hold, c); err != nil {
			l.leave(bs, ticket)
			l.mu.Unlock()
			return nil, err
		}
		if !hold && !t.After(now) {
			res := l.admit(bs, ticket, slept, now.Sub(start))
			res.key, res.s = key, s
			l.mu.Unlock()
			return res, nil
		}
		// Behind others in a queue, only a wake-up as the head can change
		// anything: no timer (which a fake clock would run forward).
		d := t.Sub(now)
		for _, b := range bs {
			if b.ahead(ticket) > 0 {
				d = 0
			}
		}
		if me == nil {
			me = &waiter{ticket: ticket, wake: make(chan struct{}, 1)}
			for _, b := range bs {
				b.waiting = append(b.waiting, me)
			}
		}
		l.mu.Unlock()
		err := l.sleep(ctx, d, me.wake)
		l.mu.Lock()
		if err != nil {
			l.leave(bs, ticket)
			l.mu.Unlock()
			return nil, fmt.Errorf("ratelimit: wait for %s interrupted: %w", c.bucket.name(), err)
		}
	}
}

// refuse returns the error that ends a wait at once: the slot at t is
// more than MaxWait after from, or past ctx's deadline. A request held for
// an event (hold) waits at least until now.
func (l *Local) refuse(ctx context.Context, key string, s Settings, from, now, t time.Time, hold bool, c constraint) error {
	if hold && !t.After(now) {
		t = now
	}
	if wait := t.Sub(from); (hold || t.After(now)) && wait > s.MaxWait {
		return &QuotaExhaustedError{
			Key: key, Scope: scopeOf(c.bucket), Reason: c.reason,
			ResetAt: c.resetAt, Wait: wait, MaxWait: s.MaxWait,
		}
	}
	if dl, ok := ctx.Deadline(); ok && t.After(now) && t.Sub(now) > time.Until(dl) {
		return fmt.Errorf("ratelimit: %s: waiting %s for %s would pass the context deadline: %w",
			c.bucket.name(), t.Sub(now).Round(time.Millisecond), c.reason, context.DeadlineExceeded)
	}
	return nil
}

// sleep waits for d, or until woken, or ctx ends. A fake clock
// cannot be woken early: its Sleep returns at once, so the caller's loop
// simply looks again.
func (l *Local) sleep(ctx context.Context, d time.Duration, wake <-chan struct{}) error {
	if l.clk != clock.Real {
		if d <= 0 {
			// Nothing to wait for on a fake clock but another goroutine.
			select {
			case <-wake:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return l.clk.Sleep(ctx, d)
	}
	var timer <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-timer:
	case <-wake:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

func (l *Local) leave(bs []*bucket, ticket uint64) {
	for _, b := range bs {
		b.dequeue(ticket)
	}
	l.notify(bs)
}

// notify wakes the heads of the queues of bs to look again: a send was
// recorded, a reservation ended or a head went. Callers hold l.mu.
func (l *Local) notify(bs []*bucket) {
	for _, b := range bs {
		if len(b.waiting) > 0 {
			select {
			case b.waiting[0].wake <- struct{}{}:
			default:
			}
		}
	}
}

func scopeOf(b *bucket) Scope {
	if b == nil || b.key == "" {
		return Global
	}
	return Route
}

// earliest returns the first time >= now at which the request holding
// ticket may go as far as is known now, and hold when it must wait for an
// event rather than a time (a request ahead of it, a send time not known
// yet, a probe's answer). The time counts the requests queued ahead, so
// that MaxWait is judged on the whole wait.
func (l *Local) earliest(now time.Time, bs []*bucket, ticket uint64) (time.Time, bool, constraint) {
	t, hold := now, false
	c := constraint{bucket: bs[0]}
	later := func(next time.Time, nc constraint) {
		if next.After(t) {
			t, c = next, nc
		}
	}
	for _, b := range bs {
		ahead := b.ahead(ticket)
		if ahead > 0 && !hold {
			hold = true
			c = constraint{b, "requests queued before it", now}
		}
		if !b.cooldownUntil.IsZero() {
			if now.Before(b.cooldownUntil.Add(l.margin)) {
				later(b.cooldownUntil.Add(l.margin), constraint{b, b.cooldownReason, b.cooldownUntil})
			} else {
				b.cooldownUntil = time.Time{}
			}
		}
		for name, bg := range b.budgets {
			if !now.Before(bg.resetAt.Add(l.margin)) {
				// Expired: the spec's windows apply again. A budget that
				// was used up leaves the new one unknown until a probe's
				// answer tells it.
				if bg.remaining <= 0 {
					b.needProbe = true
				}
				delete(b.budgets, name)
				continue
			}
			switch {
			case bg.remaining-ahead > 0:
			case b.inflight > 0 && bg.atMost-ahead > 0:
				// Used up only if the server has not counted the requests
				// in flight yet: their answers will say.
				hold = true
				if c.reason == "" {
					c = constraint{b, fmt.Sprintf("the answers of requests in flight, for the server's %s count", name), bg.resetAt}
				}
			default:
				later(bg.resetAt.Add(l.margin), constraint{b, fmt.Sprintf("the server's %s count", name), bg.resetAt})
			}
		}
		if b.needProbe && b.probing {
			hold = true
			if c.reason == "" {
				c = constraint{b, "the probe sent first after a 429 or a reset", b.cooldownUntil}
			}
		}
		for _, w := range b.windows {
			next, reset, blocked := w.earliest(now, l.base, l.margin, b.pending, ahead)
			hold = hold || blocked
			if next.After(t) { // the reason is formatted only when it holds
				later(next, constraint{b, "window " + w.spec.String(), reset})
			}
		}
	}
	return t, hold, c
}

// admit takes the slot now for the request holding ticket.
func (l *Local) admit(bs []*bucket, ticket uint64, waited bool, wait time.Duration) *localReservation {
	res := &localReservation{l: l, admitted: l.clk.Now(), bs: bs}
	for i, b := range bs {
		b.dequeue(ticket)
		b.pending++
		b.inflight++
		for _, bg := range b.budgets {
			bg.remaining--
			bg.atMost--
		}
		if b.needProbe {
			b.probing, res.probes[i] = true, true
		}
		res.epochs[i] = b.epoch
	}
	l.stats.Sent++
	l.stats.TotalWait += wait
	if waited {
		l.stats.Waited++
	}
	l.notify(bs)
	return res
}

// Stats implements Limiter.
func (l *Local) Stats() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stats
}

// localReservation is one admitted request of a Local.
type localReservation struct {
	l           *Local
	key         string
	s           Settings
	admitted    time.Time
	bs          []*bucket
	epochs      [2]uint64 // each bucket's cooldown epoch at admission
	probes      [2]bool   // whether it is the probe of each bucket
	sent, ended bool      // guarded by l.mu
}

// Sent implements Reservation.
func (r *localReservation) Sent() {
	r.l.mu.Lock()
	defer r.l.mu.Unlock()
	if !r.sent && !r.ended {
		r.record(r.l.clk.Now())
	}
}

// record notes the send time: the later of admission and at.
func (r *localReservation) record(at time.Time) {
	r.sent = true
	at = later(at, r.admitted)
	for _, b := range r.bs {
		b.pending--
		for _, w := range b.windows {
			w.record(at, r.l.base, r.l.margin)
		}
	}
	r.l.notify(r.bs)
}

// Cancel implements Reservation.
func (r *localReservation) Cancel() {
	l := r.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if r.ended {
		return
	}
	if r.sent {
		// Too late to take back: treat it as sent without an answer.
		r.end(nil)
		return
	}
	r.ended = true
	for i, b := range r.bs {
		b.pending--
		b.inflight--
		if r.probes[i] {
			b.probing = false
		}
	}
	l.stats.Sent--
	l.notify(r.bs)
}

// Observe implements Reservation.
func (r *localReservation) Observe(resp *http.Response) {
	r.l.mu.Lock()
	defer r.l.mu.Unlock()
	if !r.ended {
		r.end(resp)
	}
}

func (r *localReservation) end(resp *http.Response) {
	l := r.l
	now := l.clk.Now()
	if !r.sent {
		r.record(now)
	}
	r.ended = true
	tooMany := resp != nil && resp.StatusCode == http.StatusTooManyRequests
	for i, b := range r.bs {
		b.inflight--
		if r.probes[i] {
			b.probing = false
			if resp != nil && !tooMany {
				b.needProbe = false
			}
		}
		if resp != nil && !tooMany && r.epochs[i] == b.epoch {
			b.strikes = 0
		}
	}
	l.notify(r.bs)
	if resp == nil {
		return
	}
	if tooMany {
		l.stats.TooMany++
	}
	l.observe(r, now, resp, tooMany)
}

// epochOf is the cooldown epoch b had when r was admitted; a bucket made
// after the admission (a route bucket that headers created) had epoch 0.
func (r *localReservation) epochOf(b *bucket) uint64 {
	if i := slices.Index(r.bs, b); i >= 0 {
		return r.epochs[i]
	}
	return 0
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// jitter returns a duration in [d, 1.5d): never shorter than asked, so that
// one cooldown period holds at most one probe, and spread so that clients
// that failed together do not come back together.
func jitter(d time.Duration) time.Duration {
	return d + time.Duration(rand.Float64()*float64(d)/2)
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

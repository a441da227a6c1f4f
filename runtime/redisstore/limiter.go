package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/apigen-go/apigen/runtime/ratelimit"
)

// LimiterConfig configures a Limiter.
type LimiterConfig struct {
	// Name separates the counts of different clients and accounts, for
	// example "raynet:acme": processes sharing a budget use the same name.
	Name string
	// Limits are the client's limits, usually the generated package's
	// RateLimitConfig(). Clock is ignored: time is the Redis server's.
	Limits ratelimit.Config
	// Replicas is the number of processes sharing the budget. While Redis
	// is unreachable each process keeps to 1/Replicas of every window
	// (at least one request), counting its own recent requests.
	Replicas int
	// Logger receives the one warning when Redis becomes unreachable and
	// the notice when it is back; nil means slog.Default().
	Logger *slog.Logger
	// Timeout bounds one admission call to Redis; past it the limiter
	// falls back to the local share. A client whose server is gone may
	// otherwise wait for its pool for seconds. Zero means one second.
	Timeout time.Duration
}

// Limiter is a ratelimit.Limiter whose counts live in Redis, shared by
// every process using the same Name: the windows of Limits (sliding and
// fixed, global and per route), the budgets learned from the server's
// rate-limit headers and the cooldown a 429 opens all hold for the
// processes together. Each admission is one Lua script that checks every
// constraint and records the request atomically, timed by the Redis
// server's clock.
type Limiter struct {
	rdb      redis.UniversalClient
	keys     keyspace
	cfg      ratelimit.Config
	replicas int
	log      *slog.Logger
	margin   time.Duration
	maxWait  time.Duration
	timeout  time.Duration
	id       string // this process's prefix of reservation members
	seq      atomic.Uint64

	mu        sync.Mutex
	down      bool      // Redis unreachable: admitting locally
	downSince time.Time // local clock
	upSince   time.Time // when Redis came back after the last outage
	nextTry   time.Time
	offset    time.Duration // Redis clock minus local clock, last seen
	own       map[string]*ownLog
	block     time.Time // local cooldown while down

	sent, waited, tooMany, cooldowns atomic.Int64
	totalWait                        atomic.Int64
}

var _ ratelimit.Limiter = (*Limiter)(nil)

// How the limiter times things it does not configure.
const (
	// staleInflight is how long an admitted request whose answer never
	// came counts as in flight; then (its process died, or the server has
	// long counted it) it counts as sent and is no longer waited for.
	staleInflight = 30 * time.Second
	// retryRedis is how often a limiter that fell back tries Redis again,
	// and probeTimeout how long it gives Redis to answer then.
	retryRedis   = 500 * time.Millisecond
	probeTimeout = 250 * time.Millisecond
	// cooldownBase is the first wait after a 429 without instructions.
	cooldownBase = time.Second
)

// NewLimiter returns the limiter of cfg.Name on rdb. It fails when the
// configuration is invalid; it does not contact Redis.
func NewLimiter(rdb redis.UniversalClient, cfg LimiterConfig) (*Limiter, error) {
	if rdb == nil {
		return nil, errors.New("redisstore: NewLimiter: nil Redis client")
	}
	ks, err := newKeyspace(cfg.Name)
	if err != nil {
		return nil, err
	}
	if cfg.Replicas < 1 {
		return nil, fmt.Errorf("redisstore: NewLimiter: Replicas is %d; set it to the number of processes sharing the budget (their fair share applies while Redis is unreachable)", cfg.Replicas)
	}
	if _, err := ratelimit.New(cfg.Limits); err != nil {
		return nil, fmt.Errorf("redisstore: %w", err)
	}
	var raw [8]byte
	rand.Read(raw[:])
	l := &Limiter{
		rdb: rdb, keys: ks, cfg: cfg.Limits, replicas: cfg.Replicas,
		log:     cfg.Logger,
		margin:  cfg.Limits.EffectiveMargin(),
		maxWait: cfg.Limits.EffectiveMaxWait(),
		timeout: cfg.Timeout,
		id:      hex.EncodeToString(raw[:]),
		own:     make(map[string]*ownLog),
	}
	if l.log == nil {
		l.log = slog.Default()
	}
	if l.timeout <= 0 {
		l.timeout = time.Second
	}
	return l, nil
}

// Stats implements ratelimit.Limiter, for this process.
func (l *Limiter) Stats() ratelimit.Stats {
	return ratelimit.Stats{
		Sent: l.sent.Load(), Waited: l.waited.Load(), TotalWait: time.Duration(l.totalWait.Load()),
		TooMany: l.tooMany.Load(), Cooldowns: l.cooldowns.Load(),
	}
}

// bucket is one set of counts in Redis: the global one or a route's.
type bucket struct {
	prefix  string // key prefix: "g" or "r:<route key>"
	label   string // for errors
	windows []ratelimit.Window
}

func (b bucket) windowKey(k keyspace, w ratelimit.Window) string {
	kind := "s"
	if fixed(w) {
		kind = "f"
	}
	return k.key(b.prefix, "w", kind, strconv.FormatInt(w.Per.Microseconds(), 10))
}

func (b bucket) scope() ratelimit.Scope {
	if b.prefix == "g" {
		return ratelimit.Global
	}
	return ratelimit.Route
}

func fixed(w ratelimit.Window) bool { return w.Kind == ratelimit.Fixed && w.Anchor != "" }

// buckets lists the buckets a request of route key counts in: the global
// one always, the route's when it has windows or route-scoped headers.
// Header families with a Limit and Per add a window of that length whose
// limit (0 until learned) comes from the server.
func (l *Limiter) buckets(key string, s ratelimit.Settings) []bucket {
	g := bucket{prefix: "g", label: "global"}
	if l.cfg.Scope != ratelimit.Route {
		g.windows = l.cfg.Windows
	}
	r := bucket{prefix: "r:" + key, label: fmt.Sprintf("route %q", key), windows: s.RouteWindows}
	routeNeeded := len(r.windows) > 0
	for _, h := range s.Headers {
		target := &g
		if l.cfg.HeaderScope(h) == ratelimit.Route {
			target, routeNeeded = &r, true
		}
		if h.Limit != "" && h.Per > 0 && !hasPer(target.windows, h.Per) {
			target.windows = append(append([]ratelimit.Window(nil), target.windows...), ratelimit.Window{Per: h.Per})
		}
	}
	if routeNeeded {
		return []bucket{g, r}
	}
	return []bucket{g}
}

func hasPer(ws []ratelimit.Window, per time.Duration) bool {
	for _, w := range ws {
		if w.Per == per {
			return true
		}
	}
	return false
}

// scriptArgs lays the buckets out as the scripts expect (scripts.go).
func (l *Limiter) scriptArgs(bs []bucket, args []any) ([]string, []any) {
	var keys []string
	args = append(args, len(bs))
	for _, b := range bs {
		keys = append(keys, l.keys.key(b.prefix, "cool"), l.keys.key(b.prefix, "budget"), l.keys.key(b.prefix, "inflight"), l.keys.key(b.prefix, "unanswered"))
		args = append(args, len(b.windows))
		for _, w := range b.windows {
			keys = append(keys, b.windowKey(l.keys, w))
			f := 0
			if fixed(w) {
				f = 1
			}
			args = append(args, f, w.Per.Microseconds(), w.Limit)
		}
	}
	return keys, args
}

// Reserve implements ratelimit.Limiter.
func (l *Limiter) Reserve(ctx context.Context, key string) (ratelimit.Reservation, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("ratelimit: %w", err)
	}
	s := l.cfg.SettingsFor(ctx)
	bs := l.buckets(key, s)
	start := time.Now()
	member := l.id + ":" + strconv.FormatUint(l.seq.Add(1), 36)
	keys, args := l.scriptArgs(bs, []any{l.margin.Microseconds(), member, staleInflight.Microseconds()})
	for {
		if l.isDown() {
			return l.reserveLocal(ctx, key, bs, s, start)
		}
		// The script's clock reads after this moment, and the reply may
		// come late: send times measured from here are never early.
		asked := time.Now()
		if held, err := l.afterOutage(ctx, key, bs, s, start); err != nil {
			return nil, err
		} else if held {
			continue
		}
		res, err := l.acquire(ctx, keys, args)
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("ratelimit: %w", ctx.Err())
			}
			// Past the limiter's timeout (not the caller's): Redis is
			// too slow to wait for.
			if unavailable(err) || errors.Is(err, context.DeadlineExceeded) {
				l.wentDown(err)
				continue
			}
			return nil, l.fail("admit a request", err)
		}
		redisNow := time.UnixMicro(toInt(res[4]))
		l.cameBack(redisNow)
		if toInt(res[0]) == 1 {
			now := time.Now()
			l.admitted(bs, now, start)
			return &reservation{l: l, bs: bs, key: key, s: s, member: member, admittedAt: asked, ownAt: now, admittedRedis: toInt(res[4])}, nil
		}
		wait := time.Duration(toInt(res[1])) * time.Microsecond
		reason, scope := l.reason(bs, fmt.Sprint(res[2]))
		resetAt := time.UnixMicro(toInt(res[3]))
		// A request held for the answers of requests in flight waits for
		// an event, not a time: as in ratelimit.Local, MaxWait does not
		// end that wait, the context does.
		if held := toInt(res[5]) == 1; !held {
			if err := l.tooLong(ctx, key, scope, reason, resetAt, time.Since(start)+wait, s.MaxWait); err != nil {
				return nil, err
			}
		}
		if err := sleep(ctx, wait+time.Duration(mrand.N(int64(time.Millisecond)))); err != nil {
			return nil, fmt.Errorf("ratelimit: wait for %s interrupted: %w", reason, err)
		}
	}
}

// acquire runs the admission script within the limiter's timeout; while
// Redis is away, a look at whether it is back takes at most probeTimeout.
func (l *Limiter) acquire(ctx context.Context, keys []string, args []any) ([]any, error) {
	l.mu.Lock()
	timeout := l.timeout
	if l.down {
		timeout = min(timeout, probeTimeout)
	}
	l.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return acquireScript.Run(ctx, l.rdb, keys, args...).Slice()
}

// tooLong fails a wait that would pass maxWait or ctx's deadline.
func (l *Limiter) tooLong(ctx context.Context, key string, scope ratelimit.Scope, reason string, resetAt time.Time, wait, maxWait time.Duration) error {
	if wait > maxWait {
		return &ratelimit.QuotaExhaustedError{Key: key, Scope: scope, Reason: reason, ResetAt: resetAt, Wait: wait, MaxWait: maxWait}
	}
	if dl, ok := ctx.Deadline(); ok && wait > time.Until(dl) {
		return fmt.Errorf("ratelimit: waiting %s for %s would pass the context deadline: %w", wait.Round(time.Millisecond), reason, context.DeadlineExceeded)
	}
	return nil
}

// reason turns a script's reason code ("<kind>:<bucket>[:<detail>]")
// into words and the scope of the bucket that holds the request back.
func (l *Limiter) reason(bs []bucket, code string) (string, ratelimit.Scope) {
	kind, rest, _ := strings.Cut(code, ":")
	bi, detail, _ := strings.Cut(rest, ":")
	b, _ := strconv.Atoi(bi)
	if b < 1 || b > len(bs) {
		return "the shared limits", ratelimit.Global
	}
	bk := bs[b-1]
	scope := bk.scope()
	switch kind {
	case "c":
		return bk.label + " cooldown after a 429", scope
	case "p":
		return bk.label + " probe request after a cooldown or budget reset", scope
	case "b":
		return fmt.Sprintf("%s count %s of the server", bk.label, detail), scope
	case "a":
		return fmt.Sprintf("the answers of requests in flight, for the %s count %s of the server", bk.label, detail), scope
	case "w":
		if w, _ := strconv.Atoi(detail); w >= 1 && w <= len(bk.windows) {
			return fmt.Sprintf("%s window %s", bk.label, bk.windows[w-1]), scope
		}
	}
	return "the shared limits", scope
}

// admitted counts a request in this process's own logs at its admission;
// sentAt moves it to its send time.
func (l *Limiter) admitted(bs []bucket, now, start time.Time) {
	l.sent.Add(1)
	if d := now.Sub(start); d > time.Millisecond {
		l.waited.Add(1)
		l.totalWait.Add(int64(d))
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, b := range bs {
		for _, w := range b.windows {
			if w.Limit > 0 {
				l.ownLog(b, w).add(now, w.Per+l.margin)
			}
		}
	}
}

// sentAt moves a request admitted at admittedAt to its send time in this
// process's own logs: a request that waited for the CPU after admission
// reaches the server later than it was counted, and the fair share while
// Redis is away must count it where the server does.
func (l *Limiter) sentAt(bs []bucket, admittedAt, sent time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, b := range bs {
		for _, w := range b.windows {
			if w.Limit > 0 {
				l.ownLog(b, w).move(admittedAt, sent)
			}
		}
	}
}

func (l *Limiter) ownLog(b bucket, w ratelimit.Window) *ownLog {
	k := b.windowKey(l.keys, w)
	o := l.own[k]
	if o == nil {
		o = &ownLog{fixed: fixed(w), per: w.Per}
		l.own[k] = o
	}
	return o
}

// fail names what failed; a key of a foreign type says which key.
func (l *Limiter) fail(what string, err error) error {
	if isWrongType(err) {
		return fmt.Errorf("redisstore: limiter %s: %s: a key under %s holds a value of another type, not written by this limiter: %w", l.keys.tag, what, l.keys.tag, err)
	}
	return fmt.Errorf("redisstore: limiter %s: %s: %w", l.keys.tag, what, err)
}

func toInt(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case string:
		i, _ := strconv.ParseInt(n, 10, 64)
		return i
	}
	return 0
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// reservation is one request admitted through Redis, or locally while
// Redis was away (local).
type reservation struct {
	l             *Limiter
	bs            []bucket
	key           string
	s             ratelimit.Settings
	member        string
	admittedAt    time.Time
	ownAt         time.Time // the admission time in this process's own logs
	admittedRedis int64
	local         bool
	ended         atomic.Bool
	sentOnce      sync.Once
}

// Sent implements ratelimit.Reservation: the request moves into the
// windows at its send time. Sent is called while the request is being
// written, so Redis is told in the background, with the time taken now.
func (r *reservation) Sent() {
	if r.ended.Load() {
		return
	}
	r.sentOnce.Do(func() {
		r.l.sentAt(r.bs, r.ownAt, time.Now())
		if r.local {
			return
		}
		elapsed := time.Since(r.admittedAt)
		go r.done("sent", 0, -1, elapsed, nil)
	})
}

// Observe implements ratelimit.Reservation.
func (r *reservation) Observe(resp *http.Response) {
	if r.ended.Swap(true) {
		return
	}
	if resp != nil && resp.StatusCode == http.StatusTooManyRequests {
		r.l.tooMany.Add(1)
	}
	if r.local {
		r.l.observeLocal(resp)
		return
	}
	outcome, target, retry := "ok", 0, time.Duration(-1)
	switch {
	case resp == nil:
		outcome = "none"
	case resp.StatusCode == http.StatusTooManyRequests:
		outcome = "429"
		target, retry = r.cooldownTarget(resp.Header)
	}
	var heard []any
	if resp != nil {
		heard = r.heard(resp)
	}
	r.done(outcome, target, retry, -1, heard)
}

// Cancel implements ratelimit.Reservation.
func (r *reservation) Cancel() {
	if r.ended.Swap(true) || r.local {
		return
	}
	r.done("cancel", 0, -1, -1, nil)
}

// cooldownTarget is the bucket (1-based) a 429 blocks, with the server's
// wait when it sent one: where the request was counted when no header
// family is configured (its route if that has windows), else the scope of
// the first family.
func (r *reservation) cooldownTarget(h http.Header) (int, time.Duration) {
	target := 1
	names := []string{"Retry-After"}
	if len(r.s.Headers) == 0 {
		if len(r.bs) > 1 && len(r.bs[1].windows) > 0 {
			target = 2
		}
	} else {
		if r.l.cfg.HeaderScope(r.s.Headers[0]) == ratelimit.Route && len(r.bs) > 1 {
			target = 2
		}
		names = names[:0]
		for _, hf := range r.s.Headers {
			n := hf.RetryAfter
			if n == "" {
				n = "Retry-After"
			}
			names = append(names, n)
		}
	}
	now := time.Now()
	for _, n := range names {
		if d, ok := ratelimit.ParseRetryAfter(h.Get(n), now); ok {
			return target, d
		}
	}
	// No Retry-After: a reset header says as much.
	for _, hf := range r.s.Headers {
		if t, ok := r.l.reset(hf, h, now); ok {
			return target, t.Sub(now)
		}
	}
	return target, -1
}

// reset reads h's reset header; one in the past or further ahead than the
// longest window (a day when none is configured) is ignored, as Local
// does: trusting it could stall every process for hours.
func (l *Limiter) reset(h ratelimit.Headers, hdr http.Header, now time.Time) (time.Time, bool) {
	if h.Reset == "" {
		return time.Time{}, false
	}
	v := hdr.Get(h.Reset)
	t, ok := ratelimit.ParseReset(v, h.ResetUnit, now)
	if !ok || !t.After(now) || t.Sub(now) > l.horizon() {
		if v != "" {
			l.log.Debug("redisstore: ignoring a malformed rate-limit reset header", "header", http.CanonicalHeaderKey(h.Reset), "value", v)
		}
		return time.Time{}, false
	}
	return t, true
}

// horizon is the furthest ahead a reset may lie: the longest window.
func (l *Limiter) horizon() time.Duration {
	longest := 24 * time.Hour
	found := false
	consider := func(ws []ratelimit.Window) {
		for _, w := range ws {
			if !found || w.Per > longest {
				longest, found = w.Per, true
			}
		}
	}
	consider(l.cfg.Windows)
	for _, o := range l.cfg.Operations {
		consider(o.Windows)
	}
	for _, h := range l.cfg.Headers {
		if h.Per > longest {
			longest = h.Per
		}
	}
	return longest
}

// done runs the done script; sentAfter is the send time as measured from
// admission, negative for "now"; heard is what the answer's rate-limit
// headers said (heard).
func (r *reservation) done(outcome string, target int, retry, sentAfter time.Duration, heard []any) {
	l := r.l
	elapsed := int64(-1)
	if sentAfter >= 0 {
		elapsed = sentAfter.Microseconds()
	}
	retryUS := int64(-1)
	if retry >= 0 {
		retryUS = retry.Microseconds()
	}
	cap := l.maxWait
	if r.s.MaxWait > 0 {
		cap = r.s.MaxWait
	}
	keys, args := l.scriptArgs(r.bs, []any{
		l.margin.Microseconds(), r.member, staleInflight.Microseconds(), elapsed, outcome, target,
		retryUS, cooldownBase.Microseconds(), max(cap, cooldownBase).Microseconds(), mrand.Float64(), r.admittedRedis,
	})
	args = append(append(args, len(heard)/heardFields), heard...)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := doneScript.Run(ctx, l.rdb, keys, args...).Int64Slice()
	switch {
	case err != nil && unavailable(err):
		l.wentDown(err)
	case err != nil:
		l.log.Error("redisstore: limiter could not record a request or what its answer said", "limiter", l.keys.tag, "err", err)
	case res[0] == 1:
		l.cooldowns.Add(1)
	}
}

// heardFields is the number of script arguments per header family heard.
const heardFields = 8

// heard reads what the response's rate-limit headers say, per family, as
// the done script's arguments (scripts.go), which store it in the same
// step that ends the reservation.
func (r *reservation) heard(resp *http.Response) []any {
	l := r.l
	now := time.Now()
	tooMany := resp.StatusCode == http.StatusTooManyRequests
	var args []any
	for _, h := range r.s.Headers {
		b := 1
		if l.cfg.HeaderScope(h) == ratelimit.Route && len(r.bs) > 1 {
			b = 2
		}
		limit := -1
		if h.Limit != "" && h.Per > 0 {
			if n, ok := ratelimit.ParseCount(resp.Header.Get(h.Limit)); ok && n > 0 {
				limit = n
			}
		}
		rem, hasRem := -1, false
		if h.Remaining != "" {
			rem, hasRem = ratelimit.ParseCount(resp.Header.Get(h.Remaining))
		}
		resetAbs, resetDelta := int64(-1), int64(-1)
		resetValue := ""
		if t, ok := l.reset(h, resp.Header, now); ok {
			resetValue = resp.Header.Get(h.Reset)
			if h.ResetUnit == ratelimit.DeltaSeconds {
				resetDelta = t.Sub(now).Microseconds()
			} else {
				resetAbs = t.UnixMicro()
			}
		}
		hasReset := resetAbs >= 0 || resetDelta >= 0
		if !hasRem && tooMany && hasReset {
			rem, hasRem = 0, true
		}
		if !hasReset && h.Per > 0 {
			resetDelta = h.Per.Microseconds()
		}
		if !hasRem {
			rem = -1
		}
		if limit < 0 && rem < 0 {
			continue
		}
		name := http.CanonicalHeaderKey(h.Remaining)
		if name == "" {
			name = http.CanonicalHeaderKey(h.Reset)
		}
		tol := ratelimit.PeriodTolerance(resetValue, h.ResetUnit, l.margin)
		args = append(args, b, name, rem, resetAbs, resetDelta, h.Per.Microseconds(), limit, tol.Microseconds())
	}
	return args
}

package ratelimit

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// observe learns from a response: the configured headers, and on a 429 a
// cooldown for the scope the request was counted in. Callers hold l.mu.
func (l *Local) observe(r *localReservation, now time.Time, resp *http.Response, tooMany bool) {
	s, key := r.s, r.key
	g, rt := l.global, l.routes[key]
	if len(s.Headers) == 0 {
		if tooMany {
			// Cool down where the request was counted: its own windows if
			// it has any, else the client as a whole.
			b := g
			if rt != nil && len(rt.windows) > 0 {
				b = rt
			}
			l.cooldown(r, b, s, resp.Header, "Retry-After", time.Time{}, now)
		}
		return
	}
	for _, h := range s.Headers {
		b := g
		if l.cfg.HeaderScope(h) == Route {
			b = l.route(key, s, true)
		}
		resetAt := l.observeHeaders(b, h, resp.Header, now, tooMany)
		if tooMany {
			ra := h.RetryAfter
			if ra == "" {
				ra = "Retry-After"
			}
			l.cooldown(r, b, s, resp.Header, ra, resetAt, now)
		}
	}
}

// observeHeaders reads one header family into b and returns the reset it
// announced (zero if none). A malformed or contradictory value is ignored
// with one debug line: trusting it could stall the client for hours or
// send what the server will refuse.
func (l *Local) observeHeaders(b *bucket, h Headers, hdr http.Header, now time.Time, tooMany bool) time.Time {
	limit := 0
	if h.Limit != "" {
		if v := hdr.Get(h.Limit); v != "" {
			if n, ok := parseCount(v); ok && n > 0 {
				limit = n
				if h.Per > 0 {
					b.setLimit(h.Per, n)
				}
			} else {
				l.ignore(h.Limit, v, "not a positive count")
			}
		}
	}
	resetAt, hasReset, resetValue := time.Time{}, false, ""
	if h.Reset != "" {
		if v := hdr.Get(h.Reset); v != "" {
			t, ok := parseReset(v, h.ResetUnit, now)
			switch {
			case !ok:
				l.ignore(h.Reset, v, "not a time")
			case !t.After(now):
				l.ignore(h.Reset, v, "a reset in the past")
			case t.Sub(now) > l.horizon:
				l.ignore(h.Reset, v, fmt.Sprintf("a reset further ahead than %s, the longest window", l.horizon))
			default:
				resetAt, hasReset, resetValue = t, true, v
			}
		}
	}
	rem, hasRem := -1, false
	if h.Remaining != "" {
		if v := hdr.Get(h.Remaining); v != "" {
			n, ok := parseCount(v)
			switch {
			case !ok:
				l.ignore(h.Remaining, v, "not a count")
			case limit > 0 && n > limit:
				l.ignore(h.Remaining, v, fmt.Sprintf("more than the limit %d", limit))
			default:
				rem, hasRem = n, true
			}
		}
	}
	if !hasRem && tooMany && hasReset {
		// A 429 with a reset but no count: the count is zero.
		rem, hasRem = 0, true
	}
	until := resetAt
	if !hasReset && h.Per > 0 {
		if w := b.slidingWindow(h.Per); w != nil {
			// A sliding count without a reset: the window of that length
			// frees slots as our own sends age out of it. Only sends the
			// server counted and we did not (another client's) need
			// adding, as if they had happened now.
			if hasRem {
				w.reconcile(now, l.base, l.margin, rem)
			}
			return resetAt
		}
		// No window to follow: after Per every request the server counted
		// has left it.
		until = now.Add(h.Per)
	}
	if hasRem && !until.IsZero() {
		name := h.Remaining
		if name == "" {
			name = h.Reset
		}
		name = http.CanonicalHeaderKey(name)
		b.learn(name, rem, until, periodTolerance(resetValue, h.ResetUnit, l.margin))
	}
	return resetAt
}

// learn takes the server's count rem of name, which holds until until
// (as read on this answer's arrival); resets closer than tol to the
// budget's are one period.
func (b *bucket) learn(name string, rem int, until time.Time, tol time.Duration) {
	// Requests still in flight were admitted but, as far as we know, not
	// counted yet: they come off what the server says is left.
	left := rem - b.inflight
	bg := b.budgets[name]
	switch {
	case bg == nil || until.After(bg.period.Add(tol)):
		// A new period (or the first heard of).
		bg = &budget{remaining: left, atMost: rem, resetAt: until, period: until}
		b.budgets[name] = bg
	case until.Before(bg.period.Add(-tol)):
		// An answer of an earlier period arriving late: its count is
		// not this period's.
	default:
		// Within one period the server's count only goes down; an older
		// answer arriving late must not raise it. The period lasts until
		// the latest of its resets: one too early would let requests of
		// the next one go while the server still counts this one.
		bg.atMost = min(bg.atMost, rem)
		bg.remaining = min(bg.remaining, left)
		bg.resetAt = later(bg.resetAt, until)
	}
	if b.inflight == 0 {
		// Every request sent has been answered, so the lowest count holds
		// them all: what requests in flight took off while the server had
		// counted them already comes back.
		bg.remaining = bg.atMost
	}
}

func (l *Local) ignore(name, value, why string) {
	l.log.LogAttrs(context.Background(), slog.LevelDebug, "ratelimit: ignoring a malformed header",
		slog.String("header", http.CanonicalHeaderKey(name)), slog.String("value", value), slog.String("reason", why))
}

// cooldown opens b's cooldown after a 429: until Retry-After or the reset
// when the server sent one, else for an exponential backoff from 1 s. A
// 429 of a request admitted before the current cooldown opened was already
// on its way: it may lengthen the cooldown by what it says, but counts no
// further strike.
func (l *Local) cooldown(r *localReservation, b *bucket, s Settings, hdr http.Header, raName string, resetAt time.Time, now time.Time) {
	var until time.Time
	reason := "the server's " + http.CanonicalHeaderKey(raName) + " after a 429"
	if v := hdr.Get(raName); v != "" {
		if d, ok := parseRetryAfter(v, now); ok {
			until = now.Add(d)
		} else {
			l.ignore(raName, v, "not a delay or date")
		}
	}
	if until.IsZero() && !resetAt.IsZero() {
		until, reason = resetAt, "the server's reset after a 429"
	}
	fresh := r.epochOf(b) == b.epoch
	if until.IsZero() {
		if !fresh {
			return
		}
		b.strikes++
		d := time.Second << min(b.strikes-1, 20)
		// Capped so that the wait, margin included, stays within MaxWait.
		until = now.Add(min(jitter(d), max(s.MaxWait-l.margin, time.Second)))
		reason = fmt.Sprintf("a cooldown after %d × 429 without Retry-After", b.strikes)
	}
	if !until.After(b.cooldownUntil) {
		return
	}
	b.cooldownUntil, b.cooldownReason = until, reason
	b.needProbe = true
	if fresh {
		b.epoch++
		l.stats.Cooldowns++
	}
}

func (b *bucket) slidingWindow(per time.Duration) *window {
	for _, w := range b.windows {
		if w.per == per && !w.fixed {
			return w
		}
	}
	return nil
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

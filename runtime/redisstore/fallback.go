package redisstore

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/apigen-go/apigen/runtime/ratelimit"
)

// While Redis is unreachable, each process admits requests on its own at
// a fair share of every window: max(1, Limit/Replicas). It counts its own
// requests of the last window, those admitted through Redis included, so
// the switch does not add a full share on top of what it just sent. Fixed
// windows are counted as sliding ones, which is stricter. When Redis is
// back, the requests admitted locally are added to its windows, and for
// one window length each process still keeps to its share as well: the
// others may not have added theirs yet.

// ownLog is one process's send times in one window, oldest first, kept
// for the window's length.
type ownLog struct {
	fixed bool
	per   time.Duration
	times []time.Time
}

func (o *ownLog) add(t time.Time, keep time.Duration) {
	i := 0
	for i < len(o.times) && t.Sub(o.times[i]) > keep {
		i++
	}
	o.times = append(o.times[i:], t)
}

// move replaces the time from with to, keeping the log in order; a time
// no longer in the log (dropped as too old) is not added again.
func (o *ownLog) move(from, to time.Time) {
	i := slices.IndexFunc(o.times, from.Equal)
	if i < 0 {
		return
	}
	o.times = slices.Delete(o.times, i, i+1)
	j, _ := slices.BinarySearchFunc(o.times, to, time.Time.Compare)
	o.times = slices.Insert(o.times, j, to)
}

// next returns when one more send keeps this process within share.
func (o *ownLog) next(now time.Time, share int, margin time.Duration) time.Time {
	n := 0
	for _, t := range o.times {
		if now.Sub(t) <= o.per+margin {
			n++
		}
	}
	if n < share {
		return now
	}
	return o.times[len(o.times)-share].Add(o.per + margin)
}

func (l *Limiter) isDown() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.down && time.Now().Before(l.nextTry)
}

// wentDown switches to the local share; the warning is logged once per
// outage.
func (l *Limiter) wentDown(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	l.nextTry = now.Add(retryRedis)
	if l.down {
		return
	}
	l.down, l.downSince = true, now
	l.log.Warn("redisstore: Redis is unreachable; limiting this process to its fair share of every window until it is back",
		"limiter", l.keys.tag, "share", fmt.Sprintf("1/%d", l.replicas), "err", err)
}

// cameBack records the Redis clock's offset and, after an outage, adds
// the requests admitted locally to the shared windows.
func (l *Limiter) cameBack(redisNow time.Time) {
	l.mu.Lock()
	l.offset = redisNow.Sub(time.Now())
	if !l.down {
		l.mu.Unlock()
		return
	}
	l.down, l.upSince = false, time.Now()
	since := l.downSince
	replay := make(map[string][]any)
	for key, o := range l.own {
		args := []any{0, o.per.Microseconds(), l.margin.Microseconds(), l.id + ":replay:" + since.Format("150405.000000") + ":"}
		if o.fixed {
			args[0] = 1
		}
		n := 0
		for _, t := range o.times {
			if !t.Before(since) {
				args = append(args, t.Add(l.offset).UnixMicro())
				n++
			}
		}
		if n > 0 {
			replay[key] = args
		}
	}
	l.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for key, args := range replay {
		if err := replayScript.Run(ctx, l.rdb, []string{key}, args...).Err(); err != nil {
			l.log.Error("redisstore: could not add the requests admitted while Redis was away", "limiter", l.keys.tag, "err", err)
		}
	}
	l.log.Info("redisstore: Redis is back; limits are shared again", "limiter", l.keys.tag, "away", time.Since(since).Round(time.Millisecond))
}

// shareNext returns when this process's fair share of every window lets
// it send again, and what holds it back. After an outage (since set) only
// windows that still hold requests from the outage count: until then the
// other processes may not have told Redis what they sent meanwhile.
func (l *Limiter) shareNext(bs []bucket, now, since time.Time) (time.Time, string, ratelimit.Scope) {
	t, reason, scope := now, "", ratelimit.Global
	if l.block.After(t) {
		t, reason = l.block, "the cooldown after a 429"
	}
	for _, b := range bs {
		for _, w := range b.windows {
			if w.Limit <= 0 || (!since.IsZero() && now.Sub(since) > w.Per+l.margin) {
				continue
			}
			share := max(1, w.Limit/l.replicas)
			if n := l.ownLog(b, w).next(now, share, l.margin); n.After(t) {
				t, scope = n, b.scope()
				reason = fmt.Sprintf("%s window %s (this process's share %d while Redis is or was unreachable)", b.label, w, share)
			}
		}
	}
	return t, reason, scope
}

// reserveLocal admits a request at this process's fair share.
func (l *Limiter) reserveLocal(ctx context.Context, key string, bs []bucket, s ratelimit.Settings, start time.Time) (ratelimit.Reservation, error) {
	for {
		l.mu.Lock()
		now := time.Now()
		t, reason, scope := l.shareNext(bs, now, time.Time{})
		if !t.After(now) {
			l.mu.Unlock()
			l.admitted(bs, now, start)
			return &reservation{l: l, bs: bs, ownAt: now, local: true}, nil
		}
		retry := l.nextTry
		l.mu.Unlock()
		wait := t.Sub(now)
		if err := l.tooLong(ctx, key, scope, reason, t, time.Since(start)+wait, s.MaxWait); err != nil {
			return nil, err
		}
		// Wake up for the next look at Redis if that comes first.
		if d := retry.Sub(now); d > 0 && d < wait {
			wait = d
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("ratelimit: wait for %s interrupted: %w", reason, err)
		}
		if !l.isDown() {
			return l.Reserve(ctx, key)
		}
	}
}

// afterOutage holds a request back, while Redis is being tried again and
// for one window length after it came back, until this process's fair
// share allows it too; it returns false when nothing holds it.
func (l *Limiter) afterOutage(ctx context.Context, key string, bs []bucket, s ratelimit.Settings, start time.Time) (bool, error) {
	l.mu.Lock()
	now := time.Now()
	since := l.upSince
	switch {
	case l.down:
		// Trying Redis again: what it will know does not include what
		// the others sent meanwhile.
		since = time.Time{}
	case since.IsZero():
		l.mu.Unlock()
		return false, nil
	}
	t, reason, scope := l.shareNext(bs, now, since)
	l.mu.Unlock()
	if !t.After(now) {
		return false, nil
	}
	wait := t.Sub(now)
	if err := l.tooLong(ctx, key, scope, reason, t, time.Since(start)+wait, s.MaxWait); err != nil {
		return true, err
	}
	if err := sleep(ctx, wait); err != nil {
		return true, fmt.Errorf("ratelimit: wait for %s interrupted: %w", reason, err)
	}
	return true, nil
}

// observeLocal keeps this process away after a 429 while Redis is away:
// Retry-After when sent, else the first step of the backoff.
func (l *Limiter) observeLocal(resp *http.Response) {
	if resp == nil || resp.StatusCode != http.StatusTooManyRequests {
		return
	}
	d, ok := ratelimit.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	if !ok {
		d = cooldownBase
	}
	l.mu.Lock()
	if until := time.Now().Add(d); until.After(l.block) {
		l.block = until
		l.cooldowns.Add(1)
	}
	l.mu.Unlock()
}

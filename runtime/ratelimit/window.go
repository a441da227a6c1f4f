package ratelimit

import (
	"slices"
	"time"
)

// window enforces one Window. Sliding windows keep a log of the last
// Limit send times; a token bucket cannot be used because, for two windows
// at once, it lets a burst at the end of one interval and another at the
// start of the next land within one window length. The log answers exactly
// "how many sends does the interval ending now hold", which is the only
// question the guarantee needs, with memory bounded by the limit.
//
// Requests admitted whose send time is not known yet (pending) count as
// sent now and at every later instant until it is: a request is never
// admitted beside them beyond the limit, however late they go out.
type window struct {
	spec   Window // as configured, with Limit following the server
	limit  int
	per    time.Duration
	fixed  bool
	log    []int64      // sliding: offsets from base of the last sends, ascending
	counts []fixedCount // fixed: sends per period index, ascending
}

type fixedCount struct {
	idx int64
	n   int
}

func newWindow(w Window) *window {
	return &window{spec: w, limit: w.Limit, per: w.Per, fixed: w.fixed()}
}

// earliest returns the first time >= now at which the request with ahead
// others queued before it may go, as far as the recorded sends tell, and
// when the blocking slot frees (the edge without margin). blocked is true
// when the request may not go now, including when only pending requests
// stand in the way: their send times, not the clock, will free it.
func (w *window) earliest(now, base time.Time, margin time.Duration, pending, ahead int) (next, reset time.Time, blocked bool) {
	if w.fixed {
		return w.earliestFixed(now, margin, pending, ahead)
	}
	span := w.per + margin
	// Sends strictly after cut are still inside the window ending now.
	cut := int64(now.Sub(base) - span)
	first, _ := slices.BinarySearch(w.log, cut+1)
	inside := w.log[first:]
	used := len(inside) + pending
	if used+ahead < w.limit {
		return now, time.Time{}, false
	}
	// Sends in order: inside, then pending, then the ones queued ahead and
	// this one. Each must come span after the one limit places before it.
	j := used + ahead - w.limit // index of the send this one depends on
	var hops int64
	for j >= used {
		j -= w.limit
		hops++
	}
	if j < 0 {
		// The chain ends on a queued send that may go now.
		next = now.Add(time.Duration(hops) * span)
		return next, next.Add(-margin), true
	}
	at := now // a pending send: at least now
	if j < len(inside) {
		at = base.Add(time.Duration(inside[j]))
	}
	reset = at.Add(time.Duration(hops) * span).Add(w.per)
	return later(reset.Add(margin), now), reset, true
}

// A send at t counts in every period that t±margin touches: the server's
// view of the period edge may differ from ours by the jitter the margin
// stands for, so a send near an edge must fit both periods. Pending sends
// count in every period from now on.
func (w *window) earliestFixed(now time.Time, margin time.Duration, pending, ahead int) (next, reset time.Time, blocked bool) {
	lo := w.index(now.Add(-margin))
	full, isFull := lo, false
	for k := lo; k <= w.index(now.Add(margin)); k++ {
		if w.count(k)+pending+ahead >= w.limit {
			full, isFull = k, true
		}
	}
	for _, c := range w.counts {
		if c.idx >= lo && c.n+pending+ahead >= w.limit {
			full, isFull = max(full, c.idx), true
		}
	}
	if !isFull {
		return now, time.Time{}, false
	}
	// The periods after the full one start empty; each takes limit of
	// those queued ahead.
	k := full + 1 + int64(max(ahead-w.limit, 0)/w.limit)
	reset = w.start(k)
	return later(reset.Add(margin), now), reset, true
}

// record adds a send at t.
func (w *window) record(t, base time.Time, margin time.Duration) {
	if !w.fixed {
		v := int64(t.Sub(base))
		i := len(w.log)
		for i > 0 && w.log[i-1] > v {
			i--
		}
		w.log = slices.Insert(w.log, i, v)
		if over := len(w.log) - w.limit; over > 0 {
			// Only the last limit sends can ever decide; compact now and
			// then rather than on every drop.
			w.log = w.log[over:]
			if cap(w.log) > 4*w.limit+64 {
				w.log = slices.Clone(w.log)
			}
		}
		return
	}
	lo, hi := w.index(t.Add(-margin)), w.index(t.Add(margin))
	// Sends are recorded about in order, so periods well before lo are done.
	i := 0
	for i < len(w.counts) && w.counts[i].idx < lo-1 {
		i++
	}
	w.counts = append(w.counts[:0], w.counts[i:]...)
	for k := lo; k <= hi; k++ {
		w.add(k, 1)
	}
}

// reconcile adds sends at now until the window holds at least as many as
// the server's remaining count implies it counted.
func (w *window) reconcile(now, base time.Time, margin time.Duration, remaining int) {
	cut := int64(now.Sub(base) - w.per - margin)
	first, _ := slices.BinarySearch(w.log, cut+1)
	for n := len(w.log) - first; n < w.limit-remaining; n++ {
		w.record(now, base, margin)
	}
}

func (w *window) setLimit(n int) {
	w.limit, w.spec.Limit = n, n
	if !w.fixed && len(w.log) > n {
		w.log = slices.Clone(w.log[len(w.log)-n:])
	}
}

func (w *window) index(t time.Time) int64 {
	ns, per := t.UnixNano(), int64(w.per)
	q := ns / per
	if ns%per < 0 {
		q--
	}
	return q
}

// start is the beginning of period k. Periods count from the Unix epoch,
// which is a UTC midnight, so periods that divide a day start at UTC
// midnight as UTCMidnight asks.
func (w *window) start(k int64) time.Time { return time.Unix(0, k*int64(w.per)).UTC() }

func (w *window) count(k int64) int {
	for _, c := range w.counts {
		if c.idx == k {
			return c.n
		}
	}
	return 0
}

func (w *window) add(k int64, d int) {
	for i := range w.counts {
		if w.counts[i].idx == k {
			w.counts[i].n += d
			return
		}
	}
	w.counts = append(w.counts, fixedCount{idx: k, n: d})
	slices.SortFunc(w.counts, func(a, b fixedCount) int { return int(a.idx - b.idx) })
}

package ratelimit

import (
	"time"
)

// window enforces one Window. Sliding windows keep a log of the last
// Limit send times; a token bucket cannot be used because, for two windows
// at once, it lets a burst at the end of one interval and another at the
// start of the next land within one window length. The log answers exactly
// "when did the Limit-th most recent send happen", which is the only
// question the guarantee needs, in O(1) per request, with memory bounded by
// the limit and allocated only as requests are made.
type window struct {
	spec   Window // as configured, with Limit following the server
	limit  int
	per    time.Duration
	fixed  bool
	log    ring         // sliding: offsets from base of the last sends, oldest first
	counts []fixedCount // fixed: sends per period index, ascending
}

type fixedCount struct {
	idx int64
	n   int
}

func newWindow(w Window) *window {
	return &window{spec: w, limit: w.Limit, per: w.Per, fixed: w.fixed()}
}

// earliest returns the first time >= t at which one more send keeps the
// window within its limit, and when the blocking slot frees (the edge
// without margin). ok is false when t itself is fine.
func (w *window) earliest(t, base time.Time, margin time.Duration) (next, reset time.Time, ok bool) {
	if w.fixed {
		return w.earliestFixed(t, margin)
	}
	if w.log.n < w.limit {
		return t, time.Time{}, false
	}
	// The send Limit places back must be more than Per (+margin) ago, so
	// that no interval of length Per holds Limit+1 sends.
	free := base.Add(time.Duration(w.log.nthRecent(w.limit))).Add(w.per)
	if next := free.Add(margin); t.Before(next) {
		return next, free, true
	}
	return t, time.Time{}, false
}

// A send at t counts in every period that t±margin touches: the server's
// view of the period edge may differ from ours by the jitter the margin
// stands for, so a send near an edge must fit both periods.
func (w *window) earliestFixed(t time.Time, margin time.Duration) (next, reset time.Time, ok bool) {
	for {
		lo, hi := w.index(t.Add(-margin)), w.index(t.Add(margin))
		blocked := false
		for k := lo; k <= hi; k++ {
			if w.count(k) >= w.limit {
				reset = w.start(k + 1)
				t = reset.Add(margin)
				ok, blocked = true, true
				break
			}
		}
		if !blocked {
			return t, reset, ok
		}
	}
}

func (w *window) record(t, base time.Time, margin time.Duration) {
	if !w.fixed {
		// One entry beyond the limit, so that unrecord can restore the
		// entry this push would otherwise have dropped.
		w.log.push(int64(t.Sub(base)), w.limit+1)
		return
	}
	lo, hi := w.index(t.Add(-margin)), w.index(t.Add(margin))
	// Reservations only move forward, so periods before lo are done.
	i := 0
	for i < len(w.counts) && w.counts[i].idx < lo {
		i++
	}
	w.counts = append(w.counts[:0], w.counts[i:]...)
	for k := lo; k <= hi; k++ {
		w.add(k, 1)
	}
}

// unrecord takes back the most recent record(t); the caller makes sure no
// later record happened.
func (w *window) unrecord(t time.Time, margin time.Duration) {
	if !w.fixed {
		w.log.pop()
		return
	}
	for k := w.index(t.Add(-margin)); k <= w.index(t.Add(margin)); k++ {
		w.add(k, -1)
	}
}

func (w *window) setLimit(n int) {
	w.limit, w.spec.Limit = n, n
	w.log.trim(n + 1)
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
	if d > 0 {
		w.counts = append(w.counts, fixedCount{idx: k, n: d})
	}
}

// ring is a FIFO of int64 that grows on demand up to a cap, then drops its
// oldest entry on every push.
type ring struct {
	buf  []int64
	head int // index of the oldest entry
	n    int
}

func (r *ring) at(i int) int64 { return r.buf[(r.head+i)%len(r.buf)] }

// nthRecent returns the k-th most recent entry, 1 <= k <= n.
func (r *ring) nthRecent(k int) int64 { return r.at(r.n - k) }

func (r *ring) push(v int64, capacity int) {
	if r.n >= capacity {
		r.trim(capacity - 1)
	}
	if r.n == len(r.buf) {
		size := max(2*len(r.buf), 8)
		size = min(size, capacity)
		nb := make([]int64, size)
		for i := 0; i < r.n; i++ {
			nb[i] = r.at(i)
		}
		r.buf, r.head = nb, 0
	}
	r.buf[(r.head+r.n)%len(r.buf)] = v
	r.n++
}

func (r *ring) pop() {
	if r.n > 0 {
		r.n--
	}
}

// trim drops the oldest entries until at most n remain.
func (r *ring) trim(n int) {
	if n < 0 {
		n = 0
	}
	for r.n > n {
		r.head = (r.head + 1) % len(r.buf)
		r.n--
	}
}

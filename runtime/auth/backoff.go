package auth

import (
	"math/rand/v2"
	"sync"
	"time"
)

// Failed fetches open a backoff: 1 s, doubling with every further failure
// up to Cache.MaxBackoff, plus up to a quarter of jitter so that processes
// that failed together do not come back together.
const (
	initialBackoff    = time.Second
	defaultMaxBackoff = time.Minute // the limiter's default maxWait
)

// failGate remembers the last failed fetch, handed to every caller until
// its backoff ends: a failing token endpoint then gets at most one request
// per backoff period from this process, whatever the concurrency.
type failGate struct {
	mu    sync.Mutex
	err   error
	until time.Time
	next  time.Duration // the backoff of the next failure
}

// blocked returns the last error while its backoff lasts.
func (g *failGate) blocked(now time.Time) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.err != nil && now.Before(g.until) {
		return g.err
	}
	return nil
}

// record opens a backoff after err, or clears it after a success (nil).
func (g *failGate) record(err error, now time.Time, maxBackoff time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if err == nil {
		g.err, g.next = nil, 0
		return
	}
	if maxBackoff <= 0 {
		maxBackoff = defaultMaxBackoff
	}
	d := min(max(g.next, initialBackoff), maxBackoff)
	wait := min(d+time.Duration(rand.Float64()*float64(d/4)), maxBackoff)
	g.err, g.until, g.next = err, now.Add(wait), min(2*d, maxBackoff)
}

package ratelimit

import (
	"context"
	"net/http"
	"time"
)

// Limiter admits requests at the moment they are sent. Local implements it
// in one process; a distributed implementation (Redis) gives the same
// guarantees to every process sharing its store, timed by one clock that
// all of them share.
//
// Reserve blocks until a request of the route bucket key (see RouteKey;
// global limits apply whatever the key) may be sent now, and admits it. An
// implementation must guarantee, for every window of every bucket, that no
// interval of the window's length (plus the margin at each edge) holds
// more than its limit of send times, where the send time of a request is
// the later of its admission and its Reservation.Sent call. To hold this
// whatever the scheduling delay between Reserve and the write, a request
// admitted and not yet ended (by Observe or Cancel) counts as sent at every
// instant from its admission on, so no later admission can bunch with it.
// A header budget (remaining/reset) admits at most what the server said
// remains, minus the requests in flight, until its reset; then it expires
// and the spec's windows apply again, one probe first when the new budget
// is unknown. While a cooldown opened by a 429 is open, nothing of its
// scope is admitted; after it, one probe goes alone and the rest only once
// its answer was not a 429.
//
// Reserve fails at once, without sleeping and without admitting: with a
// *QuotaExhaustedError when the wait would exceed the limiter's maximum
// wait, with an error wrapping context.DeadlineExceeded when it would pass
// ctx's deadline, and with ctx's error when ctx ends while it waits.
//
// Implementations are safe for concurrent use, and so are Reservations.
type Limiter interface {
	Reserve(ctx context.Context, key string) (Reservation, error)
	// Stats returns the counters since the limiter was made.
	Stats() Stats
}

// Reservation is one admitted request. Exactly one of Observe or Cancel
// ends it; Sent, when called at all, comes first. Transport drives it.
type Reservation interface {
	// Sent records that the request was handed to the connection, at the
	// moment of the call by the limiter's clock (Transport calls it from
	// httptrace's WroteHeaders). Without it the request counts as sent
	// when Observe is called, which is later than the truth and so safe.
	Sent()
	// Observe ends a reservation whose request may have reached the
	// server, with the response, or nil when none arrived. It learns the
	// rate-limit headers and opens the scope's cooldown on a 429. It must
	// not read or close resp.Body.
	Observe(resp *http.Response)
	// Cancel ends a reservation whose request was provably never written:
	// its slot is given back.
	Cancel()
}

// Stats are a limiter's counters, for users and tests to see what it did.
type Stats struct {
	Sent      int64         // requests admitted and not cancelled
	Waited    int64         // admitted requests that had to wait first
	TotalWait time.Duration // summed over all admitted requests
	TooMany   int64         // 429 responses observed
	Cooldowns int64         // cooldowns opened by a 429
}

// Package deltareset is a server for the rate limiters' tests: a quota
// whose reset is sent as seconds from now, with answers that arrive out
// of the order the server counted them.
package deltareset

import (
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/apigen-go/apigen/runtime/ratelimit"
)

// Headers are the Server's rate-limit headers, as a limiter is told them.
var Headers = []ratelimit.Headers{{Remaining: "X-Ratelimit-Remaining", Reset: "X-Ratelimit-Reset", ResetUnit: ratelimit.DeltaSeconds}}

// Server counts requests on arrival, on its own clock, against a quota
// that resets at one moment, and says what is left and in how many
// seconds (rounded up) it resets. Each request is delayed by up to
// latency on its way in and again on its way back, so that answers
// arrive out of the order the server counted them, each with a reset
// that, read on its arrival, lies a little apart from the others'.
type Server struct {
	reset   time.Time
	latency time.Duration

	mu          sync.Mutex
	left        int
	ok, tooMany int
}

// New returns a Server with left requests in its quota.
func New(left int, latency time.Duration) *Server {
	// Some fraction of a second past the hour, so that the rounding
	// differs from one server to the next.
	return &Server{reset: time.Now().Add(time.Hour + rand.N(time.Second)), latency: latency, left: left}
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	time.Sleep(rand.N(s.latency))
	s.mu.Lock()
	status := http.StatusOK
	if s.left == 0 {
		status = http.StatusTooManyRequests
		s.tooMany++
	} else {
		s.left--
		s.ok++
	}
	left := s.left
	reset := int64(math.Ceil(time.Until(s.reset).Seconds()))
	s.mu.Unlock()
	time.Sleep(rand.N(s.latency))
	w.Header().Set("X-Ratelimit-Remaining", strconv.Itoa(left))
	w.Header().Set("X-Ratelimit-Reset", strconv.FormatInt(reset, 10))
	w.WriteHeader(status)
}

// Counts returns how many requests the server accepted and refused.
func (s *Server) Counts() (ok, tooMany int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ok, s.tooMany
}

package ratelimit_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/ratelimit"
	"github.com/apigen-go/apigen/runtime/transport"
)

// arrival is one request as a wall-clock server saw it.
type arrival struct {
	at     time.Time
	status int
	id     int
}

// windowServer is a wall-clock httptest server that enforces sliding
// windows exactly as documented (no margin: the server's own count of
// arrivals in the last Per) and records every arrival. Over a limit it
// answers 429; with headers it also says, PDF Generator-style, how many
// of the longest window's requests remain.
type windowServer struct {
	windows []ratelimit.Window
	headers bool
	// arrivedAt tells when a request arrived; nil means now.
	arrivedAt func(*http.Request) time.Time

	mu       sync.Mutex
	arrivals []arrival
	accepted []time.Time
}

func newWindowServer(tb testing.TB, headers bool, ws ...ratelimit.Window) (*windowServer, *httptest.Server) {
	s := &windowServer{windows: ws, headers: headers}
	srv := httptest.NewServer(s)
	tb.Cleanup(srv.Close)
	return s, srv
}

func (s *windowServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	if s.arrivedAt != nil {
		now = s.arrivedAt(r)
	}
	id, _ := strconv.Atoi(r.Header.Get("X-Test-ID"))
	s.mu.Lock()
	status := http.StatusOK
	for _, win := range s.windows {
		if s.inLast(now, win.Per) >= win.Limit {
			status = http.StatusTooManyRequests
		}
	}
	if status == http.StatusOK {
		// Stamps of concurrent requests may come out of order.
		i := len(s.accepted)
		for i > 0 && s.accepted[i-1].After(now) {
			i--
		}
		s.accepted = slices.Insert(s.accepted, i, now)
	}
	s.arrivals = append(s.arrivals, arrival{now, status, id})
	if s.headers {
		long := s.windows[len(s.windows)-1]
		w.Header().Set("X-RateLimit-Limit", strconv.Itoa(long.Limit))
		w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(max(long.Limit-s.inLast(now, long.Per), 0)))
	}
	s.mu.Unlock()
	w.WriteHeader(status)
}

// inLast counts accepted arrivals in (now-per, now]. s.mu is held.
func (s *windowServer) inLast(now time.Time, per time.Duration) int {
	i, _ := slices.BinarySearchFunc(s.accepted, now.Add(-per), func(a, t time.Time) int { return a.Compare(t) })
	for i < len(s.accepted) && !s.accepted[i].After(now.Add(-per)) {
		i++
	}
	return len(s.accepted) - i
}

// log returns the arrivals in the order of their times.
func (s *windowServer) log() []arrival {
	s.mu.Lock()
	as := slices.Clone(s.arrivals)
	s.mu.Unlock()
	slices.SortStableFunc(as, func(a, b arrival) int { return a.at.Compare(b.at) })
	return as
}

// maxInWindow is the largest number of arrivals in any interval of length
// per (half-open, as the server counts), and those arrivals.
func maxInWindow(as []arrival, per time.Duration) (int, []arrival) {
	best, lo, at := 0, 0, 0
	for hi := range as {
		for !as[lo].at.After(as[hi].at.Add(-per)) {
			lo++
		}
		if hi-lo+1 > best {
			best, at = hi-lo+1, lo
		}
	}
	return best, as[at : at+best]
}

// utilisation is the share of the binding window's budget used over the
// first n of its windows from the first arrival, in percent.
func utilisation(as []arrival, w ratelimit.Window, n int) float64 {
	if len(as) == 0 {
		return 0
	}
	end := as[0].at.Add(time.Duration(n) * w.Per)
	sent := 0
	for _, a := range as {
		if a.at.Before(end) && a.status == http.StatusOK {
			sent++
		}
	}
	return 100 * float64(sent) / float64(n*w.Limit)
}

func count429(as []arrival) int {
	n := 0
	for _, a := range as {
		if a.status == http.StatusTooManyRequests {
			n++
		}
	}
	return n
}

// hammer runs callers that send requests through rt back to back until
// stop is closed, each request numbered in X-Test-ID.
func hammer(rt http.RoundTripper, url string, callers int, stop <-chan struct{}) (errs []error) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var ids atomic.Int64
	op := &transport.Operation{ID: "op", Method: "GET", PathTemplate: "/"}
	for range callers {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				ctx, cancel := context.WithCancel(transport.WithOperation(context.Background(), op))
				go func() {
					select {
					case <-stop:
						cancel()
					case <-ctx.Done():
					}
				}()
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
				req.Header.Set("X-Test-ID", strconv.FormatInt(ids.Add(1), 10))
				resp, err := rt.RoundTrip(req)
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				cancel()
				if err != nil && ctx.Err() == nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	return errs
}

// measureWindows runs callers against the windowServer at url for n
// binding windows (the last one listed); logOf returns the server's log.
func measureWindows(tb testing.TB, url string, logOf func() []arrival, callers, n int, ws ...ratelimit.Window) ([]arrival, ratelimit.Stats) {
	l, err := ratelimit.New(ratelimit.Config{
		Windows: ws,
		Headers: []ratelimit.Headers{{Limit: "X-RateLimit-Limit", Remaining: "X-RateLimit-Remaining", Per: ws[len(ws)-1].Per}},
	})
	if err != nil {
		tb.Fatal(err)
	}
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.MaxIdleConnsPerHost = callers
	defer base.CloseIdleConnections()
	var mu sync.Mutex
	clientAt = map[int]time.Time{}
	rec := transport.RoundTripperFunc(func(req *http.Request) (*http.Response, error) {
		id, _ := strconv.Atoi(req.Header.Get("X-Test-ID"))
		mu.Lock()
		clientAt[id] = time.Now()
		mu.Unlock()
		return base.RoundTrip(req)
	})
	rt := transport.Chain(rec, ratelimit.Middleware(l))
	stop := make(chan struct{})
	time.AfterFunc(time.Duration(n)*ws[len(ws)-1].Per+200*time.Millisecond, func() { close(stop) })
	for _, err := range hammer(rt, url, callers, stop) {
		tb.Errorf("request failed: %v", err)
	}
	return logOf(), l.Stats()
}

// clientAt is when each request of the last measureWindows left the
// limiter, for failure messages.
var clientAt map[int]time.Time

package redisstore

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/ratelimit"
)

// The header budget shared through Redis follows ratelimit.Local's rule:
// what surely remains is the server's count less every request admitted
// and not answered (which it may not have counted yet), and a request that
// finds the budget used up only by such requests waits for their answers.

func budgetResponse(kv ...string) *http.Response {
	resp := ok200()
	for i := 0; i < len(kv); i += 2 {
		resp.Header.Set(kv[i], kv[i+1])
	}
	return resp
}

func reserveSent(t *testing.T, l *Limiter) ratelimit.Reservation {
	t.Helper()
	r, err := l.Reserve(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	r.Sent()
	return r
}

func quotaErr(t *testing.T, err error) *ratelimit.QuotaExhaustedError {
	t.Helper()
	var qe *ratelimit.QuotaExhaustedError
	if !errors.As(err, &qe) {
		t.Fatalf("got %v, want *QuotaExhaustedError", err)
	}
	return qe
}

// reserveLater starts a Reserve and checks that it is still waiting a
// moment later.
func reserveLater(t *testing.T, l *Limiter, what string) <-chan error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		r, err := l.Reserve(context.Background(), "")
		if err == nil {
			r.Observe(ok200())
		}
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("%s: Reserve = %v, want it to wait for the answer of the request in flight", what, err)
	case <-time.After(150 * time.Millisecond):
	}
	return done
}

var budgetHeaders = []ratelimit.Headers{{Remaining: "R", Reset: "Reset", ResetUnit: ratelimit.DeltaSeconds}}

// A response saying "1 left" arrives while another request is in flight:
// the server may not have counted that one yet, so nothing is surely left
// and a third request waits for its answer; the answer says the server
// had not counted it (0 left): the third fails with the server's count.
// (ratelimit's TestInflightRequestsComeOffTheBudget)
func TestLimiterInflightRequestsComeOffTheBudget(t *testing.T) {
	rdb := sharedRedis(t)
	l := newLimiter(t, rdb, uniqueName(t), ratelimit.Config{Headers: budgetHeaders, MaxWait: -1}, 1)
	a := reserveSent(t, l)
	b := reserveSent(t, l) // still in flight when A's answer comes
	a.Observe(budgetResponse("R", "1", "Reset", "10"))
	third := reserveLater(t, l, "third request before B's answer")
	before := time.Now()
	b.Observe(budgetResponse("R", "0", "Reset", "10"))
	qe := quotaErr(t, <-third)
	if !strings.Contains(qe.Reason, "count R of the server") || qe.ResetAt.Before(before.Add(9*time.Second)) {
		t.Fatalf("error %+v; want the server's R count until its reset in 10s", qe)
	}
}

// The server had counted B when it answered A ("1 left" with B in
// flight): B's answer says 1 too, so one more request may go, and goes
// once that answer is in. The next one fails at once: nothing in flight
// could still give one back. (ratelimit's
// TestInflightRequestsCountedAlreadyComeBack)
func TestLimiterInflightRequestsCountedAlreadyComeBack(t *testing.T) {
	rdb := sharedRedis(t)
	l := newLimiter(t, rdb, uniqueName(t), ratelimit.Config{Headers: budgetHeaders, MaxWait: -1}, 1)
	a := reserveSent(t, l)
	b := reserveSent(t, l)
	a.Observe(budgetResponse("R", "1", "Reset", "10"))
	third := reserveLater(t, l, "third request before B's answer")
	b.Observe(budgetResponse("R", "1", "Reset", "10"))
	if err := <-third; err != nil {
		t.Fatalf("third request after B's answer said 1 left: %v", err)
	}
	_, err := l.Reserve(context.Background(), "")
	quotaErr(t, err)
}

// A request held for the answers of requests in flight ends with its
// context, whatever MaxWait says (as ratelimit.Local's).
func TestLimiterInflightHoldEndsWithContext(t *testing.T) {
	rdb := sharedRedis(t)
	l := newLimiter(t, rdb, uniqueName(t), ratelimit.Config{Headers: budgetHeaders, MaxWait: -1}, 1)
	a := reserveSent(t, l)
	b := reserveSent(t, l)
	defer b.Observe(ok200())
	a.Observe(budgetResponse("R", "1", "Reset", "10"))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := l.Reserve(ctx, "")
	var qe *ratelimit.QuotaExhaustedError
	if !errors.Is(err, context.DeadlineExceeded) || errors.As(err, &qe) {
		t.Fatalf("Reserve held until its deadline = %v; want the context's error", err)
	}
}

// quotaServer counts requests on arrival against a daily quota with an
// absolute reset, as RAYNET does, and answers 429 once none is left. A
// request whose X-Test header names a gate waits there, before or after
// it is counted, until the test opens it: a slow network on the way in,
// or a slow answer.
type quotaServer struct {
	reset int64

	mu      sync.Mutex
	left    int
	ok      int
	tooMany int
	gates   map[string]*gate
}

type gate struct {
	in      bool          // held before it is counted, else after
	reached chan struct{} // closed when the request is at the server
	counted chan struct{} // closed when it was counted
	open    chan struct{} // closed by the test to let it go on
}

func newQuotaServer(left int) *quotaServer {
	return &quotaServer{reset: time.Now().Add(time.Hour).Unix(), left: left, gates: map[string]*gate{}}
}

func (s *quotaServer) gate(name string, in bool) *gate {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := &gate{in: in, reached: make(chan struct{}), counted: make(chan struct{}), open: make(chan struct{})}
	s.gates[name] = g
	return g
}

func (s *quotaServer) remaining() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.left
}

func (s *quotaServer) counts() (ok, tooMany int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ok, s.tooMany
}

func (s *quotaServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	g := s.gates[r.Header.Get("X-Test")]
	s.mu.Unlock()
	if g != nil {
		close(g.reached)
		if g.in {
			<-g.open
		}
	}
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
	s.mu.Unlock()
	if g != nil {
		close(g.counted)
		if !g.in {
			<-g.open
		}
	}
	w.Header().Set("X-Ratelimit-Remaining", strconv.Itoa(left))
	w.Header().Set("X-Ratelimit-Reset", strconv.FormatInt(s.reset, 10))
	w.WriteHeader(status)
}

// Two processes share a daily quota of which 5 are left. The server
// counts requests on arrival: one request is counted but its answer is
// slow, another is slow to arrive, when the first answer says 3 left.
// Then 6 calls go concurrently through both. Exactly the 5 the server
// allows are sent, none gets a 429, and the calls that find the budget
// used up by requests in flight wait for their answers: they fail with
// QuotaExhaustedError only once those answers are in and the server's
// count is really 0.
func TestLimiterSharedHeaderBudgetUsedToTheLastCall(t *testing.T) {
	rdb := sharedRedis(t)
	name := uniqueName(t)
	cfg := ratelimit.Config{
		Headers: []ratelimit.Headers{{Remaining: "X-Ratelimit-Remaining", Reset: "X-Ratelimit-Reset", ResetUnit: ratelimit.EpochSeconds}},
		MaxWait: time.Second,
	}
	srv := newQuotaServer(5)
	hs := httptest.NewServer(srv)
	defer hs.Close()
	var clients []*http.Client
	for range 2 {
		l := newLimiter(t, rdb, name, cfg, 2)
		clients = append(clients, &http.Client{Transport: ratelimit.Middleware(l)(http.DefaultTransport)})
	}
	var answered sync.WaitGroup // the slow requests' answers
	answered.Add(2)
	var mu sync.Mutex
	slowAnswered := false
	type result struct {
		status int
		err    error
		early  bool // returned before the slow answer was in
	}
	call := func(c *http.Client, gate string) result {
		req, _ := http.NewRequest(http.MethodGet, hs.URL, nil)
		req.Header.Set("X-Test", gate)
		resp, err := c.Do(req)
		mu.Lock()
		early := !slowAnswered
		mu.Unlock()
		if err != nil {
			return result{err: err, early: early}
		}
		resp.Body.Close()
		return result{status: resp.StatusCode, early: early}
	}
	results := make(chan result, 8)
	// slowAnswer is counted (5 → 4) and its answer held; slowArrival is
	// sent and held on its way in.
	slowAnswer, slowArrival := srv.gate("slowAnswer", false), srv.gate("slowArrival", true)
	go func() { results <- call(clients[0], "slowAnswer"); answered.Done() }()
	<-slowAnswer.counted
	go func() { results <- call(clients[1], "slowArrival"); answered.Done() }()
	<-slowArrival.reached
	time.Sleep(50 * time.Millisecond) // its send is recorded in the background
	if r := call(clients[0], "first"); r.err != nil || r.status != http.StatusOK || srv.remaining() != 3 {
		t.Fatalf("first answered call = %+v, server count %d; want 200 with 3 left", r, srv.remaining())
	}
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Go(func() { results <- call(clients[i%2], "") })
	}
	// Let the six run into the budget, then let the slow ones through.
	time.Sleep(300 * time.Millisecond)
	close(slowArrival.open)
	<-slowArrival.counted
	mu.Lock()
	slowAnswered = true // from now on (the slow answer may come any moment)
	mu.Unlock()
	close(slowAnswer.open)
	answered.Wait()
	wg.Wait()
	ok := 0
	for range 8 {
		r := <-results
		switch {
		case r.err == nil && r.status == http.StatusOK:
			ok++
		case r.err != nil:
			quotaErr(t, r.err)
			if r.early {
				t.Errorf("a call failed before the answers in flight were in: %v", r.err)
			}
		default:
			t.Errorf("a call was answered %d", r.status)
		}
	}
	if counted, tooMany := srv.counts(); ok != 4 || counted != 5 || tooMany != 0 || srv.remaining() != 0 {
		t.Errorf("%d of the 8 calls after the first went through; the server counted %d, answered %d × 429 and has %d left; want 4, 5 (the quota), 0 and 0",
			ok, counted, tooMany, srv.remaining())
	}
}

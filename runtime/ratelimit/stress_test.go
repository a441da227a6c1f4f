//go:build stress

// The real-time tier (make stress, CONTRACT §6): the guarantees of the
// limiter checked on the wall clock against servers that record arrival
// times, quiet, under CPU load and (from make stress) under -race.

package ratelimit_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigen-go/apigen/internal/stamped"
	"github.com/apigen-go/apigen/runtime/ratelimit"
	"github.com/apigen-go/apigen/runtime/retry"
	"github.com/apigen-go/apigen/runtime/transport"
)

// burnCPU keeps n goroutines spinning on GOMAXPROCS=2 until the test ends,
// so that the limiter's goroutines are scheduled late.
func burnCPU(t *testing.T, n int) {
	old := runtime.GOMAXPROCS(2)
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			x := 0
			for !stop.Load() {
				for i := range 10000 {
					x += i * i
				}
			}
			_ = x
		})
	}
	t.Cleanup(func() {
		stop.Store(true)
		wg.Wait()
		runtime.GOMAXPROCS(old)
	})
}

// TestStressServerProcess is the windowServer of the limiter cases, run in
// a process of its own (the test binary again): the client's CPU burners
// must not delay the server's clock readings, as they would not delay a
// real server's. It serves until its stdin closes.
func TestStressServerProcess(t *testing.T) {
	spec := os.Getenv("STRESS_SERVER_WINDOWS")
	if spec == "" {
		t.Skip("the server half of the limiter stress cases, started by them")
	}
	var ws []ratelimit.Window
	for _, f := range strings.Split(spec, ",") {
		n, per, _ := strings.Cut(f, "/")
		limit, _ := strconv.Atoi(n)
		d, _ := time.ParseDuration(per)
		ws = append(ws, ratelimit.Window{Limit: limit, Per: d})
	}
	s := &windowServer{windows: ws, headers: true}
	mux := http.NewServeMux()
	mux.Handle("/", s)
	mux.HandleFunc("/log", func(w http.ResponseWriter, r *http.Request) {
		var out []wireArrival
		for _, a := range s.log() {
			out = append(out, wireArrival{a.at.UnixNano(), a.status, a.id})
		}
		json.NewEncoder(w).Encode(out)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// Arrival is when the request's first bytes reached the machine, not
	// when its handler runs: parsing (slow under -race) is not the network.
	s.arrivedAt = stamped.At
	go stamped.Serve(&http.Server{Handler: mux}, ln)
	fmt.Printf("http://%s\n", ln.Addr())
	io.Copy(io.Discard, os.Stdin)
}

type wireArrival struct {
	At     int64 `json:"at"`
	Status int   `json:"status"`
	ID     int   `json:"id"`
}

// startServerProcess starts TestStressServerProcess enforcing ws and
// returns its URL and a function fetching its arrival log.
func startServerProcess(t *testing.T, ws []ratelimit.Window) (string, func() []arrival) {
	var spec []string
	for _, w := range ws {
		spec = append(spec, fmt.Sprintf("%d/%s", w.Limit, w.Per))
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestStressServerProcess$")
	cmd.Env = append(os.Environ(), "STRESS_SERVER_WINDOWS="+strings.Join(spec, ","))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
	})
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() {
		t.Fatal("server process printed no address")
	}
	url := strings.TrimSpace(sc.Text())
	go func() {
		for sc.Scan() {
		}
	}()
	return url, func() []arrival {
		resp, err := http.Get(url + "/log")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var in []wireArrival
		if err := json.NewDecoder(resp.Body).Decode(&in); err != nil {
			t.Fatal(err)
		}
		var as []arrival
		for _, a := range in {
			as = append(as, arrival{time.Unix(0, a.At), a.Status, a.ID})
		}
		return as
	}
}

// No interval of a window's length carries more than its limit as the
// server sees arrivals, nothing is refused, and the binding window's
// budget is used (≥ 90 % here; BenchmarkLimiterUtilisation reports it).
func TestStressLimiterWindows(t *testing.T) {
	ws := []ratelimit.Window{{Limit: 20, Per: time.Second}, {Limit: 60, Per: 5 * time.Second}}
	for _, mode := range []string{"quiet", "busy"} {
		t.Run(mode, func(t *testing.T) {
			if mode == "busy" {
				burnCPU(t, 4)
			}
			url, logOf := startServerProcess(t, ws)
			as, st := measureWindows(t, url, logOf, 8, 3, ws...)
			for _, w := range ws {
				if n, in := maxInWindow(as, w.Per); n > w.Limit {
					t.Errorf("%d arrivals within %v, limit %d: %v", n, w.Per, w.Limit, offsets(in, in[0].at, clientAt))
				}
			}
			util, refused := utilisation(as, ws[1], 3), count429(as)
			t.Logf("%s: %d arrivals, %.1f %% of the 60/5s budget over 3 windows, %d × 429, stats %+v", mode, len(as), util, refused, st)
			if refused != 0 {
				t.Errorf("%d × 429", refused)
			}
			if util < 90 {
				t.Errorf("utilisation %.1f %%, want ≥ 90 %%", util)
			}
		})
	}
}

// penaltyServer refuses with bare 429s (no Retry-After, no headers) for a
// while once more than limit requests arrived within a second: a threshold
// the client does not know.
type penaltyServer struct {
	limit   int
	penalty time.Duration

	mu       sync.Mutex
	arrivals []arrival
	until    time.Time
}

func (s *penaltyServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	id, _ := strconv.Atoi(r.Header.Get("X-Attempt-ID"))
	s.mu.Lock()
	n := 0
	for _, a := range s.arrivals {
		if a.status == 200 && a.at.After(now.Add(-time.Second)) {
			n++
		}
	}
	status := 200
	if now.Before(s.until) || n >= s.limit {
		status = http.StatusTooManyRequests
		if !now.Before(s.until) {
			s.until = now.Add(s.penalty)
		}
	}
	s.arrivals = append(s.arrivals, arrival{now, status, id})
	s.mu.Unlock()
	w.WriteHeader(status)
}

// starts numbers every attempt (X-Attempt-ID) and records when it left the
// limiter and when the client first saw a 429.
type starts struct {
	base  http.RoundTripper
	mu    sync.Mutex
	start map[int]time.Time
	first time.Time
}

func (s *starts) RoundTrip(req *http.Request) (*http.Response, error) {
	s.mu.Lock()
	id := len(s.start) + 1
	s.start[id] = time.Now()
	s.mu.Unlock()
	req = req.Clone(req.Context())
	req.Header.Set("X-Attempt-ID", strconv.Itoa(id))
	resp, err := s.base.RoundTrip(req)
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		s.mu.Lock()
		if s.first.IsZero() {
			s.first = time.Now()
		}
		s.mu.Unlock()
	}
	return resp, err
}

// Bare 429s: once the first has returned, the requests sent after it (the
// ones in flight then excluded) arrive one per cooldown period, at least
// 1 s apart, each drawing at most one 429, until a probe succeeds; retries
// wait on the cooldown rather than on timers of their own.
func TestStressBare429Cooldown(t *testing.T) {
	srv := &penaltyServer{limit: 10, penalty: 2500 * time.Millisecond}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	l, err := ratelimit.New(ratelimit.Config{})
	if err != nil {
		t.Fatal(err)
	}
	base := http.DefaultTransport.(*http.Transport).Clone()
	defer base.CloseIdleConnections()
	rec := &starts{base: base, start: map[int]time.Time{}}
	rt := transport.Chain(rec, retry.Middleware(retry.Policy{MaxAttempts: 20, MaxElapsed: time.Minute}), ratelimit.Middleware(l))
	stop := make(chan struct{})
	time.AfterFunc(8*time.Second, func() { close(stop) })
	errs := hammer(rt, hs.URL, 10, stop)
	for _, err := range errs {
		t.Errorf("request failed: %v", err)
	}
	srv.mu.Lock()
	as := slices.Clone(srv.arrivals)
	srv.mu.Unlock()
	rec.mu.Lock()
	first := rec.first
	rec.mu.Unlock()
	if first.IsZero() {
		t.Fatal("the server never refused: nothing tested")
	}
	// Requests started after the first 429 returned, until the first
	// success among them.
	var after []arrival
	for _, a := range as {
		rec.mu.Lock()
		s, ok := rec.start[a.id]
		rec.mu.Unlock()
		if ok && s.After(first) {
			after = append(after, a)
			if a.status == 200 {
				break
			}
		}
	}
	prev := first
	for i, a := range after {
		if gap := a.at.Sub(prev); gap < time.Second {
			t.Errorf("request %d after the first 429 arrived %v after the previous one, within the cooldown", i+1, gap)
		}
		prev = a.at
	}
	st := l.Stats()
	t.Logf("first 429 at +%v; after it, until a probe succeeded: %d requests (%d × 429) at %v; stats %+v",
		first.Sub(as[0].at).Round(time.Millisecond), len(after), count429(after), offsets(after, first, nil), st)
	if len(after) == 0 || after[len(after)-1].status != 200 {
		t.Errorf("no probe succeeded after the penalty")
	}
}

// offsets shows arrivals as "+offset:status#id", with "(c+offset)" when
// sent says when the client sent it.
func offsets(as []arrival, from time.Time, sent map[int]time.Time) []string {
	var s []string
	for _, a := range as {
		e := fmt.Sprintf("+%v:%d#%d", a.at.Sub(from).Round(time.Millisecond), a.status, a.id)
		if c, ok := sent[a.id]; ok {
			e += fmt.Sprintf("(c%+v)", c.Sub(from).Round(time.Millisecond))
		}
		s = append(s, e)
	}
	return s
}

// resetServer counts fixed periods and says so in headers, epoch-ms reset
// included; over the budget it answers 429 with the same headers.
type resetServer struct {
	limit  int
	period time.Duration

	mu       sync.Mutex
	arrivals []arrival
	counts   map[int64]int
}

func (s *resetServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	k := now.UnixNano() / int64(s.period)
	s.mu.Lock()
	status := 200
	if s.counts[k] >= s.limit {
		status = http.StatusTooManyRequests
	} else {
		s.counts[k]++
	}
	s.arrivals = append(s.arrivals, arrival{at: now, status: status})
	rem := s.limit - s.counts[k]
	s.mu.Unlock()
	w.Header().Set("X-RateLimit-Limit", strconv.Itoa(s.limit))
	w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(rem))
	w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Unix(0, (k+1)*int64(s.period)).UnixMilli(), 10))
	w.WriteHeader(status)
}

// 50 callers wait for a header-announced reset: they go at the pace of
// the new budget, one probe first, and nothing is refused.
func TestStressHeaderResetWaiters(t *testing.T) {
	srv := &resetServer{limit: 10, period: time.Second, counts: map[int64]int{}}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	l, err := ratelimit.New(ratelimit.Config{
		Headers: []ratelimit.Headers{{Limit: "X-RateLimit-Limit", Remaining: "X-RateLimit-Remaining", Reset: "X-RateLimit-Reset", ResetUnit: ratelimit.EpochMillis}},
		MaxWait: 30 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.MaxIdleConnsPerHost = 50
	defer base.CloseIdleConnections()
	client := &http.Client{Transport: transport.Chain(base, ratelimit.Middleware(l))}
	get := func() (int, error) {
		resp, err := client.Get(hs.URL)
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	// One call teaches the client the budget; then 50 at once.
	if _, err := get(); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if status, err := get(); err != nil || status != 200 {
				t.Errorf("status %d, %v", status, err)
			}
		})
	}
	wg.Wait()
	srv.mu.Lock()
	as := slices.Clone(srv.arrivals)
	srv.mu.Unlock()
	t.Logf("51 calls in %v, %d × 429, stats %+v", as[len(as)-1].at.Sub(as[0].at).Round(time.Millisecond), count429(as), l.Stats())
	if n := count429(as); n != 0 {
		t.Errorf("%d × 429", n)
	}
}

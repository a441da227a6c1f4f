package redisstore

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/apigen-go/apigen/internal/stamped"
	"github.com/apigen-go/apigen/runtime/ratelimit"
)

func init() {
	children["limited-client"] = limitedClient
}

// limitedClient sends GETs through a Redis limiter with WORKERS goroutines
// for DURATION from its first answer (it says "started" then), then says
// "done <sent> <429s>".
func limitedClient() error {
	windows, err := parseWindows(os.Getenv("WINDOWS"))
	if err != nil {
		return err
	}
	replicas, _ := strconv.Atoi(os.Getenv("REPLICAS"))
	workers, _ := strconv.Atoi(os.Getenv("WORKERS"))
	d, _ := time.ParseDuration(os.Getenv("DURATION"))
	rdb := redis.NewClient(&redis.Options{Addr: os.Getenv("REDIS_ADDR"), DialTimeout: 200 * time.Millisecond})
	l, err := NewLimiter(rdb, LimiterConfig{
		Name: os.Getenv("LIMITER_NAME"), Replicas: replicas,
		Limits: ratelimit.Config{Windows: windows, MaxWait: time.Minute},
		Logger: slog.New(slog.NewTextHandler(os.Stderr, nil)),
	})
	if err != nil {
		return err
	}
	hc := &http.Client{Transport: ratelimit.Middleware(l)(http.DefaultTransport)}
	if os.Getenv("BURN") != "" {
		burnCPU(time.Now().Add(d))
	}
	var sent, tooMany atomic.Int64
	resp, err := hc.Get(os.Getenv("SERVER_URL"))
	if err != nil {
		return err
	}
	resp.Body.Close()
	sent.Add(1)
	fmt.Println("started")
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				resp, err := hc.Get(os.Getenv("SERVER_URL"))
				if err != nil {
					errs <- err
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				sent.Add(1)
				if resp.StatusCode == http.StatusTooManyRequests {
					tooMany.Add(1)
				}
			}
		})
	}
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
	}
	fmt.Printf("done %d %d\n", sent.Load(), tooMany.Load())
	return nil
}

// burnCPU keeps a goroutine spinning until deadline in every process
// (four processes on the two cores CI has), so that the senders are
// scheduled late, as on a busy machine.
func burnCPU(deadline time.Time) {
	go func() {
		for x := 0; time.Now().Before(deadline); x++ {
			_ = x * x
		}
	}()
}

// parseWindows reads "20/1s,200/10s".
func parseWindows(s string) ([]ratelimit.Window, error) {
	var ws []ratelimit.Window
	for _, part := range strings.Split(s, ",") {
		n, per, ok := strings.Cut(part, "/")
		limit, err := strconv.Atoi(n)
		d, err2 := time.ParseDuration(per)
		if !ok || err != nil || err2 != nil {
			return nil, fmt.Errorf("window %q: want <limit>/<duration>", part)
		}
		ws = append(ws, ratelimit.Window{Limit: limit, Per: d})
	}
	return ws, nil
}

func formatWindows(ws []ratelimit.Window) string {
	var parts []string
	for _, w := range ws {
		parts = append(parts, fmt.Sprintf("%d/%s", w.Limit, w.Per))
	}
	return strings.Join(parts, ",")
}

// arrivals is a wall-clock API fake: it records when each request
// arrives (stampserver_test.go) and, when enforce is set, answers 429
// (Retry-After: 1) to one that would put more than a window's limit into
// an interval of the window's length ending at its arrival, counting the
// requests it accepted.
type arrivals struct {
	windows []ratelimit.Window
	enforce bool

	mu       sync.Mutex
	accepted []time.Time
	all      []time.Time
	tooMany  int
}

func (a *arrivals) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := stamped.At(r)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.all = insertSorted(a.all, now)
	if a.enforce {
		for _, win := range a.windows {
			n := 0
			for _, t := range a.accepted {
				if t.After(now.Add(-win.Per)) && !t.After(now) {
					n++
				}
			}
			if n >= win.Limit {
				a.tooMany++
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
		}
	}
	a.accepted = insertSorted(a.accepted, now)
}

// insertSorted keeps ts in time order: stamps of concurrent requests
// reach the handlers out of order.
func insertSorted(ts []time.Time, t time.Time) []time.Time {
	i := len(ts)
	for i > 0 && ts[i-1].After(t) {
		i--
	}
	return slices.Insert(ts, i, t)
}

// utilisation is the share of what the windows allowed in the span of
// the arrivals that was sent: the binding window decides.
func utilisation(times []time.Time, ws []ratelimit.Window) float64 {
	if len(times) < 2 {
		return 0
	}
	span := times[len(times)-1].Sub(times[0])
	best := -1.0
	for _, w := range ws {
		periods := int64(span/w.Per) + 1
		allowed := float64(int64(w.Limit) * periods)
		if best < 0 || allowed < best {
			best = allowed
		}
	}
	return float64(len(times)) / best
}

type sharedRun struct {
	windows   []ratelimit.Window
	processes int
	workers   int
	duration  time.Duration
	enforce   bool
	burn      bool
	redisAddr string
	// during runs in the parent while the children send.
	during func()
}

type runResult struct {
	arrivals    []time.Time
	serverCount int
	too         int
	stderr      []string
}

func (run sharedRun) start(t testing.TB) runResult {
	t.Helper()
	fake := &arrivals{windows: run.windows, enforce: run.enforce}
	srv := stamped.NewServer(fake)
	defer srv.Close()
	name := uniqueName(t)
	env := []string{"REDIS_ADDR=" + run.redisAddr, "LIMITER_NAME=" + name, "SERVER_URL=" + srv.URL,
		"WINDOWS=" + formatWindows(run.windows), "REPLICAS=" + strconv.Itoa(run.processes),
		"WORKERS=" + strconv.Itoa(run.workers), "DURATION=" + run.duration.String()}
	if run.burn {
		env = append(env, "BURN=1")
	}
	var kids []*child
	for range run.processes {
		kids = append(kids, startChild(t, "limited-client", env...))
	}
	for _, k := range kids {
		k.expect(t, "started", 30*time.Second)
	}
	if run.during != nil {
		run.during()
	}
	var res runResult
	for _, k := range kids {
		k.expect(t, "done", run.duration+30*time.Second)
		k.wait(t, 10*time.Second)
		res.stderr = append(res.stderr, k.stderrText())
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	res.arrivals = append(res.arrivals, fake.all...)
	res.serverCount = len(fake.accepted)
	res.too = fake.tooMany
	return res
}

func checkShared(t testing.TB, res runResult, windows []ratelimit.Window, slack int) {
	t.Helper()
	if res.too != 0 {
		t.Errorf("%d × 429", res.too)
	}
	for _, w := range windows {
		if got := maxInWindow(res.arrivals, w.Per); got > w.Limit+slack {
			t.Errorf("%d arrivals within %s; limit %d (+%d); arrivals (s): %s", got, w.Per, w.Limit, slack, offsets(res.arrivals))
		}
	}
}

func offsets(ts []time.Time) string {
	var b strings.Builder
	for _, x := range ts {
		fmt.Fprintf(&b, "%.3f ", x.Sub(ts[0]).Seconds())
	}
	return b.String()
}

// Redis killed mid-run and started again: the processes fall back to
// their fair share (one warning each), go back to Redis, and no window
// carries more than limit + limit/N.
func TestRedisKilledMidRunAndRestarted(t *testing.T) {
	srv := startOwnServer(t)
	windows := []ratelimit.Window{{Limit: 20, Per: time.Second}}
	const n = 4
	res := sharedRun{
		windows: windows, processes: n, workers: 3, duration: 4500 * time.Millisecond, redisAddr: srv.addr(),
		during: func() {
			time.Sleep(time.Second)
			srv.stop()
			time.Sleep(2 * time.Second)
			srv.start()
		},
	}.start(t)
	checkShared(t, res, windows, windows[0].Limit/n)
	for i, stderr := range res.stderr {
		if c := strings.Count(stderr, "Redis is unreachable"); c != 1 {
			t.Errorf("process %d logged the fallback warning %d times, want once (stderr %d bytes):\n%s", i, c, len(stderr), stderr)
		}
		if !strings.Contains(stderr, "Redis is back") {
			t.Errorf("process %d did not go back to Redis:\n%s", i, stderr)
		}
	}
	t.Logf("%d requests; busiest second %d (limit 20, +5 allowed around the switch)", len(res.arrivals), maxInWindow(res.arrivals, time.Second))
}

// BenchmarkRedisLimiterUtilisation reports the share of a 20/s & 200/10s
// budget that four processes sharing one Redis limiter use, over 20 s,
// and the 429s the enforcing server answered.
func BenchmarkRedisLimiterUtilisation(b *testing.B) {
	rdb := sharedRedis(b)
	windows := []ratelimit.Window{{Limit: 20, Per: time.Second}, {Limit: 200, Per: 10 * time.Second}}
	var res runResult
	for b.Loop() {
		res = sharedRun{windows: windows, processes: 4, workers: 4, duration: 20 * time.Second, enforce: true, redisAddr: rdb.Options().Addr}.start(b)
	}
	b.ReportMetric(100*utilisation(res.arrivals, windows), "%budget")
	b.ReportMetric(float64(res.too), "429s")
}

// Package stamped stamps each request a test server receives with the
// moment its first bytes reached the machine (the kernel's receive time
// where the platform tells it), not the moment its handler ran. The
// wall-clock judges of the rate-limit tests count arrivals in windows: on a
// loaded machine the judging process may wait 100 ms for a CPU, and would
// then stamp the requests that queued meanwhile with one time and see a
// burst that never was.
package stamped

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// Serve wraps srv so that At can tell each request's arrival, and serves
// ln with it.
func Serve(srv *http.Server, ln net.Listener) error {
	srv.ConnContext = connContext
	return srv.Serve(listener{ln})
}

// NewServer starts an httptest server of h whose requests At can stamp.
func NewServer(h http.Handler) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	srv.Listener = listener{srv.Listener}
	srv.Config.ConnContext = connContext
	srv.Start()
	return srv
}

// At is when r reached the machine, or now for a request of a server that
// does not stamp.
func At(r *http.Request) time.Time {
	if c, ok := r.Context().Value(connKey{}).(*conn); ok {
		return c.claim()
	}
	return time.Now()
}

type connKey struct{}

func connContext(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

type listener struct{ net.Listener }

func (l listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &conn{Conn: c, read: kernelStamps(c)}, nil
}

// conn remembers when the bytes of the request not yet claimed by a
// handler arrived.
type conn struct {
	net.Conn
	read func([]byte) (int, time.Time, error) // nil: stamp when read

	mu    sync.Mutex
	first time.Time
}

func (c *conn) Read(p []byte) (int, error) {
	if c.read == nil {
		n, err := c.Conn.Read(p)
		c.seen(n, time.Now())
		return n, err
	}
	n, at, err := c.read(p)
	c.seen(n, at)
	return n, err
}

func (c *conn) seen(n int, at time.Time) {
	if n == 0 {
		return
	}
	c.mu.Lock()
	if c.first.IsZero() {
		c.first = at
	}
	c.mu.Unlock()
}

// claim returns the arrival of the request being served and starts waiting
// for the next one (a client sends it only after this answer).
func (c *conn) claim() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.first
	c.first = time.Time{}
	if t.IsZero() {
		t = time.Now()
	}
	return t
}

package redisstore

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// The judge of the multi-process limiter tests stamps each request with
// the moment its first bytes reached the machine (the kernel's receive
// time where the platform tells it), not the moment its handler ran: on a
// loaded machine the judging process may wait 100 ms for a CPU, and would
// then stamp the requests that queued meanwhile with one time and see a
// burst that never was.

// stampConn remembers when the bytes of the request not yet claimed by a
// handler arrived.
type stampConn struct {
	net.Conn
	read func([]byte) (int, time.Time, error)

	mu    sync.Mutex
	first time.Time
}

func (c *stampConn) Read(p []byte) (int, error) {
	if c.read == nil {
		n, err := c.Conn.Read(p)
		c.seen(n, time.Now())
		return n, err
	}
	n, at, err := c.read(p)
	c.seen(n, at)
	return n, err
}

func (c *stampConn) seen(n int, at time.Time) {
	if n == 0 {
		return
	}
	c.mu.Lock()
	if c.first.IsZero() {
		c.first = at
	}
	c.mu.Unlock()
}

// claim returns the arrival of the request being served, and starts
// waiting for the next one (a client sends it only after this answer).
func (c *stampConn) claim() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.first
	c.first = time.Time{}
	if t.IsZero() {
		t = time.Now()
	}
	return t
}

type stampListener struct{ net.Listener }

func (l stampListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &stampConn{Conn: c, read: kernelStamps(c)}, nil
}

type stampKey struct{}

// newStampedServer serves h with each request's arrival time available
// through arrivedAt.
func newStampedServer(h http.Handler) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	srv.Listener = stampListener{srv.Listener}
	srv.Config.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		return context.WithValue(ctx, stampKey{}, c)
	}
	srv.Start()
	return srv
}

// arrivedAt is when r reached the machine, or now without a stamp.
func arrivedAt(r *http.Request) time.Time {
	if c, ok := r.Context().Value(stampKey{}).(*stampConn); ok {
		return c.claim()
	}
	return time.Now()
}

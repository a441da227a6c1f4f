package ratelimit

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync"
	"sync/atomic"

	"github.com/apigen-go/apigen/runtime/transport"
)

// Transport admits each request through the Limiter at the moment it is
// sent: it reserves a slot, records the send once the request has been
// written to the connection (httptrace WroteRequest), and ends the reservation with the
// response, or cancels it when the request provably never left. Put it
// inside the retry middleware, so that every attempt is counted, and
// outside auth, so that a request signed with a short-lived token is
// signed after the wait, not before.
type Transport struct {
	// Limiter decides when requests go; nil sends them at once.
	Limiter Limiter
	// Key names the route bucket of a request; nil means RouteKey.
	Key func(*http.Request) string
	// Base sends the request; nil means http.DefaultTransport.
	Base http.RoundTripper
}

// Middleware returns a transport.Middleware applying l.
func Middleware(l Limiter) transport.Middleware {
	return func(next http.RoundTripper) http.RoundTripper {
		return &Transport{Limiter: l, Base: next}
	}
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	if t.Limiter == nil {
		return base.RoundTrip(req)
	}
	keyOf := t.Key
	if keyOf == nil {
		keyOf = RouteKey
	}
	ctx := req.Context()
	res, err := t.Limiter.Reserve(ctx, keyOf(req))
	if err != nil {
		// A RoundTripper must close the body even when it sends nothing.
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	w := &writeTrace{res: res}
	resp, err := base.RoundTrip(req.WithContext(httptrace.WithClientTrace(ctx, w.hooks())))
	switch {
	case err == nil:
		if resp.StatusCode == http.StatusTooManyRequests {
			transport.CooldownSignalFrom(ctx).Set()
		}
		res.Observe(resp)
	case w.notSent(err):
		res.Cancel()
	default:
		res.Observe(nil)
	}
	return resp, err
}

// writeTrace notes when writing starts (so that a failure before it is
// known to have sent nothing) and calls Sent once the request has been
// written and flushed: a send recorded later than the truth only makes the
// limiter more careful, one recorded earlier could let the next request
// land inside the server's window.
type writeTrace struct {
	res            Reservation
	once           sync.Once
	wrote, gotConn atomic.Bool
	dialFailed     atomic.Bool
}

func (w *writeTrace) writing() { w.wrote.Store(true) }

func (w *writeTrace) sent() {
	w.wrote.Store(true)
	w.once.Do(w.res.Sent)
}

func (w *writeTrace) hooks() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { w.gotConn.Store(true) },
		ConnectDone: func(_, _ string, err error) {
			if err != nil {
				w.dialFailed.Store(true)
			}
		},
		WroteHeaderField: func(string, []string) { w.writing() },
		WroteHeaders:     w.writing,
		WroteRequest:     func(httptrace.WroteRequestInfo) { w.sent() },
	}
}

// notSent reports whether a failed request provably never put a byte on
// the wire: the connection could not be made, or was made and failed
// before the first header was written.
func (w *writeTrace) notSent(err error) bool {
	if w.wrote.Load() {
		return false
	}
	if w.gotConn.Load() || w.dialFailed.Load() {
		return true
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// RouteKey is the default route bucket of a request: the operation's
// RateLimitKey, else its method and path template ("GET /company/{id}/",
// LaunchDarkly's "URL pattern + verb"). Requests without an Operation share
// the bucket "": bucketing raw URL paths would grow without bound.
func RouteKey(req *http.Request) string {
	op := transport.OperationFrom(req.Context())
	if op == nil {
		return ""
	}
	if op.RateLimitKey != "" {
		return op.RateLimitKey
	}
	m := op.Method
	if m == "" {
		m = req.Method
	}
	return m + " " + op.PathTemplate
}

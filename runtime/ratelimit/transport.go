package ratelimit

import (
	"net/http"
	"net/http/httptrace"

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
	// A send recorded later than the truth only makes the limiter more
	// careful; one recorded earlier could let the next request land inside
	// the server's window.
	tr := &transport.SendTrace{OnWritten: res.Sent}
	resp, err := base.RoundTrip(req.WithContext(httptrace.WithClientTrace(ctx, tr.Hooks())))
	switch {
	case err == nil:
		if resp.StatusCode == http.StatusTooManyRequests {
			transport.CooldownSignalFrom(ctx).Set()
		}
		res.Observe(resp)
	case tr.NotSent(err):
		res.Cancel()
	default:
		res.Observe(nil)
	}
	return resp, err
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

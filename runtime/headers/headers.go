// Package headers holds small middlewares that add request headers every
// call of a client needs: a User-Agent, fixed headers such as LaunchDarkly's
// LD-API-Version or RAYNET's X-Instance-Name, and X-HTTP-Method-Override
// tunnelling for networks whose proxies pass only GET and POST.
//
// Each middleware clones a request before changing it, as an
// http.RoundTripper must not modify the request it is given, and leaves a
// header the caller set alone, so a per-call value always wins over the
// client's default.
package headers

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/apigen-go/apigen/runtime/transport"
)

// Defaults returns a middleware that adds each header of h to requests
// that do not have it. A header present on the request, even with an empty
// value, counts as set: Go's transport sends no User-Agent when the header
// is present but empty, and Defaults keeps that way of opting out.
// h is copied with canonical names, so later changes to it have no effect
// and "x-instance-name" matches a request's "X-Instance-Name".
func Defaults(h http.Header) transport.Middleware {
	canon := make(http.Header, len(h))
	for name, values := range h {
		for _, v := range values {
			canon.Add(name, v)
		}
	}
	h = canon
	return func(next http.RoundTripper) http.RoundTripper {
		if next == nil {
			next = http.DefaultTransport
		}
		return transport.RoundTripperFunc(func(req *http.Request) (*http.Response, error) {
			var out *http.Request
			for name, values := range h {
				if _, set := req.Header[name]; set {
					continue
				}
				if out == nil {
					out = req.Clone(req.Context())
				}
				out.Header[name] = append([]string(nil), values...)
			}
			if out == nil {
				return next.RoundTrip(req)
			}
			return next.RoundTrip(out)
		})
	}
}

// UserAgent returns a middleware that sends ua as the User-Agent of
// requests that do not set one, so that providers can tell apigen clients
// (and their versions) apart from Go's generic "Go-http-client/1.1".
func UserAgent(ua string) transport.Middleware {
	return Defaults(http.Header{"User-Agent": {ua}})
}

// MethodOverrideHeader is the header that carries the real method of a
// tunnelled request.
const MethodOverrideHeader = "X-HTTP-Method-Override"

// MethodOverride returns a middleware that sends requests using one of
// methods as POST, with the real method in X-HTTP-Method-Override. Foxdeli
// accepts PUT and DELETE this way, LaunchDarkly PUT, PATCH and DELETE; it is
// meant for networks whose proxies block other methods, so no client uses
// it by default. With no methods it tunnels PUT, PATCH and DELETE.
//
// Only the wire changes: place it innermost, after retry and auth, so that
// they still see, and decide idempotency by, the real method.
//
// MethodOverride panics if methods names GET, HEAD, OPTIONS, TRACE,
// CONNECT or POST: tunnelling a safe method through POST would make it
// unsafe for every proxy on the way, and POST needs no tunnel.
func MethodOverride(methods ...string) transport.Middleware {
	if len(methods) == 0 {
		methods = []string{http.MethodPut, http.MethodPatch, http.MethodDelete}
	}
	tunnel := make(map[string]bool, len(methods))
	for _, m := range methods {
		m = strings.ToUpper(m)
		switch m {
		case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodConnect, http.MethodPost, "":
			panic(fmt.Sprintf("headers: MethodOverride: method %q cannot be overridden", m))
		}
		tunnel[m] = true
	}
	return func(next http.RoundTripper) http.RoundTripper {
		if next == nil {
			next = http.DefaultTransport
		}
		return transport.RoundTripperFunc(func(req *http.Request) (*http.Response, error) {
			if !tunnel[req.Method] {
				return next.RoundTrip(req)
			}
			out := req.Clone(req.Context())
			out.Method = http.MethodPost
			out.Header.Set(MethodOverrideHeader, req.Method)
			return next.RoundTrip(out)
		})
	}
}

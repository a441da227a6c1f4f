package client

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// ErrRedirectRefused means the API redirected a request in a way that
// would have sent what it carries where the user did not configure: a body
// (307/308) to another scheme or host, or anything from https to http.
var ErrRedirectRefused = errors.New("redirect refused")

// maxRedirects is http.Client's own default limit.
const maxRedirects = 10

// redirectPolicy wraps next (nil: http.Client's default of ten redirects)
// with the rules that keep credentials on the configured hosts. The auth
// middleware already leaves its credentials off a request that left the
// first request's origin; here the rest of what may be secret is stopped:
// cookies and Authorization are dropped (Go keeps them for subdomains), a
// body is never resent to another origin, and https never becomes http.
// Redirects to other hosts without a body (a download moved to a CDN) are
// still followed.
func redirectPolicy(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		first := via[0].URL
		if strings.EqualFold(first.Scheme, "https") && !strings.EqualFold(req.URL.Scheme, "https") {
			return fmt.Errorf("%w: https to %s://%s", ErrRedirectRefused, req.URL.Scheme, req.URL.Host)
		}
		if !strings.EqualFold(first.Scheme, req.URL.Scheme) || !strings.EqualFold(first.Host, req.URL.Host) {
			if req.Body != nil && req.Body != http.NoBody {
				return fmt.Errorf("%w: %s %s://%s would resend its body to %s://%s", ErrRedirectRefused,
					req.Method, first.Scheme, first.Host, req.URL.Scheme, req.URL.Host)
			}
			for _, h := range []string{"Authorization", "Proxy-Authorization", "Cookie", "Cookie2"} {
				req.Header.Del(h)
			}
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= maxRedirects {
			return fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		return nil
	}
}

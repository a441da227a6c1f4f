package client

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/apigen-go/apigen/runtime/ratelimit"
	"github.com/apigen-go/apigen/runtime/rest"
	"github.com/apigen-go/apigen/runtime/retry"
	"github.com/apigen-go/apigen/runtime/transport"
)

// DefaultAttemptTimeout bounds one attempt from the moment it is handed to
// the connection (dial and TLS included) to the response headers, when
// WithAttemptTimeout is not given. It never cuts a body being read.
const DefaultAttemptTimeout = 30 * time.Second

// AttemptTimeoutError is an attempt that got no response headers within
// its timeout. It is a transport error like a reset: retry resends the
// request when that is safe (idempotent, or provably not sent).
type AttemptTimeoutError struct {
	Limit time.Duration
}

func (e *AttemptTimeoutError) Error() string {
	return fmt.Sprintf("no response headers within %s (WithAttemptTimeout)", e.Limit)
}

// Timeout lets callers test it like a net.Error.
func (e *AttemptTimeoutError) Timeout() bool { return true }

// AttemptTimeout is the middleware behind WithAttemptTimeout: it cancels an
// attempt that has no response headers after d. The attempt's context
// lives on until the body is closed, so streamed bodies and downloads are
// never cut. It is not http.Client.Timeout, which would cut them.
func AttemptTimeout(d time.Duration) transport.Middleware {
	return func(next http.RoundTripper) http.RoundTripper {
		return transport.RoundTripperFunc(func(req *http.Request) (*http.Response, error) {
			ctx, cancel := context.WithCancel(req.Context())
			timer := time.AfterFunc(d, cancel)
			resp, err := next.RoundTrip(req.WithContext(ctx))
			if !timer.Stop() && req.Context().Err() == nil {
				// The timer fired: whatever came back is cut off.
				if resp != nil && resp.Body != nil {
					resp.Body.Close()
				}
				return nil, &AttemptTimeoutError{Limit: d}
			}
			if err != nil || resp.Body == nil || resp.Body == http.NoBody {
				cancel()
				return resp, err
			}
			resp.Body = rest.CancelOnClose(resp.Body, cancel)
			return resp, nil
		})
	}
}

// defaultTimeout is the whole-call deadline given to calls whose context
// has none: long enough for the slowest legitimate call (the limiter's
// longest wait, then retries for as long as the policy allows, then one
// last attempt), short enough that nothing blocks forever.
func (cfg *Config) defaultTimeout(api API, attempt time.Duration) time.Duration {
	wait := time.Duration(0)
	if !cfg.NoLimit {
		wait = ratelimit.DefaultMaxWait
		if cfg.Limiter == nil {
			if api.RateLimit.MaxWait != 0 {
				wait = max(api.RateLimit.MaxWait, 0)
			}
			for _, o := range api.RateLimit.Operations {
				wait = max(wait, o.MaxWait)
			}
		}
	}
	elapsed := time.Duration(0)
	if !cfg.NoRetry {
		elapsed = cfg.Retry.MaxElapsed
		if elapsed <= 0 {
			elapsed = retry.DefaultMaxElapsed
		}
	}
	if attempt <= 0 {
		attempt = DefaultAttemptTimeout
	}
	return wait + elapsed + attempt
}

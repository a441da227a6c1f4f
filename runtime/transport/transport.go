// Package transport defines the middleware shape every runtime package
// shares: a function from one http.RoundTripper to another.
//
// A generated client's chain is built with Chain; users add their own
// middleware around it with the client's WithMiddleware option.
package transport

import (
	"context"
	"net/http"
)

// Middleware wraps a RoundTripper with one job (auth, retry, logging, ...).
type Middleware func(http.RoundTripper) http.RoundTripper

// RoundTripperFunc adapts a function to http.RoundTripper.
type RoundTripperFunc func(*http.Request) (*http.Response, error)

// RoundTrip implements http.RoundTripper.
func (f RoundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Chain wraps base with the middlewares, the first listed outermost:
// Chain(base, a, b) sends a request through a, then b, then base.
// A nil base means http.DefaultTransport; nil middlewares are skipped.
func Chain(base http.RoundTripper, m ...Middleware) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	rt := base
	for i := len(m) - 1; i >= 0; i-- {
		if m[i] != nil {
			rt = m[i](rt)
		}
	}
	return rt
}

// Operation describes the API operation a request belongs to. Generated
// clients attach it to the request context so that middlewares can decide
// per operation (retry safety, per-route limits, log fields) without
// parsing URLs.
type Operation struct {
	// ID is the operationId, e.g. "listCompanies".
	ID string
	// Method is the HTTP method.
	Method string
	// PathTemplate is the path as the spec writes it, e.g. "/company/{companyId}/".
	PathTemplate string
	// Idempotent reports whether the operation may be retried after the
	// request may have reached the server (CONTRACT §5: method default,
	// overridden by x-apigen-retry.idempotent).
	Idempotent bool
	// RetryStatuses are extra statuses the spec declares retryable (e.g. 409).
	RetryStatuses []int
	// MaxAttempts overrides the retry policy's attempt cap when > 0.
	MaxAttempts int
	// RateLimitKey names the per-operation rate-limit bucket, if any.
	RateLimitKey string
	// Security lists the alternatives of the operation's security
	// requirement, each the keys of the security schemes used together.
	// nil means the spec does not say (the client's default scheme
	// applies); an empty alternative means no credentials are needed.
	Security [][]string
	// Server, when set, is the operation's own base URL (OpenAPI path- or
	// operation-level servers, e.g. a token endpoint on another host).
	Server string
}

type operationKey struct{}

// WithOperation returns a context carrying op.
func WithOperation(ctx context.Context, op *Operation) context.Context {
	return context.WithValue(ctx, operationKey{}, op)
}

// OperationFrom returns the operation attached to ctx, or nil.
func OperationFrom(ctx context.Context) *Operation {
	op, _ := ctx.Value(operationKey{}).(*Operation)
	return op
}

type idempotencyKey struct{}

// WithIdempotencyKey marks the request as carrying a caller-chosen
// idempotency key, which makes it safe to retry whatever its method.
func WithIdempotencyKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, idempotencyKey{}, key)
}

// IdempotencyKeyFrom returns the key set with WithIdempotencyKey, or "".
func IdempotencyKeyFrom(ctx context.Context) string {
	k, _ := ctx.Value(idempotencyKey{}).(string)
	return k
}

// Idempotent reports whether req may be retried after it may have reached
// the server: the operation says so, or the caller gave an idempotency key.
// Without an Operation the method decides (GET, HEAD, OPTIONS, PUT, DELETE).
func Idempotent(req *http.Request) bool {
	if IdempotencyKeyFrom(req.Context()) != "" || req.Header.Get("Idempotency-Key") != "" {
		return true
	}
	if op := OperationFrom(req.Context()); op != nil {
		return op.Idempotent
	}
	return MethodIdempotent(req.Method)
}

// MethodIdempotent is the default of CONTRACT §5 for a method.
func MethodIdempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete, http.MethodTrace:
		return true
	}
	return false
}

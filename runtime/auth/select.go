package auth

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/apigen-go/apigen/runtime/transport"
)

// Scheme is one configured security scheme of a client: the key the spec
// gives it and the middleware that applies it. A nil Middleware is a
// scheme applied below the chain (mutual TLS in the base transport).
type Scheme struct {
	Key        string
	Middleware transport.Middleware
}

// MissingCredentialsError is returned, without sending anything, for an
// operation whose security requirement no configured scheme fulfils.
type MissingCredentialsError struct {
	Operation string
	// Alternatives are the scheme sets the operation accepts.
	Alternatives [][]string
	// EnvVars are the environment variables that CredentialsFromEnv reads
	// to fill those schemes, in order, without repeats.
	EnvVars []string
}

// Retryable reports false: sending again would fail the same way.
func (e *MissingCredentialsError) Retryable() bool { return false }

func (e *MissingCredentialsError) Error() string {
	alts := make([]string, len(e.Alternatives))
	for i, a := range e.Alternatives {
		alts[i] = strings.Join(a, " + ")
	}
	msg := fmt.Sprintf("auth: operation %s needs credentials for %s", e.Operation, strings.Join(alts, " or "))
	if len(e.EnvVars) > 0 {
		msg += " (pass them with WithCredentials, or set " + strings.Join(e.EnvVars, ", ") + " and use CredentialsFromEnv)"
	}
	return msg
}

// Select returns a middleware that authenticates each request with the
// schemes its operation (transport.OperationFrom) requires: the first
// alternative of Operation.Security whose schemes are all configured, or
// none when the operation may be called anonymously. Requests without an
// operation, or whose operation does not say, use the first scheme.
func Select(schemes ...Scheme) transport.Middleware { return SelectWithEnv(nil, schemes...) }

// SelectWithEnv is Select for a client that knows, per scheme key, the
// environment variables that would fill its credentials: a
// MissingCredentialsError names them. With no schemes at all it still
// refuses every operation that needs credentials, before sending: a
// client built without credentials never sends an unauthenticated call
// the server would count as a failed login.
func SelectWithEnv(env map[string][]string, schemes ...Scheme) transport.Middleware {
	return func(next http.RoundTripper) http.RoundTripper {
		s := &selector{next: next, env: env, schemes: map[string]transport.Middleware{}}
		for _, sc := range schemes {
			if _, dup := s.schemes[sc.Key]; !dup {
				s.schemes[sc.Key] = sc.Middleware
				s.order = append(s.order, sc.Key)
			}
		}
		return s
	}
}

type selector struct {
	next    http.RoundTripper
	env     map[string][]string
	schemes map[string]transport.Middleware
	order   []string

	chains sync.Map // strings.Join(alternative, "\x00") → http.RoundTripper, built once
}

func (s *selector) RoundTrip(req *http.Request) (*http.Response, error) {
	op := transport.OperationFrom(req.Context())
	if op == nil || op.Security == nil {
		if len(s.order) == 0 {
			return s.next.RoundTrip(req)
		}
		return s.chain(s.order[:1]).RoundTrip(req)
	}
	anonymous := len(op.Security) == 0
	for _, alt := range op.Security {
		if len(alt) == 0 {
			anonymous = true
			continue
		}
		if s.configured(alt) {
			return s.chain(alt).RoundTrip(req)
		}
	}
	if anonymous {
		return s.next.RoundTrip(req)
	}
	if req.Body != nil {
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	return nil, &MissingCredentialsError{Operation: op.ID, Alternatives: op.Security, EnvVars: s.envVars(op.Security)}
}

// envVars lists the variables that fill the schemes of alts.
func (s *selector) envVars(alts [][]string) []string {
	var vars []string
	seen := map[string]bool{}
	for _, alt := range alts {
		for _, k := range alt {
			for _, v := range s.env[k] {
				if !seen[v] {
					seen[v] = true
					vars = append(vars, v)
				}
			}
		}
	}
	return vars
}

func (s *selector) configured(alt []string) bool {
	for _, k := range alt {
		if _, ok := s.schemes[k]; !ok {
			return false
		}
	}
	return true
}

// chain returns next wrapped in the middlewares of the schemes of alt,
// built on first use so that each keeps its state (token caches, lockout)
// across requests.
func (s *selector) chain(alt []string) http.RoundTripper {
	key := strings.Join(alt, "\x00")
	if rt, ok := s.chains.Load(key); ok {
		return rt.(http.RoundTripper)
	}
	mws := make([]transport.Middleware, len(alt))
	for i, k := range alt {
		mws[i] = s.schemes[k]
	}
	// Middlewares share their state (token caches, lockout) across chains,
	// so a chain built twice by racing requests is harmless; one is kept.
	rt, _ := s.chains.LoadOrStore(key, transport.Chain(s.next, mws...))
	return rt.(http.RoundTripper)
}

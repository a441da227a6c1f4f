package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/apigen-go/apigen/runtime/transport"
)

// ExtraToken names a token returned beside the access token (a key of
// Token.Extra) and the header it is sent in.
type ExtraToken struct {
	// Field is the key in Token.Extra, e.g. "id_token".
	Field string
	// Header is the request header, e.g. "x-id-token".
	Header string
	// Scheme, if set, is written before the token ("Bearer").
	Scheme string
}

// UnauthorizedPolicy says what a Transport does with a 401.
type UnauthorizedPolicy int

const (
	// UnauthorizedRefresh, the default, invalidates the token of a caching
	// Source (a TokenInvalidator such as *Cache) and replays the
	// request once with a new one, if its body can be replayed. Other
	// credentials get the 401 back unchanged.
	UnauthorizedRefresh UnauthorizedPolicy = iota
	// UnauthorizedFail is for providers that lock out repeated failures
	// (RAYNET blocks the IP for an hour after 20 bad logins): the 401
	// becomes a *RejectedError (ErrCredentialsRejected), and every later
	// call fails the same way without being sent until SetCredential,
	// SetSource or Reset. Until a credential has been accepted once, calls
	// go one at a time, so a wrong key costs one rejected request, not one
	// per goroutine.
	UnauthorizedFail
)

// Transport is an http.RoundTripper that authenticates each request with a
// Credential or a TokenSource (set exactly one), in the manner of
// oauth2.Transport: the request is cloned before headers are set, and its
// body is closed on every path.
//
// Set the fields before first use; change credentials later only through
// SetCredential or SetSource. Use it directly as a RoundTripper (over Base)
// or in a chain through Middleware.
type Transport struct {
	// Credential is a static or self-signed scheme (Basic, Bearer, APIKey,
	// RawToken, *SignedJWT).
	Credential Credential
	// Source supplies tokens, sent as "Authorization: <Type> <token>";
	// usually a *Cache.
	Source TokenSource
	// ExtraTokens sends tokens of Token.Extra in their own headers, such as
	// xSale's id_token in x-id-token. A missing one is an error, since the
	// API would refuse the call anyway.
	ExtraTokens []ExtraToken
	// Header is added to every request: fixed companions of the credential
	// such as RAYNET's X-Instance-Name.
	Header http.Header
	// OnUnauthorized is the 401 policy.
	OnUnauthorized UnauthorizedPolicy
	// AllowInsecureHTTP permits sending credentials over plain http://.
	// Without it such requests fail with ErrInsecureHTTP before sending.
	AllowInsecureHTTP bool
	// Base sends the requests; nil means http.DefaultTransport.
	Base http.RoundTripper

	mu       sync.Mutex
	gen      uint64         // bumped whenever credentials change
	rejected *RejectedError // set under UnauthorizedFail after a 401
	verified bool           // the current credentials were accepted once
	probe    chan struct{}  // one request at a time until verified
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	return t.roundTrip(req, t.Base)
}

// Middleware returns a transport.Middleware applying t in front of the next
// RoundTripper of the chain (t.Base is then ignored). All requests share
// t's state, so t.Reset and t.SetCredential affect them.
func (t *Transport) Middleware() transport.Middleware {
	return func(next http.RoundTripper) http.RoundTripper {
		return transport.RoundTripperFunc(func(req *http.Request) (*http.Response, error) {
			return t.roundTrip(req, next)
		})
	}
}

// SetCredential replaces the credential (and clears Source), lifting a
// rejection: the caller has supplied new credentials.
func (t *Transport) SetCredential(c Credential) {
	t.mu.Lock()
	t.Credential, t.Source = c, nil
	t.resetLocked()
	t.mu.Unlock()
}

// SetSource replaces the token source (and clears Credential), lifting a
// rejection.
func (t *Transport) SetSource(s TokenSource) {
	t.mu.Lock()
	t.Credential, t.Source = nil, s
	t.resetLocked()
	t.mu.Unlock()
}

// Reset lifts a rejection without changing credentials, for when they were
// fixed elsewhere (a store, the provider's side).
func (t *Transport) Reset() {
	t.mu.Lock()
	t.resetLocked()
	t.mu.Unlock()
}

func (t *Transport) resetLocked() {
	t.gen++
	t.rejected = nil
	t.verified = false
}

// call is one request's snapshot of the credentials.
type call struct {
	cred   Credential
	source TokenSource
	gen    uint64
	probe  chan struct{} // held, to release when done
}

func (t *Transport) roundTrip(req *http.Request, base http.RoundTripper) (*http.Response, error) {
	if base == nil {
		base = http.DefaultTransport
	}
	bodyClosed := false
	if req.Body != nil {
		defer func() {
			if !bodyClosed {
				req.Body.Close()
			}
		}()
	}
	if redirectedElsewhere(req) {
		// http.Client is following a redirect to another origin: the
		// credentials stay behind, as Go's client drops Authorization in
		// that case (and would not know to drop X-API-KEY).
		bodyClosed = true
		return base.RoundTrip(req)
	}
	if err := checkScheme(req.URL, t.AllowInsecureHTTP); err != nil {
		return nil, err
	}
	c, err := t.begin(req.Context())
	if err != nil {
		return nil, err
	}
	defer t.end(c)

	r2, tok, err := t.authorize(req, c)
	if err != nil {
		return nil, err
	}
	authorized := r2
	r2 = withSent(r2, func() []string { return credentialValues(req, authorized, t.Header, tok) })
	bodyClosed = true // base closes it from here on
	resp, err := base.RoundTrip(r2)
	if err != nil {
		return nil, err
	}
	if failed(resp) {
		redactResponse(resp, credentialValues(req, r2, t.Header, tok))
	}
	if resp.StatusCode != http.StatusUnauthorized {
		t.accepted(c)
		return resp, nil
	}
	if t.OnUnauthorized == UnauthorizedFail {
		drainClose(resp.Body)
		return nil, t.reject(c, resp)
	}

	inv, ok := c.source.(TokenInvalidator)
	if !ok || tok == nil {
		return resp, nil
	}
	inv.InvalidateToken(tok)
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return resp, nil // cannot replay: the caller sees the 401
	}
	r3 := req.Clone(req.Context())
	if req.GetBody != nil && req.Body != nil && req.Body != http.NoBody {
		body, err := req.GetBody()
		if err != nil {
			return resp, nil
		}
		r3.Body = body
	}
	drainClose(resp.Body)
	r4, tok4, err := t.authorize(r3, c)
	if err != nil {
		if r3.Body != nil {
			r3.Body.Close()
		}
		return nil, err
	}
	authorized4 := r4
	r4 = withSent(r4, func() []string { return credentialValues(r3, authorized4, t.Header, tok4) })
	resp, err = base.RoundTrip(r4)
	if err == nil && failed(resp) {
		redactResponse(resp, credentialValues(r3, r4, t.Header, tok4))
	}
	return resp, err
}

// begin snapshots the credentials, refuses rejected ones, and under
// UnauthorizedFail holds the probe until the credentials are accepted.
func (t *Transport) begin(ctx context.Context) (*call, error) {
	for {
		t.mu.Lock()
		c := &call{cred: t.Credential, source: t.Source, gen: t.gen}
		if t.rejected != nil {
			e := *t.rejected
			t.mu.Unlock()
			e.Sent = false
			return nil, &e
		}
		if t.OnUnauthorized != UnauthorizedFail || t.verified {
			t.mu.Unlock()
			return c, nil
		}
		if t.probe == nil {
			t.probe = make(chan struct{}, 1)
		}
		probe := t.probe
		t.mu.Unlock()

		select {
		case probe <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		t.mu.Lock()
		settled := t.rejected != nil || t.verified || t.gen != c.gen
		t.mu.Unlock()
		if settled {
			<-probe
			continue // look again: the previous probe decided
		}
		c.probe = probe
		return c, nil
	}
}

func (t *Transport) end(c *call) {
	if c.probe != nil {
		<-c.probe
	}
}

func (t *Transport) accepted(c *call) {
	if t.OnUnauthorized != UnauthorizedFail {
		return
	}
	t.mu.Lock()
	if t.gen == c.gen {
		t.verified = true
	}
	t.mu.Unlock()
}

func (t *Transport) reject(c *call, resp *http.Response) error {
	e := &RejectedError{StatusCode: resp.StatusCode, Status: resp.Status, Sent: true}
	t.mu.Lock()
	if t.gen == c.gen {
		stored := *e
		t.rejected = &stored
	}
	t.mu.Unlock()
	return e
}

// authorize clones req and puts the credentials on the clone. It returns
// the token used, so that a 401 invalidates exactly that one.
func (t *Transport) authorize(req *http.Request, c *call) (*http.Request, *Token, error) {
	r2 := req.Clone(req.Context())
	for k, vs := range t.Header {
		r2.Header[http.CanonicalHeaderKey(k)] = slices.Clone(vs)
	}
	switch {
	case c.cred != nil && c.source != nil:
		return nil, nil, errors.New("auth: Transport has both Credential and Source set")
	case c.cred != nil:
		if err := c.cred.Apply(r2); err != nil {
			return nil, nil, err
		}
		return r2, nil, nil
	case c.source != nil:
		tok, err := c.source.Token(req.Context())
		if err != nil {
			return nil, nil, err
		}
		if tok == nil || tok.AccessToken.IsZero() {
			return nil, nil, errors.New("auth: token source returned an empty token")
		}
		r2.Header.Set("Authorization", tok.Type()+" "+tok.AccessToken.Reveal())
		for _, x := range t.ExtraTokens {
			v := tok.Extra[x.Field]
			if v.IsZero() {
				return nil, nil, fmt.Errorf("auth: token has no %q to send in %s", x.Field, x.Header)
			}
			if x.Scheme != "" {
				r2.Header.Set(x.Header, x.Scheme+" "+v.Reveal())
			} else {
				r2.Header.Set(x.Header, v.Reveal())
			}
		}
		return r2, tok, nil
	}
	return nil, nil, errors.New("auth: Transport has neither Credential nor Source set")
}

// redirectedElsewhere reports whether req follows a redirect away from the
// scheme and host of the request that started the chain.
func redirectedElsewhere(req *http.Request) bool {
	first := req
	for first.Response != nil && first.Response.Request != nil {
		first = first.Response.Request
	}
	return first != req && !(strings.EqualFold(first.URL.Scheme, req.URL.Scheme) && strings.EqualFold(first.URL.Host, req.URL.Host))
}

// drainClose reads a little of an unwanted body so the connection can be
// reused, then closes it.
func drainClose(body io.ReadCloser) {
	io.CopyN(io.Discard, body, 4<<10)
	body.Close()
}

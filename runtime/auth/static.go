package auth

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/apigen-go/apigen/runtime/secret"
)

// Credential puts a fixed credential on a request. Apply is handed a clone
// that it may modify. Transport applies it; its Header field adds fixed
// companion headers such as RAYNET's X-Instance-Name.
type Credential interface {
	Apply(req *http.Request) error
}

var (
	_ Credential = Basic{}
	_ Credential = Bearer{}
	_ Credential = APIKey{}
	_ Credential = RawToken{}
)

// Basic is HTTP Basic authentication (RFC 7617), e.g. RAYNET's
// user:apiKey.
type Basic struct {
	Username string
	Password secret.Secret
}

// Apply implements Credential.
func (b Basic) Apply(req *http.Request) error {
	if b.Username == "" && b.Password.IsZero() {
		return errors.New("auth: basic credentials are empty")
	}
	req.SetBasicAuth(b.Username, b.Password.Reveal())
	return nil
}

// Bearer is a fixed bearer token (RFC 6750): "Authorization: Bearer <token>".
type Bearer struct {
	Token secret.Secret
}

// Apply implements Credential.
func (b Bearer) Apply(req *http.Request) error {
	if b.Token.IsZero() {
		return errors.New("auth: bearer token is empty")
	}
	req.Header.Set("Authorization", "Bearer "+b.Token.Reveal())
	return nil
}

// Location is where an API key travels.
type Location int

const (
	// InHeader sends the key as a request header (Segnivo's X-API-KEY).
	InHeader Location = iota
	// InQuery sends it as a query parameter. Query strings end up in
	// server and proxy logs: prefer a header where the API allows it.
	InQuery
)

// APIKey is a key sent in a named header or query parameter.
type APIKey struct {
	// Name is the header or parameter name, e.g. "X-API-KEY".
	Name string
	Key  secret.Secret
	In   Location
}

// Apply implements Credential.
func (k APIKey) Apply(req *http.Request) error {
	if k.Name == "" || k.Key.IsZero() {
		return errors.New("auth: API key or its name is empty")
	}
	if k.In == InQuery {
		q := req.URL.Query()
		if q.Has(k.Name) {
			q.Set(k.Name, k.Key.Reveal())
			req.URL.RawQuery = q.Encode()
			return nil
		}
		// Append, keeping the caller's parameters in their order.
		if req.URL.RawQuery != "" {
			req.URL.RawQuery += "&"
		}
		req.URL.RawQuery += url.QueryEscape(k.Name) + "=" + url.QueryEscape(k.Key.Reveal())
		return nil
	}
	req.Header.Set(k.Name, k.Key.Reveal())
	return nil
}

// RawToken sends a token verbatim in Authorization after an optional scheme
// word: Foxdeli's "Basic <token>" (the token is not base64 of user:pass and
// is not re-encoded) or, with no Scheme, LaunchDarkly's "<token>".
type RawToken struct {
	Scheme string
	Token  secret.Secret
}

// Apply implements Credential.
func (r RawToken) Apply(req *http.Request) error {
	if r.Token.IsZero() {
		return errors.New("auth: token is empty")
	}
	v := r.Token.Reveal()
	if r.Scheme != "" {
		v = r.Scheme + " " + v
	}
	req.Header.Set("Authorization", v)
	return nil
}

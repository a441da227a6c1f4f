package auth

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apigen-go/apigen/runtime/clock"
	"github.com/apigen-go/apigen/runtime/secret"
)

// AuthStyle is how an OAuth2 client proves its identity to the token
// endpoint.
type AuthStyle int

const (
	// AuthStyleBasic sends client_id and client_secret as HTTP Basic
	// credentials (RFC 6749 §2.3.1), the only style JTL-FFN and Foxdeli
	// accept. It is the default.
	AuthStyleBasic AuthStyle = iota
	// AuthStyleInBody sends them as body fields (xSale, BOX NOW).
	AuthStyleInBody
)

// BodyFormat is the encoding of token request bodies.
type BodyFormat int

const (
	// FormBody is application/x-www-form-urlencoded, as RFC 6749 says. It
	// is the default.
	FormBody BodyFormat = iota
	// JSONBody is a flat JSON object of strings (Auth0, BOX NOW, Petrosoft).
	JSONBody
)

// RequestFields names the body fields of token requests; an empty name
// means the RFC 6749 one.
type RequestFields struct {
	ClientID     string // "client_id"
	ClientSecret string // "client_secret"
	Username     string // "username" ("login" for JSONLogin)
	Password     string // "password"
	RefreshToken string // "refresh_token"
}

// ResponseFields names the fields of token responses; an empty name means
// the RFC 6749 one. A name may be a dotted path into nested objects
// ("data.accessToken"); a key that itself contains dots is matched first.
type ResponseFields struct {
	AccessToken  string // "access_token"
	TokenType    string // "token_type"
	RefreshToken string // "refresh_token"
	// ExpiresIn is a lifetime as a JSON number or a numeric string
	// (Foxdeli sends "3600"), in units of Endpoint.ExpiresInUnit.
	ExpiresIn string // "expires_in"
	// Extra lists further tokens to keep in Token.Extra, e.g. "id_token".
	Extra []string
}

// Endpoint describes a token endpoint and its dialect. Flows embed it; its
// zero value (plus TokenURL) speaks plain RFC 6749.
type Endpoint struct {
	// TokenURL is where tokens are requested.
	TokenURL string
	// RefreshURL is where refresh tokens are spent; empty means TokenURL.
	// Petrosoft uses a separate /v1/auth/refresh_token.
	RefreshURL string
	// AuthStyle says how the client authenticates (default HTTP Basic).
	AuthStyle AuthStyle
	// Format is the request body encoding (default form).
	Format BodyFormat
	// OmitGrantType leaves out "grant_type", for endpoints whose custom body
	// has none (BOX NOW-style {"client_id","client_secret"}).
	OmitGrantType bool
	// Params are added to every request body, grants and refreshes alike:
	// Auth0's "audience", Foxdeli's "redirect_uri" and "scope" on refresh.
	// The flow's own fields take precedence.
	Params map[string]string
	// Request and Response rename body fields.
	Request  RequestFields
	Response ResponseFields
	// SuccessStatus lists the statuses that mean success; nil means any
	// 2xx (Foxdeli answers refreshes with 201).
	SuccessStatus []int
	// ExpiresInUnit is the unit of the expires_in value; zero means
	// seconds. Set it only where a provider really counts in another unit.
	ExpiresInUnit time.Duration
	// HTTPClient sends token requests; nil means http.DefaultClient.
	HTTPClient *http.Client
	// AllowInsecureHTTP permits a plain http:// token URL (loopback tests).
	AllowInsecureHTTP bool
	// Clock turns expires_in into Expiry; nil means the wall clock.
	Clock clock.Clock
}

// maxTokenResponse bounds what is read from a token endpoint.
const maxTokenResponse = 1 << 20

// maxErrorBody bounds the body kept in a RetrieveError.
const maxErrorBody = 2 << 10

// tokenCall is one request to a token endpoint.
type tokenCall struct {
	url       string
	grantType string
	fields    map[string]string        // values that may be logged
	secrets   map[string]secret.Secret // values that must not be
	clientID  string
	clientSec secret.Secret
}

// refresh spends rt at RefreshURL, or TokenURL.
func (e *Endpoint) refresh(ctx context.Context, rt secret.Secret, clientID string, clientSecret secret.Secret, fields map[string]string) (*Token, error) {
	if rt.IsZero() {
		return nil, errors.New("auth: no refresh token")
	}
	u := e.RefreshURL
	if u == "" {
		u = e.TokenURL
	}
	return e.call(ctx, tokenCall{
		url:       u,
		grantType: "refresh_token",
		fields:    fields,
		secrets:   map[string]secret.Secret{or(e.Request.RefreshToken, "refresh_token"): rt},
		clientID:  clientID,
		clientSec: clientSecret,
	})
}

func (e *Endpoint) call(ctx context.Context, c tokenCall) (*Token, error) {
	if c.url == "" {
		return nil, errors.New("auth: token URL not configured")
	}
	u, err := url.Parse(c.url)
	if err != nil {
		return nil, fmt.Errorf("auth: token URL: %w", err)
	}
	if err := checkScheme(u, e.AllowInsecureHTTP); err != nil {
		return nil, err
	}

	values := map[string]string{}
	for k, v := range e.Params {
		values[k] = v
	}
	if c.grantType != "" && !e.OmitGrantType {
		values["grant_type"] = c.grantType
	}
	for k, v := range c.fields {
		values[k] = v
	}
	var redact []string
	for k, v := range c.secrets {
		values[k] = v.Reveal()
		redact = append(redact, v.Reveal())
	}
	basic := ""
	if c.clientID != "" {
		redact = append(redact, c.clientSec.Reveal())
		switch e.AuthStyle {
		case AuthStyleInBody:
			values[or(e.Request.ClientID, "client_id")] = c.clientID
			if !c.clientSec.IsZero() {
				values[or(e.Request.ClientSecret, "client_secret")] = c.clientSec.Reveal()
			}
		default:
			// RFC 6749 §2.3.1: both parts are form-encoded before Basic.
			basic = base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(c.clientID) + ":" + url.QueryEscape(c.clientSec.Reveal())))
			redact = append(redact, basic)
		}
	}

	var body []byte
	var ctype string
	if e.Format == JSONBody {
		body, err = json.Marshal(values)
		if err != nil {
			return nil, fmt.Errorf("auth: encode token request: %w", err)
		}
		ctype = "application/json"
	} else {
		form := url.Values{}
		for k, v := range values {
			form.Set(k, v)
		}
		body = []byte(form.Encode())
		ctype = "application/x-www-form-urlencoded"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("auth: token request: %w", err)
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Accept", "application/json")
	if basic != "" {
		req.Header.Set("Authorization", "Basic "+basic)
	}

	now := clock.Or(e.Clock).Now()
	resp, err := e.client().Do(req)
	if err != nil {
		return nil, fmt.Errorf("auth: token request: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenResponse))
	if err != nil {
		return nil, fmt.Errorf("auth: read token response: %w", err)
	}
	return e.parse(u, resp, raw, now, redact)
}

// ErrRedirectRefused means a token endpoint answered with a redirect to
// another scheme or host. Following it would resend the request, client
// secret, password, code or refresh token included, to a host the user did
// not configure, so nothing is sent there and the call fails.
var ErrRedirectRefused error = permanentError("auth: token endpoint redirected to another host")

// client is HTTPClient (or http.DefaultClient) with a stricter redirect
// policy: a redirect resends the body (307/308) or at least the headers,
// credentials included, so it may only stay on the token URL's own scheme
// and host; anything else fails with ErrRedirectRefused.
func (e *Endpoint) client() *http.Client {
	hc := e.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	c := *hc
	next := c.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if err := checkScheme(req.URL, e.AllowInsecureHTTP); err != nil {
			return err
		}
		if first := via[0].URL; !sameOrigin(first, req.URL) {
			return fmt.Errorf("%w: %s://%s to %s://%s", ErrRedirectRefused, first.Scheme, first.Host, req.URL.Scheme, req.URL.Host)
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &c
}

// sameOrigin reports whether a and b share scheme and host (port included).
func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Host, b.Host)
}

// parse turns a token response into a Token, or its refusal into a
// RetrieveError with the request's secrets redacted.
func (e *Endpoint) parse(u *url.URL, resp *http.Response, raw []byte, now time.Time, redact []string) (*Token, error) {
	fields := decodeTokenBody(resp.Header.Get("Content-Type"), raw)
	rf := e.Response
	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	if e.SuccessStatus != nil {
		ok = slices.Contains(e.SuccessStatus, resp.StatusCode)
	}
	access, _ := lookupString(fields, or(rf.AccessToken, "access_token"))
	if !ok || access == "" {
		re := &RetrieveError{
			URL:        (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String(),
			StatusCode: resp.StatusCode,
			Body:       []byte(truncate(redactAll(string(raw), redact), maxErrorBody)),
		}
		re.ErrorCode, _ = lookupString(fields, "error")
		re.ErrorDescription, _ = lookupString(fields, "error_description")
		if re.ErrorDescription == "" {
			re.ErrorDescription, _ = lookupString(fields, "message")
		}
		re.ErrorURI, _ = lookupString(fields, "error_uri")
		re.ErrorCode = truncate(redactAll(re.ErrorCode, redact), 200)
		re.ErrorDescription = truncate(redactAll(re.ErrorDescription, redact), 500)
		if ok && re.ErrorCode == "" {
			return nil, fmt.Errorf("%w: %s answered %d with no %q field", ErrTokenResponse, re.URL, resp.StatusCode, or(rf.AccessToken, "access_token"))
		}
		return nil, re
	}

	t := &Token{AccessToken: secret.New(access)}
	t.TokenType, _ = lookupString(fields, or(rf.TokenType, "token_type"))
	if rt, _ := lookupString(fields, or(rf.RefreshToken, "refresh_token")); rt != "" {
		t.RefreshToken = secret.New(rt)
	}
	if d, ok := e.lifetime(fields); ok {
		t.Expiry = now.Add(d)
	}
	for _, k := range rf.Extra {
		if v, _ := lookupString(fields, k); v != "" {
			if t.Extra == nil {
				t.Extra = map[string]secret.Secret{}
			}
			t.Extra[k] = secret.New(v)
		}
	}
	return t, nil
}

// lifetime reads expires_in as a number or a numeric string. A missing or
// unreadable value means "unknown": the token is then used until the API
// rejects it, which beats failing every call over a provider's typo.
func (e *Endpoint) lifetime(fields map[string]any) (time.Duration, bool) {
	s, ok := lookupString(fields, or(e.Response.ExpiresIn, "expires_in"))
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || n <= 0 {
		return 0, false
	}
	unit := e.ExpiresInUnit
	if unit <= 0 {
		unit = time.Second
	}
	return time.Duration(n * float64(unit)), true
}

// decodeTokenBody reads JSON, or a form-encoded body as some older servers
// send, into a map; anything else decodes to an empty map.
func decodeTokenBody(ctype string, raw []byte) map[string]any {
	mt, _, _ := mime.ParseMediaType(ctype)
	trimmed := bytes.TrimSpace(raw)
	if (mt == "application/x-www-form-urlencoded" || mt == "text/plain") && !bytes.HasPrefix(trimmed, []byte("{")) {
		vals, err := url.ParseQuery(string(trimmed))
		if err != nil {
			return nil
		}
		m := make(map[string]any, len(vals))
		for k := range vals {
			m[k] = vals.Get(k)
		}
		return m
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil
	}
	return m
}

// lookupString finds a string or number by key or dotted path.
func lookupString(m map[string]any, path string) (string, bool) {
	v, ok := m[path]
	if !ok {
		var cur any = m
		for part := range strings.SplitSeq(path, ".") {
			obj, isObj := cur.(map[string]any)
			if !isObj {
				return "", false
			}
			if cur, ok = obj[part]; !ok {
				return "", false
			}
		}
		v = cur
	}
	switch v := v.(type) {
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	}
	return "", false
}

// redactAll replaces each secret, raw and in the encodings a server might
// echo it in, with secret.Redacted.
func redactAll(s string, secrets []string) string {
	for _, v := range secrets {
		if v == "" {
			continue
		}
		forms := []string{v, url.QueryEscape(v), url.PathEscape(v)}
		if j, err := json.Marshal(v); err == nil {
			forms = append(forms, string(j[1:len(j)-1]))
		}
		for _, f := range forms {
			s = strings.ReplaceAll(s, f, secret.Redacted)
		}
	}
	return s
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// checkScheme refuses to let credentials leave over plain http.
func checkScheme(u *url.URL, allowInsecure bool) error {
	switch strings.ToLower(u.Scheme) {
	case "https":
		return nil
	case "http":
		if allowInsecure {
			return nil
		}
		return fmt.Errorf("%w: %s://%s (a generated client allows it with the option WithInsecureHTTP(); an auth.Transport with AllowInsecureHTTP)", ErrInsecureHTTP, u.Scheme, u.Host)
	}
	return fmt.Errorf("auth: unsupported URL scheme %q", u.Scheme)
}

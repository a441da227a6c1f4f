package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apigen-go/apigen/generated/foxdeli"
	fake "github.com/apigen-go/apigen/internal/fakes/foxdeli"
	"github.com/apigen-go/apigen/runtime/apierror"
	"github.com/apigen-go/apigen/runtime/auth"
	"github.com/apigen-go/apigen/runtime/clock"
	"github.com/apigen-go/apigen/runtime/httpcache"
	"github.com/apigen-go/apigen/runtime/opt"
	"github.com/apigen-go/apigen/runtime/secret"
)

// foxdeliScopes are the scopes the OAuth tests authorise: the spec's
// fixed token-request scope (see /tmp/apigen-needs/foxdeli.md foxdeli-1).
var foxdeliScopes = []string{"deliveries", "collection-places", "collection-protocols"}

// foxdeliEnv is the fake behind a TLS httptest server (the fake refuses
// plain HTTP with 426), with a shared fake clock and a log of what the
// server answered.
type foxdeliEnv struct {
	t    *testing.T
	cfg  fake.Config
	fake *fake.Server
	srv  *httptest.Server
	clk  *clock.Fake
	// browser trusts the server and follows no redirects: the test plays
	// the user at the authorization page.
	browser *http.Client

	mu        sync.Mutex
	responses []foxdeliResponse
}

// foxdeliResponse is what the server sent for one request.
type foxdeliResponse struct {
	method, path, encoding, etag string
	status                       int
	bytes                        int
}

type foxdeliRecorder struct {
	http.ResponseWriter
	status, n int
}

func (r *foxdeliRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *foxdeliRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.n += n
	return n, err
}

func foxdeliSetup(t *testing.T, tls bool) *foxdeliEnv {
	t.Helper()
	clk := clock.NewFake(time.Date(2025, 4, 1, 8, 0, 0, 0, time.UTC))
	cfg := fake.DefaultConfig() // RequireHTTPS: true
	cfg.Clock = clk
	e := &foxdeliEnv{t: t, cfg: cfg, fake: fake.New(cfg), clk: clk}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &foxdeliRecorder{ResponseWriter: w}
		e.fake.ServeHTTP(rec, r)
		e.mu.Lock()
		e.responses = append(e.responses, foxdeliResponse{r.Method, r.URL.Path, w.Header().Get("Content-Encoding"), w.Header().Get("ETag"), rec.status, rec.n})
		e.mu.Unlock()
	})
	if tls {
		e.srv = httptest.NewTLSServer(h)
	} else {
		e.srv = httptest.NewServer(h)
	}
	t.Cleanup(e.srv.Close)
	e.browser = e.srv.Client()
	e.browser.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return e
}

func (e *foxdeliEnv) served() []foxdeliResponse {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]foxdeliResponse(nil), e.responses...)
}

// client builds a client for the fake's API (prefix /v4) over TLS.
func (e *foxdeliEnv) client(creds foxdeli.Credentials, opts ...foxdeli.Option) *foxdeli.Client {
	e.t.Helper()
	opts = append([]foxdeli.Option{
		foxdeli.WithCredentials(creds),
		foxdeli.WithHTTPClient(e.srv.Client()), // trusts the test certificate
		foxdeli.WithAuthServer(e.srv.URL),      // the fake's /oauth/authorize/ and /oauth/token
		foxdeli.WithClock(e.clk),
	}, opts...)
	c, err := foxdeli.New(e.srv.URL+"/v4", opts...)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *foxdeliEnv) basicToken() foxdeli.Credentials {
	return foxdeli.Credentials{Token: secret.New(e.cfg.BasicTokens[0])}
}

func (e *foxdeliEnv) oauthCreds() foxdeli.Credentials {
	cl := e.cfg.Clients[0]
	return foxdeli.Credentials{ClientID: cl.ID, ClientSecret: secret.New(cl.Secret), RedirectURL: cl.RedirectURI}
}

// apiRequests returns the recorded requests under the API prefix.
func (e *foxdeliEnv) apiRequests() []foxdeliReq {
	var out []foxdeliReq
	for _, r := range e.fake.Requests() {
		if strings.HasPrefix(r.Path, "/v4/") {
			out = append(out, foxdeliReq{r.Method, r.Path, r.Header})
		}
	}
	return out
}

type foxdeliReq struct {
	method, path string
	header       http.Header
}

// tokenForms returns the form bodies of the recorded token requests.
func (e *foxdeliEnv) tokenForms() []url.Values {
	var out []url.Values
	for _, r := range e.fake.Requests() {
		if strings.TrimSuffix(r.Path, "/") == "/oauth/token" {
			v, _ := url.ParseQuery(string(r.Body))
			out = append(out, v)
		}
	}
	return out
}

// authorize plays the user: it opens AuthCodeURL, approves, and returns
// the code from the redirect after checking the state.
func (e *foxdeliEnv) authorize(c *foxdeli.Client) string {
	e.t.Helper()
	state := "csjkhd5b1"
	u, err := c.AuthCodeURL(state)
	if err != nil {
		e.t.Fatal(err)
	}
	resp, err := e.browser.Get(u)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		e.t.Fatalf("authorization page: status %d, want 302", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		e.t.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != e.cfg.Clients[0].RedirectURI {
		e.t.Fatalf("redirected to %q, want the registered URI", got)
	}
	q := loc.Query()
	if q.Get("state") != state {
		e.t.Fatalf("state = %q, want %q (CSRF check)", q.Get("state"), state)
	}
	if !regexp.MustCompile(`^[a-z0-9]{40}$`).MatchString(q.Get("code")) {
		e.t.Fatalf("code %q is not 40 characters [a-z0-9]", q.Get("code"))
	}
	return q.Get("code")
}

func TestFoxdeli_BasicTokenSentVerbatim(t *testing.T) {
	e := foxdeliSetup(t, true)
	ctx := context.Background()
	c := e.client(e.basicToken())

	list, err := c.ListDeliveries(ctx, &foxdeli.ListDeliveriesParams{DeliveryID: opt.Some(int64(15023456))})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Data) != 1 || list.Data[0].ID != 15023456 || list.Status.Or("") != "success" {
		t.Fatalf("list = %+v", list)
	}
	reqs := e.apiRequests()
	if len(reqs) != 1 {
		t.Fatalf("%d API requests, want 1", len(reqs))
	}
	// Exactly "Basic <token>": the token unchanged, one space, no base64.
	if got, want := reqs[0].header.Get("Authorization"), "Basic "+e.cfg.BasicTokens[0]; got != want {
		t.Fatalf("Authorization = %q, want the token verbatim after \"Basic \"", got)
	}

	// The root needs no authentication: nothing is sent with it.
	root, err := c.GetRoot(ctx, &foxdeli.GetRootParams{PrettyPrint: opt.Some(false)})
	if err != nil {
		t.Fatal(err)
	}
	if root.Data == nil || root.Data.Name.Or("") == "" {
		t.Fatalf("root = %+v", root)
	}
	for _, r := range e.fake.Requests() {
		if r.Path == "/" && r.Header.Get("Authorization") != "" {
			t.Fatal("credentials sent to the root, which needs none")
		}
	}
	if n := e.fake.TokenRequests(); n != 0 {
		t.Fatalf("%d token requests with a Basic token", n)
	}

	// A wrong token: 401 with the envelope (code as the string "401"),
	// not retried (a static token has nothing to refresh).
	bad := e.client(foxdeli.Credentials{Token: secret.New("wrong-token")})
	before := len(e.apiRequests())
	_, err = bad.ListDeliveries(ctx, nil)
	var ae *apierror.APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusUnauthorized || ae.Code != "401" || ae.Message != "Invalid Basic token" {
		t.Fatalf("wrong token: err = %v", err)
	}
	if strings.Contains(err.Error(), "wrong-token") {
		t.Fatal("the token appears in the error")
	}
	if n := len(e.apiRequests()) - before; n != 1 {
		t.Fatalf("%d requests with a wrong token, want 1", n)
	}
}

func TestFoxdeli_OAuthAuthorizationCode(t *testing.T) {
	e := foxdeliSetup(t, true)
	ctx := context.Background()
	store := &auth.MemoryStore{}
	c := e.client(e.oauthCreds(), foxdeli.WithTokenStore(store), foxdeli.WithScopes(foxdeliScopes...))

	// Scopes are joined with "+" on the authorization URL.
	u, err := c.AuthCodeURL("s1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(u, "scope=deliveries+collection-places+collection-protocols") || !strings.HasPrefix(u, e.srv.URL+"/oauth/authorize/?") {
		t.Fatalf("AuthCodeURL = %s", u)
	}

	code := e.authorize(c)
	if err := c.Exchange(ctx, code); err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	forms := e.tokenForms()
	if len(forms) != 1 {
		t.Fatalf("%d token requests, want 1", len(forms))
	}
	f := forms[0]
	if f.Get("grant_type") != "authorization_code" || f.Get("code") != code || f.Get("redirect_uri") != e.cfg.Clients[0].RedirectURI || f.Get("scope") != strings.Join(foxdeliScopes, " ") {
		t.Fatalf("exchange form = %v", f)
	}
	if f.Has("client_id") || f.Has("client_secret") {
		t.Fatal("client credentials in the body; only HTTP Basic is supported")
	}
	var tokReq *http.Request
	for _, r := range e.fake.Requests() {
		if strings.HasPrefix(r.Path, "/oauth/token") {
			tokReq = &http.Request{Header: r.Header}
		}
	}
	if id, sec, ok := tokReq.BasicAuth(); !ok || id != e.cfg.Clients[0].ID || sec != e.cfg.Clients[0].Secret {
		t.Fatal("token request without Basic client_id:client_secret")
	}

	tok, err := c.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	firstRefresh := tok.RefreshToken.Reveal()
	// expires_in arrived as the string "3600".
	if want := e.clk.Now().Add(time.Hour); !tok.Expiry.Equal(want) || firstRefresh == "" {
		t.Fatalf("token expiry %v (want %v), refresh token set: %v", tok.Expiry, want, firstRefresh != "")
	}

	if _, err := c.ListDeliveries(ctx, nil); err != nil {
		t.Fatal(err)
	}
	reqs := e.apiRequests()
	if got := reqs[len(reqs)-1].header.Get("Authorization"); got != "Bearer "+tok.AccessToken.Reveal() {
		t.Fatal("API request does not carry the access token as \"Bearer\" (the server says \"bearer\")")
	}

	// After 60 minutes the client refreshes: 201, no refresh_token in the
	// answer, so the original one is kept, and redirect_uri and scope go
	// with the refresh.
	for round := 1; round <= 2; round++ {
		e.clk.Advance(time.Hour)
		if _, err := c.ListDeliveries(ctx, nil); err != nil {
			t.Fatalf("refresh round %d: %v", round, err)
		}
		forms = e.tokenForms()
		if len(forms) != 1+round {
			t.Fatalf("round %d: %d token requests, want %d", round, len(forms), 1+round)
		}
		rf := forms[len(forms)-1]
		if rf.Get("grant_type") != "refresh_token" || rf.Get("refresh_token") != firstRefresh ||
			rf.Get("redirect_uri") != e.cfg.Clients[0].RedirectURI || rf.Get("scope") == "" {
			t.Fatalf("round %d: refresh form = %v", round, rf.Encode())
		}
		var refresh foxdeliResponse
		for _, r := range e.served() {
			if strings.HasPrefix(r.path, "/oauth/token") {
				refresh = r
			}
		}
		if refresh.status != http.StatusCreated || refresh.encoding != "gzip" {
			t.Fatalf("round %d: refresh answered %d (encoding %q); want 201 gzip", round, refresh.status, refresh.encoding)
		}
		nt, err := c.Token(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if nt.RefreshToken.Reveal() != firstRefresh {
			t.Fatalf("round %d: the refresh token changed; Foxdeli's is kept", round)
		}
		if nt.AccessToken.Reveal() == tok.AccessToken.Reveal() {
			t.Fatalf("round %d: same access token after refresh", round)
		}
		if want := e.clk.Now().Add(time.Hour); !nt.Expiry.Equal(want) {
			t.Fatalf("round %d: expiry %v, want %v (expires_in \"3600\")", round, nt.Expiry, want)
		}
		stored, _, err := store.Load(ctx)
		if err != nil || stored.RefreshToken.Reveal() != firstRefresh {
			t.Fatalf("round %d: stored refresh token lost (%v)", round, err)
		}
		tok = nt
	}

	// Server-side expiry (401 invalid_token): one refresh, one replay.
	e.fake.ExpireTokens()
	before := len(e.tokenForms())
	if _, err := c.ListDeliveries(ctx, nil); err != nil {
		t.Fatalf("after server-side expiry: %v", err)
	}
	if n := len(e.tokenForms()) - before; n != 1 {
		t.Fatalf("%d token requests after a 401, want 1", n)
	}

	// Revocation deletes every token: the user must authorise again.
	e.fake.RevokeAll()
	_, err = c.ListDeliveries(ctx, nil)
	if !errors.Is(err, auth.ErrAuthorizationRequired) {
		t.Fatalf("after revocation: err = %v, want ErrAuthorizationRequired", err)
	}
}

func TestFoxdeli_GzipAndETagRevalidation(t *testing.T) {
	e := foxdeliSetup(t, true)
	ctx := context.Background()
	var mu sync.Mutex
	var revalidated []bool
	observe := func(next http.RoundTripper) http.RoundTripper {
		return foxdeliRoundTripFunc(func(r *http.Request) (*http.Response, error) {
			resp, err := next.RoundTrip(r)
			if err == nil {
				mu.Lock()
				revalidated = append(revalidated, httpcache.Revalidated(resp))
				mu.Unlock()
			}
			return resp, err
		})
	}
	c := e.client(e.basicToken(), foxdeli.WithMiddleware(observe))
	const id = 15023456

	first, err := c.GetDelivery(ctx, id, nil)
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.GetDelivery(ctx, id, nil)
	if err != nil {
		t.Fatal(err)
	}
	if first.Data == nil || second.Data == nil {
		t.Fatalf("first %+v, second %+v: no data", first, second)
	}
	d1, d2 := first.Data, second.Data
	if d1.ID != id || d2.ID != id || d2.OrderNumber != d1.OrderNumber || d2.ValueCurrency.Or("") != "CZK" {
		t.Fatalf("first %+v, second %+v", d1, d2)
	}
	served := e.served()
	if len(served) != 2 {
		t.Fatalf("%d responses", len(served))
	}
	// The first came gzip-compressed, the second was a 304 with no body.
	if served[0].status != http.StatusOK || served[0].encoding != "gzip" {
		t.Fatalf("first response: %+v, want 200 gzip", served[0])
	}
	if served[1].status != http.StatusNotModified || served[1].bytes != 0 {
		t.Fatalf("second response: %+v, want 304 with an empty body", served[1])
	}
	reqs := e.apiRequests()
	if reqs[0].header.Get("Accept-Encoding") == "" || !strings.Contains(reqs[0].header.Get("Accept-Encoding"), "gzip") {
		t.Fatalf("Accept-Encoding = %q", reqs[0].header.Get("Accept-Encoding"))
	}
	if served[0].etag == "" || reqs[1].header.Get("If-None-Match") != served[0].etag {
		t.Fatalf("second GET If-None-Match = %q, want the first response's ETag %q", reqs[1].header.Get("If-None-Match"), served[0].etag)
	}
	mu.Lock()
	if len(revalidated) != 2 || revalidated[0] || !revalidated[1] {
		t.Fatalf("revalidated = %v, want [false true]", revalidated)
	}
	mu.Unlock()

	// A change makes the stored body stale: the next GET gets a 200 with
	// the new content.
	if _, err := c.UpdateDelivery(ctx, id, nil, &foxdeli.DeliveryUpdate{OrderNumber: opt.Some("2021-0001-B")}); err != nil {
		t.Fatal(err)
	}
	third, err := c.GetDelivery(ctx, id, nil)
	if err != nil {
		t.Fatal(err)
	}
	if third.Data == nil {
		t.Fatalf("third = %+v: no data", third)
	}
	if got := third.Data.OrderNumber.Or(""); got != "2021-0001-B" {
		t.Fatalf("after the update the GET returned order %q (stale cache?)", got)
	}
	if last := e.served()[len(e.served())-1]; last.status != http.StatusOK {
		t.Fatalf("GET after the update: status %d, want 200", last.status)
	}
}

func TestFoxdeli_ValidationFieldErrors(t *testing.T) {
	e := foxdeliSetup(t, true)
	ctx := context.Background()
	c := e.client(e.basicToken())

	_, err := c.CreateDeliveries(ctx, nil, []foxdeli.DeliveryInput{{
		OrderNumber:   "2025-0042",
		ValueCurrency: "€",
		Packages:      []foxdeli.Package{{Weight: -3}},
	}})
	var ae *apierror.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want *APIError", err)
	}
	if ae.StatusCode != http.StatusUnprocessableEntity || ae.Code != "422" || ae.Message != "Validation failed" {
		t.Fatalf("status %d code %q message %q", ae.StatusCode, ae.Code, ae.Message)
	}
	byField := map[string]apierror.FieldError{}
	for _, fe := range ae.FieldErrors {
		byField[fe.Field] = fe
	}
	w, ok := byField["[0].packages[0].weight"]
	if !ok || w.Message != "This value should be greater than 0." || foxdeliValue(w.Value) != "-3" {
		t.Fatalf("field errors = %+v", ae.FieldErrors)
	}
	cur, ok := byField["[0].valueCurrency"]
	if !ok || cur.Message != "Invalid currency format, expected ISO 4217" || foxdeliValue(cur.Value) != "€" {
		t.Fatalf("field errors = %+v", ae.FieldErrors)
	}
	if len(ae.FieldErrors) != 2 {
		t.Fatalf("%d field errors, want 2", len(ae.FieldErrors))
	}
	if m, ok := ae.Model.(*foxdeli.ErrorEnvelope); !ok || len(m.Errors) != 2 || m.Status.Or("") != "error" {
		t.Fatalf("model = %#v", ae.Model)
	}
	// Values are kept, never printed.
	if strings.Contains(err.Error(), "€") {
		t.Fatalf("Error() shows a rejected value: %s", err)
	}
	if !strings.Contains(err.Error(), "[0].valueCurrency") {
		t.Fatalf("Error() lacks the field: %s", err)
	}

	// Czech messages with Accept-Language: cs.
	_, err = c.CreateDeliveries(ctx, &foxdeli.CreateDeliveriesParams{AcceptLanguage: opt.Some(foxdeli.LanguageCs)},
		[]foxdeli.DeliveryInput{{OrderNumber: "x", ValueCurrency: "CZK", Packages: []foxdeli.Package{{Weight: 0}}}})
	if !errors.As(err, &ae) || ae.Message != "Validace selhala" || len(ae.FieldErrors) != 1 || !strings.HasPrefix(ae.FieldErrors[0].Message, "Tato hodnota") {
		t.Fatalf("Czech validation error = %v", err)
	}
	// 422 is not retried.
	if n := len(e.apiRequests()); n != 2 {
		t.Fatalf("%d requests for two invalid creates, want 2", n)
	}
}

func TestFoxdeli_PlainHTTPIs426(t *testing.T) {
	e := foxdeliSetup(t, false) // plain http; the fake still requires HTTPS
	ctx := context.Background()

	// Without WithInsecureHTTP the token never leaves over http.
	c := e.client(e.basicToken())
	if _, err := c.ListDeliveries(ctx, nil); !errors.Is(err, auth.ErrInsecureHTTP) {
		t.Fatalf("err = %v, want auth.ErrInsecureHTTP", err)
	}
	if n := len(e.fake.Requests()); n != 0 {
		t.Fatalf("%d requests sent over plain http with credentials", n)
	}

	// The anonymous root does go out, and the server's 426 is surfaced
	// as such, not retried.
	_, err := c.GetRoot(ctx, nil)
	var ae *apierror.APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusUpgradeRequired {
		t.Fatalf("err = %v, want a 426 APIError", err)
	}
	if ae.Message != "HTTPS is required" || ae.Header.Get("Upgrade") == "" || !strings.Contains(err.Error(), "426") {
		t.Fatalf("426 not clear: message %q, Upgrade %q, Error() %q", ae.Message, ae.Header.Get("Upgrade"), err)
	}
	// Even with WithInsecureHTTP the server refuses: 426 for the API too.
	ci := e.client(e.basicToken(), foxdeli.WithInsecureHTTP())
	_, err = ci.ListDeliveries(ctx, nil)
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusUpgradeRequired {
		t.Fatalf("err = %v, want a 426 APIError", err)
	}
	if n := len(e.fake.Requests()); n != 2 {
		t.Fatalf("%d requests, want 2 (426 is not retried)", n)
	}
}

type foxdeliRoundTripFunc func(*http.Request) (*http.Response, error)

func (f foxdeliRoundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// foxdeliValue renders a FieldError value (a JSON string or number).
func foxdeliValue(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func TestFoxdeli_MaintenanceRetriedGoneNot(t *testing.T) {
	e := foxdeliSetup(t, true)
	ctx := context.Background()
	c := e.client(e.basicToken()) // WithClock(e.clk): backoff waits on the fake clock

	// 503 (maintenance) with Retry-After: retried, then served.
	e.fake.InjectStatus(2, http.StatusServiceUnavailable, http.Header{"Retry-After": {"30"}})
	start := e.clk.Now()
	if _, err := c.ListDeliveries(ctx, nil); err != nil {
		t.Fatalf("after maintenance: %v", err)
	}
	if n := len(e.apiRequests()); n != 3 {
		t.Fatalf("%d requests, want 3 (two 503s, then success)", n)
	}
	if waited := e.clk.Now().Sub(start); waited < 60*time.Second {
		t.Fatalf("waited %v in total, want at least 2 × Retry-After 30 s", waited)
	}

	// 410 Gone (an old API version) is final.
	old, err := foxdeli.New(e.srv.URL+"/v1", foxdeli.WithCredentials(e.basicToken()),
		foxdeli.WithHTTPClient(e.srv.Client()), foxdeli.WithClock(e.clk))
	if err != nil {
		t.Fatal(err)
	}
	before := len(e.fake.Requests())
	_, err = old.ListDeliveries(ctx, nil)
	var ae *apierror.APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusGone {
		t.Fatalf("old version: err = %v, want 410", err)
	}
	if n := len(e.fake.Requests()) - before; n != 1 {
		t.Fatalf("410 sent %d times, want once", n)
	}
}

func TestFoxdeli_BothCredentialsUseTheToken(t *testing.T) {
	e := foxdeliSetup(t, true)
	ctx := context.Background()
	creds := e.oauthCreds()
	creds.Token = e.basicToken().Token
	c := e.client(creds, foxdeli.WithScopes(foxdeliScopes...))
	if _, err := c.ListDeliveries(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if got := e.apiRequests()[0].header.Get("Authorization"); got != "Basic "+e.cfg.BasicTokens[0] {
		t.Fatalf("Authorization = %q; the first security alternative (basicToken) should be used", got)
	}
	if n := e.fake.TokenRequests(); n != 0 {
		t.Fatalf("%d token requests although the Basic token was used", n)
	}
	// A denied authorisation comes back on the redirect with the state.
	e.fake.DenyAuthorization(true)
	u, _ := c.AuthCodeURL("st")
	resp, err := e.browser.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if q := loc.Query(); q.Get("error") != "access_denied" || q.Get("state") != "st" || q.Has("code") {
		t.Fatalf("denied redirect = %s", loc)
	}
}

// A user who authorises fewer scopes gets tokens for exactly those: the
// exchange and the refreshes send the scopes of WithScopes.
func TestFoxdeli_TokenRequestScopeFollowsWithScopes(t *testing.T) {
	e := foxdeliSetup(t, true)
	ctx := context.Background()
	c := e.client(e.oauthCreds(), foxdeli.WithScopes("deliveries"))
	code := e.authorize(c)
	if err := c.Exchange(ctx, code); err != nil {
		t.Fatalf("Exchange with one authorised scope: %v", err)
	}
	forms := e.tokenForms()
	if len(forms) != 1 || forms[0].Get("scope") != "deliveries" {
		t.Fatalf("exchange forms %v, want scope=deliveries", forms)
	}
	if _, err := c.ListDeliveries(ctx, nil); err != nil {
		t.Fatal(err)
	}
}

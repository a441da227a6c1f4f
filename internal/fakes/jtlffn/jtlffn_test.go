package jtlffn

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/clock"
)

type harness struct {
	t    *testing.T
	fake *Server
	clk  *clock.Fake
	srv  *httptest.Server
	cfg  Config
	// hc does not follow redirects, like a test driving /authorize.
	hc *http.Client
}

func newHarness(t *testing.T, mutate func(*Config)) *harness {
	t.Helper()
	clk := clock.NewFake(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC))
	cfg := DefaultConfig()
	cfg.Clock = clk
	if mutate != nil {
		mutate(&cfg)
	}
	fake := New(cfg)
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &harness{t: t, fake: fake, clk: clk, srv: srv, cfg: cfg, hc: hc}
}

func (h *harness) authorizeURL(params map[string]string) string {
	q := url.Values{
		"response_type": {"code"},
		"client_id":     {h.cfg.ClientID},
		"redirect_uri":  {h.cfg.RedirectURI},
		"scope":         {ScopeFulfillerRead + " " + ScopeFulfillerWrite},
		"state":         {"xyz"},
	}
	for k, v := range params {
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
	}
	return h.srv.URL + "/authorize?" + q.Encode()
}

// authorize drives /authorize and returns the redirect's query.
func (h *harness) authorize(params map[string]string) (int, url.Values) {
	h.t.Helper()
	resp, err := h.hc.Get(h.authorizeURL(params))
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		return resp.StatusCode, nil
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		h.t.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != h.cfg.RedirectURI {
		h.t.Fatalf("redirected to %q, want %q", got, h.cfg.RedirectURI)
	}
	return resp.StatusCode, loc.Query()
}

func (h *harness) code() string {
	h.t.Helper()
	st, q := h.authorize(nil)
	if st != http.StatusFound || q.Get("code") == "" {
		h.t.Fatalf("authorize: status %d query %v", st, q)
	}
	return q.Get("code")
}

type tokenResp struct {
	status int
	header http.Header
	body   map[string]any
}

func (h *harness) tokenReq(form url.Values, basic bool) tokenResp {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic {
		req.SetBasicAuth(h.cfg.ClientID, h.cfg.ClientSecret)
	}
	resp, err := h.hc.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return tokenResp{resp.StatusCode, resp.Header, body}
}

func (h *harness) exchange(code string) tokenResp {
	return h.tokenReq(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {h.cfg.RedirectURI}}, true)
}

func (h *harness) refresh(rt string) tokenResp {
	return h.tokenReq(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, true)
}

func (h *harness) api(method, path, token, body string) (*http.Response, []byte) {
	h.t.Helper()
	req, _ := http.NewRequest(method, h.srv.URL+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := h.hc.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func wantOAuthError(t *testing.T, r tokenResp, status int, code string) {
	t.Helper()
	if r.status != status || r.body["error"] != code {
		t.Fatalf("got %d %v, want %d error=%s", r.status, r.body, status, code)
	}
	if _, ok := r.body["error_description"].(string); !ok {
		t.Fatalf("no error_description in %v", r.body)
	}
}

func TestAuthorizationCodeFlow(t *testing.T) {
	h := newHarness(t, nil)
	st, q := h.authorize(nil)
	if st != http.StatusFound || q.Get("state") != "xyz" || q.Get("code") == "" {
		t.Fatalf("authorize: %d %v", st, q)
	}
	tr := h.exchange(q.Get("code"))
	if tr.status != http.StatusOK {
		t.Fatalf("exchange: %d %v", tr.status, tr.body)
	}
	if tr.body["token_type"] != "Bearer" || tr.body["expires_in"] != float64(1800) {
		t.Fatalf("token response %v", tr.body)
	}
	if tr.header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control = %q", tr.header.Get("Cache-Control"))
	}
	at, _ := tr.body["access_token"].(string)
	if strings.Count(at, ".") != 2 {
		t.Errorf("access token %q is not JWT-shaped", at)
	}
	if _, ok := tr.body["refresh_token"].(string); !ok {
		t.Fatal("no refresh_token")
	}
	resp, b := h.api("GET", "/api/v1/users/current", at, "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("users/current: %d %s", resp.StatusCode, b)
	}
	var u CurrentUser
	if err := json.Unmarshal(b, &u); err != nil || u.UserID != "FULF" || u.Role != RoleFulfiller {
		t.Fatalf("users/current body %s (%v)", b, err)
	}
	if h.fake.TokenRequests() != 1 || h.fake.AuthorizeRequests() != 1 {
		t.Errorf("counters: token %d authorize %d", h.fake.TokenRequests(), h.fake.AuthorizeRequests())
	}
	if n := len(h.fake.Requests()); n != 3 {
		t.Errorf("recorded %d requests, want 3", n)
	}
}

func TestAuthorizeValidation(t *testing.T) {
	h := newHarness(t, nil)
	// Client or redirect problems: no redirect (RFC 6749 §4.1.2.1).
	for _, p := range []map[string]string{
		{"client_id": "other"},
		{"client_id": ""},
		{"redirect_uri": "http://evil.example/cb"},
	} {
		if st, _ := h.authorize(p); st != http.StatusBadRequest {
			t.Errorf("%v: status %d, want 400", p, st)
		}
	}
	// Other problems come back on the redirect, with the state.
	for _, c := range []struct {
		params map[string]string
		err    string
	}{
		{map[string]string{"response_type": "token"}, "unsupported_response_type"},
		{map[string]string{"scope": ""}, "invalid_scope"},
		{map[string]string{"scope": ScopeFulfillerRead + "," + ScopeFulfillerWrite}, "invalid_scope"},
		{map[string]string{"scope": "ffn.everything"}, "invalid_scope"},
	} {
		st, q := h.authorize(c.params)
		if st != http.StatusFound || q.Get("error") != c.err || q.Get("state") != "xyz" || q.Has("code") {
			t.Errorf("%v: %d %v, want redirect error=%s", c.params, st, q, c.err)
		}
	}
	h.fake.DenyAuthorization(true)
	if _, q := h.authorize(nil); q.Get("error") != "access_denied" {
		t.Errorf("deny: %v", q)
	}
	h.fake.DenyAuthorization(false)
	// state is optional.
	if _, q := h.authorize(map[string]string{"state": ""}); q.Has("state") || q.Get("code") == "" {
		t.Errorf("no state: %v", q)
	}
	// %20 and + both decode to the space delimiter.
	resp, err := h.hc.Get(strings.Replace(h.authorizeURL(nil), "ffn.fulfiller.read+ffn", "ffn.fulfiller.read%20ffn", 1))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc, _ := url.Parse(resp.Header.Get("Location")); loc == nil || loc.Query().Get("code") == "" {
		t.Errorf("%%20 scope: %v", resp.Header.Get("Location"))
	}
}

func TestTokenClientAuthentication(t *testing.T) {
	h := newHarness(t, nil)
	code := h.code()
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {h.cfg.RedirectURI}}

	r := h.tokenReq(form, false)
	wantOAuthError(t, r, http.StatusUnauthorized, "invalid_client")
	if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic") {
		t.Errorf("WWW-Authenticate = %q", r.header.Get("WWW-Authenticate"))
	}
	// Credentials in the body are not a supported client authentication.
	body := url.Values{"client_id": {h.cfg.ClientID}, "client_secret": {h.cfg.ClientSecret}}
	for k, v := range form {
		body[k] = v
	}
	wantOAuthError(t, h.tokenReq(body, false), http.StatusUnauthorized, "invalid_client")

	h.cfg.ClientSecret = "wrong"
	wantOAuthError(t, h.tokenReq(form, true), http.StatusUnauthorized, "invalid_client")
	h.cfg.ClientSecret = DefaultConfig().ClientSecret

	// Not form-encoded.
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/token", strings.NewReader(`{"grant_type":"authorization_code"}`))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(h.cfg.ClientID, h.cfg.ClientSecret)
	resp, err := h.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("JSON body: %d", resp.StatusCode)
	}
	// The code was never spent by the failures above.
	if r := h.tokenReq(form, true); r.status != http.StatusOK {
		t.Fatalf("exchange after failures: %d %v", r.status, r.body)
	}
}

func TestUnsupportedGrantsAre401(t *testing.T) {
	h := newHarness(t, nil)
	for _, gt := range []string{"client_credentials", "password"} {
		wantOAuthError(t, h.tokenReq(url.Values{"grant_type": {gt}}, true), http.StatusUnauthorized, "unauthorized_client")
	}
	wantOAuthError(t, h.tokenReq(url.Values{"grant_type": {"urn:x"}}, true), http.StatusBadRequest, "unsupported_grant_type")
	wantOAuthError(t, h.tokenReq(url.Values{}, true), http.StatusBadRequest, "invalid_request")
}

func TestCodeSingleUseAndShortLived(t *testing.T) {
	h := newHarness(t, nil)
	code := h.code()
	first := h.exchange(code)
	if first.status != http.StatusOK {
		t.Fatalf("first exchange %d %v", first.status, first.body)
	}
	wantOAuthError(t, h.exchange(code), http.StatusBadRequest, "invalid_grant")
	// Reuse revokes what the code produced (RFC 6749 §4.1.2).
	at := first.body["access_token"].(string)
	if resp, _ := h.api("GET", "/api/v1/users/current", at, ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("access token after code reuse: %d", resp.StatusCode)
	}
	wantOAuthError(t, h.refresh(first.body["refresh_token"].(string)), http.StatusBadRequest, "invalid_grant")

	code = h.code()
	h.clk.Advance(h.cfg.CodeTTL)
	wantOAuthError(t, h.exchange(code), http.StatusBadRequest, "invalid_grant")

	code = h.code()
	r := h.tokenReq(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"http://localhost/other"}}, true)
	wantOAuthError(t, r, http.StatusBadRequest, "invalid_grant")
	wantOAuthError(t, h.exchange("def50200nonsense"), http.StatusBadRequest, "invalid_grant")
}

func TestRefreshTokensRotateAndAreSingleUse(t *testing.T) {
	h := newHarness(t, nil)
	tr := h.exchange(h.code())
	rt1 := tr.body["refresh_token"].(string)

	r2 := h.refresh(rt1)
	if r2.status != http.StatusOK {
		t.Fatalf("refresh: %d %v", r2.status, r2.body)
	}
	rt2 := r2.body["refresh_token"].(string)
	if rt2 == "" || rt2 == rt1 {
		t.Fatalf("refresh token did not rotate: %q", rt2)
	}
	if r2.body["access_token"] == tr.body["access_token"] {
		t.Error("access token did not change")
	}
	// The spent token is invalid_grant (RFC 6749 §5.2), the new one works.
	wantOAuthError(t, h.refresh(rt1), http.StatusBadRequest, "invalid_grant")
	r3 := h.refresh(rt2)
	if r3.status != http.StatusOK {
		t.Fatalf("refresh with rotated token: %d %v", r3.status, r3.body)
	}
	// Both access tokens stay valid until they expire (revocation on
	// refresh is off by default).
	for _, at := range []any{tr.body["access_token"], r2.body["access_token"], r3.body["access_token"]} {
		if resp, _ := h.api("GET", "/api/v1/users/current", at.(string), ""); resp.StatusCode != http.StatusOK {
			t.Errorf("access token after refresh: %d", resp.StatusCode)
		}
	}
	// A narrower scope may be asked for, a wider one not.
	wantOAuthError(t, h.tokenReq(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {r3.body["refresh_token"].(string)}, "scope": {ScopeMerchantRead}}, true),
		http.StatusBadRequest, "invalid_scope")
}

func TestRevokeAccessTokenOnRefresh(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.RevokeAccessTokenOnRefresh = true })
	tr := h.exchange(h.code())
	if r := h.refresh(tr.body["refresh_token"].(string)); r.status != http.StatusOK {
		t.Fatal(r.body)
	}
	if resp, _ := h.api("GET", "/api/v1/users/current", tr.body["access_token"].(string), ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("old access token: %d, want 401", resp.StatusCode)
	}
}

func TestConcurrentRefreshOnlyOneWins(t *testing.T) {
	h := newHarness(t, nil)
	rt := h.exchange(h.code()).body["refresh_token"].(string)
	var wg sync.WaitGroup
	statuses := make([]int, 8)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = h.refresh(rt).status
		}()
	}
	wg.Wait()
	ok := 0
	for _, s := range statuses {
		if s == http.StatusOK {
			ok++
		} else if s != http.StatusBadRequest {
			t.Errorf("status %d", s)
		}
	}
	if ok != 1 {
		t.Fatalf("%d refreshes succeeded with one token, want 1", ok)
	}
}

func TestAccessTokenExpiry(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.AccessTokenTTL = 30 * time.Second })
	tr := h.exchange(h.code())
	if tr.body["expires_in"] != float64(30) {
		t.Fatalf("expires_in = %v", tr.body["expires_in"])
	}
	at := tr.body["access_token"].(string)
	h.clk.Advance(29 * time.Second)
	if resp, _ := h.api("GET", "/api/v1/users/current", at, ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("before expiry: %d", resp.StatusCode)
	}
	h.clk.Advance(time.Second)
	resp, _ := h.api("GET", "/api/v1/users/current", at, "")
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Fatalf("after expiry: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}

	tr = h.refresh(tr.body["refresh_token"].(string))
	at = tr.body["access_token"].(string)
	h.fake.ExpireTokens()
	if resp, _ := h.api("GET", "/api/v1/users/current", at, ""); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("after ExpireTokens: %d", resp.StatusCode)
	}
	if r := h.refresh(tr.body["refresh_token"].(string)); r.status != http.StatusOK {
		t.Fatalf("refresh after ExpireTokens: %d", r.status)
	}
}

func TestRefreshTokenTTL(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.RefreshTokenTTL = time.Hour })
	rt := h.exchange(h.code()).body["refresh_token"].(string)
	h.clk.Advance(time.Hour)
	wantOAuthError(t, h.refresh(rt), http.StatusBadRequest, "invalid_grant")
}

func TestAPIAuthentication(t *testing.T) {
	h := newHarness(t, nil)
	resp, b := h.api("GET", "/api/v1/users/current", "", "")
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") != "Bearer" || len(b) != 0 {
		t.Errorf("no token: %d %q %s", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), b)
	}
	if resp, _ := h.api("GET", "/api/v1/users/current", "not-a-token", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("bad token: %d", resp.StatusCode)
	}
}

func TestScopesAndRoles(t *testing.T) {
	h := newHarness(t, nil)
	_, q := h.authorize(map[string]string{"scope": ScopeMerchantRead})
	at := h.exchange(q.Get("code")).body["access_token"].(string)
	resp, _ := h.api("GET", "/api/v1/fulfiller/merchants", at, "")
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(resp.Header.Get("WWW-Authenticate"), "insufficient_scope") {
		t.Errorf("missing scope: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	// Read scope does not allow writing.
	_, q = h.authorize(map[string]string{"scope": ScopeFulfillerRead})
	at = h.exchange(q.Get("code")).body["access_token"].(string)
	if resp, _ := h.api("POST", "/api/v1/fulfiller/warehouses", at, `{}`); resp.StatusCode != http.StatusForbidden {
		t.Errorf("write with read scope: %d", resp.StatusCode)
	}
	// A merchant cannot use the Fulfiller API whatever the scopes.
	h.fake.SetUser(User{ID: "MERC", Subject: "1", Role: RoleMerchant})
	at = h.exchange(h.code()).body["access_token"].(string)
	if resp, _ := h.api("GET", "/api/v1/fulfiller/merchants", at, ""); resp.StatusCode != http.StatusForbidden {
		t.Errorf("merchant on fulfiller API: %d", resp.StatusCode)
	}
}

func TestUserNeverLoggedIntoPortal(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.User.NeverLoggedIntoPortal = true })
	at := h.exchange(h.code()).body["access_token"].(string)
	resp, b := h.api("GET", "/api/v1/users/current", at, "")
	var e ErrorResponse
	if resp.StatusCode != http.StatusNotFound || json.Unmarshal(b, &e) != nil || e.ErrorCode.Code != "Users_UserNotFound" || e.ErrorMetadata["UserId"] != "FULF" {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
}

func TestFulfillerEndpoints(t *testing.T) {
	h := newHarness(t, nil)
	at := h.exchange(h.code()).body["access_token"].(string)

	resp, b := h.api("GET", "/api/v1/fulfiller/merchants?$top=2", at, "")
	var p Paged[Merchant]
	if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &p) != nil {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	if p.Count != 2 || p.Page.Total != 2 || p.Page.Limit != 2 || p.NextPageLink != "?$top=2&$skip=2" {
		t.Fatalf("page 1: %s", b)
	}
	resp, b = h.api("GET", "/api/v1/fulfiller/merchants"+p.NextPageLink, at, "")
	p = Paged[Merchant]{}
	if json.Unmarshal(b, &p) != nil || p.Count != 1 || p.Items[0].UserID != "MER3" || p.NextPageLink != "" || p.Links.Previous == "" {
		t.Fatalf("page 2: %d %s", resp.StatusCode, b)
	}
	if resp, _ := h.api("GET", "/api/v1/fulfiller/merchants?$top=x", at, ""); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bad $top: %d", resp.StatusCode)
	}

	if resp, b := h.api("GET", "/api/v1/fulfiller/merchants/MERC", at, ""); resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"userId":"MERC"`) {
		t.Errorf("get merchant: %d %s", resp.StatusCode, b)
	}
	resp, b = h.api("GET", "/api/v1/fulfiller/merchants/NOPE", at, "")
	var e ErrorResponse
	if resp.StatusCode != http.StatusNotFound || json.Unmarshal(b, &e) != nil || e.ErrorCode.Code != "Authorizations_AuthorizationNotFound" || len(e.ErrorMessages) != 1 {
		t.Errorf("unknown merchant: %d %s", resp.StatusCode, b)
	}

	resp, b = h.api("POST", "/api/v1/fulfiller/warehouses", at, `{"name":"","address":{"street":"x","country":"DEU"}}`)
	e = ErrorResponse{}
	if resp.StatusCode != http.StatusBadRequest || json.Unmarshal(b, &e) != nil || len(e.ErrorMessages) != 4 {
		t.Errorf("invalid warehouse: %d %s", resp.StatusCode, b)
	}
	resp, b = h.api("POST", "/api/v1/fulfiller/warehouses", at, `{"name":"Hall B","address":{"company":"F","street":"S 1","city":"C","country":"DE"}}`)
	var wh Warehouse
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(b, &wh) != nil || wh.FulfillerID != "FULF" || len(wh.WarehouseID) < 14 {
		t.Fatalf("create warehouse: %d %s", resp.StatusCode, b)
	}
	resp, b = h.api("GET", "/api/v1/fulfiller/warehouses", at, "")
	var pw Paged[Warehouse]
	if json.Unmarshal(b, &pw) != nil || pw.Count != 2 || pw.Items[1].Name != "Hall B" {
		t.Errorf("list warehouses: %d %s", resp.StatusCode, b)
	}
}

func TestInjectStatus(t *testing.T) {
	h := newHarness(t, nil)
	h.fake.InjectResponse("/api/", http.StatusServiceUnavailable, nil, "<html>down</html>")
	at := h.exchange(h.code()).body["access_token"].(string) // /token is not matched
	if resp, b := h.api("GET", "/api/v1/users/current", at, ""); resp.StatusCode != http.StatusServiceUnavailable || string(b) != "<html>down</html>" {
		t.Fatalf("injected response: %d %s", resp.StatusCode, b)
	}
	h.fake.InjectStatus(2, http.StatusServiceUnavailable, http.Header{"Retry-After": {"7"}})
	for range 2 {
		resp, b := h.api("GET", "/api/v1/users/current", at, "")
		var e ErrorResponse
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "7" || json.Unmarshal(b, &e) != nil || e.ErrorCode.Code != "ServiceUnavailable" {
			t.Fatalf("injected status: %d %v %s", resp.StatusCode, resp.Header, b)
		}
	}
	if resp, _ := h.api("GET", "/api/v1/users/current", at, ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("after injection: %d", resp.StatusCode)
	}
	h.fake.ResetRequests()
	if n := len(h.fake.Requests()); n != 0 {
		t.Fatalf("%d requests after ResetRequests", n)
	}
}

func TestDeterministicTokens(t *testing.T) {
	a, b := newHarness(t, nil), newHarness(t, nil)
	ta, tb := a.exchange(a.code()), b.exchange(b.code())
	if ta.body["access_token"] != tb.body["access_token"] || ta.body["refresh_token"] != tb.body["refresh_token"] {
		t.Fatal("same inputs gave different tokens")
	}
}

package foxdeli

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/clock"
)

const basicToken = "684v98fd84vfd9845df55616d5f7d10d54ce9798ccd391735387ea2f6d9c64ce7d5"

type harness struct {
	t    *testing.T
	fake *Server
	clk  *clock.Fake
	srv  *httptest.Server
	// hc neither follows redirects nor decompresses, so tests see the wire.
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
	srv := httptest.NewTLSServer(fake)
	t.Cleanup(srv.Close)
	tr := srv.Client().Transport.(*http.Transport).Clone()
	tr.DisableCompression = true
	hc := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &harness{t: t, fake: fake, clk: clk, srv: srv, hc: hc}
}

type result struct {
	status int
	header http.Header
	body   []byte // decompressed when gzip
	raw    []byte
}

func (r result) env(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
	return m
}

func (h *harness) do(method, path string, body []byte, hdr map[string]string) result {
	h.t.Helper()
	req, _ := http.NewRequest(method, h.srv.URL+path, bytes.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := h.hc.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	res := result{status: resp.StatusCode, header: resp.Header, body: raw, raw: raw}
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			h.t.Fatalf("bad gzip: %v", err)
		}
		res.body, _ = io.ReadAll(zr)
	}
	return res
}

func basic() map[string]string { return map[string]string{"Authorization": "Basic " + basicToken} }

func with(m map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// authorize returns the code from the authorize redirect.
func (h *harness) authorize(rawQuery string) url.Values {
	h.t.Helper()
	r := h.do("GET", "/oauth/authorize/?"+rawQuery, nil, nil)
	if r.status != http.StatusFound {
		h.t.Fatalf("authorize: %d %s", r.status, r.body)
	}
	loc, err := url.Parse(r.header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), "https://mujeshopik.cz/foxdeli-endpoint/?") {
		h.t.Fatalf("redirect %q", r.header.Get("Location"))
	}
	return loc.Query()
}

const authQuery = "response_type=code&client_id=zjhygknkfk&scope=deliveries+collection-protocols&redirect_uri=https://mujeshopik.cz/foxdeli-endpoint/&state=csjkhd5b1"

func (h *harness) tokenReq(form url.Values, hdr map[string]string) result {
	h.t.Helper()
	if hdr == nil {
		hdr = map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("zjhygknkfk:abcd1234"))}
	}
	hdr = with(hdr, "Content-Type", "application/x-www-form-urlencoded")
	return h.do("POST", "/oauth/token/", []byte(form.Encode()), hdr)
}

func exchangeForm(code string) url.Values {
	return url.Values{"code": {code}, "redirect_uri": {"https://mujeshopik.cz/foxdeli-endpoint/"},
		"scope": {"deliveries collection-protocols"}, "grant_type": {"authorization_code"}}
}

func refreshForm(rt string) url.Values {
	return url.Values{"refresh_token": {rt}, "redirect_uri": {"https://mujeshopik.cz/foxdeli-endpoint/"},
		"scope": {"deliveries"}, "grant_type": {"refresh_token"}}
}

// bearer runs the whole flow and returns the token response.
func (h *harness) bearer() map[string]any {
	h.t.Helper()
	r := h.tokenReq(exchangeForm(h.authorize(authQuery).Get("code")), nil)
	if r.status != http.StatusOK {
		h.t.Fatalf("token: %d %s", r.status, r.body)
	}
	return r.env(h.t)
}

var lower40 = regexp.MustCompile(`^[a-z0-9]{40}$`)

func TestPlainHTTPIs426(t *testing.T) {
	fake := New(DefaultConfig())
	srv := httptest.NewServer(fake)
	defer srv.Close()
	for _, p := range []string{"/", "/v4/deliveries", "/oauth/token"} {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUpgradeRequired || resp.Header.Get("Upgrade") == "" || !bytes.Contains(b, []byte(`"code": 426`)) {
			t.Errorf("%s: %d %q %s", p, resp.StatusCode, resp.Header.Get("Upgrade"), b)
		}
	}
	cfg := DefaultConfig()
	cfg.RequireHTTPS = false
	plain := httptest.NewServer(New(cfg))
	defer plain.Close()
	resp, err := http.Get(plain.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("RequireHTTPS=false: %d", resp.StatusCode)
	}
}

func TestRootNeedsNoAuthAndPrettyPrint(t *testing.T) {
	h := newHarness(t, nil)
	r := h.do("GET", "/", nil, nil)
	if r.status != http.StatusOK || r.env(t)["status"] != "success" || r.header.Get("ETag") == "" {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if !bytes.Contains(r.body, []byte("\n    \"code\": 200")) {
		t.Errorf("not indented by default: %s", r.body)
	}
	r = h.do("GET", "/?prettyPrint=false", nil, nil)
	if !bytes.HasPrefix(r.body, []byte(`{"code":200,"status":"success"`)) {
		t.Errorf("prettyPrint=false: %s", r.body)
	}
	if r := h.do("DELETE", "/", nil, nil); r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != "GET" {
		t.Errorf("DELETE /: %d %q", r.status, r.header.Get("Allow"))
	}
}

func TestBasicToken(t *testing.T) {
	h := newHarness(t, nil)
	if r := h.do("GET", "/v4/deliveries", nil, basic()); r.status != http.StatusOK {
		t.Fatalf("raw token: %d %s", r.status, r.body)
	}
	for name, hv := range map[string]string{
		"base64":       "Basic " + base64.StdEncoding.EncodeToString([]byte(basicToken)),
		"two spaces":   "Basic  " + basicToken,
		"wrong token":  "Basic nope",
		"bearer token": "Bearer " + basicToken,
		"no scheme":    basicToken,
	} {
		r := h.do("GET", "/v4/deliveries", nil, map[string]string{"Authorization": hv})
		if r.status != http.StatusUnauthorized || r.env(t)["code"] != "401" {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
	r := h.do("GET", "/v4/deliveries", nil, nil)
	if r.status != http.StatusUnauthorized || r.header.Get("WWW-Authenticate") == "" {
		t.Errorf("no credentials: %d %v", r.status, r.header)
	}
	// The seed's misspelt header is refused unless configured.
	seedHeader := map[string]string{"Authentication": "Basic " + basicToken}
	if r := h.do("GET", "/v4/deliveries", nil, seedHeader); r.status != http.StatusUnauthorized {
		t.Errorf("Authentication header: %d", r.status)
	}
	h2 := newHarness(t, func(c *Config) { c.AcceptAuthenticationHeader = true })
	if r := h2.do("GET", "/v4/deliveries", nil, seedHeader); r.status != http.StatusOK {
		t.Errorf("Authentication header when accepted: %d", r.status)
	}
}

func TestOAuthAuthorizationCodeFlow(t *testing.T) {
	h := newHarness(t, nil)
	q := h.authorize(authQuery)
	if !lower40.MatchString(q.Get("code")) || q.Get("state") != "csjkhd5b1" {
		t.Fatalf("redirect query %v", q)
	}
	r := h.tokenReq(exchangeForm(q.Get("code")), nil)
	if r.status != http.StatusOK {
		t.Fatalf("token: %d %s", r.status, r.body)
	}
	// expires_in is a JSON string, token_type lower-case (§9.3).
	var raw map[string]json.RawMessage
	_ = json.Unmarshal(r.body, &raw)
	if string(raw["expires_in"]) != `"3600"` || string(raw["token_type"]) != `"bearer"` || string(raw["scope"]) != `"deliveries collection-protocols"` {
		t.Fatalf("token response %s", r.body)
	}
	tok := r.env(t)
	at, rt := tok["access_token"].(string), tok["refresh_token"].(string)
	if !lower40.MatchString(at) || !lower40.MatchString(rt) {
		t.Fatalf("tokens %q %q", at, rt)
	}
	if r.header.Get("X-Frame-Options") != "SAMEORIGIN" {
		t.Errorf("X-Frame-Options = %q", r.header.Get("X-Frame-Options"))
	}

	bearer := map[string]string{"Authorization": "Bearer " + at, "Accept": "application/json"}
	r = h.do("GET", "/v4/deliveries?deliveryId=15023456", nil, bearer)
	if r.status != http.StatusOK {
		t.Fatalf("resource: %d %s", r.status, r.body)
	}
	if data := r.env(t)["data"].([]any); len(data) != 1 || data[0].(map[string]any)["id"] != float64(15023456) {
		t.Fatalf("data %s", r.body)
	}

	// Refresh: 201, no refresh_token, the old one keeps working.
	for i := range 2 {
		r = h.tokenReq(refreshForm(rt), nil)
		if r.status != http.StatusCreated {
			t.Fatalf("refresh %d: %d %s", i, r.status, r.body)
		}
		raw = nil
		_ = json.Unmarshal(r.body, &raw)
		if _, has := raw["refresh_token"]; has || string(raw["expires_in"]) != `"3600"` || string(raw["scope"]) != `"deliveries"` {
			t.Fatalf("refresh response %s", r.body)
		}
	}
	// The code was single-use.
	if r := h.tokenReq(exchangeForm(q.Get("code")), nil); r.status != http.StatusBadRequest || r.env(t)["error"] != "invalid_grant" {
		t.Errorf("code reuse: %d %s", r.status, r.body)
	}
	if h.fake.TokenRequests() != 4 {
		t.Errorf("TokenRequests = %d", h.fake.TokenRequests())
	}
	// Revocation deletes all tokens.
	h.fake.RevokeAll()
	if r := h.tokenReq(refreshForm(rt), nil); r.status != http.StatusBadRequest || r.env(t)["error"] != "invalid_grant" {
		t.Errorf("refresh after revoke: %d %s", r.status, r.body)
	}
	if r := h.do("GET", "/v4/deliveries", nil, bearer); r.status != http.StatusUnauthorized {
		t.Errorf("access after revoke: %d", r.status)
	}
}

func TestTokenEndpointRules(t *testing.T) {
	h := newHarness(t, nil)
	code := h.authorize(authQuery).Get("code")
	bad := func(name string, r result, status int, code string) {
		t.Helper()
		if r.status != status || r.env(t)["error"] != code {
			t.Errorf("%s: %d %s, want %d %s", name, r.status, r.body, status, code)
		}
	}
	bad("no client auth", h.tokenReq(exchangeForm(code), map[string]string{}), 401, "invalid_client")
	body := exchangeForm(code)
	body.Set("client_id", "zjhygknkfk")
	body.Set("client_secret", "abcd1234")
	bad("credentials in body", h.tokenReq(body, map[string]string{}), 401, "invalid_client")
	bad("wrong secret", h.tokenReq(exchangeForm(code), map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("zjhygknkfk:x"))}), 401, "invalid_client")
	// The seed's raw header example omits "Basic": that is not accepted.
	bad("no Basic word", h.tokenReq(exchangeForm(code), map[string]string{"Authorization": base64.StdEncoding.EncodeToString([]byte("zjhygknkfk:abcd1234"))}), 401, "invalid_client")
	f := exchangeForm(code)
	f.Del("scope")
	bad("no scope", h.tokenReq(f, nil), 400, "invalid_request")
	f = exchangeForm(code)
	f.Del("redirect_uri")
	bad("no redirect_uri", h.tokenReq(f, nil), 400, "redirect_uri_mismatch")
	f = exchangeForm(code)
	f.Set("scope", "deliveries collection-places")
	bad("scope beyond grant", h.tokenReq(f, nil), 400, "invalid_scope")
	f = exchangeForm(code)
	f.Set("grant_type", "client_credentials")
	bad("grant type", h.tokenReq(f, nil), 400, "unsupported_grant_type")
	// None of the failures spent the code; without the slash works too.
	r := h.do("POST", "/oauth/token", []byte(exchangeForm(code).Encode()), map[string]string{
		"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("zjhygknkfk:abcd1234")),
		"Content-Type":  "application/x-www-form-urlencoded",
	})
	if r.status != http.StatusOK {
		t.Fatalf("exchange: %d %s", r.status, r.body)
	}
	rt := r.env(t)["refresh_token"].(string)
	f = refreshForm(rt)
	f.Del("redirect_uri")
	bad("refresh without redirect_uri", h.tokenReq(f, nil), 400, "redirect_uri_mismatch")
	f = refreshForm(rt)
	f.Del("scope")
	bad("refresh without scope", h.tokenReq(f, nil), 400, "invalid_request")
	// JSON is not the token endpoint's format.
	r = h.do("POST", "/oauth/token", []byte(`{}`), map[string]string{
		"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("zjhygknkfk:abcd1234")), "Content-Type": "application/json"})
	bad("JSON body", r, 400, "invalid_request")

	// Codes live 90 seconds.
	code = h.authorize(authQuery).Get("code")
	h.clk.Advance(90 * time.Second)
	bad("expired code", h.tokenReq(exchangeForm(code), nil), 400, "invalid_grant")
}

func TestAuthorizeValidation(t *testing.T) {
	h := newHarness(t, nil)
	for _, q := range []string{
		strings.Replace(authQuery, "client_id=zjhygknkfk", "client_id=other", 1),
		strings.Replace(authQuery, "foxdeli-endpoint/", "elsewhere/", 1),
	} {
		if r := h.do("GET", "/oauth/authorize/?"+q, nil, nil); r.status != http.StatusBadRequest {
			t.Errorf("%s: %d", q, r.status)
		}
	}
	// redirect_uri is optional.
	if q := h.authorize(strings.Replace(authQuery, "&redirect_uri=https://mujeshopik.cz/foxdeli-endpoint/", "", 1)); q.Get("code") == "" {
		t.Errorf("without redirect_uri: %v", q)
	}
	if q := h.authorize(strings.Replace(authQuery, "&state=csjkhd5b1", "", 1)); q.Get("error") != "invalid_request" || q.Has("code") {
		t.Errorf("without state: %v", q)
	}
	if q := h.authorize(strings.Replace(authQuery, "deliveries+", "parcels+", 1)); q.Get("error") != "invalid_scope" {
		t.Errorf("unknown scope: %v", q)
	}
	if q := h.authorize(strings.Replace(authQuery, "response_type=code", "response_type=token", 1)); q.Get("error") != "unsupported_response_type" {
		t.Errorf("response_type: %v", q)
	}
	h.fake.DenyAuthorization(true)
	q := h.authorize(authQuery)
	if q.Get("error") != "access_denied" || q.Get("error_description") != "The user denied access to your application" || q.Get("state") != "csjkhd5b1" {
		t.Errorf("denied: %v", q)
	}
}

func TestExpiredAndInvalidBearer(t *testing.T) {
	h := newHarness(t, nil)
	at := h.bearer()["access_token"].(string)
	hdr := map[string]string{"Authorization": "Bearer " + at}
	h.clk.Advance(59 * time.Minute)
	if r := h.do("GET", "/v4/deliveries", nil, hdr); r.status != http.StatusOK {
		t.Fatalf("before expiry: %d", r.status)
	}
	h.clk.Advance(time.Minute)
	r := h.do("GET", "/v4/deliveries", nil, hdr)
	want := `Bearer realm="ClientApi", error="invalid_token", error_description="The access token provided has expired"`
	if r.status != http.StatusUnauthorized || r.header.Get("WWW-Authenticate") != want {
		t.Fatalf("expired: %d %q", r.status, r.header.Get("WWW-Authenticate"))
	}
	var raw map[string]json.RawMessage
	_ = json.Unmarshal(r.body, &raw)
	if string(raw["code"]) != `"401"` || string(raw["status"]) != `"error"` || string(raw["message"]) != `"The access token provided has expired"` || string(raw["errors"]) != "[]" {
		t.Fatalf("expired body %s", r.body)
	}
	at = h.bearer()["access_token"].(string)
	h.fake.ExpireTokens()
	if r := h.do("GET", "/v4/deliveries", nil, map[string]string{"Authorization": "Bearer " + at}); r.status != http.StatusUnauthorized {
		t.Errorf("after ExpireTokens: %d", r.status)
	}
	r = h.do("GET", "/v4/deliveries", nil, map[string]string{"Authorization": "Bearer 0000000000000000000000000000000000000000"})
	if r.status != http.StatusUnauthorized || !strings.Contains(r.header.Get("WWW-Authenticate"), "is invalid") {
		t.Errorf("unknown token: %d %q", r.status, r.header.Get("WWW-Authenticate"))
	}
	// A token in the query is not supported.
	if r := h.do("GET", "/v4/deliveries?access_token="+at, nil, nil); r.status != http.StatusUnauthorized {
		t.Errorf("query token: %d", r.status)
	}
}

func TestScopeIsEnforced(t *testing.T) {
	h := newHarness(t, nil)
	q := h.authorize(strings.Replace(authQuery, "deliveries+", "", 1))
	f := exchangeForm(q.Get("code"))
	f.Set("scope", "collection-protocols")
	r := h.tokenReq(f, nil)
	at := r.env(t)["access_token"].(string)
	r = h.do("GET", "/v4/deliveries", nil, map[string]string{"Authorization": "Bearer " + at})
	if r.status != http.StatusForbidden || !strings.Contains(r.header.Get("WWW-Authenticate"), "insufficient_scope") || r.env(t)["code"] != "403" {
		t.Fatalf("%d %v %s", r.status, r.header, r.body)
	}
}

func TestGzip(t *testing.T) {
	h := newHarness(t, nil)
	r := h.do("GET", "/v4/deliveries", nil, with(basic(), "Accept-Encoding", "gzip"))
	if r.header.Get("Content-Encoding") != "gzip" || !bytes.HasPrefix(r.raw, []byte{0x1f, 0x8b}) || r.env(t)["status"] != "success" {
		t.Fatalf("gzip response: %v %q", r.header, r.raw[:min(4, len(r.raw))])
	}
	if r := h.do("GET", "/v4/deliveries", nil, with(basic(), "Accept-Encoding", "gzip;q=0")); r.header.Get("Content-Encoding") != "" {
		t.Error("gzip;q=0 got gzip")
	}
	if r := h.do("GET", "/v4/deliveries", nil, basic()); r.header.Get("Content-Encoding") != "" {
		t.Error("gzip without Accept-Encoding")
	}
	// Token responses are compressed too (§9.3 example headers).
	code := h.authorize(authQuery).Get("code")
	r = h.tokenReq(exchangeForm(code), map[string]string{
		"Authorization":   "Basic " + base64.StdEncoding.EncodeToString([]byte("zjhygknkfk:abcd1234")),
		"Accept-Encoding": "gzip",
	})
	if r.status != 200 || r.header.Get("Content-Encoding") != "gzip" || r.env(t)["expires_in"] != "3600" {
		t.Errorf("gzip token: %d %v %s", r.status, r.header, r.body)
	}
	// gzip request body.
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	_, _ = zw.Write([]byte(`[{"orderNumber":"Z-1","valueCurrency":"EUR","packages":[{"weight":2}]}]`))
	_ = zw.Close()
	r = h.do("POST", "/v4/deliveries", zb.Bytes(), with(basic(), "Content-Type", "application/json", "Content-Encoding", "gzip"))
	if r.status != http.StatusCreated {
		t.Fatalf("gzip request: %d %s", r.status, r.body)
	}
	r = h.do("POST", "/v4/deliveries", []byte("not gzip"), with(basic(), "Content-Type", "application/json", "Content-Encoding", "gzip"))
	if r.status != http.StatusBadRequest {
		t.Errorf("bad gzip request: %d", r.status)
	}
}

func TestETagAnd304(t *testing.T) {
	h := newHarness(t, nil)
	r := h.do("GET", "/v4/deliveries", nil, basic())
	tag := r.header.Get("ETag")
	if !regexp.MustCompile(`^"[0-9a-f]{32}"$`).MatchString(tag) {
		t.Fatalf("ETag %q", tag)
	}
	for _, inm := range []string{tag, "W/" + tag, `"other", ` + tag, "*"} {
		r := h.do("GET", "/v4/deliveries", nil, with(basic(), "If-None-Match", inm, "Accept-Encoding", "gzip"))
		if r.status != http.StatusNotModified || len(r.raw) != 0 || r.header.Get("ETag") != tag {
			t.Errorf("If-None-Match %s: %d %q", inm, r.status, r.raw)
		}
	}
	// Same ETag with gzip (hash of the uncompressed body).
	if r := h.do("GET", "/v4/deliveries", nil, with(basic(), "Accept-Encoding", "gzip")); r.header.Get("ETag") != tag {
		t.Errorf("gzip ETag %q", r.header.Get("ETag"))
	}
	// A change changes the ETag.
	h.do("POST", "/v4/deliveries", []byte(`[{"orderNumber":"N","valueCurrency":"CZK","packages":[{"weight":1}]}]`), with(basic(), "Content-Type", "application/json"))
	r = h.do("GET", "/v4/deliveries", nil, with(basic(), "If-None-Match", tag))
	if r.status != http.StatusOK || r.header.Get("ETag") == tag {
		t.Errorf("after change: %d %q", r.status, r.header.Get("ETag"))
	}
	// Other representations have other ETags; non-GET has none.
	if x := h.do("GET", "/v4/deliveries", nil, with(basic(), "Accept", "application/xml")); x.header.Get("ETag") == r.header.Get("ETag") {
		t.Error("XML and JSON share an ETag")
	}
	if p := h.do("POST", "/v4/deliveries", []byte(`[]`), with(basic(), "Content-Type", "application/json")); p.header.Get("ETag") != "" {
		t.Error("ETag on a POST")
	}
}

// The 422 example of §9.5.
const invalidDeliveries = `[{"orderNumber":"A-1","valueCurrency":"€","packages":[{"weight":"3 kg"}]}]`

func TestValidationEnvelope(t *testing.T) {
	h := newHarness(t, nil)
	r := h.do("POST", "/v4/deliveries", []byte(invalidDeliveries), with(basic(), "Content-Type", "application/json"))
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var env struct {
		Code    int          `json:"code"`
		Status  string       `json:"status"`
		Message string       `json:"message"`
		Errors  []FieldError `json:"errors"`
	}
	if err := json.Unmarshal(r.body, &env); err != nil {
		t.Fatal(err)
	}
	want := []FieldError{
		{"Invalid currency format, expected ISO 4217", "[0].valueCurrency", "€"},
		{"This value should be of type float.", "[0].packages[0].weight", "3 kg"},
	}
	if env.Code != 422 || env.Status != "error" || env.Message != "Validation failed" || len(env.Errors) != 2 || env.Errors[0] != want[0] || env.Errors[1] != want[1] {
		t.Fatalf("envelope %+v", env)
	}
	// Czech messages on request.
	r = h.do("POST", "/v4/deliveries", []byte(invalidDeliveries), with(basic(), "Content-Type", "application/json", "Accept-Language", "cs-CZ,cs;q=0.9"))
	if e := r.env(t); e["message"] != "Validace selhala" || !strings.Contains(string(r.body), "Neplatný formát měny") {
		t.Errorf("cs: %s", r.body)
	}
	// Decimals with a comma or dot; no thousands separators.
	r = h.do("POST", "/v4/deliveries", []byte(`[{"orderNumber":"B","value":"330,50","valueCurrency":"CZK","packages":[{"weight":"1,5"},{"weight":2.25}]}]`), with(basic(), "Content-Type", "application/json"))
	if r.status != http.StatusCreated {
		t.Fatalf("decimal comma: %d %s", r.status, r.body)
	}
	d := r.env(t)["data"].([]any)[0].(map[string]any)
	if d["value"] != 330.5 || d["packages"].([]any)[0].(map[string]any)["weight"] != 1.5 || d["status"] != "new" {
		t.Errorf("created %v", d)
	}
	r = h.do("POST", "/v4/deliveries", []byte(`[{"orderNumber":"C","value":"12 500,00","valueCurrency":"CZK","packages":[{"weight":1}]}]`), with(basic(), "Content-Type", "application/json"))
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), `"[0].value"`) {
		t.Errorf("thousands separator: %d %s", r.status, r.body)
	}
	r = h.do("POST", "/v4/deliveries", []byte(`[{}, 5]`), with(basic(), "Content-Type", "application/json"))
	if r.status != http.StatusUnprocessableEntity || len(r.env(t)["errors"].([]any)) != 4 {
		t.Errorf("missing fields: %d %s", r.status, r.body)
	}
	// Not an array, not JSON: 400.
	for _, b := range []string{`{"orderNumber":"X"}`, `[{`} {
		if r := h.do("POST", "/v4/deliveries", []byte(b), with(basic(), "Content-Type", "application/json")); r.status != http.StatusBadRequest || r.env(t)["code"] != float64(400) {
			t.Errorf("%s: %d %s", b, r.status, r.body)
		}
	}
}

func TestXMLAnd406(t *testing.T) {
	h := newHarness(t, nil)
	r := h.do("POST", "/v4/deliveries?prettyPrint=false", []byte(invalidDeliveries), with(basic(), "Content-Type", "application/json", "Accept", "application/xml"))
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<root><code>422</code><status>error</status><message>Validation failed</message>` +
		`<errors><message>Invalid currency format, expected ISO 4217</message><field>[0].valueCurrency</field><value>€</value></errors>` +
		`<errors><message>This value should be of type float.</message><field>[0].packages[0].weight</field><value>3 kg</value></errors></root>`
	if r.status != 422 || string(r.body) != want || !strings.HasPrefix(r.header.Get("Content-Type"), "application/xml") {
		t.Fatalf("XML:\n%s\nwant\n%s", r.body, want)
	}
	r = h.do("GET", "/v4/deliveries", nil, with(basic(), "Accept", "application/xml"))
	if !bytes.Contains(r.body, []byte("\n    <data>\n        <id>15023456</id>")) {
		t.Errorf("pretty XML list:\n%s", r.body)
	}
	for _, acc := range []string{"*/*", "text/html, */*;q=0.8", "application/json"} {
		if r := h.do("GET", "/v4/deliveries", nil, with(basic(), "Accept", acc)); r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
			t.Errorf("Accept %s: %d %s", acc, r.status, r.header.Get("Content-Type"))
		}
	}
	r = h.do("GET", "/v4/deliveries", nil, with(basic(), "Accept", "text/csv"))
	if r.status != http.StatusNotAcceptable || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Errorf("406: %d %s", r.status, r.header.Get("Content-Type"))
	}
}

func TestStatusCodes(t *testing.T) {
	h := newHarness(t, nil)
	for _, p := range []string{"/v1/deliveries", "/api/v1/deliveries"} {
		if r := h.do("GET", p, nil, basic()); r.status != http.StatusGone {
			t.Errorf("%s: %d", p, r.status)
		}
	}
	if r := h.do("GET", "/v4/parcels", nil, basic()); r.status != http.StatusNotFound || r.env(t)["code"] != float64(404) {
		t.Errorf("404: %d %s", r.status, r.body)
	}
	if r := h.do("DELETE", "/v4/deliveries", nil, basic()); r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != "GET, POST" {
		t.Errorf("405: %d %q", r.status, r.header.Get("Allow"))
	}
	if r := h.do("POST", "/v4/deliveries", []byte(`[]`), with(basic(), "Content-Type", "text/plain")); r.status != http.StatusUnsupportedMediaType {
		t.Errorf("415: %d", r.status)
	}
	if r := h.do("POST", "/v4/deliveries", []byte(`[]`), with(basic(), "Content-Type", "application/json; charset=iso-8859-2")); r.status != http.StatusUnsupportedMediaType {
		t.Errorf("415 charset: %d", r.status)
	}
	if r := h.do("GET", "/v4/deliveries?q="+strings.Repeat("x", 9000), nil, basic()); r.status != http.StatusRequestURITooLong || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Errorf("414: %d %s", r.status, r.header.Get("Content-Type"))
	}
	h.fake.InjectResponse("/v4/", http.StatusServiceUnavailable, nil, "<html>Maintenance</html>")
	if r := h.do("GET", "/", nil, nil); r.status != http.StatusOK {
		t.Errorf("root during injection: %d", r.status)
	}
	if r := h.do("GET", "/v4/deliveries", nil, basic()); r.status != http.StatusServiceUnavailable || string(r.body) != "<html>Maintenance</html>" {
		t.Errorf("503: %d %s", r.status, r.body)
	}
	h.fake.InjectStatus(1, http.StatusServiceUnavailable, http.Header{"Retry-After": {"120"}})
	r := h.do("GET", "/v4/deliveries", nil, with(basic(), "Accept", "application/xml"))
	if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") != "120" || !bytes.Contains(r.body, []byte("<code>503</code>")) {
		t.Errorf("injected status: %d %v %s", r.status, r.header, r.body)
	}
}

func TestMethodOverrideAndPreconditions(t *testing.T) {
	h := newHarness(t, nil)
	r := h.do("GET", "/v4/deliveries/15023456", nil, basic())
	tag := r.header.Get("ETag")
	if r.status != http.StatusOK || tag == "" {
		t.Fatalf("get: %d", r.status)
	}
	upd := []byte(`{"orderNumber":"2021-0001-B","packages":[{"weight":"0,75"}]}`)
	if r := h.do("PUT", "/v4/deliveries/15023456", upd, with(basic(), "Content-Type", "application/json", "If-Match", `"stale"`)); r.status != http.StatusPreconditionFailed {
		t.Errorf("stale If-Match: %d %s", r.status, r.body)
	}
	// PUT tunnelled through POST, with the current ETag.
	r = h.do("POST", "/v4/deliveries/15023456", upd, with(basic(), "Content-Type", "application/json", "If-Match", tag, "X-HTTP-Method-Override", "PUT"))
	if r.status != http.StatusOK {
		t.Fatalf("override PUT: %d %s", r.status, r.body)
	}
	if d := r.env(t)["data"].(map[string]any); d["orderNumber"] != "2021-0001-B" || d["valueCurrency"] != "CZK" {
		t.Errorf("updated %v", d)
	}
	if r := h.do("PUT", "/v4/deliveries/15023456", []byte(`{"valueCurrency":"czk"}`), with(basic(), "Content-Type", "application/json")); r.status != 422 {
		t.Errorf("invalid PUT: %d", r.status)
	}
	if r := h.do("POST", "/v4/deliveries/15023456", nil, with(basic(), "X-HTTP-Method-Override", "GET")); r.status != http.StatusBadRequest {
		t.Errorf("override to GET: %d", r.status)
	}
	// POST itself is not allowed on an item.
	if r := h.do("POST", "/v4/deliveries/15023456", []byte(`{}`), with(basic(), "Content-Type", "application/json")); r.status != http.StatusMethodNotAllowed {
		t.Errorf("POST item: %d", r.status)
	}
	if r := h.do("POST", "/v4/deliveries/15023456", nil, with(basic(), "X-HTTP-Method-Override", "delete")); r.status != http.StatusOK {
		t.Fatalf("override DELETE: %d %s", r.status, r.body)
	}
	if r := h.do("GET", "/v4/deliveries/15023456", nil, basic()); r.status != http.StatusNotFound {
		t.Errorf("after delete: %d", r.status)
	}
}

func TestConfigurablePrefixAndRecording(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.APIPrefix = "/api/v4"; c.GoneVersions = []string{"v1", "v2"} })
	if r := h.do("GET", "/api/v4/deliveries", nil, basic()); r.status != http.StatusOK {
		t.Errorf("/api/v4: %d", r.status)
	}
	if r := h.do("GET", "/v4/deliveries", nil, basic()); r.status != http.StatusNotFound {
		t.Errorf("/v4 with /api/v4 prefix: %d", r.status)
	}
	if r := h.do("GET", "/api/v2/deliveries", nil, basic()); r.status != http.StatusGone {
		t.Errorf("v2 gone: %d", r.status)
	}
	reqs := h.fake.Requests()
	if len(reqs) != 3 || reqs[0].Header.Get("Authorization") != "Basic "+basicToken {
		t.Errorf("recorded %d", len(reqs))
	}
}

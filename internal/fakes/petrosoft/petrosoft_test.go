package petrosoft

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/clock"
)

type harness struct {
	t    *testing.T
	fake *Server
	clk  *clock.Fake
	srv  *httptest.Server
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
	return &harness{t: t, fake: fake, clk: clk, srv: srv}
}

type result struct {
	status int
	header http.Header
	body   []byte
}

func (h *harness) post(path, body string) result {
	h.t.Helper()
	resp, err := http.Post(h.srv.URL+path, "application/json", strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return result{resp.StatusCode, resp.Header, b}
}

func (h *harness) item(token, query string) result {
	h.t.Helper()
	req, _ := http.NewRequest("GET", h.srv.URL+"/app.php/api/inventory/item?"+query, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return result{resp.StatusCode, resp.Header, b}
}

const login = `{"login": "APIUser@petrosoftinc.com", "password": "Password_01"}`
const itemQuery = "station_id=1529&upc=4900002890"

func (h *harness) login() TokenResponse {
	h.t.Helper()
	r := h.post("/v1/auth/token", login)
	if r.status != http.StatusOK {
		h.t.Fatalf("login: %d %s", r.status, r.body)
	}
	var tr TokenResponse
	if err := json.Unmarshal(r.body, &tr); err != nil {
		h.t.Fatal(err)
	}
	return tr
}

func (h *harness) refresh(rt string) (TokenResponse, result) {
	h.t.Helper()
	b, _ := json.Marshal(map[string]string{"refresh_token": rt})
	r := h.post("/v1/auth/refresh_token", string(b))
	var tr TokenResponse
	if r.status == http.StatusOK {
		_ = json.Unmarshal(r.body, &tr)
	}
	return tr, r
}

func claims(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", jwt)
	}
	var m map[string]any
	for i, p := range parts[:2] {
		b, err := base64.RawURLEncoding.DecodeString(p)
		if err != nil {
			t.Fatal(err)
		}
		var part map[string]any
		_ = json.Unmarshal(b, &part)
		if i == 0 {
			m = map[string]any{"header.alg": part["alg"]}
			continue
		}
		for k, v := range part {
			m[k] = v
		}
	}
	return m
}

func wantEnvelope(t *testing.T, r result, status int, message string) {
	t.Helper()
	var e Envelope
	if err := json.Unmarshal(r.body, &e); err != nil || r.status != status || e.HTTPCode != status || e.Success || e.Data == nil || e.Errors == nil || e.Total != nil {
		t.Fatalf("want %d envelope, got %d %s", status, r.status, r.body)
	}
	if message != "" && e.Message != message {
		t.Fatalf("message %q, want %q", e.Message, message)
	}
	if !bytes.Contains(r.body, []byte(`"total":null`)) {
		t.Fatalf("total not null: %s", r.body)
	}
}

func TestLogin(t *testing.T) {
	h := newHarness(t, nil)
	r := h.post("/v1/auth/token", login)
	if r.status != http.StatusOK {
		t.Fatalf("%d %s", r.status, r.body)
	}
	for _, k := range []string{`"not-before-policy":0`, `"scope":""`, `"token_type":"bearer"`, `"expires_in":86400`, `"refresh_expires_in":86400`} {
		if !bytes.Contains(r.body, []byte(k)) {
			t.Errorf("response lacks %s: %s", k, r.body)
		}
	}
	var tr TokenResponse
	_ = json.Unmarshal(r.body, &tr)
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(tr.SessionState) {
		t.Errorf("session_state %q", tr.SessionState)
	}
	ac := claims(t, tr.AccessToken)
	if ac["header.alg"] != "RS256" || ac["typ"] != "Bearer" || ac["locationIds"] != "1529" || ac["accountId"] != float64(46) || ac["session_state"] != tr.SessionState {
		t.Errorf("access claims %v", ac)
	}
	if exp, iat := ac["exp"].(float64), ac["iat"].(float64); exp-iat != 86400 {
		t.Errorf("exp-iat = %v", exp-iat)
	}
	rc := claims(t, tr.RefreshToken)
	if rc["header.alg"] != "HS256" || rc["typ"] != "Refresh" {
		t.Errorf("refresh claims %v", rc)
	}
	if h.fake.TokenRequests() != 1 {
		t.Errorf("TokenRequests %d", h.fake.TokenRequests())
	}
}

func TestLoginErrors(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.Users = append(c.Users, User{Login: "locked@x.com", Password: "p", Restricted: true})
	})
	r := h.post("/v1/auth/token", `{"login": "APIUser@petrosoftinc.com", "password": "nope"}`)
	if r.status != http.StatusUnauthorized || string(r.body) != `{"error":"invalid_grant","error_description":"Invalid user credentials"}` {
		t.Errorf("wrong password: %d %s", r.status, r.body)
	}
	wantEnvelope(t, h.post("/v1/auth/token", `{"login":"locked@x.com","password":"p"}`), 500,
		`Provider App\Application\TokenProvider\CredentialsTokenProvider can't implement operation due restrictions.`)
	wantEnvelope(t, h.post("/v1/auth/token", `login=x`), 400, "")
	wantEnvelope(t, h.post("/v1/auth/token", `{"login":"x"}`), 400, "")
	resp, err := http.Get(h.srv.URL + "/v1/auth/token")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET token: %d", resp.StatusCode)
	}
}

func TestInventoryItem(t *testing.T) {
	h := newHarness(t, nil)
	tr := h.login()
	r := h.item(tr.AccessToken, itemQuery)
	var it ItemDetails
	if r.status != http.StatusOK || json.Unmarshal(r.body, &it) != nil || it.UPC != "4900002890" || it.Retail != 2.49 || it.OnhandQty != 36 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	r = h.item("", itemQuery)
	wantEnvelope(t, r, 401, "")
	if !strings.Contains(r.header.Get("WWW-Authenticate"), "invalid_token") {
		t.Errorf("WWW-Authenticate %q", r.header.Get("WWW-Authenticate"))
	}
	wantEnvelope(t, h.item("garbage", itemQuery), 401, "")
	wantEnvelope(t, h.item(tr.AccessToken, "station_id=1529"), 400, "")
	wantEnvelope(t, h.item(tr.AccessToken, "station_id=9999&upc=4900002890"), 403, "")
	wantEnvelope(t, h.item(tr.AccessToken, "station_id=1529&upc=1"), 404, "")
	// The refresh token is not an access token.
	wantEnvelope(t, h.item(tr.RefreshToken, itemQuery), 401, "")
}

func TestRefreshKeepsSessionEnd(t *testing.T) {
	h := newHarness(t, nil)
	first := h.login()
	h.clk.Advance(27 * time.Second)
	second, r := h.refresh(first.RefreshToken)
	if r.status != http.StatusOK {
		t.Fatalf("refresh: %d %s", r.status, r.body)
	}
	// §11.3: 86373 = the session's remaining seconds, not a fresh 86400.
	if second.ExpiresIn != 86373 || second.RefreshExpiresIn != 86373 || second.SessionState != first.SessionState {
		t.Fatalf("refresh response %+v", second)
	}
	if second.RefreshToken == first.RefreshToken || second.AccessToken == first.AccessToken {
		t.Fatal("refresh did not issue new tokens")
	}
	if claims(t, second.AccessToken)["exp"] != claims(t, first.AccessToken)["exp"] {
		t.Error("refresh moved the access token's exp")
	}
	if r := h.item(second.AccessToken, itemQuery); r.status != http.StatusOK {
		t.Errorf("new access token: %d", r.status)
	}
	// By default the old refresh token stays valid.
	if _, r := h.refresh(first.RefreshToken); r.status != http.StatusOK {
		t.Errorf("old refresh token: %d %s", r.status, r.body)
	}
	// At the session's end everything stops; login starts a new one.
	h.clk.Advance(86373 * time.Second)
	_, r = h.refresh(second.RefreshToken)
	wantEnvelope(t, r, 500, "Token is not active")
	wantEnvelope(t, h.item(second.AccessToken, itemQuery), 401, "")
	if tr := h.login(); h.item(tr.AccessToken, itemQuery).status != http.StatusOK {
		t.Error("login after the session ended")
	}
	if h.fake.RefreshRequests() != 3 || h.fake.TokenRequests() != 2 {
		t.Errorf("counters: refresh %d login %d", h.fake.RefreshRequests(), h.fake.TokenRequests())
	}
}

func TestRefreshErrorsAre500(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.RevokeUsedRefreshTokens = true })
	tr := h.login()
	bad := "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0"
	_, r := h.refresh(bad)
	wantEnvelope(t, r, 500, "JWT missing parts. Total number of parts: 2 Token: "+bad)
	_, r = h.refresh("")
	wantEnvelope(t, r, 500, "JWT missing parts. Total number of parts: 1 Token: ")
	_, r = h.refresh("a.b.c")
	wantEnvelope(t, r, 500, "Token is not active")
	wantEnvelope(t, h.post("/v1/auth/refresh_token", "nope"), 400, "")
	// Single-use when configured.
	if _, r := h.refresh(tr.RefreshToken); r.status != http.StatusOK {
		t.Fatalf("first use: %d", r.status)
	}
	_, r = h.refresh(tr.RefreshToken)
	wantEnvelope(t, r, 500, "Token is not active")
}

// TestEarlyExpiryForcesRefreshAndRetry plays the client the knob is for:
// it trusts expires_in, meets a 401 before then, refreshes and retries.
func TestEarlyExpiryForcesRefreshAndRetry(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.AccessTokenTTL = time.Hour; c.EarlyExpiry = 5 * time.Minute })
	tr := h.login()
	if tr.ExpiresIn != 3600 || tr.RefreshExpiresIn != 86400 {
		t.Fatalf("expires_in %d refresh_expires_in %d", tr.ExpiresIn, tr.RefreshExpiresIn)
	}
	h.clk.Advance(54*time.Minute + 59*time.Second)
	if r := h.item(tr.AccessToken, itemQuery); r.status != http.StatusOK {
		t.Fatalf("before early expiry: %d", r.status)
	}
	h.clk.Advance(time.Second) // 55 min: 5 min before expires_in says
	r := h.item(tr.AccessToken, itemQuery)
	if r.status != http.StatusUnauthorized {
		t.Fatalf("at early expiry: %d", r.status)
	}
	next, rr := h.refresh(tr.RefreshToken)
	if rr.status != http.StatusOK {
		t.Fatalf("refresh: %d %s", rr.status, rr.body)
	}
	if r := h.item(next.AccessToken, itemQuery); r.status != http.StatusOK {
		t.Fatalf("retry: %d", r.status)
	}
}

func TestHooks(t *testing.T) {
	h := newHarness(t, nil)
	tr := h.login()
	h.fake.ExpireTokens()
	wantEnvelope(t, h.item(tr.AccessToken, itemQuery), 401, "")
	next, r := h.refresh(tr.RefreshToken)
	if r.status != http.StatusOK || h.item(next.AccessToken, itemQuery).status != http.StatusOK {
		t.Fatalf("refresh after ExpireTokens: %d", r.status)
	}
	h.fake.ExpireSessions()
	_, r = h.refresh(next.RefreshToken)
	wantEnvelope(t, r, 500, "Token is not active")

	h.fake.InjectResponse("/v1/auth/token", http.StatusServiceUnavailable, nil, "down")
	if r := h.post("/v1/auth/token", login); r.status != http.StatusServiceUnavailable || string(r.body) != "down" {
		t.Fatalf("injected response: %d %s", r.status, r.body)
	}
	h.fake.InjectStatus(1, http.StatusBadGateway, http.Header{"Retry-After": {"1"}})
	r = h.post("/v1/auth/token", login)
	wantEnvelope(t, r, http.StatusBadGateway, "Bad Gateway")
	if r.header.Get("Retry-After") != "1" {
		t.Errorf("Retry-After %q", r.header.Get("Retry-After"))
	}
	reqs := h.fake.Requests()
	if last := reqs[len(reqs)-1]; last.Method != "POST" || last.Path != "/v1/auth/token" || string(last.Body) != login {
		t.Fatalf("recorded %+v", last)
	}
}

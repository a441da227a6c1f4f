package xsale

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
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
	hc   *http.Client
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
	return &harness{t: t, fake: fake, clk: clk, srv: srv, hc: srv.Client()}
}

// docBody is the §10.1 token request.
func docBody() map[string]any {
	return map[string]any{
		"client_id": "xsale-demo-client", "client_secret": "xsale-demo-secret", "audience": "https://api.xsale.ai",
		"username": "loremipsum@futuriti.pl", "password": "MyPass", "grant_type": "password",
		"scope": "openid profile email xsale production",
	}
}

type result struct {
	status int
	header http.Header
	body   []byte
}

func (r result) obj(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
	return m
}

func (h *harness) tokenRaw(body []byte, ctype string) result {
	h.t.Helper()
	req, _ := http.NewRequest("POST", h.srv.URL+"/oauth/token", bytes.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Accept", "application/json")
	return h.send(req)
}

func (h *harness) token(mutate func(map[string]any)) result {
	h.t.Helper()
	b := docBody()
	if mutate != nil {
		mutate(b)
	}
	js, _ := json.Marshal(b)
	return h.tokenRaw(js, "application/json")
}

func (h *harness) send(req *http.Request) result {
	h.t.Helper()
	resp, err := h.hc.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return result{resp.StatusCode, resp.Header, b}
}

func (h *harness) get(path, access, id string) result {
	h.t.Helper()
	req, _ := http.NewRequest("GET", h.srv.URL+path, nil)
	if access != "" {
		req.Header.Set("Authorization", "Bearer "+access)
	}
	if id != "" {
		req.Header.Set("x-id-token", id)
	}
	return h.send(req)
}

func (h *harness) tokens() (string, string) {
	h.t.Helper()
	r := h.token(nil)
	if r.status != http.StatusOK {
		h.t.Fatalf("token: %d %s", r.status, r.body)
	}
	m := r.obj(h.t)
	return m["access_token"].(string), m["id_token"].(string)
}

func TestPasswordGrantReturnsBothTokens(t *testing.T) {
	h := newHarness(t, nil)
	r := h.token(nil)
	if r.status != http.StatusOK {
		t.Fatalf("%d %s", r.status, r.body)
	}
	m := r.obj(t)
	if m["expires_in"] != float64(86400) || m["token_type"] != "Bearer" || m["scope"] != "openid profile email xsale production" {
		t.Fatalf("response %s", r.body)
	}
	if _, has := m["refresh_token"]; has {
		t.Error("refresh_token returned")
	}
	for _, k := range []string{"access_token", "id_token"} {
		if s, _ := m[k].(string); strings.Count(s, ".") != 2 {
			t.Errorf("%s %q is not JWT-shaped", k, s)
		}
	}
	payload, _ := base64.RawURLEncoding.DecodeString(strings.Split(m["id_token"].(string), ".")[1])
	if !bytes.HasPrefix(payload, []byte(`{"https://futuriti.pl/user_metadata":`)) {
		t.Errorf("id_token payload %s", payload)
	}
	payload, _ = base64.RawURLEncoding.DecodeString(strings.Split(m["access_token"].(string), ".")[1])
	if !bytes.Contains(payload, []byte(`"https://api.xsale.ai"`)) {
		t.Errorf("access_token payload %s", payload)
	}
	if h.fake.TokenRequests() != 1 || h.fake.TokensIssued() != 1 {
		t.Errorf("counters %d %d", h.fake.TokenRequests(), h.fake.TokensIssued())
	}
}

func TestAPIRequiresBothTokens(t *testing.T) {
	h := newHarness(t, nil)
	at, idt := h.tokens()
	r := h.get("/me", at, idt)
	if r.status != http.StatusOK {
		t.Fatalf("/me: %d %s", r.status, r.body)
	}
	var me Me
	if err := json.Unmarshal(r.body, &me); err != nil || me.Email != "loremipsum@futuriti.pl" || len(me.Organizations) != 1 {
		t.Fatalf("/me body %s", r.body)
	}
	for _, k := range []string{`"Id"`, `"Nickname"`, `"EmailVerified"`, `"ShortName"`} {
		if !bytes.Contains(r.body, []byte(k)) {
			t.Errorf("/me lacks %s: %s", k, r.body)
		}
	}
	// The organization name from /me is the path parameter.
	r = h.get("/"+me.Organizations[0].Name+"/orders", at, idt)
	var orders []Order
	if r.status != http.StatusOK || json.Unmarshal(r.body, &orders) != nil || len(orders) != 2 {
		t.Fatalf("orders: %d %s", r.status, r.body)
	}
	if r := h.get("/"+me.Organizations[0].Name+"/orders/102", at, idt); r.status != http.StatusOK || !bytes.Contains(r.body, []byte(`"Number":"ZAM/2/2025"`)) {
		t.Errorf("order: %d %s", r.status, r.body)
	}

	_, otherID := h.tokens()
	for name, c := range map[string][2]string{
		"no id token":       {at, ""},
		"no access token":   {"", idt},
		"mismatched tokens": {at, otherID},
		"id token as both":  {idt, idt},
	} {
		r := h.get("/me", c[0], c[1])
		if r.status != http.StatusUnauthorized || r.obj(t)["Message"] == nil {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
}

func TestTokensExpire(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.TokenTTL = time.Minute })
	at, idt := h.tokens()
	h.clk.Advance(59 * time.Second)
	if r := h.get("/me", at, idt); r.status != http.StatusOK {
		t.Fatalf("before expiry: %d", r.status)
	}
	h.clk.Advance(time.Second)
	if r := h.get("/me", at, idt); r.status != http.StatusUnauthorized {
		t.Fatalf("after expiry: %d", r.status)
	}
	at, idt = h.tokens()
	h.fake.ExpireTokens()
	if r := h.get("/me", at, idt); r.status != http.StatusUnauthorized {
		t.Fatalf("after ExpireTokens: %d", r.status)
	}
}

func TestTokenIssuanceLimit(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.TokenLimit = 3; c.TokenWindow = time.Minute })
	for i := range 3 {
		r := h.token(nil)
		if r.status != http.StatusOK || r.header.Get("X-RateLimit-Remaining") != strconv.Itoa(2-i) {
			t.Fatalf("token %d: %d remaining %q", i, r.status, r.header.Get("X-RateLimit-Remaining"))
		}
		h.clk.Advance(10 * time.Second)
	}
	r := h.token(nil)
	if r.status != http.StatusTooManyRequests || r.obj(t)["error"] != "too_many_requests" {
		t.Fatalf("over the limit: %d %s", r.status, r.body)
	}
	if r.header.Get("X-RateLimit-Limit") != "3" || r.header.Get("X-RateLimit-Remaining") != "0" {
		t.Errorf("429 headers %v", r.header)
	}
	// Reset is when the oldest request leaves the window.
	if want := h.clk.Now().Add(-30 * time.Second).Add(time.Minute).Unix(); r.header.Get("X-RateLimit-Reset") != strconv.FormatInt(want, 10) {
		t.Errorf("reset %s, want %d", r.header.Get("X-RateLimit-Reset"), want)
	}
	h.clk.Advance(30 * time.Second) // the first request leaves the window
	if r := h.token(nil); r.status != http.StatusOK {
		t.Fatalf("after the window slid: %d", r.status)
	}
	// Failed requests count too.
	h.clk.Advance(time.Hour)
	for range 3 {
		h.token(func(b map[string]any) { b["password"] = "wrong" })
	}
	if r := h.token(nil); r.status != http.StatusTooManyRequests {
		t.Errorf("after failed requests: %d", r.status)
	}
	if h.fake.TokenRequests() != 9 || h.fake.TokensIssued() != 4 {
		t.Errorf("TokenRequests %d TokensIssued %d", h.fake.TokenRequests(), h.fake.TokensIssued())
	}
	// Other clients have their own budget.
	if r := h.token(func(b map[string]any) { b["client_id"] = "other" }); r.status != http.StatusUnauthorized {
		t.Errorf("other client: %d", r.status)
	}
}

func TestConcurrentTokenRequestsAreLimited(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.TokenLimit = 5 })
	var wg sync.WaitGroup
	var mu sync.Mutex
	counts := map[int]int{}
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			js, _ := json.Marshal(docBody())
			req, _ := http.NewRequest("POST", h.srv.URL+"/oauth/token", bytes.NewReader(js))
			req.Header.Set("Content-Type", "application/json")
			resp, err := h.hc.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			mu.Lock()
			counts[resp.StatusCode]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if counts[200] != 5 || counts[429] != 15 || h.fake.TokenRequests() != 20 {
		t.Fatalf("%v, %d requests", counts, h.fake.TokenRequests())
	}
}

func TestCachingClientAsksOnce(t *testing.T) {
	h := newHarness(t, nil)
	at, idt := h.tokens()
	for range 50 {
		if r := h.get("/me", at, idt); r.status != http.StatusOK {
			t.Fatal(r.status)
		}
	}
	if h.fake.TokenRequests() != 1 || len(h.fake.Requests()) != 51 {
		t.Fatalf("token requests %d, recorded %d", h.fake.TokenRequests(), len(h.fake.Requests()))
	}
}

func TestTokenErrors(t *testing.T) {
	h := newHarness(t, nil)
	for _, c := range []struct {
		name   string
		mutate func(map[string]any)
		status int
		code   string
	}{
		{"wrong password", func(b map[string]any) { b["password"] = "x" }, 403, "invalid_grant"},
		{"unknown user", func(b map[string]any) { b["username"] = "nobody@futuriti.pl" }, 403, "invalid_grant"},
		{"wrong secret", func(b map[string]any) { b["client_secret"] = "x" }, 401, "access_denied"},
		{"unknown audience", func(b map[string]any) { b["audience"] = "https://api.example.com" }, 403, "access_denied"},
		{"grant type", func(b map[string]any) { b["grant_type"] = "client_credentials" }, 403, "unauthorized_client"},
		{"no grant type", func(b map[string]any) { delete(b, "grant_type") }, 400, "invalid_request"},
		{"no password", func(b map[string]any) { delete(b, "password") }, 400, "invalid_request"},
	} {
		r := h.token(c.mutate)
		if m := r.obj(t); r.status != c.status || m["error"] != c.code || m["error_description"] == nil {
			t.Errorf("%s: %d %s", c.name, r.status, r.body)
		}
	}
	if r := h.tokenRaw([]byte("grant_type=password&username=x"), "application/x-www-form-urlencoded"); r.status != http.StatusBadRequest {
		t.Errorf("form body: %d", r.status)
	}
}

func TestTokensUnusableForAPI(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.TokenLimit = 100 })
	// Without openid there is no id_token, so the API cannot be called.
	r := h.token(func(b map[string]any) { b["scope"] = "xsale production" })
	m := r.obj(t)
	if _, has := m["id_token"]; has || r.status != http.StatusOK {
		t.Fatalf("no openid: %d %s", r.status, r.body)
	}
	if r := h.get("/me", m["access_token"].(string), ""); r.status != http.StatusUnauthorized {
		t.Errorf("without id_token: %d", r.status)
	}
	// Without audience the access token is not for the xSale API.
	m = h.token(func(b map[string]any) { delete(b, "audience") }).obj(t)
	if strings.Count(m["access_token"].(string), ".") != 0 {
		t.Errorf("access token without audience should be opaque: %v", m["access_token"])
	}
	if r := h.get("/me", m["access_token"].(string), m["id_token"].(string)); r.status != http.StatusUnauthorized {
		t.Errorf("without audience: %d", r.status)
	}
}

func TestOrganizations(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.Users = append(c.Users, User{ID: 2, Email: "other@x.pl", Password: "p", Organizations: []Organization{{ID: 2, Name: "Other_1"}}})
	})
	at, idt := h.tokens()
	if r := h.get("/Other_1/orders", at, idt); r.status != http.StatusForbidden {
		t.Errorf("another user's organization: %d", r.status)
	}
	if r := h.get("/Nope/orders", at, idt); r.status != http.StatusNotFound {
		t.Errorf("unknown organization: %d", r.status)
	}
	if r := h.get("/"+DemoOrganization+"/orders/999", at, idt); r.status != http.StatusNotFound {
		t.Errorf("unknown order: %d", r.status)
	}
	if r := h.get("/nothing/at/all/here", at, idt); r.status != http.StatusNotFound {
		t.Errorf("unknown path: %d", r.status)
	}
	h.fake.InjectResponse("/me", http.StatusBadGateway, nil, "bad gateway")
	if r := h.get("/me", at, idt); r.status != http.StatusBadGateway || string(r.body) != "bad gateway" {
		t.Errorf("injected response: %d %s", r.status, r.body)
	}
	h.fake.InjectStatus(2, http.StatusTooManyRequests, http.Header{"Retry-After": {"3"}})
	if r := h.token(nil); r.status != http.StatusTooManyRequests || r.obj(t)["error"] != "too_many_requests" || r.header.Get("Retry-After") != "3" {
		t.Errorf("injected token 429: %d %s", r.status, r.body)
	}
	if r := h.get("/me", at, idt); r.status != http.StatusTooManyRequests || r.obj(t)["Message"] != "Too Many Requests" {
		t.Errorf("injected API 429: %d %s", r.status, r.body)
	}
}

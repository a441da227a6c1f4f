package pdfgenerator

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/apigen-go/apigen/runtime/clock"
)

var t0 = time.Date(2024, 3, 31, 12, 0, 0, 0, time.UTC)

type fixture struct {
	fake *Server
	srv  *httptest.Server
	clk  *clock.Fake
	cfg  Config
}

// newFixture starts a fake; unless mod says otherwise the rate limits are
// raised so that tests of other behaviour never meet them.
func newFixture(t *testing.T, mod func(*Config)) *fixture {
	t.Helper()
	clk := clock.NewFake(t0)
	cfg := DefaultConfig()
	cfg.Clock = clk
	cfg.PerSecond, cfg.PerMinute = 1000, 1000
	if mod != nil {
		mod(&cfg)
	}
	fake := New(cfg)
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	return &fixture{fake: fake, srv: srv, clk: clk, cfg: cfg}
}

// token signs claims; a nil value deletes the claim from the defaults.
func (f *fixture) token(t *testing.T, method jwt.SigningMethod, secret string, claims map[string]any) string {
	t.Helper()
	c := jwt.MapClaims{"iss": f.cfg.APIKey, "sub": f.cfg.MasterWorkspace, "exp": f.clk.Now().Add(10 * time.Second).Unix()}
	for k, v := range claims {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	s, err := jwt.NewWithClaims(method, c).SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (f *fixture) good(t *testing.T) string {
	return f.token(t, jwt.SigningMethodHS256, f.cfg.APISecret, nil)
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	return m
}

func (r response) message(t *testing.T) string {
	t.Helper()
	m, _ := r.json(t)["message"].(string)
	return m
}

// call sends a request with "Authorization: <auth>" unless auth is "".
func (f *fixture) call(t *testing.T, method, path, auth, body string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	url := path
	if !strings.HasPrefix(path, "http") {
		url = f.srv.URL + path
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, b}
}

func (f *fixture) authed(t *testing.T, method, path, body string) response {
	t.Helper()
	return f.call(t, method, path, "Bearer "+f.good(t), body)
}

func TestJWTChecks(t *testing.T) {
	f := newFixture(t, nil)
	now := f.clk.Now()
	hs := jwt.SigningMethodHS256
	sec := f.cfg.APISecret
	good := f.good(t)
	cases := []struct {
		name string
		auth string
		want string // "" = success
	}{
		{"no header", "", MsgKeyMissing},
		{"empty bearer", "Bearer ", MsgKeyMissing},
		{"basic scheme", "Basic Zm9vOmJhcg==", MsgKeyMissing},
		{"unsigned token", "Bearer " + strings.Join(strings.Split(good, ".")[:2], "."), MsgSignatureMissing},
		{"empty signature", "Bearer " + strings.Join(strings.Split(good, ".")[:2], ".") + ".", MsgSignatureMissing},
		{"garbage", "Bearer a.b.c", MsgAuthFailed},
		{"HS512", "Bearer " + f.token(t, jwt.SigningMethodHS512, sec, nil), MsgBadSignature},
		{"wrong secret", "Bearer " + f.token(t, hs, "other-secret", nil), MsgBadSignature},
		{"tampered payload", "Bearer " + tamper(good), MsgBadSignature},
		{"no iss", "Bearer " + f.token(t, hs, sec, map[string]any{"iss": nil}), MsgIssMissing},
		{"no sub", "Bearer " + f.token(t, hs, sec, map[string]any{"sub": nil}), MsgSubMissing},
		{"no exp (like the seed's example)", "Bearer " + f.token(t, hs, sec, map[string]any{"exp": nil}), MsgExpMissing},
		{"empty iss", "Bearer " + f.token(t, hs, sec, map[string]any{"iss": ""}), MsgKeyMissing},
		{"unknown iss", "Bearer " + f.token(t, hs, sec, map[string]any{"iss": "someone-else"}), MsgInvalidIss},
		{"empty sub", "Bearer " + f.token(t, hs, sec, map[string]any{"sub": ""}), MsgWorkspaceMissing},
		{"unknown workspace", "Bearer " + f.token(t, hs, sec, map[string]any{"sub": "nobody@example.com"}), MsgWorkspaceMissing},
		{"expired", "Bearer " + f.token(t, hs, sec, map[string]any{"exp": now.Add(-time.Second).Unix()}), MsgRequestExpired},
		{"exp is now", "Bearer " + f.token(t, hs, sec, map[string]any{"exp": now.Unix()}), MsgRequestExpired},
		{"too long", "Bearer " + f.token(t, hs, sec, map[string]any{"exp": now.Add(16 * time.Minute).Unix()}), MsgAuthFailed},
		{"exp as string", "Bearer " + f.token(t, hs, sec, map[string]any{"exp": "soon"}), MsgAuthFailed},
		{"15 minutes is fine", "Bearer " + f.token(t, hs, sec, map[string]any{"exp": now.Add(15 * time.Minute).Unix()}), ""},
		{"valid", "Bearer " + good, ""},
		{"lower-case scheme", "bearer " + good, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := f.call(t, http.MethodGet, "/api/v4/workspaces", c.auth, "")
			if c.want == "" {
				if r.status != http.StatusOK {
					t.Fatalf("status %d %s", r.status, r.body)
				}
				return
			}
			if r.status != http.StatusUnauthorized || r.message(t) != c.want {
				t.Fatalf("got %d %s, want 401 %q", r.status, r.body, c.want)
			}
		})
	}
}

// tamper changes the payload's sub without re-signing.
func tamper(tok string) string {
	p := strings.Split(tok, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(p[1])
	raw = bytes.Replace(raw, []byte("demo@"), []byte("evil@"), 1)
	p[1] = base64.RawURLEncoding.EncodeToString(raw)
	return strings.Join(p, ".")
}

func TestExpiryFollowsTheClock(t *testing.T) {
	f := newFixture(t, nil)
	tok := f.good(t) // exp = now + 10 s
	if r := f.call(t, http.MethodGet, "/api/v4/workspaces", "Bearer "+tok, ""); r.status != http.StatusOK {
		t.Fatalf("fresh token: %d", r.status)
	}
	f.clk.Advance(10 * time.Second)
	if r := f.call(t, http.MethodGet, "/api/v4/workspaces", "Bearer "+tok, ""); r.message(t) != MsgRequestExpired {
		t.Fatalf("after exp: %d %s", r.status, r.body)
	}
}

func TestClockSkewLeeway(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.ClockSkew = 5 * time.Second })
	tok := f.token(t, jwt.SigningMethodHS256, f.cfg.APISecret, map[string]any{"exp": t0.Add(-3 * time.Second).Unix()})
	if r := f.call(t, http.MethodGet, "/api/v4/workspaces", "Bearer "+tok, ""); r.status != http.StatusOK {
		t.Fatalf("within skew: %d %s", r.status, r.body)
	}
}

func TestRateLimitPerSecond(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.PerSecond, c.PerMinute = 2, 60 })
	for i := range 2 {
		r := f.authed(t, http.MethodGet, "/api/v4/workspaces", "")
		if r.status != http.StatusOK {
			t.Fatalf("request %d: %d", i, r.status)
		}
		if got, want := r.header.Get("X-RateLimit-Remaining"), []string{"59", "58"}[i]; got != want {
			t.Errorf("remaining = %s, want %s", got, want)
		}
		if r.header.Get("X-RateLimit-Limit") != "60" {
			t.Errorf("limit = %s, want 60 (per minute)", r.header.Get("X-RateLimit-Limit"))
		}
	}
	r := f.authed(t, http.MethodGet, "/api/v4/workspaces", "")
	if r.status != http.StatusTooManyRequests || r.message(t) != MsgRateLimited {
		t.Fatalf("third in a second: %d %s", r.status, r.body)
	}
	if r.header.Get("Retry-After") != "1" || r.header.Get("X-RateLimit-Remaining") != "58" {
		t.Errorf("429 headers: Retry-After %q Remaining %q", r.header.Get("Retry-After"), r.header.Get("X-RateLimit-Remaining"))
	}
	// Unauthenticated requests count too (IP-based) and are limited alike.
	if r := f.call(t, http.MethodGet, "/api/v4/workspaces", "", ""); r.status != http.StatusTooManyRequests {
		t.Errorf("unauthenticated: %d, want 429", r.status)
	}
	f.clk.Advance(time.Second)
	if r := f.authed(t, http.MethodGet, "/api/v4/workspaces", ""); r.status != http.StatusOK {
		t.Fatalf("next second: %d", r.status)
	}
}

func TestRateLimitPerMinuteScaled(t *testing.T) {
	// 60/min scaled to 6 per 6 s, with 2 per 1 s as documented.
	f := newFixture(t, func(c *Config) {
		c.PerSecond, c.SecondWindow, c.PerMinute, c.MinuteWindow = 2, time.Second, 6, 6*time.Second
	})
	for i := range 6 {
		if r := f.authed(t, http.MethodGet, "/api/v4/workspaces", ""); r.status != http.StatusOK {
			t.Fatalf("request %d: %d", i, r.status)
		}
		if i%2 == 1 {
			f.clk.Advance(time.Second)
		}
	}
	// t0+3s: six requests in the last 6 s (two at t0).
	r := f.authed(t, http.MethodGet, "/api/v4/workspaces", "")
	if r.status != http.StatusTooManyRequests || r.header.Get("X-RateLimit-Limit") != "6" || r.header.Get("X-RateLimit-Remaining") != "0" {
		t.Fatalf("minute window: %d %v", r.status, r.header)
	}
	if got := r.header.Get("Retry-After"); got != "3" { // the t0 requests leave at t0+6s
		t.Errorf("Retry-After = %s, want 3", got)
	}
	f.clk.Advance(3 * time.Second)
	if r := f.authed(t, http.MethodGet, "/api/v4/workspaces", ""); r.status != http.StatusOK {
		t.Fatalf("after Retry-After: %d", r.status)
	}
}

func TestInjectStatus(t *testing.T) {
	f := newFixture(t, nil)
	f.fake.InjectStatus(1, http.StatusTooManyRequests, http.Header{"Retry-After": {"7"}})
	r := f.authed(t, http.MethodGet, "/api/v4/workspaces", "")
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "7" || r.message(t) != MsgRateLimited {
		t.Fatalf("injected: %d %v %s", r.status, r.header, r.body)
	}
	if r := f.authed(t, http.MethodGet, "/api/v4/workspaces", ""); r.status != http.StatusOK {
		t.Fatalf("after: %d", r.status)
	}
	if n := len(f.fake.Requests()); n != 2 {
		t.Errorf("recorded %d requests, want 2", n)
	}
}

func templateIDs(t *testing.T, r response) []float64 {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d %s", r.status, r.body)
	}
	var out []float64
	for _, x := range r.json(t)["response"].([]any) {
		out = append(out, x.(map[string]any)["id"].(float64))
	}
	return out
}

func TestTemplates(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Workspaces = []string{"customer@example.com"} })
	r := f.authed(t, http.MethodGet, "/api/v4/templates", "")
	if got := templateIDs(t, r); len(got) != 2 || got[0] != 19375 || got[1] != 19376 {
		t.Fatalf("master sees %v", got)
	}
	items := r.json(t)["response"].([]any)
	if items[0].(map[string]any)["owner"] != true || items[1].(map[string]any)["owner"] != false {
		t.Errorf("owner flags: %v", items)
	}
	if meta := r.json(t)["meta"].(map[string]any); meta["per_page"] != float64(15) || meta["last_page"] != float64(1) {
		t.Errorf("meta = %v", meta)
	}
	for q, want := range map[string]int{"name=invoice": 1, "tags=label": 1, "tags=invoice,orders": 1, "tags=invoice,label": 0, "access=organization": 1, "access=private": 1, "per_page=1&page=2": 1} {
		if got := templateIDs(t, f.authed(t, http.MethodGet, "/api/v4/templates?"+q, "")); len(got) != want {
			t.Errorf("%s: %v", q, got)
		}
	}
	other := f.token(t, jwt.SigningMethodHS256, f.cfg.APISecret, map[string]any{"sub": "customer@example.com"})
	if got := templateIDs(t, f.call(t, http.MethodGet, "/api/v4/templates", "Bearer "+other, "")); len(got) != 1 || got[0] != 19376 {
		t.Errorf("other workspace sees %v", got)
	}
	if r := f.call(t, http.MethodGet, "/api/v4/templates/19375", "Bearer "+other, ""); r.status != http.StatusNotFound || r.message(t) != MsgEntityNotFound {
		t.Errorf("other workspace's template: %d %s", r.status, r.body)
	}
	r = f.authed(t, http.MethodGet, "/api/v4/templates/19375", "")
	if r.status != http.StatusOK || r.json(t)["response"].(map[string]any)["name"] != "Invoice template" {
		t.Errorf("get: %d %s", r.status, r.body)
	}
	if r := f.authed(t, http.MethodGet, "/api/v4/templates/20000", ""); r.status != http.StatusForbidden || r.message(t) != MsgTemplateForeign {
		t.Errorf("foreign: %d %s", r.status, r.body)
	}
	if r := f.authed(t, http.MethodGet, "/api/v4/templates/1", ""); r.status != http.StatusNotFound || r.message(t) != MsgEntityNotFound {
		t.Errorf("missing: %d %s", r.status, r.body)
	}
	if r := f.authed(t, http.MethodGet, "/api/v4/nothing", ""); r.status != http.StatusNotFound || r.message(t) != MsgResourceNotFound {
		t.Errorf("unknown route: %d %s", r.status, r.body)
	}
}

func TestNoTemplatesAvailable(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Templates = DefaultTemplates(c.MasterWorkspace)[2:] })
	if r := f.authed(t, http.MethodGet, "/api/v4/templates", ""); r.status != http.StatusNotFound || r.message(t) != MsgNoTemplates {
		t.Fatalf("%d %s", r.status, r.body)
	}
}

const invoiceData = `{"documentNumber":1,"paymentDetails":{"method":"Credit Card","buyerName":"John Smith"},"items":[{"id":1,"name":"Item one"}]}`

func TestGenerateOutputs(t *testing.T) {
	f := newFixture(t, nil)
	gen := func(extra string) response {
		return f.authed(t, http.MethodPost, "/api/v4/documents/generate",
			`{"template":{"id":19375,"data":`+invoiceData+`}`+extra+`}`)
	}
	// base64 is the default output.
	r := gen(`,"name":"Invoice 1"`)
	if r.status != http.StatusCreated {
		t.Fatalf("base64: %d %s", r.status, r.body)
	}
	m := r.json(t)
	pdf, err := base64.StdEncoding.DecodeString(m["response"].(string))
	if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF-1.4")) || !bytes.HasSuffix(pdf, []byte("%%EOF\n")) {
		t.Fatalf("not a PDF: %v %q", err, pdf)
	}
	if !bytes.Contains(pdf, []byte("(Buyer: John Smith)")) || !bytes.Contains(pdf, []byte("(Invoice 1)")) {
		t.Errorf("data fields not rendered: %s", pdf)
	}
	meta := m["meta"].(map[string]any)
	if meta["name"] != "Invoice 1.pdf" || meta["encoding"] != "base64" || meta["content-type"] != "application/pdf" {
		t.Errorf("meta = %v", meta)
	}

	r = gen(`,"output":"file"`)
	if r.status != http.StatusCreated || r.header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(r.body, []byte("%PDF-")) {
		t.Fatalf("file: %d %v", r.status, r.header)
	}

	r = gen(`,"output":"file","format":"html"`)
	if r.header.Get("Content-Type") != "text/html" || !bytes.Contains(r.body, []byte("Buyer: John Smith")) {
		t.Fatalf("html: %v %s", r.header, r.body)
	}

	r = gen(`,"output":"url"`)
	link := r.json(t)["response"].(string)
	if !strings.HasPrefix(link, f.srv.URL+"/api/v4/documents/") {
		t.Fatalf("url output = %q", link)
	}
	if d := f.call(t, http.MethodGet, link, "", ""); d.status != http.StatusOK || !bytes.HasPrefix(d.body, []byte("%PDF-")) {
		t.Fatalf("download: %d", d.status)
	}
	list := f.authed(t, http.MethodGet, "/api/v4/documents", "").json(t)["response"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["public_url"] != link {
		t.Errorf("documents = %v", list)
	}
	f.clk.Advance(30 * 24 * time.Hour)
	if d := f.call(t, http.MethodGet, link, "", ""); d.status != http.StatusNotFound {
		t.Errorf("after 30 days: %d, want 404", d.status)
	}

	r = gen(`,"output":"viewer"`)
	if v := f.call(t, http.MethodGet, r.json(t)["response"].(string), "", ""); v.status != http.StatusOK || !strings.HasPrefix(v.header.Get("Content-Type"), "text/html") {
		t.Errorf("viewer: %d %v", v.status, v.header)
	}

	// An array of data renders one page per element.
	r = f.authed(t, http.MethodPost, "/api/v4/documents/generate", `{"template":{"id":"19376","data":[{"name":"A"},{"name":"B"}]},"output":"file"}`)
	if !bytes.Contains(r.body, []byte("/Count 2")) || !bytes.Contains(r.body, []byte("(Ship to: B)")) {
		t.Errorf("array data: %s", r.body)
	}
}

func TestGenerateErrors(t *testing.T) {
	f := newFixture(t, nil)
	cases := []struct {
		body   string
		status int
		msg    string
	}{
		{`{"template":`, 422, MsgBadJSON},
		{`{"format":"pdf"}`, 422, MsgTemplateNotDefined},
		{`{"template":{"data":{}}}`, 422, MsgTemplateNotDefined},
		{`{"template":{"id":19375},"output":"fax"}`, 422, MsgIncorrectParam},
		{`{"template":{"id":19375},"format":"docx"}`, 422, MsgIncorrectParam},
		{`{"template":{"id":424242}}`, 404, MsgEntityNotFound},
		{`{"template":{"id":20000}}`, 403, MsgTemplateForeign},
	}
	for _, c := range cases {
		r := f.authed(t, http.MethodPost, "/api/v4/documents/generate", c.body)
		if r.status != c.status || r.message(t) != c.msg {
			t.Errorf("%s: got %d %s, want %d %q", c.body, r.status, r.body, c.status, c.msg)
		}
	}
}

func TestMonthlyLimitAndSuspension(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.MonthlyDocumentLimit = 1 })
	gen := func(testing bool) response {
		tb := "false"
		if testing {
			tb = "true"
		}
		return f.authed(t, http.MethodPost, "/api/v4/documents/generate", `{"template":{"id":19375},"testing":`+tb+`}`)
	}
	if r := gen(false); r.status != http.StatusCreated {
		t.Fatalf("first: %d", r.status)
	}
	if r := gen(false); r.status != http.StatusForbidden || r.message(t) != MsgMonthlyLimit {
		t.Fatalf("second: %d %s", r.status, r.body)
	}
	if r := gen(true); r.status != http.StatusCreated {
		t.Fatalf("testing document: %d", r.status)
	}
	if f.fake.DocumentsGenerated() != 1 {
		t.Errorf("DocumentsGenerated = %d", f.fake.DocumentsGenerated())
	}
	f.clk.Advance(12 * time.Hour) // 2024-04-01 00:00 UTC: a new month
	if r := gen(false); r.status != http.StatusCreated {
		t.Fatalf("next month: %d", r.status)
	}
	f.fake.SetSuspended(true)
	if r := f.authed(t, http.MethodGet, "/api/v4/templates", ""); r.status != http.StatusPaymentRequired || r.message(t) != MsgSuspended {
		t.Fatalf("suspended: %d %s", r.status, r.body)
	}
}

func TestWorkspaces(t *testing.T) {
	f := newFixture(t, nil)
	r := f.authed(t, http.MethodPost, "/api/v4/workspaces", `{"identifier":"customer@example.com"}`)
	if r.status != http.StatusCreated || r.json(t)["response"].(map[string]any)["is_master_workspace"] != false {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	if r := f.authed(t, http.MethodPost, "/api/v4/workspaces", `{}`); r.status != 422 || r.message(t) != MsgParamMissing {
		t.Errorf("create without identifier: %d %s", r.status, r.body)
	}
	list := f.authed(t, http.MethodGet, "/api/v4/workspaces", "").json(t)["response"].([]any)
	if len(list) != 2 || list[0].(map[string]any)["identifier"] != "demo@example.com" || list[0].(map[string]any)["is_master_workspace"] != true {
		t.Fatalf("list: %v", list)
	}
	if r := f.authed(t, http.MethodGet, "/api/v4/workspaces/customer@example.com", ""); r.status != http.StatusOK {
		t.Errorf("get: %d", r.status)
	}
	if r := f.authed(t, http.MethodDelete, "/api/v4/workspaces/demo@example.com", ""); r.status != http.StatusForbidden || r.message(t) != MsgDeleteMaster {
		t.Errorf("delete master: %d %s", r.status, r.body)
	}
	tok := f.token(t, jwt.SigningMethodHS256, f.cfg.APISecret, map[string]any{"sub": "customer@example.com"})
	if r := f.call(t, http.MethodGet, "/api/v4/templates", "Bearer "+tok, ""); r.status != http.StatusOK {
		t.Errorf("new workspace's token: %d %s", r.status, r.body)
	}
	if r := f.authed(t, http.MethodDelete, "/api/v4/workspaces/customer@example.com", ""); r.status != http.StatusNoContent {
		t.Errorf("delete: %d", r.status)
	}
	if r := f.call(t, http.MethodGet, "/api/v4/templates", "Bearer "+tok, ""); r.message(t) != MsgWorkspaceMissing {
		t.Errorf("deleted workspace's token: %d %s", r.status, r.body)
	}
}

func TestAutoCreateWorkspaces(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.AutoCreateWorkspaces = true })
	tok := f.token(t, jwt.SigningMethodHS256, f.cfg.APISecret, map[string]any{"sub": "new@example.com"})
	if r := f.call(t, http.MethodGet, "/api/v4/workspaces/new@example.com", "Bearer "+tok, ""); r.status != http.StatusOK {
		t.Fatalf("%d %s", r.status, r.body)
	}
}

func TestLegacyErrorShape(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.LegacyErrors = true })
	r := f.call(t, http.MethodGet, "/api/v4/templates", "", "")
	m := r.json(t)
	if m["error"] != MsgKeyMissing || m["status"] != float64(401) || m["message"] != nil {
		t.Fatalf("legacy body = %s", r.body)
	}
}

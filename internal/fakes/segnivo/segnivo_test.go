package segnivo

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/clock"
)

var t0 = time.Date(2024, 7, 9, 8, 0, 0, 0, time.UTC)

const key = "fake-segnivo-key"

type fixture struct {
	fake   *Server
	srv    *httptest.Server
	client *http.Client
	clk    *clock.Fake
}

// newFixture serves the fake over TLS, as the provider is HTTPS-only.
func newFixture(t *testing.T, mod func(*Config)) *fixture {
	t.Helper()
	clk := clock.NewFake(t0)
	cfg := DefaultConfig()
	cfg.Clock = clk
	if mod != nil {
		mod(&cfg)
	}
	fake := New(cfg)
	srv := httptest.NewTLSServer(fake)
	t.Cleanup(srv.Close)
	return &fixture{fake: fake, srv: srv, client: srv.Client(), clk: clk}
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

// do sends a JSON request with the API key unless hdr overrides headers
// (name, value pairs; an empty value deletes the header).
func (f *fixture) do(t *testing.T, method, path string, body io.Reader, hdr ...string) response {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-API-KEY", key)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	resp, err := f.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, b}
}

func (f *fixture) post(t *testing.T, path, body string, hdr ...string) response {
	t.Helper()
	return f.do(t, http.MethodPost, path, strings.NewReader(body), hdr...)
}

func wantError(t *testing.T, r response, status int, code string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	m := r.json(t)
	if m["error"] != code || m["message"] == nil || m["message"] == "" {
		t.Fatalf("body %s, want error %q with a message", r.body, code)
	}
}

func TestHTTPRedirectsToHTTPS(t *testing.T) {
	fake := New(DefaultConfig())
	srv := httptest.NewServer(fake)
	defer srv.Close()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v1/lists?x=1", nil)
	req.Header.Set("X-API-KEY", key)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want := "https://" + strings.TrimPrefix(srv.URL, "http://") + "/v1/lists?x=1"
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != want {
		t.Fatalf("%d %q, want 301 %q", resp.StatusCode, resp.Header.Get("Location"), want)
	}

	cfg := DefaultConfig()
	cfg.RedirectHTTP = false
	plain := httptest.NewServer(New(cfg))
	defer plain.Close()
	req, _ = http.NewRequest(http.MethodGet, plain.URL+"/v1/lists", nil)
	req.Header.Set("X-API-KEY", key)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("RedirectHTTP=false: %d", resp.StatusCode)
	}
}

func TestAPIKey(t *testing.T) {
	f := newFixture(t, nil)
	wantError(t, f.do(t, http.MethodGet, "/v1/lists", nil, "X-API-KEY", ""), 401, "unauthorized")
	wantError(t, f.do(t, http.MethodGet, "/v1/lists", nil, "X-API-KEY", "wrong"), 401, "unauthorized")
	if r := f.do(t, http.MethodGet, "/v1/lists", nil); r.status != http.StatusOK || r.header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("%d %v", r.status, r.header)
	}
	wantError(t, f.do(t, http.MethodGet, "/v1/nothing", nil), 404, "not_found")
	wantError(t, f.do(t, http.MethodDelete, "/v1/lists", nil), 405, "method_not_allowed")
}

func TestRateLimitPerEndpoint(t *testing.T) {
	f := newFixture(t, func(c *Config) {
		c.APIKeys = []string{key, "second-key"}
		c.EndpointLimit, c.RelayLimit, c.Window = 3, 5, time.Minute
	})
	for i := range 3 {
		if r := f.do(t, http.MethodGet, "/v1/lists", nil); r.status != http.StatusOK {
			t.Fatalf("request %d: %d", i, r.status)
		}
	}
	r := f.do(t, http.MethodGet, "/v1/lists", nil)
	wantError(t, r, 429, "too_many_requests")
	for k := range r.header {
		if strings.HasPrefix(strings.ToLower(k), "x-ratelimit") || k == "Retry-After" {
			t.Errorf("undocumented header %s on 429", k)
		}
	}
	// Other endpoints and other keys have their own budgets.
	if r := f.do(t, http.MethodGet, "/v1/contacts", nil); r.status != http.StatusOK {
		t.Errorf("other endpoint: %d", r.status)
	}
	if r := f.do(t, http.MethodGet, "/v1/lists", nil, "X-API-KEY", "second-key"); r.status != http.StatusOK {
		t.Errorf("other key: %d", r.status)
	}
	// The relay sending endpoint has the higher limit.
	send := `{"subject":"s","from_email":"a@segnivo.com","recipients":["b@gmail.com"],"content":"c"}`
	for i := range 5 {
		if r := f.post(t, "/v1/relay/send", send); r.status != http.StatusOK {
			t.Fatalf("relay %d: %d %s", i, r.status, r.body)
		}
	}
	wantError(t, f.post(t, "/v1/relay/send", send), 429, "too_many_requests")
	// Sliding window: the first requests leave one window later.
	f.clk.Advance(time.Minute)
	if r := f.do(t, http.MethodGet, "/v1/lists", nil); r.status != http.StatusOK {
		t.Fatalf("after the window: %d", r.status)
	}
}

func TestSendingCredits(t *testing.T) {
	f := newFixture(t, nil)
	f.fake.SetCredits(3)
	send := func(n int) response {
		var rc []string
		for i := range n {
			rc = append(rc, fmt.Sprintf(`"r%d@gmail.com"`, i))
		}
		return f.post(t, "/v1/relay/send", `{"subject":"s","from_email":"a@segnivo.com","content":"c","recipients":[`+strings.Join(rc, ",")+`]}`)
	}
	if r := send(2); r.status != http.StatusOK {
		t.Fatalf("first: %d %s", r.status, r.body)
	}
	wantError(t, send(2), 403, "credits_exhausted")
	if f.fake.Credits() != 1 || len(f.fake.SentEmails()) != 1 {
		t.Fatalf("credits %d sent %v", f.fake.Credits(), f.fake.SentEmails())
	}
	if r := send(1); r.status != http.StatusOK {
		t.Fatalf("last credit: %d", r.status)
	}
}

// unsized hides the length of a body, so the client sends it chunked.
type unsized struct{ io.Reader }

func TestRequestHeaders(t *testing.T) {
	f := newFixture(t, nil)
	body := `{"emails":["a@gmail.com"]}`
	wantError(t, f.do(t, http.MethodPost, "/v1/validate-email", unsized{strings.NewReader(body)}), 411, "length_required")
	wantError(t, f.post(t, "/v1/validate-email", body, "Content-Type", "text/plain"), 415, "unsupported_media_type")
	wantError(t, f.post(t, "/v1/validate-email", body, "Accept", "text/html"), 406, "not_acceptable")
	for _, acc := range []string{"*/*", "application/json; charset=utf-8", "text/html, application/json;q=0.9", ""} {
		if r := f.post(t, "/v1/validate-email", body, "Accept", acc); r.status != http.StatusOK {
			t.Errorf("Accept %q: %d", acc, r.status)
		}
	}
	if r := f.post(t, "/v1/validate-email", body, "Content-Type", "application/json; charset=utf-8"); r.status != http.StatusOK {
		t.Errorf("charset parameter: %d", r.status)
	}
}

func TestRelay(t *testing.T) {
	f := newFixture(t, nil)
	var many []string
	for i := range 51 {
		many = append(many, fmt.Sprintf(`"r%d@gmail.com"`, i))
	}
	r := f.post(t, "/v1/relay/send", `{"subject":"s","from_email":"a@segnivo.com","content":"c","recipients":[`+strings.Join(many, ",")+`]}`)
	wantError(t, r, 422, "validation_failed")
	if r.json(t)["errors"].(map[string]any)["recipients"] == nil {
		t.Errorf("errors: %s", r.body)
	}
	r = f.post(t, "/v1/relay/send", `{"from_email":"not-an-address","recipients":[]}`)
	errs := r.json(t)["errors"].(map[string]any)
	for _, k := range []string{"subject", "from_email", "content", "recipients"} {
		if errs[k] == nil {
			t.Errorf("no error for %s: %s", k, r.body)
		}
	}
	r = f.post(t, "/v1/relay/send", `{"subject":"Hello","from_name":"Shop","from_email":"shop@segnivo.com","content":"<p>Hi</p>","recipients":["x@gmail.com"],"is_transactional":true,"track_open":false}`)
	if r.status != http.StatusOK || r.json(t)["status"] != "success" {
		t.Fatalf("send: %d %s", r.status, r.body)
	}
	id := r.json(t)["id"].(string)
	e := f.do(t, http.MethodGet, "/v1/relay/emails/"+id, nil).json(t)
	if e["subject"] != "Hello" || e["status"] != "sent" || e["track_open"] != false || e["track_click"] != true ||
		e["content_type"] != "html" || e["created_at"] != "2024-07-09T08:00:00.000000Z" || e["from"].(map[string]any)["name"] != "Shop" {
		t.Errorf("email %v", e)
	}
	later := t0.Add(time.Hour).Unix()
	r = f.post(t, "/v1/relay/send", fmt.Sprintf(`{"subject":"Later","from_email":"shop@segnivo.com","content":"c","recipients":["x@gmail.com"],"delivery_at":%d}`, later))
	id2 := r.json(t)["id"].(string)
	list := f.do(t, http.MethodGet, "/v1/relay/emails?limit=1", nil).json(t)["emails"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["id"] != id2 || list[0].(map[string]any)["status"] != "scheduled" {
		t.Errorf("emails: %v", list)
	}
	wantError(t, f.do(t, http.MethodGet, "/v1/relay/emails/em_999999", nil), 404, "not_found")

	raw := "From: Shop <shop@segnivo.com>\r\nTo: a@gmail.com, b@gmail.com\r\nCc: c@gmail.com\r\nSubject: Raw\r\n\r\nBody text"
	b, _ := json.Marshal(map[string]any{"message": raw, "is_transactional": true})
	r = f.post(t, "/v1/relay/raw", string(b))
	if r.status != http.StatusOK {
		t.Fatalf("raw: %d %s", r.status, r.body)
	}
	e = f.do(t, http.MethodGet, "/v1/relay/emails/"+r.json(t)["id"].(string), nil).json(t)
	if len(e["recipients"].([]any)) != 3 || e["subject"] != "Raw" || e["content"] != "Body text" {
		t.Errorf("raw email %v", e)
	}
	wantError(t, f.post(t, "/v1/relay/raw", `{"message":"no headers here"}`), 422, "validation_failed")
}

func TestValidateEmail(t *testing.T) {
	f := newFixture(t, nil)
	f.fake.SetVerification("hello@gmail.com", "undeliverable") // the docs' example answer
	r := f.post(t, "/v1/validate-email", `{"emails":["hello@gmail.com","ok@segnivo.com","bad@","x@example.com","y@host.invalid"]}`)
	if r.status != http.StatusOK || r.json(t)["status"] != "success" {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var got []string
	for _, v := range r.json(t)["verifications"].([]any) {
		got = append(got, v.(map[string]any)["status"].(string))
	}
	if strings.Join(got, ",") != "undeliverable,deliverable,undeliverable,undeliverable,undeliverable" {
		t.Errorf("statuses %v", got)
	}
	wantError(t, f.post(t, "/v1/validate-email", `{"emails":[]}`), 422, "validation_failed")
	var many []string
	for i := range 51 {
		many = append(many, fmt.Sprintf(`"a%d@gmail.com"`, i))
	}
	wantError(t, f.post(t, "/v1/validate-email", `{"emails":[`+strings.Join(many, ",")+`]}`), 422, "validation_failed")
	wantError(t, f.post(t, "/v1/validate-email", `{"emails":`), 422, "validation_failed")
}

func TestListsAndContacts(t *testing.T) {
	f := newFixture(t, nil)
	wantError(t, f.post(t, "/v1/lists", `{"name":"News"}`), 422, "validation_failed")
	r := f.post(t, "/v1/lists", `{"name":"News","from_email":"news@segnivo.com","from_name":"Segnivo","contact":{"email":"support@segnivo.com","company":"Segnivo Ltd"}}`)
	if r.status != http.StatusOK || r.json(t)["status"] != float64(1) {
		t.Fatalf("create list: %d %s", r.status, r.body)
	}
	list := r.json(t)["list_uid"].(string)
	c := f.post(t, "/v1/contacts", `{"list_uid":"`+list+`","email":"jane@gmail.com","first_name":"Jane"}`)
	if c.status != http.StatusOK {
		t.Fatalf("add contact: %d %s", c.status, c.body)
	}
	uid := c.json(t)["subscriber_uid"].(string)
	wantError(t, f.post(t, "/v1/contacts", `{"list_uid":"`+list+`","email":"JANE@gmail.com"}`), 422, "validation_failed")
	wantError(t, f.post(t, "/v1/contacts", `{"list_uid":"lst_999999","email":"x@gmail.com"}`), 404, "not_found")
	for i := range 4 {
		f.post(t, "/v1/contacts", fmt.Sprintf(`{"list_uid":"%s","email":"p%d@gmail.com"}`, list, i))
	}

	var arr []map[string]any
	_ = json.Unmarshal(f.do(t, http.MethodGet, "/v1/contacts?email=jane@gmail.com", nil).body, &arr)
	if len(arr) != 1 || arr[0]["uid"] != uid || arr[0]["list"] != "News" || arr[0]["status"] != "subscribed" || arr[0]["verification_status"] != "deliverable" {
		t.Fatalf("by email: %v", arr)
	}
	_ = json.Unmarshal(f.do(t, http.MethodGet, "/v1/contacts?per_page=2&page=3", nil).body, &arr)
	if len(arr) != 1 {
		t.Errorf("page 3 of 2: %v", arr)
	}
	var lists []map[string]any
	_ = json.Unmarshal(f.do(t, http.MethodGet, "/v1/lists", nil).body, &lists)
	if len(lists) != 1 || lists[0]["statistics"].(map[string]any)["subscriber_count"] != float64(5) {
		t.Errorf("lists: %v", lists)
	}
	if r := f.do(t, http.MethodGet, "/v1/lists/"+list, nil); r.json(t)["name"] != "News" {
		t.Errorf("get list: %s", r.body)
	}
	if r := f.do(t, http.MethodPatch, "/v1/contacts/"+uid, strings.NewReader(`{"last_name":"Doe"}`)); r.status != http.StatusOK {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	if got := f.do(t, http.MethodGet, "/v1/contacts/"+uid, nil).json(t); got["last_name"] != "Doe" || got["first_name"] != "Jane" {
		t.Errorf("after patch: %v", got)
	}
	if r := f.post(t, "/v1/contacts/"+uid+"/delete", `{}`); r.status != http.StatusOK {
		t.Fatalf("delete: %d", r.status)
	}
	wantError(t, f.do(t, http.MethodGet, "/v1/contacts/"+uid, nil), 404, "not_found")
}

func TestInjectAndRecord(t *testing.T) {
	f := newFixture(t, nil)
	f.fake.InjectStatus(1, http.StatusServiceUnavailable, http.Header{"Retry-After": {"120"}})
	r := f.do(t, http.MethodGet, "/v1/lists", nil)
	wantError(t, r, 503, "service_unavailable")
	if r.header.Get("Retry-After") != "120" {
		t.Error("injected header missing")
	}
	f.do(t, http.MethodGet, "/v1/lists", nil)
	reqs := f.fake.Requests()
	if len(reqs) != 2 || reqs[1].Header.Get("X-API-KEY") != key || reqs[1].Path != "/v1/lists" {
		t.Fatalf("recorded %+v", reqs)
	}
}

func TestRedirectToConfiguredHTTPSHost(t *testing.T) {
	cfg := DefaultConfig()
	cfg.HTTPSHost = "tls.example:8443"
	srv := httptest.NewServer(New(cfg))
	defer srv.Close()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(srv.URL + "/v1/lists?page=2")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "https://tls.example:8443/v1/lists?page=2" {
		t.Fatalf("%d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestCampaigns(t *testing.T) {
	f := newFixture(t, nil)
	r := f.post(t, "/v1/lists", `{"name":"News","from_email":"news@segnivo.com","from_name":"Segnivo","contact":{"email":"support@segnivo.com","company":"Segnivo Ltd"}}`)
	list := r.json(t)["list_uid"].(string)
	f.post(t, "/v1/contacts", `{"list_uid":"`+list+`","email":"jane@gmail.com"}`)

	wantError(t, f.post(t, "/v1/messages", `{"name":"July"}`), 422, "validation_failed")
	wantError(t, f.post(t, "/v1/messages", `{"mail_list_uid":"lst_999999","name":"July","subject":"Hi","from_email":"news@segnivo.com","from_name":"Segnivo"}`), 404, "not_found")
	r = f.post(t, "/v1/messages", `{"mail_list_uid":"`+list+`","name":"July","subject":"Hi","from_email":"news@segnivo.com","from_name":"Segnivo","reply_to":"support@segnivo.com"}`)
	if r.status != http.StatusCreated || r.json(t)["status"] != float64(1) {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	attrs := r.json(t)["attributes"].(map[string]any)
	uid := attrs["uid"].(string)
	if attrs["status"] != "new" || attrs["subject"] != "Hi" || attrs["statistics"].(map[string]any)["subscriber_count"] != float64(1) {
		t.Fatalf("attributes %v", attrs)
	}
	var all []map[string]any
	_ = json.Unmarshal(f.do(t, http.MethodGet, "/v1/messages", nil).body, &all)
	if len(all) != 1 || all[0]["uid"] != uid {
		t.Fatalf("campaigns %v", all)
	}
	if got := f.do(t, http.MethodGet, "/v1/messages/"+uid, nil).json(t); got["name"] != "July" || got["mail_list_uid"] != list {
		t.Fatalf("campaign %v", got)
	}
	wantError(t, f.do(t, http.MethodGet, "/v1/messages/cmp_999999", nil), 404, "not_found")
}

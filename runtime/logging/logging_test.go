package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/clock"
	"github.com/apigen-go/apigen/runtime/transport"
)

// logBuffer is a goroutine-safe sink for a JSON slog handler.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// records decodes every JSON line written so far.
func (b *logBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("bad log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

func newLogger(level slog.Level) (*slog.Logger, *logBuffer) {
	buf := &logBuffer{}
	return slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: level})), buf
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func staticResponse(status int, body string) transport.RoundTripperFunc {
	return func(req *http.Request) (*http.Response, error) {
		return &http.Response{
			StatusCode:    status,
			Header:        http.Header{"Content-Type": {"application/json"}},
			Body:          io.NopCloser(strings.NewReader(body)),
			ContentLength: int64(len(body)),
			Request:       req,
		}, nil
	}
}

func num(t *testing.T, rec map[string]any, key string) int64 {
	t.Helper()
	v, ok := rec[key].(float64)
	if !ok {
		t.Fatalf("record has no number %q: %v", key, rec)
	}
	return int64(v)
}

// TestNoSecretInLogs sends requests carrying every kind of credential the
// providers use (headers, query parameters, URL userinfo), gets secrets back
// in response headers, fails one request with an error quoting the URL and a
// header, and checks that no secret value appears anywhere in the output.
func TestNoSecretInLogs(t *testing.T) {
	secrets := map[string]string{
		"authorization":  "sk-live-AUTHSECRET01",
		"proxy":          "cHJveHlTRUNSRVQwMg==",
		"cookie":         "COOKIESECRET03",
		"xapikey":        "APIKEYSECRET04",
		"xidtoken":       "IDTOKENSECRET05",
		"authentication": "FOXDELISECRET06",
		"ldtoken":        "api-LDSECRET07",
		"q_api_key":      "QSECRET08",
		"q_access":       "QSECRET09",
		"q_client":       "QSECRET10",
		"q_sig":          "QSECRET11",
		"q_password":     "p@ssQSECRET12",
		"q_refresh":      "QSECRET13",
		"q_id":           "QSECRET14",
		"q_apikey":       "QSECRET15",
		"q_key":          "QSECRET16",
		"q_token":        "QSECRET17",
		"user":           "USERSECRET18",
		"pass":           "PASSSECRET19",
		"setcookie":      "SETCOOKIESECRET20",
		"respToken":      "RESPTOKENSECRET21",
		"amz":            "AMZSECRET22",
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Set-Cookie", "sid="+secrets["setcookie"]+"; HttpOnly")
		w.Header().Set("X-Auth-Token", secrets["respToken"])
		w.Header().Set("X-Request-Id", "req-visible-1")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, `{"ok":true}`)
	}))
	defer srv.Close()

	logger, buf := newLogger(slog.LevelDebug)
	lt := &Transport{Logger: logger, Level: slog.LevelInfo, Headers: true}
	client := &http.Client{Transport: lt}

	q := url.Values{}
	q.Set("page", "2")
	q.Set("api_key", secrets["q_api_key"])
	q.Set("access_token", secrets["q_access"])
	q.Set("client_secret", secrets["q_client"])
	q.Set("sig", secrets["q_sig"])
	q.Set("password", secrets["q_password"])
	q.Set("refresh_token", secrets["q_refresh"])
	q.Set("id_token", secrets["q_id"])
	q.Set("apikey", secrets["q_apikey"])
	q.Set("key", secrets["q_key"])
	q.Set("token", secrets["q_token"])
	u, _ := url.Parse(srv.URL + "/v1/things")
	u.User = url.UserPassword(secrets["user"], secrets["pass"])
	u.RawQuery = q.Encode()

	setSecrets := func(req *http.Request) {
		req.Header.Set("Authorization", "Bearer "+secrets["authorization"])
		req.Header.Set("Proxy-Authorization", "Basic "+secrets["proxy"])
		req.Header.Set("Cookie", "session="+secrets["cookie"]+"; lang=cs")
		req.Header.Set("X-Api-Key", secrets["xapikey"])
		req.Header.Set("X-Id-Token", secrets["xidtoken"])
		req.Header.Set("Authentication", "Basic "+secrets["authentication"])
		req.Header.Set("X-Amz-Security-Token", secrets["amz"])
		req.Header.Set("X-Request-Id", "req-visible-1")
	}

	req, _ := http.NewRequest(http.MethodPost, u.String(), strings.NewReader(`{"password":"body-is-never-logged"}`))
	setSecrets(req)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()

	// LaunchDarkly-style schemeless token.
	req, _ = http.NewRequest(http.MethodGet, srv.URL+"/flags", nil)
	req.Header.Set("Authorization", secrets["ldtoken"])
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	// A failing base whose error quotes the full URL and a credential.
	failing := &Transport{Logger: logger, Level: slog.LevelInfo, Headers: true,
		Base: transport.RoundTripperFunc(func(r *http.Request) (*http.Response, error) {
			return nil, &url.Error{Op: "Get", URL: r.URL.String(),
				Err: fmt.Errorf("proxy said no to %s and %s", r.Header.Get("Proxy-Authorization"), r.Header.Get("X-Api-Key"))}
		})}
	req, _ = http.NewRequest(http.MethodGet, u.String(), nil)
	setSecrets(req)
	if _, err := failing.RoundTrip(req); err == nil {
		t.Fatal("expected an error")
	}

	out := buf.String()
	for name, v := range secrets {
		for _, form := range []string{v, url.QueryEscape(v)} {
			if strings.Contains(out, form) {
				t.Errorf("secret %s (%q) leaked into the log:\n%s", name, form, out)
			}
		}
	}
	if strings.Contains(out, "body-is-never-logged") {
		t.Errorf("request body leaked into the log")
	}
	recs := buf.records(t)
	if len(recs) != 3 {
		t.Fatalf("got %d records, want 3:\n%s", len(recs), out)
	}
	// The redaction must not blind the log: the useful parts stay.
	for _, want := range []string{"req-visible-1", "page=2", "[REDACTED]", "Bearer [REDACTED]", "/v1/things", "proxy said no"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if recs[2]["level"] != "WARN" || recs[2]["error"] == nil {
		t.Errorf("failed attempt record = %v, want level WARN with error", recs[2])
	}
}

func TestRecordFields(t *testing.T) {
	fake := clock.NewFake(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	body := "0123456789"
	base := transport.RoundTripperFunc(func(req *http.Request) (*http.Response, error) {
		fake.Advance(150 * time.Millisecond)
		return &http.Response{
			StatusCode: 201, Header: http.Header{}, Request: req, ContentLength: int64(len(body)),
			Body: io.NopCloser(&clockReader{r: strings.NewReader(body), clk: fake, step: 25 * time.Millisecond}),
		}, nil
	})
	logger, buf := newLogger(slog.LevelInfo)
	lt := &Transport{Logger: logger, Clock: fake, Base: base}

	ctx := transport.WithOperation(context.Background(), &transport.Operation{
		ID: "createCompany", Method: "POST", PathTemplate: "/company/{companyId}/",
	})
	ctx = WithAttempt(ctx, 3)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "https://api.example.com/company/42/?page=1", strings.NewReader("hello"))
	resp, err := lt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(buf.records(t)); n != 0 {
		t.Fatalf("record written before the body was read: %d", n)
	}
	got, _ := io.ReadAll(resp.Body)
	if string(got) != body {
		t.Fatalf("body = %q", got)
	}
	resp.Body.Close()

	recs := buf.records(t)
	if len(recs) != 1 {
		t.Fatalf("got %d records, want 1", len(recs))
	}
	r := recs[0]
	wantStr := map[string]string{
		"msg": Message, "level": "INFO", "method": "POST", "path": "/company/{companyId}/",
		"operation": "createCompany", "url": "https://api.example.com/company/42/?page=1",
	}
	for k, v := range wantStr {
		if r[k] != v {
			t.Errorf("%s = %v, want %q", k, r[k], v)
		}
	}
	wantNum := map[string]int64{
		"status": 201, "attempt": 3, "bytes_out": 5, "bytes_in": 10,
		"time_to_headers": int64(150 * time.Millisecond),
		// 150 ms to headers, then two 25 ms reads: the data and the EOF.
		"duration": int64(200 * time.Millisecond),
	}
	for k, v := range wantNum {
		if got := num(t, r, k); got != v {
			t.Errorf("%s = %d, want %d", k, got, v)
		}
	}
	if _, ok := r["error"]; ok {
		t.Errorf("unexpected error attribute: %v", r["error"])
	}
}

// clockReader advances a fake clock on every read, to make body time visible.
type clockReader struct {
	r    io.Reader
	clk  *clock.Fake
	step time.Duration
}

func (c *clockReader) Read(p []byte) (int, error) {
	c.clk.Advance(c.step)
	return c.r.Read(p)
}

func TestPathFallsBackToURLPathAndAttemptDefaultsToOne(t *testing.T) {
	logger, buf := newLogger(slog.LevelInfo)
	lt := &Transport{Logger: logger, Base: staticResponse(200, "{}")}
	req, _ := http.NewRequest(http.MethodGet, "https://api.example.com/things/7", nil)
	resp, err := lt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	r := buf.records(t)[0]
	if r["path"] != "/things/7" {
		t.Errorf("path = %v", r["path"])
	}
	if _, ok := r["operation"]; ok {
		t.Errorf("operation logged without an Operation in context")
	}
	if num(t, r, "attempt") != 1 || num(t, r, "bytes_out") != 0 {
		t.Errorf("attempt/bytes_out = %v/%v", r["attempt"], r["bytes_out"])
	}
}

func TestOneRecordPerAttempt(t *testing.T) {
	logger, buf := newLogger(slog.LevelInfo)
	lt := &Transport{Logger: logger, Base: staticResponse(200, "abcdef")}
	req, _ := http.NewRequest(http.MethodGet, "https://api.example.com/x", nil)

	// Read to EOF, read again, then close: still one record.
	resp, _ := lt.RoundTrip(req)
	io.ReadAll(resp.Body)
	resp.Body.Read(make([]byte, 8))
	resp.Body.Close()
	resp.Body.Close()
	if n := len(buf.records(t)); n != 1 {
		t.Fatalf("records = %d, want 1", n)
	}

	// Close without reading: one record with the bytes actually read.
	resp, _ = lt.RoundTrip(req)
	p := make([]byte, 2)
	io.ReadFull(resp.Body, p)
	resp.Body.Close()
	recs := buf.records(t)
	if len(recs) != 2 {
		t.Fatalf("records = %d, want 2", len(recs))
	}
	if got := num(t, recs[1], "bytes_in"); got != 2 {
		t.Errorf("bytes_in = %d, want 2", got)
	}
}

func TestConcurrentCloseAndRead(t *testing.T) {
	logger, buf := newLogger(slog.LevelInfo)
	lt := &Transport{Logger: logger, Base: staticResponse(200, strings.Repeat("x", 1<<16))}
	for i := 0; i < 50; i++ {
		req, _ := http.NewRequest(http.MethodGet, "https://api.example.com/x", nil)
		resp, _ := lt.RoundTrip(req)
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); io.Copy(io.Discard, resp.Body) }()
		go func() { defer wg.Done(); resp.Body.Close() }()
		wg.Wait()
	}
	if n := len(buf.records(t)); n != 50 {
		t.Errorf("records = %d, want 50", n)
	}
}

func TestFailuresLoggedAtWarn(t *testing.T) {
	logger, buf := newLogger(slog.LevelInfo)
	lt := &Transport{Logger: logger, Base: staticResponse(503, "down")}
	req, _ := http.NewRequest(http.MethodGet, "https://api.example.com/x", nil)
	resp, _ := lt.RoundTrip(req)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()

	boom := errors.New("connection reset by peer")
	lt.Base = transport.RoundTripperFunc(func(*http.Request) (*http.Response, error) { return nil, boom })
	if _, err := lt.RoundTrip(req); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the base's error unchanged", err)
	}
	recs := buf.records(t)
	if len(recs) != 2 {
		t.Fatalf("records = %d, want 2", len(recs))
	}
	if recs[0]["level"] != "WARN" || num(t, recs[0], "status") != 503 {
		t.Errorf("5xx record = %v", recs[0])
	}
	if recs[1]["level"] != "WARN" || recs[1]["error"] != "connection reset by peer" {
		t.Errorf("error record = %v", recs[1])
	}
	if _, ok := recs[1]["status"]; ok {
		t.Errorf("error record has a status")
	}

	// A caller-chosen level above Warn is never lowered.
	buf2 := &logBuffer{}
	lt = &Transport{Logger: slog.New(slog.NewJSONHandler(buf2, nil)), Level: slog.LevelError, Base: lt.Base}
	lt.RoundTrip(req)
	if r := buf2.records(t); len(r) != 1 || r[0]["level"] != "ERROR" {
		t.Errorf("records = %v, want one at ERROR", r)
	}
}

func TestBodyReadErrorLogged(t *testing.T) {
	logger, buf := newLogger(slog.LevelInfo)
	lt := &Transport{Logger: logger, Base: transport.RoundTripperFunc(func(req *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Header: http.Header{}, Request: req,
			Body: io.NopCloser(io.MultiReader(strings.NewReader("abc"), errReader{errors.New("unexpected EOF from peer")}))}, nil
	})}
	req, _ := http.NewRequest(http.MethodGet, "https://api.example.com/x", nil)
	resp, _ := lt.RoundTrip(req)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	r := buf.records(t)
	if len(r) != 1 || r[0]["error"] != "unexpected EOF from peer" || r[0]["level"] != "WARN" || num(t, r[0], "bytes_in") != 3 {
		t.Errorf("records = %v", r)
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func TestNoBodyLoggedImmediately(t *testing.T) {
	logger, buf := newLogger(slog.LevelInfo)
	lt := &Transport{Logger: logger, Base: transport.RoundTripperFunc(func(req *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 204, Header: http.Header{}, Body: http.NoBody, Request: req}, nil
	})}
	req, _ := http.NewRequest(http.MethodDelete, "https://api.example.com/x/1", nil)
	resp, _ := lt.RoundTrip(req)
	if resp.Body != http.NoBody {
		t.Errorf("NoBody was wrapped")
	}
	r := buf.records(t)
	if len(r) != 1 || num(t, r[0], "status") != 204 || num(t, r[0], "bytes_in") != 0 {
		t.Errorf("records = %v", r)
	}
}

func TestUnknownLengthRequestBodyCounted(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
	}))
	defer srv.Close()
	logger, buf := newLogger(slog.LevelInfo)
	lt := &Transport{Logger: logger}
	pr, pw := io.Pipe()
	go func() {
		pw.Write(bytes.Repeat([]byte("z"), 3000))
		pw.Close()
	}()
	req, _ := http.NewRequest(http.MethodPut, srv.URL+"/upload", pr)
	resp, err := lt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if got := num(t, buf.records(t)[0], "bytes_out"); got != 3000 {
		t.Errorf("bytes_out = %d, want 3000", got)
	}
}

func TestTraceTimings(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hi")
	}))
	defer srv.Close()
	logger, buf := newLogger(slog.LevelInfo)
	lt := &Transport{Logger: logger, Base: srv.Client().Transport}
	for i := 0; i < 2; i++ {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/t", nil)
		resp, err := lt.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	recs := buf.records(t)
	if len(recs) != 2 {
		t.Fatalf("records = %d", len(recs))
	}
	first, ok := recs[0]["trace"].(map[string]any)
	if !ok {
		t.Fatalf("no trace group: %v", recs[0])
	}
	for _, k := range []string{"connect", "tls", "ttfb"} {
		if v, ok := first[k].(float64); !ok || v < 0 {
			t.Errorf("first trace.%s = %v", k, first[k])
		}
	}
	if first["reused"] != false {
		t.Errorf("first trace.reused = %v", first["reused"])
	}
	second := recs[1]["trace"].(map[string]any)
	if second["reused"] != true {
		t.Errorf("second trace.reused = %v, want true", second["reused"])
	}
	if _, ok := second["tls"]; ok {
		t.Errorf("reused connection has a tls phase: %v", second)
	}
}

func TestTraceDNS(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	_, port, _ := strings.Cut(strings.TrimPrefix(srv.URL, "http://"), ":")
	logger, buf := newLogger(slog.LevelInfo)
	lt := &Transport{Logger: logger, Base: &http.Transport{}}
	req, _ := http.NewRequest(http.MethodGet, "http://localhost:"+port+"/", nil)
	resp, err := lt.RoundTrip(req)
	if err != nil {
		t.Skipf("localhost does not reach the test server here: %v", err)
	}
	resp.Body.Close()
	tr := buf.records(t)[0]["trace"].(map[string]any)
	if _, ok := tr["dns"]; !ok {
		t.Errorf("no dns phase for a host name: %v", tr)
	}
}

func TestCallerTraceStillCalled(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	logger, _ := newLogger(slog.LevelInfo)
	lt := &Transport{Logger: logger}
	var got bool
	ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		GotFirstResponseByte: func() { got = true },
	})
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	resp, err := lt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !got {
		t.Errorf("the caller's own ClientTrace hook was not called")
	}
}

func TestDisabledIsPassThrough(t *testing.T) {
	logger, buf := newLogger(slog.LevelError)
	body := io.NopCloser(strings.NewReader("x"))
	var sawTrace bool
	var sawReq *http.Request
	canned := &http.Response{StatusCode: 200, Body: body}
	lt := &Transport{Logger: logger, Level: slog.LevelInfo, Base: transport.RoundTripperFunc(func(req *http.Request) (*http.Response, error) {
		sawTrace = httptrace.ContextClientTrace(req.Context()) != nil
		sawReq = req
		return canned, nil
	})}
	req, _ := http.NewRequest(http.MethodGet, "https://api.example.com/x", nil)
	resp, err := lt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	if sawTrace || sawReq != req || resp.Body != body {
		t.Errorf("disabled transport traced (%v), copied the request (%v) or wrapped the body (%v)",
			sawTrace, sawReq != req, resp.Body != body)
	}
	if buf.String() != "" {
		t.Errorf("disabled transport logged: %s", buf.String())
	}
	allocs := testing.AllocsPerRun(100, func() { lt.RoundTrip(req) })
	if allocs != 0 {
		t.Errorf("disabled transport allocates %.1f times per request, want 0", allocs)
	}
}

func TestDisabledLevelStillReportsFailures(t *testing.T) {
	logger, buf := newLogger(slog.LevelInfo)
	lt := &Transport{Logger: logger, Level: slog.LevelDebug, Base: staticResponse(200, "ok")}
	req, _ := http.NewRequest(http.MethodGet, "https://api.example.com/x?token=SECRETVALUE", nil)
	resp, _ := lt.RoundTrip(req)
	resp.Body.Close()
	if buf.String() != "" {
		t.Fatalf("success logged below the handler's level: %s", buf.String())
	}
	lt.Base = staticResponse(502, "bad gateway")
	lt.RoundTrip(req)
	lt.Base = transport.RoundTripperFunc(func(r *http.Request) (*http.Response, error) {
		return nil, fmt.Errorf("dial %s: refused", r.URL)
	})
	lt.RoundTrip(req)
	recs := buf.records(t)
	if len(recs) != 2 || recs[0]["level"] != "WARN" || recs[1]["level"] != "WARN" {
		t.Fatalf("records = %v, want two WARN", recs)
	}
	if strings.Contains(buf.String(), "SECRETVALUE") {
		t.Errorf("secret leaked: %s", buf.String())
	}
}

func TestNilLoggerUsesDefault(t *testing.T) {
	logger, buf := newLogger(slog.LevelInfo)
	old := slog.Default()
	slog.SetDefault(logger)
	defer slog.SetDefault(old)
	lt := &Transport{Base: staticResponse(200, "")}
	req, _ := http.NewRequest(http.MethodGet, "https://api.example.com/x", nil)
	resp, _ := lt.RoundTrip(req)
	resp.Body.Close()
	if len(buf.records(t)) != 1 {
		t.Errorf("nil Logger did not log to slog.Default()")
	}
}

func TestMiddleware(t *testing.T) {
	logger, buf := newLogger(slog.LevelDebug)
	rt := transport.Chain(staticResponse(200, "ok"), Middleware(logger, slog.LevelDebug))
	req, _ := http.NewRequest(http.MethodGet, "https://api.example.com/x", nil)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if r := buf.records(t); len(r) != 1 || r[0]["level"] != "DEBUG" {
		t.Errorf("records = %v", r)
	}
}

func TestAttemptContext(t *testing.T) {
	ctx := context.Background()
	if n := AttemptFrom(ctx); n != 0 {
		t.Errorf("AttemptFrom(empty) = %d", n)
	}
	if n := AttemptFrom(WithAttempt(ctx, 4)); n != 4 {
		t.Errorf("AttemptFrom = %d, want 4", n)
	}
}

// cannedBase returns the same response every time, so that benchmarks
// measure the logging transport and not the fake.
func cannedBase() http.RoundTripper {
	resp := &http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody}
	return transport.RoundTripperFunc(func(*http.Request) (*http.Response, error) { return resp, nil })
}

func BenchmarkBaseline(b *testing.B) {
	base := cannedBase()
	req, _ := http.NewRequest(http.MethodGet, "https://api.example.com/x", nil)
	b.ReportAllocs()
	for b.Loop() {
		base.RoundTrip(req)
	}
}

func BenchmarkDisabled(b *testing.B) {
	lt := &Transport{Logger: slog.New(slog.DiscardHandler), Base: cannedBase()}
	req, _ := http.NewRequest(http.MethodGet, "https://api.example.com/x", nil)
	b.ReportAllocs()
	for b.Loop() {
		lt.RoundTrip(req)
	}
}

func BenchmarkEnabled(b *testing.B) {
	lt := &Transport{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)), Base: cannedBase()}
	req, _ := http.NewRequest(http.MethodGet, "https://api.example.com/x?api_key=1", nil)
	req.Header.Set("Authorization", "Bearer x")
	b.ReportAllocs()
	for b.Loop() {
		lt.RoundTrip(req)
	}
}

// Package faults is the fault suite of SECURITY.md: in-process loopback
// servers that misbehave on purpose (resets before and after the write,
// hangs, slow, truncated, oversized and gzip-bomb bodies, token endpoints
// that fail, redirect or echo secrets, skewed clocks, a 401 in the middle
// of a paginated walk), each with the outcome the client must show. Every
// case also counts the non-idempotent writes the server acted on more than
// once for one call: that count must be 0.
package faults

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/apierror"
	"github.com/apigen-go/apigen/runtime/auth"
	"github.com/apigen-go/apigen/runtime/client"
	"github.com/apigen-go/apigen/runtime/clock"
	"github.com/apigen-go/apigen/runtime/rest"
	"github.com/apigen-go/apigen/runtime/retry"
	"github.com/apigen-go/apigen/runtime/secret"
	"github.com/apigen-go/apigen/runtime/transport"
)

// writes counts, per call id (X-Call-Id), the writes a server acted on.
type writes struct {
	mu    sync.Mutex
	acted map[string]int
}

func (w *writes) act(r *http.Request) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.acted == nil {
		w.acted = map[string]int{}
	}
	w.acted[r.Header.Get("X-Call-Id")]++
}

// duplicates is the number of writes acted on more than once.
func (w *writes) duplicates() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, c := range w.acted {
		n += c - 1
	}
	return n
}

var suiteWrites writes

var calls atomic.Int64

// post is a non-idempotent write; get an idempotent read.
var (
	opPost = &transport.Operation{ID: "createThing", Method: http.MethodPost, PathTemplate: "/things"}
	opGet  = &transport.Operation{ID: "listThings", Method: http.MethodGet, PathTemplate: "/things", Idempotent: true}
)

// newClient builds a client the way generated packages do.
func newClient(t *testing.T, url string, tr *auth.Transport, opts ...client.Option) rest.Client {
	t.Helper()
	api := client.API{Name: "faults"}
	if tr != nil {
		tr.AllowInsecureHTTP = true
		api.Auth = func(*client.Config, http.RoundTripper, func(string) string) (transport.Middleware, http.RoundTripper, error) {
			return tr.Middleware(), nil, nil
		}
		opts = append(opts, client.OptionFunc(func(c *client.Config) { c.Credentials = tr }))
	}
	opts = append([]client.Option{client.WithRetry(retry.Policy{MaxAttempts: 3, BaseDelay: 10 * time.Millisecond})}, opts...)
	rc, err := client.New(api, url, opts)
	if err != nil {
		t.Fatal(err)
	}
	return rc
}

// call sends op once (with its retries) and returns the error.
func call(rc rest.Client, op *transport.Operation, out any, opts ...rest.RequestOption) error {
	opts = append(opts, rest.WithHeader("X-Call-Id", fmt.Sprint(calls.Add(1))))
	r := rc.NewRequest(context.Background(), op, opts)
	if op.Method == http.MethodPost {
		r.JSON("application/json", map[string]string{"name": "x"})
	}
	return rc.Do(r, out)
}

// hijackClose drops the connection without an answer.
func hijackClose(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.(*net.TCPConn).SetLinger(0) // a reset, not a polite close
		conn.Close()
	}
}

func TestResetBeforeWrite(t *testing.T) {
	// A server that resets every connection before reading a byte.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.(*net.TCPConn).SetLinger(0)
			c.Close()
		}
	}()
	rc := newClient(t, "http://"+ln.Addr().String(), nil)
	for _, op := range []*transport.Operation{opGet, opPost} {
		err := call(rc, op, nil)
		if err == nil || !strings.Contains(err.Error(), op.ID) {
			t.Errorf("%s: err = %v, want a transport error naming the operation", op.ID, err)
		}
	}
	// Nothing was read, so nothing was acted on.
	if n := suiteWrites.duplicates(); n != 0 {
		t.Errorf("%d duplicate writes", n)
	}
}

func TestResetAfterWrite(t *testing.T) {
	var arrivals atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		arrivals.Add(1)
		if r.Method == http.MethodPost {
			suiteWrites.act(r) // the write happened; the answer is lost
		}
		hijackClose(w)
	}))
	defer srv.Close()
	rc := newClient(t, srv.URL, nil)
	for _, tc := range []struct {
		op   *transport.Operation
		want int32
	}{{opPost, 1}, {opGet, 3}} {
		arrivals.Store(0)
		if err := call(rc, tc.op, nil); err == nil {
			t.Errorf("%s: no error", tc.op.ID)
		}
		if n := arrivals.Load(); n != tc.want {
			t.Errorf("%s: %d arrivals, want %d (a POST that may have been acted on is never resent)", tc.op.ID, n, tc.want)
		}
	}
	if n := suiteWrites.duplicates(); n != 0 {
		t.Errorf("%d duplicate writes", n)
	}
}

func TestServerErrorStorm(t *testing.T) {
	var arrivals atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrivals.Add(1)
		if r.Method == http.MethodPost && r.URL.Query().Get("ra") == "" {
			suiteWrites.act(r) // a 500 after acting: the worst case
		}
		if r.URL.Query().Get("ra") != "" {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusServiceUnavailable) // proves nothing was done
			return
		}
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer srv.Close()
	rc := newClient(t, srv.URL, nil)
	for _, tc := range []struct {
		op   *transport.Operation
		ra   string
		want int32
	}{{opPost, "", 1}, {opGet, "", 3}, {opPost, "1", 3}} {
		arrivals.Store(0)
		var ae *apierror.APIError
		if err := call(rc, tc.op, nil, rest.WithQuery("ra", tc.ra)); !errors.As(err, &ae) {
			t.Errorf("%s: err = %v, want an APIError", tc.op.ID, err)
		}
		if n := arrivals.Load(); n != tc.want {
			t.Errorf("%s ra=%q: %d arrivals, want %d", tc.op.ID, tc.ra, n, tc.want)
		}
	}
	if n := suiteWrites.duplicates(); n != 0 {
		t.Errorf("%d duplicate writes", n)
	}
}

func TestHangsSlowAndTruncatedBodies(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("fault") {
		case "hang":
			select {
			case <-r.Context().Done():
			case <-time.After(3 * time.Second):
			}
		case "slow":
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte("["))
			for i := range 8 {
				w.(http.Flusher).Flush()
				time.Sleep(60 * time.Millisecond)
				fmt.Fprintf(w, "%d,", i)
			}
			w.Write([]byte("8]"))
		case "truncated":
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", "100")
			w.Write([]byte(`[1,2,3`))
		}
	}))
	defer srv.Close()
	rc := newClient(t, srv.URL, nil, client.WithAttemptTimeout(150*time.Millisecond), client.WithoutRetry())

	start := time.Now()
	var ate *client.AttemptTimeoutError
	if err := call(rc, opGet, nil, rest.WithQuery("fault", "hang")); !errors.As(err, &ate) || time.Since(start) > 2*time.Second {
		t.Errorf("hang: err = %v after %s, want an attempt timeout", err, time.Since(start))
	}
	// With no attempt timeout, the default deadline still ends the call.
	rc2 := newClient(t, srv.URL, nil, client.WithAttemptTimeout(0), client.WithDefaultTimeout(300*time.Millisecond))
	start = time.Now()
	if err := call(rc2, opGet, nil, rest.WithQuery("fault", "hang")); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Errorf("hang, default deadline: err = %v after %s", err, time.Since(start))
	}
	// A body slower than the attempt timeout is not cut.
	var nums []int
	if err := call(rc, opGet, &nums, rest.WithQuery("fault", "slow")); err != nil || len(nums) != 9 {
		t.Errorf("slow body: %v, %v", nums, err)
	}
	if err := call(rc, opGet, &nums, rest.WithQuery("fault", "truncated")); !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), opGet.ID) {
		t.Errorf("truncated: err = %v, want an unexpected EOF naming %s", err, opGet.ID)
	}
}

func TestOversizedBodies(t *testing.T) {
	var bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	zw.Write(make([]byte, 3<<20))
	zw.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("fault") == "bomb" {
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(bomb.Bytes())
			return
		}
		for range 32 { // 2 MiB, no Content-Length
			w.Write(bytes.Repeat([]byte(" "), 64<<10))
		}
	}))
	defer srv.Close()
	rc := newClient(t, srv.URL, nil, client.WithMaxResponseBytes(1<<20))
	for _, fault := range []string{"bomb", "stream"} {
		var tl *rest.ResponseTooLargeError
		if err := call(rc, opGet, new(any), rest.WithQuery("fault", fault)); !errors.As(err, &tl) || tl.Limit != 1<<20 || tl.Operation != opGet.ID {
			t.Errorf("%s: err = %v, want ResponseTooLargeError{%s, 1 MiB}", fault, err, opGet.ID)
		}
	}
}

// tokenServer issues tokens (expiring after expiresIn seconds) at /token
// and serves pages at /things that need a live one; revoke kills them all.
type tokenServer struct {
	*httptest.Server
	tokens, pages atomic.Int32
	mu            sync.Mutex
	live          map[string]bool
	expiresIn     int
	revokeAfter   int32 // revoke every token after this many pages
}

func newTokenServer(t *testing.T, expiresIn int) *tokenServer {
	s := &tokenServer{live: map[string]bool{}, expiresIn: expiresIn}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" {
			n := s.tokens.Add(1)
			tok := fmt.Sprintf("tok-%d-%d", n, time.Now().UnixNano())
			s.mu.Lock()
			s.live[tok] = true
			s.mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":%d}`, tok, s.expiresIn)
			return
		}
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		s.mu.Lock()
		ok := s.live[tok]
		s.mu.Unlock()
		if !ok {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"message":"token %s revoked"}`, tok)
			return
		}
		page := s.pages.Add(1)
		if page == s.revokeAfter {
			s.mu.Lock()
			clear(s.live)
			s.mu.Unlock()
		}
		w.Header().Set("Content-Type", "application/json")
		next := ""
		if p := r.URL.Query().Get("page"); p != "3" {
			next = fmt.Sprintf("/things?page=%d", atoiOr(p, 1)+1)
		}
		fmt.Fprintf(w, `{"page":%q,"next":%q}`, r.URL.Query().Get("page"), next)
	}))
	t.Cleanup(s.Close)
	return s
}

func atoiOr(s string, def int) int {
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		return def
	}
	return n
}

func (s *tokenServer) cache(clk clock.Clock) *auth.Cache {
	return &auth.Cache{Clock: clk, Flow: &auth.ClientCredentials{
		Endpoint: auth.Endpoint{TokenURL: s.URL + "/token", AllowInsecureHTTP: true, Clock: clk},
		ClientID: "id", ClientSecret: secret.New("client-secret-xyz")}}
}

// The token is revoked in the middle of a paginated walk: the next page
// gets a 401, the client fetches one new token and replays that page, and
// the walk completes with every page once.
func TestUnauthorizedMidPagination(t *testing.T) {
	s := newTokenServer(t, 3600)
	s.revokeAfter = 1
	rc := newClient(t, s.URL, &auth.Transport{Source: s.cache(nil)})
	type page struct{ Page, Next string }
	var got []string
	var p page
	if err := call(rc, opGet, &p, rest.WithQuery("page", "1")); err != nil {
		t.Fatal(err)
	}
	got = append(got, p.Page)
	for p.Next != "" {
		href := p.Next
		p = page{}
		if err := rc.Next(context.Background(), opGet, href, &p, nil); err != nil {
			t.Fatalf("page after %v: %v", got, err)
		}
		got = append(got, p.Page)
	}
	if strings.Join(got, ",") != "1,2,3" || s.tokens.Load() != 2 {
		t.Errorf("pages %v with %d token requests; want 1,2,3 with 2", got, s.tokens.Load())
	}
}

// The client's clock is 5 minutes ahead of or behind the token server's:
// expiry is reckoned from the client's own clock at receipt, so a token
// lasting 5 minutes is used for its lifetime, renewed once it expires,
// never refetched per call nor used after its end.
func TestSkewedClocks(t *testing.T) {
	for _, skew := range []time.Duration{5 * time.Minute, -5 * time.Minute} {
		s := newTokenServer(t, 300)
		clk := clock.NewFake(time.Now().Add(skew))
		rc := newClient(t, s.URL, &auth.Transport{Source: s.cache(clk)})
		for range 5 {
			if err := call(rc, opGet, nil); err != nil {
				t.Fatalf("skew %s: %v", skew, err)
			}
			clk.Advance(30 * time.Second)
		}
		if n := s.tokens.Load(); n != 1 {
			t.Errorf("skew %s: %d token requests in 2.5 minutes, want 1", skew, n)
		}
		clk.Advance(3 * time.Minute) // past expiry by the client's clock
		if err := call(rc, opGet, nil); err != nil || s.tokens.Load() != 2 {
			t.Errorf("skew %s: after expiry %d token requests (%v), want 2", skew, s.tokens.Load(), err)
		}
	}
}

// Credentials echoed by a 401 body never reach the caller's error, its
// Body, or the log.
func TestEchoedSecretsRedacted(t *testing.T) {
	const key = "api-key-SECRET-0042"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Debug", "key="+r.Header.Get("X-API-KEY"))
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"code":"bad_key","message":"key %s is not valid"}`, r.Header.Get("X-API-KEY"))
	}))
	defer srv.Close()
	var logs bytes.Buffer
	rc := newClient(t, srv.URL, &auth.Transport{Credential: auth.APIKey{Name: "X-API-KEY", Key: secret.New(key)}},
		client.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	err := call(rc, opGet, nil)
	var ae *apierror.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 401 || ae.Code != "bad_key" {
		t.Fatalf("err = %v", err)
	}
	all := err.Error() + string(ae.Body) + ae.Message + fmt.Sprint(ae.Header) + logs.String()
	if strings.Contains(all, key) || !strings.Contains(ae.Message, secret.Redacted) {
		t.Errorf("the key leaks or is not marked redacted:\n%s", all)
	}
}

// A token endpoint redirecting elsewhere gets nothing resent there.
func TestTokenRedirectRefused(t *testing.T) {
	var stolen atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { stolen.Add(1) }))
	defer other.Close()
	tokenSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/token", http.StatusTemporaryRedirect)
	}))
	defer tokenSrv.Close()
	cache := &auth.Cache{Flow: &auth.ClientCredentials{Endpoint: auth.Endpoint{TokenURL: tokenSrv.URL, AllowInsecureHTTP: true},
		ClientID: "id", ClientSecret: secret.New("client-secret-xyz")}}
	rc := newClient(t, tokenSrv.URL, &auth.Transport{Source: cache})
	if err := call(rc, opGet, nil); !errors.Is(err, auth.ErrRedirectRefused) || stolen.Load() != 0 {
		t.Errorf("err = %v, other host hit %d times", err, stolen.Load())
	}
}

// 50 concurrent calls against a failing token endpoint make one token
// request, and all get its error.
func TestTokenStorm(t *testing.T) {
	var tokens atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tokens.Add(1)
		time.Sleep(20 * time.Millisecond)
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer srv.Close()
	cache := &auth.Cache{Flow: &auth.ClientCredentials{Endpoint: auth.Endpoint{TokenURL: srv.URL + "/token", AllowInsecureHTTP: true},
		ClientID: "id", ClientSecret: secret.New("s")}}
	rc := newClient(t, srv.URL, &auth.Transport{Source: cache})
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range 50 {
		wg.Go(func() {
			var re *auth.RetrieveError
			if err := call(rc, opPost, nil); errors.As(err, &re) && re.StatusCode == http.StatusBadGateway {
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	if tokens.Load() != 1 || failed.Load() != 50 {
		t.Errorf("%d token requests, %d callers got the 502; want 1 and 50", tokens.Load(), failed.Load())
	}
}

// TestMain reports the suite's count of duplicated writes, and fails the
// run when it is not 0.
func TestMain(m *testing.M) {
	code := m.Run()
	n := suiteWrites.duplicates()
	fmt.Printf("faults: %d non-idempotent writes acted on, %d of them more than once\n", len(suiteWrites.acted), n)
	if n != 0 && code == 0 {
		code = 1
	}
	os.Exit(code)
}

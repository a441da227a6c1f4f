package auth

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/clock"
	"github.com/apigen-go/apigen/runtime/retry"
	"github.com/apigen-go/apigen/runtime/secret"
	"github.com/apigen-go/apigen/runtime/transport"
)

// failingAS is a token endpoint answering status with body to everything,
// and an API that counts the calls that got through.
func failingAS(t *testing.T, status int, body string) (*httptest.Server, *atomic.Int32, *atomic.Int32) {
	var tokens, api atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api" {
			api.Add(1)
			return
		}
		tokens.Add(1)
		io.Copy(io.Discard, r.Body)
		time.Sleep(20 * time.Millisecond) // a slow failure: flights overlap
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &tokens, &api
}

// 50 concurrent callers, each retried, against a failing token endpoint:
// one token request for all of them in the first backoff (before, 50
// callers made 99), and every caller gets the endpoint's error.
func TestCacheFailureSharedAcrossConcurrentCallers(t *testing.T) {
	srv, tokens, api := failingAS(t, http.StatusServiceUnavailable, `{"error":"temporarily_unavailable"}`)
	cache := &Cache{Flow: &ClientCredentials{Endpoint: Endpoint{TokenURL: srv.URL + "/token", AllowInsecureHTTP: true},
		ClientID: "id", ClientSecret: secret.New("s")}}
	rt := transport.Chain(http.DefaultTransport,
		retry.Middleware(retry.Policy{MaxAttempts: 3, BaseDelay: 50 * time.Millisecond}),
		(&Transport{Source: cache, AllowInsecureHTTP: true}).Middleware())
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api", nil)
			resp, err := rt.RoundTrip(req)
			if err == nil {
				resp.Body.Close()
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		var re *RetrieveError
		if !errors.As(err, &re) || re.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("caller got %v, want the endpoint's 503", err)
		}
	}
	// The calls all end well inside the first 1 s backoff.
	if n := tokens.Load(); n != 1 {
		t.Errorf("%d token requests from 50 concurrent callers, want 1", n)
	}
	if n := api.Load(); n != 0 {
		t.Errorf("%d calls reached the API without a token", n)
	}
}

// The backoff starts at 1 s, doubles, carries at most a quarter of
// jitter, is capped by MaxBackoff, and ends with a success.
func TestCacheFailureBackoffDoubles(t *testing.T) {
	status := atomic.Int32{}
	status.Store(http.StatusInternalServerError)
	var tokens atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tokens.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(int(status.Load()))
		io.WriteString(w, `{"access_token":"tok","expires_in":3600}`)
	}))
	defer srv.Close()
	clk := clock.NewFake(t0)
	cache := &Cache{Clock: clk, MaxBackoff: 3 * time.Second, Flow: &ClientCredentials{
		Endpoint: Endpoint{TokenURL: srv.URL, AllowInsecureHTTP: true, Clock: clk}, ClientID: "id", ClientSecret: secret.New("s")}}
	ctx := context.Background()
	call := func(wantRequests int32, what string) {
		t.Helper()
		cache.Token(ctx)
		if n := tokens.Load(); n != wantRequests {
			t.Fatalf("%s: %d token requests, want %d", what, n, wantRequests)
		}
	}
	call(1, "first failure")
	clk.Advance(999 * time.Millisecond)
	call(1, "inside the 1 s backoff")
	clk.Advance(251 * time.Millisecond)
	call(2, "after 1.25 s")
	clk.Advance(1999 * time.Millisecond)
	call(2, "inside the 2 s backoff")
	clk.Advance(501 * time.Millisecond)
	call(3, "after 2.5 s")
	for i := range 3 { // capped at 3 s, jitter included
		clk.Advance(2999 * time.Millisecond)
		call(int32(3+i), "inside the capped backoff")
		clk.Advance(time.Millisecond)
		call(int32(4+i), "after the cap")
	}
	status.Store(http.StatusOK)
	clk.Advance(3 * time.Second)
	if tok, err := cache.Token(ctx); err != nil || tok.AccessToken.Reveal() != "tok" {
		t.Fatalf("after recovery: %v, %v", tok, err)
	}
}

// Failures no retry can cure are not retried: a 4xx other than 408, 425
// and 429, a 2xx without access_token, a 2xx that does not parse.
func TestTokenPermanentFailuresNotRetried(t *testing.T) {
	for _, tc := range []struct {
		status    int
		body      string
		retryable bool
	}{
		{http.StatusBadRequest, `{"error":"invalid_client"}`, false},
		{http.StatusUnauthorized, `{"error":"invalid_client"}`, false},
		{http.StatusOK, `{"token":"x"}`, false},
		{http.StatusOK, `<html>not json`, false},
		{http.StatusRequestTimeout, ``, true},
		{http.StatusTooEarly, ``, true},
		{http.StatusTooManyRequests, ``, true},
		{http.StatusBadGateway, `<html>`, true},
	} {
		srv, tokens, _ := failingAS(t, tc.status, tc.body)
		cache := &Cache{Flow: &ClientCredentials{Endpoint: Endpoint{TokenURL: srv.URL + "/token", AllowInsecureHTTP: true},
			ClientID: "id", ClientSecret: secret.New("s")}}
		_, err := cache.Token(context.Background())
		var r interface{ Retryable() bool }
		if !errors.As(err, &r) || r.Retryable() != tc.retryable {
			t.Errorf("%d %q: err %v; want retryable=%v", tc.status, tc.body, err, tc.retryable)
		}
		if !tc.retryable {
			rt := transport.Chain(http.DefaultTransport, retry.Middleware(retry.Policy{MaxAttempts: 3, BaseDelay: time.Millisecond}),
				(&Transport{Source: &Cache{Flow: cache.Flow}, AllowInsecureHTTP: true}).Middleware())
			tokens.Store(0)
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api", nil)
			if resp, err := rt.RoundTrip(req); err == nil {
				resp.Body.Close()
			}
			if n := tokens.Load(); n != 1 {
				t.Errorf("%d %q: %d token requests through retry, want 1", tc.status, tc.body, n)
			}
		}
	}
}

package client

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/ratelimit"
	"github.com/apigen-go/apigen/runtime/retry"
	"github.com/apigen-go/apigen/runtime/transport"
)

// Without options every call has a deadline no shorter than the limiter's
// longest wait plus retry's MaxElapsed; 0 turns it off.
func TestDefaultTimeouts(t *testing.T) {
	rc, err := New(API{Name: "acme"}, "https://api.example", nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := ratelimit.DefaultMaxWait + retry.DefaultMaxElapsed + DefaultAttemptTimeout; rc.Timeout != want {
		t.Errorf("default timeout %s, want %s", rc.Timeout, want)
	}
	api := API{Name: "acme", RateLimit: ratelimit.Config{MaxWait: 5 * time.Minute}}
	rc, _ = New(api, "https://api.example", []Option{WithRetry(retry.Policy{MaxElapsed: time.Minute})})
	if want := 5*time.Minute + time.Minute + DefaultAttemptTimeout; rc.Timeout != want {
		t.Errorf("timeout with MaxWait 5m, MaxElapsed 1m: %s, want %s", rc.Timeout, want)
	}
	rc, _ = New(api, "https://api.example", []Option{WithDefaultTimeout(0)})
	if rc.Timeout != 0 {
		t.Errorf("WithDefaultTimeout(0) left %s", rc.Timeout)
	}
}

// An attempt without response headers within the attempt timeout fails;
// an idempotent one is retried, a POST that was written is not; a slow
// body after prompt headers is never cut.
func TestAttemptTimeout(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow-body" {
			w.Header().Set("Content-Type", "text/plain")
			for range 6 {
				io.WriteString(w, "chunk ")
				w.(http.Flusher).Flush()
				time.Sleep(100 * time.Millisecond)
			}
			return
		}
		hits.Add(1)
		select {
		case <-r.Context().Done():
		case <-time.After(time.Second):
		}
	}))
	defer srv.Close()
	rc, err := New(API{Name: "acme"}, srv.URL, []Option{WithAttemptTimeout(150 * time.Millisecond),
		WithRetry(retry.Policy{MaxAttempts: 2, BaseDelay: time.Millisecond})})
	if err != nil {
		t.Fatal(err)
	}
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		hits.Store(0)
		op := &transport.Operation{ID: "hang" + method, Method: method, PathTemplate: "/hang", Idempotent: transport.MethodIdempotent(method)}
		r := rc.NewRequest(context.Background(), op, nil)
		if method == http.MethodPost {
			r.JSON("application/json", map[string]int{"n": 1})
		}
		start := time.Now()
		err := rc.Do(r, nil)
		var ate *AttemptTimeoutError
		if !errors.As(err, &ate) || !strings.Contains(err.Error(), op.ID) {
			t.Errorf("%s: err = %v, want an AttemptTimeoutError naming the operation", method, err)
		}
		if d := time.Since(start); d > 4*time.Second {
			t.Errorf("%s: took %s", method, d)
		}
		want := int32(2)
		if method == http.MethodPost {
			want = 1
		}
		if got := hits.Load(); got != want {
			t.Errorf("%s: %d attempts reached the server, want %d", method, got, want)
		}
	}
	var out string
	op := &transport.Operation{ID: "slow", Method: http.MethodGet, PathTemplate: "/slow-body"}
	if err := rc.Do(rc.NewRequest(context.Background(), op, nil), &out); err != nil || strings.Count(out, "chunk") != 6 {
		t.Errorf("slow body: %q, %v", out, err)
	}
}

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

	"github.com/apigen-go/apigen/runtime/transport"
)

// The API client never resends a body to another host, and never carries
// cookies there; a bodiless redirect elsewhere is still followed.
func TestAPIRedirectPolicy(t *testing.T) {
	var bodies atomic.Int32
	var cookie atomic.Value
	cookie.Store("")
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if b, _ := io.ReadAll(r.Body); len(b) > 0 {
			bodies.Add(1)
		}
		cookie.Store(r.Header.Get("Cookie"))
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code := http.StatusTemporaryRedirect
		if r.Method == http.MethodGet {
			code = http.StatusFound
		}
		http.Redirect(w, r, other.URL+"/landing", code)
	}))
	defer srv.Close()
	rc, err := New(API{Name: "acme"}, srv.URL, []Option{WithoutRetry()})
	if err != nil {
		t.Fatal(err)
	}

	post := &transport.Operation{ID: "createThing", Method: http.MethodPost, PathTemplate: "/things"}
	r := rc.NewRequest(context.Background(), post, nil)
	r.JSON("application/json", map[string]string{"password": "hunter2-secret"})
	err = rc.Do(r, nil)
	if !errors.Is(err, ErrRedirectRefused) {
		t.Errorf("POST redirected elsewhere: err = %v, want ErrRedirectRefused", err)
	}
	if n := bodies.Load(); n != 0 {
		t.Fatalf("the other host received %d request bodies", n)
	}

	get := &transport.Operation{ID: "getThing", Method: http.MethodGet, PathTemplate: "/things"}
	r = rc.NewRequest(context.Background(), get, nil)
	r.Cookie("session", "cookie-secret")
	var out map[string]bool
	if err := rc.Do(r, &out); err != nil || !out["ok"] {
		t.Fatalf("GET redirected elsewhere: %v, %v", out, err)
	}
	if c := cookie.Load().(string); strings.Contains(c, "cookie-secret") {
		t.Errorf("the other host received the cookie %q", c)
	}
}

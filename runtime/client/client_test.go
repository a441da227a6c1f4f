package client

import (
	"context"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apigen-go/apigen/runtime/transport"
)

var testAPI = API{
	Name:           "acme",
	ServerTemplate: "https://{region}.acme.test/{version}",
	ServerDefaults: map[string]string{"region": "eu", "version": "v1"},
}

func TestServerURL(t *testing.T) {
	for _, tc := range []struct {
		url  string
		opts []Option
		want string
	}{
		{"", nil, "https://eu.acme.test/v1"},
		{"", []Option{WithServerVariables(map[string]string{"region": "us"})}, "https://us.acme.test/v1"},
		{"https://sandbox.acme.test/v2", nil, "https://sandbox.acme.test/v2"},
	} {
		rc, err := New(testAPI, tc.url, tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		if got := rc.BaseURL.String(); got != tc.want {
			t.Errorf("New(%q): base %s, want %s", tc.url, got, tc.want)
		}
	}
	for _, bad := range []struct {
		url  string
		opts []Option
	}{
		{"/relative", nil},
		{"", []Option{WithAuthServer("not a url")}},
	} {
		if _, err := New(testAPI, bad.url, bad.opts); err == nil || !strings.HasPrefix(err.Error(), "acme: ") {
			t.Errorf("New(%q) error = %v, want one prefixed with the package name", bad.url, err)
		}
	}
}

// Operations with their own server, and token endpoints, go to
// WithAuthServer's host; the chain puts the caller's middleware outermost
// and sets the User-Agent.
func TestAuthServerAndChain(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.URL.Path+" ua="+r.UserAgent()+" mw="+r.Header.Get("X-Mw"))
	}))
	defer srv.Close()
	var resolved string
	api := testAPI
	api.Auth = func(cfg *Config, base http.RoundTripper, resolve func(string) string) (transport.Middleware, http.RoundTripper, error) {
		resolved = resolve("https://login.acme.test/oauth/token")
		return nil, base, nil
	}
	mw := func(next http.RoundTripper) http.RoundTripper {
		return transport.RoundTripperFunc(func(r *http.Request) (*http.Response, error) {
			r = r.Clone(r.Context())
			r.Header.Set("X-Mw", "yes")
			return next.RoundTrip(r)
		})
	}
	rc, err := New(api, srv.URL+"/api", []Option{
		WithAuthServer(srv.URL + "/auth"), WithUserAgent("acme-test"), WithMiddleware(mw),
		OptionFunc(func(c *Config) { c.Credentials = struct{}{} }),
	})
	if err != nil {
		t.Fatal(err)
	}
	if resolved != srv.URL+"/auth/oauth/token" {
		t.Errorf("token endpoint resolved to %s", resolved)
	}
	op := &transport.Operation{ID: "token", Method: "POST", PathTemplate: "/oauth/token", Server: "https://login.acme.test"}
	if err := rc.Do(rc.NewRequest(context.Background(), op, nil), nil); err != nil {
		t.Fatal(err)
	}
	if err := rc.Do(rc.NewRequest(context.Background(), &transport.Operation{ID: "list", Method: "GET", PathTemplate: "/items"}, nil), nil); err != nil {
		t.Fatal(err)
	}
	want := []string{"/auth/oauth/token ua=acme-test mw=yes", "/api/items ua=acme-test mw=yes"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// WithRootCAs makes the default transport trust a private CA.
func TestRootCAs(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	get := func(opts ...Option) error {
		rc, err := New(testAPI, srv.URL, append(opts, WithoutRetry()))
		if err != nil {
			t.Fatal(err)
		}
		return rc.Do(rc.NewRequest(context.Background(), &transport.Operation{ID: "x", Method: "GET", PathTemplate: "/"}, nil), nil)
	}
	if err := get(); err == nil {
		t.Fatal("the test server's certificate was trusted without WithRootCAs")
	}
	if err := get(WithRootCAs(pool)); err != nil {
		t.Fatalf("with WithRootCAs: %v", err)
	}
}

// WithRootCAs cannot reach into a transport that only wraps another: New
// says so instead of silently not trusting the CAs.
func TestRootCAsWithOpaqueTransport(t *testing.T) {
	opaque := transport.RoundTripperFunc(func(*http.Request) (*http.Response, error) { return nil, nil })
	_, err := New(testAPI, "", []Option{WithHTTPClient(&http.Client{Transport: opaque}), WithRootCAs(x509.NewCertPool())})
	if err == nil || !strings.Contains(err.Error(), "WithRootCAs") {
		t.Fatalf("err = %v", err)
	}
}

// Token requests share the API's base transport: the caller's, with the
// CAs set, keeping the caller's client settings.
func TestTokenHTTPClientSharesTheBase(t *testing.T) {
	tr := &http.Transport{}
	pool := x509.NewCertPool()
	var cfg *Config
	api := testAPI
	api.Auth = func(c *Config, base http.RoundTripper, _ func(string) string) (transport.Middleware, http.RoundTripper, error) {
		cfg = c
		return nil, base, nil
	}
	if _, err := New(api, "", []Option{WithHTTPClient(&http.Client{Transport: tr, Timeout: 7}), WithRootCAs(pool)}); err != nil {
		t.Fatal(err)
	}
	hc := cfg.TokenHTTPClient()
	got, ok := hc.Transport.(*http.Transport)
	if !ok || got == tr || got.TLSClientConfig == nil || got.TLSClientConfig.RootCAs != pool || hc.Timeout != 7 {
		t.Fatalf("token client = %+v", hc)
	}
}

// Operation servers follow a URL the spec does not list (a test server),
// and stay on their hosts for one it does (a sandbox).
func TestOperationServersFollowAnUnlistedURL(t *testing.T) {
	api := testAPI
	api.Servers = []string{api.ServerTemplate, "https://sandbox.acme.test/v1"}
	for _, tc := range []struct{ url, want string }{
		{"http://127.0.0.1:8080/v1", "http://127.0.0.1:8080/oauth/token"},
		{"https://US.acme.test/v2/", "https://auth.acme.test/oauth/token"},
		{"https://sandbox.acme.test/v1", "https://auth.acme.test/oauth/token"},
	} {
		rc, err := New(api, tc.url, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := "https://auth.acme.test/oauth/token"
		if rc.OperationServer != nil {
			u, err := rc.OperationServer(got)
			if err != nil {
				t.Fatal(err)
			}
			got = u.String()
		}
		if got != tc.want {
			t.Errorf("New(%q): operation server %s, want %s", tc.url, got, tc.want)
		}
	}
}

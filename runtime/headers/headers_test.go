package headers

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apigen-go/apigen/runtime/transport"
)

// capture returns a base RoundTripper that records the request it was sent.
func capture(got **http.Request) http.RoundTripper {
	return transport.RoundTripperFunc(func(req *http.Request) (*http.Response, error) {
		*got = req
		return &http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody, Request: req}, nil
	})
}

func TestUserAgent(t *testing.T) {
	var got *http.Request
	rt := transport.Chain(capture(&got), UserAgent("apigen-raynet/1.2.3"))

	req, _ := http.NewRequest(http.MethodGet, "https://api.example.com/x", nil)
	if _, err := rt.RoundTrip(req); err != nil {
		t.Fatal(err)
	}
	if ua := got.Header.Get("User-Agent"); ua != "apigen-raynet/1.2.3" {
		t.Errorf("User-Agent = %q", ua)
	}
	if _, set := req.Header["User-Agent"]; set || got == req {
		t.Errorf("the caller's request was modified instead of cloned")
	}

	req.Header.Set("User-Agent", "mine/1.0")
	rt.RoundTrip(req)
	if ua := got.Header.Get("User-Agent"); ua != "mine/1.0" || got != req {
		t.Errorf("caller's User-Agent replaced (%q) or request cloned needlessly", ua)
	}

	// Present but empty means "send none" to net/http: keep it.
	req.Header["User-Agent"] = []string{""}
	rt.RoundTrip(req)
	if v, set := got.Header["User-Agent"]; !set || len(v) != 1 || v[0] != "" {
		t.Errorf("empty User-Agent opt-out overridden: %q", v)
	}
}

func TestUserAgentOnTheWire(t *testing.T) {
	var seen string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r.Header.Get("User-Agent")
	}))
	defer srv.Close()
	client := &http.Client{Transport: transport.Chain(nil, UserAgent("apigen/0.1 (+foxdeli)"))}
	resp, err := client.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if seen != "apigen/0.1 (+foxdeli)" {
		t.Errorf("server saw User-Agent %q", seen)
	}
}

func TestDefaults(t *testing.T) {
	h := http.Header{"Ld-Api-Version": {"20240415"}, "x-instance-name": {"acme"}}
	var got *http.Request
	rt := transport.Chain(capture(&got), Defaults(h))
	h["x-instance-name"][0] = "changed-later"

	req, _ := http.NewRequest(http.MethodGet, "https://api.example.com/x", nil)
	req.Header.Set("Ld-Api-Version", "beta")
	rt.RoundTrip(req)
	if got.Header.Get("Ld-Api-Version") != "beta" {
		t.Errorf("per-call header overridden: %q", got.Header.Get("Ld-Api-Version"))
	}
	if got.Header.Get("X-Instance-Name") != "acme" {
		t.Errorf("X-Instance-Name = %q, want the value at construction", got.Header.Get("X-Instance-Name"))
	}
	if req.Header.Get("X-Instance-Name") != "" {
		t.Errorf("caller's request modified")
	}
	got.Header.Add("X-Instance-Name", "mutated")
	rt.RoundTrip(req)
	if v := got.Header.Values("X-Instance-Name"); len(v) != 1 {
		t.Errorf("middleware's defaults shared with requests: %q", v)
	}
}

func TestMethodOverride(t *testing.T) {
	var got *http.Request
	rt := transport.Chain(capture(&got), MethodOverride("put", http.MethodDelete))

	req, _ := http.NewRequest(http.MethodPut, "https://api.example.com/deliveries/1", strings.NewReader(`{"a":1}`))
	rt.RoundTrip(req)
	if got.Method != http.MethodPost || got.Header.Get(MethodOverrideHeader) != http.MethodPut {
		t.Errorf("PUT sent as %s with override %q", got.Method, got.Header.Get(MethodOverrideHeader))
	}
	if b, _ := io.ReadAll(got.Body); string(b) != `{"a":1}` {
		t.Errorf("body lost: %q", b)
	}
	if req.Method != http.MethodPut || req.Header.Get(MethodOverrideHeader) != "" {
		t.Errorf("caller's request modified")
	}

	req, _ = http.NewRequest(http.MethodDelete, "https://api.example.com/deliveries/1", nil)
	rt.RoundTrip(req)
	if got.Method != http.MethodPost || got.Header.Get(MethodOverrideHeader) != http.MethodDelete {
		t.Errorf("DELETE sent as %s", got.Method)
	}

	for _, m := range []string{http.MethodPatch, http.MethodGet, http.MethodPost} {
		req, _ = http.NewRequest(m, "https://api.example.com/x", nil)
		rt.RoundTrip(req)
		if got != req {
			t.Errorf("%s not listed but changed", m)
		}
	}
}

func TestMethodOverrideDefaultsAndOperation(t *testing.T) {
	var got *http.Request
	rt := transport.Chain(capture(&got), MethodOverride())
	op := &transport.Operation{ID: "patchFlag", Method: http.MethodPatch}
	for _, m := range []string{http.MethodPut, http.MethodPatch, http.MethodDelete} {
		req, _ := http.NewRequestWithContext(transport.WithOperation(t.Context(), op), m, "https://api.example.com/x", nil)
		rt.RoundTrip(req)
		if got.Method != http.MethodPost || got.Header.Get(MethodOverrideHeader) != m {
			t.Errorf("%s: sent %s / %q", m, got.Method, got.Header.Get(MethodOverrideHeader))
		}
		if transport.OperationFrom(got.Context()) != op {
			t.Errorf("%s: operation lost from the context", m)
		}
	}
}

func TestMethodOverrideOnTheWire(t *testing.T) {
	var method, override, length string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method, override = r.Method, r.Header.Get(MethodOverrideHeader)
		length = r.Header.Get("Content-Length")
		if r.ContentLength >= 0 {
			length = "known"
		}
	}))
	defer srv.Close()
	client := &http.Client{Transport: transport.Chain(nil, MethodOverride(http.MethodDelete))}
	req, _ := http.NewRequest(http.MethodDelete, srv.URL+"/parcels/9", nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if method != http.MethodPost || override != http.MethodDelete || length != "known" {
		t.Errorf("server saw %s, override %q, length %q", method, override, length)
	}
}

func TestMethodOverrideRejectsSafeMethods(t *testing.T) {
	for _, m := range []string{"GET", "head", "OPTIONS", "TRACE", "CONNECT", "POST", ""} {
		func() {
			defer func() {
				r := recover()
				if r == nil {
					t.Errorf("MethodOverride(%q) did not panic", m)
					return
				}
				if s, _ := r.(string); !strings.HasPrefix(s, "headers: ") {
					t.Errorf("panic %v lacks the package prefix", r)
				}
			}()
			MethodOverride(m)
		}()
	}
}

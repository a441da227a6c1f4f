package httpcache

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apigen-go/apigen/runtime/transport"
)

func gzipBytes(t testing.TB, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	zw.Close()
	return b.Bytes()
}

// gzipServer always answers with a gzip body when the client accepts gzip,
// and records the Accept-Encoding it saw.
func gzipServer(t *testing.T, body string, seen *string) *httptest.Server {
	t.Helper()
	compressed := gzipBytes(t, body)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*seen = r.Header.Get("Accept-Encoding")
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			io.WriteString(w, body)
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Type", "application/json")
		w.Write(compressed)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestGzipDecodesWithDefaultTransport(t *testing.T) {
	body := strings.Repeat(`{"parcel":"label"}`, 200)
	var seen string
	srv := gzipServer(t, body, &seen)
	rt := &GzipTransport{}
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != body {
		t.Errorf("body = %q..., want the decoded JSON", got[:min(len(got), 40)])
	}
	if seen != "gzip" {
		t.Errorf("server saw Accept-Encoding %q, want gzip", seen)
	}
	if resp.Header.Get("Content-Encoding") != "" || resp.Header.Get("Content-Length") != "" ||
		resp.ContentLength != -1 || !resp.Uncompressed {
		t.Errorf("decoded response headers = %v, ContentLength %d, Uncompressed %v",
			resp.Header, resp.ContentLength, resp.Uncompressed)
	}
	if req.Header.Get("Accept-Encoding") != "" {
		t.Errorf("the caller's request was modified")
	}
}

// A base that does no decoding of its own (a test double, a custom client)
// hands the gzip bytes up; the middleware must decode them.
func TestGzipDecodesForCustomBase(t *testing.T) {
	compressed := gzipBytes(t, "hello, world")
	var seen string
	base := transport.RoundTripperFunc(func(req *http.Request) (*http.Response, error) {
		seen = req.Header.Get("Accept-Encoding")
		return &http.Response{
			StatusCode:    200,
			Header:        http.Header{"Content-Encoding": {"gzip"}, "Content-Length": {"99"}},
			Body:          io.NopCloser(bytes.NewReader(compressed)),
			ContentLength: int64(len(compressed)),
			Request:       req,
		}, nil
	})
	resp, err := transport.Chain(base, Gzip()).RoundTrip(mustGet(t, "https://api.example.com/x"))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(got) != "hello, world" || seen != "gzip" {
		t.Errorf("body %q, Accept-Encoding sent %q", got, seen)
	}
}

// A caller that set Accept-Encoding itself still gets a decoded body, where
// plain http.Transport would hand it the compressed bytes.
func TestGzipDecodesWhenCallerSetAcceptEncoding(t *testing.T) {
	var seen string
	srv := gzipServer(t, "caller asked", &seen)
	req := mustGet(t, srv.URL)
	req.Header.Set("Accept-Encoding", "gzip, deflate")
	resp, err := (&GzipTransport{Base: &http.Transport{}}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(got) != "caller asked" {
		t.Errorf("body = %q", got)
	}
	if seen != "gzip, deflate" {
		t.Errorf("the caller's Accept-Encoding was replaced: %q", seen)
	}
}

func TestGzipIdentityAndExplicitEmpty(t *testing.T) {
	var seen string
	srv := gzipServer(t, "plain", &seen)
	req := mustGet(t, srv.URL)
	req.Header.Set("Accept-Encoding", "identity")
	resp, err := (&GzipTransport{}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(got) != "plain" || seen != "identity" || resp.Uncompressed {
		t.Errorf("body %q, seen %q, Uncompressed %v", got, seen, resp.Uncompressed)
	}
}

func TestGzipLeavesRangeRequestsAlone(t *testing.T) {
	var seen http.Header
	base := transport.RoundTripperFunc(func(req *http.Request) (*http.Response, error) {
		seen = req.Header
		return &http.Response{StatusCode: 206, Header: http.Header{}, Body: http.NoBody, Request: req}, nil
	})
	req := mustGet(t, "https://api.example.com/label.pdf")
	req.Header.Set("Range", "bytes=0-99")
	if _, err := (&GzipTransport{Base: base}).RoundTrip(req); err != nil {
		t.Fatal(err)
	}
	if seen.Get("Accept-Encoding") != "" {
		t.Errorf("Accept-Encoding added to a range request")
	}
}

func TestGzipPassesBodilessResponses(t *testing.T) {
	for _, tc := range []struct {
		method string
		status int
	}{{http.MethodHead, 200}, {http.MethodGet, 304}, {http.MethodDelete, 204}} {
		base := transport.RoundTripperFunc(func(req *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: tc.status, Header: http.Header{"Content-Encoding": {"gzip"}},
				Body: http.NoBody, Request: req}, nil
		})
		req, _ := http.NewRequest(tc.method, "https://api.example.com/x", nil)
		resp, err := (&GzipTransport{Base: base}).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Body != http.NoBody || resp.Uncompressed {
			t.Errorf("%s %d: body was wrapped", tc.method, tc.status)
		}
	}
}

func TestGzipStackedEncodingUntouched(t *testing.T) {
	raw := []byte("not decodable here")
	base := transport.RoundTripperFunc(func(req *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Encoding": {"gzip, br"}},
			Body: io.NopCloser(bytes.NewReader(raw)), ContentLength: -1, Request: req}, nil
	})
	resp, _ := (&GzipTransport{Base: base}).RoundTrip(mustGet(t, "https://api.example.com/x"))
	got, _ := io.ReadAll(resp.Body)
	if !bytes.Equal(got, raw) || resp.Header.Get("Content-Encoding") != "gzip, br" {
		t.Errorf("stacked coding was altered: %q %v", got, resp.Header)
	}
}

func TestGzipCorruptBody(t *testing.T) {
	good := gzipBytes(t, strings.Repeat("abc", 1000))
	for name, body := range map[string][]byte{
		"bad header":    []byte("this is not gzip"),
		"truncated":     good[:len(good)/2],
		"bad checksum":  append(append([]byte{}, good[:len(good)-8]...), 1, 2, 3, 4, 5, 6, 7, 8),
		"empty is fine": nil,
	} {
		base := transport.RoundTripperFunc(func(req *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: 200, Header: http.Header{"Content-Encoding": {"x-gzip"}},
				Body: io.NopCloser(bytes.NewReader(body)), ContentLength: -1, Request: req}, nil
		})
		resp, err := (&GzipTransport{Base: base}).RoundTrip(mustGet(t, "https://api.example.com/x"))
		if err != nil {
			t.Fatalf("%s: RoundTrip error %v (decoding must wait for Read)", name, err)
		}
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if name == "empty is fine" {
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
			continue
		}
		if err == nil || !strings.HasPrefix(err.Error(), "httpcache: ") {
			t.Errorf("%s: err = %v, want an httpcache error", name, err)
		}
		if name == "truncated" && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%s: err = %v, want it to wrap io.ErrUnexpectedEOF", name, err)
		}
	}
}

func TestGzipCloseClosesUnderlying(t *testing.T) {
	closed := false
	base := transport.RoundTripperFunc(func(req *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Encoding": {"gzip"}},
			Body: closeTracker{Reader: bytes.NewReader(gzipBytes(t, "x")), closed: &closed}, ContentLength: -1, Request: req}, nil
	})
	resp, _ := (&GzipTransport{Base: base}).RoundTrip(mustGet(t, "https://api.example.com/x"))
	resp.Body.Close()
	if !closed {
		t.Errorf("Close did not reach the underlying body")
	}
}

type closeTracker struct {
	io.Reader
	closed *bool
}

func (c closeTracker) Close() error { *c.closed = true; return nil }

func mustGet(t testing.TB, u string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

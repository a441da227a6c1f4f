package rest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/apierror"
	"github.com/apigen-go/apigen/runtime/opt"
	"github.com/apigen-go/apigen/runtime/transport"
)

type pet struct {
	ID   int64           `json:"id"`
	Name string          `json:"name"`
	Tag  opt.Opt[string] `json:"tag,omitzero"`
}

type errorModel struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// server starts an httptest server and a Client on base path /api/v2
// whose chain records every request it sees.
type server struct {
	*httptest.Server
	client   *Client
	requests atomic.Int32
	mu       sync.Mutex
	seen     []*http.Request // as the middleware saw them
}

func newServer(t *testing.T, h http.HandlerFunc, mw ...transport.Middleware) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		h(w, r)
	}))
	t.Cleanup(s.Close)
	record := func(next http.RoundTripper) http.RoundTripper {
		return transport.RoundTripperFunc(func(r *http.Request) (*http.Response, error) {
			s.mu.Lock()
			s.seen = append(s.seen, r)
			s.mu.Unlock()
			return next.RoundTrip(r)
		})
	}
	u, _ := url.Parse(s.URL + "/api/v2")
	s.client = &Client{
		BaseURL: u,
		HTTP:    &http.Client{Transport: transport.Chain(s.Client().Transport, append([]transport.Middleware{record}, mw...)...)},
	}
	return s
}

func (s *server) last() *http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.seen) == 0 {
		return nil
	}
	return s.seen[len(s.seen)-1]
}

func TestDoJSON(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v2/pets/42" || r.URL.RawQuery != "fields=id,name&limit=10" {
			http.Error(w, "wrong URL "+r.URL.String(), 400)
			return
		}
		if r.Header.Get("Accept") != "application/json" || r.Header.Get("X-Tenant") != "t1" {
			http.Error(w, "wrong headers", 400)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		fmt.Fprint(w, `{"id":42,"name":"Rex","tag":"dog","unknown":true}`)
	})
	getPet := &transport.Operation{ID: "getPet", Method: "GET", PathTemplate: "/pets/{petId}", Idempotent: true}
	r := s.client.NewRequest(context.Background(), getPet, nil)
	r.Path("petId", int64(42), Simple, false)
	r.Query("fields", []string{"id", "name"}, Form, false)
	r.Query("limit", opt.Some(10), Form, true)
	r.Query("offset", opt.Opt[int]{}, Form, true)
	r.Header("X-Tenant", "t1")
	var out pet
	if err := s.client.Do(r, &out); err != nil {
		t.Fatal(err)
	}
	if out != (pet{ID: 42, Name: "Rex", Tag: opt.Some("dog")}) {
		t.Errorf("out = %+v", out)
	}
	if got := transport.OperationFrom(s.last().Context()); got != getPet {
		t.Errorf("operation in context = %v", got)
	}
}

func TestDoResponseContentTypes(t *testing.T) {
	type result struct {
		A int `json:"a"`
	}
	tests := []struct {
		name    string
		status  int
		ct      string
		body    string
		out     func() any
		want    any
		wantErr string
	}{
		{"json", 200, "application/json", `{"a":1}`, func() any { return new(result) }, &result{1}, ""},
		{"problem+json", 200, "application/problem+json", `{"a":2}`, func() any { return new(result) }, &result{2}, ""},
		{"vendor +json with params", 201, "application/vnd.api+json; charset=utf-8", `{"a":3}`, func() any { return new(result) }, &result{3}, ""},
		{"text/json", 200, "text/json", `{"a":4}`, func() any { return new(result) }, &result{4}, ""},
		{"no content type, JSON body", 200, "", ` {"a":5}`, func() any { return new(result) }, &result{5}, ""},
		{"no content type, array", 200, "", `[1,2]`, func() any { return new([]int) }, &[]int{1, 2}, ""},
		{"no content type, not JSON", 200, "", `hello`, func() any { return new(result) }, nil, `rest: testOp: decode 200 response: Content-Type "" is not JSON (body: "hello")`},
		{"text/plain JSON body", 200, "text/plain; charset=utf-8", `{"a":6}`, func() any { return new(result) }, &result{6}, ""},
		{"text/plain text body", 200, "text/plain", `nope`, func() any { return new(result) }, nil, `rest: testOp: decode 200 response: Content-Type "text/plain" is not JSON (body: "nope")`},
		{"no content type, JSON string into *string stays raw", 200, "", `"q"`, func() any { return new(string) }, ptr(`"q"`), ""},
		{"html into struct", 200, "text/html; charset=utf-8", `<html>`, func() any { return new(result) }, nil, `rest: testOp: decode 200 response: Content-Type "text/html" is not JSON (body: "<html>")`},
		{"malformed JSON", 200, "application/json", `{"a":`, func() any { return new(result) }, nil, `rest: testOp: decode 200 response: unexpected end of JSON input (body: "{\"a\":")`},
		{"wrong JSON type", 200, "application/json", `{"a":"x"}`, func() any { return new(result) }, nil, "rest: testOp: decode 200 response: json: cannot unmarshal"},
		{"text into *string", 200, "text/plain; charset=utf-8", "plain text\n", func() any { return new(string) }, ptr("plain text\n"), ""},
		{"csv into *string", 200, "text/csv", "a,b\n1,2\n", func() any { return new(string) }, ptr("a,b\n1,2\n"), ""},
		{"JSON string into *string", 200, "application/json", `"quoted \u00e9"`, func() any { return new(string) }, ptr("quoted é"), ""},
		{"JSON object into *string is kept raw", 200, "application/json", `{"a":1}`, func() any { return new(string) }, ptr(`{"a":1}`), ""},
		{"raw bytes", 200, "application/octet-stream", "\x00\x01", func() any { return new([]byte) }, ptr([]byte{0, 1}), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				if tt.ct != "" {
					w.Header().Set("Content-Type", tt.ct)
				} else {
					w.Header()["Content-Type"] = nil // suppress sniffing
				}
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			})
			out := tt.out()
			err := s.client.Do(s.client.NewRequest(context.Background(), op("GET", "/x"), nil), out)
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want prefix %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(out, tt.want) {
				t.Errorf("out = %#v, want %#v", out, tt.want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestDoEmptyResponses(t *testing.T) {
	tests := []struct {
		name   string
		status int
		ct     string
		body   string
	}{
		{"204", 204, "", ""},
		{"205", 205, "application/json", ""},
		{"202 empty chunked", 202, "application/json", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				if tt.ct != "" {
					w.Header().Set("Content-Type", tt.ct)
				}
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
				if f, ok := w.(http.Flusher); ok && tt.status == 202 {
					f.Flush()
				}
			})
			out := pet{ID: 7, Name: "keep"}
			if err := s.client.Do(s.client.NewRequest(context.Background(), op("DELETE", "/pets/7"), nil), &out); err != nil {
				t.Fatal(err)
			}
			if out != (pet{ID: 7, Name: "keep"}) {
				t.Errorf("out changed: %+v", out)
			}
			str := "keep"
			if err := s.client.Do(s.client.NewRequest(context.Background(), op("DELETE", "/pets/7"), nil), &str); err != nil || str != "keep" {
				t.Errorf("*string: %q, %v", str, err)
			}
			if err := s.client.Do(s.client.NewRequest(context.Background(), op("DELETE", "/pets/7"), nil), nil); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestDoAPIError(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "req-123")
		w.Header().Set("Set-Cookie", "sid=SECRETCOOKIE")
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"error":{"code":"pet_not_found","message":"No pet with id 42","fields":[{"name":"petId","msg":"unknown id","value":42}]}}`)
	})
	s.client.Envelope = &apierror.Envelope{
		Code: "error.code", Message: "error.message", FieldErrors: "error.fields",
		FieldName: "name", FieldMessage: "msg", Value: "value",
	}
	getPet := &transport.Operation{ID: "getPet", Method: "GET", PathTemplate: "/pets/{petId}"}
	r := s.client.NewRequest(context.Background(), getPet, []RequestOption{WithQuery("api_key", "SECRETKEY")})
	r.Path("petId", 42, Simple, false)
	r.ErrorModel(func(status int) any {
		if status == 404 {
			return new(errorModel)
		}
		return nil
	})
	var out pet
	err := s.client.Do(r, &out)
	wrapped := fmt.Errorf("service: %w", fmt.Errorf("lookup: %w", err))

	var apiErr *apierror.APIError
	if !errors.As(wrapped, &apiErr) {
		t.Fatalf("errors.As failed on %T: %v", err, err)
	}
	if apiErr.StatusCode != 404 || apiErr.Code != "pet_not_found" || apiErr.Message != "No pet with id 42" {
		t.Errorf("status/code/message = %d %q %q", apiErr.StatusCode, apiErr.Code, apiErr.Message)
	}
	if len(apiErr.FieldErrors) != 1 || apiErr.FieldErrors[0].Field != "petId" || apiErr.FieldErrors[0].Message != "unknown id" ||
		fmt.Sprint(apiErr.FieldErrors[0].Value) != "42" {
		t.Errorf("field errors = %#v", apiErr.FieldErrors)
	}
	if apiErr.RequestID != "req-123" || apiErr.Operation != "getPet" || apiErr.Method != "GET" {
		t.Errorf("request id/op/method = %q %q %q", apiErr.RequestID, apiErr.Operation, apiErr.Method)
	}
	if apiErr.URL != s.URL+"/api/v2/pets/42" {
		t.Errorf("URL = %q", apiErr.URL)
	}
	m, ok := apiErr.Model.(*errorModel)
	if !ok || m.Error.Code != "pet_not_found" {
		t.Errorf("Model = %#v", apiErr.Model)
	}
	if !strings.Contains(string(apiErr.Body), "pet_not_found") {
		t.Errorf("Body = %q", apiErr.Body)
	}
	msg := wrapped.Error()
	want := "service: lookup: getPet: GET " + s.URL + "/api/v2/pets/42: 404 pet_not_found: No pet with id 42 (petId: unknown id)"
	if msg != want {
		t.Errorf("Error() =\n %s\nwant\n %s", msg, want)
	}
	if strings.Contains(msg, "SECRET") || strings.Contains(fmt.Sprint(apiErr.Header), "SECRETCOOKIE") {
		t.Errorf("secret leaked: %s / %v", msg, apiErr.Header)
	}
	if out != (pet{}) {
		t.Errorf("out written on error: %+v", out)
	}
}

func TestErrorWithoutModelOrEnvelope(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(503)
		io.WriteString(w, strings.Repeat("x", apierror.MaxBody+5000))
	})
	err := s.client.Do(s.client.NewRequest(context.Background(), nil, nil), nil)
	var apiErr *apierror.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 {
		t.Fatalf("err = %v", err)
	}
	if len(apiErr.Body) != apierror.MaxBody || apiErr.Model != nil || apiErr.Operation != "" {
		t.Errorf("len(Body) = %d, Model = %v, Operation = %q", len(apiErr.Body), apiErr.Model, apiErr.Operation)
	}
	if apiErr.URL != s.URL+"/api/v2" {
		t.Errorf("URL = %q", apiErr.URL)
	}
}

// trackedBody records reads and Close.
type trackedBody struct {
	r      io.Reader
	read   int64
	closed atomic.Bool
}

func (b *trackedBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.read += int64(n)
	return n, err
}

func (b *trackedBody) Close() error { b.closed.Store(true); return nil }

type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

func TestBodiesAlwaysClosed(t *testing.T) {
	tests := []struct {
		name   string
		status int
		ct     string
		body   io.Reader
		call   func(c *Client, r *Request) error
	}{
		{"success decoded", 200, "application/json", strings.NewReader(`{"id":1}`), func(c *Client, r *Request) error { return c.Do(r, new(pet)) }},
		{"success discarded", 200, "application/json", strings.NewReader(`{"id":1}`), func(c *Client, r *Request) error { return c.Do(r, nil) }},
		{"decode error", 200, "application/json", strings.NewReader(`{`), func(c *Client, r *Request) error { c.Do(r, new(pet)); return nil }},
		{"api error", 500, "application/json", strings.NewReader(`{}`), func(c *Client, r *Request) error { c.Do(r, nil); return nil }},
		{"DoResponse unread", 200, "application/json", strings.NewReader(`{"id":1}`), func(c *Client, r *Request) error {
			return c.DoResponse(r, func(*http.Response) error { return nil })
		}},
		{"DoResponse error", 200, "application/json", strings.NewReader(`{"id":1}`), func(c *Client, r *Request) error {
			c.DoResponse(r, func(*http.Response) error { return errors.New("x") })
			return nil
		}},
		{"endless body discarded, bounded", 200, "application/json", endless{}, func(c *Client, r *Request) error { return c.Do(r, nil) }},
		{"endless error body, bounded", 500, "text/plain", endless{}, func(c *Client, r *Request) error { c.Do(r, nil); return nil }},
		{"download error", 404, "application/json", strings.NewReader(`{}`), func(c *Client, r *Request) error { c.DoDownload(r); return nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := &trackedBody{r: tt.body}
			c := &Client{BaseURL: &url.URL{Scheme: "https", Host: "h"}, HTTP: doerFunc(func(req *http.Request) (*http.Response, error) {
				return &http.Response{StatusCode: tt.status, Header: http.Header{"Content-Type": {tt.ct}}, Body: body, ContentLength: -1, Request: req}, nil
			})}
			if err := tt.call(c, c.NewRequest(context.Background(), op("GET", "/x"), nil)); err != nil {
				t.Fatal(err)
			}
			if !body.closed.Load() {
				t.Error("body not closed")
			}
			if body.read > apierror.MaxBody+maxDrain+64<<10 {
				t.Errorf("read %d bytes of an endless body", body.read)
			}
		})
	}
}

func TestDoResponseAndDecodeJSON(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(202)
		io.WriteString(w, `{"id":9,"name":"queued"}`)
	})
	var status int
	var got pet
	err := s.client.DoResponse(s.client.NewRequest(context.Background(), op("POST", "/jobs"), nil), func(resp *http.Response) error {
		status = resp.StatusCode
		return DecodeJSON(resp, &got)
	})
	if err != nil || status != 202 || got.ID != 9 {
		t.Errorf("status %d, got %+v, err %v", status, got, err)
	}
	if err := s.client.DoResponse(s.client.NewRequest(context.Background(), op("POST", "/jobs"), nil), nil); err != nil {
		t.Error(err)
	}
}

func TestDoDownload(t *testing.T) {
	tests := []struct {
		disposition, want string
	}{
		{`attachment; filename="report.pdf"`, "report.pdf"},
		{`attachment; filename*=UTF-8''na%C3%AFve%20file.txt`, "naïve file.txt"},
		{`attachment; filename="../../etc/passwd"`, "passwd"},
		{`attachment; filename="C:\\temp\\x.bin"`, "x.bin"},
		{`attachment`, ""},
		{``, ""},
		{`garbage;;=`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.disposition, func(t *testing.T) {
			s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/pdf")
				if tt.disposition != "" {
					w.Header().Set("Content-Disposition", tt.disposition)
				}
				io.WriteString(w, "%PDF-data")
			})
			d, err := s.client.DoDownload(s.client.NewRequest(context.Background(), op("GET", "/files/1"), nil))
			if err != nil {
				t.Fatal(err)
			}
			defer d.Body.Close()
			b, _ := io.ReadAll(d.Body)
			if string(b) != "%PDF-data" || d.Filename != tt.want || d.ContentType != "application/pdf" || d.Size != 9 {
				t.Errorf("got body %q, filename %q, type %q, size %d", b, d.Filename, d.ContentType, d.Size)
			}
		})
	}
}

func TestDoDownloadUnknownSizeAndError(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v2/missing" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(404)
			io.WriteString(w, `{"message":"no such file"}`)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.WriteHeader(200)
		w.(http.Flusher).Flush() // chunked: length unknown
		io.WriteString(w, "chunk")
	})
	d, err := s.client.DoDownload(s.client.NewRequest(context.Background(), op("GET", "/stream"), nil))
	if err != nil {
		t.Fatal(err)
	}
	if d.Size != -1 {
		t.Errorf("Size = %d, want -1", d.Size)
	}
	d.Body.Close()
	_, err = s.client.DoDownload(s.client.NewRequest(context.Background(), op("GET", "/missing"), nil))
	var apiErr *apierror.APIError
	if !errors.As(err, &apiErr) || apiErr.Message != "no such file" {
		t.Errorf("err = %v", err)
	}
}

func TestDoDownloadTimeoutReleasedOnClose(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "data")
	})
	d, err := s.client.DoDownload(s.client.NewRequest(context.Background(), op("GET", "/f"), []RequestOption{WithTimeout(time.Minute)}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := s.last().Context()
	if _, ok := ctx.Deadline(); !ok {
		t.Error("no deadline on the request context")
	}
	if ctx.Err() != nil {
		t.Fatalf("context ended before the body was read: %v", ctx.Err())
	}
	b, err := io.ReadAll(d.Body)
	if err != nil || string(b) != "data" {
		t.Fatalf("body %q, %v", b, err)
	}
	if err := d.Body.Close(); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(ctx.Err(), context.Canceled) {
		t.Errorf("context after Close: %v", ctx.Err())
	}
	d.Body.Close() // idempotent
}

func TestNext(t *testing.T) {
	var gotURI atomic.Value
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		gotURI.Store(r.URL.RequestURI())
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":1,"name":"next"}`)
	})
	host := strings.TrimPrefix(s.URL, "http://")
	tests := []struct {
		href, want string
	}{
		{"/api/v2/pets?page=2", "/api/v2/pets?page=2"},
		{"/api/v2", "/api/v2"},
		{"/pets?page=2", "/api/v2/pets?page=2"},
		{"/api/v2x/pets", "/api/v2/api/v2x/pets"},
		{"pets?page=2", "/api/v2/pets?page=2"},
		{"./pets/../owners?x=1", "/api/v2/owners?x=1"},
		{"?page=3", "/api/v2?page=3"},
		{s.URL + "/api/v2/pets?cursor=abc%3D%3D", "/api/v2/pets?cursor=abc%3D%3D"},
		{"//" + host + "/api/v2/pets?cursor=x", "/api/v2/pets?cursor=x"},
		{s.URL + "/api/v2/pets?cursor=a#frag", "/api/v2/pets?cursor=a"},
	}
	listPets := &transport.Operation{ID: "listPets", Method: "GET", PathTemplate: "/pets"}
	for _, tt := range tests {
		t.Run(tt.href, func(t *testing.T) {
			var out pet
			if err := s.client.Next(context.Background(), listPets, tt.href, &out, nil); err != nil {
				t.Fatal(err)
			}
			if got := gotURI.Load(); got != tt.want {
				t.Errorf("requested %q, want %q", got, tt.want)
			}
			if out.Name != "next" {
				t.Errorf("out = %+v", out)
			}
			if transport.OperationFrom(s.last().Context()) != listPets {
				t.Error("operation not attached")
			}
		})
	}
	// Options apply to Next.
	if err := s.client.Next(context.Background(), listPets, "/pets?page=2", nil, []RequestOption{WithQuery("limit", "5")}); err != nil {
		t.Fatal(err)
	}
	if got := gotURI.Load(); got != "/api/v2/pets?page=2&limit=5" {
		t.Errorf("requested %q", got)
	}
	// Links elsewhere are refused before any I/O.
	before := s.requests.Load()
	for _, href := range []string{"https://evil.example.com/api/v2/pets", "//evil.example.com/x", "", "http://[::1"} {
		if err := s.client.Next(context.Background(), listPets, href, nil, nil); err == nil {
			t.Errorf("Next(%q) succeeded", href)
		} else if !strings.HasPrefix(err.Error(), "rest: ") {
			t.Errorf("Next(%q) error %q lacks the package prefix", href, err)
		}
	}
	if s.requests.Load() != before {
		t.Error("refused links reached the server")
	}
}

func TestResolveLinkHTTPS(t *testing.T) {
	c := testClient(t, "https://api.example.com/v1")
	for href, want := range map[string]string{
		"https://API.example.com/v1/items?after=x": "https://API.example.com/v1/items?after=x",
		"/v1/items?after=y":                        "https://api.example.com/v1/items?after=y",
		"http://api.example.com/v1/items":          "error",
		"https://api.example.com:444/v1/items":     "error",
	} {
		u, err := c.resolveLink(href)
		switch {
		case want == "error" && err == nil:
			t.Errorf("%s: resolved to %s, want error", href, u)
		case want != "error" && (err != nil || u.String() != want):
			t.Errorf("%s: %v, %v; want %s", href, u, err, want)
		}
	}
}

func TestRequestOptions(t *testing.T) {
	var seenKey, seenHeader, seenOpt string
	var idempotent bool
	mw := func(next http.RoundTripper) http.RoundTripper {
		return transport.RoundTripperFunc(func(r *http.Request) (*http.Response, error) {
			seenKey = transport.IdempotencyKeyFrom(r.Context())
			seenHeader = r.Header.Get("Idempotency-Key")
			seenOpt = r.Header.Get("X-Extra")
			idempotent = transport.Idempotent(r)
			return next.RoundTrip(r)
		})
	}
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(201) }, mw)
	createPet := &transport.Operation{ID: "createPet", Method: "POST", PathTemplate: "/pets"}
	r := s.client.NewRequest(context.Background(), createPet, []RequestOption{
		WithIdempotencyKey("key-1"), WithHeader("X-Extra", "yes"), nil, WithIdempotencyKey(""),
	})
	r.JSON("", pet{Name: "Rex"})
	if err := s.client.Do(r, nil); err != nil {
		t.Fatal(err)
	}
	if seenKey != "key-1" || seenHeader != "key-1" || seenOpt != "yes" || !idempotent {
		t.Errorf("middleware saw key %q header %q extra %q idempotent %v", seenKey, seenHeader, seenOpt, idempotent)
	}
	// Without a key, POST is not idempotent.
	r = s.client.NewRequest(context.Background(), createPet, nil)
	if err := s.client.Do(r, nil); err != nil {
		t.Fatal(err)
	}
	if idempotent || seenKey != "" {
		t.Errorf("idempotent %v key %q", idempotent, seenKey)
	}
}

// TestIdempotencyKeyPerRequest: one WithIdempotencyKey value used for
// several requests (an iterator's pages) gives each its own key, derived
// from the caller's, in header and context alike; a fresh option value
// starts again from the key as given.
func TestIdempotencyKeyPerRequest(t *testing.T) {
	var headers, marks []string
	mw := func(next http.RoundTripper) http.RoundTripper {
		return transport.RoundTripperFunc(func(r *http.Request) (*http.Response, error) {
			headers = append(headers, r.Header.Get("Idempotency-Key"))
			marks = append(marks, transport.IdempotencyKeyFrom(r.Context()))
			return next.RoundTrip(r)
		})
	}
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {}, mw)
	list := op("GET", "/pets")
	opts := []RequestOption{WithIdempotencyKey("walk")}
	for range 3 {
		if err := s.client.Do(s.client.NewRequest(context.Background(), list, opts), nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.client.Do(s.client.NewRequest(context.Background(), list, []RequestOption{WithIdempotencyKey("walk")}), nil); err != nil {
		t.Fatal(err)
	}
	want := []string{"walk", "walk-2", "walk-3", "walk"}
	if !slices.Equal(headers, want) || !slices.Equal(marks, want) {
		t.Errorf("keys sent %v, marked %v; want %v", headers, marks, want)
	}
}

func TestWithTimeout(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		case <-time.After(5 * time.Second):
		}
	})
	start := time.Now()
	r := s.client.NewRequest(context.Background(), op("GET", "/slow"), []RequestOption{WithTimeout(50 * time.Millisecond), WithQuery("api_key", "SECRET")})
	err := s.client.Do(r, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v", d)
	}
	if strings.Contains(err.Error(), "SECRET") || !strings.HasPrefix(err.Error(), "rest: testOp: ") {
		t.Errorf("error message %q", err)
	}
	var ue *url.Error
	if !errors.As(err, &ue) || !ue.Timeout() {
		t.Errorf("url.Error not reachable or not a timeout: %v", err)
	}
	// The deadline also ends the call for a successful request once done.
	s2 := newServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{}`) })
	if err := s2.client.Do(s2.client.NewRequest(context.Background(), op("GET", "/fast"), []RequestOption{WithTimeout(time.Minute)}), &pet{}); err != nil {
		t.Fatal(err)
	}
	if ctx := s2.last().Context(); !errors.Is(ctx.Err(), context.Canceled) {
		t.Errorf("timeout context not released after Do: %v", ctx.Err())
	}
}

func TestTransportErrorRedactsQuery(t *testing.T) {
	cause := errors.New("connection refused")
	tests := []struct {
		name string
		err  error
	}{
		{"url.Error", &url.Error{Op: "Get", URL: "https://h/x?api_key=SECRET", Err: cause}},
		{"wrapped url.Error", fmt.Errorf("doer: %w", &url.Error{Op: "Get", URL: "https://h/x?api_key=SECRET", Err: cause})},
		{"plain", cause},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Client{BaseURL: &url.URL{Scheme: "https", Host: "h"}, HTTP: doerFunc(func(*http.Request) (*http.Response, error) { return nil, tt.err })}
			err := c.Do(c.NewRequest(context.Background(), op("GET", "/x"), nil), nil)
			if err == nil || strings.Contains(err.Error(), "SECRET") || !errors.Is(err, cause) {
				t.Errorf("err = %v", err)
			}
			if !strings.HasPrefix(err.Error(), "rest: testOp: ") {
				t.Errorf("err = %q", err)
			}
		})
	}
	// A real dial failure.
	s := httptest.NewServer(http.NotFoundHandler())
	base, _ := url.Parse(s.URL)
	s.Close()
	c := &Client{BaseURL: base}
	err := c.Do(c.NewRequest(context.Background(), op("GET", "/x"), []RequestOption{WithQuery("token", "SECRET")}), nil)
	if err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("err = %v", err)
	}
}

func TestEncodingErrorBeforeIO(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {})
	r := s.client.NewRequest(context.Background(), op("GET", "/pets/{petId}"), nil)
	r.Path("petId", "", Simple, false)
	err := s.client.Do(r, nil)
	if err == nil || err.Error() != `rest: path parameter "petId" is empty` {
		t.Errorf("err = %v", err)
	}
	_, err = s.client.DoDownload(r)
	if err == nil {
		t.Error("DoDownload sent a bad request")
	}
	if err := s.client.DoResponse(r, nil); err == nil {
		t.Error("DoResponse sent a bad request")
	}
	if n := s.requests.Load(); n != 0 {
		t.Errorf("%d requests reached the server", n)
	}
}

func TestDefaultHTTPClientAndClientHeader(t *testing.T) {
	var got http.Header
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		io.WriteString(w, "ok")
	}))
	defer s.Close()
	base, _ := url.Parse(s.URL)
	c := &Client{BaseURL: base, Header: http.Header{"Ld-Api-Version": {"20240415"}, "User-Agent": {"apigen-test/1"}}}
	var text string
	r := c.NewRequest(context.Background(), op("GET", "/"), nil)
	r.Header("User-Agent", "per-request")
	if err := c.Do(r, &text); err != nil || text != "ok" {
		t.Fatalf("%q, %v", text, err)
	}
	if got.Get("Ld-Api-Version") != "20240415" || got.Get("User-Agent") != "per-request" || got.Get("Accept") != "" {
		t.Errorf("headers = %v", got)
	}
}

func TestConcurrentUse(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":%s,"name":"n"}`, strings.TrimPrefix(r.URL.Path, "/api/v2/pets/"))
	})
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			r := s.client.NewRequest(context.Background(), op("GET", "/pets/{id}"), nil)
			r.Path("id", i, Simple, false)
			var out pet
			if err := s.client.Do(r, &out); err != nil || out.ID != int64(i) {
				t.Errorf("%d: %+v, %v", i, out, err)
			}
		})
	}
	wg.Wait()
}

func TestStyleString(t *testing.T) {
	for s, want := range map[Style]string{Form: "form", Simple: "simple", Label: "label", Matrix: "matrix",
		SpaceDelimited: "spaceDelimited", PipeDelimited: "pipeDelimited", DeepObject: "deepObject", Style(99): "Style(99)"} {
		if s.String() != want {
			t.Errorf("%d.String() = %q", s, s.String())
		}
	}
}

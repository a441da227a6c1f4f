package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/opt"
	"github.com/apigen-go/apigen/runtime/transport"
)

func op(method, tmpl string) *transport.Operation {
	return &transport.Operation{ID: "testOp", Method: method, PathTemplate: tmpl}
}

func TestBaseURLJoin(t *testing.T) {
	tests := []struct {
		base, tmpl string
		want       string
	}{
		{"https://h/api/v2", "/pets/{id}", "https://h/api/v2/pets/42"},
		{"https://h/api/v2/", "/pets/{id}", "https://h/api/v2/pets/42"},
		{"https://h/api/v2", "/company/{id}/", "https://h/api/v2/company/42/"},
		{"https://h", "/pets/{id}", "https://h/pets/42"},
		{"https://h/", "/pets/{id}", "https://h/pets/42"},
		{"https://h/api", "pets/{id}", "https://h/api/pets/42"},
		{"https://h:8443/a%20b", "/pets/{id}", "https://h:8443/a%20b/pets/42"},
		{"https://h/api?tenant=t1", "/pets/{id}", "https://h/api/pets/42?tenant=t1"},
		{"http://user:pw@h/api", "/pets/{id}", "http://user:pw@h/api/pets/42"},
		{"https://h/api#frag", "/pets/{id}", "https://h/api/pets/42"},
	}
	for _, tt := range tests {
		c := testClient(t, tt.base)
		r := c.NewRequest(context.Background(), op("GET", tt.tmpl), nil)
		r.Path("id", 42, Simple, false)
		u, err := c.buildURL(r)
		if err != nil {
			t.Errorf("%s + %s: %v", tt.base, tt.tmpl, err)
			continue
		}
		if u.String() != tt.want {
			t.Errorf("%s + %s = %s, want %s", tt.base, tt.tmpl, u, tt.want)
		}
	}
}

func TestPathParams(t *testing.T) {
	tests := []struct {
		name    string
		v       any
		want    string // escaped path
		wantErr string
	}{
		{"slash and space escaped", "a/b c", "/x/a%2Fb%20c/y", ""},
		{"reserved kept as PathEscape does", "a:b@c=d&e+$", "/x/a:b@c=d&e+$/y", ""},
		{"comma and semicolon escaped", "a,b;c?", "/x/a%2Cb%3Bc%3F/y", ""},
		{"unicode", "café", "/x/caf%C3%A9/y", ""},
		{"int64", int64(-5), "/x/-5/y", ""},
		{"uuid-like TextMarshaler", textID{3}, "/x/id-3/y", ""},
		{"time", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), "/x/2024-01-02T03:04:05Z/y", ""},
		{"slice", []int{1, 2}, "/x/1,2/y", ""},
		{"opt present", opt.Some("v"), "/x/v/y", ""},
		{"empty string", "", "", `rest: path parameter "id" is empty`},
		{"empty named string", status(""), "", `rest: path parameter "id" is empty`},
		{"empty slice", []string{}, "", `rest: path parameter "id" is empty`},
		{"nil slice", []string(nil), "", `rest: path parameter "id" is required`},
		{"absent opt", opt.Opt[string]{}, "", `rest: path parameter "id" is required`},
		{"null", opt.Null[int](), "", `rest: path parameter "id" is required`},
		{"nil pointer", (*string)(nil), "", `rest: path parameter "id" is required`},
		{"nil", nil, "", `rest: path parameter "id" is required`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testClient(t, "https://h")
			r := c.NewRequest(context.Background(), op("GET", "/x/{id}/y"), nil)
			r.Path("id", tt.v, Simple, false)
			var u *url.URL
			err := r.Err()
			if err == nil {
				u, err = c.buildURL(r)
			}
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := u.EscapedPath(); got != tt.want {
				t.Errorf("path = %q, want %q", got, tt.want)
			}
			// The decoded path agrees with the escaped one.
			if p, _ := url.PathUnescape(tt.want); u.Path != p {
				t.Errorf("Path = %q, want %q", u.Path, p)
			}
		})
	}
}

func TestPathTemplateErrors(t *testing.T) {
	c := testClient(t, "https://h")
	r := c.NewRequest(context.Background(), op("GET", "/a/{a}/b/{b}"), nil)
	r.Path("a", "1", Simple, false)
	if _, err := c.buildURL(r); err == nil || err.Error() != `rest: path parameter "b" is required` {
		t.Errorf("missing param: %v", err)
	}
	r = c.NewRequest(context.Background(), op("GET", "/a/{a"), nil)
	r.Path("a", "1", Simple, false)
	if _, err := c.buildURL(r); err == nil || !strings.Contains(err.Error(), "unterminated") {
		t.Errorf("bad template: %v", err)
	}
	r = (&Client{}).NewRequest(context.Background(), op("GET", "/a"), nil)
	if _, err := (&Client{}).buildURL(r); !errors.Is(err, errNoBaseURL) {
		t.Errorf("no base: %v", err)
	}
}

func TestHeaderAndCookieParams(t *testing.T) {
	c := testClient(t, "https://h")
	c.Header = http.Header{"Ld-Api-Version": {"20240415"}, "X-Override": {"client"}, "Cookie": {"pre=1"}}
	r := c.NewRequest(context.Background(), op("GET", "/x"), []RequestOption{WithHeader("X-Override", "option")})
	r.Header("X-Trace", "t1")
	r.Header("X-Ids", []int{1, 2, 3})
	r.Header("X-Obj", colorObject)
	r.Header("X-Time", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC))
	r.Header("X-Absent", opt.Opt[string]{})
	r.Header("X-Null", opt.Null[string]())
	r.Header("X-Override", "param")
	r.Cookie("session", "a b;c")
	r.Cookie("ids", []string{"x", "y"})
	r.Cookie("gone", opt.Opt[int]{})
	h := http.Header{}
	c.header(r, h)
	want := http.Header{
		"Ld-Api-Version": {"20240415"},
		"X-Trace":        {"t1"},
		"X-Ids":          {"1,2,3"},
		"X-Obj":          {"R,100,G,200,B,150"},
		"X-Time":         {"2024-01-02T03:04:05Z"},
		"X-Override":     {"option"},
		"Cookie":         {"pre=1; session=a%20b%3Bc; ids=x,y"},
	}
	if !reflect.DeepEqual(h, want) {
		t.Errorf("headers =\n %v\nwant\n %v", h, want)
	}
	if c.Header.Get("Cookie") != "pre=1" {
		t.Error("client header modified")
	}

	r = c.NewRequest(context.Background(), op("GET", "/x"), nil)
	r.Header("X-Bad", "a\r\nInjected: 1")
	if r.Err() == nil || !strings.Contains(r.Err().Error(), `"X-Bad"`) {
		t.Errorf("CRLF accepted: %v", r.Err())
	}
}

func TestJSONBody(t *testing.T) {
	c := testClient(t, "https://h")
	r := c.NewRequest(context.Background(), op("POST", "/x"), nil)
	r.JSON("", map[string]any{"a": 1})
	req := buildHTTPRequest(t, c, r)
	if ct := req.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	if req.ContentLength != 7 || req.GetBody == nil {
		t.Errorf("ContentLength = %d, GetBody nil = %v", req.ContentLength, req.GetBody == nil)
	}
	checkReplay(t, req, `{"a":1}`)

	r = c.NewRequest(context.Background(), op("POST", "/x"), nil)
	r.JSON("application/merge-patch+json", struct {
		A opt.Nullable[int] `json:"a,omitzero"`
		B opt.Nullable[int] `json:"b,omitzero"`
	}{A: opt.Null[int]()})
	req = buildHTTPRequest(t, c, r)
	if req.Header.Get("Content-Type") != "application/merge-patch+json" {
		t.Errorf("Content-Type = %q", req.Header.Get("Content-Type"))
	}
	checkReplay(t, req, `{"a":null}`)

	r = c.NewRequest(context.Background(), op("POST", "/x"), nil)
	r.JSON("", make(chan int))
	if r.Err() == nil || !strings.HasPrefix(r.Err().Error(), "rest: encode JSON body") {
		t.Errorf("err = %v", r.Err())
	}
}

// buildHTTPRequest runs send against a Doer that captures the request.
func buildHTTPRequest(t *testing.T, c *Client, r *Request) *http.Request {
	t.Helper()
	var got *http.Request
	cc := *c
	cc.HTTP = doerFunc(func(req *http.Request) (*http.Response, error) {
		got = req
		return &http.Response{StatusCode: 204, Body: http.NoBody, Header: http.Header{}}, nil
	})
	if err := cc.Do(r, nil); err != nil {
		t.Fatal(err)
	}
	return got
}

type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

// checkReplay reads the body and then every GetBody copy, expecting want.
func checkReplay(t *testing.T, req *http.Request, want string) {
	t.Helper()
	b, err := io.ReadAll(req.Body)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != want {
		t.Fatalf("body = %q, want %q", b, want)
	}
	if req.GetBody == nil {
		t.Fatal("GetBody is nil")
	}
	for range 2 {
		rc, err := req.GetBody()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		if string(b) != want {
			t.Fatalf("replayed body = %q, want %q", b, want)
		}
	}
	if req.ContentLength != int64(len(want)) {
		t.Errorf("ContentLength = %d, want %d", req.ContentLength, len(want))
	}
}

type price struct {
	Price    string       `json:"price"`
	Quantity opt.Opt[int] `json:"quantity,omitzero"`
}

type checkout struct {
	Customer  string               `json:"customer"`
	Items     []price              `json:"items"`
	Metadata  map[string]string    `json:"metadata"`
	Expand    []string             `json:"expand"`
	Live      bool                 `json:"livemode"`
	Amount    opt.Opt[int64]       `json:"amount,omitzero"`
	Desc      opt.Nullable[string] `json:"description,omitzero"`
	Coupon    opt.Opt[string]      `json:"coupon,omitzero"`
	Clear     []string             `json:"clear"`
	Nothing   []string             `json:"nothing,omitempty"`
	Created   time.Time            `json:"created"`
	Discounts []map[string]any     `json:"discounts"`
}

func TestFormBodyStripeStyle(t *testing.T) {
	c := testClient(t, "https://h")
	r := c.NewRequest(context.Background(), op("POST", "/v1/checkout/sessions"), nil)
	r.Form(checkout{
		Customer:  "cus_1",
		Items:     []price{{Price: "price_a", Quantity: opt.Some(2)}, {Price: "price b&c"}},
		Metadata:  map[string]string{"order_id": "6735", "a key": "x=y"},
		Expand:    []string{"customer", "line_items"},
		Live:      false,
		Amount:    opt.Some(int64(1000)),
		Desc:      opt.Null[string](),
		Clear:     []string{},
		Created:   time.Unix(1700000000, 0).UTC(),
		Discounts: []map[string]any{{"coupon": "C1"}},
	})
	req := buildHTTPRequest(t, c, r)
	want := "customer=cus_1" +
		"&items[0][price]=price_a&items[0][quantity]=2&items[1][price]=price%20b%26c" +
		"&metadata[a%20key]=x%3Dy&metadata[order_id]=6735" +
		"&expand[0]=customer&expand[1]=line_items" +
		"&livemode=false&amount=1000&description=&clear=" +
		"&created=2023-11-14T22%3A13%3A20Z" +
		"&discounts[0][coupon]=C1"
	if ct := req.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		t.Errorf("Content-Type = %q", ct)
	}
	checkReplay(t, req, want)
	vals, err := url.ParseQuery(want)
	if err != nil {
		t.Fatal(err)
	}
	if vals.Get("metadata[a key]") != "x=y" || vals.Get("items[1][price]") != "price b&c" {
		t.Errorf("parsed back: %v", vals)
	}

	// A map body has sorted keys; url.Values is encoded as is.
	r = c.NewRequest(context.Background(), op("POST", "/x"), nil)
	r.Form(map[string]any{"b": 1, "a": []int{1}, "c": opt.Opt[int]{}})
	req = buildHTTPRequest(t, c, r)
	checkReplay(t, req, "a[0]=1&b=1")

	r = c.NewRequest(context.Background(), op("POST", "/x"), nil)
	r.Form(url.Values{"grant_type": {"client_credentials"}, "scope": {"a b"}})
	req = buildHTTPRequest(t, c, r)
	checkReplay(t, req, "grant_type=client_credentials&scope=a+b")

	r = c.NewRequest(context.Background(), op("POST", "/x"), nil)
	r.Form("not an object")
	if r.Err() == nil {
		t.Error("string form body accepted")
	}
}

type upload struct {
	Title    string            `json:"title"`
	Count    int               `json:"count"`
	Tags     []string          `json:"tags"`
	Meta     map[string]any    `json:"meta"`
	Avatar   File              `json:"avatar"`
	Attach   []File            `json:"attachments"`
	Raw      io.Reader         `json:"raw"`
	Doc      *os.File          `json:"doc"`
	Note     opt.Opt[string]   `json:"note,omitzero"`
	Cleared  opt.Nullable[int] `json:"cleared,omitzero"`
	Optional opt.Opt[File]     `json:"optional,omitzero"`
	Bytes    []byte            `json:"bytes"`
	Points   []map[string]int  `json:"points"`
}

type part struct {
	name, filename, contentType, body string
}

func readParts(t *testing.T, contentType string, body []byte) []part {
	t.Helper()
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		t.Fatalf("Content-Type %q: %v", contentType, err)
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	var parts []part
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return parts
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p)
		parts = append(parts, part{p.FormName(), p.FileName(), p.Header.Get("Content-Type"), string(b)})
	}
}

func TestMultipartBody(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.pdf")
	if err := os.WriteFile(path, []byte("%PDF-1.7 contents"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	c := testClient(t, "https://h")
	r := c.NewRequest(context.Background(), op("POST", "/upload"), nil)
	r.Multipart(upload{
		Title:   `Q3 "final"`,
		Count:   3,
		Tags:    []string{"a", "b"},
		Meta:    map[string]any{"k": "v"},
		Avatar:  File{Name: "me.png", ContentType: "image/png", Body: strings.NewReader("PNGDATA")},
		Attach:  []File{{Name: "1.txt", Body: bytes.NewBufferString("one")}, {Name: "2.txt", Body: bytes.NewReader([]byte("two"))}},
		Raw:     strings.NewReader("raw reader"),
		Doc:     f,
		Cleared: opt.Null[int](),
		Bytes:   []byte{0, 1, 2},
		Points:  []map[string]int{{"x": 1}},
	})
	if r.Err() != nil {
		t.Fatal(r.Err())
	}
	req := buildHTTPRequest(t, c, r)
	body, err := io.ReadAll(req.Body)
	if err != nil {
		t.Fatal(err)
	}
	if req.ContentLength != int64(len(body)) || req.GetBody == nil {
		t.Errorf("ContentLength = %d (body %d), GetBody nil = %v", req.ContentLength, len(body), req.GetBody == nil)
	}
	parts := readParts(t, req.Header.Get("Content-Type"), body)
	want := []part{
		{"title", "", "", `Q3 "final"`},
		{"count", "", "", "3"},
		{"tags", "", "", "a"},
		{"tags", "", "", "b"},
		{"meta", "", "application/json", `{"k":"v"}`},
		{"avatar", "me.png", "image/png", "PNGDATA"},
		{"attachments", "1.txt", "application/octet-stream", "one"},
		{"attachments", "2.txt", "application/octet-stream", "two"},
		{"raw", "raw", "application/octet-stream", "raw reader"},
		{"doc", "report.pdf", "application/octet-stream", "%PDF-1.7 contents"},
		{"cleared", "", "", ""},
		{"bytes", "bytes", "application/octet-stream", "\x00\x01\x02"},
		{"points", "", "application/json", `[{"x":1}]`},
	}
	if !reflect.DeepEqual(parts, want) {
		t.Errorf("parts:\n got %q\nwant %q", parts, want)
	}
	// Replays are byte-identical, and the file offset is untouched.
	for range 2 {
		rc, err := req.GetBody()
		if err != nil {
			t.Fatal(err)
		}
		again, _ := io.ReadAll(rc)
		if !bytes.Equal(again, body) {
			t.Fatal("GetBody produced a different body")
		}
	}
	if off, _ := f.Seek(0, io.SeekCurrent); off != 0 {
		t.Errorf("file offset = %d", off)
	}
}

// onlyReader hides every method but Read.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func TestMultipartStreamingNotReplayable(t *testing.T) {
	c := testClient(t, "https://h")
	r := c.NewRequest(context.Background(), op("POST", "/upload"), nil)
	r.Multipart(map[string]any{"file": onlyReader{strings.NewReader("stream")}, "name": "n"})
	req := buildHTTPRequest(t, c, r)
	if req.GetBody != nil || req.ContentLength != -1 {
		t.Errorf("GetBody nil = %v, ContentLength = %d; want not replayable, unknown length", req.GetBody == nil, req.ContentLength)
	}
	body, _ := io.ReadAll(req.Body)
	parts := readParts(t, req.Header.Get("Content-Type"), body)
	if len(parts) != 2 || parts[0].body != "stream" || parts[0].filename != "file" || parts[1].body != "n" {
		t.Errorf("parts = %q", parts)
	}
	// The request cannot be sent a second time.
	if _, _, _, err := c.send(r); !errors.Is(err, errBodyReused) {
		t.Errorf("second send: %v", err)
	}
}

type closeTracker struct {
	io.Reader
	closed bool
}

func (c *closeTracker) Close() error { c.closed = true; return nil }

func TestRawBody(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.bin")
	if err := os.WriteFile(path, []byte("0123456789"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Seek(3, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	partial := bytes.NewReader([]byte("xxabc"))
	_, _ = partial.Seek(2, io.SeekStart)

	tests := []struct {
		name string
		body io.Reader
		want string
	}{
		{"bytes.Reader from its position", partial, "abc"},
		{"strings.Reader", strings.NewReader("hello"), "hello"},
		{"bytes.Buffer", bytes.NewBufferString("buf"), "buf"},
		{"os.File from its offset", f, "3456789"},
		{"nil", nil, ""},
	}
	c := testClient(t, "https://h")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.NewRequest(context.Background(), op("PUT", "/blob"), nil)
			r.Raw("application/pdf", tt.body)
			req := buildHTTPRequest(t, c, r)
			if req.Header.Get("Content-Type") != "application/pdf" {
				t.Errorf("Content-Type = %q", req.Header.Get("Content-Type"))
			}
			checkReplay(t, req, tt.want)
		})
	}

	tr := &closeTracker{Reader: strings.NewReader("once")}
	r := c.NewRequest(context.Background(), op("PUT", "/blob"), nil)
	r.Raw("", tr)
	req := buildHTTPRequest(t, c, r)
	if req.GetBody != nil || req.ContentLength != -1 {
		t.Errorf("stream: GetBody nil = %v, ContentLength = %d", req.GetBody == nil, req.ContentLength)
	}
	if req.Header.Get("Content-Type") != "application/octet-stream" {
		t.Errorf("default Content-Type = %q", req.Header.Get("Content-Type"))
	}
	if req.Body != io.ReadCloser(tr) {
		t.Error("a one-shot ReadCloser should be handed to the transport, which closes it")
	}
}

func TestRequestBodyIsJSONAfterRoundTrip(t *testing.T) {
	// Bodies set through JSON are what the server decodes.
	c := testClient(t, "https://h")
	r := c.NewRequest(context.Background(), op("POST", "/x"), nil)
	type pet struct {
		Name opt.Opt[string] `json:"name,omitzero"`
		Age  int             `json:"age"`
	}
	r.JSON("", pet{Age: 2})
	req := buildHTTPRequest(t, c, r)
	var back map[string]any
	if err := json.NewDecoder(req.Body).Decode(&back); err != nil {
		t.Fatal(err)
	}
	if _, ok := back["name"]; ok || back["age"] != float64(2) {
		t.Errorf("decoded %v", back)
	}
}

// An operation with its own server goes there, resolved against the base
// URL, or wherever OperationServer maps it.
func TestOperationServer(t *testing.T) {
	c := testClient(t, "https://api.example.test/v2")
	tokenOp := &transport.Operation{ID: "token", Method: "POST", PathTemplate: "/oauth/token", Server: "https://login.example.test"}
	relOp := &transport.Operation{ID: "rel", Method: "GET", PathTemplate: "/ping", Server: "/health"}
	plain := op("GET", "/items")
	cases := []struct {
		op   *transport.Operation
		want string
	}{
		{tokenOp, "https://login.example.test/oauth/token"},
		{relOp, "https://api.example.test/health/ping"},
		{plain, "https://api.example.test/v2/items"},
	}
	for _, tc := range cases {
		if got := buildHTTPRequest(t, c, c.NewRequest(context.Background(), tc.op, nil)).URL.String(); got != tc.want {
			t.Errorf("%s: URL %s, want %s", tc.op.ID, got, tc.want)
		}
	}
	c.OperationServer = func(s string) (*url.URL, error) { return url.Parse("http://127.0.0.1:9/fake") }
	if got := buildHTTPRequest(t, c, c.NewRequest(context.Background(), tokenOp, nil)).URL.String(); got != "http://127.0.0.1:9/fake/oauth/token" {
		t.Errorf("mapped: URL %s", got)
	}
}

func TestRange(t *testing.T) {
	c := testClient(t, "https://h")
	for _, tc := range []struct {
		v    any
		want string // "" = ok
	}{
		{opt.Some(int64(1000)), ""},
		{opt.Opt[int64]{}, ""},
		{int32(0), ""},
		{opt.Some(int64(1001)), `rest: parameter "limit" is 1001, above the maximum 1000`},
		{-1, `rest: parameter "limit" is -1, below the minimum 0`},
	} {
		r := c.NewRequest(context.Background(), op("GET", "/x"), nil)
		r.Range("limit", tc.v, 0, 1000)
		if got := fmt.Sprint(r.Err()); (tc.want == "" && r.Err() != nil) || (tc.want != "" && got != tc.want) {
			t.Errorf("Range(%v) = %v, want %q", tc.v, r.Err(), tc.want)
		}
	}
}

// generatedUpload is how generated code declares a multipart body: binary
// members are io.Reader fields with json names, required ones without
// omitempty.
type generatedUpload struct {
	File  io.Reader       `json:"file"`
	Extra io.Reader       `json:"extra,omitempty"`
	Type  string          `json:"type"`
	Note  opt.Opt[string] `json:"note,omitzero"`
}

func TestMultipartGeneratedReaderFields(t *testing.T) {
	c := testClient(t, "https://h")
	r := c.NewRequest(context.Background(), op("POST", "/upload"), nil)
	r.Multipart(&generatedUpload{File: File{Name: "a.csv", ContentType: "text/csv", Body: strings.NewReader("x,y\n")}, Type: "t"})
	req := buildHTTPRequest(t, c, r)
	body, _ := io.ReadAll(req.Body)
	parts := readParts(t, req.Header.Get("Content-Type"), body)
	want := []part{{"file", "a.csv", "text/csv", "x,y\n"}, {"type", "", "", "t"}}
	if !reflect.DeepEqual(parts, want) {
		t.Errorf("parts:\n got %q\nwant %q", parts, want)
	}
	if req.ContentLength != int64(len(body)) {
		t.Errorf("ContentLength = %d, want %d", req.ContentLength, len(body))
	}

	r = c.NewRequest(context.Background(), op("POST", "/upload"), nil)
	r.Multipart(&generatedUpload{Type: "t"})
	if err := r.Err(); err == nil || !strings.Contains(err.Error(), "required field file") {
		t.Errorf("missing file: err = %v", err)
	}
}

func TestRawFileSetsContentType(t *testing.T) {
	c := testClient(t, "https://h")
	r := c.NewRequest(context.Background(), op("PUT", "/blob"), nil)
	r.Raw("application/octet-stream", File{ContentType: "application/pdf", Body: strings.NewReader("%PDF")})
	req := buildHTTPRequest(t, c, r)
	body, _ := io.ReadAll(req.Body)
	if string(body) != "%PDF" || req.Header.Get("Content-Type") != "application/pdf" || req.ContentLength != 4 {
		t.Errorf("body %q, type %q, length %d", body, req.Header.Get("Content-Type"), req.ContentLength)
	}
}

func TestRequireNamesTheMissingParameter(t *testing.T) {
	c := testClient(t, "https://h")
	for _, tc := range []struct {
		v    any
		fail bool
	}{
		{nil, true}, {"", true}, {opt.Opt[string]{}, true}, {[]string(nil), true}, {(*int)(nil), true},
		{"x", false}, {0, false}, {opt.Some(""), true}, {opt.Some(false), false}, {[]string{}, false},
	} {
		r := c.NewRequest(context.Background(), op("GET", "/x"), nil)
		r.Require("query", "from", tc.v)
		if err := r.Err(); (err != nil) != tc.fail || err != nil && !strings.Contains(err.Error(), `required query parameter "from"`) {
			t.Errorf("Require(%#v): err = %v, want failure %v", tc.v, err, tc.fail)
		}
	}
}

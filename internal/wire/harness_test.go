package wire

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// wireRequest is what matters of a request on the wire.
//
// Path is the decoded path and EscapedPath the path as sent: both are
// compared, so a path parameter escaped differently is reported even
// when it decodes to the same value. Query is the decoded query (see
// decodedQuery); RawQuery is kept only for the failure message. Header
// holds the headers a test names (parameters and credentials); headers
// only one client adds by design (apigen's Accept and User-Agent) are
// not compared.
type wireRequest struct {
	Method, Path, EscapedPath, Query, ContentType string
	Header                                        map[string]string
	Body                                          any // decoded JSON (numbers as json.Number), so key order does not matter
	RawQuery                                      string
}

// equal compares everything but RawQuery.
func (w wireRequest) equal(o wireRequest) bool {
	a, b := w, o
	a.RawQuery, b.RawQuery = "", ""
	return fmt.Sprintf("%#v", a) == fmt.Sprintf("%#v", b)
}

func (w wireRequest) String() string {
	body, _ := json.Marshal(w.Body)
	return fmt.Sprintf("%s %s (escaped %s) query=%q raw=%q content-type=%q headers=%v body=%s",
		w.Method, w.Path, w.EscapedPath, w.Query, w.RawQuery, w.ContentType, w.Header, body)
}

// responder answers a recorded request with a status and a JSON body
// the apigen client can decode (oapi-codegen's plain client does not
// decode responses).
type responder func(r *http.Request) (status int, body string)

type recorder struct {
	headers []string
	respond responder

	mu   sync.Mutex
	reqs []wireRequest
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var body any
	contentType := r.Header.Get("Content-Type")
	if mt, params, err := mime.ParseMediaType(contentType); err == nil && strings.HasPrefix(mt, "multipart/") {
		// Boundaries are random: compare the parts, and the media type
		// without its boundary.
		body, contentType = multipartParts(b, params["boundary"]), mt
	} else if len(b) > 0 {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&body); err != nil || dec.More() {
			body = string(b)
		}
	}
	var hdr map[string]string
	for _, h := range rec.headers {
		if vs, ok := r.Header[http.CanonicalHeaderKey(h)]; ok {
			if hdr == nil {
				hdr = map[string]string{}
			}
			hdr[h] = strings.Join(vs, "\x00")
		}
	}
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, wireRequest{
		Method:      r.Method,
		Path:        r.URL.Path,
		EscapedPath: r.URL.EscapedPath(),
		Query:       decodedQuery(r.URL.RawQuery),
		ContentType: contentType,
		Header:      hdr,
		Body:        body,
		RawQuery:    r.URL.RawQuery,
	})
	rec.mu.Unlock()
	status, out := http.StatusOK, ""
	if rec.respond != nil {
		status, out = rec.respond(r)
	}
	if out != "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	io.WriteString(w, out)
}

// decodedQuery decodes each key=value pair, keeping their order: the two
// clients escape a space differently (%20 and +), which every server
// decodes to the same value, so the comparison is of decoded pairs.
func decodedQuery(raw string) string {
	var out []string
	for _, pair := range strings.Split(raw, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		dk, err1 := url.QueryUnescape(k)
		dv, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return "undecodable:" + raw
		}
		out = append(out, dk+"="+dv)
	}
	return strings.Join(out, "&")
}

// wireCase is one call made through both clients with the same inputs.
// A is apigen's client type, O oapi-codegen's.
type wireCase[A, O any] struct {
	name string
	// skip, when set, is why apigen is known to differ: the case is
	// still run and logged, then skipped, so the lead sees the diff.
	skip string
	// differs, when set, documents a legitimate difference: it checks
	// that oapi-codegen's request shows exactly that difference (failing
	// otherwise, so the note is revisited) and rewrites it to what apigen
	// sends, so the rest of the request is still compared.
	differs func(theirs *wireRequest) error
	ours    func(ctx context.Context, c A) error
	theirs  func(ctx context.Context, c O) (*http.Response, error)
}

// pair builds both clients for a server URL.
type pair[A, O any] struct {
	ours   func(t *testing.T, url string) A
	theirs func(t *testing.T, url string) O
}

// runWireCases runs every case as a subtest: one call through each
// client against a fresh recorder, which must see exactly one request
// from each, and the two requests must be equal.
func runWireCases[A, O any](t *testing.T, p pair[A, O], headers []string, respond responder, cases []wireCase[A, O]) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			ours := recordOne(t, headers, respond, func(url string) error {
				return tc.ours(ctx, p.ours(t, url))
			})
			theirs := recordOne(t, headers, respond, func(url string) error {
				resp, err := tc.theirs(ctx, p.theirs(t, url))
				if err != nil {
					return err
				}
				return resp.Body.Close()
			})
			if tc.differs != nil {
				if err := tc.differs(&theirs); err != nil {
					t.Fatalf("documented difference not seen: %v\napigen:       %v\noapi-codegen: %v", err, ours, theirs)
				}
			}
			if ours.equal(theirs) {
				if tc.skip != "" {
					t.Errorf("case is marked skipped (%s) but now matches: remove the skip", tc.skip)
				}
				return
			}
			msg := fmt.Sprintf("request differs:\napigen:       %v\noapi-codegen: %v", ours, theirs)
			if tc.skip != "" {
				t.Log(msg)
				t.Skip("known apigen difference: " + tc.skip)
			}
			t.Error(msg)
		})
	}
}

func recordOne(t *testing.T, headers []string, respond responder, call func(url string) error) wireRequest {
	t.Helper()
	rec := &recorder{headers: headers, respond: respond}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	if err := call(srv.URL); err != nil {
		t.Fatalf("call: %v", err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.reqs) != 1 {
		t.Fatalf("server saw %d requests, want 1: %v", len(rec.reqs), rec.reqs)
	}
	return rec.reqs[0]
}

func ptr[T any](v T) *T { return &v }

// multipartParts lists a multipart body's parts in order, each as
// "name; filename; content-type: data", or says why it cannot.
func multipartParts(b []byte, boundary string) []string {
	var parts []string
	mr := multipart.NewReader(bytes.NewReader(b), boundary)
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return parts
		}
		if err != nil {
			return append(parts, "malformed: "+err.Error())
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return append(parts, "malformed: "+err.Error())
		}
		parts = append(parts, fmt.Sprintf("%s; %s; %s: %s", p.FormName(), p.FileName(), p.Header.Get("Content-Type"), data))
	}
}

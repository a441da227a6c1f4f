package shapes

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/apigen-go/apigen/runtime/apierror"
	"github.com/apigen-go/apigen/runtime/opt"
)

// serve answers every request with status and body, after passing the
// request to see.
func serve(t *testing.T, status int, body string, see func(r *http.Request, body []byte)) *Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if see != nil {
			see(r, b)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	c, err := New(srv.URL, WithHTTPClient(srv.Client()), WithoutRetry(), WithoutRateLimit())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A specific status ("429") and the range of its class ("4XX") each get
// their own error model, the specific one first.
func TestErrorModelStatusBeforeRange(t *testing.T) {
	for _, tc := range []struct {
		status int
		body   string
		check  func(any) bool
	}{
		{429, `{"retryAfter": 3}`, func(m any) bool { r, ok := m.(*RateLimited); return ok && r.RetryAfter.Or(0) == 3 }},
		{404, `{"title": "gone"}`, func(m any) bool { p, ok := m.(*Problem); return ok && p.Title.Or("") == "gone" }},
	} {
		_, err := serve(t, tc.status, tc.body, nil).ListThings(context.Background())
		var ae *apierror.APIError
		if !errors.As(err, &ae) {
			t.Fatalf("%d: err = %v, want an *apierror.APIError", tc.status, err)
		}
		if !tc.check(ae.Model) {
			t.Errorf("%d: Model = %#v", tc.status, ae.Model)
		}
	}
}

// Members whose names no struct tag can hold are read and written under
// their own names; free-form items stay raw JSON.
func TestUntaggableNamesAndFreeFormItems(t *testing.T) {
	body := `{"` + "`quoted`" + `": "q", "say \"hi\"": "hello", "anything": [1, "two", {"three": 3}], "maps": {"k": [null]}}`
	got, err := serve(t, 200, body, nil).ListThings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got.Quoted.Or("") != "q" || got.SayHi.Or("") != "hello" {
		t.Errorf("decoded %+v", got)
	}
	if len(got.Anything) != 3 || string(got.Anything[2]) != `{"three": 3}` || len(got.Maps["k"]) != 1 {
		t.Errorf("free-form items: %+v", got)
	}
	enc, err := json.Marshal(Thing{Quoted: opt.Some("q"), SayHi: opt.Some("hello")})
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]string
	if err := json.Unmarshal(enc, &back); err != nil || back["`quoted`"] != "q" || back[`say "hi"`] != "hello" || len(back) != 2 {
		t.Errorf("encoded %s (%v)", enc, err)
	}
	if enc, _ := json.Marshal(Thing{}); string(enc) != "{}" {
		t.Errorf("empty Thing encodes as %s, want {}", enc)
	}
}

func TestFreeFormBody(t *testing.T) {
	var sent []byte
	c := serve(t, 204, "", func(r *http.Request, b []byte) { sent = b })
	if err := c.PostThings(context.Background(), []json.RawMessage{json.RawMessage(`1`), json.RawMessage(`{"a":"b"}`)}); err != nil {
		t.Fatal(err)
	}
	if string(sent) != `[1,{"a":"b"}]` {
		t.Errorf("sent %s", sent)
	}
}

// Binary strings inside JSON are read as streams over their bytes.
func TestBinaryInJSON(t *testing.T) {
	got, err := serve(t, 200, `["abc", "de"]`, nil).ListFiles(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, r := range got {
		b, _ := io.ReadAll(r)
		texts = append(texts, string(b))
	}
	if len(texts) != 2 || texts[0] != "abc" || texts[1] != "de" {
		t.Errorf("read %q", texts)
	}
}

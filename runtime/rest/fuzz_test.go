package rest

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/apigen-go/apigen/runtime/transport"
)

// Parameter values come from callers and, through pagination, from
// servers: whatever the string, a path value stays one segment that
// unescapes back to it, a form query value and a header value round-trip
// or are refused with an error, and nothing panics. Seeds:
// testdata/fuzz/FuzzParameterEncoding.
func FuzzParameterEncoding(f *testing.F) {
	for _, s := range []string{"blue", "a/b", "..", "%2F", "a b+c&d=e", "ü€", "\x00\r\n", "{id}", "?#", ""} {
		f.Add(s, s)
	}
	op := &transport.Operation{ID: "getThing", Method: "GET", PathTemplate: "/things/{id}"}
	f.Fuzz(func(t *testing.T, pathValue, queryValue string) {
		c := testClient(t, "https://api.example/v1")
		r := c.NewRequest(context.Background(), op, nil)
		r.Path("id", pathValue, Simple, false)
		r.Query("q", queryValue, Form, true)
		r.Header("X-Value", queryValue)
		if r.Err() != nil {
			return // refused with an error: fine
		}
		u, err := c.buildURL(r)
		if err != nil {
			return
		}
		back, err := url.Parse(u.String())
		if err != nil {
			t.Fatalf("built URL %q does not parse: %v", u, err)
		}
		seg, ok := strings.CutPrefix(back.EscapedPath(), "/v1/things/")
		if !ok || strings.Contains(seg, "/") {
			t.Fatalf("path value %q escaped to %q: not one segment", pathValue, back.EscapedPath())
		}
		if got, err := url.PathUnescape(seg); err != nil || got != pathValue {
			t.Fatalf("path value %q came back as %q (%v)", pathValue, got, err)
		}
		q, err := url.ParseQuery(back.RawQuery)
		if err != nil || q.Get("q") != queryValue {
			t.Fatalf("query value %q came back as %q (%v)", queryValue, q.Get("q"), err)
		}
	})
}

package auth

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/apigen-go/apigen/runtime/transport"
)

// tagScheme appends its key to the X-Schemes header.
func tagScheme(key string) Scheme {
	return Scheme{Key: key, Middleware: func(next http.RoundTripper) http.RoundTripper {
		return transport.RoundTripperFunc(func(r *http.Request) (*http.Response, error) {
			r = r.Clone(r.Context())
			r.Header.Add("X-Schemes", key)
			return next.RoundTrip(r)
		})
	}}
}

func TestSelect(t *testing.T) {
	var got []string
	base := transport.RoundTripperFunc(func(r *http.Request) (*http.Response, error) {
		got = append(got, strings.Join(r.Header.Values("X-Schemes"), "+"))
		return &http.Response{StatusCode: 200, Body: http.NoBody, Request: r}, nil
	})
	rt := Select(tagScheme("key"), tagScheme("oauth"), tagScheme("tenant"))(base)
	send := func(op *transport.Operation) error {
		ctx := context.Background()
		if op != nil {
			ctx = transport.WithOperation(ctx, op)
		}
		req, _ := http.NewRequestWithContext(ctx, "GET", "https://example.test/", nil)
		_, err := rt.RoundTrip(req)
		return err
	}
	cases := []struct {
		name string
		op   *transport.Operation
		want string
	}{
		{"no operation: first scheme", nil, "key"},
		{"unspecified: first scheme", &transport.Operation{ID: "a"}, "key"},
		{"one scheme", &transport.Operation{ID: "b", Security: [][]string{{"oauth"}}}, "oauth"},
		{"first configured alternative", &transport.Operation{ID: "c", Security: [][]string{{"missing"}, {"tenant"}}}, "tenant"},
		{"schemes combined", &transport.Operation{ID: "d", Security: [][]string{{"oauth", "tenant"}}}, "oauth+tenant"},
		{"anonymous", &transport.Operation{ID: "e", Security: [][]string{}}, ""},
		{"credentials preferred over anonymous", &transport.Operation{ID: "f", Security: [][]string{{}, {"oauth"}}}, "oauth"},
		{"anonymous when nothing fits", &transport.Operation{ID: "g", Security: [][]string{{"missing"}, {}}}, ""},
	}
	for _, c := range cases {
		got = nil
		if err := send(c.op); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if len(got) != 1 || got[0] != c.want {
			t.Errorf("%s: schemes applied %q, want %q", c.name, got, c.want)
		}
	}

	got = nil
	err := send(&transport.Operation{ID: "h", Security: [][]string{{"missing"}, {"oauth", "other"}}})
	var mc *MissingCredentialsError
	if !errors.As(err, &mc) || mc.Operation != "h" {
		t.Fatalf("err = %v, want *MissingCredentialsError for h", err)
	}
	if want := "auth: operation h needs credentials for missing or oauth + other"; err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
	if len(got) != 0 {
		t.Errorf("sent %d requests without the required credentials", len(got))
	}
}

package petstorev3

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/apigen-go/apigen/runtime/opt"
)

// An optional struct member is a pointer (CONTRACT §3): nil is absent and
// is not sent; a set pointer is sent.
func TestOptionalStructNilIsNotSent(t *testing.T) {
	var bodies []string
	c, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b))
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"name":"Rex","photoUrls":[]}`)
	})
	ctx := context.Background()
	if _, err := c.AddPet(ctx, &Pet{Name: "Rex", PhotoURLs: []string{}}); err != nil {
		t.Fatalf("AddPet without category: %v", err)
	}
	if _, err := c.AddPet(ctx, &Pet{Name: "Rex", PhotoURLs: []string{}, Category: &Category{Name: opt.Some("Dogs")}}); err != nil {
		t.Fatalf("AddPet with category: %v", err)
	}
	if len(bodies) != 2 {
		t.Fatalf("server saw %d requests, want 2", len(bodies))
	}
	if strings.Contains(bodies[0], "category") {
		t.Errorf("nil category was sent: %s", bodies[0])
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(bodies[1]), &got); err != nil {
		t.Fatalf("body %q: %v", bodies[1], err)
	}
	if cat, ok := got["category"].(map[string]any); !ok || cat["name"] != "Dogs" {
		t.Errorf("category = %#v in %s, want {name: Dogs}", got["category"], bodies[1])
	}
}

// Decoding leaves an absent or null optional struct member nil and sets a
// present one, even when it is empty.
func TestOptionalStructDecodesNilWhenAbsent(t *testing.T) {
	for _, tc := range []struct {
		body string
		want *Category
	}{
		{`{"name":"a","photoUrls":[]}`, nil},
		{`{"name":"a","photoUrls":[],"category":null}`, nil},
		{`{"name":"a","photoUrls":[],"category":{}}`, &Category{}},
		{`{"name":"a","photoUrls":[],"category":{"id":3}}`, &Category{ID: opt.Some[int64](3)}},
	} {
		var p Pet
		if err := json.Unmarshal([]byte(tc.body), &p); err != nil {
			t.Fatalf("%s: %v", tc.body, err)
		}
		switch {
		case tc.want == nil && p.Category != nil:
			t.Errorf("%s: Category = %+v, want nil", tc.body, *p.Category)
		case tc.want != nil && p.Category == nil:
			t.Errorf("%s: Category = nil, want %+v", tc.body, *tc.want)
		case tc.want != nil && *p.Category != *tc.want:
			t.Errorf("%s: Category = %+v, want %+v", tc.body, *p.Category, *tc.want)
		}
	}
}

// A decoded value re-encodes to the same members: absent stays absent.
func TestOptionalStructRoundTrip(t *testing.T) {
	for _, in := range []string{
		`{"name":"a","photoUrls":[]}`,
		`{"category":{},"name":"a","photoUrls":[]}`,
		`{"category":{"id":3,"name":"c"},"name":"a","photoUrls":[]}`,
	} {
		var p Pet
		if err := json.Unmarshal([]byte(in), &p); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		out, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if string(out) != in {
			t.Errorf("round trip of %s gave %s", in, out)
		}
	}
}

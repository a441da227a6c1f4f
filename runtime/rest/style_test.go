package rest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/opt"
	"github.com/apigen-go/apigen/runtime/transport"
)

// The OpenAPI 3.0.3 "Style Examples" values.
type rgb struct {
	R int `json:"R"`
	G int `json:"G"`
	B int `json:"B"`
}

var (
	colorString = "blue"
	colorArray  = []string{"blue", "black", "brown"}
	colorObject = rgb{R: 100, G: 200, B: 150}
)

func testClient(t testing.TB, base string) *Client {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	return &Client{BaseURL: u}
}

// pathOf builds a request for "/x/{color}" and returns the escaped path
// after "/x/".
func pathOf(t *testing.T, v any, style Style, explode bool) (string, error) {
	t.Helper()
	c := testClient(t, "https://h")
	r := c.NewRequest(context.Background(), &transport.Operation{Method: "GET", PathTemplate: "/x/{color}"}, nil)
	r.Path("color", v, style, explode)
	u, err := c.buildURL(r)
	if r.err != nil {
		return "", r.err
	}
	if err != nil {
		return "", err
	}
	return strings.TrimPrefix(u.EscapedPath(), "/x/"), nil
}

// queryOf returns the query string one Query call produces.
func queryOf(t *testing.T, v any, style Style, explode bool) string {
	t.Helper()
	c := testClient(t, "https://h")
	r := c.NewRequest(context.Background(), &transport.Operation{Method: "GET", PathTemplate: "/x"}, nil)
	r.Query("color", v, style, explode)
	if r.err != nil {
		t.Fatalf("Query: %v", r.err)
	}
	u, err := c.buildURL(r)
	if err != nil {
		t.Fatal(err)
	}
	return u.RawQuery
}

// TestStyleExamplesTable checks every cell of the OpenAPI 3.0.3 "Style
// Examples" table (https://spec.openapis.org/oas/v3.0.3#style-examples).
// "empty" is the empty string; n/a cells are covered by TestStyleFallbacks.
func TestStyleExamplesTable(t *testing.T) {
	type row struct {
		style                      Style
		explode                    bool
		empty, str, array, object  string
		mapObject                  string // the object as a map: keys sorted
		path                       bool
		emptyNA, stringNA, arrayNA bool
	}
	rows := []row{
		{style: Matrix, explode: false, path: true, empty: ";color", str: ";color=blue", array: ";color=blue,black,brown", object: ";color=R,100,G,200,B,150", mapObject: ";color=B,150,G,200,R,100"},
		{style: Matrix, explode: true, path: true, empty: ";color", str: ";color=blue", array: ";color=blue;color=black;color=brown", object: ";R=100;G=200;B=150", mapObject: ";B=150;G=200;R=100"},
		{style: Label, explode: false, path: true, empty: ".", str: ".blue", array: ".blue.black.brown", object: ".R.100.G.200.B.150", mapObject: ".B.150.G.200.R.100"},
		{style: Label, explode: true, path: true, empty: ".", str: ".blue", array: ".blue.black.brown", object: ".R=100.G=200.B=150", mapObject: ".B=150.G=200.R=100"},
		{style: Form, explode: false, empty: "color=", str: "color=blue", array: "color=blue,black,brown", object: "color=R,100,G,200,B,150", mapObject: "color=B,150,G,200,R,100"},
		{style: Form, explode: true, empty: "color=", str: "color=blue", array: "color=blue&color=black&color=brown", object: "R=100&G=200&B=150", mapObject: "B=150&G=200&R=100"},
		{style: Simple, explode: false, path: true, emptyNA: true, str: "blue", array: "blue,black,brown", object: "R,100,G,200,B,150", mapObject: "B,150,G,200,R,100"},
		{style: Simple, explode: true, path: true, emptyNA: true, str: "blue", array: "blue,black,brown", object: "R=100,G=200,B=150", mapObject: "B=150,G=200,R=100"},
		// The table shows the value alone for the delimited styles; in a
		// query it follows "color=".
		{style: SpaceDelimited, explode: false, emptyNA: true, stringNA: true, array: "color=blue%20black%20brown", object: "color=R%20100%20G%20200%20B%20150", mapObject: "color=B%20150%20G%20200%20R%20100"},
		// 3.0.3 prints "R|100|G|200|G|150", a typo fixed in 3.0.4.
		{style: PipeDelimited, explode: false, emptyNA: true, stringNA: true, array: "color=blue|black|brown", object: "color=R|100|G|200|B|150", mapObject: "color=B|150|G|200|R|100"},
		{style: DeepObject, explode: true, emptyNA: true, stringNA: true, arrayNA: true, object: "color[R]=100&color[G]=200&color[B]=150", mapObject: "color[B]=150&color[G]=200&color[R]=100"},
	}
	for _, rw := range rows {
		name := fmt.Sprintf("%s/explode=%v", rw.style, rw.explode)
		t.Run(name, func(t *testing.T) {
			render := func(v any) string {
				if !rw.path {
					return queryOf(t, v, rw.style, rw.explode)
				}
				got, err := pathOf(t, v, rw.style, rw.explode)
				if err != nil {
					t.Fatalf("Path(%v): %v", v, err)
				}
				return got
			}
			if !rw.emptyNA {
				var got string
				if rw.path {
					// Path rejects an empty value before I/O; the
					// serialiser itself still renders the table's cell.
					if _, err := pathOf(t, "", rw.style, rw.explode); err == nil {
						t.Error("Path accepted an empty value")
					}
					got = string(appendPathStyle(nil, "color", flat{state: present}, rw.style, rw.explode))
				} else {
					got = render("")
				}
				if got != rw.empty {
					t.Errorf("empty: got %q, want %q", got, rw.empty)
				}
			}
			if !rw.stringNA {
				if got := render(colorString); got != rw.str {
					t.Errorf("string: got %q, want %q", got, rw.str)
				}
			}
			if !rw.arrayNA {
				if got := render(colorArray); got != rw.array {
					t.Errorf("array: got %q, want %q", got, rw.array)
				}
			}
			if got := render(colorObject); got != rw.object {
				t.Errorf("object: got %q, want %q", got, rw.object)
			}
			// The same object as a map renders with sorted keys.
			m := map[string]int{"R": 100, "G": 200, "B": 150}
			if got := render(m); got != rw.mapObject {
				t.Errorf("map object: got %q, want %q", got, rw.mapObject)
			}
		})
	}
}

// TestStyleFallbacks pins what the n/a cells of the table do.
func TestStyleFallbacks(t *testing.T) {
	tests := []struct {
		name    string
		v       any
		style   Style
		explode bool
		want    string
	}{
		{"spaceDelimited primitive → form", colorString, SpaceDelimited, false, "color=blue"},
		{"pipeDelimited primitive → form", colorString, PipeDelimited, false, "color=blue"},
		{"spaceDelimited explode array → repeated", colorArray, SpaceDelimited, true, "color=blue&color=black&color=brown"},
		{"pipeDelimited explode object → form explode", colorObject, PipeDelimited, true, "R=100&G=200&B=150"},
		{"deepObject primitive", colorString, DeepObject, true, "color=blue"},
		{"deepObject array → indexed", colorArray, DeepObject, true, "color[0]=blue&color[1]=black&color[2]=brown"},
		{"deepObject nested", map[string]any{"a": map[string]any{"b": 1}, "c": []int{1, 2}}, DeepObject, true, "color[a][b]=1&color[c][0]=1&color[c][1]=2"},
		{"simple in query → form", colorArray, Simple, false, "color=blue,black,brown"},
		{"empty slice skipped", []string{}, Form, false, ""},
		{"empty map skipped", map[string]string{}, Form, true, ""},
		{"nil slice skipped", []int(nil), Form, true, ""},
		{"nil map skipped", map[string]int(nil), DeepObject, true, ""},
		{"nil pointer skipped", (*int)(nil), Form, true, ""},
		{"absent opt skipped", opt.Opt[string]{}, Form, true, ""},
		{"absent nullable skipped", opt.Nullable[[]int]{}, Form, true, ""},
		{"null nullable sent empty", opt.Null[string](), Form, true, "color="},
		{"opt list", opt.Some([]int{1, 2}), Form, false, "color=1,2"},
		{"nullable in list is empty", []opt.Nullable[string]{opt.Of("a"), opt.Null[string](), {}}, Form, false, "color=a,"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := queryOf(t, tt.v, tt.style, tt.explode); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

type status string

type level int

type textID struct{ n int }

func (x textID) MarshalText() ([]byte, error) { return []byte(fmt.Sprintf("id-%d", x.n)), nil }

type ptrText struct{ s string }

func (x *ptrText) MarshalText() ([]byte, error) { return []byte("p:" + x.s), nil }

type stringer struct{ a, b string }

func (s stringer) String() string { return s.a + "/" + s.b }

type enumWithString int

func (e enumWithString) String() string { return "NAME" }

type badText struct{}

func (badText) MarshalText() ([]byte, error) { return nil, errors.New("nope") }

func TestScalarFormatting(t *testing.T) {
	ts := time.Date(2024, 2, 29, 13, 4, 5, 0, time.FixedZone("", 3600))
	tsNano := time.Date(2024, 2, 29, 13, 4, 5, 120000000, time.UTC)
	n := 42
	tests := []struct {
		v    any
		want string
	}{
		{"a b&c=d/é+", "a%20b%26c%3Dd%2F%C3%A9%2B"},
		{true, "true"},
		{false, "false"},
		{-12, "-12"},
		{int8(-8), "-8"},
		{int16(16), "16"},
		{int32(32), "32"},
		{int64(1 << 60), "1152921504606846976"},
		{uint(7), "7"},
		{uint8(8), "8"},
		{uint16(16), "16"},
		{uint32(32), "32"},
		{uint64(1<<64 - 1), "18446744073709551615"},
		{1.5, "1.5"},
		{1e21, "1000000000000000000000"},
		{0.000001, "0.000001"},
		{float32(0.1), "0.1"},
		{ts, "2024-02-29T13%3A04%3A05%2B01%3A00"},
		{tsNano, "2024-02-29T13%3A04%3A05.12Z"},
		{&ts, "2024-02-29T13%3A04%3A05%2B01%3A00"},
		{[]byte("hi?"), "aGk%2F"},
		{json.Number("12.50"), "12.50"},
		{status("active"), "active"},
		{level(3), "3"},
		{enumWithString(2), "2"}, // the wire value, not String()
		{textID{7}, "id-7"},
		{&ptrText{"x"}, "p%3Ax"},
		{stringer{"a", "b"}, "a%2Fb"},
		{&n, "42"},
		{opt.Some(5), "5"},
		{opt.Some(int64(5)), "5"},
		{opt.Some(int32(5)), "5"},
		{opt.Some(true), "true"},
		{opt.Some(2.5), "2.5"},
		{opt.Some(ts), "2024-02-29T13%3A04%3A05%2B01%3A00"},
		{opt.Some(status("x")), "x"},
		{opt.Of(level(1)), "1"},
		{opt.Some(&n), "42"},
	}
	for _, tt := range tests {
		got := queryOf(t, tt.v, Form, true)
		if want := "color=" + tt.want; got != want {
			t.Errorf("%T %v: got %q, want %q", tt.v, tt.v, got, want)
		}
	}
}

func TestEncodingErrors(t *testing.T) {
	c := testClient(t, "https://h")
	r := c.NewRequest(context.Background(), &transport.Operation{PathTemplate: "/x"}, nil)
	r.Query("bad", badText{}, Form, true)
	if r.Err() == nil || !strings.Contains(r.Err().Error(), `rest: query parameter "bad"`) {
		t.Errorf("err = %v", r.Err())
	}
	// Later calls are no-ops and keep the first error.
	r.Query("ok", "v", Form, true)
	r.Header("X-Bad", func() {})
	if !strings.Contains(r.Err().Error(), `"bad"`) || len(r.query) != 0 {
		t.Errorf("err = %v, query %q", r.Err(), r.query)
	}

	r = c.NewRequest(context.Background(), nil, nil)
	r.Query("f", make(chan int), Form, true)
	if r.Err() == nil {
		t.Error("channel accepted")
	}
}

func TestStructParams(t *testing.T) {
	type embedded struct {
		E string `json:"e"`
	}
	type filter struct {
		embedded
		Name    string            `json:"name"`
		Skip    string            `json:"-"`
		Empty   string            `json:"empty,omitempty"`
		Zero    int               `json:"zero,omitzero"`
		Opt     opt.Opt[int]      `json:"opt,omitzero"`
		Null    opt.Nullable[int] `json:"null,omitzero"`
		Tags    []string          `json:"tags"`
		Nested  rgb               `json:"nested"`
		NoTag   int
		private int
	}
	f := filter{embedded: embedded{E: "e1"}, Name: "n", Skip: "s", Null: opt.Null[int](), Tags: []string{"a", "b"}, Nested: rgb{1, 2, 3}, NoTag: 9, private: 1}
	got := queryOf(t, f, Form, true)
	want := "e=e1&name=n&null=&tags=a%2Cb&nested=%7B%22R%22%3A1%2C%22G%22%3A2%2C%22B%22%3A3%7D&NoTag=9"
	if got != want {
		t.Errorf("form explode struct:\n got %q\nwant %q", got, want)
	}
	got = queryOf(t, f, DeepObject, true)
	want = "color[e]=e1&color[name]=n&color[null]=&color[tags][0]=a&color[tags][1]=b&color[nested][R]=1&color[nested][G]=2&color[nested][B]=3&color[NoTag]=9"
	if got != want {
		t.Errorf("deepObject struct:\n got %q\nwant %q", got, want)
	}
	if got := queryOf(t, &f, Form, false); !strings.HasPrefix(got, "color=e,e1,name,n,null,,") {
		t.Errorf("pointer to struct: %q", got)
	}
}

func TestQueryOrderAndEscaping(t *testing.T) {
	c := testClient(t, "https://h/api?fixed=1")
	r := c.NewRequest(context.Background(), &transport.Operation{PathTemplate: "/x"}, []RequestOption{WithQuery("extra key", "v&1")})
	r.Query("z", 1, Form, true)
	r.Query("a b", "c d", Form, true)
	r.Query("m", 2, Form, true)
	u, err := c.buildURL(r)
	if err != nil {
		t.Fatal(err)
	}
	if want := "fixed=1&z=1&a%20b=c%20d&m=2&extra%20key=v%261"; u.RawQuery != want {
		t.Errorf("RawQuery = %q, want %q", u.RawQuery, want)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil || q.Get("a b") != "c d" || q.Get("extra key") != "v&1" {
		t.Errorf("ParseQuery = %v, %v", q, err)
	}
}

// appendEscaped must agree with the standard library for every byte.
func TestEscapingMatchesNetURL(t *testing.T) {
	var all strings.Builder
	for c := range 256 {
		all.WriteByte(byte(c))
	}
	all.WriteString("é日本🎉")
	s := all.String()
	if got, want := string(appendEscaped(nil, s, escPath)), url.PathEscape(s); got != want {
		t.Errorf("path escape:\n got %q\nwant %q", got, want)
	}
	if got, want := string(appendEscaped(nil, s, escQuery)), strings.ReplaceAll(url.QueryEscape(s), "+", "%20"); got != want {
		t.Errorf("query escape:\n got %q\nwant %q", got, want)
	}
	cookie := string(appendEscaped(nil, s, escCookie))
	for i := 0; i < len(cookie); i++ {
		if c := cookie[i]; c <= ' ' || c == '"' || c == ',' || c == ';' || c == '\\' || c >= 0x7f {
			t.Fatalf("cookie escape left %q in %q", c, cookie)
		}
	}
}

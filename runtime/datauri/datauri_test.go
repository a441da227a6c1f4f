package datauri

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

var ascii = map[string]string{"charset": "US-ASCII"}

var parseTests = []struct {
	in   string
	want DataURI
}{
	{"data:,A%20brief%20note", DataURI{MediaType: "text/plain", Params: ascii, Data: []byte("A brief note")}},
	{"data:,", DataURI{MediaType: "text/plain", Params: ascii, Data: []byte{}}},
	{"data:text/plain;charset=iso-8859-7,%be%d3%be", DataURI{MediaType: "text/plain",
		Params: map[string]string{"charset": "iso-8859-7"}, Data: []byte{0xbe, 0xd3, 0xbe}}},
	{"data:image/gif;base64,R0lGODdh", DataURI{MediaType: "image/gif", Base64: true, Data: []byte("GIF87a")}},
	{"DATA:Text/HTML;Charset=UTF-8,<b>x</b>", DataURI{MediaType: "text/html",
		Params: map[string]string{"charset": "UTF-8"}, Data: []byte("<b>x</b>")}},
	{"data:;charset=utf-8,hi", DataURI{MediaType: "text/plain", Params: map[string]string{"charset": "utf-8"}, Data: []byte("hi")}},
	{"data:;base64,aGk=", DataURI{MediaType: "text/plain", Params: ascii, Base64: true, Data: []byte("hi")}},
	{"data:;BASE64,aGk%3D", DataURI{MediaType: "text/plain", Params: ascii, Base64: true, Data: []byte("hi")}},
	{"data:application/octet-stream;base64,aGVs\r\nbG8=", DataURI{MediaType: "application/octet-stream", Base64: true, Data: []byte("hello")}},
	{`data:text/plain;name="a;b c";charset=utf-8,x`, DataURI{MediaType: "text/plain",
		Params: map[string]string{"name": "a;b c", "charset": "utf-8"}, Data: []byte("x")}},
	{`data:text/plain;name="q\"uo\\te",x`, DataURI{MediaType: "text/plain",
		Params: map[string]string{"name": `q"uo\te`}, Data: []byte("x")}},
	{`data:text/plain;name="%41",x`, DataURI{MediaType: "text/plain", Params: map[string]string{"name": "A"}, Data: []byte("x")}},
	{"data:application/pdf;name=r%C3%A9sum%C3%A9.pdf;base64,JVBERi0=", DataURI{MediaType: "application/pdf",
		Params: map[string]string{"name": "résumé.pdf"}, Base64: true, Data: []byte("%PDF-")}},
	{" \tdata:,x\n ", DataURI{MediaType: "text/plain", Params: ascii, Data: []byte("x")}},
	{"data:text/plain;a=1;A=2,x", DataURI{MediaType: "text/plain", Params: map[string]string{"a": "1"}, Data: []byte("x")}},
	{"data:text/plain;a=,x", DataURI{MediaType: "text/plain", Params: map[string]string{"a": ""}, Data: []byte("x")}},
	{"data:,a+b", DataURI{MediaType: "text/plain", Params: ascii, Data: []byte("a+b")}},
	{"data:,a,b;c", DataURI{MediaType: "text/plain", Params: ascii, Data: []byte("a,b;c")}},
	{"data:application/json,%7B%22a%22:1%7D", DataURI{MediaType: "application/json", Data: []byte(`{"a":1}`)}},
	{"data:image/svg+xml;base64=yes,<svg/>", DataURI{MediaType: "image/svg+xml",
		Params: map[string]string{"base64": "yes"}, Data: []byte("<svg/>")}},
	{"data:,héllo", DataURI{MediaType: "text/plain", Params: ascii, Data: []byte("héllo")}},
}

func TestParse(t *testing.T) {
	for _, tt := range parseTests {
		got, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(*got, tt.want) {
			t.Errorf("Parse(%q) = %#v, want %#v", tt.in, *got, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in     string
		msg    string
		offset int
	}{
		{"", `missing "data:" scheme`, 0},
		{"  http://example.com", `missing "data:" scheme`, 2},
		{"dat", `missing "data:" scheme`, 0},
		{"data:", "missing ','", 5},
		{"data:text/plain;base64", "missing ','", 22},
		{"data:text,x", "invalid media type", 5},
		{"data:text/,x", "invalid media type", 5},
		{"data:/plain,x", "invalid media type", 5},
		{"data:te xt/plain,x", "invalid media type", 5},
		{"data:text/pl@in,x", "invalid media type", 5},
		{"data:;base64;charset=x,aGk=", `";base64" must be the last parameter`, 6},
		{"data:text/plain;utf8,x", `parameter "utf8" has no '=value'`, 16},
		{"data:text/plain;=v,x", "invalid parameter name", 16},
		{"data:text/plain;a b=v,x", "invalid parameter name", 16},
		{`data:text/plain;a="unterminated,x"`, "unterminated quoted string", 18},
		{`data:text/plain;a="esc\`, "missing ','", 23},
		{`data:text/plain;a="q"x,y`, "text after a quoted parameter value", 21},
		{"data:text/plain;a=%G0,x", `invalid percent-escape in parameter "a"`, 16},
		{"data:,%zz", "invalid percent-escape in data", 6},
		{"data:,%", "invalid percent-escape in data", 6},
		{"data:,ab%4", "invalid percent-escape in data", 8},
		{"data:;base64,!!!!", "invalid base64 data at byte 0", 13},
		{"data:;base64,aGk", "invalid base64", 13},
		{"data:;base64,aGl=", "invalid base64", 13},
		{"data:;base64,aG k=", "invalid base64", 13},
		{"data:;base64,aGk=aGk=", "invalid base64", 13},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) error = %v, want a *SyntaxError", tt.in, err)
			continue
		}
		if !strings.Contains(se.Msg, tt.msg) || se.Offset != tt.offset {
			t.Errorf("Parse(%q) = %q at %d, want %q at %d", tt.in, se.Msg, se.Offset, tt.msg, tt.offset)
		}
		if !strings.HasPrefix(err.Error(), "datauri: ") {
			t.Errorf("error %q lacks the package prefix", err)
		}
	}
}

func TestSyntaxErrorDoesNotQuoteData(t *testing.T) {
	_, err := Parse("data:;base64,c2VjcmV0LXBheWxvYWQ*")
	if err == nil || strings.Contains(err.Error(), "c2VjcmV0") {
		t.Errorf("error %v quotes the data", err)
	}
}

func TestSizeLimit(t *testing.T) {
	if _, err := ParseLimit("data:,abcdef", 5); !errors.Is(err, ErrTooLarge) {
		t.Errorf("6 bytes over a limit of 5: %v", err)
	}
	if d, err := ParseLimit("data:,abcdef", 6); err != nil || string(d.Data) != "abcdef" {
		t.Errorf("6 bytes at a limit of 6: %v", err)
	}
	if _, err := ParseLimit("data:,%41%42%43", 3); err != nil {
		t.Errorf("escaped data counted before decoding: %v", err)
	}
	ten := base64.StdEncoding.EncodeToString(make([]byte, 10))
	if _, err := ParseLimit("data:;base64,"+ten, 9); !errors.Is(err, ErrTooLarge) {
		t.Errorf("base64 of 10 bytes over a limit of 9: %v", err)
	}
	if _, err := ParseLimit("data:;base64,"+ten, 10); err != nil {
		t.Errorf("base64 of 10 bytes at a limit of 10: %v", err)
	}
	// Far too long input is rejected before anything is decoded.
	huge := "data:," + strings.Repeat("a", 1000)
	if _, err := ParseLimit(huge, 10); !errors.Is(err, ErrTooLarge) {
		t.Errorf("huge input: %v", err)
	}
	if _, err := ParseLimit("data:,abc", 0); err != nil {
		t.Errorf("limit 0 means the default: %v", err)
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		in   DataURI
		want string
	}{
		{DataURI{}, "data:,"},
		{DataURI{MediaType: "text/plain", Params: ascii, Data: []byte("A brief note")}, "data:text/plain;charset=US-ASCII,A%20brief%20note"},
		{DataURI{MediaType: "image/gif", Base64: true, Data: []byte("GIF87a")}, "data:image/gif;base64,R0lGODdh"},
		{DataURI{MediaType: "Text/Plain", Params: map[string]string{"Charset": "utf-8", "name": `a b;c,d"e\`},
			Data: []byte("héllo #1 50%")},
			`data:text/plain;charset=utf-8;name=a%20b%3Bc%2Cd%22e%5C,h%C3%A9llo%20%231%2050%25`},
		{DataURI{MediaType: "application/json", Data: []byte(`{"a":[1,2]}`)}, "data:application/json,%7B%22a%22:%5B1,2%5D%7D"},
		{DataURI{Params: map[string]string{"charset": "utf-8"}, Data: []byte("x")}, "data:;charset=utf-8,x"},
		{DataURI{MediaType: "application/pdf", Base64: true}, "data:application/pdf;base64,"},
	}
	for _, tt := range tests {
		if got := tt.in.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

// Parse is a left inverse of String for every parsed value, and String of
// a parsed value is a fixed point.
func TestRoundTrip(t *testing.T) {
	for _, tt := range parseTests {
		checkRoundTrip(t, tt.in)
	}
}

func checkRoundTrip(t *testing.T, in string) {
	t.Helper()
	d1, err := Parse(in)
	if err != nil {
		return
	}
	s1 := d1.String()
	d2, err := Parse(s1)
	if err != nil {
		t.Fatalf("Parse(%q) ok, but Parse(String() = %q): %v", in, s1, err)
	}
	if !reflect.DeepEqual(d1, d2) {
		t.Fatalf("round trip of %q via %q: %#v != %#v", in, s1, d1, d2)
	}
	if s2 := d2.String(); s2 != s1 {
		t.Fatalf("String not canonical for %q: %q then %q", in, s1, s2)
	}
	if _, err := d1.MarshalJSON(); err != nil {
		t.Fatalf("MarshalJSON of parsed %q: %v", in, err)
	}
}

func FuzzParse(f *testing.F) {
	for _, tt := range parseTests {
		f.Add(tt.in)
	}
	f.Add(`data:text/plain;a="x;y";b=%2C,z`)
	f.Add("data:;base64,")
	f.Add("data:a/b;c=\"\\\"\",%00%ff")
	f.Fuzz(func(t *testing.T, in string) {
		checkRoundTrip(t, in)
	})
}

func FuzzFromBytes(f *testing.F) {
	f.Add("application/pdf", []byte("%PDF-1.7\n\x00\x01\xff"))
	f.Add("text/plain; charset=utf-8", []byte("hello, world"))
	f.Add("", []byte{})
	f.Add("text/csv; name=\"a,b;c\"", []byte("a,b\n1,2"))
	f.Fuzz(func(t *testing.T, mediaType string, data []byte) {
		d := FromBytes(mediaType, data)
		s := d.String()
		got, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(FromBytes(%q, %q).String() = %q): %v", mediaType, data, s, err)
		}
		if !bytes.Equal(got.Data, data) || got.MediaType != d.MediaType || got.Base64 != d.Base64 {
			t.Fatalf("FromBytes(%q, %q) round trip = %#v", mediaType, data, got)
		}
		if len(d.Params) > 0 && !reflect.DeepEqual(got.Params, d.Params) {
			t.Fatalf("params %v came back as %v", d.Params, got.Params)
		}
	})
}

func TestFromBytes(t *testing.T) {
	pdf := []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00\x01")
	d := FromBytes("application/pdf", pdf)
	if d.MediaType != "application/pdf" || d.Params != nil || !d.Base64 || !bytes.Equal(d.Data, pdf) {
		t.Errorf("FromBytes(pdf) = %#v", d)
	}
	if !strings.HasPrefix(d.String(), "data:application/pdf;base64,JVBERi0xLjcK") {
		t.Errorf("String() = %q", d.String())
	}

	d = FromBytes("Text/CSV; Charset=utf-8", []byte("a,b\n1,2"))
	if d.MediaType != "text/csv" || d.Params["charset"] != "utf-8" || d.Base64 {
		t.Errorf("FromBytes(csv) = %#v", d)
	}
	if got := d.String(); got != "data:text/csv;charset=utf-8,a,b%0A1,2" {
		t.Errorf("String() = %q", got)
	}

	for _, mt := range []string{"", "nonsense", "text/", ";;;"} {
		if d := FromBytes(mt, nil); d.MediaType != "application/octet-stream" {
			t.Errorf("FromBytes(%q).MediaType = %q", mt, d.MediaType)
		}
	}
	// Equal lengths: base64 wins ("abcde%20" vs "YWJjZGUg").
	if d := FromBytes("text/plain", []byte("abcde ")); !d.Base64 {
		t.Errorf("tie did not choose base64")
	}
}

func TestFromReader(t *testing.T) {
	d, err := FromReader("image/png", strings.NewReader("\x89PNG\r\n"), 100)
	if err != nil || string(d.Data) != "\x89PNG\r\n" || d.MediaType != "image/png" {
		t.Errorf("FromReader = %#v, %v", d, err)
	}
	if _, err := FromReader("image/png", strings.NewReader("12345"), 4); !errors.Is(err, ErrTooLarge) {
		t.Errorf("over the limit: %v", err)
	}
	if _, err := FromReader("image/png", strings.NewReader("1234"), 4); err != nil {
		t.Errorf("at the limit: %v", err)
	}
	boom := errors.New("connection reset")
	_, err = FromReader("image/png", iotest.ErrReader(boom), 0)
	if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "datauri: ") {
		t.Errorf("read error = %v", err)
	}
}

func TestContentType(t *testing.T) {
	tests := []struct {
		d    DataURI
		want string
	}{
		{DataURI{}, "text/plain; charset=US-ASCII"},
		{DataURI{Params: map[string]string{"charset": "utf-8"}}, "text/plain; charset=utf-8"},
		{DataURI{MediaType: "application/pdf"}, "application/pdf"},
		{DataURI{MediaType: "text/plain", Params: map[string]string{"name": "a b"}}, `text/plain; name="a b"`},
	}
	for _, tt := range tests {
		if got := tt.d.ContentType(); got != tt.want {
			t.Errorf("ContentType(%#v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

type document struct {
	Logo    DataURI  `json:"logo"`
	Preview *DataURI `json:"preview,omitempty"`
}

func TestJSON(t *testing.T) {
	in := document{
		Logo:    FromBytes("image/png", []byte("\x89PNG\r\n\x1a\n")),
		Preview: &DataURI{MediaType: "text/html", Data: []byte("<p>a & b</p>")},
	}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	// encoding/json HTML-escapes '&' in any Marshaler's output.
	want := `{"logo":"data:image/png;base64,iVBORw0KGgo=","preview":"data:text/html,%3Cp%3Ea%20\u0026%20b%3C/p%3E"}`
	if string(b) != want {
		t.Errorf("Marshal = %s, want %s", b, want)
	}
	var out document
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Logo.Data, in.Logo.Data) || out.Logo.MediaType != "image/png" ||
		string(out.Preview.Data) != "<p>a & b</p>" {
		t.Errorf("Unmarshal = %#v", out)
	}

	// null leaves the value alone; a nil pointer stays nil.
	out = document{Logo: DataURI{MediaType: "a/b"}}
	if err := json.Unmarshal([]byte(`{"logo":null,"preview":null}`), &out); err != nil {
		t.Fatal(err)
	}
	if out.Logo.MediaType != "a/b" || out.Preview != nil {
		t.Errorf("null: %#v", out)
	}

	for _, bad := range []string{`{"logo":"data:;base64,!!"}`, `{"logo":"http://x"}`, `{"logo":42}`} {
		err := json.Unmarshal([]byte(bad), &out)
		if err == nil || !strings.Contains(err.Error(), "datauri: ") {
			t.Errorf("Unmarshal(%s) error = %v", bad, err)
		}
	}

	for _, bad := range []DataURI{{MediaType: "pdf"}, {MediaType: "a/b", Params: map[string]string{"x y": "1"}}} {
		if _, err := json.Marshal(bad); err == nil {
			t.Errorf("Marshal(%#v) accepted an invalid value", bad)
		}
		if _, err := bad.MarshalText(); err == nil {
			t.Errorf("MarshalText(%#v) accepted an invalid value", bad)
		}
	}
}

func TestText(t *testing.T) {
	var d DataURI
	if err := d.UnmarshalText([]byte("data:text/plain;charset=utf-8,%E2%9C%93")); err != nil {
		t.Fatal(err)
	}
	if string(d.Data) != "✓" {
		t.Errorf("Data = %q", d.Data)
	}
	b, err := d.MarshalText()
	if err != nil || string(b) != "data:text/plain;charset=utf-8,%E2%9C%93" {
		t.Errorf("MarshalText = %q, %v", b, err)
	}
	if err := d.UnmarshalText([]byte("nope")); err == nil {
		t.Errorf("UnmarshalText accepted garbage")
	}
}

func BenchmarkStringPDF(b *testing.B) {
	d := FromBytes("application/pdf", bytes.Repeat([]byte{0x25, 0x50, 0xff, 0x00}, 256<<10))
	b.SetBytes(int64(len(d.Data)))
	for b.Loop() {
		_ = d.String()
	}
}

func BenchmarkParsePDF(b *testing.B) {
	s := FromBytes("application/pdf", bytes.Repeat([]byte{0x25, 0x50, 0xff, 0x00}, 256<<10)).String()
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		if _, err := Parse(s); err != nil {
			b.Fatal(err)
		}
	}
}

package jsonx

import (
	"errors"
	"math"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/opt"
)

// order decodes like a generated type: id and lines are required, the
// rest is not.
type order struct {
	ID     int64
	Lines  []line
	Note   opt.Opt[string]
	When   opt.Opt[time.Time]
	Buyer  *buyer
	Labels map[string]int64
	Tags   []string
}

type line struct {
	SKU string
	Qty opt.Opt[int32]
}

type buyer struct {
	Email string
	VIP   opt.Opt[bool]
}

var (
	requiredOrder = []string{"id", "lines"}
	requiredLine  = []string{"sku"}
	requiredBuyer = []string{"email"}
)

func decodeOrder(d *Decoder, s *order) error {
	return Object(d, requiredOrder, s, readOrderMember)
}

func readOrderMember(d *Decoder, s *order, key []byte) (int, error) {
	switch string(key) {
	case "id":
		return 0, Int64(d, &s.ID)
	case "lines":
		return 1, Slice(d, &s.Lines, decodeLine)
	case "note":
		return Optional, Opt(d, &s.Note, String)
	case "when":
		return Optional, Opt(d, &s.When, Time)
	case "buyer":
		return Optional, Ptr(d, &s.Buyer, decodeBuyer)
	case "labels":
		return Optional, Map(d, &s.Labels, Int64)
	case "tags":
		return Optional, Slice(d, &s.Tags, String)
	}
	return Unknown, nil
}

func decodeLine(d *Decoder, s *line) error {
	return Object(d, requiredLine, s, readLineMember)
}

func readLineMember(d *Decoder, s *line, key []byte) (int, error) {
	switch string(key) {
	case "sku":
		return 0, String(d, &s.SKU)
	case "qty":
		return Optional, Opt(d, &s.Qty, Int32)
	}
	return Unknown, nil
}

func decodeBuyer(d *Decoder, s *buyer) error {
	return Object(d, requiredBuyer, s, readBuyerMember)
}

func readBuyerMember(d *Decoder, s *buyer, key []byte) (int, error) {
	switch string(key) {
	case "email":
		return 0, String(d, &s.Email)
	case "vip":
		return Optional, Opt(d, &s.VIP, Bool)
	}
	return Unknown, nil
}

// Values of the wrong type in members that are not required are left
// zero and reported with their path; everything else is decoded.
func TestOptionalMismatchesAreTolerated(t *testing.T) {
	in := `{"id":1,"note":5,"when":"yesterday","lines":[{"sku":"a","qty":2},{"sku":"b","qty":"3"},{"sku":"c","qty":1e2}],` +
		`"buyer":{"vip":"yes"},"labels":{"x":1,"y":"two"},"tags":["t",7],"unknown":{"a":[1]}}`
	var o order
	err := Unmarshal([]byte(in), &o, decodeOrder)
	var ie *IssuesError
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v, want *IssuesError", err)
	}
	want := []Issue{
		{"$.note", "string", "5"},
		{"$.when", "RFC 3339 date-time", `"yesterday"`},
		{"$.lines[1].qty", "32-bit integer", `"3"`},
		{"$.lines[2].qty", "32-bit integer", "1e2"},
		{"$.buyer.vip", "boolean", `"yes"`},
		{"$.buyer.email", "required member", "nothing"},
		{"$.labels.y", "integer", `"two"`},
		{"$.tags[1]", "string", "7"},
	}
	if !reflect.DeepEqual(ie.Issues, want) {
		t.Errorf("issues:\n got %+v\nwant %+v", ie.Issues, want)
	}
	wantOrder := order{ID: 1, Lines: []line{{"a", opt.Some[int32](2)}, {SKU: "b"}, {SKU: "c"}}}
	if !reflect.DeepEqual(o, wantOrder) {
		t.Errorf("decoded:\n got %+v\nwant %+v", o, wantOrder)
	}
	if got := IssuesOf(&o); !reflect.DeepEqual(got, want) {
		t.Errorf("IssuesOf = %+v", got)
	}
	if !strings.HasPrefix(err.Error(), `8 values do not match the schema: $.note: expected string, got 5; `) ||
		!strings.HasSuffix(err.Error(), "; and 5 more") {
		t.Errorf("message = %q", err)
	}
}

// A value that does not fit is read to its end, so that what follows it
// decodes in the right place.
func TestDecodingStaysInStepAfterAMismatch(t *testing.T) {
	for _, in := range []string{
		`{"id":1,"buyer":{"email":5,"vip":true,"x":{"email":"no"}},"lines":[],"note":"after"}`,
		`{"id":1,"tags":[1,"a",{"note":"no"}],"lines":[],"note":"after"}`,
		`{"id":1,"labels":{"a":"x","note":"no","b":[1]},"lines":[],"note":"after"}`,
		`{"id":1,"lines":[{"sku":"a","qty":[]},{"sku":"b"}],"note":"after"}`,
	} {
		var o order
		err := Unmarshal([]byte(in), &o, decodeOrder)
		var ie *IssuesError
		if !errors.As(err, &ie) || o.Note != opt.Some("after") || o.ID != 1 || o.Buyer != nil || o.Tags != nil || o.Labels != nil {
			t.Errorf("%s: err = %v, decoded %+v", in, err, o)
		}
	}
}

// Required members that are missing or mistyped are errors naming the
// path, expected and found; malformed JSON too.
func TestRequiredAndMalformedAreErrors(t *testing.T) {
	for in, want := range map[string]string{
		`{"lines":[]}`:                           "$.id: required member is missing",
		`{"id":1}`:                               "$.lines: required member is missing",
		`{"id":"1","lines":[]}`:                  `$.id: expected integer, got "1"`,
		`{"id":1,"lines":[{"qty":1}]}`:           "$.lines[0].sku: required member is missing",
		`{"id":1,"lines":[{"sku":["x"]}]}`:       `$.lines[0].sku: expected string, got ["x"]`,
		`{"id":1,"lines":{}}`:                    "$.lines: expected array, got {}",
		`{"id":1,"lines":[],"note":"x}`:          "$.note: malformed JSON: ",
		`{"id":1,"lines":[]} x`:                  "$: malformed JSON: ",
		`{"id":1,"lines":[]},`:                   "$: malformed JSON: ",
		`{"id":1,"lines":[]}}`:                   "$: malformed JSON: ",
		`{"id":1,"lines":[],"buyer":{"email":}}`: "$.buyer.email: malformed JSON: ",
		`"just a string"`:                        `$: expected object, got "just a string"`,
	} {
		var o order
		err := Unmarshal([]byte(in), &o, decodeOrder)
		var e *Error
		if !errors.As(err, &e) || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: err = %v, want prefix %q", in, err, want)
		}
	}
}

// An issue in an element of a top-level list is kept under the list.
func TestIssuesOfList(t *testing.T) {
	var out []line
	err := Unmarshal([]byte(`[{"sku":"a"},{"sku":"b","qty":true}]`), &out, func(d *Decoder, v *[]line) error {
		return Slice(d, v, decodeLine)
	})
	var ie *IssuesError
	if !errors.As(err, &ie) || len(out) != 2 {
		t.Fatalf("err = %v, out = %+v", err, out)
	}
	want := []Issue{{"$[1].qty", "32-bit integer", "true"}}
	if got := IssuesOf(out); !reflect.DeepEqual(got, want) {
		t.Errorf("IssuesOf(list) = %+v, want %+v", got, want)
	}
	if got := IssuesOf(&out); !reflect.DeepEqual(got, want) {
		t.Errorf("IssuesOf(&list) = %+v, want %+v", got, want)
	}
}

// A clean decode has no issues, also after a decode into the same value
// that had some; a collected value's issues are dropped.
func TestIssuesForgottenAndCollected(t *testing.T) {
	var o order
	if err := Unmarshal([]byte(`{"id":1,"lines":[],"note":1}`), &o, decodeOrder); err == nil || IssuesOf(&o) == nil {
		t.Fatalf("err = %v, issues %v", err, IssuesOf(&o))
	}
	if err := Unmarshal([]byte(`{"id":1,"lines":[],"note":"n"}`), &o, decodeOrder); err != nil || IssuesOf(&o) != nil {
		t.Fatalf("second decode: err = %v, issues %v", err, IssuesOf(&o))
	}
	before := reports.count.Load()
	func() {
		p := new(order)
		if err := Unmarshal([]byte(`{"id":1,"lines":[],"note":1}`), p, decodeOrder); err == nil {
			t.Fatal("no issues")
		}
	}()
	deadline := time.Now().Add(5 * time.Second)
	for reports.count.Load() > before && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if n := reports.count.Load(); n > before {
		t.Errorf("%d reports kept after the value was collected (before: %d)", n, before)
	}
	if IssuesOf(nil) != nil || IssuesOf(order{}) != nil || IssuesOf([]line(nil)) != nil {
		t.Error("IssuesOf of values never decoded is not nil")
	}
}

func TestParseInt(t *testing.T) {
	for in, want := range map[string]int64{
		"0": 0, "-0": 0, "7": 7, "-12": -12,
		"9223372036854775807": math.MaxInt64, "-9223372036854775808": math.MinInt64,
	} {
		if n, ok := parseInt([]byte(in), 64); !ok || n != want {
			t.Errorf("parseInt(%s) = %d, %v", in, n, ok)
		}
	}
	for _, in := range []string{"9223372036854775808", "-9223372036854775809", "18446744073709551616", "1.0", "1e3", "", "-", "99999999999999999999"} {
		if n, ok := parseInt([]byte(in), 64); ok {
			t.Errorf("parseInt(%s) = %d, want failure", in, n)
		}
	}
	if _, ok := parseInt([]byte("2147483648"), 32); ok {
		t.Error("2147483648 fits 32 bits")
	}
	if n, ok := parseInt([]byte("-2147483648"), 32); !ok || n != math.MinInt32 {
		t.Errorf("-2147483648: %d %v", n, ok)
	}
}

// Member names that are not identifiers are quoted in paths; long values
// are cut.
func TestPathsAndExcerpts(t *testing.T) {
	var m map[string]int64
	long := strings.Repeat("é", 100)
	err := Unmarshal([]byte(`{"a b":"`+long+`"}`), &m, func(d *Decoder, v *map[string]int64) error { return Map(d, v, Int64) })
	var e *Error
	if !errors.As(err, &e) || e.Path != `$["a b"]` || len(e.Raw) > maxExcerpt+len("…") || !strings.HasSuffix(e.Raw, "…") {
		t.Errorf("err = %v", err)
	}
}

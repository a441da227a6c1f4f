package opt_test

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/opt"
)

func TestOptAccessors(t *testing.T) {
	var absent opt.Opt[int]
	if v, ok := absent.Get(); ok || v != 0 {
		t.Errorf("zero Opt.Get() = %v, %v; want 0, false", v, ok)
	}
	if !absent.IsZero() {
		t.Error("zero Opt is not IsZero")
	}
	if got := absent.Or(7); got != 7 {
		t.Errorf("Or = %d, want 7", got)
	}

	zero := opt.Some(0)
	if v, ok := zero.Get(); !ok || v != 0 {
		t.Errorf("Some(0).Get() = %v, %v", v, ok)
	}
	if zero.IsZero() {
		t.Error("Some(0) reports IsZero: a present zero must be sent")
	}
	if got := zero.Or(7); got != 0 {
		t.Errorf("Some(0).Or(7) = %d", got)
	}
}

func TestNullableAccessors(t *testing.T) {
	tests := []struct {
		name           string
		n              opt.Nullable[string]
		wantV          string
		wantOK, isZero bool
		isNull         bool
		lookV          any
		lookOK         bool
	}{
		{"absent", opt.Nullable[string]{}, "", false, true, false, nil, false},
		{"null", opt.Null[string](), "", false, false, true, nil, true},
		{"value", opt.Of("a"), "a", true, false, false, "a", true},
		{"empty value", opt.Of(""), "", true, false, false, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, ok := tt.n.Get()
			if v != tt.wantV || ok != tt.wantOK {
				t.Errorf("Get() = %q, %v; want %q, %v", v, ok, tt.wantV, tt.wantOK)
			}
			if tt.n.IsZero() != tt.isZero {
				t.Errorf("IsZero() = %v", tt.n.IsZero())
			}
			if tt.n.IsNull() != tt.isNull {
				t.Errorf("IsNull() = %v", tt.n.IsNull())
			}
			lv, lok := tt.n.Lookup()
			if lv != tt.lookV || lok != tt.lookOK {
				t.Errorf("Lookup() = %v, %v; want %v, %v", lv, lok, tt.lookV, tt.lookOK)
			}
			if got := tt.n.Or("def"); tt.wantOK && got != tt.wantV || !tt.wantOK && got != "def" {
				t.Errorf("Or = %q", got)
			}
		})
	}
}

func TestOptLookup(t *testing.T) {
	var v opt.Valuer = opt.Opt[int]{}
	if x, ok := v.Lookup(); ok || x != nil {
		t.Errorf("absent Lookup = %v, %v", x, ok)
	}
	v = opt.Some(3)
	if x, ok := v.Lookup(); !ok || x != 3 {
		t.Errorf("Some(3).Lookup = %v, %v", x, ok)
	}
}

type patch struct {
	Name  opt.Opt[string]      `json:"name,omitzero"`
	Age   opt.Opt[int]         `json:"age,omitzero"`
	Tag   opt.Nullable[string] `json:"tag,omitzero"`
	Owner opt.Nullable[owner]  `json:"owner,omitzero"`
	Tags  opt.Opt[[]string]    `json:"tags,omitzero"`
	When  opt.Opt[time.Time]   `json:"when,omitzero"`
}

type owner struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

func TestJSONOmitzeroRoundTrip(t *testing.T) {
	when := time.Date(2024, 5, 6, 7, 8, 9, 500, time.UTC)
	tests := []struct {
		name string
		in   patch
		want string
	}{
		{"all absent", patch{}, `{}`},
		{"present zero values are sent", patch{Name: opt.Some(""), Age: opt.Some(0)}, `{"name":"","age":0}`},
		{"explicit null", patch{Tag: opt.Null[string](), Owner: opt.Null[owner]()}, `{"tag":null,"owner":null}`},
		{"values", patch{
			Name:  opt.Some("Rex <the> \"dog\" & co"),
			Age:   opt.Some(-3),
			Tag:   opt.Of("t"),
			Owner: opt.Of(owner{ID: 1, Name: "A"}),
			Tags:  opt.Some([]string{"a", "b"}),
			When:  opt.Some(when),
		}, `{"name":"Rex \u003cthe\u003e \"dog\" \u0026 co","age":-3,"tag":"t","owner":{"id":1,"name":"A"},"tags":["a","b"],"when":"2024-05-06T07:08:09.0000005Z"}`},
		{"present empty slice", patch{Tags: opt.Some([]string{})}, `{"tags":[]}`},
		{"present nil slice", patch{Tags: opt.Some([]string(nil))}, `{"tags":null}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Fatalf("Marshal = %s\nwant      %s", b, tt.want)
			}
			var back patch
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			// A present nil slice comes back as JSON null, i.e. absent.
			if tt.name == "present nil slice" {
				if back.Tags.Set {
					t.Errorf("tags: null decoded as present")
				}
				return
			}
			if !reflect.DeepEqual(back, tt.in) {
				t.Errorf("round trip:\n got %#v\nwant %#v", back, tt.in)
			}
		})
	}
}

func TestJSONUnmarshalStates(t *testing.T) {
	tests := []struct {
		doc  string
		want patch
	}{
		{`{}`, patch{}},
		{`{"name":null,"age":null}`, patch{}}, // null leaves an Opt absent
		{`{"tag":null}`, patch{Tag: opt.Null[string]()}},
		{`{"tag":"x","owner":{"id":2}}`, patch{Tag: opt.Of("x"), Owner: opt.Of(owner{ID: 2})}},
		{`{"name":"caf\u00e9 \"q\" \\ \n","age":  42 }`, patch{Name: opt.Some("café \"q\" \\ \n"), Age: opt.Some(42)}},
		{`{"name":"日本語"}`, patch{Name: opt.Some("日本語")}},
	}
	for _, tt := range tests {
		var got patch
		if err := json.Unmarshal([]byte(tt.doc), &got); err != nil {
			t.Errorf("%s: %v", tt.doc, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s:\n got %#v\nwant %#v", tt.doc, got, tt.want)
		}
	}
}

// A merge-patch body: absent fields are left out, null clears, a value sets.
func TestMergePatchBody(t *testing.T) {
	type companyPatch struct {
		Name        opt.Nullable[string] `json:"name,omitzero"`
		Description opt.Nullable[string] `json:"description,omitzero"`
		Employees   opt.Nullable[int]    `json:"employees,omitzero"`
		Parent      opt.Nullable[owner]  `json:"parent,omitzero"`
	}
	body := companyPatch{
		Description: opt.Null[string](),
		Employees:   opt.Of(0),
	}
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"description":null,"employees":0}`; got != want {
		t.Fatalf("patch = %s, want %s", got, want)
	}
	// Decoding tells the three states apart.
	var back companyPatch
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !back.Name.IsZero() {
		t.Error("name: absent field decoded as present")
	}
	if !back.Description.IsNull() {
		t.Error("description: null not decoded as null")
	}
	if v, ok := back.Employees.Get(); !ok || v != 0 {
		t.Errorf("employees = %v, %v", v, ok)
	}
	if !reflect.DeepEqual(back, body) {
		t.Errorf("round trip %#v", back)
	}
}

func TestWithoutOmitzero(t *testing.T) {
	type s struct {
		A opt.Opt[int]         `json:"a"`
		B opt.Nullable[string] `json:"b"`
	}
	b, err := json.Marshal(s{})
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"a":null,"b":null}` {
		t.Errorf("got %s", b)
	}
}

func TestUnmarshalErrorsMatchEncodingJSON(t *testing.T) {
	docs := []string{`"x"`, `1.5`, `1e3`, `true`, `{}`, `[]`, `99999999999999999999`}
	for _, d := range docs {
		var o opt.Opt[int]
		err := json.Unmarshal([]byte(d), &o)
		var plain int
		wantErr := json.Unmarshal([]byte(d), &plain)
		if (err == nil) != (wantErr == nil) {
			t.Errorf("%s into Opt[int]: err %v, encoding/json err %v", d, err, wantErr)
		}
		var ns opt.Nullable[string]
		err = json.Unmarshal([]byte(d), &ns)
		var ps string
		wantErr = json.Unmarshal([]byte(d), &ps)
		if (err == nil) != (wantErr == nil) {
			t.Errorf("%s into Nullable[string]: err %v, encoding/json err %v", d, err, wantErr)
		}
	}
	// Direct calls with text encoding/json would reject.
	for _, d := range []string{`+1`, `01`, `1_000`} {
		var o opt.Opt[int64]
		if err := o.UnmarshalJSON([]byte(d)); err == nil {
			t.Errorf("UnmarshalJSON(%s) accepted", d)
		}
	}
}

func TestNumbersAndBools(t *testing.T) {
	type nums struct {
		I   opt.Opt[int]     `json:"i,omitzero"`
		I64 opt.Opt[int64]   `json:"i64,omitzero"`
		I32 opt.Opt[int32]   `json:"i32,omitzero"`
		U64 opt.Opt[uint64]  `json:"u64,omitzero"`
		U32 opt.Opt[uint32]  `json:"u32,omitzero"`
		F   opt.Opt[float64] `json:"f,omitzero"`
		B   opt.Opt[bool]    `json:"b,omitzero"`
	}
	in := nums{
		I: opt.Some(math.MinInt), I64: opt.Some(int64(math.MaxInt64)), I32: opt.Some(int32(-5)),
		U64: opt.Some(uint64(math.MaxUint64)), U32: opt.Some(uint32(7)), F: opt.Some(1e21), B: opt.Some(false),
	}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var back nums
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back != in {
		t.Errorf("round trip %s → %#v", b, back)
	}
	var i32 opt.Opt[int32]
	if err := json.Unmarshal([]byte(`3000000000`), &i32); err == nil {
		t.Error("int32 overflow accepted")
	}
}

// The string fast path must write exactly what encoding/json writes.
func TestStringEncodingMatchesEncodingJSON(t *testing.T) {
	inputs := []string{
		"", "plain", `quote " backslash \ slash /`, "<script>&amp;</script>",
		"\x00\x01\x1f\x7f", "tab\tnl\ncr\r", "\b\f", "\u2028\u2029", "é日本🎉", "bad \xff\xfe utf8", "\xed\xa0\x80",
	}
	for _, s := range inputs {
		checkStringEncoding(t, s)
	}
}

func FuzzStringEncoding(f *testing.F) {
	for _, s := range []string{"a", "\"", "\xff", "\u2028", "<>&"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkStringEncoding(t, s) })
}

func checkStringEncoding(t *testing.T, s string) {
	t.Helper()
	got, err := json.Marshal(opt.Some(s))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(s)
	if string(got) != string(want) {
		t.Fatalf("Marshal(Some(%q)) = %s, want %s", s, got, want)
	}
	direct, _ := opt.Some(s).MarshalJSON()
	var back string
	if err := json.Unmarshal(direct, &back); err != nil {
		t.Fatalf("MarshalJSON(%q) = %s is not valid JSON: %v", s, direct, err)
	}
	var o opt.Opt[string]
	if err := json.Unmarshal(want, &o); err != nil {
		t.Fatal(err)
	}
	var plain string
	_ = json.Unmarshal(want, &plain)
	if o.Value != plain || !o.Set {
		t.Fatalf("Unmarshal(%s) = %q, want %q", want, o.Value, plain)
	}
}

func TestPointerAndNestedTypes(t *testing.T) {
	type inner struct {
		X opt.Opt[int] `json:"x,omitzero"`
	}
	type outer struct {
		In  opt.Opt[inner]          `json:"in,omitzero"`
		Ptr opt.Nullable[*int]      `json:"ptr,omitzero"`
		M   opt.Opt[map[string]int] `json:"m,omitzero"`
	}
	five := 5
	in := outer{In: opt.Some(inner{}), Ptr: opt.Of(&five), M: opt.Some(map[string]int{"b": 2, "a": 1})}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"in":{},"ptr":5,"m":{"a":1,"b":2}}` {
		t.Errorf("got %s", b)
	}
	var back outer
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if v, ok := back.Ptr.Get(); !ok || *v != 5 {
		t.Errorf("ptr = %v, %v", v, ok)
	}
}

func BenchmarkMarshalStruct(b *testing.B) {
	v := patch{Name: opt.Some("Rex"), Age: opt.Some(3), Tag: opt.Null[string]()}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshalStruct(b *testing.B) {
	doc := []byte(`{"name":"Rex","age":3,"tag":null}`)
	b.ReportAllocs()
	for b.Loop() {
		var v patch
		if err := json.Unmarshal(doc, &v); err != nil {
			b.Fatal(err)
		}
	}
}

// TestValueReceivers pins the methods that take a value receiver: only those
// that encoding/json and the runtime's encoders call on values that need not
// be addressable. Every other method takes a pointer, so that the compiler
// writes no pointer wrapper for it per instance (issue 19).
func TestValueReceivers(t *testing.T) {
	for _, typ := range []reflect.Type{reflect.TypeFor[opt.Opt[int]](), reflect.TypeFor[opt.Nullable[int]]()} {
		var got []string
		for i := range typ.NumMethod() {
			got = append(got, typ.Method(i).Name)
		}
		if want := []string{"Lookup", "MarshalJSON"}; !slices.Equal(got, want) {
			t.Errorf("%v has value methods %v, want %v", typ, got, want)
		}
	}
}

// TestNullableNotComparable: no equality function per Nullable instance and
// per struct holding one (issue 19).
func TestNullableNotComparable(t *testing.T) {
	if typ := reflect.TypeOf(opt.Nullable[int]{}); typ.Comparable() {
		t.Errorf("%v is comparable", typ)
	}
}

// TestJSONOfValuesThatAreNotAddressable: encoding/json reaches MarshalJSON
// and the pointer-receiver IsZero on values it cannot take the address of
// (top level, map elements, a struct passed by value) as on addressable ones.
func TestJSONOfValuesThatAreNotAddressable(t *testing.T) {
	p := patch{Name: opt.Some("Rex"), Tag: opt.Null[string](), Owner: opt.Of(owner{ID: 1, Name: "A"})}
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"top-level Opt", opt.Some("x"), `"x"`},
		{"top-level absent Opt", opt.Opt[int]{}, `null`},
		{"top-level Nullable", opt.Of(2), `2`},
		{"map elements", map[string]opt.Opt[int]{"a": opt.Some(1), "b": {}}, `{"a":1,"b":null}`},
		{"slice elements", []opt.Nullable[int]{opt.Of(1), opt.Null[int](), {}}, `[1,null,null]`},
		{"struct by value", p, `{"name":"Rex","tag":null,"owner":{"id":1,"name":"A"}}`},
		{"struct by pointer", &p, `{"name":"Rex","tag":null,"owner":{"id":1,"name":"A"}}`},
		{"struct in a map", map[string]patch{"p": p}, `{"p":{"name":"Rex","tag":null,"owner":{"id":1,"name":"A"}}}`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.in)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if string(b) != tt.want {
			t.Errorf("%s: Marshal = %s, want %s", tt.name, b, tt.want)
		}
	}
}

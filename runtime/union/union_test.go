package union

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/apigen-go/apigen/runtime/jsonx"
)

func TestPick(t *testing.T) {
	cat := Candidate{Kind: Object, Required: []string{"meow"}, Known: []string{"meow", "name"}}
	dog := Candidate{Kind: Object, Required: []string{"bark"}, Known: []string{"bark", "name"}}
	str := Candidate{Kind: String}
	num := Candidate{Kind: Number}
	integer := Candidate{Kind: Integer}
	enum := Candidate{Kind: String, Enum: []string{"a", "b"}}
	for _, tc := range []struct {
		data  string
		cands []Candidate
		want  int
	}{
		{`{"bark":true}`, []Candidate{cat, dog}, 1},
		{`{"meow":1,"name":"x"}`, []Candidate{cat, dog}, 0},
		{`{"other":1}`, []Candidate{cat, dog}, -1},
		{`"x"`, []Candidate{cat, str}, 1},
		{`12`, []Candidate{num, integer}, 1},
		{`1.5`, []Candidate{integer, num}, 1},
		{`1.5`, []Candidate{integer}, -1},
		{`"b"`, []Candidate{enum, str}, 0},
		{`"c"`, []Candidate{enum, str}, 1},
		{`[1]`, []Candidate{{Kind: Any}, {Kind: Array}}, 1},
		{`true`, []Candidate{{Kind: Any}, str}, 0},
	} {
		if got := Pick([]byte(tc.data), tc.cands); got != tc.want {
			t.Errorf("Pick(%s) = %d, want %d", tc.data, got, tc.want)
		}
	}
}

func TestDiscriminator(t *testing.T) {
	if got := Discriminator([]byte(`{"type":"cat","x":1}`), "type"); got != "cat" {
		t.Fatalf("got %q", got)
	}
	if got := Discriminator([]byte(`{"type":3}`), "type"); got != "" {
		t.Fatalf("got %q", got)
	}
	if got := Discriminator([]byte(`[1]`), "type"); got != "" {
		t.Fatalf("got %q", got)
	}
}

type cat struct {
	Meow bool   `json:"meow"`
	Type string `json:"type"`
}

type dog struct {
	Bark bool   `json:"bark"`
	Type string `json:"type"`
}

// pet is what a generated union looks like: one pointer per variant, Raw.
type pet struct {
	Cat *cat
	Dog *dog
	Str *string
	Raw json.RawMessage
}

var petTable = Table{Discriminator: "type", Variants: []Candidate{
	{Kind: Object, Required: []string{"meow"}, Known: []string{"meow", "type"}, Match: []string{"cat"}},
	{Kind: Object, Required: []string{"bark"}, Known: []string{"bark", "type"}, Match: []string{"dog", "puppy"}},
	{Kind: String},
}}

func (p *pet) unmarshal(b string) error {
	*p = pet{}
	return Unmarshal([]byte(b), &petTable, &p.Raw, &p.Cat, &p.Dog, &p.Str)
}

func TestUnmarshal(t *testing.T) {
	for _, tc := range []struct {
		data, want string // want: the field that is set
	}{
		{`{"type":"puppy","bark":true}`, "Dog"},
		{`{"type":"dog","bark":"no","meow":true}`, "Cat"}, // the named variant does not fit: Pick decides
		{`{"type":"bird","bark":true}`, "Dog"},            // an unknown name: Pick decides
		{`{"meow":true}`, "Cat"},
		{`"x"`, "Str"},
		{`{"other":1}`, "Raw"},
		{`{"type":"cat","meow":"loud"}`, "Raw"}, // neither the named variant nor Pick's fits
	} {
		var p pet
		if err := p.unmarshal(tc.data); err != nil {
			t.Fatalf("%s: %v", tc.data, err)
		}
		got := map[bool]string{true: "?"}
		set := []struct {
			name string
			ok   bool
		}{{"Cat", p.Cat != nil}, {"Dog", p.Dog != nil}, {"Str", p.Str != nil}, {"Raw", p.Raw != nil}}
		n := 0
		for _, s := range set {
			if s.ok {
				got[true] = s.name
				n++
			}
		}
		if n != 1 || got[true] != tc.want {
			t.Errorf("%s: set %+v, want only %s", tc.data, p, tc.want)
		}
		if p.Raw != nil && string(p.Raw) != tc.data {
			t.Errorf("%s: Raw = %s", tc.data, p.Raw)
		}
	}
}

// tolerant fails to decode with only tolerated issues, which a union
// passes on after setting the variant.
type tolerant struct{}

func (*tolerant) UnmarshalJSON([]byte) error { return &jsonx.IssuesError{} }

func TestUnmarshalPassesIssuesOn(t *testing.T) {
	var v struct {
		T   *tolerant
		Raw json.RawMessage
	}
	table := Table{Variants: []Candidate{{Kind: Object}}}
	err := Unmarshal([]byte(`{}`), &table, &v.Raw, &v.T)
	var issues *jsonx.IssuesError
	if !errors.As(err, &issues) || v.T == nil || v.Raw != nil {
		t.Fatalf("err %v, variant %v, raw %s", err, v.T, v.Raw)
	}
}

func TestMarshal(t *testing.T) {
	s := "x"
	for _, tc := range []struct {
		p    pet
		want string
	}{
		{pet{Dog: &dog{Bark: true, Type: "dog"}}, `{"bark":true,"type":"dog"}`},
		{pet{Str: &s, Raw: json.RawMessage(`1`)}, `"x"`}, // a variant before Raw
		{pet{Raw: json.RawMessage(`{"a":1}`)}, `{"a":1}`},
	} {
		b, err := Marshal("pet", tc.p.Raw, tc.p.Cat, tc.p.Dog, tc.p.Str)
		if err != nil || string(b) != tc.want {
			t.Errorf("Marshal(%+v) = %s, %v; want %s", tc.p, b, err, tc.want)
		}
	}
	if _, err := Marshal("pet", nil, (*cat)(nil)); err == nil || err.Error() != "pet: no variant set" {
		t.Fatalf("empty union: %v", err)
	}
}

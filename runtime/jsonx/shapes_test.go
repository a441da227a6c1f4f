package jsonx

import (
	"encoding/json"
	"testing"

	"github.com/apigen-go/apigen/runtime/opt"
)

// word has its own UnmarshalJSON, as unions do.
type word struct{ s string }

func (w *word) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, &w.s) }

// NullableAt, generic in the pointer type only, reads every input as
// Nullable does (value, null, absent, the wrong type), into zero and into
// already set values, with a generated struct reader and with
// Unmarshaler.
func TestNullableAtMatchesNullable(t *testing.T) {
	ins := []string{`{}`, `{"v":null}`, `{"v":{"name":"a","age":2}}`, `{"v":{"age":"no"}}`, `{"v":"w"}`, `{"v":3}`, `{"v":[1]}`}
	for _, in := range ins {
		for _, start := range []opt.Nullable[owner]{{}, opt.Of(owner{Name: "old", Age: 8}), opt.Null[owner]()} {
			sameAs(t, in, start, nullableOf(decodeOwner), func(d *Decoder, v *opt.Nullable[owner]) error {
				return NullableAt(d, &v.Value, &v.Set, &v.Null, decodeOwner)
			})
		}
		for _, start := range []opt.Nullable[word]{{}, opt.Of(word{"old"})} {
			sameAs(t, in, start, nullableOf(func(d *Decoder, v *word) error { return Unmarshaler(d, v) }),
				func(d *Decoder, v *opt.Nullable[word]) error {
					return NullableAt(d, &v.Value, &v.Set, &v.Null, Unmarshaler[*word])
				})
		}
	}
}

// Ptr allocates for a nil pointer, reads into one already set (keeping
// it), and gives nil for null and for a value it cannot read.
func TestPtr(t *testing.T) {
	read := func(in string, p *owner) (*owner, error) {
		err := Unmarshal([]byte(in), &p, func(d *Decoder, v **owner) error { return Ptr(d, v, decodeOwner) })
		return p, err
	}
	if p, err := read(`{"age":1}`, nil); err != nil || p == nil || *p != (owner{Age: 1}) {
		t.Errorf("into nil: %v, %v", p, err)
	}
	old := &owner{Name: "old", Age: 6}
	if p, err := read(`{"age":1}`, old); err != nil || p != old || *p != (owner{Name: "old", Age: 1}) {
		t.Errorf("into a set pointer: %v (same %t), %v", p, p == old, err)
	}
	if p, err := read(`null`, old); err != nil || p != nil {
		t.Errorf("null: %v, %v", p, err)
	}
	if p, err := read(`"no"`, old); err == nil || p != nil {
		t.Errorf("wrong type: %v, %v", p, err)
	}
}

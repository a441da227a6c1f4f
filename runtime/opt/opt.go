// Package opt holds the optional and nullable value wrappers that generated
// clients use for fields and parameters (CONTRACT §3): a required value is a
// plain T, an optional scalar or enum an Opt[T], a nullable one a
// Nullable[T]. Optional struct members are pointers instead (nil = absent).
//
// Both types work with encoding/json. Struct fields of these types are
// tagged `json:",omitzero"`; encoding/json (Go 1.24+) then calls IsZero and
// leaves absent values out of the document:
//
//	type PetPatch struct {
//		Name opt.Opt[string]      `json:"name,omitzero"`
//		Tag  opt.Nullable[string] `json:"tag,omitzero"`
//	}
//
//	PetPatch{Tag: opt.Null[string]()}          // {"tag":null}
//	PetPatch{Name: opt.Some("Rex")}            // {"name":"Rex"}
//	PetPatch{}                                 // {}
package opt

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// Opt is a value that may be absent. The zero value is absent.
// Struct fields of this type are tagged `json:",omitzero"` so absent values
// are not encoded.
//
// The methods of Opt and Nullable are not inlined: a client instantiates
// these types with hundreds of its own types, and the compiler writes a
// method wrapper for every instance; an inlined body made each wrapper a
// copy of it (issue 19: 6 % of Plaid's peak compile memory). Callers mostly
// reach the methods through interfaces (encoding/json, Valuer) anyway.
//
// For the same reason only MarshalJSON and Lookup, which encoding/json and
// the runtime's encoders call on values that need not be addressable, have
// value receivers; Get, Or, IsZero and IsNull take a pointer, which spares
// the compiler a pointer wrapper per method and instance (issue 19: with
// Nullable's non-comparability, 13 % of Plaid's peak compile memory).
// Call them on a variable or a field (resp.Name.Or("")), not on a map
// element or a call's result: copy those to a variable first.
// encoding/json's omitzero finds a pointer-receiver IsZero on values too.
type Opt[T any] struct {
	Value T
	Set   bool
}

// Some returns a present Opt holding v.
func Some[T any](v T) Opt[T] { return Opt[T]{Value: v, Set: true} }

// Get returns the value and whether it is present.
//
//go:noinline
func (o *Opt[T]) Get() (T, bool) { return o.Value, o.Set }

// Or returns the value, or def when absent.
//
//go:noinline
func (o *Opt[T]) Or(def T) T {
	if o.Set {
		return o.Value
	}
	return def
}

// IsZero reports whether o is absent (used by encoding/json's omitzero).
//
//go:noinline
func (o *Opt[T]) IsZero() bool { return !o.Set }

// MarshalJSON encodes the value (absent encodes as null; omitzero keeps it out).
//
//go:noinline
func (o Opt[T]) MarshalJSON() ([]byte, error) {
	if !o.Set {
		return []byte("null"), nil
	}
	return marshal(&o.Value)
}

// UnmarshalJSON sets the value; JSON null leaves o absent.
//
//go:noinline
func (o *Opt[T]) UnmarshalJSON(b []byte) error {
	if isNull(b) {
		*o = Opt[T]{}
		return nil
	}
	var v T
	if err := unmarshal(b, &v); err != nil {
		return err
	}
	*o = Opt[T]{Value: v, Set: true}
	return nil
}

// Lookup implements Valuer.
//
//go:noinline
func (o Opt[T]) Lookup() (any, bool) {
	if !o.Set {
		return nil, false
	}
	return o.Value, true
}

// Nullable is a value that may be absent, null, or set: the three states a
// JSON merge-patch body needs. The zero value is absent.
//
// Nullable is not comparable with ==: the compiler would write an equality
// function for every instance and for every struct that holds one, and a
// client holds hundreds, most of them of its own structs (issue 19). Use
// Get and IsNull, or reflect.DeepEqual in tests.
type Nullable[T any] struct {
	_     [0]func() // makes Nullable not comparable
	Value T
	Set   bool // present in the document (null or a value)
	Null  bool // present and null
}

// Of returns a Nullable holding v.
func Of[T any](v T) Nullable[T] { return Nullable[T]{Value: v, Set: true} }

// Null returns an explicit null.
func Null[T any]() Nullable[T] { return Nullable[T]{Set: true, Null: true} }

// Get returns the value and whether it is set and not null.
//
//go:noinline
func (n *Nullable[T]) Get() (T, bool) {
	if !n.Set || n.Null {
		var zero T
		return zero, false
	}
	return n.Value, true
}

// IsZero reports whether n is absent (used by encoding/json's omitzero).
//
//go:noinline
func (n *Nullable[T]) IsZero() bool { return !n.Set }

// IsNull reports whether n is present and null.
//
//go:noinline
func (n *Nullable[T]) IsNull() bool { return n.Set && n.Null }

// Or returns the value, or def when absent or null.
//
//go:noinline
func (n *Nullable[T]) Or(def T) T {
	if v, ok := n.Get(); ok {
		return v
	}
	return def
}

// MarshalJSON encodes the value; null and absent both encode as null
// (omitzero keeps an absent value out of the document).
//
//go:noinline
func (n Nullable[T]) MarshalJSON() ([]byte, error) {
	if !n.Set || n.Null {
		return []byte("null"), nil
	}
	return marshal(&n.Value)
}

// UnmarshalJSON sets the value; JSON null makes n Set and Null.
//
//go:noinline
func (n *Nullable[T]) UnmarshalJSON(b []byte) error {
	if isNull(b) {
		*n = Nullable[T]{Set: true, Null: true}
		return nil
	}
	var v T
	if err := unmarshal(b, &v); err != nil {
		return err
	}
	*n = Nullable[T]{Value: v, Set: true}
	return nil
}

// Lookup implements Valuer: absent → (nil, false), null → (nil, true),
// a value → (value, true).
//
//go:noinline
func (n Nullable[T]) Lookup() (any, bool) {
	switch {
	case !n.Set:
		return nil, false
	case n.Null:
		return nil, true
	}
	return n.Value, true
}

// Valuer is implemented by Opt and Nullable so that runtime encoders
// (query, form, multipart) can read them without knowing T.
type Valuer interface {
	Lookup() (v any, ok bool)
}

var (
	_ Valuer           = Opt[int]{}
	_ Valuer           = Nullable[int]{}
	_ json.Marshaler   = Opt[int]{}
	_ json.Unmarshaler = (*Nullable[int])(nil)
)

// isNull reports whether b is the JSON literal null (encoding/json hands
// Unmarshalers the literal without surrounding space).
func isNull(b []byte) bool {
	return len(b) == 4 && b[0] == 'n' && b[1] == 'u' && b[2] == 'l' && b[3] == 'l'
}

// marshal encodes *p, skipping reflection for the common primitive types.
// encoding/json validates and compacts what a Marshaler returns, so the
// fast paths need only produce valid JSON.
func marshal(p any) ([]byte, error) {
	switch v := p.(type) {
	case *string:
		return appendString(make([]byte, 0, len(*v)+2), *v), nil
	case *bool:
		return strconv.AppendBool(nil, *v), nil
	case *int:
		return strconv.AppendInt(nil, int64(*v), 10), nil
	case *int64:
		return strconv.AppendInt(nil, *v, 10), nil
	case *int32:
		return strconv.AppendInt(nil, int64(*v), 10), nil
	case *uint64:
		return strconv.AppendUint(nil, *v, 10), nil
	case *uint32:
		return strconv.AppendUint(nil, uint64(*v), 10), nil
	}
	return json.Marshal(p)
}

// unmarshal decodes b into p, skipping reflection for plain strings and
// integers; anything unusual (escapes, exponents, errors) goes through
// encoding/json so that results and errors match it exactly.
func unmarshal(b []byte, p any) error {
	switch v := p.(type) {
	case *string:
		if s, ok := plainString(b); ok {
			*v = s
			return nil
		}
	case *bool:
		switch string(b) {
		case "true":
			*v = true
			return nil
		case "false":
			*v = false
			return nil
		}
	case *int:
		if !plainInt(b) {
			break
		}
		if n, err := strconv.ParseInt(string(b), 10, strconv.IntSize); err == nil {
			*v = int(n)
			return nil
		}
	case *int64:
		if !plainInt(b) {
			break
		}
		if n, err := strconv.ParseInt(string(b), 10, 64); err == nil {
			*v = n
			return nil
		}
	case *int32:
		if !plainInt(b) {
			break
		}
		if n, err := strconv.ParseInt(string(b), 10, 32); err == nil {
			*v = int32(n)
			return nil
		}
	}
	return json.Unmarshal(b, p)
}

// plainString returns the contents of a JSON string literal that holds no
// escapes, control characters or invalid UTF-8.
func plainString(b []byte) (string, bool) {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return "", false
	}
	s := b[1 : len(b)-1]
	ascii := true
	for _, c := range s {
		switch {
		case c < 0x20 || c == '"' || c == '\\':
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	if !ascii && !utf8.Valid(s) {
		return "", false
	}
	return string(s), true
}

// plainInt reports whether b is a JSON integer literal (no sign other than
// a leading minus, no leading zeros, no fraction or exponent).
func plainInt(b []byte) bool {
	if len(b) > 0 && b[0] == '-' {
		b = b[1:]
	}
	if len(b) == 0 || (b[0] == '0' && len(b) > 1) {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string literal, escaping like
// encoding/json (HTML-safe, invalid UTF-8 replaced, U+2028/2029 escaped).
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

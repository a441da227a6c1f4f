// Package jsonx holds the building blocks of the JSON decoders apigen
// generates for each struct: readers of one value from a Decoder (a
// github.com/go-faster/jx decoder that also keeps the decode report) into
// a typed place. A generated decoder is a switch on the member name
// whose cases are one call each, returning the member's number (see
// Object):
//
//	case "name":
//		return 0, jsonx.String(d, &s.Name) // required: its absence is an error
//	case "tags":
//		return jsonx.Optional, jsonx.Slice(d, &s.Tags, jsonx.String)
//
// Readers follow encoding/json's rules where they meet: null leaves a
// plain value as it was (and marks an opt.Nullable null), unknown members
// are skipped. Member names match exactly (encoding/json also accepts
// other letter cases).
//
// A value of the wrong JSON type, or one that does not parse (a number
// that is not an integer, a timestamp that is not RFC 3339), is a
// *Error naming its JSON path, the type expected and the value sent. In a
// member that is not required it is tolerated instead (Object): the
// member is left zero, decoding goes on, and the Issue is reported in an
// *IssuesError once the whole value is decoded, with every field that
// could be read filled in, as encoding/json does with an
// *json.UnmarshalTypeError. IssuesOf reads the issues back from the
// decoded value. Malformed JSON is always an error.
package jsonx

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strconv"
	"sync"
	"time"
	"unsafe"

	"github.com/go-faster/jx"

	"github.com/apigen-go/apigen/runtime/opt"
)

// Decoder is a jx.Decoder plus what the decode report needs: the
// required members seen in the object being read and the issues found so
// far. Generated decoders get one from Unmarshal.
type Decoder struct {
	jx.Decoder
	issues   []Issue
	interned map[string]string // enum values read (StringAs)
	cell     string            // StringMap's value being read
	direct   bool              // the input is read directly (scan.go)
}

// Reader reads one JSON value from d into v.
type Reader[T any] func(d *Decoder, v *T) error

var decoders = sync.Pool{New: func() any { return new(Decoder) }}

// Unmarshal decodes data into v with read; only whitespace may follow.
// Issues tolerated on the way come back as an *IssuesError (v is then
// decoded but for the members it lists) and are kept for IssuesOf(v).
// v is a pointer (P = *T); generic in the pointer type only, Unmarshal
// is compiled once for all the types of a client.
func Unmarshal[P any](data []byte, v P, read func(*Decoder, P) error) error {
	d := decoders.Get().(*Decoder)
	defer decoders.Put(d)
	d.ResetBytes(data)
	d.direct = d.canReadDirectly()
	d.issues = nil
	err := read(d, v)
	if err == nil {
		if !d.atEnd() {
			err = &Error{Issue: Issue{Expected: "end of input"}, Err: errors.New("data after the top-level value"), syntax: true}
		}
	}
	if err != nil {
		return rooted(err)
	}
	issues := d.issues
	d.issues = nil
	if len(issues) == 0 {
		forget(v)
		return nil
	}
	for i := range issues {
		issues[i].Path = "$" + issues[i].Path
	}
	remember(v, issues)
	return &IssuesError{Issues: issues}
}

// atEnd reports whether only whitespace is left of the input.
func (d *Decoder) atEnd() bool {
	if f := d.in(); f != nil {
		b := f.buf[:f.tail]
		return skipSpaces(b, f.head) == len(b)
	}
	// The end itself, not a truncated value after it, which jx reports
	// with an io.EOF inside.
	return d.Skip() == io.EOF
}

// tolerate records err, the result of reading a member that is not
// required, as an Issue when it is a value of the wrong type or that does
// not parse (the reader left the member zero and consumed the value).
// Malformed JSON stays an error.
func (d *Decoder) tolerate(err error) error {
	var e *Error
	if !errors.As(err, &e) || e.syntax {
		return err
	}
	d.issues = append(d.issues, e.Issue)
	return nil
}

// mismatch consumes a value of the wrong JSON type and describes it.
func (d *Decoder) mismatch(expected string) error {
	raw, err := d.Raw()
	if err != nil {
		return malformed(err)
	}
	return &Error{Issue: Issue{Expected: expected, Raw: excerpt(raw)}}
}

// The readers of scalars below return the value and whether there was
// one (false for null, consumed, or an error); String, OptString and the
// others store it following their value model.

// String reads a string.
func String(d *Decoder, v *string) error {
	if b, ok := d.plainStr(); ok { // most members are strings
		*v = string(b)
		return nil
	}
	b, ok, err := d.jxStringBytes("string")
	if ok {
		*v = string(b)
	}
	return err
}

func str(d *Decoder) (string, bool, error) {
	if b, ok := d.plainStr(); ok { // as in stringBytes, without its call
		return string(b), true, nil
	}
	b, ok, err := d.jxStringBytes("string")
	return string(b), ok, err
}

// stringBytes reads a string's bytes (valid until the next read): those
// without escapes directly, others through jx. null gives false, a value
// of another type a mismatch with expected.
func (d *Decoder) stringBytes(expected string) ([]byte, bool, error) {
	if b, ok := d.plainStr(); ok {
		return b, true, nil
	}
	return d.jxStringBytes(expected)
}

// jxStringBytes is stringBytes for what plainStr leaves: strings with
// escapes (or without direct access), null and other values.
func (d *Decoder) jxStringBytes(expected string) ([]byte, bool, error) {
	switch d.peek() {
	case jx.String:
		b, err := d.StrBytes()
		if err != nil {
			return nil, false, malformed(err)
		}
		return b, true, nil
	case jx.Null:
		return nil, false, d.Null()
	}
	return nil, false, d.mismatch(expected)
}

// StringAs reads a string into a named string type (an enum). Values of
// an enum repeat: each distinct one is allocated once per Decoder.
func StringAs[E ~string](d *Decoder, v *E) error {
	b, ok, err := d.stringBytes("string")
	if ok {
		*v = E(d.intern(b))
	}
	return err
}

// Interning bounds: enum values are short and few.
const (
	maxInterned    = 256
	maxInternedLen = 64
)

// intern returns b as a string, the same string for the same bytes.
func (d *Decoder) intern(b []byte) string {
	if s, ok := d.interned[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(b) <= maxInternedLen && len(d.interned) < maxInterned {
		if d.interned == nil {
			d.interned = make(map[string]string)
		}
		d.interned[s] = s
	}
	return s
}

// Bool reads a boolean.
func Bool(d *Decoder, v *bool) error {
	b, ok, err := boolean(d)
	return set(v, b, ok, err)
}

func boolean(d *Decoder) (bool, bool, error) {
	switch d.peek() {
	case jx.Bool:
		b, err := d.Bool()
		if err != nil {
			return false, false, malformed(err)
		}
		return b, true, nil
	case jx.Null:
		return false, false, d.Null()
	}
	return false, false, d.mismatch("boolean")
}

// set stores x in v when there was a value.
func set[T any](v *T, x T, ok bool, err error) error {
	if ok {
		*v = x
	}
	return err
}

// integer reads a JSON number that must be an integer within bits.
func integer(d *Decoder, bits int, expected string) (int64, bool, error) {
	if n, ok := d.plainInt(bits); ok {
		return n, true, nil
	}
	switch d.peek() {
	case jx.Number:
		raw, err := d.Raw()
		if err != nil {
			return 0, false, malformed(err)
		}
		if n, ok := parseInt(raw, bits); ok {
			return n, true, nil
		}
		return 0, false, &Error{Issue: Issue{Expected: expected, Raw: excerpt(raw)}}
	case jx.Null:
		return 0, false, d.Null()
	}
	return 0, false, d.mismatch(expected)
}

// parseInt parses a JSON number token that is a plain integer fitting
// bits (jx has checked its syntax).
func parseInt(b []byte, bits int) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false // fraction or exponent
		}
		n = n*10 + uint64(c-'0')
	}
	limit := uint64(1) << (bits - 1)
	if neg {
		if n > limit {
			return 0, false
		}
		return -int64(n), true
	}
	if n >= limit {
		return 0, false
	}
	return int64(n), true
}

// Int32 reads an integer that fits 32 bits.
func Int32(d *Decoder, v *int32) error {
	if n, ok := d.plainInt(32); ok {
		*v = int32(n)
		return nil
	}
	n, ok, err := int32Value(d)
	return set(v, n, ok, err)
}

func int32Value(d *Decoder) (int32, bool, error) {
	n, ok, err := integer(d, 32, "32-bit integer")
	return int32(n), ok, err
}

// Int64 reads an integer.
func Int64(d *Decoder, v *int64) error {
	if n, ok := d.plainInt(64); ok {
		*v = n
		return nil
	}
	n, ok, err := int64Value(d)
	return set(v, n, ok, err)
}

func int64Value(d *Decoder) (int64, bool, error) { return integer(d, 64, "integer") }

// Int64As reads an integer into a named int64 type (an enum).
func Int64As[E ~int64](d *Decoder, v *E) error {
	n := int64(*v)
	err := Int64(d, &n)
	*v = E(n)
	return err
}

// Float64 reads a number.
func Float64(d *Decoder, v *float64) error {
	f, ok, err := float(d)
	return set(v, f, ok, err)
}

func float(d *Decoder) (float64, bool, error) {
	if f, ok := d.plainFloat(); ok {
		return f, true, nil
	}
	switch d.peek() {
	case jx.Number:
		raw, err := d.Raw()
		if err != nil {
			return 0, false, malformed(err)
		}
		f, err := parseFloat(raw)
		if err != nil {
			return 0, false, &Error{Issue: Issue{Expected: "number", Raw: excerpt(raw)}}
		}
		return f, true, nil
	case jx.Null:
		return 0, false, d.Null()
	}
	return 0, false, d.mismatch("number")
}

// Float64As reads a number into a named float64 type (an enum).
func Float64As[E ~float64](d *Decoder, v *E) error {
	f := float64(*v)
	err := Float64(d, &f)
	*v = E(f)
	return err
}

// Time reads an RFC 3339 timestamp, as time.Time's UnmarshalJSON does.
func Time(d *Decoder, v *time.Time) error {
	t, ok, err := timestamp(d)
	return set(v, t, ok, err)
}

func timestamp(d *Decoder) (time.Time, bool, error) {
	b, ok, err := d.stringBytes("RFC 3339 date-time")
	if !ok {
		return time.Time{}, false, err
	}
	t, err := time.Parse(time.RFC3339, string(b))
	if err != nil {
		return time.Time{}, false, &Error{Issue: Issue{Expected: "RFC 3339 date-time", Raw: excerpt(strconv.AppendQuote(nil, string(b)))}}
	}
	return t, true, nil
}

// Bytes reads a standard base64 string, as encoding/json does for []byte.
func Bytes(d *Decoder, v *[]byte) error {
	switch {
	case d.at('"') || d.peek() == jx.String:
		s, err := d.StrBytes()
		if err != nil {
			return malformed(err)
		}
		b := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
		n, err := base64.StdEncoding.Decode(b, s)
		if err != nil {
			*v = nil
			return &Error{Issue: Issue{Expected: "base64 string", Raw: excerpt(strconv.AppendQuote(nil, string(s)))}}
		}
		*v = b[:n]
		return nil
	case d.peek() == jx.Null:
		*v = nil
		return d.Null()
	}
	*v = nil
	return d.mismatch("base64 string")
}

// Raw keeps any value as JSON (a copy: the input buffer is reused).
func Raw(d *Decoder, v *json.RawMessage) error {
	r, err := d.Decoder.Raw()
	if err != nil {
		return malformed(err)
	}
	*v = bytes.Clone(r)
	return nil
}

// Unmarshaler hands the value to v's own UnmarshalJSON (unions, objects
// with additional properties). Issues it tolerated join d's; any other
// error is the value's. Generic in the pointer type, it is itself a
// reader (jsonx.Unmarshaler[*T]); constrained by any rather than
// json.Unmarshaler, it is compiled once for every T.
func Unmarshaler[P any](d *Decoder, v P) error {
	r, err := d.Decoder.Raw()
	if err != nil {
		return malformed(err)
	}
	return d.adopt(r, any(v).(json.Unmarshaler).UnmarshalJSON(r))
}

// Std reads a value with encoding/json: types whose generated reader
// would contain itself (a recursive array or map).
func Std[T any](d *Decoder, v *T) error {
	r, err := d.Decoder.Raw()
	if err != nil {
		return malformed(err)
	}
	return d.adopt(r, json.Unmarshal(r, v))
}

// adopt turns the error of decoding r elsewhere into d's terms: its
// tolerated issues join d's, and any other error is a value that does not
// fit (r was read whole, so decoding can go on).
func (d *Decoder) adopt(r []byte, err error) error {
	if err == nil {
		return nil
	}
	var ie *IssuesError
	if errors.As(err, &ie) {
		for _, is := range ie.Issues {
			is.Path = trimRoot(is.Path)
			d.issues = append(d.issues, is)
		}
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		e.Path = trimRoot(e.Path)
		e.syntax = false
		return e
	}
	return &Error{Issue: Issue{Expected: "a value of the schema", Raw: excerpt(r)}, Err: err}
}

// Opt reads a value that may be absent; null leaves it absent. A value
// that cannot be read leaves it absent.
func Opt[T any](d *Decoder, v *opt.Opt[T], read Reader[T]) error {
	if d.peek() == jx.Null {
		return d.Null()
	}
	if err := read(d, &v.Value); err != nil {
		*v = opt.Opt[T]{}
		return err
	}
	v.Set = true
	return nil
}

// Nullable reads a value that may be absent, null or set. A value that
// cannot be read leaves it absent.
func Nullable[T any](d *Decoder, v *opt.Nullable[T], read Reader[T]) error {
	if d.peek() == jx.Null {
		var zero T
		v.Value, v.Set, v.Null = zero, true, true
		return d.Null()
	}
	if err := read(d, &v.Value); err != nil {
		*v = opt.Nullable[T]{}
		return err
	}
	v.Set, v.Null = true, false
	return nil
}

// Ptr reads a value held by pointer (optional structs, recursive types);
// null, or a value that cannot be read, gives nil. P is the pointer type
// (*T): generic in the pointer only and constrained by any, Ptr is
// compiled once for every T (such pointers share one shape) instead of
// once per struct.
func Ptr[P any](d *Decoder, v *P, read func(*Decoder, P) error) error {
	var none P
	if d.peek() == jx.Null {
		*v = none
		return d.Null()
	}
	if *(*unsafe.Pointer)(unsafe.Pointer(v)) == nil { // P is a pointer
		*v = alloc[P]()
	}
	if err := read(d, *v); err != nil {
		*v = none
		return err
	}
	return nil
}

// NullableAt is Nullable for a value read through its pointer (structs,
// unions): value, set and null are the fields of an opt.Nullable. Like
// Ptr it is generic in the pointer type only, so one body serves every
// type.
func NullableAt[P any](d *Decoder, value P, set, null *bool, read func(*Decoder, P) error) error {
	if d.peek() == jx.Null {
		zero(value)
		*set, *null = true, true
		return d.Null()
	}
	if err := read(d, value); err != nil {
		zero(value)
		*set, *null = false, false
		return err
	}
	*set, *null = true, false
	return nil
}

// alloc returns a new zero value of the type P points to (P is a
// pointer: its bits are the address reflect.New returns).
func alloc[P any]() P {
	p := reflect.New(reflect.TypeFor[P]().Elem()).UnsafePointer()
	return *(*P)(unsafe.Pointer(&p))
}

// zero sets the value p points to to its zero value.
func zero[P any](p P) { reflect.ValueOf(p).Elem().SetZero() }

// keep returns a syntax error (decoding cannot go on) and stores the
// first other one in first, so that the container is read to its end.
func keep(first *error, err error) error {
	if e := err.(*Error); e.syntax {
		return err
	}
	if *first == nil {
		*first = err
	}
	return nil
}

// Map reads an object of values of one type; null, or an object that
// cannot be read, gives nil.
func Map[T any](d *Decoder, v *map[string]T, read Reader[T]) error {
	return mapInto(d, v, read, new(T))
}

// StringMap is Map(d, v, String) without an allocation per value: each is
// read into the Decoder's cell.
func StringMap(d *Decoder, v *map[string]string) error {
	return mapInto(d, v, String, &d.cell)
}

// mapInto is Map reading each value into cell (read takes a pointer,
// which would otherwise move every value to the heap).
func mapInto[T any](d *Decoder, v *map[string]T, read Reader[T], cell *T) error {
	switch {
	case d.at('{') || d.peek() == jx.Object:
	case d.peek() == jx.Null:
		*v = nil
		return d.Null()
	default:
		*v = nil
		return d.mismatch("object")
	}
	if *v == nil {
		*v = map[string]T{}
	}
	m := *v
	var first error // a value that does not fit: the object is still read to its end
	var err error
	if k, ok := d.open('{'); ok {
		key, s := d.firstKey()
		for ; s == atValue; key, s = d.nextKey() {
			if err = readEntry(d, m, key, read, cell, &first); err != nil {
				break
			}
		}
		if s == broken {
			err = d.reread(k)
		}
	} else {
		err = d.ObjBytes(func(_ *jx.Decoder, key []byte) error {
			return readEntry(d, m, key, read, cell, &first)
		})
	}
	var zero T
	*cell = zero // keeps nothing alive
	if err != nil || first != nil {
		*v = nil
		return wrapSyntax(cmp.Or(err, first))
	}
	return nil
}

// readEntry reads the value of the entry named key into cell with read
// and stores it in m; it returns malformed JSON, and keeps a value that
// does not fit in first, so the object is still read to its end.
func readEntry[T any](d *Decoder, m map[string]T, key []byte, read Reader[T], cell *T, first *error) error {
	var zero T
	*cell = zero
	n := len(d.issues)
	if err := read(d, cell); err != nil {
		return keep(first, at(err, memberPath(key)))
	}
	if len(d.issues) != n {
		prefix(d.issues[n:], memberPath(key))
	}
	m[string(key)] = *cell
	return nil
}

// Package jsonx holds the building blocks of the JSON decoders apigen
// generates for each struct: readers of one value from a
// github.com/go-faster/jx decoder into a typed place. A generated decoder
// is a switch on the member name whose cases are one call each:
//
//	case "name":
//		return jsonx.String(d, &s.Name)
//	case "tags":
//		return jsonx.Slice(d, &s.Tags, jsonx.String)
//
// Readers follow encoding/json's rules where they meet: null leaves a
// plain value as it was (and marks an opt.Nullable null), unknown members
// are skipped, a value of the wrong JSON type is an error. Member names
// match exactly (encoding/json also accepts other letter cases).
package jsonx

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/go-faster/jx"

	"github.com/apigen-go/apigen/runtime/opt"
)

// Reader reads one JSON value from d into v.
type Reader[T any] func(d *jx.Decoder, v *T) error

// Unmarshal decodes data into v with read; only whitespace may follow.
func Unmarshal[T any](data []byte, v *T, read Reader[T]) error {
	d := jx.GetDecoder()
	defer jx.PutDecoder(d)
	d.ResetBytes(data)
	if err := read(d, v); err != nil {
		return err
	}
	if d.Next() != jx.Invalid {
		return fmt.Errorf("jsonx: data after the top-level value")
	}
	return nil
}

// null consumes a JSON null and reports whether there was one.
func null(d *jx.Decoder) (bool, error) {
	if d.Next() != jx.Null {
		return false, nil
	}
	return true, d.Null()
}

// String reads a string.
func String(d *jx.Decoder, v *string) error {
	if ok, err := null(d); ok || err != nil {
		return err
	}
	s, err := d.Str()
	if err != nil {
		return err
	}
	*v = s
	return nil
}

// StringAs reads a string into a named string type (an enum).
func StringAs[E ~string](d *jx.Decoder, v *E) error {
	s := string(*v)
	err := String(d, &s)
	*v = E(s)
	return err
}

// Bool reads a boolean.
func Bool(d *jx.Decoder, v *bool) error {
	if ok, err := null(d); ok || err != nil {
		return err
	}
	b, err := d.Bool()
	if err != nil {
		return err
	}
	*v = b
	return nil
}

// Int32 reads an integer that fits 32 bits.
func Int32(d *jx.Decoder, v *int32) error {
	if ok, err := null(d); ok || err != nil {
		return err
	}
	n, err := d.Int32()
	if err != nil {
		return err
	}
	*v = n
	return nil
}

// Int64 reads an integer.
func Int64(d *jx.Decoder, v *int64) error {
	if ok, err := null(d); ok || err != nil {
		return err
	}
	n, err := d.Int64()
	if err != nil {
		return err
	}
	*v = n
	return nil
}

// Int64As reads an integer into a named int64 type (an enum).
func Int64As[E ~int64](d *jx.Decoder, v *E) error {
	n := int64(*v)
	err := Int64(d, &n)
	*v = E(n)
	return err
}

// Float64 reads a number.
func Float64(d *jx.Decoder, v *float64) error {
	if ok, err := null(d); ok || err != nil {
		return err
	}
	f, err := d.Float64()
	if err != nil {
		return err
	}
	*v = f
	return nil
}

// Float64As reads a number into a named float64 type (an enum).
func Float64As[E ~float64](d *jx.Decoder, v *E) error {
	f := float64(*v)
	err := Float64(d, &f)
	*v = E(f)
	return err
}

// Time reads an RFC 3339 timestamp, as time.Time's UnmarshalJSON does.
func Time(d *jx.Decoder, v *time.Time) error {
	if ok, err := null(d); ok || err != nil {
		return err
	}
	b, err := d.StrBytes()
	if err != nil {
		return err
	}
	t, err := time.Parse(time.RFC3339, string(b))
	if err != nil {
		return err
	}
	*v = t
	return nil
}

// Bytes reads a standard base64 string, as encoding/json does for []byte.
func Bytes(d *jx.Decoder, v *[]byte) error {
	if ok, err := null(d); ok || err != nil {
		*v = nil
		return err
	}
	b, err := d.Base64()
	if err != nil {
		return err
	}
	*v = b
	return nil
}

// Raw keeps any value as JSON (a copy: the input buffer is reused).
func Raw(d *jx.Decoder, v *json.RawMessage) error {
	r, err := d.Raw()
	if err != nil {
		return err
	}
	*v = bytes.Clone(r)
	return nil
}

// Unmarshaler hands the value to v's own UnmarshalJSON (unions, objects
// with additional properties).
func Unmarshaler(d *jx.Decoder, v json.Unmarshaler) error {
	r, err := d.Raw()
	if err != nil {
		return err
	}
	return v.UnmarshalJSON(r)
}

// Opt reads a value that may be absent; null leaves it absent.
func Opt[T any](d *jx.Decoder, v *opt.Opt[T], read Reader[T]) error {
	if ok, err := null(d); ok || err != nil {
		return err
	}
	if err := read(d, &v.Value); err != nil {
		return err
	}
	v.Set = true
	return nil
}

// Nullable reads a value that may be absent, null or set.
func Nullable[T any](d *jx.Decoder, v *opt.Nullable[T], read Reader[T]) error {
	if ok, err := null(d); ok || err != nil {
		if err == nil {
			var zero T
			v.Value, v.Set, v.Null = zero, true, true
		}
		return err
	}
	if err := read(d, &v.Value); err != nil {
		return err
	}
	v.Set, v.Null = true, false
	return nil
}

// Ptr reads a value held by pointer (recursive types); null gives nil.
func Ptr[T any](d *jx.Decoder, v **T, read Reader[T]) error {
	if ok, err := null(d); ok || err != nil {
		*v = nil
		return err
	}
	if *v == nil {
		*v = new(T)
	}
	return read(d, *v)
}

// Slice reads an array; null gives nil.
func Slice[T any](d *jx.Decoder, v *[]T, read Reader[T]) error {
	if ok, err := null(d); ok || err != nil {
		*v = nil
		return err
	}
	s := (*v)[:0]
	if s == nil {
		s = []T{} // [] decodes to an empty, non-nil slice, as with encoding/json
	}
	err := d.Arr(func(d *jx.Decoder) error {
		var zero T
		s = append(s, zero)
		return read(d, &s[len(s)-1])
	})
	*v = s
	return err
}

// Map reads an object of values of one type; null gives nil.
func Map[T any](d *jx.Decoder, v *map[string]T, read Reader[T]) error {
	if ok, err := null(d); ok || err != nil {
		*v = nil
		return err
	}
	if *v == nil {
		*v = map[string]T{}
	}
	m := *v
	return d.ObjBytes(func(d *jx.Decoder, key []byte) error {
		var e T
		if err := read(d, &e); err != nil {
			return err
		}
		m[string(key)] = e
		return nil
	})
}

// Object reads an object whose members member handles, one per call with
// its name; member returns d.Skip() for names it does not know. null
// leaves the value as it was.
func Object(d *jx.Decoder, member func(d *jx.Decoder, key []byte) error) error {
	if ok, err := null(d); ok || err != nil {
		return err
	}
	return d.ObjBytes(member)
}

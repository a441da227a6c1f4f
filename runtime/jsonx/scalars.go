package jsonx

import (
	"time"

	"github.com/apigen-go/apigen/runtime/opt"
)

// The readers of optional and nullable scalars: Opt and Nullable with the
// scalar's reader built in, which peek at the next token once instead of
// twice and call no function value. Generated decoders use them for every
// scalar member that may be absent (the most common kind of member).

// OptString is Opt(d, v, String).
func OptString(d *Decoder, v *opt.Opt[string]) error {
	s, ok, err := str(d)
	return setOpt(v, s, ok, err)
}

// OptBool is Opt(d, v, Bool).
func OptBool(d *Decoder, v *opt.Opt[bool]) error {
	b, ok, err := boolean(d)
	return setOpt(v, b, ok, err)
}

// OptInt32 is Opt(d, v, Int32).
func OptInt32(d *Decoder, v *opt.Opt[int32]) error {
	n, ok, err := int32Value(d)
	return setOpt(v, n, ok, err)
}

// OptInt64 is Opt(d, v, Int64).
func OptInt64(d *Decoder, v *opt.Opt[int64]) error {
	n, ok, err := int64Value(d)
	return setOpt(v, n, ok, err)
}

// OptFloat64 is Opt(d, v, Float64).
func OptFloat64(d *Decoder, v *opt.Opt[float64]) error {
	f, ok, err := float(d)
	return setOpt(v, f, ok, err)
}

// OptTime is Opt(d, v, Time).
func OptTime(d *Decoder, v *opt.Opt[time.Time]) error {
	t, ok, err := timestamp(d)
	return setOpt(v, t, ok, err)
}

// NullableString is Nullable(d, v, String).
func NullableString(d *Decoder, v *opt.Nullable[string]) error {
	s, ok, err := str(d)
	return setNullable(v, s, ok, err)
}

// NullableBool is Nullable(d, v, Bool).
func NullableBool(d *Decoder, v *opt.Nullable[bool]) error {
	b, ok, err := boolean(d)
	return setNullable(v, b, ok, err)
}

// NullableInt32 is Nullable(d, v, Int32).
func NullableInt32(d *Decoder, v *opt.Nullable[int32]) error {
	n, ok, err := int32Value(d)
	return setNullable(v, n, ok, err)
}

// NullableInt64 is Nullable(d, v, Int64).
func NullableInt64(d *Decoder, v *opt.Nullable[int64]) error {
	n, ok, err := int64Value(d)
	return setNullable(v, n, ok, err)
}

// NullableFloat64 is Nullable(d, v, Float64).
func NullableFloat64(d *Decoder, v *opt.Nullable[float64]) error {
	f, ok, err := float(d)
	return setNullable(v, f, ok, err)
}

// NullableTime is Nullable(d, v, Time).
func NullableTime(d *Decoder, v *opt.Nullable[time.Time]) error {
	t, ok, err := timestamp(d)
	return setNullable(v, t, ok, err)
}

// setOpt stores a scalar read as Opt does: null leaves v as it was, a
// value that cannot be read leaves it absent.
func setOpt[T any](v *opt.Opt[T], x T, ok bool, err error) error {
	switch {
	case ok:
		v.Value, v.Set = x, true
	case err != nil:
		*v = opt.Opt[T]{}
	}
	return err
}

// setNullable stores a scalar read as Nullable does: null is set and
// null, a value that cannot be read leaves v absent.
func setNullable[T any](v *opt.Nullable[T], x T, ok bool, err error) error {
	switch {
	case ok:
		*v = opt.Nullable[T]{Value: x, Set: true}
	case err == nil:
		*v = opt.Nullable[T]{Set: true, Null: true}
	default:
		*v = opt.Nullable[T]{}
	}
	return err
}

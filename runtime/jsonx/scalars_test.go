package jsonx

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/opt"
)

// sameAs decodes in as the member "v" twice, with the generic reader and
// with its specialised form, into values already set to start, and
// requires the same value and the same error or issues.
func sameAs[T any](t *testing.T, in string, start T, generic, special Reader[T]) {
	t.Helper()
	decode := func(read Reader[T]) (T, string) {
		v := start
		err := Unmarshal([]byte(in), &v, func(d *Decoder, v *T) error {
			return Object(d, nil, v, func(d *Decoder, v *T, key []byte) (int, error) {
				if string(key) == "v" {
					return Optional, read(d, v)
				}
				return Unknown, nil
			})
		})
		return v, fmt.Sprint(err)
	}
	gv, gerr := decode(generic)
	sv, serr := decode(special)
	if !reflect.DeepEqual(gv, sv) || gerr != serr {
		t.Errorf("%s: generic %+v, %s; specialised %+v, %s", in, gv, gerr, sv, serr)
	}
}

// The specialised readers (OptString, NullableInt64, StringMap, …) read
// every input as Opt, Nullable and Map with the scalar's reader do:
// values, null, absent members and values of the wrong type, into zero
// and into already set values.
func TestSpecialisedReadersMatchGeneric(t *testing.T) {
	ins := []string{`{}`, `{"v":null}`, `{"v":"x\u00e9"}`, `{"v":"2026-12-07T16:00:00Z"}`, `{"v":"nope"}`, `{"v":true}`,
		`{"v":12}`, `{"v":-3000000000}`, `{"v":1.5}`, `{"v":1e400}`, `{"v":[1]}`, `{"v":{"a":"b","c":null}}`, `{"v":{"a":1}}`}
	now := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, in := range ins {
		sameAs(t, in, opt.Opt[string]{}, optOf(String), OptString)
		sameAs(t, in, opt.Some("old"), optOf(String), OptString)
		sameAs(t, in, opt.Some(true), optOf(Bool), OptBool)
		sameAs(t, in, opt.Some(int32(7)), optOf(Int32), OptInt32)
		sameAs(t, in, opt.Some(int64(7)), optOf(Int64), OptInt64)
		sameAs(t, in, opt.Some(2.5), optOf(Float64), OptFloat64)
		sameAs(t, in, opt.Some(now), optOf(Time), OptTime)
		sameAs(t, in, opt.Nullable[string]{}, nullableOf(String), NullableString)
		sameAs(t, in, opt.Nullable[bool]{Value: true, Set: true}, nullableOf(Bool), NullableBool)
		sameAs(t, in, opt.Nullable[int32]{}, nullableOf(Int32), NullableInt32)
		sameAs(t, in, opt.Nullable[int64]{Value: 7, Set: true}, nullableOf(Int64), NullableInt64)
		sameAs(t, in, opt.Nullable[float64]{}, nullableOf(Float64), NullableFloat64)
		sameAs(t, in, opt.Nullable[time.Time]{Value: now, Set: true}, nullableOf(Time), NullableTime)
		sameAs(t, in, map[string]string(nil), func(d *Decoder, v *map[string]string) error { return Map(d, v, String) }, StringMap)
		sameAs(t, in, map[string]string{"old": "x"}, func(d *Decoder, v *map[string]string) error { return Map(d, v, String) }, StringMap)
		sameAs(t, in, "old", String, StringAs[string])
	}
}

func optOf[T any](read Reader[T]) Reader[opt.Opt[T]] {
	return func(d *Decoder, v *opt.Opt[T]) error { return Opt(d, v, read) }
}

func nullableOf[T any](read Reader[T]) Reader[opt.Nullable[T]] {
	return func(d *Decoder, v *opt.Nullable[T]) error { return Nullable(d, v, read) }
}

// StringAs reads each distinct enum value into one string, so that
// repeated values cost no allocation, and still reads every value.
func TestStringAsInterns(t *testing.T) {
	type color string
	var got []color
	in := []byte(`["red","green","red","a \"quoted\" one","red"]`)
	if err := Unmarshal(in, &got, func(d *Decoder, v *[]color) error { return Slice(d, v, StringAs[color]) }); err != nil {
		t.Fatal(err)
	}
	if want := []color{"red", "green", "red", `a "quoted" one`, "red"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	d := new(Decoder) // not from the pool, which -race empties at random
	red := []byte(`"red"`)
	var c color
	allocs := testing.AllocsPerRun(100, func() {
		d.ResetBytes(red)
		_ = StringAs(d, &c)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per decode of values read before, want 0", allocs)
	}
}

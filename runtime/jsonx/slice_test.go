package jsonx

import (
	"cmp"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/go-faster/jx"

	"github.com/apigen-go/apigen/runtime/opt"
)

// Slice reads any element type through its pointer: the values, null,
// [] and errors of a Slice[T] that appends, into nil and into slices
// that already hold values (which must not leak into the result).
func TestSliceMatchesAppend(t *testing.T) {
	long := func(n int, elem string) string {
		return "[" + strings.TrimSuffix(strings.Repeat(elem+",", n), ",") + "]"
	}
	ins := []string{`null`, `[]`, `[1]`, `[1,2,3]`, `{}`, `"a"`, `[1,"x",3]`, `[1,null,3]`, long(300, "7"), long(1000, "1"), long(5, `{"a":1}`)}
	for _, in := range ins {
		for _, start := range [][]int64{nil, {}, {9, 9, 9, 9}, make([]int64, 2, 1000)} {
			got := start
			gotErr := Unmarshal([]byte(in), &got, func(d *Decoder, v *[]int64) error { return Slice(d, v, Int64) })
			want, wantErr := appended(in, Int64)
			if !reflect.DeepEqual(got, want) || fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
				t.Errorf("%.40s into %v: %v, %v; want %v, %v", in, len(start), got, gotErr, want, wantErr)
			}
		}
	}
	// Struct elements: a reused backing array keeps nothing of before.
	old := []owner{{Name: "old", Age: 1}, {Name: "old2", Age: 2}}
	if err := Unmarshal([]byte(`[{"age":5},{"name":"b"}]`), &old, func(d *Decoder, v *[]owner) error {
		return Slice(d, v, decodeOwner)
	}); err != nil || !reflect.DeepEqual(old, []owner{{Age: 5}, {Name: "b"}}) {
		t.Errorf("owners: %+v, %v", old, err)
	}
	// Issues of elements carry the element's index.
	var ns []opt.Opt[int64]
	err := Unmarshal([]byte(`[1,"x"]`), &ns, func(d *Decoder, v *[]opt.Opt[int64]) error {
		return Slice(d, v, func(d *Decoder, v *opt.Opt[int64]) error { return d.tolerate(OptInt64(d, v)) })
	})
	if ie, ok := err.(*IssuesError); !ok || len(ie.Issues) != 1 || ie.Issues[0].Path != "$[1]" || len(ns) != 2 || ns[0].Value != 1 {
		t.Errorf("issues: %v, %v", err, ns)
	}
}

// appended decodes in with what Slice was before it was generic in the
// pointer type: it appended each element to (*v)[:0].
func appended[T any](in string, read Reader[T]) ([]T, error) {
	var out []T
	err := Unmarshal([]byte(in), &out, func(d *Decoder, v *[]T) error {
		switch {
		case d.at('[') || d.peek() == jx.Array:
		case d.peek() == jx.Null:
			*v = nil
			return d.Null()
		default:
			*v = nil
			return d.mismatch("array")
		}
		s := []T{}
		var first error
		err := d.Arr(func(*jx.Decoder) error {
			var zero T
			s = append(s, zero)
			n := len(d.issues)
			if err := read(d, &s[len(s)-1]); err != nil {
				return keep(&first, at(err, index(len(s)-1)))
			}
			if len(d.issues) != n {
				prefix(d.issues[n:], index(len(s)-1))
			}
			return nil
		})
		if err != nil || first != nil {
			*v = nil
			return wrapSyntax(cmp.Or(err, first))
		}
		*v = s
		return nil
	})
	return out, err
}

// Slice grows the backing array as append does, but for room for 4 small
// elements at the second and doubling past 256.
func TestSliceGrowth(t *testing.T) {
	for _, n := range []int{1, 2, 4, 5, 256, 257, 1000, 5000} {
		in := "[" + strings.TrimSuffix(strings.Repeat("1,", n), ",") + "]"
		var got []int64
		if err := Unmarshal([]byte(in), &got, func(d *Decoder, v *[]int64) error { return Slice(d, v, Int64) }); err != nil {
			t.Fatal(err)
		}
		var want []int64
		for range n {
			switch {
			case len(want) == 1 && cap(want) == 1:
				want = append(make([]int64, 0, 4), want...)
			case len(want) == cap(want) && len(want) >= 256:
				want = append(want[:cap(want)], make([]int64, len(want))...)[:len(want)]
			}
			want = append(want, 1)
		}
		grown = want // on the heap, as a decoded slice is
		if len(got) != n || cap(got) != cap(want) {
			t.Errorf("%d elements: len %d cap %d, want cap %d", n, len(got), cap(got), cap(want))
		}
	}
}

var grown []int64

// Elements of more than 64 bytes start at one, as with append.
func TestSliceGrowthOfLargeElements(t *testing.T) {
	type big struct{ A [9]int64 }
	var got []big
	err := Unmarshal([]byte(`[{}]`), &got, func(d *Decoder, v *[]big) error {
		return Slice(d, v, func(d *Decoder, v *big) error {
			return Object(d, nil, v, func(*Decoder, *big, []byte) (int, error) { return Unknown, nil })
		})
	})
	if err != nil || len(got) != 1 || cap(got) != 1 {
		t.Errorf("len %d cap %d, %v", len(got), cap(got), err)
	}
}

// A reader of another type than the slice's elements is the generator's
// bug: Slice refuses it rather than write past the elements.
func TestSliceRejectsWrongReader(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	var s []int32
	_ = Unmarshal([]byte(`[1]`), &s, func(d *Decoder, v *[]int32) error { return Slice(d, v, Int64) })
}

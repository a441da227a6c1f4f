package jsonx

import (
	"fmt"
	"reflect"
	"unsafe"

	"github.com/go-faster/jx"
)

// sliceHeader is the layout of a slice.
type sliceHeader struct {
	data     unsafe.Pointer
	len, cap int
}

// empty is where an empty, non-nil slice points.
var empty [0]uint64

// Slice reads an array into v, a *[]T, with read reading one element (P
// is *T); null, or an array that cannot be read, gives nil. Generic in
// the element's pointer type only, Slice is compiled once for all element
// types (a Slice[T] would be compiled once per struct element type): it
// addresses the elements by their size and grows the backing array
// through reflect, once per growth. v is checked to be a *[]T (it panics
// otherwise).
func Slice[P any](d *Decoder, v any, read func(*Decoder, P) error) error {
	elem := reflect.TypeFor[P]().Elem()
	if reflect.TypeOf(v).Elem().Elem() != elem {
		panic(fmt.Sprintf("jsonx: Slice into %T with a reader of %v", v, elem))
	}
	pv := reflect.ValueOf(v)
	h := (*sliceHeader)(pv.UnsafePointer())
	switch {
	case d.at('[') || d.peek() == jx.Array:
	case d.peek() == jx.Null:
		*h = sliceHeader{}
		return d.Null()
	default:
		*h = sliceHeader{}
		return d.mismatch("array")
	}
	if h.data == nil {
		h.data = unsafe.Pointer(&empty) // [] decodes to an empty, non-nil slice, as with encoding/json
	} else if h.cap > 0 {
		pv.Elem().Slice(0, h.cap).Clear() // elements are read into zero values
	}
	h.len = 0
	size := elem.Size()
	var first error // a value that does not fit: the array is still read to its end
	if k, ok := d.open('['); ok {
		for s := d.firstElement(); s != closed; s = d.nextElement() {
			if s == broken {
				*h = sliceHeader{}
				return d.reread(k)
			}
			if err := readElement(d, pv, h, size, read, &first); err != nil {
				*h = sliceHeader{}
				return err
			}
		}
	} else if err := d.Arr(func(*jx.Decoder) error {
		return readElement(d, pv, h, size, read, &first)
	}); err != nil {
		*h = sliceHeader{}
		return wrapSyntax(err)
	}
	if first != nil {
		*h = sliceHeader{}
		return first
	}
	return nil
}

// readElement reads the next element of the slice h heads (pv points to
// it) with read, and returns malformed JSON; a value that does not fit
// is kept in first, so the array is still read to its end.
func readElement[P any](d *Decoder, pv reflect.Value, h *sliceHeader, size uintptr, read func(*Decoder, P) error, first *error) error {
	if h.len == h.cap {
		// As append grows, but for two things: an array of elements of
		// at most 64 bytes that has a second element makes room for 4
		// (most arrays in responses are short: two allocations instead
		// of three, and a single element is held exactly), and beyond
		// 256 elements it doubles (append grows by 1.25× there, copying
		// a long array of decoded values several times). New elements
		// are zero.
		grow := 1
		switch {
		case h.len >= 256:
			grow = h.len
		case h.cap == 1 && size <= 64:
			grow = 3
		}
		pv.Elem().Grow(grow)
	}
	i := h.len
	p := unsafe.Add(h.data, uintptr(i)*size)
	h.len++
	n := len(d.issues)
	if err := read(d, *(*P)(unsafe.Pointer(&p))); err != nil {
		return keep(first, at(err, index(i)))
	}
	if len(d.issues) != n {
		prefix(d.issues[n:], index(i))
	}
	return nil
}

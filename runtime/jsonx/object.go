package jsonx

import (
	"cmp"
	"fmt"
	"math/bits"
	"reflect"
	"unsafe"

	"github.com/go-faster/jx"
)

// Members are the JSON members a generated decoder reads, numbered in
// the order of its cases, and which of them are required. A decoder of
// a struct is two functions and a Members: the one Object calls with the
// index of each member it finds, and its entry point:
//
//	var membersPet = jsonx.NewMembers([]string{"id", "name", "tag"}, "id", "name")
//
//	func decodePet(d *jsonx.Decoder, s *Pet) error {
//		return jsonx.Object(d, membersPet, s, decodePetMember)
//	}
//
//	func decodePetMember(d *jsonx.Decoder, s *Pet, i int) error {
//		switch i {
//		case 0: // id
//			return jsonx.Int64(d, &s.ID)
//		…
//
// The name look-up, the required-member check and the tolerance of
// members that are not required all live here, once, rather than in a
// closure and a switch on the name per struct.
type Members struct {
	names []string
	// required is the position of member i among the required members
	// (the bit Object sets when it meets it), or -1.
	required  []int32
	nrequired int
	// table maps a name's hash to its index+1 (0: empty), with linear
	// probing; its length is a power of two, 2^(64-shift).
	table []uint16
	shift uint
}

// NewMembers numbers names (the members of one struct, each once) and
// marks those listed in required (each one of names) as required. It
// panics otherwise: the generator wrote a wrong table.
func NewMembers(names []string, required ...string) *Members {
	m := &Members{names: names, required: make([]int32, len(names))}
	for i := range m.required {
		m.required[i] = -1
	}
	index := make(map[string]int, len(names))
	for i, n := range names {
		if _, dup := index[n]; dup || len(names) >= 1<<16-1 {
			panic(fmt.Sprintf("jsonx: member %q twice or too many members", n))
		}
		index[n] = i
	}
	for _, n := range required {
		i, ok := index[n]
		if !ok || m.required[i] >= 0 {
			panic(fmt.Sprintf("jsonx: required member %q unknown or listed twice", n))
		}
		m.required[i] = int32(m.nrequired)
		m.nrequired++
	}
	size := 2
	for size < 2*len(names) {
		size *= 2
	}
	m.table = make([]uint16, size)
	m.shift = uint(64 - bits.TrailingZeros(uint(size)))
	for i, n := range names {
		h := m.hash(n)
		for m.table[h] != 0 {
			h = (h + 1) & uint(len(m.table)-1)
		}
		m.table[h] = uint16(i + 1)
	}
	return m
}

// hash mixes a name's length and its first, middle and last bytes
// (names of one struct mostly differ there) into a slot of the table.
func (m *Members) hash(key string) uint {
	n := len(key)
	h := uint64(n)
	if n > 0 {
		h |= uint64(key[0])<<8 | uint64(key[n/2])<<16 | uint64(key[n-1])<<24
	}
	return uint((h * 0x9E3779B97F4A7C15) >> m.shift)
}

// index returns the number of the member named key, or -1.
func (m *Members) index(key []byte) int {
	mask := uint(len(m.table) - 1)
	for h := m.hash(string(key)); ; h = (h + 1) & mask {
		e := m.table[h]
		if e == 0 {
			return -1
		}
		if m.names[e-1] == string(key) {
			return int(e - 1)
		}
	}
}

// Object reads an object into v (P is the pointer type, *T: generic in
// the pointer only, Object is compiled once for every struct): member
// reads member i of m into v, members that m does not know are skipped. A
// required member that is absent is an error (the first of them in m's
// order; only the first 64 required members are tracked). A member that
// is not required tolerates a value it cannot read: left zero by its
// reader and reported as an Issue. null leaves v as it was.
func Object[P any](d *Decoder, m *Members, v P, member func(d *Decoder, v P, i int) error) error {
	switch {
	case d.at('{') || d.peek() == jx.Object:
	case d.peek() == jx.Null:
		return d.Null()
	default:
		return d.mismatch("object")
	}
	var seen uint64
	var first error // a member that does not fit: the object is still read to its end
	err := d.ObjBytes(func(_ *jx.Decoder, key []byte) error {
		i := m.index(key)
		if i < 0 {
			if err := d.Skip(); err != nil {
				return keep(&first, at(err, memberPath(key)))
			}
			return nil
		}
		n := len(d.issues)
		err := member(d, v, i)
		if r := m.required[i]; r >= 0 {
			if r < 64 {
				seen |= 1 << r
			}
		} else if err != nil {
			err = d.tolerate(err)
		}
		if err != nil {
			return keep(&first, at(err, memberPath(key)))
		}
		if len(d.issues) != n {
			prefix(d.issues[n:], memberPath(key))
		}
		return nil
	})
	if err != nil || first != nil {
		return wrapSyntax(cmp.Or(err, first))
	}
	if want := all(m.nrequired); seen&want != want {
		for i, r := range m.required {
			if r >= 0 && r < 64 && seen&(1<<r) == 0 {
				return &Error{Issue: Issue{Path: memberPath([]byte(m.names[i])), Expected: "required member", Raw: absent}}
			}
		}
	}
	return nil
}

// all is the mask of the first n required members Object tracks.
func all(n int) uint64 {
	if n >= 64 {
		return ^uint64(0)
	}
	return 1<<n - 1
}

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
	pv := reflect.ValueOf(v)
	elem := reflect.TypeFor[P]().Elem()
	if pv.Kind() != reflect.Pointer || pv.Type().Elem().Kind() != reflect.Slice || pv.Type().Elem().Elem() != elem {
		panic(fmt.Sprintf("jsonx: Slice into %T with a reader of %v", v, elem))
	}
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
	err := d.Arr(func(*jx.Decoder) error {
		if h.len == h.cap {
			// As append grows, and doubling beyond 256 elements (append
			// grows by 1.25× there, copying a long array of decoded
			// values several times). The new elements are zero.
			grow := 1
			if h.len >= 256 {
				grow = h.len
			}
			pv.Elem().Grow(grow)
		}
		i := h.len
		p := unsafe.Add(h.data, uintptr(i)*size)
		h.len++
		n := len(d.issues)
		if err := read(d, *(*P)(unsafe.Pointer(&p))); err != nil {
			return keep(&first, at(err, index(i)))
		}
		if len(d.issues) != n {
			prefix(d.issues[n:], index(i))
		}
		return nil
	})
	if err != nil || first != nil {
		*h = sliceHeader{}
		return wrapSyntax(cmp.Or(err, first))
	}
	return nil
}

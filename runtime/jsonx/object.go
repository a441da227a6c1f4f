package jsonx

import (
	"github.com/go-faster/jx"
)

// The numbers a generated member function returns besides the error of
// reading a member (see Object).
const (
	// Optional is the number of a member that is not required.
	Optional = -1
	// Unknown says the name is not a member: Object skips its value.
	Unknown = -2
)

// Object reads an object into v (P is the pointer type, *T: generic in
// the pointer only, Object is compiled once for every struct). member,
// one generated function per struct, reads the member named key into v
// and returns its number: the member's position in required (its
// absence is an error), Optional, or Unknown (then it reads nothing and
// Object skips the value):
//
//	var requiredPet = []string{"id", "name"}
//
//	func decodePet(d *jsonx.Decoder, s *Pet) error {
//		return jsonx.Object(d, requiredPet, s, readPetMember)
//	}
//
//	func readPetMember(d *jsonx.Decoder, s *Pet, key []byte) (int, error) {
//		switch string(key) {
//		case "id":
//			return 0, jsonx.Int64(d, &s.ID)
//		case "tag":
//			return jsonx.Optional, jsonx.OptString(d, &s.Tag)
//		…
//		}
//		return jsonx.Unknown, nil
//	}
//
// A required member that is absent is an error (the first of them in
// required's order; only the first 64 are tracked). A member that is
// not required tolerates a value it cannot read: left zero by its reader
// and reported as an Issue. null leaves v as it was.
func Object[P any](d *Decoder, required []string, v P, member func(d *Decoder, v P, key []byte) (int, error)) error {
	switch {
	case d.at('{') || d.peek() == jx.Object:
	case d.peek() == jx.Null:
		return d.Null()
	default:
		return d.mismatch("object")
	}
	var seen uint64
	var first error // a member that does not fit: the object is still read to its end
	if k, ok := d.open('{'); ok {
		key, s := d.firstKey()
		for ; s == atValue; key, s = d.nextKey() {
			if err := readMember(d, v, key, member, &seen, &first); err != nil {
				return err
			}
		}
		if s == broken {
			return d.reread(k)
		}
	} else if err := d.ObjBytes(func(_ *jx.Decoder, key []byte) error {
		return readMember(d, v, key, member, &seen, &first)
	}); err != nil {
		return wrapSyntax(err)
	}
	if first != nil {
		return first
	}
	if want := all(len(required)); seen&want != want {
		for i, name := range required[:min(len(required), 64)] {
			if seen&(1<<i) == 0 {
				return &Error{Issue: Issue{Path: memberPath([]byte(name)), Expected: "required member", Raw: absent}}
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

// readMember reads the member named key with member, records it in seen
// when it is required, and returns malformed JSON; a value that does not
// fit is kept in first (a required member) or tolerated (an optional
// one), so the object is still read to its end.
func readMember[P any](d *Decoder, v P, key []byte, member func(d *Decoder, v P, key []byte) (int, error), seen *uint64, first *error) error {
	n := len(d.issues)
	i, err := member(d, v, key)
	if uint(i) < 64 { // required and tracked
		*seen |= 1 << uint(i)
	}
	if err != nil || i == Unknown {
		switch i {
		case Unknown:
			err = d.Skip()
		case Optional:
			err = d.tolerate(err)
		}
		if err != nil {
			return keep(first, at(err, memberPath(key)))
		}
	}
	if len(d.issues) != n {
		prefix(d.issues[n:], memberPath(key))
	}
	return nil
}

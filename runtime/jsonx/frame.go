package jsonx

import (
	"errors"

	"github.com/go-faster/jx"
)

// Over bytes, Object, Slice and mapInto read the frame of their container
// (brackets, member names, colons, commas and the whitespace between)
// directly from the input, as the readers in scan.go read scalars,
// instead of through jx's ObjBytes and Arr, which cost a closure call and
// several of jx's reads per member. A frame that is not well formed is
// handed back to jx from the container's start (reread), so malformed
// JSON gets jx's error, word for word, as before.

// maxDepth is jx's bound on nesting. The direct loops count their
// containers in jx's depth, so values read inside them by jx see the
// depth jx would have, and leave a container at the bound to jx, which
// reports it.
const maxDepth = 10000

// step is where a direct loop stands after reading some of its frame.
type step uint8

const (
	atValue step = iota // at a member's value or an element
	closed              // past the closing bracket
	broken              // malformed: the loop hands the container to jx (reread)
)

// container is an object or array a direct loop reads, as reread needs
// it: where it starts, its opening bracket and jx's depth outside it.
type container struct {
	start, depth int
	bracket      byte
}

// open consumes c, the opening bracket of the container at the read
// position, for a direct loop; false when the container is jx's to read
// (no direct access, or nesting at jx's bound).
func (d *Decoder) open(c byte) (container, bool) {
	f := d.in()
	if f == nil || f.depth >= maxDepth || !d.at(c) {
		return container{}, false
	}
	k := container{start: f.head, depth: f.depth, bracket: c}
	f.head++
	f.depth++
	return k, true
}

// firstKey reads, past the '{', the first member's name and colon, or
// the '}' of an empty object.
func (d *Decoder) firstKey() ([]byte, step) {
	f := d.fields()
	b := f.buf[:f.tail]
	i := skipSpaces(b, f.head)
	if i < len(b) && b[i] == '}' {
		return nil, d.close(i)
	}
	return d.key(b, i)
}

// nextKey reads, past a member's value, the comma and the next member's
// name and colon, or the closing '}'.
func (d *Decoder) nextKey() ([]byte, step) {
	f := d.fields()
	b := f.buf[:f.tail]
	i := skipSpaces(b, f.head)
	if i < len(b) {
		switch b[i] {
		case ',':
			return d.key(b, i+1)
		case '}':
			return nil, d.close(i)
		}
	}
	return nil, broken
}

// key reads a member name at i (after whitespace), its colon and the
// whitespace before its value. The name is a slice of the input unless it
// has escapes, which jx decodes.
func (d *Decoder) key(b []byte, i int) ([]byte, step) {
	i = skipSpaces(b, i)
	if i == len(b) || b[i] != '"' {
		return nil, broken
	}
	j := i + 1 + plainRun(b[i+1:])
	var name []byte
	switch {
	case j < len(b) && b[j] == '"':
		name = b[i+1 : j]
		j++
	case j < len(b) && b[j] == '\\':
		d.fields().head = i
		unescaped, err := d.StrBytes()
		if err != nil {
			return nil, broken
		}
		name, j = unescaped, d.fields().head
	default:
		return nil, broken
	}
	j = skipSpaces(b, j)
	if j == len(b) || b[j] != ':' {
		return nil, broken
	}
	j = skipSpaces(b, j+1)
	if j == len(b) {
		return nil, broken
	}
	d.fields().head = j
	return name, atValue
}

// firstElement reads, past the '[', the whitespace before the first
// element, or the ']' of an empty array.
func (d *Decoder) firstElement() step {
	f := d.fields()
	b := f.buf[:f.tail]
	i := skipSpaces(b, f.head)
	switch {
	case i == len(b):
		return broken
	case b[i] == ']':
		return d.close(i)
	}
	f.head = i
	return atValue
}

// nextElement reads, past an element, the comma and the whitespace
// before the next element, or the closing ']'. As with jx, what follows
// a comma is the element reader's to judge (a ']' there is a value of
// the wrong kind).
func (d *Decoder) nextElement() step {
	f := d.fields()
	b := f.buf[:f.tail]
	i := skipSpaces(b, f.head)
	if i < len(b) {
		switch b[i] {
		case ',':
			if i = skipSpaces(b, i+1); i < len(b) {
				f.head = i
				return atValue
			}
		case ']':
			return d.close(i)
		}
	}
	return broken
}

// close consumes the closing bracket at i.
func (d *Decoder) close(i int) step {
	d.fields().head = i + 1
	d.fields().depth--
	return closed
}

// errFrame stands for jx's error should jx accept a frame the direct
// loop found malformed (they agree on every input tested).
var errFrame = errors.New("jsonx: malformed object or array")

// reread hands k, whose frame a direct loop found malformed, to jx: from
// its start, skipping the values (read already, so well formed), jx
// meets the same fault and reports it in its words.
func (d *Decoder) reread(k container) error {
	f := d.fields()
	f.head, f.depth = k.start, k.depth
	var err error
	if k.bracket == '[' {
		err = d.Arr(func(d *jx.Decoder) error { return d.Skip() })
	} else {
		err = d.ObjBytes(func(d *jx.Decoder, _ []byte) error { return d.Skip() })
	}
	if err == nil {
		err = errFrame
	}
	return malformed(err)
}

// skipSpaces returns the index of the first byte from i on that is not
// JSON whitespace (len(b) if none).
func skipSpaces(b []byte, i int) int {
	for i < len(b) && isSpace[b[i]] {
		i++
	}
	return i
}

// endsPlainString holds the bytes that end the plain run of a string: its
// closing quote, an escape, or a control byte (malformed), as jx's
// string reader sees them.
var endsPlainString = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

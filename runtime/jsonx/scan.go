package jsonx

import (
	"encoding/binary"
	"io"
	"math/bits"
	"reflect"
	"unsafe"

	"github.com/go-faster/jx"
)

// jx.Decoder does not tell where it is in its input, so an integer that
// may turn out to be 1.5 (to be skipped and reported whole) had to be read
// as a token and then parsed, and every peek at the next value went
// through jx's Next and its unread. For a decoder over a byte slice (all
// that Unmarshal makes), the readers here look at the input directly; in
// every other case, and whenever the input is not the plain case, they
// leave it to jx exactly as before.

// jxFields mirrors the leading fields of jx.Decoder (go-faster/jx v1.2.0).
// layoutOK checks names, types and offsets once: a jx release that
// changes them turns the direct readers off rather than misreading.
type jxFields struct {
	reader       io.Reader
	buf          []byte
	head         int
	tail         int
	streamOffset int
	depth        int // nesting, which the direct loops of frame.go keep
}

var layoutOK = sameLeadingFields(reflect.TypeFor[jx.Decoder](), reflect.TypeFor[jxFields]())

// sameLeadingFields reports whether a starts with b's fields.
func sameLeadingFields(a, b reflect.Type) bool {
	if a.NumField() < b.NumField() {
		return false
	}
	for i := range b.NumField() {
		fa, fb := a.Field(i), b.Field(i)
		if fa.Name != fb.Name || fa.Type != fb.Type || fa.Offset != fb.Offset {
			return false
		}
	}
	return true
}

// canReadDirectly reports whether d's input can be read directly: a byte
// slice (no io.Reader), in the layout mirrored.
func (d *Decoder) canReadDirectly() bool {
	return layoutOK && d.fields().reader == nil
}

// fields is jx's state of d as jxFields mirrors it. Its address is d's
// own, so reading through it costs no load of a pointer first.
func (d *Decoder) fields() *jxFields { return (*jxFields)(unsafe.Pointer(&d.Decoder)) }

// in is fields when d reads directly, nil otherwise.
func (d *Decoder) in() *jxFields {
	if !d.direct {
		return nil
	}
	return d.fields()
}

// tokenTypes is jx's table of the JSON type a value's first byte starts.
var tokenTypes = func() (t [256]jx.Type) {
	t['"'] = jx.String
	t['-'] = jx.Number
	for c := '0'; c <= '9'; c++ {
		t[c] = jx.Number
	}
	t['t'], t['f'] = jx.Bool, jx.Bool
	t['n'] = jx.Null
	t['['] = jx.Array
	t['{'] = jx.Object
	return t
}()

// peek is jx's Next: it skips whitespace and returns the type of the
// value that starts there, without consuming it. Between tokens of a body
// without whitespace it is a table look-up, inlined in the readers.
func (d *Decoder) peek() jx.Type {
	if f := d.in(); f != nil && f.head < len(f.buf) { // over bytes, tail is len(buf)
		if t := tokenTypes[f.buf[f.head]]; t != jx.Invalid {
			return t
		}
	}
	return d.skipSpace()
}

// skipSpace is peek at whitespace (or an invalid byte, or without direct
// access).
func (d *Decoder) skipSpace() jx.Type {
	if f := d.in(); f != nil {
		for i, c := range f.buf[f.head:f.tail] {
			if !isSpace[c] {
				f.head += i
				return tokenTypes[c]
			}
		}
	}
	return d.Next()
}

var isSpace = [256]bool{' ': true, '\t': true, '\n': true, '\r': true}

// endsNumber holds the bytes jx accepts right after a number.
var endsNumber = [256]bool{',': true, ']': true, '}': true, ' ': true, '\t': true, '\n': true, '\r': true}

// plainInt reads, in one pass, the integer at the read position when it
// is the plain case: -?[0-9]+ of at most 18 digits (so it cannot
// overflow), without a leading zero, fitting bits, followed by a byte
// that ends a number. Otherwise (also before whitespace, null or any
// other value) it consumes nothing and returns false, and the caller
// peeks and reads the token whole (a fraction, an exponent, an overflow
// to report, or malformed JSON to reject as before).
func (d *Decoder) plainInt(bits int) (int64, bool) {
	b, ok := d.rest()
	if !ok {
		return 0, false
	}
	neg, start, n := whole(b)
	i := start + n.digits
	if n.digits == 0 || n.digits > 18 || i == len(b) || !endsNumber[b[i]] || (n.digits > 1 && b[start] == '0') {
		return 0, false
	}
	limit := uint64(1) << (bits - 1)
	if neg && n.value > limit || !neg && n.value >= limit {
		return 0, false
	}
	d.fields().head += i
	if neg {
		return -int64(n.value), true
	}
	return int64(n.value), true
}

// rest is the input from the read position, when d reads directly.
func (d *Decoder) rest() ([]byte, bool) {
	if f := d.in(); f != nil {
		return f.buf[f.head:f.tail], true
	}
	return nil, false
}

// digitRun is a run of decimal digits and their value (which wraps past
// 19 digits: callers take at most 18).
type digitRun struct {
	digits int
	value  uint64
}

// digitsOf reads the digits at the start of b into run (adding to its
// value).
func digitsOf(b []byte, run digitRun) digitRun {
	for _, c := range b {
		if c -= '0'; c > 9 {
			break
		}
		run.value = run.value*10 + uint64(c)
		run.digits++
	}
	return run
}

// whole reads -?[0-9]* at the start of b: the sign, where the digits
// start, and their run.
func whole(b []byte) (neg bool, start int, run digitRun) {
	if len(b) > 0 && b[0] == '-' {
		neg, start = true, 1
	}
	return neg, start, digitsOf(b[start:], digitRun{})
}

// plainFloat is plainInt for numbers: the decimal that decimalPrefix
// reads, followed by a byte that ends a number, parsed in one pass (the
// same digits and division as parseFloat, so the same float64). Anything
// else is left to the token path.
func (d *Decoder) plainFloat() (float64, bool) {
	b, ok := d.rest()
	if !ok {
		return 0, false
	}
	v, i, ok := decimalPrefix(b)
	if !ok || i == len(b) || !endsNumber[b[i]] {
		return 0, false
	}
	d.fields().head += i
	return v, true
}

// decimalPrefix reads -?(0|[1-9][0-9]*)(\.[0-9]+)? of at most 15 digits at
// the start of b: with no exponent and that few digits, the digits are an
// exact float64 and one division by an exact power of ten rounds
// correctly (Clinger's fast path). It returns the value and how many
// bytes it read, or false for anything else.
func decimalPrefix(b []byte) (float64, int, bool) {
	neg, start, n := whole(b)
	if n.digits == 0 || n.digits > 1 && b[start] == '0' {
		return 0, 0, false
	}
	i := start + n.digits
	frac := 0
	if i < len(b) && b[i] == '.' {
		all := digitsOf(b[i+1:], n)
		frac = all.digits - n.digits
		if frac == 0 {
			return 0, 0, false
		}
		i += 1 + frac
		n = all
	}
	if n.digits > 15 {
		return 0, 0, false
	}
	v := float64(n.value) / pow10[frac]
	if neg {
		v = -v
	}
	return v, i, true
}

// at reports whether the value at the read position starts with c (false
// also when that is not known without peek): readers check for the byte
// their type starts with, inlined, and peek only when it is not there.
func (d *Decoder) at(c byte) bool {
	f := d.in()
	return f != nil && f.head < len(f.buf) && f.buf[f.head] == c
}

// plainStr reads the string at the read position when it has no escapes
// (most strings): its bytes, a slice of the input, as jx's StrBytes would
// return them. Otherwise (an escape, a control byte, the end of the
// input, no direct access, no string) it consumes nothing and returns
// false: the caller asks jx.
func (d *Decoder) plainStr() ([]byte, bool) {
	f := d.in()
	if f == nil || f.head >= f.tail || f.buf[f.head] != '"' {
		return nil, false
	}
	b := f.buf[f.head+1 : f.tail]
	n := plainRun(b)
	if n == len(b) || b[n] != '"' {
		return nil, false
	}
	f.head += n + 2
	return b[:n], true
}

// Bytes repeated in each byte of a word, for plainRun.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// plainRun is the length of the run at the start of b before a quote, a
// backslash or a control byte (what ends a string's plain run, see
// endsPlainString). It tests eight bytes at a time: in each of the three
// masks the lowest flagged byte is exact (a borrow only flags bytes above
// a true one), so the lowest of them all is the first such byte.
func plainRun(b []byte) int {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		q := x ^ ones*'"'
		s := x ^ ones*'\\'
		if m := (q-ones)&^q | (s-ones)&^s | (x-ones*0x20)&^x; m&highs != 0 {
			return i + bits.TrailingZeros64(m&highs)/8
		}
	}
	for ; i < len(b); i++ {
		if endsPlainString[b[i]] {
			return i
		}
	}
	return len(b)
}

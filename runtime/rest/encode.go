package rest

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
)

// escMode selects which bytes appendEscaped percent-encodes.
type escMode uint8

const (
	// escPath matches url.PathEscape: everything but unreserved
	// characters and "$&+:=@" is escaped.
	escPath escMode = iota
	// escQuery keeps only RFC 3986 unreserved characters
	// (A-Z a-z 0-9 - . _ ~); a space becomes %20.
	escQuery
	// escCookie keeps RFC 6265 cookie-octets except '%'.
	escCookie
	numEscModes
)

// escTable[mode][c] reports whether c is escaped in mode.
var escTable = func() (t [numEscModes][256]bool) {
	for c := range 256 {
		b := byte(c)
		unreserved := 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' ||
			b == '-' || b == '_' || b == '.' || b == '~'
		t[escQuery][c] = !unreserved
		switch b {
		case '$', '&', '+', ':', '=', '@':
			t[escPath][c] = false
		default:
			t[escPath][c] = !unreserved
		}
		// cookie-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E
		octet := b == 0x21 || 0x23 <= b && b <= 0x2B || 0x2D <= b && b <= 0x3A ||
			0x3C <= b && b <= 0x5B || 0x5D <= b && b <= 0x7E
		t[escCookie][c] = !octet || b == '%'
	}
	return t
}()

const upperHex = "0123456789ABCDEF"

// appendEscaped appends s to dst, percent-encoding the bytes mode escapes.
func appendEscaped(dst []byte, s string, mode escMode) []byte {
	t := &escTable[mode]
	i := 0
	for i < len(s) && !t[s[i]] {
		i++
	}
	dst = append(dst, s[:i]...)
	for ; i < len(s); i++ {
		c := s[i]
		if t[c] {
			dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
		} else {
			dst = append(dst, c)
		}
	}
	return dst
}

// escapeString returns s escaped for mode, without allocating when
// nothing needs escaping.
func escapeString(s string, mode escMode) string {
	t := &escTable[mode]
	for i := 0; i < len(s); i++ {
		if t[s[i]] {
			return string(appendEscaped(make([]byte, 0, len(s)+16), s, mode))
		}
	}
	return s
}

// appendPair appends "key=value" (with a leading '&' unless dst is empty);
// key is already escaped, value is escaped here.
func appendPair(dst []byte, key, value string) []byte {
	if len(dst) > 0 {
		dst = append(dst, '&')
	}
	dst = append(dst, key...)
	dst = append(dst, '=')
	return appendEscaped(dst, value, escQuery)
}

// appendPathStyle renders a present value for a path parameter in the
// simple, label or matrix style (OpenAPI 3.0.3 "Style Examples"); other
// styles render as simple. Values are escaped as url.PathEscape does, the
// separators the style adds are not.
func appendPathStyle(dst []byte, name string, f flat, style Style, explode bool) []byte {
	switch style {
	case Label:
		switch f.shape {
		case scalarShape:
			dst = append(dst, '.')
			dst = appendEscaped(dst, f.s, escPath)
		case listShape:
			// The 3.0.3 table uses "." between items whatever explode says.
			if len(f.list) == 0 {
				dst = append(dst, '.')
			}
			for _, s := range f.list {
				dst = append(dst, '.')
				dst = appendEscaped(dst, s, escPath)
			}
		case objectShape:
			if len(f.obj) == 0 {
				dst = append(dst, '.')
			}
			for _, m := range f.obj {
				dst = append(dst, '.')
				dst = appendEscaped(dst, m.k, escPath)
				if explode {
					dst = append(dst, '=')
				} else {
					dst = append(dst, '.')
				}
				dst = appendEscaped(dst, m.v, escPath)
			}
		}
	case Matrix:
		switch f.shape {
		case scalarShape:
			dst = appendMatrix(dst, name, f.s)
		case listShape:
			if explode && len(f.list) > 0 {
				for _, s := range f.list {
					dst = appendMatrix(dst, name, s)
				}
				break
			}
			dst = append(dst, ';')
			dst = appendEscaped(dst, name, escPath)
			if len(f.list) > 0 {
				dst = append(dst, '=')
				dst = appendJoined(dst, f.list, ',', escPath)
			}
		case objectShape:
			if explode && len(f.obj) > 0 {
				for _, m := range f.obj {
					dst = appendMatrix(dst, m.k, m.v)
				}
				break
			}
			dst = append(dst, ';')
			dst = appendEscaped(dst, name, escPath)
			if len(f.obj) > 0 {
				dst = append(dst, '=')
				dst = appendObject(dst, f.obj, ',', ',', escPath)
			}
		}
	default:
		dst = appendSimple(dst, f, explode, escPath)
	}
	return dst
}

// appendMatrix appends ";name=value", or ";name" for an empty value
// (RFC 6570 §3.2.7).
func appendMatrix(dst []byte, name, value string) []byte {
	dst = append(dst, ';')
	dst = appendEscaped(dst, name, escPath)
	if value != "" {
		dst = append(dst, '=')
		dst = appendEscaped(dst, value, escPath)
	}
	return dst
}

// appendSimple renders the simple style: "a,b,c"; objects "k,v,k,v", or
// "k=v,k=v" when exploded. mode < 0 means no escaping (headers).
func appendSimple(dst []byte, f flat, explode bool, mode escMode) []byte {
	switch f.shape {
	case scalarShape:
		return appendMaybeEscaped(dst, f.s, mode)
	case listShape:
		return appendJoined(dst, f.list, ',', mode)
	default:
		if explode {
			return appendObject(dst, f.obj, '=', ',', mode)
		}
		return appendObject(dst, f.obj, ',', ',', mode)
	}
}

// noEscape is an escMode outside the table: values are copied verbatim.
const noEscape = numEscModes

func appendMaybeEscaped(dst []byte, s string, mode escMode) []byte {
	if mode == noEscape {
		return append(dst, s...)
	}
	return appendEscaped(dst, s, mode)
}

func appendJoined(dst []byte, list []string, sep byte, mode escMode) []byte {
	for i, s := range list {
		if i > 0 {
			dst = append(dst, sep)
		}
		dst = appendMaybeEscaped(dst, s, mode)
	}
	return dst
}

// appendObject appends k<kvSep>v<sep>k<kvSep>v...
func appendObject(dst []byte, obj []kv, kvSep, sep byte, mode escMode) []byte {
	for i, m := range obj {
		if i > 0 {
			dst = append(dst, sep)
		}
		dst = appendMaybeEscaped(dst, m.k, mode)
		dst = append(dst, kvSep)
		dst = appendMaybeEscaped(dst, m.v, mode)
	}
	return dst
}

// appendQueryStyle renders a present (or null) value as query pairs in
// the form, spaceDelimited or pipeDelimited style. Styles the table marks
// n/a (a primitive with a delimited style, explode with a delimited style,
// path styles) fall back to form. Empty lists and objects add nothing.
// deepObject is handled by appendNested.
func appendQueryStyle(dst []byte, name string, f flat, style Style, explode bool) []byte {
	key := name
	switch f.shape {
	case scalarShape:
		return appendPair(dst, key, f.s)
	case listShape:
		if len(f.list) == 0 {
			return dst
		}
		if explode {
			for _, s := range f.list {
				dst = appendPair(dst, key, s)
			}
			return dst
		}
		dst = appendPair(dst, key, "")
		return appendDelimited(dst, f.list, nil, style)
	default:
		if len(f.obj) == 0 {
			return dst
		}
		if explode {
			for _, m := range f.obj {
				dst = appendPair(dst, escapeString(m.k, escQuery), m.v)
			}
			return dst
		}
		dst = appendPair(dst, key, "")
		return appendDelimited(dst, nil, f.obj, style)
	}
}

// appendDelimited appends list items or object members separated as the
// style says: "," (form), "%20" (spaceDelimited), "|" (pipeDelimited).
func appendDelimited(dst []byte, list []string, obj []kv, style Style) []byte {
	sep := func(dst []byte) []byte {
		switch style {
		case SpaceDelimited:
			return append(dst, "%20"...)
		case PipeDelimited:
			return append(dst, '|')
		}
		return append(dst, ',')
	}
	for i, s := range list {
		if i > 0 {
			dst = sep(dst)
		}
		dst = appendEscaped(dst, s, escQuery)
	}
	for i, m := range obj {
		if i > 0 {
			dst = sep(dst)
		}
		dst = appendEscaped(dst, m.k, escQuery)
		dst = sep(dst)
		dst = appendEscaped(dst, m.v, escQuery)
	}
	return dst
}

// maxDepth bounds nesting in form bodies and deepObject parameters.
const maxDepth = 32

var errTooDeep = errors.New("value nested too deeply")

// appendNested appends v under key (already escaped) Stripe-style:
// objects as key[member]=..., arrays as key[0]=..., scalars as key=value.
// Absent values are skipped and null ones sent empty; when blankEmpty is
// set an empty non-nil array or map is sent as "key=" (Stripe's way to
// clear a list or a metadata hash).
func appendNested(dst []byte, key string, v any, blankEmpty bool, depth int) ([]byte, error) {
	if depth > maxDepth {
		return dst, errTooDeep
	}
	if s, st, handled := fastScalar(v); handled {
		switch st {
		case absent:
			return dst, nil
		case null:
			return appendPair(dst, key, ""), nil
		}
		return appendPair(dst, key, s), nil
	}
	v, st := resolve(v)
	switch st {
	case absent:
		return dst, nil
	case null:
		return appendPair(dst, key, ""), nil
	}
	s, ok, err := scalarString(v)
	if err != nil {
		return dst, fmt.Errorf("%s: %w", key, err)
	}
	if ok {
		return appendPair(dst, key, s), nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		if rv.Len() == 0 {
			if blankEmpty {
				dst = appendPair(dst, key, "")
			}
			return dst, nil
		}
		for i := range rv.Len() {
			dst, err = appendNested(dst, key+"["+strconv.Itoa(i)+"]", rv.Index(i).Interface(), blankEmpty, depth+1)
			if err != nil {
				return dst, err
			}
		}
		return dst, nil
	case reflect.Map, reflect.Struct:
		if rv.Kind() == reflect.Map && rv.Len() == 0 {
			if blankEmpty {
				dst = appendPair(dst, key, "")
			}
			return dst, nil
		}
		return appendMembers(dst, key, rv, blankEmpty, depth)
	}
	return dst, fmt.Errorf("%s: unsupported type %T", key, v)
}

// appendMembers appends each member of the map or struct rv under
// prefix[member], or under member itself when prefix is empty.
func appendMembers(dst []byte, prefix string, rv reflect.Value, blankEmpty bool, depth int) ([]byte, error) {
	err := eachMember(rv, func(k string, mv any) error {
		var key []byte
		if prefix != "" {
			key = append(key, prefix...)
			key = append(key, '[')
			key = appendEscaped(key, k, escQuery)
			key = append(key, ']')
		} else {
			key = appendEscaped(key, k, escQuery)
		}
		var err error
		dst, err = appendNested(dst, string(key), mv, blankEmpty, depth+1)
		return err
	})
	return dst, err
}

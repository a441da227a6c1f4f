// Package naming turns the names a spec uses (operationIds, schema keys,
// property names, enum values) into Go identifiers. It is the one place
// that decides Go names, so every stage agrees on them.
package naming

import (
	"fmt"
	"go/token"
	"hash/fnv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// initialisms are written in capitals, as Go style asks (ID, not Id).
var initialisms = map[string]bool{
	"ACL": true, "API": true, "ASCII": true, "CPU": true, "CSS": true, "CSV": true, "DNS": true,
	"EOF": true, "GUID": true, "HTML": true, "HTTP": true, "HTTPS": true, "ID": true, "IDS": false,
	"IP": true, "JSON": true, "JWT": true, "LHS": true, "OS": true, "PDF": true, "QPS": true, "RAM": true,
	"RHS": true, "RPC": true, "SDK": true, "SLA": true, "SMTP": true, "SQL": true, "SSH": true, "SSO": true,
	"TCP": true, "TLS": true, "TTL": true, "UDP": true, "UI": true, "UID": true, "URI": true, "URL": true,
	"UTF8": true, "UUID": true, "VAT": true, "VM": true, "XML": true, "XMPP": true, "XSRF": true, "XSS": true,
}

// symbols name characters that would otherwise vanish and make distinct
// values collide ("+1" and "-1", "<" and ">").
var symbols = map[rune]string{
	'+': "Plus", '-': "Minus", '*': "Star", '/': "Slash", '<': "Lt", '>': "Gt", '=': "Eq",
	'!': "Not", '@': "At", '#': "Hash", '$': "Dollar", '%': "Percent", '&': "And", '|': "Or",
	'~': "Tilde", '^': "Caret", '?': "Question", '.': "Dot", ':': "Colon", ',': "Comma", ';': "Semicolon",
	'(': "LParen", ')': "RParen", '[': "LBracket", ']': "RBracket", '{': "LBrace", '}': "RBrace",
	'\'': "Quote", '"': "DQuote", '`': "Backtick", '\\': "Backslash", ' ': "Space", '_': "Underscore",
}

// Words splits s into words at separators, case changes and digit runs
// ("fooBar_baz2x" → foo, Bar, baz2x; "HTTPServer" → HTTP, Server).
func Words(s string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, string(cur))
			cur = cur[:0]
		}
	}
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
		case unicode.IsUpper(r):
			if len(cur) > 0 {
				prev := cur[len(cur)-1]
				nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
				if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
					flush()
				}
			}
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
	}
	flush()
	return words
}

// Exported returns an exported Go identifier for s: "pet_id" → "PetID",
// "+1" → "Plus1", "2fa" → "N2fa", "" → "Empty".
func Exported(s string) string {
	var b strings.Builder
	for _, w := range Words(symbolWords(s)) {
		up := strings.ToUpper(w)
		if initialisms[up] {
			b.WriteString(up)
			continue
		}
		if n := len(up); n > 2 && up[n-1] == 'S' && initialisms[up[:n-1]] { // plural: IDs, URLs
			b.WriteString(up[:n-1] + "s")
			continue
		}
		r, size := utf8.DecodeRuneInString(w)
		b.WriteRune(unicode.ToUpper(r))
		b.WriteString(strings.ToLower(w[size:]))
	}
	out := b.String()
	if out == "" {
		return "Empty"
	}
	if r, _ := utf8.DecodeRuneInString(out); !unicode.IsLetter(r) {
		out = "N" + out
	} else if !unicode.IsUpper(r) { // letters without case (e.g. CJK) cannot be exported
		out = "X" + out
	}
	return out
}

// symbolWords spells out symbols that carry meaning when the whole name is
// made of them or starts with one ("+1", "-", "<="); elsewhere they are
// plain separators.
func symbolWords(s string) string {
	hasAlnum := false
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			hasAlnum = true
			break
		}
	}
	var b strings.Builder
	for i, r := range s {
		name, ok := symbols[r]
		leading := i == 0 && (r == '+' || r == '-')
		if ok && (!hasAlnum || leading) {
			b.WriteString(" " + name + " ")
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Unexported returns a lower-camel identifier that is safe as a local
// variable or parameter name: never a keyword or a predeclared name.
func Unexported(s string) string {
	e := Exported(s)
	words := Words(e)
	if len(words) == 0 {
		return "v"
	}
	first := words[0]
	if initialisms[strings.ToUpper(first)] || allUpper(first) {
		first = strings.ToLower(first)
	} else {
		r, size := utf8.DecodeRuneInString(first)
		first = string(unicode.ToLower(r)) + first[size:]
	}
	out := first + e[len(words[0]):]
	if token.IsKeyword(out) || predeclared[out] {
		out += "_"
	}
	return out
}

func allUpper(s string) bool {
	for _, r := range s {
		if unicode.IsLower(r) {
			return false
		}
	}
	return true
}

var predeclared = map[string]bool{
	"any": true, "bool": true, "byte": true, "comparable": true, "complex64": true, "complex128": true,
	"error": true, "float32": true, "float64": true, "int": true, "int8": true, "int16": true, "int32": true,
	"int64": true, "rune": true, "string": true, "uint": true, "uint8": true, "uint16": true, "uint32": true,
	"uint64": true, "uintptr": true, "true": true, "false": true, "iota": true, "nil": true, "append": true,
	"cap": true, "clear": true, "close": true, "complex": true, "copy": true, "delete": true, "imag": true,
	"len": true, "make": true, "max": true, "min": true, "new": true, "panic": true, "print": true,
	"println": true, "real": true, "recover": true,
}

// Scope hands out unique names within one namespace (a package, a struct's
// fields, a function's parameters). Reserve the fixed names first; then
// Claim derives the rest.
//
// A name that is taken is never replaced by a counter (Pet2): which item
// got the 2 would depend on the order the spec was read in, and adding a
// schema could rename an existing type. The second claimant's name is
// derived from its own source instead: the alternates its caller offers,
// then a suffix hashed from the source (a JSON pointer: the same item gets
// the same name whatever else the spec holds).
type Scope struct {
	used map[string]string // name → the source holding it
	// Renamed, when set, is told of every automatic rename, so that the
	// caller can warn about it naming both sources.
	Renamed func(want, got, holder, source string)
}

// Reserved is the holder of the names a scope was created with.
const Reserved = "a name every generated client declares"

// NewScope returns a scope with the given names already taken.
func NewScope(reserved ...string) *Scope {
	s := &Scope{used: map[string]string{}}
	for _, r := range reserved {
		s.used[r] = Reserved
	}
	return s
}

// Claim returns name for source and marks it taken. When another source
// holds name, the first free alternate is used, else name with a suffix
// hashed from source; Renamed hears of it.
func (s *Scope) Claim(name, source string, alternates ...string) string {
	if s.TryClaim(name, source) {
		return name
	}
	got := ""
	for _, a := range alternates {
		if s.TryClaim(a, source) {
			got = a
			break
		}
	}
	if got == "" {
		h := fnv.New32a()
		h.Write([]byte(source))
		sum := h.Sum32()
		for _, n := range []string{fmt.Sprintf("%s_%04x", name, sum&0xffff), fmt.Sprintf("%s_%08x", name, sum)} {
			if s.TryClaim(n, source) {
				got = n
				break
			}
		}
		for salt := 0; got == ""; salt++ { // two sources with one 32-bit hash: still no counter on the name
			h.Write([]byte{byte(salt)})
			if n := fmt.Sprintf("%s_%08x", name, h.Sum32()); s.TryClaim(n, source) {
				got = n
			}
		}
	}
	if s.Renamed != nil {
		s.Renamed(name, got, s.used[name], source)
	}
	return got
}

// TryClaim takes name for source if it is free, and reports whether it
// did. Names the spec author chose (x-go-name) are claimed this way: a
// clash is theirs to resolve.
func (s *Scope) TryClaim(name, source string) bool {
	if _, taken := s.used[name]; taken {
		return false
	}
	s.used[name] = source
	return true
}

// Taken reports whether name is already used.
func (s *Scope) Taken(name string) bool {
	_, ok := s.used[name]
	return ok
}

// Holder returns the source holding name, "" when it is free.
func (s *Scope) Holder(name string) string { return s.used[name] }

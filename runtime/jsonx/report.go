package jsonx

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
	"unsafe"
)

// Issue is one value a decoder could not read and left zero: where it is,
// what the schema wanted, and what was sent.
type Issue struct {
	Path     string // JSON path from the document root: $.items[3].price
	Expected string // what the schema declares: "integer", "RFC 3339 date-time", …
	Raw      string // an excerpt of the JSON sent ("nothing" for a missing member)
}

// absent is the Raw of a member that is missing.
const absent = "nothing"

func (is Issue) String() string {
	if is.Raw == absent {
		return is.Path + ": " + is.Expected + " is missing"
	}
	return is.Path + ": expected " + is.Expected + ", got " + is.Raw
}

// Error is a value that could not be decoded: a required member that is
// missing or of the wrong type, or malformed JSON. Its message names the
// JSON path and what was expected and found.
type Error struct {
	Issue
	Err    error // the underlying error, if any
	syntax bool  // malformed JSON: decoding cannot go on
}

func (e *Error) Error() string {
	switch {
	case e.syntax:
		return fmt.Sprintf("%s: malformed JSON: %v", e.Path, e.Err)
	case e.Err != nil:
		return fmt.Sprintf("%s: %v", e.Issue, e.Err)
	}
	return e.Issue.String()
}

func (e *Error) Unwrap() error { return e.Err }

// IssuesError reports the values a decode tolerated (left zero); the rest
// of the value was decoded. Like *json.UnmarshalTypeError, it is returned
// once the whole document has been read.
type IssuesError struct {
	Issues []Issue
}

func (e *IssuesError) Error() string {
	var b strings.Builder
	if len(e.Issues) == 1 {
		b.WriteString("1 value does not match the schema: ")
	} else {
		fmt.Fprintf(&b, "%d values do not match the schema: ", len(e.Issues))
	}
	for i, is := range e.Issues {
		if i == 3 {
			fmt.Fprintf(&b, "; and %d more", len(e.Issues)-i)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(is.String())
	}
	return b.String()
}

// malformed wraps a jx syntax error.
func malformed(err error) error { return &Error{Err: err, syntax: true} }

// at prefixes the path of err with seg, making a jx error an *Error.
func at(err error, seg string) error {
	var e *Error
	if !errors.As(err, &e) {
		return &Error{Issue: Issue{Path: seg}, Err: err, syntax: true}
	}
	e.Path = seg + e.Path
	return e
}

// wrapSyntax returns the *Error inside err (jx wraps callback errors), or
// err as malformed JSON.
func wrapSyntax(err error) error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return malformed(err)
}

// rooted makes err's path absolute.
func rooted(err error) error {
	e := wrapSyntax(err).(*Error)
	e.Path = "$" + e.Path
	return e
}

func trimRoot(p string) string { return strings.TrimPrefix(p, "$") }

func prefix(issues []Issue, seg string) {
	for i := range issues {
		issues[i].Path = seg + issues[i].Path
	}
}

func index(i int) string { return "[" + strconv.Itoa(i) + "]" }

// memberPath is the path segment of an object member: .name, or
// ["name"] when the name is not a plain identifier.
func memberPath(key []byte) string {
	plain := len(key) > 0
	for _, c := range key {
		if !(c == '_' || c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			plain = false
			break
		}
	}
	if plain {
		return "." + string(key)
	}
	return "[" + strconv.Quote(string(key)) + "]"
}

// maxExcerpt bounds the part of a value quoted in an Issue.
const maxExcerpt = 64

// excerpt is raw as text, cut at maxExcerpt bytes.
func excerpt(raw []byte) string {
	if len(raw) <= maxExcerpt {
		return string(raw)
	}
	cut := maxExcerpt
	for cut > 0 && !utf8.RuneStart(raw[cut]) {
		cut--
	}
	return string(raw[:cut]) + "…"
}

// The issues of decoded values, keyed by the address of the value (a
// struct's, a slice's first element, a map's), dropped when the value is
// garbage collected. count keeps lookups free while there are none.
var reports struct {
	sync.Mutex
	m     map[uintptr]report
	gen   uint64
	count atomic.Int64
}

// report is one value's issues; gen tells a cleanup of a value from a later
// one at the same address.
type report struct {
	issues []Issue
	gen    uint64
}

type reportKey struct {
	addr uintptr
	gen  uint64
}

// IssuesOf returns the issues tolerated when v was decoded: v is what a
// generated operation returned (a *T, a slice or a map) or what was
// passed to json.Unmarshal. nil when there were none.
func IssuesOf(v any) []Issue {
	if reports.count.Load() == 0 {
		return nil
	}
	p := addr(reflect.ValueOf(v))
	if p == nil {
		return nil
	}
	reports.Lock()
	defer reports.Unlock()
	return reports.m[uintptr(p)].issues
}

// addr is the address issues of v are kept under.
func addr(rv reflect.Value) unsafe.Pointer {
	switch rv.Kind() {
	case reflect.Pointer:
		if rv.IsNil() {
			return nil
		}
		if k := rv.Elem().Kind(); k == reflect.Slice || k == reflect.Map {
			return addr(rv.Elem())
		}
		return rv.UnsafePointer()
	case reflect.Slice:
		if rv.Len() == 0 {
			return nil
		}
		return rv.UnsafePointer()
	case reflect.Map:
		if rv.IsNil() {
			return nil
		}
		return rv.UnsafePointer()
	}
	return nil
}

func remember(v any, issues []Issue) {
	p := addr(reflect.ValueOf(v))
	if p == nil {
		return
	}
	reports.Lock()
	if reports.m == nil {
		reports.m = map[uintptr]report{}
	}
	reports.gen++
	k := reportKey{uintptr(p), reports.gen}
	if _, had := reports.m[k.addr]; !had {
		reports.count.Add(1)
	}
	reports.m[k.addr] = report{issues, k.gen}
	reports.Unlock()
	runtime.AddCleanup((*byte)(p), dropReport, k)
}

// dropReport drops the issues of a collected value, unless a later value
// at the same address has its own.
func dropReport(k reportKey) {
	reports.Lock()
	if r, ok := reports.m[k.addr]; ok && (r.gen == k.gen || k.gen == 0) {
		delete(reports.m, k.addr)
		reports.count.Add(-1)
	}
	reports.Unlock()
}

// forget drops v's issues from an earlier decode into the same value.
func forget(v any) {
	if reports.count.Load() == 0 {
		return
	}
	if p := addr(reflect.ValueOf(v)); p != nil {
		dropReport(reportKey{addr: uintptr(p)})
	}
}

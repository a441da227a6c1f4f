package load

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// maxDepth bounds the nesting of the input, so that hostile input cannot
// exhaust the stack of this package or of kin-openapi.
const maxDepth = 2000

// lineIndex is what parsing learns besides the tree: the line of every JSON
// pointer, and the warnings of the parse itself (duplicate keys).
type lineIndex struct {
	index    map[string]int32
	warnings []Diagnostic
}

// parse reads data as JSON when it looks like JSON and as YAML otherwise. It
// returns the generic tree: map[string]any, []any, string, json.Number, bool
// and nil.
func parse(file string, data []byte) (any, *lineIndex, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // UTF-8 byte order mark
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil, &Error{Diagnostics: []Diagnostic{{File: file, Line: 1, Message: "not an OpenAPI document: the file is empty"}}}
	}
	if looksLikeJSON(data) {
		j := &jsonReader{data: data, line: 1, idx: &lineIndex{index: make(map[string]int32, len(data)/16)}}
		v, jerr := j.document()
		if jerr == nil {
			return v, j.idx, nil
		}
		// YAML flow style ({a: 1}) also starts with a brace: give YAML a
		// chance before reporting the JSON error.
		if v, idx, yerr := parseYAML(file, data); yerr == nil {
			return v, idx, nil
		}
		return nil, nil, &Error{Diagnostics: []Diagnostic{{File: file, Line: jerr.line, Pointer: jerr.pointer, Message: "malformed JSON: " + jerr.msg}}}
	}
	return parseYAML(file, data)
}

// looksLikeJSON reports whether the first significant byte opens a JSON
// object or array.
func looksLikeJSON(data []byte) bool {
	for _, c := range data {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '{', '[':
			return true
		}
		return false
	}
	return false
}

// syntaxError is a JSON syntax error with its position.
type syntaxError struct {
	line    int
	pointer string
	msg     string
}

// jsonReader is a one-pass JSON parser that records the line of every value
// under its JSON pointer. It accepts exactly RFC 8259 JSON; for duplicate
// keys the last one wins, as with encoding/json, and a warning is recorded.
type jsonReader struct {
	data  []byte
	pos   int
	line  int32
	depth int
	ptr   []byte
	idx   *lineIndex
	buf   []byte
}

func (j *jsonReader) fail(format string, args ...any) *syntaxError {
	return &syntaxError{line: int(j.line), pointer: string(j.ptr), msg: fmt.Sprintf(format, args...)}
}

func (j *jsonReader) document() (any, *syntaxError) {
	j.space()
	j.idx.index[""] = j.line
	v, err := j.value()
	if err != nil {
		return nil, err
	}
	j.space()
	if j.pos < len(j.data) {
		return nil, j.fail("unexpected %s after the top-level value", j.quoteAt())
	}
	return v, nil
}

func (j *jsonReader) space() {
	for j.pos < len(j.data) {
		switch j.data[j.pos] {
		case '\n':
			j.line++
		case ' ', '\t', '\r':
		default:
			return
		}
		j.pos++
	}
}

// quoteAt describes the input at the current position for error messages.
func (j *jsonReader) quoteAt() string {
	if j.pos >= len(j.data) {
		return "end of input"
	}
	r, _ := utf8.DecodeRune(j.data[j.pos:])
	return strconv.QuoteRune(r)
}

func (j *jsonReader) value() (any, *syntaxError) {
	if j.pos >= len(j.data) {
		return nil, j.fail("unexpected end of input")
	}
	switch c := j.data[j.pos]; {
	case c == '{':
		return j.object()
	case c == '[':
		return j.array()
	case c == '"':
		return j.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return j.number()
	case c == 't':
		return j.literal("true", true)
	case c == 'f':
		return j.literal("false", false)
	case c == 'n':
		return j.literal("null", nil)
	}
	return nil, j.fail("unexpected %s where a value belongs", j.quoteAt())
}

func (j *jsonReader) literal(word string, v any) (any, *syntaxError) {
	if !bytes.HasPrefix(j.data[j.pos:], []byte(word)) {
		return nil, j.fail("unexpected %s where a value belongs", j.quoteAt())
	}
	j.pos += len(word)
	return v, nil
}

func (j *jsonReader) enter() *syntaxError {
	j.depth++
	if j.depth > maxDepth {
		return j.fail("the document nests deeper than %d levels", maxDepth)
	}
	return nil
}

func (j *jsonReader) object() (any, *syntaxError) {
	if err := j.enter(); err != nil {
		return nil, err
	}
	defer func() { j.depth-- }()
	j.pos++ // {
	m := make(map[string]any)
	j.space()
	if j.pos < len(j.data) && j.data[j.pos] == '}' {
		j.pos++
		return m, nil
	}
	for {
		j.space()
		if j.pos >= len(j.data) || j.data[j.pos] != '"' {
			return nil, j.fail("unexpected %s where an object key belongs", j.quoteAt())
		}
		keyLine := j.line
		k, err := j.str()
		if err != nil {
			return nil, err
		}
		key := k.(string)
		j.space()
		if j.pos >= len(j.data) || j.data[j.pos] != ':' {
			return nil, j.fail("unexpected %s after object key %q, expected ':'", j.quoteAt(), key)
		}
		j.pos++
		j.space()
		mark := len(j.ptr)
		j.ptr = appendToken(append(j.ptr, '/'), key)
		p := string(j.ptr)
		if _, dup := m[key]; dup {
			j.idx.warnings = append(j.idx.warnings, Diagnostic{Pointer: p, Message: fmt.Sprintf("duplicate key %q; the last one wins", key)})
		}
		j.idx.index[p] = keyLine
		v, err := j.value()
		if err != nil {
			return nil, err
		}
		j.ptr = j.ptr[:mark]
		m[key] = v
		j.space()
		if j.pos >= len(j.data) {
			return nil, j.fail("unexpected end of input inside an object")
		}
		switch j.data[j.pos] {
		case ',':
			j.pos++
		case '}':
			j.pos++
			return m, nil
		default:
			return nil, j.fail("unexpected %s inside an object, expected ',' or '}'", j.quoteAt())
		}
	}
}

func (j *jsonReader) array() (any, *syntaxError) {
	if err := j.enter(); err != nil {
		return nil, err
	}
	defer func() { j.depth-- }()
	j.pos++ // [
	list := []any{}
	j.space()
	if j.pos < len(j.data) && j.data[j.pos] == ']' {
		j.pos++
		return list, nil
	}
	for i := 0; ; i++ {
		j.space()
		mark := len(j.ptr)
		j.ptr = strconv.AppendInt(append(j.ptr, '/'), int64(i), 10)
		j.idx.index[string(j.ptr)] = j.line
		v, err := j.value()
		if err != nil {
			return nil, err
		}
		j.ptr = j.ptr[:mark]
		list = append(list, v)
		j.space()
		if j.pos >= len(j.data) {
			return nil, j.fail("unexpected end of input inside an array")
		}
		switch j.data[j.pos] {
		case ',':
			j.pos++
		case ']':
			j.pos++
			return list, nil
		default:
			return nil, j.fail("unexpected %s inside an array, expected ',' or ']'", j.quoteAt())
		}
	}
}

func (j *jsonReader) str() (any, *syntaxError) {
	j.pos++ // opening quote
	start := j.pos
	for j.pos < len(j.data) {
		c := j.data[j.pos]
		if c == '"' {
			s := string(j.data[start:j.pos])
			j.pos++
			return s, nil
		}
		if c == '\\' {
			return j.escapedStr(start)
		}
		if c < 0x20 {
			return nil, j.fail("control character %q inside a string", c)
		}
		j.pos++
	}
	return nil, j.fail("unterminated string")
}

// escapedStr finishes a string that contains escapes, from start.
func (j *jsonReader) escapedStr(start int) (any, *syntaxError) {
	b := append(j.buf[:0], j.data[start:j.pos]...)
	for j.pos < len(j.data) {
		c := j.data[j.pos]
		switch {
		case c == '"':
			j.pos++
			j.buf = b
			return string(b), nil
		case c < 0x20:
			return nil, j.fail("control character %q inside a string", c)
		case c != '\\':
			b = append(b, c)
			j.pos++
			continue
		}
		if j.pos+1 >= len(j.data) {
			break
		}
		e := j.data[j.pos+1]
		j.pos += 2
		switch e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := j.hex4()
			if !ok {
				return nil, j.fail("invalid \\u escape inside a string")
			}
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if j.pos+1 < len(j.data) && j.data[j.pos] == '\\' && j.data[j.pos+1] == 'u' {
					save := j.pos
					j.pos += 2
					var ok2 bool
					if r2, ok2 = j.hex4(); !ok2 {
						return nil, j.fail("invalid \\u escape inside a string")
					}
					if utf16.DecodeRune(r, r2) == utf8.RuneError {
						j.pos = save // not a pair: the second escape stands alone
						r2 = -1
					}
				}
				if r2 < 0 {
					r = utf8.RuneError
				} else {
					r = utf16.DecodeRune(r, r2)
				}
			}
			b = utf8.AppendRune(b, r)
		default:
			return nil, j.fail("invalid escape %q inside a string", "\\"+string(rune(e)))
		}
	}
	return nil, j.fail("unterminated string")
}

func (j *jsonReader) hex4() (rune, bool) {
	if j.pos+4 > len(j.data) {
		return 0, false
	}
	var r rune
	for _, c := range j.data[j.pos : j.pos+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	j.pos += 4
	return r, true
}

func (j *jsonReader) number() (any, *syntaxError) {
	start := j.pos
	n := jsonNumberLen(j.data[j.pos:])
	if n == 0 {
		return nil, j.fail("invalid number")
	}
	j.pos += n
	return number(string(j.data[start:j.pos])), nil
}

// number returns the JSON number text as a json.Number, or as a string
// when it is too large for a float64 (1e999): kin-openapi decodes numbers
// into float64 and would reject the whole document.
func number(text string) any {
	if f, err := strconv.ParseFloat(text, 64); err != nil && math.IsInf(f, 0) {
		return text
	}
	return json.Number(text)
}

// jsonNumberLen returns the length of the JSON number at the start of b, or 0
// if b does not start with one.
func jsonNumberLen(b []byte) int {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
			n++
		}
		return n
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case digits() == 0:
		return 0
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return 0
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return 0
		}
	}
	return i
}

// isJSONNumber reports whether s is exactly one JSON number.
func isJSONNumber(s string) bool {
	return s != "" && jsonNumberLen([]byte(s)) == len(s)
}

// yamlLine finds "line N" in a yaml.v3 error message.
var yamlLine = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)

// yamlParserProblems are the "did not find expected ..." errors that come
// from the yaml.v3 parser rather than its scanner.
var yamlParserProblems = map[string]bool{
	"<document start>": true, "node content": true, "key": true, "'-' indicator": true,
	"',' or ']'": true, "',' or '}'": true,
}

// yamlAnchor finds the anchor name of an "unknown anchor" error.
var yamlAnchor = regexp.MustCompile(`unknown anchor '(.*)' referenced`)

func parseYAML(file string, data []byte) (any, *lineIndex, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line, msg := 1, err.Error()
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			msg = m[2]
			if m[1] != "" {
				line, _ = strconv.Atoi(m[1])
				if strings.HasPrefix(msg, "did not find expected ") && yamlParserProblems[strings.TrimPrefix(msg, "did not find expected ")] {
					// yaml.v3 prints parser (not scanner) error lines
					// 0-based.
					line++
				}
			} else if a := yamlAnchor.FindStringSubmatch(msg); a != nil {
				if i := bytes.Index(data, []byte("*"+a[1])); i >= 0 {
					line = 1 + bytes.Count(data[:i], []byte("\n"))
				}
			}
		}
		return nil, nil, &Error{Diagnostics: []Diagnostic{{File: file, Line: line, Message: "malformed YAML: " + msg}}}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil, &Error{Diagnostics: []Diagnostic{{File: file, Line: 1, Message: "not an OpenAPI document: the file holds no YAML document"}}}
	}
	y := &yamlReader{
		idx:    &lineIndex{index: make(map[string]int32, len(data)/24)},
		budget: 8*len(data) + 100000,
	}
	root := doc.Content[0]
	y.idx.index[""] = int32(root.Line)
	v, err := y.value(root)
	if err != nil {
		err.Diagnostics[0].File = file
		return nil, nil, err
	}
	return v, y.idx, nil
}

// yamlReader turns a yaml.Node tree into the generic tree, expanding aliases
// and merge keys, and records the line of every JSON pointer.
type yamlReader struct {
	ptr    []byte
	idx    *lineIndex
	depth  int
	budget int // nodes left before alias expansion counts as an attack
}

func (y *yamlReader) fail(n *yaml.Node, format string, args ...any) *Error {
	return &Error{Diagnostics: []Diagnostic{{Line: n.Line, Pointer: string(y.ptr), Message: fmt.Sprintf(format, args...)}}}
}

func (y *yamlReader) value(n *yaml.Node) (any, *Error) {
	y.budget--
	if y.budget < 0 {
		return nil, y.fail(n, "malformed YAML: aliases expand the document beyond any plausible size")
	}
	y.depth++
	defer func() { y.depth-- }()
	if y.depth > maxDepth {
		return nil, y.fail(n, "malformed YAML: the document nests deeper than %d levels", maxDepth)
	}
	switch n.Kind {
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, y.fail(n, "malformed YAML: unknown alias")
		}
		return y.value(n.Alias)
	case yaml.MappingNode:
		return y.mapping(n)
	case yaml.SequenceNode:
		list := make([]any, 0, len(n.Content))
		for i, c := range n.Content {
			mark := len(y.ptr)
			y.ptr = strconv.AppendInt(append(y.ptr, '/'), int64(i), 10)
			y.idx.index[string(y.ptr)] = int32(c.Line)
			v, err := y.value(c)
			if err != nil {
				return nil, err
			}
			y.ptr = y.ptr[:mark]
			list = append(list, v)
		}
		return list, nil
	case yaml.ScalarNode:
		return scalar(n), nil
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return y.value(n.Content[0])
	}
	return nil, y.fail(n, "malformed YAML: unexpected node")
}

func (y *yamlReader) mapping(n *yaml.Node) (any, *Error) {
	m := make(map[string]any, len(n.Content)/2)
	// Merge keys first, so that the mapping's own keys override them.
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.ShortTag() != "!!merge" {
			continue
		}
		sources := []*yaml.Node{v}
		if deref(v).Kind == yaml.SequenceNode {
			sources = deref(v).Content
		}
		// Earlier sources win: apply them last.
		for s := len(sources) - 1; s >= 0; s-- {
			src := deref(sources[s])
			if src.Kind != yaml.MappingNode {
				return nil, y.fail(sources[s], "malformed YAML: a merge key (<<) must refer to a mapping")
			}
			merged, err := y.mapping(src)
			if err != nil {
				return nil, err
			}
			for mk, mv := range merged.(map[string]any) {
				m[mk] = mv
			}
		}
	}
	seen := make(map[string]bool, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			continue
		}
		if deref(k).Kind != yaml.ScalarNode {
			return nil, y.fail(k, "malformed YAML: a mapping key must be a scalar, not a %s", nodeKind(deref(k)))
		}
		key := deref(k).Value
		mark := len(y.ptr)
		y.ptr = appendToken(append(y.ptr, '/'), key)
		p := string(y.ptr)
		if seen[key] {
			y.idx.warnings = append(y.idx.warnings, Diagnostic{Pointer: p, Message: fmt.Sprintf("duplicate key %q; the last one wins", key)})
		}
		seen[key] = true
		y.idx.index[p] = int32(k.Line)
		val, err := y.value(v)
		if err != nil {
			return nil, err
		}
		y.ptr = y.ptr[:mark]
		m[key] = val
	}
	return m, nil
}

func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "sequence"
	}
	return "node"
}

// scalar converts a YAML scalar. Numbers become json.Number; those JSON
// cannot write (.inf, .nan) stay strings, as do timestamps and binary data.
func scalar(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		return strings.EqualFold(n.Value, "true")
	case "!!int":
		if isJSONNumber(n.Value) {
			return number(n.Value)
		}
		s := strings.ReplaceAll(n.Value, "_", "")
		s = strings.Replace(s, "0o", "0", 1)
		if i, err := strconv.ParseInt(s, 0, 64); err == nil {
			return json.Number(strconv.FormatInt(i, 10))
		}
		if u, err := strconv.ParseUint(s, 0, 64); err == nil {
			return json.Number(strconv.FormatUint(u, 10))
		}
		return n.Value
	case "!!float":
		if isJSONNumber(n.Value) {
			return number(n.Value)
		}
		s := strings.ReplaceAll(n.Value, "_", "")
		if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
		}
		return n.Value
	}
	return n.Value
}

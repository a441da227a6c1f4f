package load

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
)

// appendToken appends the JSON pointer escape of tok (RFC 6901: "~" → "~0",
// "/" → "~1") to b.
func appendToken(b []byte, tok string) []byte {
	if !strings.ContainsAny(tok, "~/") {
		return append(b, tok...)
	}
	for i := 0; i < len(tok); i++ {
		switch tok[i] {
		case '~':
			b = append(b, "~0"...)
		case '/':
			b = append(b, "~1"...)
		default:
			b = append(b, tok[i])
		}
	}
	return b
}

// escapeToken returns the JSON pointer escape of tok.
func escapeToken(tok string) string {
	if !strings.ContainsAny(tok, "~/") {
		return tok
	}
	return string(appendToken(nil, tok))
}

// unescapeToken undoes escapeToken.
func unescapeToken(tok string) string {
	if !strings.Contains(tok, "~") {
		return tok
	}
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
}

// pointerTokens splits a JSON pointer into its unescaped tokens; "" has none.
func pointerTokens(p string) []string {
	if p == "" {
		return nil
	}
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i, t := range parts {
		parts[i] = unescapeToken(t)
	}
	return parts
}

// pointer joins tokens into a JSON pointer.
func pointer(tokens ...string) string {
	var b []byte
	for _, t := range tokens {
		b = appendToken(append(b, '/'), t)
	}
	return string(b)
}

// path is a JSON pointer under construction during a walk: a chain of tokens
// that is turned into a string only when a diagnostic needs it. The nil
// *path is the document root.
type path struct {
	parent *path
	tok    string
}

// at returns the child pointer of p for an object key.
func (p *path) at(tok string) *path { return &path{parent: p, tok: tok} }

// idx returns the child pointer of p for a list index.
func (p *path) idx(i int) *path { return &path{parent: p, tok: strconv.Itoa(i)} }

// String renders p as a JSON pointer.
func (p *path) String() string {
	if p == nil {
		return ""
	}
	var toks []string
	for q := p; q != nil; q = q.parent {
		toks = append(toks, q.tok)
	}
	var b []byte
	for i := len(toks) - 1; i >= 0; i-- {
		b = appendToken(append(b, '/'), toks[i])
	}
	return string(b)
}

// tokens returns the tokens of p from the root.
func (p *path) tokens() []string {
	var toks []string
	for q := p; q != nil; q = q.parent {
		toks = append(toks, q.tok)
	}
	for i, j := 0, len(toks)-1; i < j; i, j = i+1, j-1 {
		toks[i], toks[j] = toks[j], toks[i]
	}
	return toks
}

// refPointer turns a local reference ("#/components/schemas/Pet") into its
// JSON pointer. ok is false for references to other documents.
func refPointer(ref string) (ptr string, ok bool) {
	frag, found := strings.CutPrefix(ref, "#")
	if !found {
		return "", false
	}
	if strings.Contains(frag, "%") {
		if u, err := url.PathUnescape(frag); err == nil {
			frag = u
		}
	}
	return frag, true
}

// resolve returns the value at the JSON pointer ptr in root.
func resolve(root any, ptr string) (any, bool) {
	if ptr == "" {
		return root, true
	}
	if ptr[0] != '/' {
		return nil, false
	}
	cur := root
	for _, tok := range pointerTokens(ptr) {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[tok]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// resolveThroughRefs is resolve for pointers written through references,
// as discriminator mappings sometimes are: when a token is missing from an
// object that is a local $ref, the reference is followed first.
func resolveThroughRefs(root any, ptr string) (any, bool) {
	if ptr == "" || ptr[0] != '/' {
		return resolve(root, ptr)
	}
	cur := root
	hops := 0
	for _, tok := range pointerTokens(ptr) {
		for {
			m, ok := cur.(map[string]any)
			if !ok {
				break
			}
			if _, has := m[tok]; has {
				break
			}
			ref, isRef := m["$ref"].(string)
			target, local := refPointer(ref)
			if !isRef || !local || hops > 64 {
				return nil, false
			}
			hops++
			if cur, ok = resolve(root, target); !ok {
				return nil, false
			}
		}
		next, ok := resolve(cur, "/"+escapeToken(tok))
		if !ok {
			return nil, false
		}
		cur = next
	}
	return cur, true
}

// v2Prefixes maps OpenAPI 3 component pointers to where a Swagger 2.0
// description keeps them.
var v2Prefixes = []struct{ v3, v2 string }{
	{"/components/schemas/", "/definitions/"},
	{"/components/parameters/", "/parameters/"},
	{"/components/requestBodies/", "/parameters/"},
	{"/components/responses/", "/responses/"},
	{"/components/securitySchemes/", "/securityDefinitions/"},
}

// v3PointerToV2 translates a pointer into a converted document to the
// pointer of the same node in the Swagger 2.0 original, as far as they
// correspond.
func v3PointerToV2(p string) string {
	for _, m := range v2Prefixes {
		if rest, ok := strings.CutPrefix(p, m.v3); ok {
			return m.v2 + rest
		}
	}
	return p
}

// describe names the JSON type of v for messages: "a string", "an object".
func describe(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number, float64, int, int64:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return "a value"
}

// scalarText returns the text of a scalar (strings, numbers, booleans), or
// "" for anything else.
func scalarText(v any) string {
	switch s := v.(type) {
	case string:
		return s
	case json.Number:
		return s.String()
	case bool:
		return strconv.FormatBool(s)
	}
	return ""
}

// deepCopy copies a generic tree.
func deepCopy(v any) any {
	switch c := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(c))
		for k, e := range c {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(c))
		for i, e := range c {
			l[i] = deepCopy(e)
		}
		return l
	}
	return v
}

package load

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// dialect is the grammar a walk applies.
type dialect int

const (
	dialectV2  dialect = iota // Swagger 2.0, before conversion
	dialectV30                // OpenAPI 3.0
	dialectV31                // OpenAPI 3.1 (and 3.2), rewritten into 3.0
)

// walker sanitises one document tree in place against a grammar.
type walker struct {
	l       *loader
	root    map[string]any
	dialect dialect
	fromV2  bool            // the tree was converted from Swagger 2.0
	dropped map[string]bool // pointers of component entries dropped as unusable
	refHops int             // depth of nested cross-kind $ref conversions
}

func newWalker(l *loader, root map[string]any, d dialect) *walker {
	return &walker{l: l, root: root, dialect: d, dropped: map[string]bool{}}
}

func (w *walker) warn(p *path, format string, args ...any) {
	w.l.warn(p.String(), format, args...)
}

func (w *walker) fail(p *path, format string, args ...any) {
	w.l.fail(p.String(), format, args...)
}

// kind is the expected type of a field.
type kind uint8

const (
	kString     kind = iota // a string
	kBool                   // a boolean
	kNumber                 // a number
	kUint                   // a non-negative integer
	kAny                    // anything
	kAnyMap                 // an object of anything
	kStrings                // a list of strings
	kStringMap              // an object of strings
	kObject                 // an object of shape
	kMap                    // an object whose values have shape
	kList                   // a list whose items have shape
	kSchema                 // a schema
	kSchemaMap              // an object of schemas
	kSchemaList             // a list of schemas
	kSecurity               // a list of security requirements
)

// field is the grammar of one field.
type field struct {
	kind  kind
	shape *shape
}

// shape is the grammar of one kind of OpenAPI object.
type shape struct {
	// name is used in messages: "a parameter".
	name string
	// component is the components section a $ref in place of this object
	// must point into ("parameters"), or "" when the object cannot be one.
	component string
	// fields are the known fields; others are left alone.
	fields map[string]field
	// rest, when set, is the grammar of every other field whose name does
	// not start with "x-" (the entries of paths, responses, callbacks).
	rest *field
	// fromScalar converts a non-object found where the object belongs,
	// when the intent is clear (a tag written as its name).
	fromScalar func(w *walker, v any, p *path) (map[string]any, bool)
	// before runs before the fields are walked.
	before func(w *walker, m map[string]any, p *path)
	// after runs after the fields are walked; false drops the object.
	after func(w *walker, m map[string]any, p *path) bool
}

// sortedKeys returns the keys of m in order, so that every walk is
// deterministic.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// object walks v as an object of shape s. It returns the value to keep in
// place of v, and false when v is unusable and must be dropped.
func (w *walker) object(s *shape, v any, p *path) (any, bool) {
	m, ok := v.(map[string]any)
	if !ok && s.fromScalar != nil && v != nil {
		m, ok = s.fromScalar(w, v, p)
	}
	if !ok {
		w.warn(p, "expected %s, found %s; dropped", s.name, describe(v))
		return nil, false
	}
	if s.component != "" {
		if r, has := m["$ref"]; has {
			return w.objectRef(s, m, r, p)
		}
	}
	w.foldKeys(m, s.fields, p)
	if s.before != nil {
		s.before(w, m, p)
	}
	for _, k := range sortedKeys(m) {
		f, ok := s.fields[k]
		if !ok {
			if s.rest == nil || strings.HasPrefix(k, "x-") {
				continue
			}
			f = *s.rest
		}
		nv, keep := w.field(f, m[k], p.at(k))
		if keep {
			m[k] = nv
		} else {
			delete(m, k)
		}
	}
	if s.after != nil && !s.after(w, m, p) {
		return nil, false
	}
	return m, true
}

// foldKeys renames the keys of m that match a known field only without
// regard to case ("Components"). encoding/json, which kin-openapi decodes
// with, matches field names that way, so such a key would reach kin-openapi
// unchecked.
func foldKeys[V any](w *walker, m map[string]any, known map[string]V, p *path) {
	for _, k := range sortedKeys(m) {
		if _, ok := known[k]; ok || strings.HasPrefix(k, "x-") {
			continue
		}
		for name := range known {
			if !strings.EqualFold(k, name) {
				continue
			}
			if _, taken := m[name]; taken {
				w.warn(p.at(k), "unknown field %q next to %q (field names are case-sensitive); dropped", k, name)
			} else {
				w.warn(p.at(k), "unknown field %q (field names are case-sensitive); read as %q", k, name)
				m[name] = m[k]
			}
			delete(m, k)
			break
		}
	}
}

func (w *walker) foldKeys(m map[string]any, fields map[string]field, p *path) {
	foldKeys(w, m, fields, p)
}

// field walks one value against its grammar.
func (w *walker) field(f field, v any, p *path) (any, bool) {
	switch f.kind {
	case kString:
		return w.str(v, p)
	case kBool:
		return w.boolean(v, p)
	case kNumber:
		return w.number(v, p)
	case kUint:
		return w.uint(v, p)
	case kAny:
		return v, true
	case kAnyMap:
		if _, ok := v.(map[string]any); ok {
			return v, true
		}
		w.warn(p, "expected an object, found %s; dropped", describe(v))
		return nil, false
	case kStrings:
		return w.strings(v, p)
	case kStringMap:
		return w.stringMap(v, p)
	case kObject:
		return w.object(f.shape, v, p)
	case kMap:
		m, ok := v.(map[string]any)
		if !ok {
			w.warn(p, "expected an object of %s entries, found %s; dropped", strings.TrimPrefix(strings.TrimPrefix(f.shape.name, "a "), "an "), describe(v))
			return nil, false
		}
		for _, k := range sortedKeys(m) {
			cp := p.at(k)
			nv, keep := w.object(f.shape, m[k], cp)
			if keep {
				m[k] = nv
			} else {
				delete(m, k)
				w.dropped[cp.String()] = true
			}
		}
		return m, true
	case kList:
		l, ok := v.([]any)
		if !ok {
			if m, isMap := v.(map[string]any); isMap {
				w.warn(p, "expected a list, found an object; read as a one-item list")
				l = []any{m}
			} else {
				w.warn(p, "expected a list, found %s; dropped", describe(v))
				return nil, false
			}
		}
		kept := l[:0]
		for i, e := range l {
			if nv, keep := w.object(f.shape, e, p.idx(i)); keep {
				kept = append(kept, nv)
			}
		}
		return kept, true
	case kSchema:
		return w.schema(v, p), true
	case kSchemaMap:
		m, ok := v.(map[string]any)
		if !ok {
			w.warn(p, "expected an object of schemas, found %s; dropped", describe(v))
			return nil, false
		}
		for _, k := range sortedKeys(m) {
			m[k] = w.schema(m[k], p.at(k))
		}
		return m, true
	case kSchemaList:
		l, ok := v.([]any)
		if !ok {
			w.warn(p, "expected a list of schemas, found %s; dropped", describe(v))
			return nil, false
		}
		for i := range l {
			l[i] = w.schema(l[i], p.idx(i))
		}
		return l, true
	case kSecurity:
		return w.security(v, p)
	}
	panic(fmt.Sprintf("load: unknown field kind %d", f.kind))
}

// str expects a string; numbers and booleans are converted.
func (w *walker) str(v any, p *path) (any, bool) {
	switch s := v.(type) {
	case string:
		return s, true
	case json.Number, bool:
		t := scalarText(s)
		w.warn(p, "expected a string, found %s; read as %q", describe(v), t)
		return t, true
	}
	w.warn(p, "expected a string, found %s; dropped", describe(v))
	return nil, false
}

// boolean expects a boolean; "true" and "false" are converted.
func (w *walker) boolean(v any, p *path) (any, bool) {
	switch b := v.(type) {
	case bool:
		return b, true
	case string:
		switch strings.ToLower(strings.TrimSpace(b)) {
		case "true":
			w.warn(p, "expected a boolean, found the string %q; read as true", b)
			return true, true
		case "false":
			w.warn(p, "expected a boolean, found the string %q; read as false", b)
			return false, true
		}
	case json.Number:
		switch b.String() {
		case "1":
			w.warn(p, "expected a boolean, found 1; read as true")
			return true, true
		case "0":
			w.warn(p, "expected a boolean, found 0; read as false")
			return false, true
		}
	}
	w.warn(p, "expected a boolean, found %s; dropped", describe(v))
	return nil, false
}

// number expects a number; numeric strings are converted.
func (w *walker) number(v any, p *path) (any, bool) {
	switch n := v.(type) {
	case json.Number:
		return n, true
	case string:
		if f, err := strconv.ParseFloat(strings.TrimSpace(n), 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			num := json.Number(strconv.FormatFloat(f, 'g', -1, 64))
			w.warn(p, "expected a number, found the string %q; read as %s", n, num)
			return num, true
		}
	}
	w.warn(p, "expected a number, found %s; dropped", describe(v))
	return nil, false
}

// uint expects a non-negative integer; numeric strings are converted.
func (w *walker) uint(v any, p *path) (any, bool) {
	var text string
	switch n := v.(type) {
	case json.Number:
		text = n.String()
	case string:
		text = strings.TrimSpace(n)
	default:
		w.warn(p, "expected a non-negative integer, found %s; dropped", describe(v))
		return nil, false
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || f < 0 || f != math.Trunc(f) || f > 1<<53 {
		w.warn(p, "expected a non-negative integer, found %q; dropped", text)
		return nil, false
	}
	num := json.Number(strconv.FormatUint(uint64(f), 10))
	if _, isString := v.(string); isString {
		w.warn(p, "expected a number, found the string %q; read as %s", text, num)
	}
	return num, true
}

// strings expects a list of strings; a single string becomes a list of one.
func (w *walker) strings(v any, p *path) (any, bool) {
	switch l := v.(type) {
	case string:
		w.warn(p, "expected a list of strings, found a string; read as a list of one")
		return []any{l}, true
	case []any:
		kept := l[:0]
		for i, e := range l {
			if s, ok := w.str(e, p.idx(i)); ok {
				kept = append(kept, s)
			}
		}
		return kept, true
	}
	w.warn(p, "expected a list of strings, found %s; dropped", describe(v))
	return nil, false
}

// stringMap expects an object whose values are strings.
func (w *walker) stringMap(v any, p *path) (any, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		w.warn(p, "expected an object of strings, found %s; dropped", describe(v))
		return nil, false
	}
	for _, k := range sortedKeys(m) {
		if s, ok := w.str(m[k], p.at(k)); ok {
			m[k] = s
		} else {
			delete(m, k)
		}
	}
	return m, true
}

// security expects a list of security requirements: objects whose values
// are lists of scope names.
func (w *walker) security(v any, p *path) (any, bool) {
	l, ok := v.([]any)
	if !ok {
		if m, isMap := v.(map[string]any); isMap {
			w.warn(p, "expected a list of security requirements, found an object; read as a list of one")
			l = []any{m}
		} else {
			w.warn(p, "expected a list of security requirements, found %s; dropped", describe(v))
			return nil, false
		}
	}
	kept := l[:0]
	for i, e := range l {
		ip := p.idx(i)
		m, ok := e.(map[string]any)
		if !ok {
			w.warn(ip, "expected a security requirement object, found %s; dropped", describe(e))
			continue
		}
		for _, k := range sortedKeys(m) {
			if m[k] == nil {
				w.warn(ip.at(k), "expected a list of scopes, found null; read as no scopes")
				m[k] = []any{}
				continue
			}
			if s, ok := w.strings(m[k], ip.at(k)); ok {
				m[k] = s
			} else {
				delete(m, k)
			}
		}
		kept = append(kept, m)
	}
	return kept, true
}

// locate returns the grammar of the node at ptr: its shape when it is an
// OpenAPI object, or isSchema when it is a schema. kin-openapi resolves a
// $ref by following the pointer through its own types, so a reference only
// loads when it points at a node of the kind its position expects.
func (w *walker) locate(ptr string) (sh *shape, isSchema bool) {
	doc := s3Document
	if w.dialect == dialectV2 {
		doc = s2Document
	}
	f := field{kind: kObject, shape: doc}
	for _, t := range pointerTokens(ptr) {
		switch f.kind {
		case kObject:
			nf, ok := f.shape.fields[t]
			if !ok {
				if f.shape.rest == nil || strings.HasPrefix(t, "x-") {
					return nil, false
				}
				nf = *f.shape.rest
			}
			f = nf
		case kMap:
			f = field{kind: kObject, shape: f.shape}
		case kList:
			if _, err := strconv.Atoi(t); err != nil {
				return nil, false
			}
			f = field{kind: kObject, shape: f.shape}
		case kSchemaMap:
			f = field{kind: kSchema}
		case kSchemaList:
			if _, err := strconv.Atoi(t); err != nil {
				return nil, false
			}
			f = field{kind: kSchema}
		case kSchema:
			switch t {
			case "properties":
				f = field{kind: kSchemaMap}
			case "items", "not", "additionalProperties":
				f = field{kind: kSchema}
			case "allOf", "anyOf", "oneOf":
				f = field{kind: kSchemaList}
			default:
				return nil, false
			}
		default:
			return nil, false
		}
	}
	switch f.kind {
	case kObject:
		return f.shape, false
	case kSchema:
		return nil, true
	}
	return nil, false
}

// what names the node locate found, for messages.
func what(sh *shape, isSchema bool) string {
	switch {
	case isSchema:
		return "a schema"
	case sh != nil:
		return sh.name
	}
	return "something that is no OpenAPI object"
}

// target resolves a local $ref found at p. It records an error for external
// and dangling references; ok is false then. dropped is true when the
// target existed but was dropped as unusable, so that the reference must be
// dropped too (a warning is recorded).
func (w *walker) target(ref string, p *path) (ptr string, v any, ok, dropped bool) {
	ptr, local := refPointer(ref)
	if !local {
		w.fail(p, "external $ref %q is not supported: only references inside the document are", ref)
		return "", nil, false, false
	}
	v, found := resolve(w.root, ptr)
	if found {
		return ptr, v, true, false
	}
	for q := ptr; q != ""; q = q[:max(strings.LastIndexByte(q, '/'), 0)] {
		if w.dropped[q] {
			w.warn(p, "$ref %q points at a node that was dropped as unusable; dropped too", ref)
			return ptr, nil, false, true
		}
	}
	w.fail(p, "dangling $ref %q: there is nothing at %s", ref, displayPointer(ptr))
	return ptr, nil, false, false
}

func displayPointer(p string) string {
	if p == "" {
		return "the document root"
	}
	return p
}

// objectRef checks the $ref of a referenceable object of shape s, and
// repairs references to a component of the wrong kind.
func (w *walker) objectRef(s *shape, m map[string]any, r any, p *path) (any, bool) {
	rp := p.at("$ref")
	ref, ok := r.(string)
	if !ok {
		w.warn(rp, "expected a $ref string, found %s; dropped", describe(r))
		delete(m, "$ref")
		return w.object(s, m, p)
	}
	if w.fromV2 {
		ref = v2RefToV3(ref)
		m["$ref"] = ref
	}
	ptr, target, ok, dropped := w.target(ref, rp)
	if dropped {
		return nil, false
	}
	if !ok {
		return m, true
	}
	if _, isMap := target.(map[string]any); !isMap {
		w.warn(rp, "$ref %q points at %s, where %s belongs; dropped", ref, describe(target), s.name)
		return nil, false
	}
	if w.refCycle(ptr) {
		w.warn(rp, "$ref %q is part of a cycle of references that never reaches %s; dropped", ref, s.name)
		return nil, false
	}
	sh, isSchema := w.locate(ptr)
	if sh == s {
		return m, true
	}
	from := ""
	switch {
	case isSchema:
		from = "schemas"
	case sh != nil:
		from = sh.component
	}
	if w.dialect == dialectV2 || from == "" {
		w.warn(rp, "$ref %q points at %s, where %s belongs; dropped", ref, what(sh, isSchema), s.name)
		return nil, false
	}
	w.refHops++
	defer func() { w.refHops-- }()
	if w.refHops > 16 {
		w.fail(rp, "$ref %q starts a cycle of references between components of different kinds", ref)
		return m, true
	}
	converted, ok := convertComponent(from, s.component, target, ref)
	if !ok {
		w.warn(rp, "$ref %q points at %s, where %s belongs; dropped", ref, what(sh, isSchema), s.name)
		return nil, false
	}
	w.warn(rp, "$ref %q points at %s, where %s belongs; replaced by a copy converted to %s", ref, what(sh, isSchema), s.name, s.name)
	return w.object(s, converted, p)
}

// refCycle reports whether the chain of references that starts at the node
// at ptr runs in a circle instead of ending at a node that is not a
// reference.
func (w *walker) refCycle(ptr string) bool {
	seen := map[string]bool{}
	for cur := ptr; ; {
		if seen[cur] {
			return true
		}
		seen[cur] = true
		v, ok := resolve(w.root, cur)
		if !ok {
			return false
		}
		m, _ := v.(map[string]any)
		ref, isRef := m["$ref"].(string)
		if !isRef {
			return false
		}
		if cur, ok = refPointer(ref); !ok {
			return false
		}
	}
}

// convertComponent converts the component target of kind from into an
// object of kind to, for a reference ref that points at the wrong kind.
func convertComponent(from, to string, target any, ref string) (map[string]any, bool) {
	src, ok := target.(map[string]any)
	if !ok {
		return nil, false
	}
	if inner, isRef := src["$ref"].(string); isRef {
		// The target is itself a reference: follow it from here.
		return map[string]any{"$ref": inner}, true
	}
	src = deepCopy(src).(map[string]any)
	keep := func(dst map[string]any, keys ...string) map[string]any {
		for _, k := range keys {
			if v, ok := src[k]; ok {
				dst[k] = v
			}
		}
		for k, v := range src {
			if strings.HasPrefix(k, "x-") {
				dst[k] = v
			}
		}
		return dst
	}
	jsonBody := func() map[string]any {
		return map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": ref}}}
	}
	switch {
	case from == "requestBodies" && to == "responses":
		dst := keep(map[string]any{}, "description", "content")
		if _, ok := dst["description"]; !ok {
			dst["description"] = ""
		}
		return dst, true
	case from == "responses" && to == "requestBodies":
		return keep(map[string]any{}, "description", "content"), true
	case from == "parameters" && to == "headers":
		dst := keep(map[string]any{}, "description", "required", "deprecated", "style", "explode", "schema", "example", "examples", "content")
		return dst, true
	case from == "schemas" && to == "requestBodies":
		return map[string]any{"content": jsonBody()}, true
	case from == "schemas" && to == "responses":
		return map[string]any{"description": "", "content": jsonBody()}, true
	}
	return nil, false
}

// v2RefToV3 rewrites a Swagger 2.0 reference left over after conversion.
func v2RefToV3(ref string) string {
	for _, m := range v2Prefixes {
		if m.v3 == "/components/requestBodies/" {
			continue
		}
		if rest, ok := strings.CutPrefix(ref, "#"+m.v2); ok {
			return "#" + m.v3 + rest
		}
	}
	return ref
}

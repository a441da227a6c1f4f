package load

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/apigen-go/apigen/internal/suggest"
)

// knownTypes are the OpenAPI 3.0 schema types.
var knownTypes = map[string]bool{
	"string": true, "number": true, "integer": true, "boolean": true, "array": true, "object": true,
}

// typeAlias reads a type name that is not an OpenAPI type but whose intent
// is clear ("int", "file", "datetime"). It returns the type and the format
// that goes with it.
func typeAlias(name string) (typ, format string, ok bool) {
	n := strings.ToLower(strings.TrimSpace(name))
	if knownTypes[n] {
		return n, "", true
	}
	switch n {
	case "file":
		return "string", "binary", true
	case "int", "short":
		return "integer", "", true
	case "int32":
		return "integer", "int32", true
	case "int64", "long":
		return "integer", "int64", true
	case "float", "double":
		return "number", n, true
	case "decimal", "numeric":
		return "number", "", true
	case "bool":
		return "boolean", "", true
	case "str", "text":
		return "string", "", true
	case "date":
		return "string", "date", true
	case "date-time", "datetime", "timestamp":
		return "string", "date-time", true
	case "map", "dict", "dictionary", "hash":
		return "object", "", true
	case "list":
		return "array", "", true
	}
	return "", "", false
}

// stringFormats are formats that only make sense on strings.
var stringFormats = map[string]bool{
	"date": true, "date-time": true, "time": true, "duration": true, "byte": true, "binary": true,
	"password": true, "email": true, "idn-email": true, "hostname": true, "idn-hostname": true,
	"ipv4": true, "ipv6": true, "uri": true, "uri-reference": true, "iri": true, "iri-reference": true,
	"uri-template": true, "uuid": true, "json-pointer": true, "relative-json-pointer": true, "regex": true,
}

// annotations are the schema keywords that only document a value. Next to
// a $ref they are dropped; any other sibling makes the $ref an allOf.
var annotations = map[string]bool{
	"description": true, "title": true, "example": true, "examples": true,
	"externalDocs": true, "$comment": true,
}

// schemaKeywords are the keywords of an OpenAPI 3.0 schema; the JSON Schema
// 2020-12 ones are rewritten or dropped by schemaObject before these are
// checked.
var schemaKeywords = map[string]bool{
	"$ref": true, "type": true, "format": true, "title": true, "description": true, "enum": true,
	"default": true, "example": true, "externalDocs": true, "uniqueItems": true,
	"exclusiveMinimum": true, "exclusiveMaximum": true, "nullable": true, "readOnly": true,
	"writeOnly": true, "allowEmptyValue": true, "deprecated": true, "xml": true, "minimum": true,
	"maximum": true, "multipleOf": true, "minLength": true, "maxLength": true, "pattern": true,
	"minItems": true, "maxItems": true, "items": true, "required": true, "properties": true,
	"minProperties": true, "maxProperties": true, "additionalProperties": true,
	"discriminator": true, "allOf": true, "anyOf": true, "oneOf": true, "not": true,
}

// silentlyDropped are JSON Schema keywords that identify or comment a
// schema and mean nothing to a client.
var silentlyDropped = []string{"$schema", "$id", "$anchor", "$dynamicAnchor", "$recursiveAnchor", "$comment", "$vocabulary"}

// droppedWithWarning are JSON Schema 2020-12 keywords that OpenAPI 3.0
// cannot express; they constrain values, so dropping them is reported.
var droppedWithWarning = []string{
	"contentSchema", "dependentSchemas", "dependentRequired", "unevaluatedProperties",
	"unevaluatedItems", "propertyNames", "contains", "minContains", "maxContains",
}

// schema sanitises the schema v at p and returns the schema to keep. A
// schema is never dropped: one that cannot be read becomes {} (any value),
// so that the property or body it describes survives.
func (w *walker) schema(v any, p *path) any {
	switch s := v.(type) {
	case map[string]any:
		w.schemaObject(s, p)
		return s
	case bool:
		// JSON Schema boolean schemas.
		if s {
			return map[string]any{}
		}
		return map[string]any{"not": map[string]any{}}
	case string:
		if t, format, ok := typeAlias(s); ok {
			w.warn(p, "expected a schema, found the string %q; read as {type: %s}", s, t)
			m := map[string]any{"type": t}
			if format != "" {
				m["format"] = format
			}
			return m
		}
		if strings.HasPrefix(s, "#/") {
			w.warn(p, "expected a schema, found the string %q; read as a $ref", s)
			m := map[string]any{"$ref": s}
			w.schemaObject(m, p)
			return m
		}
	}
	w.warn(p, "expected a schema, found %s; replaced by an empty schema (any value)", describe(v))
	return map[string]any{}
}

// setNullable marks m as accepting null, in the dialect's words.
func (w *walker) setNullable(m map[string]any) {
	if w.dialect == dialectV2 {
		m["x-nullable"] = true
	} else {
		m["nullable"] = true
	}
}

// schemaObject sanitises a schema object in place.
func (w *walker) schemaObject(m map[string]any, p *path) {
	foldKeys(w, m, schemaKeywords, p)
	for _, k := range []string{"$recursiveRef", "$dynamicRef"} {
		if r, ok := m[k]; ok {
			delete(m, k)
			w.recursiveRef(m, k, r, p)
		}
	}
	if r, ok := m["$ref"]; ok {
		if w.schemaRef(m, r, p) {
			return
		}
	}
	for _, k := range silentlyDropped {
		delete(m, k)
	}

	w.schemaType(m, p)
	w.jsonSchema2020(m, p)

	for _, k := range []string{"nullable", "readOnly", "writeOnly", "deprecated", "uniqueItems", "allowEmptyValue"} {
		w.scalarKeyword(m, k, p, w.boolean)
	}
	if x, ok := m["x-nullable"].(bool); ok && w.dialect != dialectV2 {
		delete(m, "x-nullable")
		if x {
			m["nullable"] = true
		}
	}
	if w.dialect == dialectV2 {
		if b, ok := m["nullable"].(bool); ok {
			delete(m, "nullable")
			if b {
				m["x-nullable"] = true
			}
		}
	}
	for _, k := range []string{"minimum", "maximum", "multipleOf"} {
		w.scalarKeyword(m, k, p, w.number)
	}
	if n, ok := m["multipleOf"].(json.Number); ok {
		if f, _ := n.Float64(); f <= 0 {
			w.warn(p.at("multipleOf"), "multipleOf must be greater than 0, found %s; dropped", n)
			delete(m, "multipleOf")
		}
	}
	for _, k := range []string{"minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"} {
		w.scalarKeyword(m, k, p, w.uint)
	}
	for _, k := range []string{"title", "description", "format", "pattern"} {
		w.scalarKeyword(m, k, p, w.str)
	}
	w.exclusiveBounds(m, p)
	w.enum(m, p)
	w.required(m, p)
	w.properties(m, p)
	w.items(m, p)
	w.additionalProperties(m, p)
	w.combinators(m, p)
	if v, ok := m["not"]; ok {
		if w.dialect == dialectV2 {
			w.warn(p.at("not"), "not is not part of Swagger 2.0; dropped")
			delete(m, "not")
		} else {
			m["not"] = w.schema(v, p.at("not"))
		}
	}
	w.discriminator(m, p)
	for _, o := range []struct {
		k string
		s *shape
	}{{"externalDocs", s3ExternalDocs}, {"xml", s3XML}} {
		if v, ok := m[o.k]; ok {
			if nv, keep := w.object(o.s, v, p.at(o.k)); keep {
				m[o.k] = nv
			} else {
				delete(m, o.k)
			}
		}
	}
	w.format(m, p)
	for _, k := range sortedKeys(m) {
		if !schemaKeywords[k] && !strings.HasPrefix(k, "x-") {
			w.warn(p.at(k), "unknown schema keyword %q; dropped", k)
			delete(m, k)
		}
	}
}

// scalarKeyword applies a scalar check to keyword k of m.
func (w *walker) scalarKeyword(m map[string]any, k string, p *path, check func(any, *path) (any, bool)) {
	v, ok := m[k]
	if !ok {
		return
	}
	if nv, keep := check(v, p.at(k)); keep {
		m[k] = nv
	} else {
		delete(m, k)
	}
}

// recursiveRef rewrites $recursiveRef / $dynamicRef "#", the reference of a
// recursive schema to itself, into a $ref to the enclosing component.
func (w *walker) recursiveRef(m map[string]any, k string, r any, p *path) {
	toks := p.tokens()
	var component string
	switch {
	case w.dialect == dialectV2 && len(toks) >= 2 && toks[0] == "definitions":
		component = "#/definitions/" + escapeToken(toks[1])
	case len(toks) >= 3 && toks[0] == "components" && toks[1] == "schemas":
		component = "#/components/schemas/" + escapeToken(toks[2])
	}
	_, hasRef := m["$ref"]
	if r == "#" && component != "" && !hasRef {
		m["$ref"] = component
		w.warn(p.at(k), "%s is not supported; read as a $ref to the enclosing schema %q", k, component)
		return
	}
	w.warn(p.at(k), "%s %v is not supported; dropped", k, r)
}

// schemaRef handles a schema with a $ref. It returns true when m is now a
// bare reference and needs nothing more.
func (w *walker) schemaRef(m map[string]any, r any, p *path) bool {
	rp := p.at("$ref")
	ref, ok := r.(string)
	if !ok {
		w.warn(rp, "expected a $ref string, found %s; dropped", describe(r))
		delete(m, "$ref")
		return false
	}
	if w.fromV2 {
		ref = v2RefToV3(ref)
		m["$ref"] = ref
	}
	if t, ok := m["type"]; ok && w.redundantType(ref, t) {
		delete(m, "type")
	}
	constraining := false
	for k := range m {
		if k != "$ref" && !annotations[k] && !strings.HasPrefix(k, "x-") {
			constraining = true
			break
		}
	}
	if constraining {
		// {$ref, nullable: true, ...} → {allOf: [{$ref}], nullable: true, ...};
		// the allOf item is checked when allOf is walked.
		delete(m, "$ref")
		inner := []any{map[string]any{"$ref": ref}}
		switch all := m["allOf"].(type) {
		case []any:
			m["allOf"] = append(inner, all...)
		case map[string]any:
			m["allOf"] = append(inner, all)
		default:
			m["allOf"] = inner
		}
		if w.dialect == dialectV30 {
			w.warn(rp, "$ref with sibling keywords, which OpenAPI 3.0 ignores; kept by wrapping the $ref in allOf")
		}
		return false
	}
	for k := range m {
		if k != "$ref" && !strings.HasPrefix(k, "x-") {
			delete(m, k)
		}
	}
	ptr, target, ok, dropped := w.target(ref, rp)
	if dropped {
		delete(m, "$ref")
		return true
	}
	if !ok {
		return true
	}
	switch target.(type) {
	case map[string]any, bool:
	default:
		w.warn(rp, "$ref %q points at %s, not a schema; replaced by an empty schema (any value)", ref, describe(target))
		delete(m, "$ref")
		return true
	}
	if w.refCycle(ptr) {
		w.warn(rp, "$ref %q is part of a cycle of references that never reaches a schema; replaced by an empty schema (any value)", ref)
		delete(m, "$ref")
		return true
	}
	if sh, isSchema := w.locate(ptr); !isSchema {
		if sub := schemaWithin(target); sub != "" && sh != nil {
			m["$ref"] = ref + sub
			w.warn(rp, "$ref %q points at %s, not a schema; now points at its schema", ref, what(sh, false))
		} else {
			w.warn(rp, "$ref %q points at %s, not a schema; replaced by an empty schema (any value)", ref, what(sh, false))
			delete(m, "$ref")
		}
	}
	return true
}

// redundantType reports whether a type written next to a $ref says nothing
// the referenced schema does not: it has the same type, or none.
func (w *walker) redundantType(ref string, t any) bool {
	ptr, local := refPointer(ref)
	if !local {
		return false
	}
	target, ok := resolve(w.root, ptr)
	if !ok {
		return false
	}
	tm, ok := target.(map[string]any)
	if !ok {
		return false
	}
	tt, has := tm["type"]
	return !has || tt == t
}

// schemaWithin finds the schema inside a parameter, header, request body or
// response, as a pointer suffix ("/schema", "/content/application~1json/schema").
func schemaWithin(target any) string {
	t, ok := target.(map[string]any)
	if !ok {
		return ""
	}
	if _, ok := t["schema"]; ok {
		return "/schema"
	}
	content, _ := t["content"].(map[string]any)
	keys := sortedKeys(content)
	slices.SortStableFunc(keys, func(a, b string) int {
		// JSON media types first.
		ja, jb := strings.Contains(a, "json"), strings.Contains(b, "json")
		switch {
		case ja && !jb:
			return -1
		case jb && !ja:
			return 1
		}
		return 0
	})
	for _, k := range keys {
		if mt, ok := content[k].(map[string]any); ok {
			if _, ok := mt["schema"]; ok {
				return "/content/" + escapeToken(k) + "/schema"
			}
		}
	}
	return ""
}

// schemaType reads type: a name, or (3.1) a list of names that may include
// "null". One type is kept; "null" makes the schema nullable; several
// types leave the schema untyped.
func (w *walker) schemaType(m map[string]any, p *path) {
	t, ok := m["type"]
	if !ok {
		return
	}
	tp := p.at("type")
	var names []string
	switch t := t.(type) {
	case string:
		names = []string{t}
	case []any:
		for i, e := range t {
			if s, ok := e.(string); ok {
				names = append(names, s)
			} else {
				w.warn(tp.idx(i), "expected a type name, found %s; dropped", describe(e))
			}
		}
	default:
		w.warn(tp, "expected a type name, found %s; dropped (any type)", describe(t))
		delete(m, "type")
		return
	}
	nullable := false
	var kept []string
	for _, n := range names {
		if n == "null" {
			nullable = true
			continue
		}
		if n == "file" && w.dialect == dialectV2 {
			kept = append(kept, n) // openapi2conv turns it into a binary string
			continue
		}
		typ, format, ok := typeAlias(n)
		if !ok {
			// An error, not a repair: the property would silently become
			// "any value" (json.RawMessage) for what is usually a typo.
			w.fail(tp, "unknown type %q%s (the types are %s)", n, suggest.Hint(n, schemaTypes), strings.Join(schemaTypes, ", "))
			continue
		}
		if typ != n {
			w.warn(tp, "unknown type %q; read as %q", n, typ)
			if _, has := m["format"]; !has && format != "" {
				m["format"] = format
			}
		}
		if !slices.Contains(kept, typ) {
			kept = append(kept, typ)
		}
	}
	slices.Sort(kept)
	switch {
	case len(kept) == 1:
		m["type"] = kept[0]
	case len(kept) == 2 && kept[0] == "integer" && kept[1] == "number":
		m["type"] = "number"
	case len(kept) == 0:
		delete(m, "type")
	default:
		delete(m, "type")
		w.warn(tp, "several types (%s), which OpenAPI 3.0 cannot express; type dropped (any of them)", strings.Join(kept, ", "))
	}
	if nullable {
		w.setNullable(m)
	}
}

// jsonSchema2020 rewrites or drops the JSON Schema 2020-12 keywords of
// OpenAPI 3.1 that OpenAPI 3.0 lacks.
func (w *walker) jsonSchema2020(m map[string]any, p *path) {
	if c, ok := m["const"]; ok {
		delete(m, "const")
		switch {
		case c == nil:
			w.setNullable(m)
		case m["enum"] == nil:
			m["enum"] = []any{c}
		}
	}
	if ex, ok := m["examples"]; ok {
		delete(m, "examples")
		if l, ok := ex.([]any); ok {
			if _, has := m["example"]; !has && len(l) > 0 {
				m["example"] = l[0]
			}
		} else {
			w.warn(p.at("examples"), "expected a list of examples, found %s; dropped", describe(ex))
		}
	}
	if _, ok := m["prefixItems"]; ok {
		delete(m, "prefixItems")
		if _, has := m["items"]; !has {
			m["items"] = map[string]any{}
		}
		w.warn(p.at("prefixItems"), "prefixItems (a tuple) cannot be expressed in OpenAPI 3.0; read as an array of any value")
	}
	if _, ok := m["$defs"]; ok {
		delete(m, "$defs")
		w.warn(p.at("$defs"), "$defs here cannot be moved into components; dropped")
	}
	enc, hasEnc := m["contentEncoding"]
	mt, hasMT := m["contentMediaType"]
	if hasEnc || hasMT {
		delete(m, "contentEncoding")
		delete(m, "contentMediaType")
		_, hasFormat := m["format"]
		typ, _ := m["type"].(string)
		switch {
		case hasFormat || (typ != "" && typ != "string"):
		case hasEnc && (enc == "base64" || enc == "base64url"):
			m["format"] = "byte"
		case hasEnc:
			w.warn(p.at("contentEncoding"), "contentEncoding %v is not supported; dropped", enc)
		case !isTextMediaType(scalarText(mt)):
			m["format"] = "binary"
		}
	}
	if _, ok := m["if"]; ok {
		w.warn(p.at("if"), "if/then/else cannot be expressed in OpenAPI 3.0; dropped")
	}
	delete(m, "if")
	delete(m, "then")
	delete(m, "else")
	if pp, ok := m["patternProperties"]; ok {
		delete(m, "patternProperties")
		ppm, _ := pp.(map[string]any)
		if _, has := m["additionalProperties"]; !has && len(ppm) == 1 {
			for pattern, s := range ppm {
				m["additionalProperties"] = s
				w.warn(p.at("patternProperties"), "patternProperties read as additionalProperties; the key pattern %q is not checked", pattern)
			}
		} else {
			w.warn(p.at("patternProperties"), "patternProperties cannot be expressed in OpenAPI 3.0; dropped")
		}
	}
	for _, k := range droppedWithWarning {
		if _, ok := m[k]; ok {
			delete(m, k)
			w.warn(p.at(k), "%s cannot be expressed in OpenAPI 3.0; dropped", k)
		}
	}
}

// isTextMediaType reports whether a media type holds text rather than
// bytes.
func isTextMediaType(mt string) bool {
	mt = strings.ToLower(mt)
	return strings.HasPrefix(mt, "text/") || strings.Contains(mt, "json") || strings.Contains(mt, "xml")
}

// exclusiveBounds rewrites the 3.1 numeric exclusiveMinimum/Maximum into the
// 3.0 form: minimum/maximum plus a boolean.
func (w *walker) exclusiveBounds(m map[string]any, p *path) {
	for _, b := range []struct {
		excl, bound string
		lower       bool
	}{{"exclusiveMinimum", "minimum", true}, {"exclusiveMaximum", "maximum", false}} {
		v, ok := m[b.excl]
		if !ok {
			continue
		}
		ep := p.at(b.excl)
		if s, ok := v.(string); ok {
			t := strings.TrimSpace(s)
			if bv, err := strconv.ParseBool(t); err == nil {
				w.warn(ep, "expected a boolean, found the string %q; read as %v", s, bv)
				m[b.excl] = bv
				continue
			}
			if isJSONNumber(t) {
				w.warn(ep, "expected a number, found the string %q; read as %s", s, t)
				v = json.Number(t)
			}
		}
		switch x := v.(type) {
		case bool:
			continue
		case json.Number:
			n, _ := x.Float64()
			cur, has := m[b.bound].(json.Number)
			c, _ := cur.Float64()
			if !has || (b.lower && n >= c) || (!b.lower && n <= c) {
				m[b.bound] = x
				m[b.excl] = true
			} else {
				delete(m, b.excl) // the inclusive bound is the stricter one
			}
		default:
			w.warn(ep, "expected a number or a boolean, found %s; dropped", describe(v))
			delete(m, b.excl)
		}
	}
}

// enum expects a list; a single value becomes a list of one.
func (w *walker) enum(m map[string]any, p *path) {
	e, ok := m["enum"]
	if !ok {
		return
	}
	switch l := e.(type) {
	case []any:
		if len(l) == 0 {
			w.warn(p.at("enum"), "an empty enum allows no value; dropped")
			delete(m, "enum")
		}
	case map[string]any, nil:
		w.warn(p.at("enum"), "expected a list of values, found %s; dropped", describe(e))
		delete(m, "enum")
	default:
		w.warn(p.at("enum"), "expected a list of values, found %s; read as a list of one", describe(e))
		m["enum"] = []any{e}
	}
}

// required expects a list of property names.
func (w *walker) required(m map[string]any, p *path) {
	r, ok := m["required"]
	if !ok {
		return
	}
	if b, ok := r.(bool); ok {
		w.warn(p.at("required"), "required: %v is not a list of property names; dropped", b)
		delete(m, "required")
		return
	}
	nv, keep := w.strings(r, p.at("required"))
	l, _ := nv.([]any)
	if !keep || len(l) == 0 {
		delete(m, "required")
		return
	}
	seen := make(map[any]bool, len(l))
	kept := l[:0]
	for _, n := range l {
		if !seen[n] {
			seen[n] = true
			kept = append(kept, n)
		}
	}
	m["required"] = kept
}

// properties expects an object of schemas. "required: true" inside a
// property (the Swagger 1 / draft 3 habit) moves to the required list of m.
func (w *walker) properties(m map[string]any, p *path) {
	v, ok := m["properties"]
	if !ok {
		return
	}
	pp := p.at("properties")
	props, ok := v.(map[string]any)
	if !ok {
		w.warn(pp, "expected an object of property schemas, found %s; dropped", describe(v))
		delete(m, "properties")
		return
	}
	var lifted []any
	for _, name := range sortedKeys(props) {
		cp := pp.at(name)
		if child, ok := props[name].(map[string]any); ok {
			if b, ok := child["required"].(bool); ok {
				delete(child, "required")
				if b {
					lifted = append(lifted, name)
					w.warn(cp.at("required"), "required: true inside a property schema; %q added to the required list of the enclosing schema", name)
				} else {
					w.warn(cp.at("required"), "required: false inside a property schema; dropped")
				}
			}
		}
		props[name] = w.schema(props[name], cp)
	}
	if len(lifted) > 0 {
		req, _ := m["required"].([]any)
		for _, n := range lifted {
			if !slices.Contains(req, n) {
				req = append(req, n)
			}
		}
		m["required"] = req
	}
}

// items expects one schema. A list (a draft-4 tuple) becomes its only item,
// or anyOf its items. An array without items gets items: {}.
func (w *walker) items(m map[string]any, p *path) {
	v, ok := m["items"]
	if !ok {
		if m["type"] == "array" {
			m["items"] = map[string]any{}
			w.warn(p, "an array schema without items; its items may be any value")
		}
		return
	}
	ip := p.at("items")
	if l, ok := v.([]any); ok {
		switch len(l) {
		case 0:
			v = map[string]any{}
			w.warn(ip, "items is an empty list; read as items of any value")
		case 1:
			v = l[0]
			w.warn(ip, "items is a list of one schema; read as that schema")
		default:
			v = map[string]any{"anyOf": l}
			w.warn(ip, "items is a list of schemas (a tuple); read as items of any of them")
		}
	}
	m["items"] = w.schema(v, ip)
}

// additionalProperties expects a boolean or a schema.
func (w *walker) additionalProperties(m map[string]any, p *path) {
	v, ok := m["additionalProperties"]
	if !ok {
		return
	}
	ap := p.at("additionalProperties")
	switch a := v.(type) {
	case bool:
	case map[string]any, string:
		m["additionalProperties"] = w.schema(a, ap)
	default:
		w.warn(ap, "expected a boolean or a schema, found %s; dropped", describe(v))
		delete(m, "additionalProperties")
	}
}

// combinators walks allOf, anyOf and oneOf. A {type: "null"} branch of anyOf
// or oneOf is dropped and makes m nullable; a single branch left then moves
// into allOf ({allOf: [X], nullable: true} is the 3.0 idiom).
func (w *walker) combinators(m map[string]any, p *path) {
	for _, k := range []string{"allOf", "anyOf", "oneOf"} {
		v, ok := m[k]
		if !ok {
			continue
		}
		kp := p.at(k)
		if w.dialect == dialectV2 && k != "allOf" {
			w.warn(kp, "%s is not part of Swagger 2.0; dropped", k)
			delete(m, k)
			continue
		}
		l, ok := v.([]any)
		if !ok {
			if mm, isMap := v.(map[string]any); isMap {
				w.warn(kp, "expected a list of schemas, found an object; read as a list of one")
				l = []any{mm}
			} else {
				w.warn(kp, "expected a list of schemas, found %s; dropped", describe(v))
				delete(m, k)
				continue
			}
		}
		kept := make([]any, 0, len(l))
		nulls := 0
		for i, e := range l {
			if k != "allOf" && isNullSchema(e) {
				nulls++
				continue
			}
			kept = append(kept, w.schema(e, kp.idx(i)))
		}
		if nulls > 0 {
			w.setNullable(m)
		}
		switch {
		case len(kept) == 0:
			delete(m, k)
		case nulls > 0 && len(kept) == 1:
			delete(m, k)
			all, _ := m["allOf"].([]any)
			m["allOf"] = append(all, kept[0])
		default:
			m[k] = kept
		}
	}
}

// isNullSchema reports whether v is {type: "null"} (or ["null"]), possibly
// with annotations.
func isNullSchema(v any) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	switch t := m["type"].(type) {
	case string:
		if t != "null" {
			return false
		}
	case []any:
		if len(t) != 1 || t[0] != "null" {
			return false
		}
	default:
		return false
	}
	for k := range m {
		if k != "type" && !annotations[k] && !strings.HasPrefix(k, "x-") {
			return false
		}
	}
	return true
}

// discriminator expects an object (3.x) or a property name (2.0).
func (w *walker) discriminator(m map[string]any, p *path) {
	v, ok := m["discriminator"]
	if !ok {
		return
	}
	dp := p.at("discriminator")
	if w.dialect == dialectV2 {
		switch d := v.(type) {
		case string:
		case map[string]any:
			if name, ok := d["propertyName"].(string); ok {
				m["discriminator"] = name
				w.warn(dp, "a discriminator object in Swagger 2.0, where it is a property name; read as %q", name)
			} else {
				w.warn(dp, "expected a property name, found an object; dropped")
				delete(m, "discriminator")
			}
		default:
			w.warn(dp, "expected a property name, found %s; dropped", describe(v))
			delete(m, "discriminator")
		}
		return
	}
	if s, ok := v.(string); ok {
		w.warn(dp, "the discriminator is a string (Swagger 2.0 style); read as {propertyName: %q}", s)
		v = map[string]any{"propertyName": s}
	}
	if nv, keep := w.object(s3Discriminator, v, dp); keep {
		m["discriminator"] = nv
	} else {
		delete(m, "discriminator")
	}
}

// format drops a well-known format that contradicts the type: a string
// format (date-time, uuid, ...) on a number, a number format on a boolean.
// Other formats are open-ended (OpenAPI lets authors name their own), and
// number formats on strings describe numbers sent as strings: both stay.
func (w *walker) format(m map[string]any, p *path) {
	f, _ := m["format"].(string)
	t, _ := m["type"].(string)
	if f == "" || t == "" || t == "file" {
		return
	}
	numeric := f == "int32" || f == "int64" || f == "float" || f == "double"
	bad := false
	switch t {
	case "integer":
		bad = stringFormats[f] || f == "float" || f == "double"
	case "number":
		bad = stringFormats[f]
	case "boolean", "object", "array":
		bad = stringFormats[f] || numeric
	}
	if bad {
		w.warn(p.at("format"), "format %q does not apply to type %s; dropped", f, t)
		delete(m, "format")
	}
}

// hoistDefs moves every $defs entry (3.1) into components/schemas, where
// OpenAPI 3.0 keeps named schemas, and rewrites the references to it.
func (w *walker) hoistDefs() {
	components, _ := w.root["components"].(map[string]any)
	if components == nil {
		components = map[string]any{}
		w.root["components"] = components
	}
	schemas, _ := components["schemas"].(map[string]any)
	if schemas == nil {
		schemas = map[string]any{}
		components["schemas"] = schemas
	}
	for round := 0; round < 8; round++ {
		renames := map[string]string{}
		var find func(v any, ptr string)
		find = func(v any, ptr string) {
			switch c := v.(type) {
			case map[string]any:
				for _, k := range sortedKeys(c) {
					cp := ptr + "/" + escapeToken(k)
					if k == "$defs" {
						defs, ok := c[k].(map[string]any)
						if !ok {
							continue
						}
						delete(c, k)
						parent := pointerTokens(ptr)
						prefix := "Defs"
						if len(parent) > 0 {
							prefix = parent[len(parent)-1]
						}
						for _, name := range sortedKeys(defs) {
							newName := name
							if _, taken := schemas[newName]; taken {
								newName = prefix + "_" + name
								for i := 2; ; i++ {
									if _, taken := schemas[newName]; !taken {
										break
									}
									newName = prefix + "_" + name + strconv.Itoa(i)
								}
							}
							schemas[newName] = defs[name]
							from, to := cp+"/"+escapeToken(name), pointer("components", "schemas", newName)
							renames[from] = to
							w.l.warn(from, "$defs entry moved to %s", to)
						}
						continue
					}
					find(c[k], cp)
				}
			case []any:
				for i, e := range c {
					find(e, ptr+"/"+strconv.Itoa(i))
				}
			}
		}
		find(w.root, "")
		if len(renames) == 0 {
			return
		}
		var rewrite func(v any)
		rewrite = func(v any) {
			switch c := v.(type) {
			case map[string]any:
				if r, ok := c["$ref"].(string); ok {
					if ptr, local := refPointer(r); local {
						for from, to := range renames {
							if ptr == from || strings.HasPrefix(ptr, from+"/") {
								c["$ref"] = "#" + to + ptr[len(from):]
								break
							}
						}
					}
				}
				for _, e := range c {
					rewrite(e)
				}
			case []any:
				for _, e := range c {
					rewrite(e)
				}
			}
		}
		rewrite(w.root)
	}
}

package load

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"

	"github.com/apigen-go/apigen/internal/suggest"
)

// The Swagger 2.0 grammar, as kin-openapi's openapi2 package decodes it.
var (
	s2Document, s2Paths, s2PathItem, s2Operation, s2Parameter, s2Responses, s2Response,
	s2Header, s2SecurityScheme *shape
)

var s2DocumentOrder = []struct {
	name string
	f    field
}{
	{"swagger", field{kind: kString}},
	{"info", field{kind: kObject}},
	{"host", field{kind: kString}},
	{"basePath", field{kind: kString}},
	{"schemes", field{kind: kStrings}},
	{"consumes", field{kind: kStrings}},
	{"produces", field{kind: kStrings}},
	{"definitions", field{kind: kSchemaMap}},
	{"parameters", field{kind: kMap}},
	{"responses", field{kind: kMap}},
	{"securityDefinitions", field{kind: kMap}},
	{"paths", field{kind: kObject}},
	{"security", field{kind: kSecurity}},
	{"tags", field{kind: kList}},
	{"externalDocs", field{kind: kObject}},
}

// initSwagger2 builds the Swagger 2.0 grammar; the init of the OpenAPI 3
// grammar calls it once the shapes both share exist.
func initSwagger2() {
	s2Paths = &shape{name: "a paths object"}
	s2PathItem = &shape{name: "a path item"}
	s2Operation = &shape{name: "an operation"}
	s2Parameter = &shape{name: "a parameter", component: "parameters"}
	s2Responses = &shape{name: "a responses object"}
	s2Response = &shape{name: "a response", component: "responses"}
	s2Header = &shape{name: "a header"}
	s2SecurityScheme = &shape{name: "a security scheme"}

	str, boolean, anything := field{kind: kString}, field{kind: kBool}, field{kind: kAny}
	num, whole := field{kind: kNumber}, field{kind: kUint}
	strs := field{kind: kStrings}
	obj := func(s *shape) field { return field{kind: kObject, shape: s} }
	listOf := func(s *shape) field { return field{kind: kList, shape: s} }
	schema := field{kind: kSchema}

	s2Document = &shape{name: "a Swagger 2.0 document", fields: map[string]field{}}
	for i, s := range []*shape{nil, s3Info, nil, nil, nil, nil, nil, nil, s2Parameter, s2Response, s2SecurityScheme, s2Paths, nil, s3Tag, s3ExternalDocs} {
		s2DocumentOrder[i].f.shape = s
		s2Document.fields[s2DocumentOrder[i].name] = s2DocumentOrder[i].f
	}

	s2Paths.rest = &field{kind: kObject, shape: s2PathItem}
	s2PathItem.fields = map[string]field{"$ref": str, "parameters": listOf(s2Parameter)}
	for _, m := range []string{"get", "put", "post", "delete", "options", "head", "patch"} {
		s2PathItem.fields[m] = obj(s2Operation)
	}
	s2PathItem.after = swagger2Forms
	s2Operation.fields = map[string]field{
		"tags": strs, "summary": str, "description": str, "externalDocs": obj(s3ExternalDocs),
		"operationId": str, "consumes": strs, "produces": strs, "parameters": listOf(s2Parameter),
		"responses": obj(s2Responses), "schemes": strs, "deprecated": boolean,
		"security": {kind: kSecurity},
	}
	simple := map[string]field{
		"description": str, "type": str, "format": str, "items": schema, "collectionFormat": str,
		"default": anything, "maximum": num, "exclusiveMaximum": boolean, "minimum": num,
		"exclusiveMinimum": boolean, "maxLength": whole, "minLength": whole, "pattern": str,
		"maxItems": whole, "minItems": whole, "uniqueItems": boolean, "enum": anything,
		"multipleOf": num,
	}
	// openapi2.Header is a Parameter: it decodes the same fields.
	s2Parameter.fields = map[string]field{"name": str, "in": str, "required": boolean, "schema": schema, "allowEmptyValue": boolean}
	for k, f := range simple {
		s2Parameter.fields[k] = f
	}
	s2Header.fields = s2Parameter.fields
	s2Parameter.after = swagger2Param
	s2Header.after = swagger2Param
	s2Responses.rest = &field{kind: kObject, shape: s2Response}
	s2Response.fields = map[string]field{
		"description": str, "schema": schema, "headers": {kind: kMap, shape: s2Header},
		"examples": {kind: kAnyMap},
	}
	s2SecurityScheme.fields = map[string]field{
		"type": str, "description": str, "name": str, "in": str, "flow": str,
		"authorizationUrl": str, "tokenUrl": str, "scopes": {kind: kStringMap},
		"tags": listOf(s3Tag),
	}
	s2SecurityScheme.after = func(w *walker, m map[string]any, p *path) bool {
		if m["type"] != "oauth2" {
			return true
		}
		switch m["flow"] {
		case "implicit", "accessCode", "password", "application":
			return true
		}
		w.warn(p.at("flow"), "unknown OAuth2 flow %v; security scheme dropped", m["flow"])
		return false
	}
}

// swagger2 walks a Swagger 2.0 document before it is converted.
func (w *walker) swagger2() {
	doc := w.root
	fields := map[string]bool{}
	for _, f := range s2DocumentOrder {
		fields[f.name] = true
	}
	foldKeys(w, doc, fields, nil)
	if h, ok := doc["host"].(string); ok {
		w.swagger2Host(doc, h)
	}
	for _, f := range s2DocumentOrder {
		v, ok := doc[f.name]
		if !ok {
			continue
		}
		nv, keep := w.field(f.f, v, (*path)(nil).at(f.name))
		if keep {
			doc[f.name] = nv
		} else {
			delete(doc, f.name)
		}
	}
}

// swagger2Host repairs a host written with a scheme or a path, which
// openapi2conv rejects.
func (w *walker) swagger2Host(doc map[string]any, h string) {
	hp := (*path)(nil).at("host")
	host := h
	if scheme, rest, ok := strings.Cut(host, "://"); ok {
		host = rest
		if _, has := doc["schemes"]; !has {
			doc["schemes"] = []any{scheme}
		}
	}
	if i := strings.IndexByte(host, '/'); i >= 0 {
		base := strings.TrimSuffix(host[i:], "/")
		host = host[:i]
		if b, ok := doc["basePath"].(string); ok && b != "" && b != "/" {
			base += b
		}
		if base != "" {
			doc["basePath"] = base
		}
	}
	if host != h {
		w.warn(hp, "host %q must be a host name only; read as host %q", h, host)
		doc["host"] = host
	}
}

// swagger2Param checks the type of a Swagger 2.0 parameter or header.
func swagger2Param(w *walker, m map[string]any, p *path) bool {
	if t, ok := m["type"].(string); ok {
		switch t {
		case "string", "number", "integer", "boolean", "array", "file":
		default:
			typ, format, ok := typeAlias(t)
			if !ok {
				w.fail(p.at("type"), "unknown type %q%s (the types are array, boolean, file, integer, number, string)", t,
					suggest.Hint(t, []string{"array", "boolean", "file", "integer", "number", "string"}))
				return false
			}
			w.warn(p.at("type"), "unknown type %q; read as %q", t, typ)
			m["type"] = typ
			if _, has := m["format"]; !has && format != "" {
				m["format"] = format
			}
		}
	}
	if e, ok := m["enum"]; ok {
		if _, isList := e.([]any); !isList {
			w.warn(p.at("enum"), "expected a list of values, found %s; dropped", describe(e))
			delete(m, "enum")
		}
	}
	return true
}

// swagger2Forms prepares the body and form parameters of the operations of
// a Swagger 2.0 path item for openapi2conv:
//
//   - body and formData parameters declared on the path item are copied into
//     each operation that does not redeclare them;
//   - an operation keeps one body parameter, and drops its form parameters
//     when it has a body;
//   - an operation with form parameters consumes multipart/form-data when
//     one of them is a file, and otherwise the form media types it declares,
//     or application/x-www-form-urlencoded when it declares none;
//   - an operation with a body and no consumes consumes application/json
//     (openapi2conv would write "*/*").
func swagger2Forms(w *walker, item map[string]any, p *path) bool {
	type param struct {
		v any
		p *path
	}
	params, _ := item["parameters"].([]any)
	var shared []param
	var keep []any
	for i, e := range params {
		if in := w.paramIn(e); in == "body" || in == "formData" {
			shared = append(shared, param{e, p.at("parameters").idx(i)})
		} else {
			keep = append(keep, e)
		}
	}
	if len(shared) > 0 {
		if len(keep) == 0 {
			delete(item, "parameters")
		} else {
			item["parameters"] = keep
		}
	}
	isBody := func(e param) bool { return w.paramIn(e.v) == "body" }
	globalConsumes := stringList(w.root["consumes"])
	for _, method := range []string{"get", "put", "post", "delete", "options", "head", "patch"} {
		op, ok := item[method].(map[string]any)
		if !ok {
			continue
		}
		op2 := p.at(method)
		own, _ := op["parameters"].([]any)
		var all []param
		for i, e := range own {
			all = append(all, param{e, op2.at("parameters").idx(i)})
		}
		ownBody := slices.ContainsFunc(all, isBody)
		for _, s := range shared {
			if slices.ContainsFunc(own, func(e any) bool { return w.paramKey(e) == w.paramKey(s.v) }) {
				continue // redeclared by the operation
			}
			if ownBody {
				w.warn(s.p, "%s of the path item is overridden by the body parameter of %s", w.paramKey(s.v), strings.ToUpper(method))
				continue
			}
			all = append(all, param{deepCopy(s.v), s.p})
		}
		bodies := 0
		for _, e := range all {
			if isBody(e) {
				bodies++
			}
		}
		var kept []any
		var keptParams []param
		forms, files := 0, 0
		for _, e := range all {
			switch w.paramIn(e.v) {
			case "body":
				if slices.ContainsFunc(keptParams, isBody) {
					w.warn(e.p, "a second body parameter; dropped (an operation has one body)")
					continue
				}
			case "formData":
				if bodies > 0 {
					w.warn(e.p, "a form parameter next to a body parameter; dropped (an operation has one body)")
					continue
				}
				forms++
				if w.paramType(e.v) == "file" {
					files++
				}
			}
			kept = append(kept, e.v)
			keptParams = append(keptParams, e)
		}
		if kept != nil || own != nil {
			op["parameters"] = kept
		}
		consumes := stringList(op["consumes"])
		declared := consumes
		if len(consumes) == 0 {
			declared = globalConsumes
		}
		switch {
		case forms > 0:
			var want []any
			for _, c := range declared {
				ct := strings.ToLower(c)
				if strings.HasPrefix(ct, "multipart/form-data") || (files == 0 && strings.HasPrefix(ct, "application/x-www-form-urlencoded")) {
					want = append(want, c)
				}
			}
			if len(want) == 0 {
				mt := "application/x-www-form-urlencoded"
				if files > 0 {
					mt = "multipart/form-data"
				}
				want = []any{mt}
				if len(declared) > 0 {
					w.warn(op2, "form parameters, but the operation consumes %s; it consumes %s instead", strings.Join(declared, ", "), mt)
				}
			}
			op["consumes"] = want
		case bodies > 0 && len(declared) == 0:
			op["consumes"] = []any{"application/json"}
		}
	}
	return true
}

// resolveParam follows a Swagger 2.0 parameter reference.
func (w *walker) resolveParam(e any) map[string]any {
	m, _ := e.(map[string]any)
	for hops := 0; m != nil && hops < 16; hops++ {
		ref, ok := m["$ref"].(string)
		if !ok {
			break
		}
		ptr, _ := refPointer(ref)
		t, _ := resolve(w.root, ptr)
		m, _ = t.(map[string]any)
	}
	return m
}

func (w *walker) paramIn(e any) string {
	in, _ := w.resolveParam(e)["in"].(string)
	return in
}

func (w *walker) paramType(e any) string {
	t, _ := w.resolveParam(e)["type"].(string)
	return t
}

func (w *walker) paramKey(e any) string {
	m := w.resolveParam(e)
	in, _ := m["in"].(string)
	name, _ := m["name"].(string)
	return in + " " + name
}

// stringList reads a list of strings, ignoring anything else.
func stringList(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, e := range l {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// convertV2 converts a sanitised Swagger 2.0 tree with openapi2conv and
// returns the OpenAPI 3.0 tree.
func (l *loader) convertV2(doc map[string]any) (map[string]any, error) {
	data, err := json.Marshal(doc)
	if err != nil {
		l.fail("", "cannot encode the Swagger 2.0 document: %v", err)
		return nil, l.failed()
	}
	d3, ok := l.toV3(data)
	if !ok {
		return nil, l.failed()
	}
	if data, err = json.Marshal(d3); err != nil {
		l.fail("", "cannot encode the converted document: %v", err)
		return nil, l.failed()
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var tree map[string]any
	if err := dec.Decode(&tree); err != nil {
		l.fail("", "cannot read the converted document: %v", err)
		return nil, l.failed()
	}
	return tree, nil
}

// toV3 decodes a Swagger 2.0 document with kin-openapi and converts it,
// turning a panic of kin-openapi into an error.
func (l *loader) toV3(data []byte) (d3 *openapi3.T, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			l.fail("", "kin-openapi panicked while converting the Swagger 2.0 document: %v", r)
			d3, ok = nil, false
		}
	}()
	var d2 openapi2.T
	if err := json.Unmarshal(data, &d2); err != nil {
		l.fail("", "kin-openapi cannot read the Swagger 2.0 document: %v", err)
		return nil, false
	}
	d3, err := openapi2conv.ToV3(&d2)
	if err != nil {
		l.fail(kinErrorPointer(err.Error()), "kin-openapi cannot convert the Swagger 2.0 document: %v", err)
		return nil, false
	}
	return d3, true
}

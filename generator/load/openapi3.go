package load

import (
	"slices"
	"strings"

	"github.com/apigen-go/apigen/internal/suggest"
)

// The OpenAPI 3.0 grammar, as kin-openapi decodes it. Shapes refer to each
// other in cycles (a path item holds operations, whose callbacks hold path
// items), so they are declared here and filled in by init.
var (
	s3Document, s3Info, s3Contact, s3License, s3Server, s3ServerVariable, s3Paths, s3PathItem,
	s3Operation, s3Parameter, s3Header, s3RequestBody, s3MediaType, s3Encoding,
	s3Responses, s3Response, s3Example, s3Link, s3Callback, s3Components,
	s3SecurityScheme, s3OAuthFlows, s3OAuthFlow, s3Tag, s3ExternalDocs, s3XML,
	s3Discriminator *shape
)

// methods are the operation fields of a path item, in the order they are
// checked and reported.
var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// s3DocumentOrder is the order the top-level fields are walked in:
// components come before paths so that a reference to a component dropped
// as unusable is known as such.
var s3DocumentOrder = []struct {
	name string
	f    field
}{
	{"openapi", field{kind: kString}},
	{"info", field{kind: kObject}},
	{"servers", field{kind: kList}},
	{"components", field{kind: kObject}},
	{"paths", field{kind: kObject}},
	{"security", field{kind: kSecurity}},
	{"tags", field{kind: kList}},
	{"externalDocs", field{kind: kObject}},
}

// s3DocumentFields are the top-level fields of an OpenAPI 3 document.
var s3DocumentFields = map[string]bool{
	"openapi": true, "info": true, "servers": true, "components": true, "paths": true,
	"security": true, "tags": true, "externalDocs": true, "webhooks": true, "jsonSchemaDialect": true,
}

func init() {
	s3Info, s3Contact, s3License = &shape{name: "an info object"}, &shape{name: "a contact object"}, &shape{name: "a license object"}
	s3Server, s3ServerVariable = &shape{name: "a server"}, &shape{name: "a server variable"}
	s3Paths, s3PathItem = &shape{name: "a paths object"}, &shape{name: "a path item"}
	s3Operation = &shape{name: "an operation"}
	s3Parameter = &shape{name: "a parameter", component: "parameters"}
	s3Header = &shape{name: "a header", component: "headers"}
	s3RequestBody = &shape{name: "a request body", component: "requestBodies"}
	s3MediaType, s3Encoding = &shape{name: "a media type object"}, &shape{name: "an encoding object"}
	s3Responses = &shape{name: "a responses object"}
	s3Response = &shape{name: "a response", component: "responses"}
	s3Example = &shape{name: "an example", component: "examples"}
	s3Link = &shape{name: "a link", component: "links"}
	s3Callback = &shape{name: "a callback", component: "callbacks"}
	s3Components = &shape{name: "a components object"}
	s3SecurityScheme = &shape{name: "a security scheme", component: "securitySchemes"}
	s3OAuthFlows, s3OAuthFlow = &shape{name: "an OAuth flows object"}, &shape{name: "an OAuth flow"}
	s3Tag, s3ExternalDocs = &shape{name: "a tag"}, &shape{name: "an external documentation object"}
	s3XML, s3Discriminator = &shape{name: "an XML object"}, &shape{name: "a discriminator"}

	str, boolean, anything := field{kind: kString}, field{kind: kBool}, field{kind: kAny}
	obj := func(s *shape) field { return field{kind: kObject, shape: s} }
	mapOf := func(s *shape) field { return field{kind: kMap, shape: s} }
	listOf := func(s *shape) field { return field{kind: kList, shape: s} }
	schema := field{kind: kSchema}

	s3DocumentOrder[1].f.shape = s3Info
	s3DocumentOrder[2].f.shape = s3Server
	s3DocumentOrder[3].f.shape = s3Components
	s3DocumentOrder[4].f.shape = s3Paths
	s3DocumentOrder[6].f.shape = s3Tag
	s3DocumentOrder[7].f.shape = s3ExternalDocs

	s3Info.fields = map[string]field{
		"title": str, "description": str, "termsOfService": str, "version": str,
		"contact": obj(s3Contact), "license": obj(s3License),
	}
	s3Contact.fields = map[string]field{"name": str, "url": str, "email": str}
	s3License.fields = map[string]field{"name": str, "url": str}
	s3Server.fields = map[string]field{"url": str, "description": str, "variables": mapOf(s3ServerVariable)}
	s3Server.fromScalar = func(w *walker, v any, p *path) (map[string]any, bool) {
		if s, ok := v.(string); ok {
			w.warn(p, "expected a server object, found a string; read as its url")
			return map[string]any{"url": s}, true
		}
		return nil, false
	}
	s3ServerVariable.fields = map[string]field{"enum": {kind: kStrings}, "default": str, "description": str}

	s3Paths.rest = &field{kind: kObject, shape: s3PathItem}
	s3PathItem.fields = map[string]field{
		"summary": str, "description": str,
		"servers": listOf(s3Server), "parameters": listOf(s3Parameter),
	}
	for _, m := range methods {
		s3PathItem.fields[m] = obj(s3Operation)
	}

	s3Operation.fields = map[string]field{
		"tags": {kind: kStrings}, "summary": str, "description": str, "operationId": str,
		"externalDocs": obj(s3ExternalDocs), "parameters": listOf(s3Parameter),
		"requestBody": obj(s3RequestBody), "responses": obj(s3Responses),
		"callbacks": mapOf(s3Callback), "deprecated": boolean,
		"security": {kind: kSecurity}, "servers": listOf(s3Server),
	}

	paramFields := map[string]field{
		"name": str, "in": str, "description": str, "style": str,
		"explode": boolean, "allowEmptyValue": boolean, "allowReserved": boolean,
		"deprecated": boolean, "required": boolean, "schema": schema, "example": anything,
		"examples": mapOf(s3Example), "content": mapOf(s3MediaType),
	}
	s3Parameter.fields = paramFields
	s3Parameter.before = parameterBefore
	s3Parameter.after = parameterAfter
	s3Header.fields = paramFields
	s3Header.before = parameterBefore
	s3Header.after = func(w *walker, m map[string]any, p *path) bool {
		// A header is named by its key and always in a header.
		delete(m, "name")
		delete(m, "in")
		schemaOrContent(w, m, p)
		return true
	}

	s3RequestBody.fields = map[string]field{"description": str, "required": boolean, "content": mapOf(s3MediaType)}
	s3MediaType.fields = map[string]field{
		"schema": schema, "example": anything, "examples": mapOf(s3Example), "encoding": mapOf(s3Encoding),
	}
	s3MediaType.before = examplesList
	s3Encoding.fields = map[string]field{
		"contentType": str, "headers": mapOf(s3Header), "style": str, "explode": boolean, "allowReserved": boolean,
	}
	s3Responses.rest = &field{kind: kObject, shape: s3Response}
	s3Response.fields = map[string]field{
		"description": str, "headers": mapOf(s3Header), "content": mapOf(s3MediaType), "links": mapOf(s3Link),
	}
	s3Example.fields = map[string]field{"summary": str, "description": str, "value": anything, "externalValue": str}
	s3Example.fromScalar = func(w *walker, v any, p *path) (map[string]any, bool) {
		w.warn(p, "expected an example object, found %s; read as its value", describe(v))
		return map[string]any{"value": v}, true
	}
	s3Link.fields = map[string]field{
		"operationRef": str, "operationId": str, "description": str,
		"parameters": {kind: kAnyMap}, "requestBody": anything, "server": obj(s3Server),
	}
	s3Callback.rest = &field{kind: kObject, shape: s3PathItem}

	s3Components.fields = map[string]field{
		"schemas": {kind: kSchemaMap}, "parameters": mapOf(s3Parameter), "headers": mapOf(s3Header),
		"requestBodies": mapOf(s3RequestBody), "responses": mapOf(s3Response),
		"securitySchemes": mapOf(s3SecurityScheme), "examples": mapOf(s3Example),
		"links": mapOf(s3Link), "callbacks": mapOf(s3Callback),
	}
	s3SecurityScheme.fields = map[string]field{
		"type": str, "description": str, "name": str, "in": str, "scheme": str,
		"bearerFormat": str, "flows": obj(s3OAuthFlows), "openIdConnectUrl": str,
	}
	s3OAuthFlows.fields = map[string]field{
		"implicit": obj(s3OAuthFlow), "password": obj(s3OAuthFlow),
		"clientCredentials": obj(s3OAuthFlow), "authorizationCode": obj(s3OAuthFlow),
	}
	s3OAuthFlow.fields = map[string]field{
		"authorizationUrl": str, "tokenUrl": str, "refreshUrl": str, "scopes": {kind: kStringMap},
	}
	s3Tag.fields = map[string]field{"name": str, "description": str, "externalDocs": obj(s3ExternalDocs)}
	s3Tag.fromScalar = func(w *walker, v any, p *path) (map[string]any, bool) {
		if s, ok := v.(string); ok {
			w.warn(p, "expected a tag object, found a string; read as its name")
			return map[string]any{"name": s}, true
		}
		return nil, false
	}
	s3ExternalDocs.fields = map[string]field{"description": str, "url": str}
	s3ExternalDocs.fromScalar = func(w *walker, v any, p *path) (map[string]any, bool) {
		if s, ok := v.(string); ok {
			w.warn(p, "expected an external documentation object, found a string; read as its url")
			return map[string]any{"url": s}, true
		}
		return nil, false
	}
	s3XML.fields = map[string]field{"name": str, "namespace": str, "prefix": str, "attribute": boolean, "wrapped": boolean}
	s3Discriminator.fields = map[string]field{"propertyName": str, "mapping": {kind: kStringMap}}
	s3Discriminator.after = discriminatorAfter
	s3PathItem.before = pathItemBefore

	s3Document = &shape{name: "an OpenAPI document", fields: map[string]field{}}
	for _, f := range s3DocumentOrder {
		s3Document.fields[f.name] = f.f
	}

	initSwagger2() // it shares shapes with OpenAPI 3
}

// openapi3 walks an OpenAPI 3.x document (or one converted from 2.0).
func (w *walker) openapi3() {
	doc := w.root
	foldKeys(w, doc, s3DocumentFields, nil)
	if w.dialect == dialectV31 {
		doc["openapi"] = "3.0.3"
		if info, ok := doc["info"].(map[string]any); ok {
			delete(info, "summary")
			if lic, ok := info["license"].(map[string]any); ok {
				delete(lic, "identifier")
			}
		}
	}
	if _, ok := doc["webhooks"]; ok {
		w.warn((*path)(nil).at("webhooks"), "webhooks are not generated; dropped")
		delete(doc, "webhooks")
	}
	if _, ok := doc["jsonSchemaDialect"]; ok {
		w.warn((*path)(nil).at("jsonSchemaDialect"), "jsonSchemaDialect is not supported; dropped (schemas are read as OpenAPI 3.0 schemas)")
		delete(doc, "jsonSchemaDialect")
	}
	if w.l.hasDefs {
		w.hoistDefs()
	}
	if _, ok := doc["paths"]; !ok {
		w.warn(nil, "the document has no paths: the client will have no operations")
		doc["paths"] = map[string]any{}
	}
	for _, f := range s3DocumentOrder {
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
	if _, ok := doc["paths"].(map[string]any); !ok {
		doc["paths"] = map[string]any{}
	}
	if c, ok := doc["components"].(map[string]any); ok {
		delete(c, "pathItems") // inlined where they were referenced
	}
	w.checkOperations()
}

// pathItemBefore inlines a path item given by a local $ref (3.1's
// components/pathItems, or another path): kin-openapi is given the copy.
// Fields next to the $ref override the referenced ones.
func pathItemBefore(w *walker, m map[string]any, p *path) {
	for hops := 0; ; hops++ {
		r, ok := m["$ref"]
		if !ok {
			return
		}
		delete(m, "$ref")
		ref, ok := r.(string)
		if !ok {
			w.warn(p.at("$ref"), "expected a $ref string, found %s; dropped", describe(r))
			return
		}
		if hops > 16 {
			w.fail(p.at("$ref"), "$ref %q: path item references form a cycle", ref)
			return
		}
		_, target, ok, _ := w.target(ref, p.at("$ref"))
		if !ok {
			return
		}
		t, ok := target.(map[string]any)
		if !ok {
			w.warn(p.at("$ref"), "$ref %q points at %s, not a path item; dropped", ref, describe(target))
			return
		}
		for k, v := range deepCopy(t).(map[string]any) {
			if _, own := m[k]; !own {
				m[k] = v
			}
		}
	}
}

// parameterBefore moves Swagger 2.0 style fields of a parameter or header
// (type, format, items, enum and the other constraints written on the
// parameter itself) into its schema.
func parameterBefore(w *walker, m map[string]any, p *path) {
	examplesList(w, m, p)
	if v, ok := m["collectionFormat"]; ok {
		delete(m, "collectionFormat")
		style, explode := "", false
		switch v {
		case "csv":
			style = "form"
			if m["in"] != "query" && m["in"] != "cookie" {
				style = "simple"
			}
		case "ssv":
			style = "spaceDelimited"
		case "pipes":
			style = "pipeDelimited"
		case "multi":
			style, explode = "form", true
		}
		if _, has := m["style"]; !has && style != "" {
			m["style"], m["explode"] = style, explode
			w.warn(p.at("collectionFormat"), "collectionFormat is Swagger 2.0; read as style %q, explode %v", style, explode)
		} else {
			w.warn(p.at("collectionFormat"), "collectionFormat is Swagger 2.0; dropped")
		}
	}
	var moved []string
	schemaFields := []string{
		"type", "format", "items", "enum", "default", "minimum", "maximum", "exclusiveMinimum",
		"exclusiveMaximum", "minLength", "maxLength", "pattern", "minItems", "maxItems",
		"uniqueItems", "multipleOf", "nullable",
	}
	_, hasSchema := m["schema"]
	_, hasContent := m["content"]
	for _, k := range schemaFields {
		if _, ok := m[k]; ok {
			moved = append(moved, k)
		}
	}
	if len(moved) == 0 {
		return
	}
	if hasContent || (hasSchema && !slices.Contains(moved, "nullable")) {
		for _, k := range moved {
			delete(m, k)
		}
		w.warn(p, "%s next to the schema of a parameter; dropped", strings.Join(moved, ", "))
		return
	}
	s, ok := m["schema"].(map[string]any)
	if !ok {
		s = map[string]any{}
	}
	for _, k := range moved {
		if _, has := s[k]; !has {
			s[k] = m[k]
		}
		delete(m, k)
	}
	m["schema"] = s
	w.warn(p, "%s written on the parameter itself (Swagger 2.0 style); moved into its schema", strings.Join(moved, ", "))
}

// schemaOrContent keeps the schema of a parameter or header that has both a
// schema and content, which kin-openapi refuses to load.
func schemaOrContent(w *walker, m map[string]any, p *path) {
	_, hasSchema := m["schema"]
	_, hasContent := m["content"]
	if hasSchema && hasContent {
		w.warn(p.at("content"), "both schema and content, where one is allowed; content dropped")
		delete(m, "content")
	}
}

// parameterAfter drops parameters that cannot be sent and repairs path
// parameters that are not marked required.
func parameterAfter(w *walker, m map[string]any, p *path) bool {
	name, _ := m["name"].(string)
	in, _ := m["in"].(string)
	if s, ok := m["schema"].(map[string]any); ok {
		if b, ok := s["required"].(bool); ok {
			delete(s, "required")
			if _, has := m["required"]; !has && b {
				m["required"] = true
				w.warn(p.at("schema").at("required"), "required: true inside the schema of a parameter; the parameter is marked required")
			}
		}
	}
	switch {
	case name == "":
		w.warn(p, "a parameter without a name cannot be sent; dropped")
		return false
	case in == "body" || in == "formData":
		w.warn(p.at("in"), "in: %s is Swagger 2.0 and means a request body, which an OpenAPI 3 parameter cannot describe; parameter %q dropped", in, name)
		return false
	case in != "query" && in != "header" && in != "path" && in != "cookie":
		// An error: dropping the parameter would silently change the
		// operation's signature.
		w.fail(p.at("in"), "parameter %q has an unknown location in: %q%s (the locations are cookie, header, path, query)", name, in,
			suggest.Hint(in, []string{"cookie", "header", "path", "query"}))
		return false
	}
	schemaOrContent(w, m, p)
	if in == "path" && m["required"] != true {
		w.warn(p, "path parameter %q is not marked required; it is, since it is part of the path", name)
		m["required"] = true
	}
	if _, hasSchema := m["schema"]; !hasSchema {
		if _, hasContent := m["content"]; !hasContent {
			w.warn(p, "parameter %q has neither schema nor content; read as a string", name)
			m["schema"] = map[string]any{"type": "string"}
		}
	}
	return true
}

// examplesList repairs "examples" written as a list (the JSON Schema form)
// in a media type or parameter: the first becomes the example.
func examplesList(w *walker, m map[string]any, p *path) {
	l, ok := m["examples"].([]any)
	if !ok {
		return
	}
	delete(m, "examples")
	if _, has := m["example"]; !has && len(l) > 0 {
		m["example"] = l[0]
	}
	w.warn(p.at("examples"), "examples is a list here, where OpenAPI expects an object of named examples; the first is kept as example")
}

// discriminatorAfter drops mapping entries that kin-openapi would try to
// load from other files, or that point nowhere.
func discriminatorAfter(w *walker, m map[string]any, p *path) bool {
	if _, ok := m["propertyName"].(string); !ok {
		w.warn(p, "a discriminator without propertyName; dropped")
		return false
	}
	mapping, _ := m["mapping"].(map[string]any)
	for _, k := range sortedKeys(mapping) {
		ref := mapping[k].(string)
		if !strings.Contains(ref, "/") {
			continue // a schema name
		}
		if w.fromV2 {
			ref = v2RefToV3(ref)
			mapping[k] = ref
		}
		ptr, local := refPointer(ref)
		if !local {
			w.warn(p.at("mapping").at(k), "discriminator mapping %q points into another document; dropped", ref)
			delete(mapping, k)
			continue
		}
		if _, found := resolveThroughRefs(w.root, ptr); !found {
			w.warn(p.at("mapping").at(k), "discriminator mapping %q points at nothing; dropped", ref)
			delete(mapping, k)
		}
	}
	return true
}

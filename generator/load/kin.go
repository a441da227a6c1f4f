package load

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"regexp"
	"runtime"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"golang.org/x/sync/errgroup"
)

// kinLoad hands the normalised tree to kin-openapi. A failure here is a gap
// in the normalisation; it is reported as an error rather than a panic.
func (l *loader) kinLoad(doc map[string]any) (t *openapi3.T) {
	if l.opts.DropExamples {
		stripExamples(doc, false)
	}
	defer func() {
		if r := recover(); r != nil {
			l.fail("", "kin-openapi panicked while loading the document: %v", r)
			t = nil
		}
	}()
	if kinDecodes {
		return l.kinLoadFromData(doc)
	}
	t, ptr, err := decodeDoc(doc)
	if err != nil {
		if ptr == "" {
			ptr = kinErrorPointer(err.Error())
		}
		l.fail(ptr, "kin-openapi cannot load the document: %v", err)
		return nil
	}
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	if err := loader.ResolveRefsIn(t, nil); err != nil {
		l.fail(kinErrorPointer(err.Error()), "kin-openapi cannot load the document: %v", err)
		return nil
	}
	return t
}

// kinDecodes makes kinLoad hand the whole document to kin-openapi's
// loader, the reference decodeDoc is tested against.
var kinDecodes bool

func (l *loader) kinLoadFromData(doc map[string]any) *openapi3.T {
	data, err := json.Marshal(doc)
	if err == nil {
		var t *openapi3.T
		if t, err = openapi3.NewLoader().LoadFromData(data); err == nil {
			return t
		}
	}
	l.fail(kinErrorPointer(err.Error()), "kin-openapi cannot load the document: %v", err)
	return nil
}

// decodeDoc decodes the tree into kin-openapi's types, as its loader
// would, but the path items and component schemas, which are most of a
// large document, each on their own and concurrently. On error, ptr names
// the part that failed when it is known.
func decodeDoc(doc map[string]any) (t *openapi3.T, ptr string, err error) {
	rest := make(map[string]any, len(doc))
	for k, v := range doc {
		rest[k] = v
	}
	paths, splitPaths := doc["paths"].(map[string]any)
	comps, splitComps := doc["components"].(map[string]any)
	var schemas map[string]any
	if splitPaths {
		delete(rest, "paths")
	}
	if splitComps {
		delete(rest, "components")
		schemas, _ = comps["schemas"].(map[string]any)
		if schemas != nil {
			comps = maps.Clone(comps)
			delete(comps, "schemas")
		}
	}

	type part struct {
		ptr string
		v   any
		dst any
	}
	t = &openapi3.T{}
	parts := []part{{"", rest, t}}
	var components *openapi3.Components
	if splitComps {
		components = &openapi3.Components{}
		parts = append(parts, part{"/components", comps, components})
	}
	schemaRefs := make([]*openapi3.SchemaRef, 0, len(schemas))
	schemaNames := slices.Sorted(maps.Keys(schemas))
	for _, name := range schemaNames {
		ref := &openapi3.SchemaRef{}
		schemaRefs = append(schemaRefs, ref)
		parts = append(parts, part{pointer("components", "schemas", name), schemas[name], ref})
	}
	pathNames := slices.Sorted(maps.Keys(paths))
	items := make([]*openapi3.PathItem, len(pathNames))
	for i, name := range pathNames {
		if strings.HasPrefix(name, "x-") {
			continue
		}
		items[i] = &openapi3.PathItem{}
		parts = append(parts, part{pointer("paths", name), paths[name], items[i]})
	}

	errs := make([]error, len(parts))
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, p := range parts {
		g.Go(func() error {
			data, err := json.Marshal(p.v)
			if err == nil {
				err = json.Unmarshal(data, p.dst)
			}
			errs[i] = err
			return nil
		})
	}
	g.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, parts[i].ptr, err
		}
	}

	if splitComps {
		if schemas != nil {
			components.Schemas = make(openapi3.Schemas, len(schemaNames))
			for i, name := range schemaNames {
				components.Schemas[name] = schemaRefs[i]
			}
		}
		t.Components = components
	}
	if splitPaths {
		t.Paths = openapi3.NewPaths()
		for i, name := range pathNames {
			if items[i] == nil {
				if t.Paths.Extensions == nil {
					t.Paths.Extensions = map[string]any{}
				}
				t.Paths.Extensions[name] = paths[name]
				continue
			}
			t.Paths.Set(name, items[i])
		}
	}
	return t, "", nil
}

// kinRef finds the first local reference quoted in a kin-openapi error.
var kinRef = regexp.MustCompile(`"#(/[^"]*)"`)

func kinErrorPointer(msg string) string {
	if m := kinRef.FindStringSubmatch(msg); m != nil {
		return m[1]
	}
	return ""
}

// validationOptions turn off what kin-openapi validates that does not
// matter to a client generator: examples and defaults that do not match
// their schema, patterns it cannot compile, formats it does not know.
var validationOptions = []openapi3.ValidationOption{
	openapi3.DisableExamplesValidation(),
	openapi3.DisableSchemaDefaultsValidation(),
	openapi3.DisableSchemaPatternValidation(),
	openapi3.DisableSchemaFormatValidation(),
	openapi3.AllowExtensionsWithRef(),
	openapi3.EnableMultiError(),
}

// validate runs doc.Validate and turns each complaint into a warning at the
// place it names.
func (l *loader) validate() {
	defer func() {
		if r := recover(); r != nil {
			l.warn("", "kin-openapi panicked while validating the document (%v); the document was not validated", r)
		}
	}()
	restore := stubSchemaRefs(l.res.Doc)
	defer restore()
	err := l.res.Doc.Validate(context.Background(), validationOptions...)
	if err == nil {
		return
	}
	var leaves []error
	flatten(err, &leaves)
	seen := map[string]bool{}
	for _, e := range leaves {
		ptr, msg := locate(e)
		if key := ptr + "\x00" + msg; !seen[key] {
			seen[key] = true
			l.warn(ptr, "kin-openapi validation: %s", msg)
		}
	}
}

// stubSchemaRefs points every schema $ref of doc at an empty schema until
// restore is called. kin-openapi validates the schema behind each reference
// again at every place that references it, which costs seconds on large
// descriptions (Stripe's); with the stubs each schema is validated once,
// where it is defined.
func stubSchemaRefs(doc *openapi3.T) (restore func()) {
	type swap struct {
		ref   *openapi3.SchemaRef
		value *openapi3.Schema
	}
	var swaps []swap
	stub := &openapi3.Schema{}
	seen := map[*openapi3.Schema]bool{}
	var schemaRef func(r *openapi3.SchemaRef)
	schemaRef = func(r *openapi3.SchemaRef) {
		if r == nil || r.Value == nil {
			return
		}
		if r.Ref != "" {
			swaps = append(swaps, swap{r, r.Value})
			r.Value = stub
			return
		}
		s := r.Value
		if seen[s] {
			return
		}
		seen[s] = true
		schemaRef(s.Items)
		schemaRef(s.Not)
		schemaRef(s.AdditionalProperties.Schema)
		for _, list := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
			for _, e := range list {
				schemaRef(e)
			}
		}
		for _, e := range s.Properties {
			schemaRef(e)
		}
	}
	var content func(c openapi3.Content)
	parameter := func(p *openapi3.Parameter) {
		if p != nil {
			schemaRef(p.Schema)
			content(p.Content)
		}
	}
	content = func(c openapi3.Content) {
		for _, mt := range c {
			if mt == nil {
				continue
			}
			schemaRef(mt.Schema)
			for _, e := range mt.Encoding {
				if e != nil {
					for _, h := range e.Headers {
						if h != nil && h.Ref == "" && h.Value != nil {
							parameter(&h.Value.Parameter)
						}
					}
				}
			}
		}
	}
	response := func(r *openapi3.ResponseRef) {
		if r == nil || r.Ref != "" || r.Value == nil {
			return
		}
		content(r.Value.Content)
		for _, h := range r.Value.Headers {
			if h != nil && h.Ref == "" && h.Value != nil {
				parameter(&h.Value.Parameter)
			}
		}
	}
	var pathItem func(item *openapi3.PathItem)
	operation := func(op *openapi3.Operation) {
		if op == nil {
			return
		}
		for _, p := range op.Parameters {
			if p != nil && p.Ref == "" {
				parameter(p.Value)
			}
		}
		if rb := op.RequestBody; rb != nil && rb.Ref == "" && rb.Value != nil {
			content(rb.Value.Content)
		}
		if op.Responses != nil {
			for _, r := range op.Responses.Map() {
				response(r)
			}
		}
		for _, cb := range op.Callbacks {
			if cb != nil && cb.Ref == "" && cb.Value != nil {
				for _, item := range cb.Value.Map() {
					pathItem(item)
				}
			}
		}
	}
	pathItem = func(item *openapi3.PathItem) {
		if item == nil {
			return
		}
		for _, p := range item.Parameters {
			if p != nil && p.Ref == "" {
				parameter(p.Value)
			}
		}
		for _, op := range item.Operations() {
			operation(op)
		}
	}
	if c := doc.Components; c != nil {
		for _, s := range c.Schemas {
			schemaRef(s)
		}
		for _, p := range c.Parameters {
			if p != nil && p.Ref == "" {
				parameter(p.Value)
			}
		}
		for _, h := range c.Headers {
			if h != nil && h.Ref == "" && h.Value != nil {
				parameter(&h.Value.Parameter)
			}
		}
		for _, rb := range c.RequestBodies {
			if rb != nil && rb.Ref == "" && rb.Value != nil {
				content(rb.Value.Content)
			}
		}
		for _, r := range c.Responses {
			response(r)
		}
		for _, cb := range c.Callbacks {
			if cb != nil && cb.Ref == "" && cb.Value != nil {
				for _, item := range cb.Value.Map() {
					pathItem(item)
				}
			}
		}
	}
	if doc.Paths != nil {
		for _, item := range doc.Paths.Map() {
			pathItem(item)
		}
	}
	return func() {
		for _, s := range swaps {
			s.ref.Value = s.value
		}
	}
}

// flatten collects the leaves of nested MultiErrors.
func flatten(err error, out *[]error) {
	var me openapi3.MultiError
	if errors.As(err, &me) && isMulti(err) {
		for _, e := range me {
			flatten(e, out)
		}
		return
	}
	*out = append(*out, err)
}

func isMulti(err error) bool {
	_, ok := err.(openapi3.MultiError)
	return ok
}

// componentSections maps the section names of ComponentValidationError to
// the keys of the components object.
var componentSections = map[string]string{
	"schema": "schemas", "parameter": "parameters", "header": "headers",
	"request body": "requestBodies", "response": "responses",
	"security scheme": "securitySchemes", "example": "examples",
	"link": "links", "callback": "callbacks",
}

// locate reads the context wrappers of a kin-openapi validation error into
// a JSON pointer, and returns the message of what they wrap.
func locate(err error) (string, string) {
	ptr := ""
	msg := err.Error()
	for e := err; e != nil; e = errors.Unwrap(e) {
		switch c := e.(type) {
		case *openapi3.SectionValidationError:
			ptr = "/" + escapeToken(c.Section)
			msg = errText(c.Cause)
		case *openapi3.ComponentValidationError:
			section, ok := componentSections[c.Section]
			if !ok {
				section = c.Section
			}
			ptr = pointer("components", section, c.Name)
			msg = errText(c.Cause)
		case *openapi3.PathValidationError:
			ptr = pointer("paths", c.Path)
			msg = errText(c.Cause)
		case *openapi3.OperationValidationError:
			ptr += "/" + escapeToken(strings.ToLower(c.Method))
			msg = errText(c.Cause)
		}
	}
	return ptr, msg
}

func errText(err error) string {
	if err == nil {
		return "invalid"
	}
	return err.Error()
}

// namedMaps are the OpenAPI fields whose keys are names (a property may
// be called "example"), not keywords.
var namedMaps = map[string]bool{
	"properties": true, "patternProperties": true, "definitions": true, "$defs": true,
	"dependentSchemas": true, "schemas": true, "responses": true, "parameters": true,
	"requestBodies": true, "headers": true, "securitySchemes": true, "links": true,
	"callbacks": true, "paths": true, "pathItems": true, "webhooks": true, "content": true,
	"encoding": true, "variables": true, "mapping": true, "scopes": true,
}

// stripExamples removes the example and examples keywords (and
// components/examples) before kin-openapi decodes the document: a client
// generator never reads them, and they are a third of some specs (GitHub's)
// that kin-openapi would otherwise decode node by node. named says that
// m's keys are names rather than keywords.
func stripExamples(m map[string]any, named bool) {
	if !named {
		delete(m, "example")
		delete(m, "examples")
	}
	for k, v := range m {
		switch x := v.(type) {
		case map[string]any:
			stripExamples(x, !named && namedMaps[k])
		case []any:
			for _, e := range x {
				if em, ok := e.(map[string]any); ok {
					stripExamples(em, false)
				}
			}
		}
	}
}

package load

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	jskind "github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/apigen-go/apigen/docs"
	"github.com/apigen-go/apigen/internal/suggest"
)

// Where each extension has a meaning: the names of the grammar's shapes
// (walker.locate), or placeSchema. docs/extensions.md says the same.
const (
	placeDocument  = "document"
	placeOperation = "an operation"
	placeParameter = "a parameter"
	placeScheme    = "a security scheme"
	placeSchema    = "a schema"
)

// extension is one extension apigen reads: its $defs entry in
// docs/extensions.schema.json and the places it may appear.
type extension struct {
	def    string
	places []string
}

var extensions = map[string]extension{
	"x-apigen-auth":       {"auth", []string{placeScheme}},
	"x-apigen-ratelimit":  {"ratelimit", []string{placeDocument, placeOperation}},
	"x-apigen-retry":      {"retry", []string{placeDocument, placeOperation}},
	"x-apigen-pagination": {"pagination", []string{placeOperation}},
	"x-apigen-errors":     {"errors", []string{placeDocument}},
	"x-apigen-env-prefix": {"envPrefix", []string{placeDocument}},
	"x-apigen-request-id": {"requestId", []string{placeParameter}},
	"x-go-name":           {"goName", []string{placeSchema, placeOperation, placeParameter}},
	"x-enum-varnames":     {"enumVarnames", []string{placeSchema}},
}

// extensionNames are the keys of extensions, sorted (for suggestions).
var extensionNames = func() []string {
	names := make([]string, 0, len(extensions))
	for n := range extensions {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}()

// schemaTypes are the values of a schema's type, sorted.
var schemaTypes = []string{"array", "boolean", "integer", "null", "number", "object", "string"}

// notOpenAPI are fields whose values are data, not OpenAPI objects: a key
// inside them is never an extension.
var notOpenAPI = map[string]bool{"example": true, "examples": true, "default": true, "enum": true, "const": true}

// checkExtensions validates every extension apigen reads, before the walk
// changes the tree: an unknown x-apigen-* key, a misspelling of a known
// extension, an extension where it has no meaning, and a value that does
// not match its schema are errors. None of them may pass silently: the
// client would lack the pagination, limiter or name the author asked for.
func (w *walker) checkExtensions() {
	w.visitExtensions(w.root, nil)
}

func (w *walker) visitExtensions(v any, p *path) {
	switch t := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(t) {
			if strings.HasPrefix(k, "x-") {
				w.checkExtension(k, t[k], p)
				continue
			}
			if notOpenAPI[k] || k == "$ref" {
				continue
			}
			w.visitExtensions(t[k], p.at(k))
		}
	case []any:
		for i, e := range t {
			w.visitExtensions(e, p.idx(i))
		}
	}
}

// otherTools are the prefixes of other generators' extensions, which
// specs written for them carry (x-ogen-name is ogen's, not a misspelling
// of x-go-name); apigen ignores them.
var otherTools = []string{"x-ogen-", "x-oapi-codegen-"}

func otherTool(key string) bool {
	for _, p := range otherTools {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

func (w *walker) checkExtension(key string, value any, parent *path) {
	p := parent.at(key)
	ext, known := extensions[key]
	if !known {
		lower := strings.ToLower(key)
		hint := suggest.Hint(key, extensionNames)
		switch {
		case strings.HasPrefix(lower, "x-apigen"):
			w.fail(p, "unknown extension %q%s (apigen reads %s)", key, hint, strings.Join(extensionNames, ", "))
		case hint != "" && !otherTool(lower):
			w.fail(p, "unknown extension %q%s", key, hint)
		}
		return
	}
	place := w.place(parent)
	if !slices.Contains(ext.places, place) {
		report := w.fail
		if !strings.HasPrefix(key, "x-apigen") {
			// x-go-name and x-enum-varnames are shared with other
			// generators, which read them in more places than apigen.
			report = w.warn
		}
		report(p, "%s has no meaning on %s; it belongs on %s", key, placeName(place), placeList(ext.places))
		return
	}
	for _, d := range validateExtension(ext.def, value) {
		at := p
		for _, t := range d.at {
			at = at.at(t)
		}
		w.fail(at, "%s: %s", key, d.msg)
	}
}

// place names what the node at p is, in the terms of extensions.places.
func (w *walker) place(p *path) string {
	toks := p.tokens()
	if len(toks) == 0 {
		return placeDocument
	}
	// The longest prefix the grammar knows, then JSON Schema keywords the
	// grammar does not descend into (3.1: $defs, prefixItems, ...).
	for n := len(toks); n >= 0; n-- {
		sh, isSchema := w.locate(pointer(toks[:n]...))
		switch {
		case n == len(toks) && sh != nil:
			return sh.name
		case isSchema:
			if schemaBelow(toks[n:]) {
				return placeSchema
			}
			return "other"
		}
	}
	return "other"
}

// schemaBelow reports whether tokens lead from a schema to a schema.
func schemaBelow(toks []string) bool {
	for i := 0; i < len(toks); i++ {
		switch toks[i] {
		case "items", "not", "additionalProperties", "contains", "if", "then", "else",
			"propertyNames", "unevaluatedItems", "unevaluatedProperties", "contentSchema", "additionalItems":
		case "properties", "patternProperties", "$defs", "definitions", "dependentSchemas",
			"allOf", "anyOf", "oneOf", "prefixItems":
			i++ // the name or index of the sub-schema
			if i == len(toks) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func placeName(place string) string {
	switch place {
	case placeDocument:
		return "the document root"
	case "other":
		return "this object"
	}
	return place
}

func placeList(places []string) string {
	names := make([]string, len(places))
	for i, p := range places {
		names[i] = placeName(p)
	}
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// extProblem is one way an extension value fails its schema: at is the
// path inside the value.
type extProblem struct {
	at  []string
	msg string
}

var (
	extSchemaOnce sync.Once
	extSchema     map[string]*jsonschema.Schema // by $defs name
	extSchemaDoc  any                           // the parsed schema, for property lists
	extSchemaErr  error
)

// compileExtensionSchema compiles each $defs entry of the embedded
// docs/extensions.schema.json.
func compileExtensionSchema() {
	const url = "https://github.com/apigen-go/apigen/docs/extensions.schema.json"
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(docs.ExtensionsSchema))
	if err != nil {
		extSchemaErr = err
		return
	}
	extSchemaDoc = doc
	c := jsonschema.NewCompiler()
	if err := c.AddResource(url, doc); err != nil {
		extSchemaErr = err
		return
	}
	extSchema = map[string]*jsonschema.Schema{}
	for _, e := range extensions {
		s, err := c.Compile(url + "#/$defs/" + e.def)
		if err != nil {
			extSchemaErr = err
			return
		}
		extSchema[e.def] = s
	}
}

var printer = message.NewPrinter(language.English)

// validateExtension checks value against $defs/def and explains every
// failure at the innermost place it is found.
func validateExtension(def string, value any) []extProblem {
	extSchemaOnce.Do(compileExtensionSchema)
	if extSchemaErr != nil {
		return []extProblem{{msg: "internal error: docs/extensions.schema.json: " + extSchemaErr.Error()}}
	}
	err := extSchema[def].Validate(value)
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		if err != nil {
			return []extProblem{{msg: err.Error()}}
		}
		return nil
	}
	var out []extProblem
	collectProblems(ve, &out)
	return out
}

func collectProblems(e *jsonschema.ValidationError, out *[]extProblem) {
	switch k := e.ErrorKind.(type) {
	case *jskind.AdditionalProperties:
		known := schemaProperties(e.SchemaURL)
		for _, name := range k.Properties {
			*out = append(*out, extProblem{
				at:  append(slices.Clone(e.InstanceLocation), name),
				msg: fmt.Sprintf("unknown member %q%s (known: %s)", name, suggest.Hint(name, known), strings.Join(known, ", ")),
			})
		}
		return
	case *jskind.AnyOf, *jskind.OneOf:
		msg := "matches none of the allowed forms"
		if strings.Contains(e.SchemaURL, "uration") {
			msg = `want a duration: a string like "500ms", "1m", "24h", "1d", or a number of seconds`
		}
		*out = append(*out, extProblem{at: e.InstanceLocation, msg: msg})
		return
	case *jskind.Enum:
		msg := k.LocalizedString(printer)
		if s, ok := k.Got.(string); ok {
			var want []string
			for _, v := range k.Want {
				if w, ok := v.(string); ok {
					want = append(want, w)
				}
			}
			msg += suggest.Hint(s, want)
		}
		*out = append(*out, extProblem{at: e.InstanceLocation, msg: msg})
		return
	}
	if len(e.Causes) == 0 {
		*out = append(*out, extProblem{at: e.InstanceLocation, msg: e.ErrorKind.LocalizedString(printer)})
		return
	}
	for _, c := range e.Causes {
		collectProblems(c, out)
	}
}

// schemaProperties lists the properties of the schema an
// additionalProperties failure belongs to, sorted.
func schemaProperties(schemaURL string) []string {
	_, frag, _ := strings.Cut(schemaURL, "#")
	frag = strings.TrimSuffix(frag, "/additionalProperties")
	node, _ := resolve(extSchemaDoc, frag)
	m, _ := node.(map[string]any)
	props, _ := m["properties"].(map[string]any)
	names := make([]string, 0, len(props))
	for n := range props {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

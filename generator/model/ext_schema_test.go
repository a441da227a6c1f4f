package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

// These tests keep docs/extensions.md, docs/extensions.schema.json and the
// structs of ext.go in step:
//
//   - every ```yaml block of the docs is marked on the line before it with
//     <!-- ext: x-apigen-NAME --> (tested), <!-- ext: x-apigen-NAME invalid -->
//     (must be rejected) or <!-- ext: none --> (not an extension example);
//   - each x-apigen-* value in a tested block sits where the builder reads it,
//     decodes with DecodeExtension and validates against the schema;
//   - each $defs entry of the schema lists exactly the json tags of its
//     struct, requires exactly the tags without omitempty, forbids other
//     properties and gives each property the JSON type of its Go field.

const (
	extDocFile    = "../../docs/extensions.md"
	extSchemaFile = "../../docs/extensions.schema.json"
)

// extKinds are the extensions, the $defs entry of each, a constructor for
// the struct DecodeExtension fills, and where in a document each may appear.
var extKinds = map[string]struct {
	def    string
	new    func() any
	places []string
}{
	"x-apigen-auth":       {"auth", func() any { return new(Auth) }, []string{placeScheme}},
	"x-apigen-ratelimit":  {"ratelimit", func() any { return new(RateLimit) }, []string{placeRoot, placeOperation}},
	"x-apigen-retry":      {"retry", func() any { return new(Retry) }, []string{placeRoot, placeOperation}},
	"x-apigen-pagination": {"pagination", func() any { return new(Pagination) }, []string{placeOperation}},
	"x-apigen-errors":     {"errors", func() any { return new(Errors) }, []string{placeRoot}},
}

const (
	placeRoot      = "the document root"
	placeScheme    = "a security scheme"
	placeOperation = "an operation"
)

// schemaDefs maps every object $defs entry to its struct.
var schemaDefs = map[string]reflect.Type{
	"auth":             reflect.TypeFor[Auth](),
	"extraToken":       reflect.TypeFor[ExtraToken](),
	"credentialField":  reflect.TypeFor[CredentialField](),
	"jwt":              reflect.TypeFor[JWTSettings](),
	"ratelimit":        reflect.TypeFor[RateLimit](),
	"window":           reflect.TypeFor[Window](),
	"ratelimitHeaders": reflect.TypeFor[RateLimitHeads](),
	"retry":            reflect.TypeFor[Retry](),
	"pagination":       reflect.TypeFor[Pagination](),
	"errors":           reflect.TypeFor[Errors](),
}

// durationDefs are the $defs entries a Duration field may refer to.
var durationDefs = []string{"#/$defs/duration", "#/$defs/signedDuration"}

// scalarDefs are the extensions whose value is no object, and so no
// struct of ext.go: the builder reads them directly.
var scalarDefs = []string{"envPrefix", "requestId", "goName", "enumVarnames"}

type docExample struct {
	line    int // of the opening fence
	ext     string
	invalid bool
	src     string
}

var markerRE = regexp.MustCompile(`^<!--\s*ext:\s*(\S+)(\s+invalid)?\s*-->$`)

// docExamples returns the marked yaml blocks of the docs; unmarked blocks
// are errors, so that no example escapes the test.
func docExamples(t *testing.T) []docExample {
	t.Helper()
	data, err := os.ReadFile(extDocFile)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	var out []docExample
	prev := "" // the last non-blank line before a fence
	for i := 0; i < len(lines); i++ {
		trimmed := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(trimmed, "```") {
			if trimmed != "" {
				prev = trimmed
			}
			continue
		}
		lang := strings.TrimSpace(strings.TrimPrefix(trimmed, "```"))
		indent := lines[i][:len(lines[i])-len(strings.TrimLeft(lines[i], " "))]
		start := i + 1
		var body []string
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
			body = append(body, strings.TrimPrefix(lines[i], indent))
		}
		if i == len(lines) {
			t.Fatalf("%s:%d: code block is not closed", extDocFile, start)
		}
		marker := prev
		prev = ""
		if lang != "yaml" && lang != "yml" {
			continue
		}
		m := markerRE.FindStringSubmatch(marker)
		if m == nil {
			t.Errorf("%s:%d: yaml block without a marker: put <!-- ext: x-apigen-NAME -->, <!-- ext: x-apigen-NAME invalid --> or <!-- ext: none --> on the line before it", extDocFile, start)
			continue
		}
		if m[1] == "none" {
			continue
		}
		if _, ok := extKinds[m[1]]; !ok {
			t.Errorf("%s:%d: marker names unknown extension %q", extDocFile, start, m[1])
			continue
		}
		out = append(out, docExample{line: start, ext: m[1], invalid: m[2] != "", src: strings.Join(body, "\n")})
	}
	return out
}

// jsonLike turns a YAML tree into what kin-openapi leaves in Extensions:
// the value after a round trip through JSON.
func jsonLike(v any) (any, error) {
	b, err := json.Marshal(normalizeYAML(v))
	if err != nil {
		return nil, err
	}
	var out any
	err = json.Unmarshal(b, &out)
	return out, err
}

func normalizeYAML(v any) any {
	switch n := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(n))
		for k, x := range n {
			m[k] = normalizeYAML(x)
		}
		return m
	case map[any]any: // a mapping with non-string keys, e.g. 200: in responses
		m := make(map[string]any, len(n))
		for k, x := range n {
			m[fmt.Sprint(k)] = normalizeYAML(x)
		}
		return m
	case []any:
		s := make([]any, len(n))
		for i, x := range n {
			s[i] = normalizeYAML(x)
		}
		return s
	}
	return v
}

type occurrence struct {
	name  string
	path  []string // of the object holding the extension
	value any
}

func findExtensions(v any, path []string, out *[]occurrence) {
	switch n := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(n))
		for k := range n {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if strings.HasPrefix(k, "x-apigen-") {
				*out = append(*out, occurrence{name: k, path: slices.Clone(path), value: n[k]})
				continue
			}
			findExtensions(n[k], append(path, k), out)
		}
	case []any:
		for i, x := range n {
			findExtensions(x, append(path, strconv.Itoa(i)), out)
		}
	}
}

var operationMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

func placeOf(path []string) string {
	switch {
	case len(path) == 0:
		return placeRoot
	case len(path) == 3 && path[0] == "components" && path[1] == "securitySchemes":
		return placeScheme
	case len(path) == 3 && path[0] == "paths" && slices.Contains(operationMethods, path[2]):
		return placeOperation
	}
	return "/" + strings.Join(path, "/")
}

// compileSchema loads the schema (checked against the draft 2020-12
// metaschema) and returns a compiler for its $defs.
func compileSchema(t *testing.T) func(def string) *jsonschema.Schema {
	t.Helper()
	data, err := os.ReadFile(extSchemaFile)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", extSchemaFile, err)
	}
	id, _ := doc.(map[string]any)["$id"].(string)
	if id == "" {
		t.Fatalf("%s: no $id", extSchemaFile)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(id, doc); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Compile(id); err != nil {
		t.Fatalf("%s: %v", extSchemaFile, err)
	}
	return func(def string) *jsonschema.Schema {
		s, err := c.Compile(id + "#/$defs/" + def)
		if err != nil {
			t.Fatalf("%s: $defs/%s: %v", extSchemaFile, def, err)
		}
		return s
	}
}

// check decodes an extension value and validates it against the schema,
// returning the decoded struct and the first failure.
func check(schemaFor func(string) *jsonschema.Schema, name string, value any) (any, error) {
	kind := extKinds[name]
	out := kind.new()
	if err := DecodeExtension(value, out); err != nil {
		return nil, fmt.Errorf("DecodeExtension: %w", err)
	}
	b, err := json.Marshal(value)
	if err != nil {
		return nil, err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	if err := schemaFor(kind.def).Validate(inst); err != nil {
		return nil, fmt.Errorf("schema: %v", err)
	}
	return out, nil
}

func TestExtensionDocExamples(t *testing.T) {
	examples := docExamples(t)
	schemaFor := compileSchema(t)
	valid := map[string]int{}
	flows := map[string]bool{}
	styles := map[string]bool{}
	for _, ex := range examples {
		where := fmt.Sprintf("%s:%d", extDocFile, ex.line)
		var tree any
		if err := yaml.Unmarshal([]byte(ex.src), &tree); err != nil {
			t.Errorf("%s: yaml: %v", where, err)
			continue
		}
		tree, err := jsonLike(tree)
		if err != nil {
			t.Errorf("%s: %v", where, err)
			continue
		}
		var occ []occurrence
		findExtensions(tree, nil, &occ)
		marked := 0
		rejected := 0
		for _, o := range occ {
			kind, ok := extKinds[o.name]
			if !ok {
				t.Errorf("%s: unknown extension %s at /%s", where, o.name, strings.Join(o.path, "/"))
				continue
			}
			if p := placeOf(o.path); !slices.Contains(kind.places, p) {
				t.Errorf("%s: %s at %s; the builder reads it only on %s", where, o.name, p, strings.Join(kind.places, " or "))
			}
			if o.name == ex.ext {
				marked++
			}
			v, err := check(schemaFor, o.name, o.value)
			switch {
			case ex.invalid && o.name == ex.ext:
				if err == nil {
					continue
				}
				rejected++
				t.Logf("%s: rejected as documented: %v", where, err)
				continue
			case err != nil:
				t.Errorf("%s: %s at /%s: %v", where, o.name, strings.Join(o.path, "/"), err)
				continue
			}
			valid[o.name]++
			switch x := v.(type) {
			case *Auth:
				flows[x.Flow] = true
			case *Pagination:
				styles[x.Style] = true
			}
		}
		if marked == 0 {
			t.Errorf("%s: marked %s, but the block has no %s", where, ex.ext, ex.ext)
		}
		if ex.invalid && rejected == 0 {
			t.Errorf("%s: marked invalid, but DecodeExtension and the schema accept every %s in it", where, ex.ext)
		}
	}
	for name := range extKinds {
		if valid[name] == 0 {
			t.Errorf("%s: no tested example of %s", extDocFile, name)
		}
	}
	defs := readSchema(t)["$defs"].(map[string]any)
	for _, f := range enumOf(t, defs, "auth", "flow") {
		if !flows[f] {
			t.Errorf("%s: no tested example of flow %q", extDocFile, f)
		}
	}
	for _, s := range enumOf(t, defs, "pagination", "style") {
		if !styles[s] {
			t.Errorf("%s: no tested example of pagination style %q", extDocFile, s)
		}
	}
}

func readSchema(t *testing.T) map[string]any {
	t.Helper()
	data, err := os.ReadFile(extSchemaFile)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(data) {
		t.Fatalf("%s is not valid JSON", extSchemaFile)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func enumOf(t *testing.T, defs map[string]any, def, prop string) []string {
	t.Helper()
	d, _ := defs[def].(map[string]any)
	props, _ := d["properties"].(map[string]any)
	p, _ := props[prop].(map[string]any)
	var out []string
	vals, _ := p["enum"].([]any)
	for _, v := range vals {
		out = append(out, v.(string))
	}
	if len(out) == 0 {
		t.Fatalf("%s: $defs/%s/properties/%s has no enum", extSchemaFile, def, prop)
	}
	return out
}

// jsonTags returns the JSON names of t's fields and those without omitempty.
func jsonTags(t reflect.Type) (names, required []string, fields map[string]reflect.StructField) {
	fields = map[string]reflect.StructField{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag, ok := f.Tag.Lookup("json")
		if !ok || tag == "-" || !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		names = append(names, name)
		fields[name] = f
		if !slices.Contains(strings.Split(opts, ","), "omitempty") {
			required = append(required, name)
		}
	}
	sort.Strings(names)
	sort.Strings(required)
	return names, required, fields
}

func sortedStrings(v any) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		for k := range x {
			out = append(out, k)
		}
	case []any:
		for _, s := range x {
			out = append(out, fmt.Sprint(s))
		}
	}
	sort.Strings(out)
	return out
}

func TestExtensionSchemaMatchesStructs(t *testing.T) {
	doc := readSchema(t)
	if got := doc["$schema"]; got != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v, want draft 2020-12", got)
	}
	compileSchema(t) // valid against the metaschema
	defs, ok := doc["$defs"].(map[string]any)
	if !ok {
		t.Fatal("no $defs")
	}
	for name, kind := range extKinds {
		if _, ok := defs[kind.def].(map[string]any); !ok {
			t.Errorf("$defs has no %q for %s", kind.def, name)
		}
		props := doc["properties"].(map[string]any)
		ref, _ := props[name].(map[string]any)
		if ref == nil || ref["$ref"] != "#/$defs/"+kind.def {
			t.Errorf("properties/%s should be {\"$ref\": \"#/$defs/%s\"}", name, kind.def)
		}
	}
	defOf := map[reflect.Type]string{}
	for def, typ := range schemaDefs {
		defOf[typ] = def
	}
	for def := range defs {
		if _, ok := schemaDefs[def]; !ok && !slices.Contains(durationDefs, "#/$defs/"+def) && !slices.Contains(scalarDefs, def) {
			t.Errorf("$defs/%s matches no struct of ext.go", def)
		}
	}
	for def, typ := range schemaDefs {
		d, ok := defs[def].(map[string]any)
		if !ok {
			t.Errorf("$defs/%s missing (for %s)", def, typ.Name())
			continue
		}
		names, required, fields := jsonTags(typ)
		if got := sortedStrings(d["properties"]); !slices.Equal(got, names) {
			t.Errorf("$defs/%s properties = %v, want the json tags of %s: %v", def, got, typ.Name(), names)
		}
		if got := sortedStrings(d["required"]); !slices.Equal(got, required) {
			t.Errorf("$defs/%s required = %v, want the tags of %s without omitempty: %v", def, got, typ.Name(), required)
		}
		if d["additionalProperties"] != false {
			t.Errorf("$defs/%s: additionalProperties must be false (DecodeExtension rejects unknown fields)", def)
		}
		if d["type"] != "object" {
			t.Errorf("$defs/%s: type must be object", def)
		}
		props, _ := d["properties"].(map[string]any)
		for name, f := range fields {
			p, ok := props[name].(map[string]any)
			if !ok {
				continue
			}
			if err := matchesGoType(p, f.Type, defOf); err != nil {
				t.Errorf("$defs/%s/properties/%s (%s.%s %s): %v", def, name, typ.Name(), f.Name, f.Type, err)
			}
		}
	}
}

// matchesGoType reports whether a property schema has the JSON shape of a
// Go field type.
func matchesGoType(s map[string]any, t reflect.Type, defOf map[reflect.Type]string) error {
	if t == reflect.TypeFor[Duration]() {
		if ref, _ := s["$ref"].(string); !slices.Contains(durationDefs, ref) {
			return fmt.Errorf("want $ref to one of %v, got %v", durationDefs, s["$ref"])
		}
		return nil
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	want := ""
	switch t.Kind() {
	case reflect.Struct:
		def, ok := defOf[t]
		if !ok {
			return fmt.Errorf("no $defs entry for %s", t)
		}
		if s["$ref"] != "#/$defs/"+def {
			return fmt.Errorf("want $ref #/$defs/%s, got %v", def, s["$ref"])
		}
		return nil
	case reflect.String:
		want = "string"
	case reflect.Int, reflect.Int64, reflect.Int32:
		want = "integer"
	case reflect.Bool:
		want = "boolean"
	case reflect.Slice:
		if s["type"] != "array" {
			return fmt.Errorf("want type array, got %v", s["type"])
		}
		items, ok := s["items"].(map[string]any)
		if !ok {
			return fmt.Errorf("array without items")
		}
		if err := matchesGoType(items, t.Elem(), defOf); err != nil {
			return fmt.Errorf("items: %w", err)
		}
		return nil
	case reflect.Map:
		if s["type"] != "object" {
			return fmt.Errorf("want type object, got %v", s["type"])
		}
		ap, ok := s["additionalProperties"].(map[string]any)
		if !ok {
			return fmt.Errorf("map without an additionalProperties schema")
		}
		if err := matchesGoType(ap, t.Elem(), defOf); err != nil {
			return fmt.Errorf("values: %w", err)
		}
		return nil
	default:
		return fmt.Errorf("unexpected Go kind %s", t.Kind())
	}
	if typ, ok := s["type"]; ok {
		if typ != want {
			return fmt.Errorf("want type %s, got %v", want, typ)
		}
		return nil
	}
	enum, ok := s["enum"].([]any)
	if !ok || len(enum) == 0 {
		return fmt.Errorf("want type %s or an enum", want)
	}
	for _, v := range enum {
		var ok bool
		switch want {
		case "string":
			_, ok = v.(string)
		case "integer":
			f, isNum := v.(float64)
			ok = isNum && f == float64(int64(f))
		case "boolean":
			_, ok = v.(bool)
		}
		if !ok {
			return fmt.Errorf("enum value %v is not a %s", v, want)
		}
	}
	return nil
}

// TestExtensionSchemaDurations checks that the duration pattern of the
// schema accepts only what Duration.UnmarshalJSON accepts.
func TestExtensionSchemaDurations(t *testing.T) {
	schemaFor := compileSchema(t)
	dur, signed := schemaFor("duration"), schemaFor("signedDuration")
	cases := []struct {
		in             any
		valid, signedV bool
	}{
		{"1s", true, true}, {"1m", true, true}, {"24h", true, true}, {"1d", true, true},
		{"30d", true, true}, {"1.5d", true, true}, {"500ms", true, true}, {"1h30m", true, true},
		{"0", true, true}, {1.0, true, true}, {0.5, true, true},
		{"-1s", false, true}, {-1.0, false, true},
		{"1 day", false, false}, {"1x", false, false}, {"day", false, false}, {"", false, false}, {"s", false, false},
		{true, false, false},
	}
	for _, c := range cases {
		b, _ := json.Marshal(c.in)
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if got := dur.Validate(inst) == nil; got != c.valid {
			t.Errorf("duration schema accepts %s = %v, want %v", b, got, c.valid)
		}
		if got := signed.Validate(inst) == nil; got != c.signedV {
			t.Errorf("signedDuration schema accepts %s = %v, want %v", b, got, c.signedV)
		}
		var d Duration
		if decodes := d.UnmarshalJSON(b) == nil; c.signedV && !decodes {
			t.Errorf("schema accepts %s but Duration rejects it", b)
		} else if !c.signedV && decodes {
			t.Errorf("Duration accepts %s but the schema rejects it", b)
		}
	}
}

package load

import (
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// withSchemas builds a description of the given version whose
// components/schemas are the YAML block schemas (written at column 0).
func withSchemas(version, schemas string) string {
	var b strings.Builder
	b.WriteString("openapi: " + version + "\ninfo:\n  title: t\n  version: \"1\"\npaths: {}\ncomponents:\n  schemas:\n")
	for _, l := range strings.Split(strings.TrimSpace(spec(schemas)), "\n") {
		b.WriteString("    " + l + "\n")
	}
	return b.String()
}

// warnSpec is a warning a case expects: at pointer, containing text, on
// the line of the first occurrence of marker in the description.
type warnSpec struct {
	pointer, text, marker string
}

type normCase struct {
	name    string
	src     string
	warns   []warnSpec
	noWarns bool
	check   func(t *testing.T, res *Result)
}

func runNormCases(t *testing.T, cases []normCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := mustLoad(t, "spec.yaml", c.src)
			if c.noWarns {
				noWarnings(t, res)
			}
			for _, w := range c.warns {
				wantWarning(t, res, w.pointer, w.text, lineOf(t, c.src, w.marker))
			}
			if c.check != nil {
				c.check(t, res)
			}
		})
	}
}

func TestOpenAPI31(t *testing.T) {
	runNormCases(t, []normCase{
		{
			name: "type with null becomes nullable",
			src: withSchemas("3.1.0", `
				Pet:
				  type: [string, "null"]
			`),
			noWarns: true,
			check: func(t *testing.T, res *Result) {
				s := componentSchema(t, res, "Pet")
				if !isType(s, "string") || !s.Nullable {
					t.Errorf("type %v nullable %v, want string nullable", s.Type, s.Nullable)
				}
				if res.Version != "3.1.0" || res.Doc.OpenAPI != "3.0.3" {
					t.Errorf("version %q, doc %q", res.Version, res.Doc.OpenAPI)
				}
			},
		},
		{
			name: "type null alone",
			src: withSchemas("3.1.0", `
				Nothing:
				  type: "null"
			`),
			noWarns: true,
			check: func(t *testing.T, res *Result) {
				s := componentSchema(t, res, "Nothing")
				if !untyped(s) || !s.Nullable {
					t.Errorf("type %v nullable %v, want untyped nullable", s.Type, s.Nullable)
				}
			},
		},
		{
			name: "anyOf with a null branch",
			src: withSchemas("3.1.0", `
				Owner:
				  type: object
				Pet:
				  type: object
				  properties:
				    owner:
				      anyOf:
				        - $ref: '#/components/schemas/Owner'
				        - type: "null"
			`),
			noWarns: true,
			check: func(t *testing.T, res *Result) {
				o := prop(t, componentSchema(t, res, "Pet"), "owner").Value
				if !o.Nullable || len(o.AnyOf) != 0 || len(o.AllOf) != 1 || o.AllOf[0].Ref != "#/components/schemas/Owner" {
					t.Errorf("owner = nullable %v anyOf %d allOf %v", o.Nullable, len(o.AnyOf), o.AllOf)
				}
			},
		},
		{
			name: "oneOf keeps its other branches",
			src: withSchemas("3.1.0", `
				Value:
				  oneOf:
				    - type: string
				    - type: integer
				    - type: "null"
			`),
			noWarns: true,
			check: func(t *testing.T, res *Result) {
				s := componentSchema(t, res, "Value")
				if !s.Nullable || len(s.OneOf) != 2 || !isType(s.OneOf[1].Value, "integer") {
					t.Errorf("nullable %v oneOf %d", s.Nullable, len(s.OneOf))
				}
			},
		},
		{
			name: "several types without null",
			src: withSchemas("3.1.0", `
				Mixed:
				  type: [string, integer]
			`),
			warns: []warnSpec{{"/components/schemas/Mixed/type", "several types (integer, string)", "type: [string"}},
			check: func(t *testing.T, res *Result) {
				if s := componentSchema(t, res, "Mixed"); !untyped(s) {
					t.Errorf("type %v, want none", s.Type)
				}
			},
		},
		{
			name: "integer or number is a number",
			src: withSchemas("3.1.0", `
				N:
				  type: [integer, number]
			`),
			noWarns: true,
			check: func(t *testing.T, res *Result) {
				if s := componentSchema(t, res, "N"); !isType(s, "number") {
					t.Errorf("type %v, want number", s.Type)
				}
			},
		},
		{
			name: "const becomes a one-value enum",
			src: withSchemas("3.1.0", `
				Kind:
				  type: string
				  const: dog
			`),
			noWarns: true,
			check: func(t *testing.T, res *Result) {
				s := componentSchema(t, res, "Kind")
				if len(s.Enum) != 1 || s.Enum[0] != "dog" || s.Const != nil {
					t.Errorf("enum %v const %v", s.Enum, s.Const)
				}
			},
		},
		{
			name: "examples become example",
			src: withSchemas("3.1.0", `
				Name:
				  type: string
				  examples: [Rex, Fido]
			`),
			noWarns: true,
			check: func(t *testing.T, res *Result) {
				s := componentSchema(t, res, "Name")
				if s.Example != "Rex" || s.Examples != nil {
					t.Errorf("example %v examples %v", s.Example, s.Examples)
				}
			},
		},
		{
			name: "numeric exclusive bounds",
			src: withSchemas("3.1.0", `
				Age:
				  type: integer
				  exclusiveMinimum: 0
				  exclusiveMaximum: 150
				  maximum: 120
			`),
			noWarns: true,
			check: func(t *testing.T, res *Result) {
				s := componentSchema(t, res, "Age")
				if s.Min == nil || *s.Min != 0 || s.ExclusiveMin.Bool == nil || !*s.ExclusiveMin.Bool {
					t.Errorf("min %v exclusive %v", s.Min, s.ExclusiveMin)
				}
				// maximum: 120 is stricter than exclusiveMaximum: 150.
				if s.Max == nil || *s.Max != 120 || s.ExclusiveMax.Bool != nil || s.ExclusiveMax.Value != nil {
					t.Errorf("max %v exclusive %v", s.Max, s.ExclusiveMax)
				}
			},
		},
		{
			name: "annotations next to a $ref are dropped",
			src: withSchemas("3.1.0", `
				Owner:
				  type: object
				Pet:
				  type: object
				  properties:
				    owner:
				      $ref: '#/components/schemas/Owner'
				      description: The owner.
			`),
			noWarns: true,
			check: func(t *testing.T, res *Result) {
				o := prop(t, componentSchema(t, res, "Pet"), "owner")
				if o.Ref != "#/components/schemas/Owner" {
					t.Errorf("owner ref %q", o.Ref)
				}
			},
		},
		{
			name: "constraints next to a $ref wrap it in allOf",
			src: withSchemas("3.1.0", `
				Owner:
				  type: object
				Pet:
				  type: object
				  properties:
				    owner:
				      $ref: '#/components/schemas/Owner'
				      readOnly: true
				      description: The owner.
			`),
			noWarns: true,
			check: func(t *testing.T, res *Result) {
				o := prop(t, componentSchema(t, res, "Pet"), "owner")
				if o.Ref != "" || !o.Value.ReadOnly || len(o.Value.AllOf) != 1 || o.Value.AllOf[0].Ref != "#/components/schemas/Owner" || o.Value.Description != "The owner." {
					t.Errorf("owner = %+v", o.Value)
				}
			},
		},
		{
			name: "content encoding and media type",
			src: withSchemas("3.1.0", `
				Blob:
				  type: string
				  contentMediaType: image/png
				B64:
				  type: string
				  contentEncoding: base64
			`),
			noWarns: true,
			check: func(t *testing.T, res *Result) {
				if s := componentSchema(t, res, "Blob"); s.Format != "binary" || s.ContentMediaType != "" {
					t.Errorf("Blob format %q", s.Format)
				}
				if s := componentSchema(t, res, "B64"); s.Format != "byte" || s.ContentEncoding != "" {
					t.Errorf("B64 format %q", s.Format)
				}
			},
		},
		{
			name: "prefixItems",
			src: withSchemas("3.1.0", `
				Pair:
				  type: array
				  prefixItems:
				    - type: string
				    - type: integer
			`),
			warns: []warnSpec{{"/components/schemas/Pair/prefixItems", "tuple", "prefixItems"}},
			check: func(t *testing.T, res *Result) {
				s := componentSchema(t, res, "Pair")
				if s.Items == nil || s.PrefixItems != nil {
					t.Errorf("items %v prefixItems %v", s.Items, s.PrefixItems)
				}
			},
		},
		{
			name: "$defs move into components",
			src: withSchemas("3.1.0", `
				Tree:
				  type: object
				  properties:
				    leaf:
				      $ref: '#/components/schemas/Tree/$defs/Leaf'
				  $defs:
				    Leaf:
				      type: string
			`),
			warns: []warnSpec{{"/components/schemas/Tree/$defs/Leaf", "moved to /components/schemas/Leaf", "Leaf:"}},
			check: func(t *testing.T, res *Result) {
				if s := componentSchema(t, res, "Leaf"); !isType(s, "string") {
					t.Errorf("Leaf type %v", s.Type)
				}
				if r := prop(t, componentSchema(t, res, "Tree"), "leaf"); r.Ref != "#/components/schemas/Leaf" || r.Value == nil {
					t.Errorf("leaf ref %q", r.Ref)
				}
			},
		},
		{
			name: "JSON Schema keywords without an OpenAPI 3.0 form",
			src: withSchemas("3.1.0", `
				Strict:
				  type: object
				  unevaluatedProperties: false
				  dependentSchemas:
				    a: {required: [b]}
				  if: {properties: {a: {const: 1}}}
				  then: {required: [b]}
				  else: {required: [c]}
			`),
			warns: []warnSpec{
				{"/components/schemas/Strict/unevaluatedProperties", "dropped", "unevaluatedProperties"},
				{"/components/schemas/Strict/dependentSchemas", "dropped", "dependentSchemas"},
				{"/components/schemas/Strict/if", "if/then/else", "if:"},
			},
			check: func(t *testing.T, res *Result) {
				s := componentSchema(t, res, "Strict")
				if s.If != nil || s.Then != nil || s.Else != nil || s.DependentSchemas != nil || s.UnevaluatedProperties.Has != nil {
					t.Errorf("2020-12 keywords kept: %+v", s)
				}
			},
		},
		{
			name: "boolean schemas",
			src: withSchemas("3.1.0", `
				Never:
				  type: array
				  items: false
				Any:
				  type: object
				  additionalProperties: true
				  properties:
				    x: true
			`),
			noWarns: true,
			check: func(t *testing.T, res *Result) {
				if s := componentSchema(t, res, "Never"); s.Items == nil || s.Items.Value.Not == nil {
					t.Errorf("items: false = %+v", s.Items)
				}
				s := componentSchema(t, res, "Any")
				if s.AdditionalProperties.Has == nil || !*s.AdditionalProperties.Has {
					t.Errorf("additionalProperties %+v", s.AdditionalProperties)
				}
				if x := prop(t, s, "x").Value; x.Always != nil || !x.IsEmpty() {
					t.Errorf("x: true = %+v", x)
				}
			},
		},
		{
			name: "$recursiveRef to the enclosing schema",
			src: withSchemas("3.1.0", `
				Filter:
				  type: object
				  properties:
				    filters:
				      type: array
				      items:
				        $recursiveRef: "#"
			`),
			warns: []warnSpec{{"/components/schemas/Filter/properties/filters/items/$recursiveRef", `"#/components/schemas/Filter"`, "$recursiveRef"}},
			check: func(t *testing.T, res *Result) {
				items := prop(t, componentSchema(t, res, "Filter"), "filters").Value.Items
				if items.Ref != "#/components/schemas/Filter" {
					t.Errorf("items ref %q", items.Ref)
				}
			},
		},
		{
			name: "a single patternProperties",
			src: withSchemas("3.1.0", `
				Labels:
				  type: object
				  patternProperties:
				    "^[a-z]+$":
				      type: string
			`),
			warns: []warnSpec{{"/components/schemas/Labels/patternProperties", "read as additionalProperties", "patternProperties"}},
			check: func(t *testing.T, res *Result) {
				s := componentSchema(t, res, "Labels")
				if ap := s.AdditionalProperties.Schema; ap == nil || !isType(ap.Value, "string") {
					t.Errorf("additionalProperties %+v", s.AdditionalProperties)
				}
			},
		},
	})
}

func TestOpenAPI31Document(t *testing.T) {
	src := spec(`
		openapi: 3.1.0
		jsonSchemaDialect: https://spec.openapis.org/oas/3.1/dialect/base
		info:
		  title: t
		  summary: s
		  version: "1"
		  license:
		    name: MIT
		    identifier: MIT
		paths:
		  /pets:
		    $ref: '#/components/pathItems/Pets'
		webhooks:
		  newPet:
		    post:
		      responses:
		        "200": {description: ok}
		components:
		  pathItems:
		    Pets:
		      get:
		        operationId: listPets
		        responses:
		          "200": {description: ok}
	`)
	res := mustLoad(t, "doc.yaml", src)
	wantWarning(t, res, "/webhooks", "webhooks are not generated", lineOf(t, src, "webhooks:"))
	wantWarning(t, res, "/jsonSchemaDialect", "not supported", lineOf(t, src, "jsonSchemaDialect"))
	if len(res.Warnings) != 2 {
		t.Errorf("%d warnings, want 2: %v", len(res.Warnings), res.Warnings)
	}
	op := res.Doc.Paths.Find("/pets")
	if op == nil || op.Get == nil || op.Get.OperationID != "listPets" {
		t.Fatalf("path item not inlined: %+v", op)
	}
	if res.Doc.Webhooks != nil || res.Doc.JSONSchemaDialect != "" || res.Doc.Info.Summary != "" || res.Doc.Info.License.Identifier != "" {
		t.Errorf("3.1 fields kept")
	}
}

func TestSchemaRepairs(t *testing.T) {
	runNormCases(t, []normCase{
		{
			name: "required true inside a property",
			src: withSchemas("3.0.3", `
				Pet:
				  type: object
				  required: [id]
				  properties:
				    id: {type: integer}
				    name:
				      type: string
				      required: true
				    tag:
				      type: string
				      required: false
			`),
			warns: []warnSpec{
				{"/components/schemas/Pet/properties/name/required", `"name" added to the required list`, "required: true"},
				{"/components/schemas/Pet/properties/tag/required", "dropped", "required: false"},
			},
			check: func(t *testing.T, res *Result) {
				s := componentSchema(t, res, "Pet")
				if strings.Join(s.Required, ",") != "id,name" {
					t.Errorf("required %v", s.Required)
				}
			},
		},
		{
			name: "required as a string",
			src: withSchemas("3.0.3", `
				Pet:
				  type: object
				  required: id
				  properties:
				    id: {type: integer}
			`),
			warns: []warnSpec{{"/components/schemas/Pet/required", "read as a list of one", "required: id"}},
			check: func(t *testing.T, res *Result) {
				if s := componentSchema(t, res, "Pet"); len(s.Required) != 1 || s.Required[0] != "id" {
					t.Errorf("required %v", s.Required)
				}
			},
		},
		{
			name: "enum not a list",
			src: withSchemas("3.0.3", `
				Color:
				  type: string
				  enum: red
			`),
			warns: []warnSpec{{"/components/schemas/Color/enum", "read as a list of one", "enum: red"}},
			check: func(t *testing.T, res *Result) {
				if s := componentSchema(t, res, "Color"); len(s.Enum) != 1 || s.Enum[0] != "red" {
					t.Errorf("enum %v", s.Enum)
				}
			},
		},
		{
			name: "properties not a map",
			src: withSchemas("3.0.3", `
				Pet:
				  type: object
				  properties:
				    - name
			`),
			warns: []warnSpec{{"/components/schemas/Pet/properties", "expected an object of property schemas, found a list", "properties:"}},
			check: func(t *testing.T, res *Result) {
				if s := componentSchema(t, res, "Pet"); s.Properties != nil {
					t.Errorf("properties %v", s.Properties)
				}
			},
		},
		{
			name: "items as a list",
			src: withSchemas("3.0.3", `
				Names:
				  type: array
				  items:
				    - type: string
				Mixed:
				  type: array
				  items: # mixed
				    - type: string
				    - type: integer
			`),
			warns: []warnSpec{
				{"/components/schemas/Names/items", "list of one schema", "items:"},
				{"/components/schemas/Mixed/items", "any of them", "# mixed"},
			},
			check: func(t *testing.T, res *Result) {
				if s := componentSchema(t, res, "Names"); !isType(s.Items.Value, "string") {
					t.Errorf("Names items %+v", s.Items.Value)
				}
				if s := componentSchema(t, res, "Mixed"); len(s.Items.Value.AnyOf) != 2 {
					t.Errorf("Mixed items %+v", s.Items.Value)
				}
			},
		},
		{
			name: "a string where a schema belongs",
			src: withSchemas("3.0.3", `
				Pet:
				  type: object
				  properties:
				    name: string
				    owner: '#/components/schemas/Owner'
				    junk: 42
				Owner:
				  type: object
			`),
			warns: []warnSpec{
				{"/components/schemas/Pet/properties/name", `read as {type: string}`, "name: string"},
				{"/components/schemas/Pet/properties/owner", "read as a $ref", "owner:"},
				{"/components/schemas/Pet/properties/junk", "empty schema", "junk:"},
			},
			check: func(t *testing.T, res *Result) {
				s := componentSchema(t, res, "Pet")
				if !isType(prop(t, s, "name").Value, "string") {
					t.Error("name is not a string")
				}
				if prop(t, s, "owner").Ref != "#/components/schemas/Owner" {
					t.Error("owner is not a $ref")
				}
				if !prop(t, s, "junk").Value.IsEmpty() {
					t.Error("junk is not empty")
				}
			},
		},
		{
			name: "numbers and booleans as strings",
			src: withSchemas("3.0.3", `
				Age:
				  type: integer
				  minimum: "0"
				  maxLength: -1
				  minLength: "2"
				  nullable: "true"
				  readOnly: yes please
			`),
			warns: []warnSpec{
				{"/components/schemas/Age/minimum", `found the string "0"; read as 0`, "minimum"},
				{"/components/schemas/Age/maxLength", "dropped", "maxLength"},
				{"/components/schemas/Age/minLength", "read as 2", "minLength"},
				{"/components/schemas/Age/nullable", "read as true", "nullable"},
				{"/components/schemas/Age/readOnly", "dropped", "readOnly"},
			},
			check: func(t *testing.T, res *Result) {
				s := componentSchema(t, res, "Age")
				if s.Min == nil || *s.Min != 0 || s.MaxLength != nil || s.MinLength != 2 || !s.Nullable || s.ReadOnly {
					t.Errorf("schema %+v", s)
				}
			},
		},
		{
			name: "unknown types",
			src: withSchemas("3.0.3", `
				Upload:
				  type: file
				Count:
				  type: int
				Text:
				  type: String
			`),
			warns: []warnSpec{
				{"/components/schemas/Upload/type", `unknown type "file"; read as "string"`, "type: file"},
				{"/components/schemas/Count/type", `read as "integer"`, "type: int"},
				{"/components/schemas/Text/type", `read as "string"`, "type: String"},
			},
			check: func(t *testing.T, res *Result) {
				if s := componentSchema(t, res, "Upload"); !isType(s, "string") || s.Format != "binary" {
					t.Errorf("Upload %v %q", s.Type, s.Format)
				}
			},
		},
		{
			name: "format mismatches",
			src: withSchemas("3.0.3", `
				When:
				  type: integer
				  format: date-time
				Flag:
				  type: boolean
				  format: int32
				Custom:
				  type: object
				  format: uri-map
				Big:
				  type: string
				  format: int64
			`),
			warns: []warnSpec{
				{"/components/schemas/When/format", `format "date-time" does not apply to type integer`, "format: date-time"},
				{"/components/schemas/Flag/format", "does not apply", "format: int32"},
			},
			check: func(t *testing.T, res *Result) {
				if len(res.Warnings) != 2 {
					t.Errorf("%d warnings, want 2", len(res.Warnings))
				}
				if s := componentSchema(t, res, "Custom"); s.Format != "uri-map" {
					t.Errorf("custom format dropped")
				}
				if s := componentSchema(t, res, "Big"); s.Format != "int64" {
					t.Errorf("int64 string format dropped")
				}
			},
		},
		{
			name: "nullable in odd places",
			src: withSchemas("3.0.3", `
				Owner:
				  type: object
				Pet:
				  type: object
				  x-nullable: true
				  properties:
				    owner:
				      $ref: '#/components/schemas/Owner'
				      nullable: true
			`),
			warns: []warnSpec{{"/components/schemas/Pet/properties/owner/$ref", "kept by wrapping the $ref in allOf", "$ref: '#/components/schemas/Owner'"}},
			check: func(t *testing.T, res *Result) {
				s := componentSchema(t, res, "Pet")
				if !s.Nullable || s.Extensions["x-nullable"] != nil {
					t.Errorf("x-nullable not read: %+v", s)
				}
				o := prop(t, s, "owner").Value
				if !o.Nullable || len(o.AllOf) != 1 {
					t.Errorf("owner %+v", o)
				}
			},
		},
		{
			name: "discriminator as a string",
			src: withSchemas("3.0.3", `
				Pet:
				  type: object
				  discriminator: petType
				  properties:
				    petType: {type: string}
			`),
			warns: []warnSpec{{"/components/schemas/Pet/discriminator", "read as {propertyName", "discriminator:"}},
			check: func(t *testing.T, res *Result) {
				if d := componentSchema(t, res, "Pet").Discriminator; d == nil || d.PropertyName != "petType" {
					t.Errorf("discriminator %+v", d)
				}
			},
		},
		{
			name: "unknown keywords",
			src: withSchemas("3.0.3", `
				Pet:
				  type: object
				  optional: true
			`),
			warns: []warnSpec{{"/components/schemas/Pet/optional", `unknown schema keyword "optional"`, "optional"}},
		},
		{
			name: "array without items",
			src: withSchemas("3.0.3", `
				List:
				  type: array
			`),
			warns: []warnSpec{{"/components/schemas/List", "without items", "List:"}},
			check: func(t *testing.T, res *Result) {
				if s := componentSchema(t, res, "List"); s.Items == nil {
					t.Error("no items")
				}
			},
		},
	})
}

func TestObjectRepairs(t *testing.T) {
	paramSrc := spec(`
		openapi: 3.0.3
		info:
		  title: t
		  version: 1.5
		tags: [pets]
		servers:
		  - url: https://{region}.example.com
		    variables:
		      region:
		        default: 1
		        enum: [1, 2]
		security: {key: []}
		paths:
		  /pets/{id}:
		    get:
		      operationId: getPet
		      description: 42
		      parameters:
		        - name: id
		          in: path
		          type: integer
		        - name: q
		          in: query
		          nullable: true
		          schema: {type: string}
		        - name: legacy
		          in: body
		          schema: {type: string}
		      responses:
		        "200": {description: ok}
		components:
		  securitySchemes:
		    key: {type: apiKey, in: header, name: X-Key}
	`)
	res := mustLoad(t, "params.yaml", paramSrc)
	wantWarning(t, res, "/info/version", `read as "1.5"`, lineOf(t, paramSrc, "version: 1.5"))
	wantWarning(t, res, "/tags/0", "read as its name", lineOf(t, paramSrc, "tags:"))
	wantWarning(t, res, "/servers/0/variables/region/default", `read as "1"`, lineOf(t, paramSrc, "default: 1"))
	wantWarning(t, res, "/security", "read as a list of one", lineOf(t, paramSrc, "security:"))
	wantWarning(t, res, "/paths/~1pets~1{id}/get/description", `read as "42"`, lineOf(t, paramSrc, "description: 42"))
	wantWarning(t, res, "/paths/~1pets~1{id}/get/parameters/0", "moved into its schema", lineOf(t, paramSrc, "- name: id"))
	wantWarning(t, res, "/paths/~1pets~1{id}/get/parameters/0", "not marked required", lineOf(t, paramSrc, "- name: id"))
	wantWarning(t, res, "/paths/~1pets~1{id}/get/parameters/1", "nullable", lineOf(t, paramSrc, "- name: q"))
	wantWarning(t, res, "/paths/~1pets~1{id}/get/parameters/2/in", "in: body is Swagger 2.0", lineOf(t, paramSrc, "in: body"))

	if res.Doc.Info.Version != "1.5" || res.Doc.Tags[0].Name != "pets" || res.Doc.Servers[0].Variables["region"].Default != "1" {
		t.Errorf("info/tags/servers not repaired")
	}
	if len(res.Doc.Security) != 1 {
		t.Errorf("security %v", res.Doc.Security)
	}
	op := res.Doc.Paths.Find("/pets/{id}").Get
	if len(op.Parameters) != 2 {
		t.Fatalf("%d parameters, want 2", len(op.Parameters))
	}
	id := op.Parameters[0].Value
	if !id.Required || id.Schema == nil || !isType(id.Schema.Value, "integer") {
		t.Errorf("id parameter %+v", id)
	}
	if q := op.Parameters[1].Value; !q.Schema.Value.Nullable {
		t.Errorf("q parameter schema not nullable")
	}
}

func TestComponentKindRepairs(t *testing.T) {
	src := spec(`
		openapi: 3.0.2
		info: {title: t, version: "1"}
		paths:
		  /a:
		    put:
		      operationId: putA
		      requestBody:
		        $ref: '#/components/schemas/Thing'
		      responses:
		        "200":
		          $ref: '#/components/requestBodies/ThingResponse'
		        "201":
		          $ref: '#/components/schemas/Thing'
		  /b:
		    get:
		      operationId: getB
		      parameters:
		        - name: x
		          in: query
		          schema:
		            $ref: '#/components/parameters/Limit'
		      responses:
		        "200": {description: ok}
		components:
		  parameters:
		    Limit:
		      name: limit
		      in: query
		      schema: {type: integer}
		  schemas:
		    Thing: {type: object}
		  requestBodies:
		    ThingResponse:
		      description: A thing.
		      content:
		        application/json:
		          schema: {$ref: '#/components/schemas/Thing'}
	`)
	res := mustLoad(t, "kinds.yaml", src)
	wantWarning(t, res, "/paths/~1a/put/responses/200/$ref", "points at a request body, where a response belongs", lineOf(t, src, "$ref: '#/components/requestBodies/ThingResponse'"))
	wantWarning(t, res, "/paths/~1a/put/requestBody/$ref", "points at a schema, where a request body belongs", lineOf(t, src, "$ref: '#/components/schemas/Thing'"))
	wantWarning(t, res, "/paths/~1b/get/parameters/0/schema/$ref", "now points at its schema", lineOf(t, src, "$ref: '#/components/parameters/Limit'"))

	op := res.Doc.Paths.Find("/a").Put
	r200 := op.Responses.Status(200)
	if r200.Ref != "" || r200.Value == nil || *r200.Value.Description != "A thing." || r200.Value.Content.Get("application/json") == nil {
		t.Errorf("200 response not converted: %+v", r200)
	}
	if rb := op.RequestBody.Value; rb == nil || rb.Content.Get("application/json").Schema.Ref != "#/components/schemas/Thing" {
		t.Errorf("request body not converted: %+v", op.RequestBody)
	}
	if r201 := op.Responses.Status(201).Value; r201 == nil || r201.Content.Get("application/json") == nil {
		t.Errorf("201 response not converted")
	}
	x := res.Doc.Paths.Find("/b").Get.Parameters[0].Value.Schema
	if x.Ref != "#/components/parameters/Limit/schema" || !isType(x.Value, "integer") {
		t.Errorf("schema ref %q %v", x.Ref, x.Value)
	}
}

func TestPathTemplateParameters(t *testing.T) {
	src := spec(`
		openapi: 3.0.3
		info: {title: t, version: "1"}
		paths:
		  /users/{userId}/pets/{petId}:
		    parameters:
		      - name: userId
		        in: path
		        required: true
		        schema: {type: string}
		    get:
		      operationId: getPet
		      responses:
		        "200": {description: ok}
	`)
	res := mustLoad(t, "tmpl.yaml", src)
	wantWarning(t, res, "/paths/~1users~1{userId}~1pets~1{petId}/get", `{petId}, which no parameter of GET /users/{userId}/pets/{petId} declares`, lineOf(t, src, "get:"))
	params := res.Doc.Paths.Find("/users/{userId}/pets/{petId}").Get.Parameters
	if len(params) != 1 || params[0].Value.Name != "petId" || params[0].Value.In != "path" || !params[0].Value.Required || !isType(params[0].Value.Schema.Value, "string") {
		t.Errorf("synthesized parameter %+v", params)
	}
}

func TestDuplicateKeys(t *testing.T) {
	src := spec(`
		openapi: 3.0.3
		info: {title: t, version: "1"}
		paths: {}
		components:
		  schemas:
		    Pet: {type: object}
		    Pet: {type: string}
	`)
	res := mustLoad(t, "dup.yaml", src)
	wantWarning(t, res, "/components/schemas/Pet", "duplicate key", lineOf(t, src, "Pet: {type: string}"))
	if s := componentSchema(t, res, "Pet"); !isType(s, "string") {
		t.Errorf("the last Pet does not win")
	}
	jsonSrc := "{\n\"openapi\": \"3.0.3\",\n\"info\": {\"title\": \"t\", \"version\": \"1\"},\n\"paths\": {},\n\"paths\": {}\n}"
	res = mustLoad(t, "dup.json", jsonSrc)
	wantWarning(t, res, "/paths", "duplicate key", 5)
}

func TestValidatorWarnings(t *testing.T) {
	src := spec(`
		openapi: 3.0.3
		info: {title: t, version: "1"}
		paths:
		  /pets:
		    get:
		      operationId: listPets
		components:
		  securitySchemes:
		    broken:
		      type: magic
	`)
	res := mustLoad(t, "v.yaml", src)
	wantWarning(t, res, "/paths/~1pets/get", "kin-openapi validation: value of responses must be an object", lineOf(t, src, "get:"))
	wantWarning(t, res, "/components/securitySchemes/broken", "kin-openapi validation", lineOf(t, src, "broken:"))
}

// The JSON reader accepts what yaml.v3 rejects in JSON.
func TestJSONEscapes(t *testing.T) {
	src := "{\"openapi\": \"3.0.3\", \"info\": {\"title\": \"a\\/b \\ud83d\\ude00 \\u00e9\", \"version\": \"1\"},\n\t\"paths\": {}, \"x-" + strings.Repeat("k", 2000) + "\": 1}"
	res := mustLoad(t, "esc.json", src)
	if got := res.Doc.Info.Title; got != "a/b 😀 é" {
		t.Errorf("title %q", got)
	}
}

func TestLineAndWarn(t *testing.T) {
	src := spec(`
		openapi: 3.0.3
		info: {title: t, version: "1"}
		paths:
		  /pets:
		    get:
		      operationId: listPets
		      responses:
		        "200":
		          description: ok
	`)
	res := mustLoad(t, "line.yaml", src)
	for ptr, marker := range map[string]string{
		"":                                    "openapi",
		"/paths/~1pets/get":                   "get:",
		"/paths/~1pets/get/responses/200":     `"200"`,
		"/paths/~1pets/get/responses/200/x/y": `"200"`, // nearest ancestor
		"/paths/~1pets/get/operationId":       "operationId",
	} {
		if got, want := res.Line(ptr), lineOf(t, src, marker); got != want {
			t.Errorf("Line(%q) = %d, want %d", ptr, got, want)
		}
	}
	if got := res.Line("/nowhere/at/all"); got != 1 {
		t.Errorf("Line of an unknown top-level pointer = %d, want the root's line 1", got)
	}
	res.Warn("/paths/~1pets/get", "operation %s is odd", "listPets")
	w := res.Warnings[len(res.Warnings)-1]
	want := Diagnostic{File: "line.yaml", Line: lineOf(t, src, "get:"), Pointer: "/paths/~1pets/get", Message: "operation listPets is odd"}
	if w != want {
		t.Errorf("Warn recorded %+v, want %+v", w, want)
	}
	if got := w.String(); got != "line.yaml:5: /paths/~1pets/get: operation listPets is odd" {
		t.Errorf("String() = %q", got)
	}
	if got := (Diagnostic{File: "f.yaml", Message: "m"}).String(); got != "f.yaml: /: m" {
		t.Errorf("String() without line = %q", got)
	}
	var nilResult *Result
	if nilResult.Line("/x") != 0 {
		t.Error("Line on nil Result")
	}
}

func TestAliasesAndMerges(t *testing.T) {
	src := spec(`
		openapi: 3.0.3
		info: {title: t, version: "1"}
		paths: {}
		components:
		  schemas:
		    Base: &base
		      type: object
		      description: base
		    Pet:
		      <<: *base
		      description: pet
		    Copy: *base
	`)
	res := mustLoad(t, "alias.yaml", src)
	if s := componentSchema(t, res, "Pet"); !isType(s, "object") || s.Description != "pet" {
		t.Errorf("merge: %+v", s)
	}
	if s := componentSchema(t, res, "Copy"); s.Description != "base" {
		t.Errorf("alias: %+v", s)
	}
}

// Keep the openapi3 import used even if checks change.
var _ = openapi3.NewLoader

func TestReferenceRepairs(t *testing.T) {
	src := spec(`
		openapi: 3.0.3
		info: {title: t, version: "1"}
		paths:
		  /a:
		    get:
		      operationId: getA
		      parameters:
		        - $ref: '#/components/parameters/P1'
		        - $ref: '#/paths/~1a/get'
		      responses:
		        "200":
		          description: ok
		          content:
		            application/json:
		              schema:
		                $ref: '#/components'
		components:
		  schemas:
		    Self:
		      $ref: '#/components/schemas/Self'
		    Title:
		      $ref: '#/info/title'
		  parameters:
		    P1: {$ref: '#/components/parameters/P2'}
		    P2: {$ref: '#/components/parameters/P1'}
	`)
	res := mustLoad(t, "refs.yaml", src)
	wantWarning(t, res, "/components/schemas/Self/$ref", "cycle of references that never reaches a schema", lineOf(t, src, "$ref: '#/components/schemas/Self'"))
	wantWarning(t, res, "/components/schemas/Title/$ref", "points at a string, not a schema", lineOf(t, src, "$ref: '#/info/title'"))
	wantWarning(t, res, "/components/parameters/P1/$ref", "cycle of references", lineOf(t, src, "P1: {"))
	wantWarning(t, res, "/paths/~1a/get/parameters/0/$ref", "dropped as unusable; dropped too", lineOf(t, src, "- $ref: '#/components/parameters/P1'"))
	wantWarning(t, res, "/paths/~1a/get/parameters/1/$ref", "points at an operation, where a parameter belongs; dropped", lineOf(t, src, "- $ref: '#/paths/~1a/get'"))
	wantWarning(t, res, "/paths/~1a/get/responses/200/content/application~1json/schema/$ref", "points at a components object, not a schema", lineOf(t, src, "$ref: '#/components'"))

	if s := componentSchema(t, res, "Self"); !s.IsEmpty() {
		t.Errorf("Self = %+v", s)
	}
	if ps := res.Doc.Paths.Find("/a").Get.Parameters; len(ps) != 0 {
		t.Errorf("parameters %v", ps)
	}
}

func TestMiscRepairs(t *testing.T) {
	src := spec(`
		openapi: 3.0.3
		Info: {title: t, version: "1"}
		paths:
		  /a:
		    get:
		      operationId: getA
		      Parameters:
		        - name: h
		          in: header
		          schema: {type: string}
		          content: {text/plain: {schema: {type: string}}}
		      responses:
		        "200":
		          description: ok
		          content:
		            application/json:
		              schema: {Type: object}
		              examples:
		                one: 1
		            text/plain:
		              examples: [hello, bye]
	`)
	res := mustLoad(t, "misc.yaml", src)
	wantWarning(t, res, "/Info", `read as "info"`, lineOf(t, src, "Info:"))
	wantWarning(t, res, "/paths/~1a/get/Parameters", `read as "parameters"`, lineOf(t, src, "Parameters:"))
	// The pointer names the renamed field, which the file does not have:
	// the line is that of the nearest ancestor it has.
	wantWarning(t, res, "/paths/~1a/get/parameters/0/content", "content dropped", lineOf(t, src, "get:"))
	wantWarning(t, res, "/paths/~1a/get/responses/200/content/application~1json/schema/Type", `read as "type"`, lineOf(t, src, "{Type: object}"))
	wantWarning(t, res, "/paths/~1a/get/responses/200/content/application~1json/examples/one", "read as its value", lineOf(t, src, "one: 1"))
	wantWarning(t, res, "/paths/~1a/get/responses/200/content/text~1plain/examples", "the first is kept as example", lineOf(t, src, "examples: [hello"))

	op := res.Doc.Paths.Find("/a").Get
	if len(op.Parameters) != 1 || op.Parameters[0].Value.Content != nil {
		t.Errorf("parameters %+v", op.Parameters)
	}
	r := op.Responses.Status(200).Value
	if mt := r.Content.Get("application/json"); !isType(mt.Schema.Value, "object") || mt.Examples["one"].Value.Value != 1.0 {
		t.Errorf("json media type %+v", mt)
	}
	if mt := r.Content.Get("text/plain"); mt.Example != "hello" {
		t.Errorf("text media type example %v", mt.Example)
	}
}

func TestHugeNumbers(t *testing.T) {
	src := `{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {},
"components": {"schemas": {"A": {"type": "number", "maximum": 1e999, "example": -1e999}}}}`
	res := mustLoad(t, "huge.json", src)
	wantWarning(t, res, "/components/schemas/A/maximum", "expected a number", 2)
	if s := componentSchema(t, res, "A"); s.Max != nil || s.Example != "-1e999" {
		t.Errorf("A = max %v example %v", s.Max, s.Example)
	}
}

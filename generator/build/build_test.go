package build

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/apigen-go/apigen/generator/load"
	"github.com/apigen-go/apigen/generator/model"
)

const opsSpec = `
openapi: 3.0.3
info: {title: t, version: "1"}
servers: [{url: "https://api.example.test/v1"}]
security: [{key: []}]
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Key}
    oauth: {type: http, scheme: bearer}
  schemas:
    Patch: {type: array, items: {type: object, properties: {op: {type: string}}}}
    Merge: {type: object, properties: {name: {type: string}}}
paths:
  /token:
    servers: [{url: "https://{host}/auth", variables: {host: {default: login.example.test}}}]
    post:
      operationId: requestToken
      security: []
      responses: {"200": {description: ok}}
  /flags/{key}:
    parameters: [{name: key, in: path, required: true, schema: {type: string}}]
    get:
      operationId: getFlag
      security: [{key: []}, {oauth: [], key: []}]
      responses: {"200": {description: ok}}
    patch:
      operationId: patchFlag
      requestBody:
        content:
          application/json-patch+json: {schema: {$ref: "#/components/schemas/Patch"}}
          application/merge-patch+json: {schema: {$ref: "#/components/schemas/Merge"}}
          application/json; domain-model=acme.semanticpatch: {schema: {type: object, properties: {instructions: {type: array, items: {type: object}}}}}
          application/x-www-form-urlencoded: {schema: {$ref: "#/components/schemas/Merge"}}
      responses: {"204": {description: ok}}
`

func buildSpec(t *testing.T, spec string) *model.API {
	t.Helper()
	res, err := load.Bytes("ops.yaml", []byte(spec))
	if err != nil {
		t.Fatal(err)
	}
	api, _, berr := Build(res.Doc)
	if berr != nil {
		t.Fatal(berr)
	}
	return api
}

func TestOperationServersSecurityAndBodyVariants(t *testing.T) {
	api := buildSpec(t, opsSpec)
	ops := map[string]*model.Operation{}
	var names []string
	for _, op := range api.Operations {
		ops[op.Name] = op
		names = append(names, op.Name)
	}
	tok := ops["RequestToken"]
	if tok == nil || tok.Server != "https://login.example.test/auth" {
		t.Fatalf("RequestToken server = %+v", tok)
	}
	if tok.Security == nil || len(tok.Security) != 0 {
		t.Errorf("RequestToken security = %#v, want empty (anonymous)", tok.Security)
	}
	if got := ops["GetFlag"].Security; len(got) != 2 || strings.Join(got[0], ",") != "key" || strings.Join(got[1], ",") != "key,oauth" {
		t.Errorf("GetFlag security = %v", got)
	}
	if got := ops["GetFlag"].Server; got != "" {
		t.Errorf("GetFlag server = %q, want the API's", got)
	}
	if got := ops["PatchFlag"].Security; len(got) != 1 || got[0][0] != "key" {
		t.Errorf("PatchFlag inherits root security: %v", got)
	}
	// The primary body is the plain application/json one; the other two
	// schemas get their own methods; the form body repeats Merge and adds none.
	want := map[string]string{
		"PatchFlag":           "application/json; domain-model=acme.semanticpatch",
		"PatchFlagJSONPatch":  "application/json-patch+json",
		"PatchFlagMergePatch": "application/merge-patch+json",
	}
	for name, ct := range want {
		op := ops[name]
		if op == nil || op.Body == nil || op.Body.ContentType != ct {
			t.Errorf("%s: %+v, want a %s body (operations: %v)", name, op, ct, names)
			continue
		}
		if name != "PatchFlag" && op.BodyVariantOf != "PatchFlag" {
			t.Errorf("%s.BodyVariantOf = %q", name, op.BodyVariantOf)
		}
	}
	if len(api.Operations) != 5 {
		t.Errorf("operations %v, want 5", names)
	}
}

func TestDownloadVariant(t *testing.T) {
	api := buildSpec(t, `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /documents:
    post:
      operationId: generateDocument
      responses:
        "201":
          description: JSON for output=base64, the file for output=file
          content:
            application/json: {schema: {type: object, properties: {response: {type: string}}}}
            application/pdf: {schema: {type: string, format: binary}}
  /pets:
    get:
      operationId: listPets
      responses:
        "200":
          description: same value as JSON or XML
          content:
            application/json: {schema: {type: array, items: {type: string}}}
            application/xml: {schema: {type: array, items: {type: string}}}
`)
	var names []string
	ops := map[string]*model.Operation{}
	for _, op := range api.Operations {
		names = append(names, op.Name)
		ops[op.Name] = op
	}
	if strings.Join(names, ",") != "GenerateDocument,GenerateDocumentDownload,ListPets" {
		t.Fatalf("operations %v", names)
	}
	d := ops["GenerateDocumentDownload"].SuccessResponses()
	if len(d) != 1 || d[0].Encoding != model.EncodingBinary || d[0].ContentType != "application/pdf" {
		t.Errorf("download variant responses %+v", d)
	}
	if j := ops["GenerateDocument"].SuccessResponses(); len(j) != 1 || j[0].Encoding != model.EncodingJSON {
		t.Errorf("primary responses %+v", j)
	}
}

func TestStructWithAdditionalProperties(t *testing.T) {
	api := buildSpec(t, `
openapi: 3.0.3
info: {title: t, version: "1"}
paths: {}
components:
  schemas:
    Labels:
      type: object
      properties:
        name: {type: string}
        additionalProperties: {type: string}
      additionalProperties: {type: integer}
`)
	var lt *model.Type
	for _, ty := range api.Types {
		if ty.Name == "Labels" {
			lt = ty
		}
	}
	if lt == nil || lt.Kind != model.Struct || !lt.AdditionalProperties || lt.Elem == nil || lt.Elem.Kind != model.Int64 {
		t.Fatalf("Labels = %+v", lt)
	}
	if len(lt.Fields) != 2 || lt.ExtraField == "" || lt.ExtraField == lt.Fields[0].Name || lt.ExtraField == lt.Fields[1].Name {
		t.Errorf("fields %v, extra field %q: the map must not take a property's name", lt.Fields, lt.ExtraField)
	}
}

func TestDiscriminatorFromOneValueEnum(t *testing.T) {
	api := buildSpec(t, `
openapi: 3.0.3
info: {title: t, version: "1"}
paths: {}
components:
  schemas:
    Created: {type: object, required: [type], properties: {type: {type: string, enum: [response.created]}, id: {type: string}}}
    Event:
      oneOf:
        - $ref: "#/components/schemas/Created"
        - type: object
          properties:
            type: {type: string, enum: [response.done]}
      discriminator: {propertyName: type}
`)
	for _, ty := range api.Types {
		if ty.Name != "Event" {
			continue
		}
		got := map[string]string{}
		for _, v := range ty.Variants {
			got[v.Name] = strings.Join(v.Match, ",")
		}
		if got["Created"] != "response.created,Created" || len(ty.Variants) != 2 || !strings.Contains(strings.Join(ty.Variants[1].Match, ","), "response.done") {
			t.Errorf("matches %v", got)
		}
		return
	}
	t.Fatal("no Event type")
}

// Two variants pinning the same value: the first keeps it, so the
// generated switch has no duplicate case.
func TestDiscriminatorValueClaimedOnce(t *testing.T) {
	api := buildSpec(t, `
openapi: 3.0.3
info: {title: t, version: "1"}
paths: {}
components:
  schemas:
    A: {type: object, properties: {type: {type: string, enum: [message]}, a: {type: string}}}
    B: {type: object, properties: {type: {type: string, enum: [message]}, b: {type: string}}}
    Msg:
      oneOf: [{$ref: "#/components/schemas/A"}, {$ref: "#/components/schemas/B"}]
      discriminator: {propertyName: type}
`)
	for _, ty := range api.Types {
		if ty.Name == "Msg" {
			if a, b := strings.Join(ty.Variants[0].Match, ","), strings.Join(ty.Variants[1].Match, ","); a != "message,A" || b != "B" {
				t.Errorf("A matches %q, B matches %q", a, b)
			}
			return
		}
	}
	t.Fatal("no Msg")
}

// Identical inline objects become aliases of one declaration; component
// schemas keep theirs, and objects that differ in anything stay apart.
func TestDedupeStructs(t *testing.T) {
	api := buildSpec(t, `
openapi: 3.0.3
info: {title: t, version: "1"}
paths: {}
components:
  schemas:
    Address: {type: object, properties: {city: {type: string}}}
    Copy: {type: object, properties: {city: {type: string}}}
    Order:
      type: object
      properties:
        billing: {type: object, properties: {city: {type: string}}}
        shipping: {type: object, properties: {city: {type: string}}}
        other: {type: object, properties: {city: {type: string, description: differs}}}
        nested: {type: object, properties: {inner: {type: object, properties: {city: {type: string}}}}}
        nested2: {type: object, properties: {inner: {type: object, properties: {city: {type: string}}}}}
`)
	byName := map[string]*model.Type{}
	for _, ty := range api.Types {
		byName[ty.Name] = ty
	}
	for name, want := range map[string]string{
		"Address": "", "Copy": "", "OrderOther": "",
		"OrderBilling": "Address", "OrderShipping": "Address", "OrderNestedInner": "Address",
		"OrderNested2": "OrderNested",
	} {
		ty := byName[name]
		if ty == nil {
			t.Fatalf("no type %s (have %v)", name, byName)
		}
		switch {
		case want == "" && ty.Kind != model.Struct:
			t.Errorf("%s is %v, want its own struct", name, ty.Kind)
		case want != "" && (ty.Kind != model.Named || ty.Ref.Name != want):
			t.Errorf("%s: kind %v ref %v, want an alias of %s", name, ty.Kind, ty.Ref, want)
		}
	}
}

// Inline enums with the same base type and values (in order) become
// aliases of one declaration that keep their own constants; component
// schemas keep theirs, and enums that differ in a value, its order or the
// base type stay apart.
func TestDedupeEnums(t *testing.T) {
	api := buildSpec(t, `
openapi: 3.0.3
info: {title: t, version: "1"}
paths: {}
components:
  schemas:
    Status: {type: string, enum: [active, inactive]}
    Copy: {type: string, enum: [active, inactive]}
    Order:
      type: object
      properties:
        mode: {type: string, enum: [live, test]}
        mode2: {type: string, enum: [live, test]}
        reversed: {type: string, enum: [inactive, active]}
        level: {type: integer, enum: [1, 2]}
        size: {type: integer, enum: [1, 2]}
        code: {type: string, enum: ["1", "2"]}
        first: {type: object, properties: {kind: {type: string, enum: [x, y]}}}
        second: {type: object, properties: {kind: {type: string, enum: [x, y]}}}
`)
	byName := map[string]*model.Type{}
	for _, ty := range api.Types {
		byName[ty.Name] = ty
	}
	for name, want := range map[string]string{
		"Status": "", "Copy": "", "OrderMode": "", "OrderReversed": "", "OrderLevel": "", "OrderCode": "",
		"OrderMode2": "OrderMode", "OrderSize": "OrderLevel",
		"OrderSecond": "OrderFirst", // its field's enum is an alias of the first's: identical structs
	} {
		ty := byName[name]
		if ty == nil {
			t.Fatalf("no type %s (have %v)", name, byName)
		}
		switch {
		case want == "" && ty.Kind != model.Enum:
			t.Errorf("%s is %v, want its own enum", name, ty.Kind)
		case name == "OrderSecond":
			if ty.Kind != model.Named || ty.Ref.Name != want {
				t.Errorf("%s: kind %v ref %v, want an alias of %s", name, ty.Kind, ty.Ref, want)
			}
		case want != "" && (ty.Kind != model.Named || ty.Ref.Name != want):
			t.Errorf("%s: kind %v ref %v, want an alias of %s", name, ty.Kind, ty.Ref, want)
		case want != "" && (len(ty.EnumValues) != 2 || ty.EnumValues[0].Name != name+"Live" && ty.EnumValues[0].Name != name+"1"):
			t.Errorf("%s keeps constants %+v", name, ty.EnumValues)
		}
	}
}

// An array's items take their name from the array's place (a property, a
// component), not a generic "AnonItem" that every second array would then
// have to rename with a suffix.
func TestArrayItemsNamedFromTheirProperty(t *testing.T) {
	api := buildSpec(t, `
openapi: 3.0.3
info: {title: t, version: "1"}
paths: {}
components:
  schemas:
    Card:
      type: object
      properties:
        payout_methods:
          type: array
          items: {type: string, enum: [instant, standard]}
        owners:
          type: array
          items: {type: object, properties: {name: {type: string}}}
    Tags:
      type: array
      items: {type: object, properties: {label: {type: string}}}
`)
	names := map[string]bool{}
	for _, ty := range api.Types {
		names[ty.Name] = true
	}
	for _, want := range []string{"CardPayoutMethodsItem", "CardOwnersItem", "TagsItem"} {
		if !names[want] {
			t.Errorf("no type %s among %v", want, slices.Sorted(maps.Keys(names)))
		}
	}
}

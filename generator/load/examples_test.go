package load

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// DropExamples removes the keywords, never a property or parameter that
// happens to be called example.
func TestDropExamples(t *testing.T) {
	src := `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    get:
      parameters:
        - {name: example, in: query, schema: {type: string, example: x}, example: y}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Thing"}
              examples: {one: {$ref: "#/components/examples/One"}}
components:
  examples:
    One: {value: {example: 1}}
  schemas:
    Thing:
      type: object
      example: {example: "z"}
      properties:
        example: {type: string, example: "w"}
        examples: {type: array, items: {type: string}, example: ["v"]}
`
	res, err := BytesWith("ex.yaml", []byte(src), Options{DropExamples: true})
	if err != nil {
		t.Fatal(err)
	}
	thing := res.Doc.Components.Schemas["Thing"].Value
	if thing.Example != nil || thing.Properties["example"] == nil || thing.Properties["examples"] == nil {
		t.Fatalf("Thing: example %v, properties %v", thing.Example, thing.Properties)
	}
	if thing.Properties["example"].Value.Example != nil || thing.Properties["examples"].Value.Type.Is("array") == false {
		t.Errorf("property schemas: %+v", thing.Properties)
	}
	op := res.Doc.Paths.Find("/a").Get
	if p := op.Parameters[0].Value; p.Name != "example" || p.Example != nil || p.Schema.Value.Example != nil {
		t.Errorf("parameter %+v", p)
	}
	if mt := op.Responses.Status(200).Value.Content.Get("application/json"); mt.Examples != nil {
		t.Errorf("media type examples kept: %v", mt.Examples)
	}
	if res.Doc.Components.Examples != nil {
		t.Errorf("components/examples kept")
	}
	// Without the option, everything stays.
	full, err := Bytes("ex.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if full.Doc.Components.Schemas["Thing"].Value.Example == nil || full.Doc.Components.Examples["One"] == nil {
		t.Errorf("Bytes dropped examples")
	}
}

// decodeDoc, which decodes path items and schemas concurrently, gives the
// document kin-openapi's own LoadFromData gives, on every corpus spec.
func TestDecodeDocMatchesKinLoader(t *testing.T) {
	// The generator's own test spec always; the real ones with make corpus
	// (APIGEN_CORPUS_ALL=1): loading them twice under -race takes minutes.
	files := []string{filepath.Join("..", "testdata", "shop.yaml")}
	if os.Getenv("APIGEN_CORPUS_ALL") == "1" {
		files = append(files, corpusFiles(t)...) // fails without the corpus
	}
	for _, f := range files {
		ours, err := File(f)
		if err != nil {
			t.Fatal(err)
		}
		kinDecodes = true
		kin, err := File(f)
		kinDecodes = false
		if err != nil {
			t.Fatal(err)
		}
		a, _ := json.Marshal(ours.Doc)
		b, _ := json.Marshal(kin.Doc)
		if !bytes.Equal(a, b) {
			t.Errorf("%s: the documents differ (%d and %d bytes encoded)", filepath.Base(f), len(a), len(b))
		}
	}
}

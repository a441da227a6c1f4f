package load

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fuzzSeeds are tiny descriptions covering each dialect and repair.
var fuzzSeeds = []string{
	"openapi: 3.0.3\ninfo: {title: t, version: \"1\"}\npaths:\n  /pets/{id}:\n    get:\n      operationId: getPet\n      parameters:\n        - {name: id, in: path, required: true, schema: {type: string}}\n      responses:\n        \"200\": {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Pet'}}}}\ncomponents:\n  schemas:\n    Pet: {type: object, required: [id], properties: {id: {type: integer, format: int64}, tag: {type: string, nullable: true}}}\n",
	`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a":{"post":{"operationId":"a","requestBody":{"content":{"application/json":{"schema":{"type":"array","items":{"$ref":"#/components/schemas/X"}}}}},"responses":{"default":{"description":"e"}}}}},"components":{"schemas":{"X":{"type":"object","properties":{"n":{"required":true,"type":"int"}}}}}}`,
	"openapi: 3.1.0\ninfo: {title: t, version: \"1\"}\npaths: {}\nwebhooks: {}\ncomponents:\n  schemas:\n    A: {type: [string, \"null\"], const: x, examples: [x]}\n    B: {anyOf: [{$ref: '#/components/schemas/A'}, {type: \"null\"}], exclusiveMinimum: 1}\n    C: {type: object, $defs: {D: {type: integer}}, properties: {d: {$ref: '#/components/schemas/C/$defs/D'}}}\n",
	"swagger: \"2.0\"\ninfo: {title: t, version: \"1\"}\npaths:\n  /up:\n    post:\n      operationId: up\n      consumes: [multipart/form-data]\n      parameters:\n        - {name: f, in: formData, type: file}\n      responses:\n        \"200\": {description: ok, schema: {$ref: '#/definitions/R'}}\ndefinitions:\n  R: {type: object}\n",
	"openapi: 3.0.0\ninfo: {title: t, version: 1}\npaths:\n  /x:\n    get:\n      responses:\n        \"200\":\n          $ref: '#/components/requestBodies/B'\ncomponents:\n  requestBodies:\n    B: {description: d, content: {text/plain: {schema: string}}}\n",
	"a: &a [*a]\n",
	"openapi: 3.0.3\npaths: {/a: {get: {operationId: x}}, /b: {get: {operationId: x}}}\n",
	"{\"openapi\": \"3.0.3\", \"paths\": {\"/\\u00e9\": {}}}",
	"[",
	"",
}

// FuzzLoad checks that no input makes Bytes panic or fail without saying
// why: errors are *Error with at least one diagnostic, and no diagnostic
// reports an internal error (a panic of this package, recovered by Bytes).
func FuzzLoad(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	dir := os.Getenv("APIGEN_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "corpus")
	}
	for _, name := range []string{"petstore.yaml", "petstore-expanded.yaml", "petstore-swagger-v3.yaml"} {
		if data, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
			f.Add(data)
		}
	}
	// APIGEN_FUZZ_STRICT=1 also fails when kin-openapi rejects a document
	// that the normalisation let through: such inputs show its gaps.
	strict := os.Getenv("APIGEN_FUZZ_STRICT") != ""
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Bytes("fuzz.yaml", data)
		if err != nil {
			var le *Error
			if !errors.As(err, &le) {
				t.Fatalf("error is %T, not *Error: %v", err, err)
			}
			if len(le.Diagnostics) == 0 {
				t.Fatal("*Error without diagnostics")
			}
			for _, d := range le.Diagnostics {
				if strings.HasPrefix(d.Message, "internal error") {
					t.Fatalf("panic: %v", d)
				}
				if strict && strings.HasPrefix(d.Message, "kin-openapi") {
					t.Fatalf("normalisation gap: %v", d)
				}
				if d.File != "fuzz.yaml" {
					t.Fatalf("diagnostic names file %q: %v", d.File, d)
				}
			}
			return
		}
		if res.Doc == nil {
			t.Fatal("nil Doc without an error")
		}
		for _, w := range res.Warnings {
			if strings.HasPrefix(w.Message, "internal error") || w.File != "fuzz.yaml" {
				t.Fatalf("bad warning: %v", w)
			}
		}
	})
}

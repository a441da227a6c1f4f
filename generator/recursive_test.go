package generator

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// recursiveSeeds are byte strings recursiveSpec turns into specs whose
// schemas refer to each other and to themselves in every way the
// generator once looped or overflowed on: allOf/oneOf/anyOf of itself,
// mutual oneOf, arrays and maps of themselves, a $ref to a $ref.
var recursiveSeeds = [][]byte{
	{1, 0, 0},                // S0: allOf [S0]
	{2, 1, 1, 1, 2, 0},       // S0: oneOf [S1, S1]; S1: anyOf [S0]
	{1, 3, 0},                // S0: array of S0
	{2, 4, 1, 4, 0},          // S0: map of S1; S1: map of S0
	{3, 5, 1, 2, 3, 2, 0, 5}, // structs holding each other by value and in arrays
	{2, 8, 1, 8, 0},          // S0: $ref S1; S1: $ref S0
	{3, 6, 2, 0, 7, 0, 10, 1, 2},
	{4, 3, 1, 4, 2, 3, 3, 4, 0, 9},
	{2, 7, 1, 11, 0, 1},
	{5, 0, 1, 1, 2, 3, 2, 3, 4, 4, 0, 5, 1, 2, 6, 3, 4},
}

// recursiveSpec builds an OpenAPI document from data: up to five
// component schemas, each of a shape chosen by the next byte and
// referring to schemas chosen by the bytes after it, all reachable from
// one operation's response.
func recursiveSpec(data []byte) []byte {
	pos := 0
	next := func() int {
		if pos >= len(data) {
			return 0
		}
		pos++
		return int(data[pos-1])
	}
	n := 1 + next()%5
	ref := func() map[string]any {
		return map[string]any{"$ref": fmt.Sprintf("#/components/schemas/S%d", next()%n)}
	}
	obj := func(props map[string]any) map[string]any {
		return map[string]any{"type": "object", "properties": props}
	}
	schemas := map[string]any{}
	props := map[string]any{}
	for i := range n {
		var s map[string]any
		switch next() % 12 {
		case 0:
			s = map[string]any{"allOf": []any{ref()}}
		case 1:
			s = map[string]any{"oneOf": []any{ref(), ref()}}
		case 2:
			s = map[string]any{"anyOf": []any{ref()}}
		case 3:
			s = map[string]any{"type": "array", "items": ref()}
		case 4:
			s = map[string]any{"type": "object", "additionalProperties": ref()}
		case 5:
			s = obj(map[string]any{"a": ref(), "b": map[string]any{"type": "array", "items": ref()}})
			s["required"] = []any{"a"}
		case 6:
			s = map[string]any{"allOf": []any{ref(), obj(map[string]any{"x": ref()})}}
		case 7:
			s = map[string]any{"oneOf": []any{ref()}, "nullable": true}
		case 8:
			s = ref()
		case 9:
			s = map[string]any{"type": "string", "enum": []any{"a", "b"}}
		case 10:
			s = obj(map[string]any{"kind": map[string]any{"type": "string"}, "next": ref()})
			s["additionalProperties"] = ref()
		case 11:
			s = map[string]any{"oneOf": []any{ref(), map[string]any{"type": "array", "items": ref()}}}
		}
		schemas[fmt.Sprintf("S%d", i)] = s
		props[fmt.Sprintf("s%d", i)] = map[string]any{"$ref": fmt.Sprintf("#/components/schemas/S%d", i)}
	}
	doc := map[string]any{
		"openapi": "3.0.3",
		"info":    map[string]any{"title": "recursive", "version": "1"},
		"paths": map[string]any{"/r": map[string]any{
			"post": map[string]any{
				"operationId": "roundTrip",
				"requestBody": map[string]any{"content": map[string]any{"application/json": map[string]any{"schema": obj(props)}}},
				"responses": map[string]any{"200": map[string]any{
					"description": "ok",
					"content":     map[string]any{"application/json": map[string]any{"schema": obj(props)}},
				}},
			},
		}},
		"components": map[string]any{"schemas": schemas},
	}
	b, _ := json.MarshalIndent(doc, "", "  ")
	return b
}

// FuzzRecursiveSchemas generates (only) clients for random recursive
// schemas: it must return, with a client or an error, never hang or
// crash. make fuzz runs it; TestRobustClients builds the seeds.
func FuzzRecursiveSchemas(f *testing.F) {
	for _, s := range recursiveSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		spec := filepath.Join(t.TempDir(), "spec.json")
		if err := os.WriteFile(spec, recursiveSpec(data), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Generate(Config{Spec: spec, Out: "client", Package: "client"}); err != nil {
			t.Logf("rejected: %v", err) // allowed; a hang or a crash is not
		}
	})
}

// robustSpecs are the small specs of shapes that once hung, crashed or
// did not build, beside the fuzz seeds (paths relative to this package).
var robustSpecs = []string{
	"testdata/robust/cycles.yaml",
	"testdata/robust/compile.yaml",
	"load/testdata/external/main.yaml", // split across files
}

// TestRobustClients generates a client for every seed of
// FuzzRecursiveSchemas and every robustSpecs entry, and builds and vets
// them all in one module.
func TestRobustClients(t *testing.T) {
	dir := t.TempDir()
	root := repoRoot(t)
	gomod := "module example.com/recursive\n\ngo 1.25\n\nrequire github.com/apigen-go/apigen v0.0.0\n\nreplace github.com/apigen-go/apigen => " + root + "\n"
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644)
	sum, _ := os.ReadFile(filepath.Join(root, "go.sum"))
	os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644)
	for i, seed := range recursiveSeeds {
		spec := filepath.Join(dir, fmt.Sprintf("seed%d.json", i))
		os.WriteFile(spec, recursiveSpec(seed), 0o644)
		pkg := fmt.Sprintf("seed%d", i)
		res, err := Generate(Config{Spec: spec, Out: pkg, Package: pkg})
		if err != nil {
			t.Errorf("seed %d %v: %v", i, seed, err)
			continue
		}
		if err := Write(filepath.Join(dir, pkg), res.Files); err != nil {
			t.Fatal(err)
		}
	}
	for i, spec := range robustSpecs {
		pkg := fmt.Sprintf("robust%d", i)
		res, err := Generate(Config{Spec: spec, Out: pkg, Package: pkg})
		if err != nil {
			t.Errorf("%s: %v", spec, err)
			continue
		}
		if err := Write(filepath.Join(dir, pkg), res.Files); err != nil {
			t.Fatal(err)
		}
	}
	buildAndVet(t, dir)
}

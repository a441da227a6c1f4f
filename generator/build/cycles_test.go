package build

import (
	"os"
	"strings"
	"testing"

	"github.com/apigen-go/apigen/generator/load"
	"github.com/apigen-go/apigen/generator/model"
)

// Schemas that are only themselves become any value with a warning;
// recursive containers keep their shape; an inline $ref loop ends in any
// value. Before, Build (or the first Resolve after it) never returned.
func TestSelfReferences(t *testing.T) {
	src, err := os.ReadFile("../testdata/robust/cycles.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := load.Bytes("cycles.yaml", src)
	if err != nil {
		t.Fatal(err)
	}
	api, warnings, err := Build(res.Doc)
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]*model.Type{}
	for _, ty := range api.Types {
		types[ty.Name] = ty
	}
	for name, kind := range map[string]model.Kind{"Test": model.Any, "A": model.Any, "B": model.Any, "Arr": model.Array, "M": model.Map, "M2": model.Array} {
		if ty := types[name]; ty == nil || ty.Kind != kind {
			t.Errorf("%s = %+v, want kind %d", name, ty, kind)
		}
	}
	var text []string
	for _, w := range warnings {
		text = append(text, w.Pointer+": "+w.Message)
	}
	all := strings.Join(text, "\n")
	for _, want := range []string{
		"/components/schemas/Test: Test refers only to itself (Test → Test)",
		"/components/schemas/A: A refers only to itself (A → B → A)",
		"/components/schemas/B: B refers only to itself (A → B → A)",
		"/components/schemas/Inner/properties/p/items: $ref \"#/components/schemas/Inner/properties/p\" leads back into itself",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("no warning %q in\n%s", want, all)
		}
	}
	for _, name := range []string{"Arr", "M", "M2"} {
		if strings.Contains(all, "/"+name+":") {
			t.Errorf("a recursive container is not a problem, but %s has a warning:\n%s", name, all)
		}
	}
}

// OpenAPI 3.2's methods by name (additionalOperations) get methods too,
// rather than being counted in the spec and missing from the client.
func TestAdditionalOperations(t *testing.T) {
	api := buildSpec(t, `
openapi: 3.2.0
info: {title: t, version: "1"}
paths:
  /echo:
    get:
      operationId: get
      responses: {"204": {description: ok}}
    additionalOperations:
      LINK:
        operationId: echo
        responses: {"204": {description: ok}}
`)
	var got []string
	for _, op := range api.Operations {
		got = append(got, op.Method+" "+op.Name)
	}
	if strings.Join(got, ",") != "LINK Echo,GET Get" {
		t.Errorf("operations %v, want [LINK Echo, GET Get]", got)
	}
}

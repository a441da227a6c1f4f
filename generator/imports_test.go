package generator

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportMapping generates testdata/imports/common.yaml as its own
// package and main.yaml with common.yaml mapped to it: main declares none
// of common's schemas, uses them as common.X under the names common's own
// generation gives them, and a module using both builds and vets.
func TestImportMapping(t *testing.T) {
	common, err := Generate(Config{Spec: "testdata/imports/common.yaml", Out: "common", Package: "common", Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	shop, err := Generate(Config{
		Spec: "testdata/imports/main.yaml", Out: "shop", Package: "shop", Strict: true,
		ImportMapping: map[string]string{"common.yaml": "example.com/corpus/common"},
	})
	if err != nil {
		t.Fatal(err) // strict: a mapped schema's local rename is no warning
	}
	for _, tt := range shop.API.Types {
		if tt.Import != "" {
			t.Errorf("%s is declared, though common.yaml is mapped", tt.Name)
		}
	}
	var schemas string
	for _, f := range shop.Files {
		if f.Name == "schemas_gen.go" {
			schemas = string(f.Src)
		}
	}
	for _, want := range []string{"common.Pet ", "opt.Opt[common.PetStatus]", "[]common.Tag", "type Favourite = common.Pet", "Tag *Tag",
		"type OrderMine struct {\n\tStatus opt.Opt[PetStatus] ", "type OrderTheirs struct {\n\tStatus opt.Opt[common.PetStatus] "} {
		if !strings.Contains(schemas, want) {
			t.Errorf("schemas_gen.go lacks %q:\n%s", want, schemas)
		}
	}
	// Nor do they take names from the spec's own: its pet_status is PetStatus.
	for _, unwanted := range []string{"type Pet ", "Owner", "type CommonTag", "Pet_status"} {
		if strings.Contains(schemas, unwanted) {
			t.Errorf("schemas_gen.go declares %q again:\n%s", unwanted, schemas)
		}
	}

	dir := prepareModule(t, common.Files, "common")
	if err := Write(filepath.Join(dir, "shop"), shop.Files); err != nil {
		t.Fatal(err)
	}
	use := `package app

import (
	"context"

	"example.com/corpus/common"
	"example.com/corpus/shop"
)

// Use passes a pet of package common through package shop's client.
func Use(ctx context.Context, c *shop.Client, p common.Pet) (common.Pets, error) {
	o := shop.Order{Pet: p, Extra: &p, Tags: p.Tags}
	if _, err := c.CreateOrder(ctx, &o); err != nil {
		return nil, err
	}
	return c.ListPets(ctx, &shop.ListPetsParams{})
}
`
	os.MkdirAll(filepath.Join(dir, "app"), 0o755)
	os.WriteFile(filepath.Join(dir, "app", "app.go"), []byte(use), 0o644)
	buildAndVet(t, dir)
}

// TestImportMappingErrors: every mapping the user configured either takes
// effect or stops generation with an error that names it.
func TestImportMappingErrors(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "fragment.yaml"), []byte("Thing: {type: object, properties: {a: {type: string}}}\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "spec.yaml"), []byte(`openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /thing:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "fragment.yaml#/Thing"}
`), 0o644)
	main := "testdata/imports/main.yaml"
	for _, c := range []struct {
		name, spec string
		mapping    map[string]string
		want       string
	}{
		{"unreferenced file", main, map[string]string{"common.yaml": "example.com/common", "other.yaml": "example.com/other"}, `import mapping "other.yaml": testdata/imports/main.yaml never refers to other.yaml`},
		{"spec without external refs", "testdata/shop.yaml", map[string]string{"common.yaml": "example.com/common"}, `import mapping "common.yaml": testdata/shop.yaml never refers to common.yaml`},
		{"bad package path", main, map[string]string{"common.yaml": "example.com//common"}, `import mapping "common.yaml": malformed import path "example.com//common"`},
		{"relative package path", main, map[string]string{"common.yaml": "./common"}, `import mapping "common.yaml": malformed import path "./common"`},
		{"bad package name", main, map[string]string{"common.yaml": "9x example.com/common"}, `import mapping "common.yaml": package name "9x" is not a Go identifier`},
		{"remote document", main, map[string]string{"https://example.com/common.yaml": "example.com/common"}, `import mapping "https://example.com/common.yaml": only files can be mapped`},
		{"three words", main, map[string]string{"common.yaml": "a b c"}, `import mapping "common.yaml": want a Go package path`},
		{"file that cannot be generated alone", filepath.Join(dir, "spec.yaml"), map[string]string{"fragment.yaml": "example.com/fragment"}, `import mapping "fragment.yaml": fragment.yaml must generate on its own, as package example.com/fragment`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Generate(Config{Spec: c.spec, Out: "x", Package: "x", ImportMapping: c.mapping})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want %q", err, c.want)
			}
		})
	}
}

// TestImportMappingName: "name path" imports the package under name.
func TestImportMappingName(t *testing.T) {
	res, err := Generate(Config{Spec: "testdata/imports/main.yaml", Out: "shop", Package: "shop",
		ImportMapping: map[string]string{"common.yaml": "pets example.com/corpus/common"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Files {
		src := string(f.Src)
		if (f.Name == "schemas_gen.go" && !strings.Contains(src, `pets "example.com/corpus/common"`)) || strings.Contains(src, "common.Pet") {
			t.Errorf("%s does not use the name pets:\n%s", f.Name, f.Src)
		}
	}
}

// A mapped Swagger 2.0 file: its definitions are named as its own client
// names them.
func TestImportMappingSwagger2(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "common.yaml"), []byte(`swagger: "2.0"
info: {title: common, version: "1"}
paths: {}
definitions:
  error-body:
    type: object
    properties:
      message: {type: string}
`), 0o644)
	os.WriteFile(filepath.Join(dir, "spec.yaml"), []byte(`openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /x:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "common.yaml#/definitions/error-body"}
`), 0o644)
	res, err := Generate(Config{Spec: filepath.Join(dir, "spec.yaml"), Out: "x", Package: "x",
		ImportMapping: map[string]string{"common.yaml": "example.com/common"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Files {
		if f.Name == "operations_gen.go" && !strings.Contains(string(f.Src), "*common.ErrorBody") {
			t.Errorf("the operation does not return common.ErrorBody:\n%s", f.Src)
		}
	}
}

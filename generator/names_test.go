package generator

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// namesSpec has the clashes names are derived for: a schema named like a
// type every client declares (Client), two schema keys with one Go name
// (Pet, pet_), an inline enum repeating a component enum, and two
// parameters of one name in different places.
const namesSpec = `openapi: "3.0.3"
info: {title: Names, version: "1"}
paths:
  /pets/{id}:
    get:
      operationId: getPet
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
        - {name: trace, in: query, schema: {type: string}}
        - {name: trace, in: header, schema: {type: string}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Pet'}
components:
  schemas:
    Client:
      type: object
      properties:
        name: {type: string}
    Pet:
      type: object
      properties:
        kind: {type: string, enum: [cat, dog]}
        pet_id: {type: string}
        petId: {type: string}
    pet_:
      type: object
      properties:
        size: {type: integer}
    Kind: {type: string, enum: [cat, dog]}
`

// The same spec with a schema and an operation added, each sorting before
// the existing ones that clash: with names numbered in order (Pet2, Pet3)
// the existing pet_ would have been renamed.
var namesSpecPlus = strings.Replace(strings.Replace(namesSpec, `    pet_:
`, `    pet:
      type: object
      properties:
        weight: {type: number}
    pet_:
`, 1), "paths:\n", `paths:
  /a-first:
    get:
      operationId: aFirst
      parameters:
        - {name: trace, in: cookie, schema: {type: string}}
      responses:
        '204': {description: ok}
`, 1)

// exportedNames lists every exported identifier a client declares:
// package-level names, methods as Type.Method and fields as Type.Field,
// each with the source text of its type or signature.
func exportedNames(t *testing.T, spec string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "names.yaml")
	if err := os.WriteFile(path, []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Generate(Config{Spec: path, Out: filepath.Join(dir, "names")})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	fset := token.NewFileSet()
	for _, f := range res.Files {
		file, err := parser.ParseFile(fset, f.Name, f.Src, 0)
		if err != nil {
			t.Fatal(err)
		}
		text := func(n ast.Node) string {
			return string(f.Src[fset.Position(n.Pos()).Offset:fset.Position(n.End()).Offset])
		}
		for _, d := range file.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				name := d.Name.Name
				if d.Recv != nil {
					recv := text(d.Recv.List[0].Type)
					name = strings.TrimPrefix(recv, "*") + "." + name
				}
				if ast.IsExported(d.Name.Name) {
					names[name] = text(d.Type)
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						if !s.Name.IsExported() {
							continue
						}
						names[s.Name.Name] = "type"
						if st, ok := s.Type.(*ast.StructType); ok {
							for _, fl := range st.Fields.List {
								for _, n := range fl.Names {
									names[s.Name.Name+"."+n.Name] = text(fl.Type)
								}
							}
						}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if n.IsExported() {
								names[n.Name] = "value"
							}
						}
					}
				}
			}
		}
	}
	return names
}

func TestAddingToASpecRenamesNothing(t *testing.T) {
	before := exportedNames(t, namesSpec)
	after := exportedNames(t, namesSpecPlus)
	for name, sig := range before {
		if got, ok := after[name]; !ok {
			t.Errorf("%s disappeared", name)
		} else if got != sig {
			t.Errorf("%s changed from %s to %s", name, sig, got)
		}
	}
	if len(after) <= len(before) {
		t.Errorf("the additions declared nothing new (%d names before, %d after)", len(before), len(after))
	}
	// The clashes were resolved from each name's own source.
	for _, want := range []string{"ClientSchema", "Pet", "Pet_", "Pet.PetID", "Pet.Pet_id", "Kind", "GetPetParams.Trace", "GetPetParams.TraceHeader"} {
		if _, ok := before[want]; !ok {
			t.Errorf("no %s among %v", want, keys(before))
		}
	}
	// The inline enum of Pet.kind is the component Kind, declared once.
	if got := before["Pet.Kind"]; !strings.Contains(got, "Kind") || before["PetKind"] != "" {
		t.Errorf("Pet.Kind is %q (PetKind declared: %v), want the component Kind", got, before["PetKind"] != "")
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// Every automatic rename is a warning naming both sources.
func TestRenamesAreWarnings(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "names.yaml")
	if err := os.WriteFile(path, []byte(namesSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Generate(Config{Spec: path, Out: filepath.Join(dir, "names")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range res.Warnings {
		got = append(got, w.String())
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{
		path + ":19: /components/schemas/Client: its Go name Client is taken (a name every generated client declares), so it is named ClientSchema",
		path + ":27: /components/schemas/Pet/properties/pet_id: its Go name PetID is taken (the Go name of /components/schemas/Pet/properties/petId), so it is named Pet_id",
		"/components/schemas/pet_: its Go name Pet is taken (the Go name of /components/schemas/Pet), so it is named Pet_",
		"/paths/~1pets~1{id}/get/parameters/2: its Go name Trace is taken (the Go name of /paths/~1pets~1{id}/get/parameters/1), so it is named TraceHeader",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("no warning %q among:\n%s", want, all)
		}
	}
	if _, err := Generate(Config{Spec: path, Out: filepath.Join(dir, "names"), Strict: true}); err == nil {
		t.Error("-strict accepted a spec whose names were changed")
	}
}

// x-go-name chooses names of schemas, properties, parameters and
// operations; x-enum-varnames those of enum constants. A chosen name that
// clashes is an error, never renamed.
func TestChosenNames(t *testing.T) {
	spec := `openapi: "3.0.3"
info: {title: Names, version: "1"}
paths:
  /pets:
    get:
      operationId: listPets
      x-go-name: Pets
      parameters:
        - {name: q, in: query, schema: {type: string}, x-go-name: Query}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/pet_record'}
components:
  schemas:
    pet_record:
      x-go-name: Animal
      type: object
      properties:
        n: {type: string, x-go-name: Nickname}
        p: {$ref: '#/components/schemas/pet_record', x-go-name: Parent}
        mood:
          type: string
          enum: ["+", "-", "?"]
          x-enum-varnames: [Happy, Sad, Unsure]
`
	dir := t.TempDir()
	path := filepath.Join(dir, "names.yaml")
	if err := os.WriteFile(path, []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Generate(Config{Spec: path, Out: filepath.Join(dir, "names"), Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	var src strings.Builder
	for _, f := range res.Files {
		src.Write(f.Src)
	}
	for _, want := range []string{
		"type Animal struct", "Nickname ", "Parent ", "func (c *Client) Pets(", "type PetsParams struct", "\tQuery ",
		`AnimalMoodHappy  AnimalMood = "+"`, `AnimalMoodSad    AnimalMood = "-"`, `AnimalMoodUnsure AnimalMood = "?"`,
	} {
		if !strings.Contains(src.String(), want) {
			t.Errorf("generated code lacks %q", want)
		}
	}

	clash := strings.Replace(spec, "x-go-name: Nickname", "x-go-name: Mood", 1)
	if err := os.WriteFile(path, []byte(clash), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Generate(Config{Spec: path, Out: filepath.Join(dir, "names")})
	if err == nil || !strings.Contains(err.Error(), "x-go-name Mood is already the Go name of") {
		t.Errorf("a clashing x-go-name: err = %v", err)
	}
}

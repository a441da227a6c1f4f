package load

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A description split across files (YAML and JSON, nested folders, a
// path item, a parameter, a response and schemas in other files that
// refer to each other and back) loads as one document: components keep
// their own names, a clash is renamed from the file's base name with a
// warning, and each file is read once.
func TestExternalRefs(t *testing.T) {
	main := filepath.Join("testdata", "external", "main.yaml")
	res, err := FileWith(main, Options{})
	if err != nil {
		t.Fatal(err)
	}
	doc := res.Doc
	for _, name := range []string{"Error", "schemas_Error", "Owner", "Pet"} {
		if doc.Components.Schemas[name] == nil {
			t.Errorf("no components/schemas/%s; have %v", name, keys(doc.Components.Schemas))
		}
	}
	if got := doc.Components.Schemas["Error"].Value.Description; !strings.Contains(got, "own Error") {
		t.Errorf("the document's Error was replaced: %q", got)
	}
	if doc.Components.Parameters["ID"] == nil || doc.Components.Responses["Failure"] == nil {
		t.Errorf("parameters %v, responses %v", keys(doc.Components.Parameters), keys(doc.Components.Responses))
	}
	list := doc.Paths.Find("/pets")
	if list == nil || list.Get == nil || list.Get.OperationID != "listPets" {
		t.Fatalf("the path item of paths/pets.yaml is missing: %+v", list)
	}
	items := list.Get.Responses.Value("200").Value.Content["application/json"].Schema.Value.Items
	if items.Ref != "#/components/schemas/Pet" {
		t.Errorf("items $ref %q, want #/components/schemas/Pet", items.Ref)
	}
	owner := doc.Components.Schemas["Pet"].Value.Properties["owner"]
	if owner.Ref != "#/components/schemas/Owner" || owner.Value.Properties["pets"].Value.Items.Ref != "#/components/schemas/Pet" {
		t.Errorf("Pet.owner %q", owner.Ref)
	}
	failure := doc.Components.Responses["Failure"].Value.Content["application/json"].Schema
	if failure.Ref != "#/components/schemas/schemas_Error" {
		t.Errorf("Failure's schema $ref %q", failure.Ref)
	}
	if res.reads != 5 {
		t.Errorf("%d files read, want 5 (each once)", res.reads)
	}
	// Diagnostics about a copied part name its own file and line.
	schemas := filepath.Join("testdata", "external", "common", "schemas.yaml")
	var clash, repaired, inPlace bool
	pets := filepath.Join("testdata", "external", "paths", "pets.yaml")
	for _, w := range res.Warnings {
		switch {
		case strings.Contains(w.Message, `schema "Error" of `) && strings.Contains(w.Message, `it is named "schemas_Error"`):
			clash = w.File == schemas && w.Line == 3
		case w.Pointer == "/components/schemas/Owner/properties/name/nullable":
			repaired = w.File == schemas && w.Line == 13
		case w.Pointer == "/pets/get/deprecated":
			inPlace = w.File == pets && w.Line == 4
		}
	}
	if !clash || !repaired || !inPlace {
		t.Errorf("want the rename at %s:3, the nullable repair at %s:13 and the deprecated repair at %s:4 /pets/get/deprecated; warnings:\n%v", schemas, schemas, pets, res.Warnings)
	}
}

// An external document that cannot be read, or a pointer into nothing,
// is an error naming the file and line of the reference.
func TestExternalRefErrors(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "other.yaml", "components:\n  schemas:\n    A: {type: string}\n")
	write(t, dir, "main.yaml", spec(`
		openapi: 3.0.3
		info: {title: t, version: "1"}
		paths: {}
		components:
		  schemas:
		    Missing: {$ref: "nothere.yaml#/components/schemas/A"}
		    Dangling: {$ref: "other.yaml#/components/schemas/B"}
	`))
	_, err := File(filepath.Join(dir, "main.yaml"))
	le, ok := err.(*Error)
	if !ok || len(le.Diagnostics) != 2 {
		t.Fatalf("err = %v, want two diagnostics", err)
	}
	text := le.Error()
	for _, want := range []string{"main.yaml:6: /components/schemas/Missing/$ref: $ref \"nothere.yaml#/components/schemas/A\": cannot read", "main.yaml:7: /components/schemas/Dangling/$ref: dangling $ref"} {
		if !strings.Contains(text, want) {
			t.Errorf("errors\n%s\nwant %q", text, want)
		}
	}
}

// Remote documents are fetched only when the user allows it.
func TestRemoteRefs(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/common.yaml" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte("components:\n  schemas:\n    Remote: {type: object, properties: {id: {type: string}}}\n"))
	}))
	defer srv.Close()
	dir := t.TempDir()
	write(t, dir, "main.yaml", spec(`
		openapi: 3.0.3
		info: {title: t, version: "1"}
		paths: {}
		components:
		  schemas:
		    Local: {$ref: "`+srv.URL+`/common.yaml#/components/schemas/Remote"}
	`))
	_, err := File(filepath.Join(dir, "main.yaml"))
	if err == nil || !strings.Contains(err.Error(), "-allow-remote") {
		t.Fatalf("without AllowRemote: err = %v, want one naming -allow-remote", err)
	}
	res, err := FileWith(filepath.Join(dir, "main.yaml"), Options{AllowRemote: true})
	if err != nil {
		t.Fatal(err)
	}
	if s := res.Doc.Components.Schemas["Remote"]; s == nil || s.Value.Properties["id"] == nil {
		t.Errorf("Remote not imported: %v", keys(res.Doc.Components.Schemas))
	}
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// Options.Imports: the schemas copied from a mapped file are listed with
// their pointer there, and no clash of theirs is a warning (their name
// here does not matter); Files lists every other file read.
func TestExternalRefsImported(t *testing.T) {
	main := filepath.Join("testdata", "external", "main.yaml")
	schemas, err := filepath.Abs(filepath.Join("testdata", "external", "common", "schemas.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := FileWith(main, Options{Imports: []string{schemas}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 5 || !slices.Contains(res.Files, schemas) {
		t.Errorf("Files = %v, want the 5 other files, %s among them", res.Files, schemas)
	}
	var got []string
	for _, imp := range res.Imported {
		if imp.File != schemas {
			t.Errorf("%+v is not from the mapped file", imp)
		}
		got = append(got, imp.Schema+"="+imp.Pointer)
	}
	if want := []string{"Owner=/components/schemas/Owner", "schemas_Error=/components/schemas/Error"}; !slices.Equal(got, want) {
		t.Errorf("Imported = %v, want %v", got, want)
	}
	for _, w := range res.Warnings {
		if strings.Contains(w.Message, `it is named "schemas_Error"`) {
			t.Errorf("a mapped schema's clash is a warning: %v", w)
		}
	}
}

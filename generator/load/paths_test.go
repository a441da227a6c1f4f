package load

import (
	"testing"
)

// RFC 6570 operators and modifiers in a template are read as the plain
// variable, with a warning at the path's line.
func TestTemplateMarkers(t *testing.T) {
	src := spec(`
		openapi: 3.0.3
		info: {title: t, version: "1"}
		paths:
		  /explode/{param*}/{.label}/{;matrix*}:
		    get:
		      operationId: explode
		      parameters:
		        - {name: param, in: path, required: true, style: simple, explode: true, schema: {type: array, items: {type: string}}}
		        - {name: label, in: path, required: true, style: label, schema: {type: string}}
		        - {name: matrix, in: path, required: true, style: matrix, explode: true, schema: {type: string}}
		      responses:
		        "200": {description: ok}
	`)
	res := mustLoad(t, "markers.yaml", src)
	const clean = "/explode/{param}/{label}/{matrix}"
	if res.Doc.Paths.Find(clean) == nil {
		t.Fatalf("no path %s; paths: %v", clean, res.Doc.Paths.InMatchingOrder())
	}
	wantWarning(t, res, "/paths/~1explode~1{param*}~1{.label}~1{;matrix*}", `read as "/explode/{param}/{label}/{matrix}"`, lineOf(t, src, "/explode/"))
	if n := len(res.Doc.Paths.Find(clean).Get.Parameters); n != 3 {
		t.Errorf("%d parameters, want 3", n)
	}
}

// A path parameter its template lacks is dropped with a warning; one the
// template has but no parameter declares is added as a string.
func TestPathParamsRepaired(t *testing.T) {
	src := spec(`
		openapi: 3.0.3
		info: {title: t, version: "1"}
		paths:
		  /dashboards/{id}:
		    parameters:
		      - {name: gone, in: path, required: true, schema: {type: integer}}
		    get:
		      operationId: getDashboard
		      parameters:
		        - {name: pk, in: path, required: true, schema: {type: integer}}
		        - {name: q, in: query, schema: {type: string}}
		      responses:
		        "200": {description: ok}
	`)
	res := mustLoad(t, "superset.yaml", src)
	wantWarning(t, res, "/paths/~1dashboards~1{id}/get/parameters/0", `path parameter "pk" is not in the path template "/dashboards/{id}"; the client has nowhere to put it, so it is dropped`, lineOf(t, src, "name: pk"))
	wantWarning(t, res, "/paths/~1dashboards~1{id}/parameters/0", `path parameter "gone" is not in the path template`, lineOf(t, src, "name: gone"))
	wantWarning(t, res, "/paths/~1dashboards~1{id}/get", `a required string path parameter "id" is added`, lineOf(t, src, "    get:"))
	item := res.Doc.Paths.Find("/dashboards/{id}")
	if len(item.Parameters) != 0 {
		t.Errorf("path-level parameters %v, want none", item.Parameters)
	}
	var names []string
	for _, p := range item.Get.Parameters {
		names = append(names, p.Value.In+":"+p.Value.Name)
	}
	if len(names) != 2 || names[0] != "query:q" || names[1] != "path:id" {
		t.Errorf("parameters %v, want [query:q path:id]", names)
	}
}

// A duplicate operationId is renamed from its method and path, with a
// warning naming both operations; the first in path order keeps it.
func TestDuplicateOperationIDRenamed(t *testing.T) {
	src := spec(`
		openapi: 3.0.3
		info: {title: t, version: "1"}
		paths:
		  /test:
		    get:
		      operationId: getTest
		      responses:
		        "200": {description: ok}
		  /test2:
		    get:
		      operationId: getTest
		      responses:
		        "200": {description: ok}
	`)
	res := mustLoad(t, "pathalias.yaml", src)
	wantWarning(t, res, "/paths/~1test2/get/operationId", `duplicate operationId "getTest": GET /test has it too (line 6); GET /test2 is renamed "get/test2"`, lineOf(t, src, "/test2:")+2)
	if id := res.Doc.Paths.Find("/test").Get.OperationID; id != "getTest" {
		t.Errorf("GET /test has %q", id)
	}
	if id := res.Doc.Paths.Find("/test2").Get.OperationID; id != "get/test2" {
		t.Errorf("GET /test2 has %q", id)
	}
}

// Specs written for other generators carry their extensions: ogen's
// x-ogen-name is no misspelling of x-go-name, while x-go-nmae is.
func TestOtherToolsExtensions(t *testing.T) {
	res := mustLoad(t, "ogen.yaml", spec(`
		openapi: 3.0.3
		info: {title: t, version: "1"}
		paths: {}
		components:
		  schemas:
		    User:
		      type: object
		      x-ogen-name: Person
		      x-oapi-codegen-extra-tags: {db: user}
	`))
	if res.Doc.Components.Schemas["User"] == nil {
		t.Fatal("User missing")
	}
	le := mustFail(t, "typo.yaml", spec(`
		openapi: 3.0.3
		info: {title: t, version: "1"}
		paths: {}
		components:
		  schemas:
		    User:
		      type: object
		      x-go-nmae: Person
	`))
	findDiag(t, le.Diagnostics, "/components/schemas/User/x-go-nmae", `did you mean "x-go-name"`)
}

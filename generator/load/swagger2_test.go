package load

import (
	"strings"
	"testing"
)

const swaggerPets = `
swagger: "2.0"
info:
  title: Pets
  version: "1"
host: https://api.example.com/v1
consumes: [application/json]
produces: [application/json]
paths:
  /pets:
    post:
      operationId: createPet
      parameters:
        - name: body
          in: body
          required: true
          schema:
            $ref: '#/definitions/Pet'
      responses:
        "200":
          description: ok
          schema:
            $ref: '#/definitions/Pet'
  /pets/{petId}/photo:
    parameters:
      - name: petId
        in: path
        required: true
        type: integer
    post:
      operationId: uploadPhoto
      parameters:
        - name: file
          in: formData
          type: file
          required: true
        - name: caption
          in: formData
          type: string
      responses:
        "204":
          description: uploaded
  /pets/{petId}/rename:
    post:
      operationId: renamePet
      parameters:
        - name: petId
          in: path
          required: true
          type: integer
        - name: name
          in: formData
          type: string
          required: true
      responses:
        "204":
          description: renamed
definitions:
  Pet:
    type: object
    required: [name]
    properties:
      name:
        type: string
      tag:
        type: string
        x-nullable: true
      age:
        type: integer
        minimum: "0"
`

func TestSwagger2(t *testing.T) {
	src := spec(swaggerPets)
	res := mustLoad(t, "pets2.yaml", src)
	if res.Version != "2.0" || res.Doc.OpenAPI != "3.0.3" {
		t.Errorf("version %q, doc %q", res.Version, res.Doc.OpenAPI)
	}

	// Repairs are reported at the Swagger 2.0 pointers and lines.
	wantWarning(t, res, "/host", `read as host "api.example.com"`, lineOf(t, src, "host:"))
	wantWarning(t, res, "/definitions/Pet/properties/age/minimum", `read as 0`, lineOf(t, src, `minimum: "0"`))
	wantWarning(t, res, "/paths/~1pets~1{petId}~1rename/post", "consumes application/json; it consumes application/x-www-form-urlencoded instead", lineOf(t, src, "operationId: renamePet")-1)

	if len(res.Doc.Servers) != 1 || res.Doc.Servers[0].URL != "https://api.example.com/v1" {
		t.Errorf("servers %+v", res.Doc.Servers)
	}

	// Components and their lines.
	pet := componentSchema(t, res, "Pet")
	if !prop(t, pet, "tag").Value.Nullable {
		t.Error("x-nullable not converted")
	}
	if got, want := res.Line("/components/schemas/Pet"), lineOf(t, src, "  Pet:"); got != want {
		t.Errorf("Line(/components/schemas/Pet) = %d, want %d (definitions/Pet)", got, want)
	}
	if got, want := res.Line("/components/schemas/Pet/properties/tag"), lineOf(t, src, "tag:"); got != want {
		t.Errorf("Line(.../tag) = %d, want %d", got, want)
	}

	// A body parameter becomes a JSON request body.
	create := res.Doc.Paths.Find("/pets").Post
	if rb := create.RequestBody; rb == nil || rb.Value == nil || !rb.Value.Required || rb.Value.Content.Get("application/json") == nil {
		t.Fatalf("createPet body %+v", create.RequestBody)
	}
	if got := res.Line("/paths/~1pets/post/requestBody"); got != lineOf(t, src, "post:") {
		t.Errorf("Line(requestBody) = %d, want the operation's line", got)
	}

	// Form parameters with a file become a multipart body.
	upload := res.Doc.Paths.Find("/pets/{petId}/photo").Post
	mt := upload.RequestBody.Value.Content.Get("multipart/form-data")
	if mt == nil || len(upload.RequestBody.Value.Content) != 1 {
		t.Fatalf("uploadPhoto content %v", upload.RequestBody.Value.Content)
	}
	file := prop(t, mt.Schema.Value, "file").Value
	if !isType(file, "string") || file.Format != "binary" {
		t.Errorf("file property %v %q", file.Type, file.Format)
	}
	if strings.Join(mt.Schema.Value.Required, ",") != "file" {
		t.Errorf("required %v", mt.Schema.Value.Required)
	}
	if len(upload.Parameters) != 0 || len(res.Doc.Paths.Find("/pets/{petId}/photo").Parameters) != 1 {
		t.Errorf("path parameters not kept at the path item")
	}

	// Form parameters without a file become a urlencoded body.
	rename := res.Doc.Paths.Find("/pets/{petId}/rename").Post
	if rename.RequestBody.Value.Content.Get("application/x-www-form-urlencoded") == nil {
		t.Errorf("renamePet content %v", rename.RequestBody.Value.Content)
	}
}

func TestSwagger2Repairs(t *testing.T) {
	src := spec(`
		swagger: "2.0"
		info: {title: t, version: "1"}
		paths:
		  /things:
		    parameters:
		      - name: payload
		        in: body
		        schema: {type: object}
		    put:
		      operationId: putThing
		      parameters:
		        - name: other
		          in: body
		          schema: {type: string}
		        - name: field
		          in: formData
		          type: string
		      responses:
		        "200": {description: ok}
		definitions:
		  Shape:
		    oneOf:
		      - type: string
		    discriminator:
		      propertyName: kind
		securityDefinitions:
		  weird:
		    type: oauth2
		    flow: device
		    tokenUrl: https://example.com/token
	`)
	res := mustLoad(t, "repairs2.yaml", src)
	wantWarning(t, res, "/definitions/Shape/oneOf", "not part of Swagger 2.0", lineOf(t, src, "oneOf:"))
	wantWarning(t, res, "/definitions/Shape/discriminator", `read as "kind"`, lineOf(t, src, "discriminator:"))
	wantWarning(t, res, "/securityDefinitions/weird/flow", "unknown OAuth2 flow", lineOf(t, src, "flow: device"))
	wantWarning(t, res, "/paths/~1things/parameters/0", "body payload of the path item is overridden by the body parameter of PUT", lineOf(t, src, "- name: payload"))
	wantWarning(t, res, "/paths/~1things/put/parameters/1", "a form parameter next to a body parameter", lineOf(t, src, "- name: field"))

	op := res.Doc.Paths.Find("/things").Put
	if op.RequestBody == nil || op.RequestBody.Value.Content.Get("application/json") == nil {
		t.Fatalf("putThing body %+v", op.RequestBody)
	}
	if s := op.RequestBody.Value.Content.Get("application/json").Schema.Value; !isType(s, "string") {
		t.Errorf("the operation's own body should win, got %v", s.Type)
	}
	if d := componentSchema(t, res, "Shape").Discriminator; d == nil || d.PropertyName != "kind" {
		t.Errorf("discriminator %+v", d)
	}
}

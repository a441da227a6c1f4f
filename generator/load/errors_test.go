package load

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestErrors checks every way a description can make generation impossible:
// each error names the file, the JSON pointer and the line.
func TestErrors(t *testing.T) {
	cases := []struct {
		name    string
		file    string
		src     string
		pointer string
		text    string
		marker  string // the error is on the line of marker
		line    int    // or on this line, when marker is empty
		deep    bool   // the pointer is somewhere inside the document
	}{
		{
			name: "malformed YAML",
			file: "bad.yaml",
			src:  "openapi: 3.0.3\ninfo:\n  title: t\n  version: [1\npaths: {}\n",
			text: "malformed YAML: did not find expected ',' or ']'",
			line: 4, // the unclosed bracket
		},
		{
			name: "malformed JSON",
			file: "bad.json",
			src:  "{\n  \"openapi\": \"3.0.3\",\n  \"info\": {\"title\": \"t\" \"version\": \"1\"},\n  \"paths\": {}\n}",
			text: "malformed JSON: unexpected '\"' inside an object",
			line: 3, pointer: "/info",
		},
		{
			name: "unterminated JSON string",
			file: "bad.json",
			src:  "{\n  \"openapi\": \"3.0.3\n}",
			text: "malformed JSON: control character",
			line: 2, pointer: "/openapi",
		},
		{
			name: "empty file",
			file: "empty.yaml",
			src:  "  \n",
			text: "the file is empty",
			line: 1,
		},
		{
			name: "not a mapping",
			file: "list.yaml",
			src:  "- openapi\n- 3.0.3\n",
			text: "not an OpenAPI document: the top level is a list",
			line: 1,
		},
		{
			name: "no version field",
			file: "other.yaml",
			src:  "name: my-app\nversion: 1.0.0\n",
			text: "neither an openapi nor a swagger field",
			line: 1,
		},
		{
			name:    "unsupported OpenAPI version",
			file:    "v4.yaml",
			src:     "openapi: 4.0.0\ninfo: {title: t, version: \"1\"}\npaths: {}\n",
			pointer: "/openapi",
			text:    `unsupported OpenAPI version "4.0.0"`,
			line:    1,
		},
		{
			name:    "unsupported Swagger version",
			file:    "v1.yaml",
			src:     "swagger: \"1.2\"\ninfo: {title: t, version: \"1\"}\n",
			pointer: "/swagger",
			text:    `unsupported Swagger version "1.2"`,
			line:    1,
		},
		{
			name: "unknown schema type",
			file: "typo.yaml",
			src: spec(`
				openapi: 3.0.3
				info: {title: t, version: "1"}
				paths: {}
				components:
				  schemas:
				    Pet:
				      type: object
				      properties:
				        name: {type: strng}
			`),
			pointer: "/components/schemas/Pet/properties/name/type",
			text:    `unknown type "strng"; did you mean "string"?`,
			marker:  "strng",
		},
		{
			name: "unknown Swagger 2.0 parameter type",
			file: "typo.yaml",
			src: spec(`
				swagger: "2.0"
				info: {title: t, version: "1"}
				paths:
				  /a:
				    get:
				      parameters:
				        - {name: q, in: query, type: integr}
				      responses:
				        "200": {description: ok}
			`),
			pointer: "/paths/~1a/get/parameters/0/type",
			text:    `unknown type "integr"; did you mean "integer"?`,
			marker:  "integr",
		},
		{
			name: "unknown parameter location",
			file: "typo.yaml",
			src: spec(`
				openapi: 3.0.3
				info: {title: t, version: "1"}
				paths:
				  /a:
				    get:
				      parameters:
				        - name: q
				          in: querry
				          schema: {type: string}
				      responses:
				        "200": {description: ok}
			`),
			pointer: "/paths/~1a/get/parameters/0/in",
			text:    `parameter "q" has an unknown location in: "querry"; did you mean "query"?`,
			marker:  "querry",
		},
		{
			name: "dangling schema $ref",
			file: "dangling.yaml",
			src: spec(`
				openapi: 3.0.3
				info: {title: t, version: "1"}
				paths: {}
				components:
				  schemas:
				    Pet:
				      type: object
				      properties:
				        owner:
				          $ref: '#/components/schemas/Owner'
			`),
			pointer: "/components/schemas/Pet/properties/owner/$ref",
			text:    `dangling $ref "#/components/schemas/Owner": there is nothing at /components/schemas/Owner`,
			marker:  "$ref",
		},
		{
			name: "dangling parameter $ref",
			file: "dangling.yaml",
			src: spec(`
				openapi: 3.0.3
				info: {title: t, version: "1"}
				paths:
				  /pets:
				    get:
				      operationId: listPets
				      parameters:
				        - $ref: '#/components/parameters/limit'
				      responses:
				        "200": {description: ok}
			`),
			pointer: "/paths/~1pets/get/parameters/0/$ref",
			text:    `dangling $ref "#/components/parameters/limit"`,
			marker:  "$ref",
		},
		{
			name: "external $ref to a missing file",
			file: "external.yaml",
			src: spec(`
				openapi: 3.0.3
				info: {title: t, version: "1"}
				paths: {}
				components:
				  schemas:
				    Pet:
				      $ref: 'other.yaml#/Pet'
			`),
			pointer: "/components/schemas/Pet/$ref",
			text:    `$ref "other.yaml#/Pet": cannot read other.yaml`,
			marker:  "$ref",
		},
		{
			// The duplicate would be renamed "get/pets", which another
			// operation already has.
			name: "duplicate operationId that cannot be renamed",
			file: "dup.yaml",
			src: spec(`
				openapi: 3.0.3
				info: {title: t, version: "1"}
				paths:
				  /pets:
				    get:
				      operationId: listPets
				      responses:
				        "200": {description: ok}
				  /animals:
				    get:
				      operationId: listPets # second
				      responses:
				        "200": {description: ok}
				  /zoo:
				    get:
				      operationId: get/pets
				      responses:
				        "200": {description: ok}
			`),
			pointer: "/paths/~1pets/get/operationId",
			text:    `duplicate operationId "listPets": GET /pets has it, and so does GET /animals (/paths/~1animals/get/operationId, line 11)`,
			marker:  "operationId: listPets\n",
		},
		{
			name: "dangling Swagger 2.0 $ref",
			file: "v2.yaml",
			src: spec(`
				swagger: "2.0"
				info: {title: t, version: "1"}
				paths: {}
				definitions:
				  Pet:
				    type: object
				    properties:
				      owner:
				        $ref: '#/definitions/Owner'
			`),
			pointer: "/definitions/Pet/properties/owner/$ref",
			text:    `dangling $ref "#/definitions/Owner"`,
			marker:  "$ref",
		},
		{
			name: "YAML alias bomb",
			file: "bomb.yaml",
			src:  aliasBomb(),
			text: "aliases expand the document",
			deep: true,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			le := mustFail(t, c.file, c.src)
			if c.deep {
				c.pointer = le.Diagnostics[0].Pointer
			}
			d := findDiag(t, le.Diagnostics, c.pointer, c.text)
			if d.File != c.file {
				t.Errorf("file %q, want %q", d.File, c.file)
			}
			line := c.line
			if c.marker != "" {
				line = lineOf(t, c.src, c.marker)
			}
			if line != 0 && d.Line != line {
				t.Errorf("line %d, want %d: %v", d.Line, line, d)
			}
			if d.Line == 0 {
				t.Errorf("no line: %v", d)
			}
			// Error() prints file, line, pointer and message.
			printed := le.Error()
			prefix := fmt.Sprintf("%s:%d: ", c.file, d.Line)
			if !strings.Contains(printed, prefix) || !strings.Contains(printed, c.text) {
				t.Errorf("Error() = %q, want it to contain %q and %q", printed, prefix, c.text)
			}
			if c.pointer != "" && !strings.Contains(printed, ": "+c.pointer+": ") {
				t.Errorf("Error() = %q does not name the pointer %q", printed, c.pointer)
			}
		})
	}
}

// aliasBomb is a small YAML document whose aliases expand exponentially.
func aliasBomb() string {
	var b strings.Builder
	b.WriteString("openapi: 3.0.3\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 12; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [", i, i)
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*a%d", i-1)
		}
		b.WriteString("]\n")
	}
	return b.String()
}

func TestErrorsCollected(t *testing.T) {
	src := spec(`
		openapi: 3.0.3
		info: {title: t, version: "1"}
		paths:
		  /a:
		    get:
		      operationId: same
		      responses:
		        "200":
		          $ref: '#/components/responses/Missing'
		  /b:
		    get:
		      operationId: same
		      responses:
		        "200": {description: ok}
		  /c:
		    get:
		      operationId: get/b
		      responses:
		        "200": {description: ok}
	`)
	le := mustFail(t, "many.yaml", src)
	if len(le.Diagnostics) != 2 {
		t.Fatalf("%d diagnostics, want 2:\n%v", len(le.Diagnostics), le)
	}
	if lines := strings.Split(le.Error(), "\n"); len(lines) != 2 {
		t.Errorf("Error() has %d lines, want 2", len(lines))
	}
	if le.Diagnostics[0].Line > le.Diagnostics[1].Line {
		t.Errorf("diagnostics not in line order: %v", le)
	}
}

func TestFileErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.yaml")
	_, err := File(missing)
	le, ok := err.(*Error)
	if !ok || len(le.Diagnostics) != 1 || le.Diagnostics[0].File != missing || !strings.Contains(le.Error(), "cannot read the file") {
		t.Fatalf("File(missing) = %v", err)
	}
}

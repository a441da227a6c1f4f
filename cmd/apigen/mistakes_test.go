package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// mistakeBase is a valid spec; each case of TestSpecAuthorMistakes adds one
// mistake to it.
const mistakeBase = `openapi: "3.0.3"
info:
  title: Shop
  version: "1"
paths:
  /pets:
    get:
      operationId: listPets
      parameters:
        - name: limit
          in: query
          schema: {type: integer}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Pet'
components:
  schemas:
    Pet:
      type: object
      required: [name]
      properties:
        name: {type: string}
        kind:
          type: string
          enum: [cat, dog]
`

// Each mistake a spec author made silently before is now reported at its
// line: errors stop generation, warnings do not unless -strict.
func TestSpecAuthorMistakes(t *testing.T) {
	for _, tc := range []struct {
		name      string
		old, new  string // replace old by new in mistakeBase
		marker    string // the diagnostic is on the line of marker
		pointer   string
		message   []string
		isWarning bool
	}{
		{
			name: "misspelled extension", old: "      operationId: listPets\n",
			new:    "      operationId: listPets\n      x-apigen-paginaton: {style: offset, offset: offset, limit: limit}\n",
			marker: "x-apigen-paginaton", pointer: "/paths/~1pets/get/x-apigen-paginaton",
			message: []string{`unknown extension "x-apigen-paginaton"`, `did you mean "x-apigen-pagination"?`},
		},
		{
			name: "unknown x-apigen key", old: "paths:\n",
			new:    "x-apigen-colour: blue\npaths:\n",
			marker: "x-apigen-colour", pointer: "/x-apigen-colour",
			message: []string{`unknown extension "x-apigen-colour"`, "apigen reads x-apigen-auth"},
		},
		{
			name: "unknown member", old: "paths:\n",
			new:    "x-apigen-ratelimit:\n  windos:\n    - {limit: 10, per: 1s}\npaths:\n",
			marker: "windos", pointer: "/x-apigen-ratelimit/windos",
			message: []string{`unknown member "windos"`, `did you mean "windows"?`},
		},
		{
			name: "extension without meaning there", old: "paths:\n",
			new:    "x-apigen-pagination: {style: offset}\npaths:\n",
			marker: "x-apigen-pagination", pointer: "/x-apigen-pagination",
			message: []string{"has no meaning on the document root", "belongs on an operation"},
		},
		{
			name: "extension on a schema", old: "      required: [name]\n",
			new:    "      required: [name]\n      x-apigen-retry: {maxAttempts: 3}\n",
			marker: "x-apigen-retry", pointer: "/components/schemas/Pet/x-apigen-retry",
			message: []string{"has no meaning on a schema"},
		},
		{
			name: "wrong member type", old: "      operationId: listPets\n",
			new:    "      operationId: listPets\n      x-apigen-retry: {maxAttempts: three}\n",
			marker: "maxAttempts", pointer: "/paths/~1pets/get/x-apigen-retry/maxAttempts",
			message: []string{"want integer"},
		},
		{
			// oapi-codegen reads x-go-name in more places than apigen does.
			name: "x-go-name where apigen does not read it", old: "          description: ok\n",
			new:    "          description: ok\n          x-go-name: Listing\n",
			marker: "x-go-name", pointer: "/paths/~1pets/get/responses/200/x-go-name",
			message: []string{"x-go-name has no meaning on a response"}, isWarning: true,
		},
		{
			name: "unknown type", old: "name: {type: string}", new: "name: {type: strng}",
			marker: "strng", pointer: "/components/schemas/Pet/properties/name/type",
			message: []string{`unknown type "strng"`, `did you mean "string"?`},
		},
		{
			name: "unknown parameter location", old: "in: query", new: "in: querry",
			marker: "querry", pointer: "/paths/~1pets/get/parameters/0/in",
			message: []string{`unknown location in: "querry"`, `did you mean "query"?`},
		},
		{
			name: "required names no property", old: "required: [name]", new: "required: [nme]",
			marker: "required: [nme]", pointer: "/components/schemas/Pet/required/0",
			message: []string{`required names "nme"`, `did you mean "name"?`}, isWarning: true,
		},
		{
			name: "enum value of the wrong type", old: "enum: [cat, dog]", new: "enum: [cat, 7]",
			marker: "enum: [cat, 7]", pointer: "/components/schemas/Pet/properties/kind/enum/1",
			message: []string{"enum value 7 is an integer", "type is string"}, isWarning: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(mistakeBase, tc.old) {
				t.Fatalf("%q is not in the base spec", tc.old)
			}
			src := strings.Replace(mistakeBase, tc.old, tc.new, 1)
			dir := t.TempDir()
			spec := writeFile(t, filepath.Join(dir, "shop.yaml"), src)
			args := []string{"generate", "-spec", spec, "-out", filepath.Join(dir, "shop")}
			code, _, stderr := runCLI(t, args...)
			if tc.isWarning {
				if code != exitOK {
					t.Fatalf("a warning stopped generation: exit = %d\n%s", code, stderr)
				}
				code, _, stderr = runCLI(t, append(args, "-strict")...)
			}
			if code != exitBad {
				t.Fatalf("exit = %d, want 2; stderr:\n%s", code, stderr)
			}
			diags := parseDiags(t, stderr)
			if len(diags) != 1 {
				t.Fatalf("got %d diagnostics, want 1:\n%s", len(diags), stderr)
			}
			d := diags[0]
			if want := lineOf(t, src, tc.marker); d.file != spec || d.line != want || d.pointer != tc.pointer {
				t.Errorf("diagnostic at %s:%d: %s, want %s:%d: %s", d.file, d.line, d.pointer, spec, want, tc.pointer)
			}
			for _, m := range tc.message {
				if !strings.Contains(d.message, m) {
					t.Errorf("message %q does not contain %q", d.message, m)
				}
			}
		})
	}
	// The base itself is clean, even under -strict.
	dir := t.TempDir()
	spec := writeFile(t, filepath.Join(dir, "shop.yaml"), mistakeBase)
	if code, _, stderr := runCLI(t, "generate", "-strict", "-spec", spec, "-out", filepath.Join(dir, "shop")); code != exitOK || stderr != "" {
		t.Errorf("the base spec: exit = %d, stderr:\n%s", code, stderr)
	}
}

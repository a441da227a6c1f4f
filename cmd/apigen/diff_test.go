package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const diffOld = `openapi: "3.0.3"
info: {title: Shop, version: "1"}
paths:
  /pets:
    get:
      operationId: listPets
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: array, items: {$ref: '#/components/schemas/Pet'}}
  /pets/{id}:
    delete:
      operationId: deletePet
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '204': {description: ok}
components:
  schemas:
    Pet:
      type: object
      required: [id]
      properties:
        id: {type: string}
        name: {type: string}
        age: {type: integer}
    Owner:
      type: object
      properties:
        email: {type: string}
`

// edit applies replacements to diffOld.
func edit(t *testing.T, pairs ...string) string {
	t.Helper()
	s := diffOld
	for i := 0; i < len(pairs); i += 2 {
		if !strings.Contains(s, pairs[i]) {
			t.Fatalf("%q not in the spec", pairs[i])
		}
		s = strings.Replace(s, pairs[i], pairs[i+1], 1)
	}
	return s
}

func TestDiffBreaking(t *testing.T) {
	dir := t.TempDir()
	old := writeFile(t, filepath.Join(dir, "old.yaml"), diffOld)
	new := writeFile(t, filepath.Join(dir, "new.yaml"), edit(t,
		"  /pets/{id}:\n    delete:\n      operationId: deletePet\n      parameters:\n        - {name: id, in: path, required: true, schema: {type: string}}\n      responses:\n        '204': {description: ok}\n", "",
		"required: [id]", "required: [id, name]", // optional → required
		"age: {type: integer}", "age: {type: string}", // changed field type
		"    Owner:", "    Person:", // renamed type
	))
	code, stdout, stderr := runCLI(t, "diff", old, new)
	if code != exitStale {
		t.Fatalf("exit = %d, want 1; stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"changes that break callers:",
		"- (*Client).DeletePet: removed",
		"- Pet.Name: changed from github.com/apigen-go/apigen/runtime/opt.Opt[string] to string",
		"- Pet.Age: changed from opt.Opt[int64] to opt.Opt[string]",
		"- Owner: removed",
		"compatible changes:\n- Person: added",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, stdout)
		}
	}
}

func TestDiffCompatible(t *testing.T) {
	dir := t.TempDir()
	old := writeFile(t, filepath.Join(dir, "old.yaml"), diffOld)
	new := writeFile(t, filepath.Join(dir, "new.yaml"), edit(t,
		"        age: {type: integer}\n", "        age: {type: integer}\n        color: {type: string}\n", // new optional field
		"components:\n", "  /owners:\n    get:\n      operationId: listOwners\n      responses:\n        '204': {description: ok}\ncomponents:\n",
	))
	code, stdout, stderr := runCLI(t, "diff", old, new)
	if code != exitOK {
		t.Fatalf("exit = %d, want 0; stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if strings.Contains(stdout, "break") {
		t.Errorf("a compatible change reported as breaking:\n%s", stdout)
	}
	for _, want := range []string{"- (*Client).ListOwners: added", "- Pet.Color: added"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, stdout)
		}
	}
}

// Identical specs: nothing to report.
func TestDiffSameSpec(t *testing.T) {
	old := writeFile(t, filepath.Join(t.TempDir(), "old.yaml"), diffOld)
	if code, stdout, stderr := runCLI(t, "diff", old, old); code != exitOK || stdout != "" {
		t.Errorf("same spec: exit = %d, stdout = %q, stderr = %q", code, stdout, stderr)
	}
}

// verify -base REF compares each client's spec with the one committed at
// REF, as a CI step on pull requests does.
func TestVerifyBase(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	dir := t.TempDir()
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"}, args...)...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q")
	spec := writeFile(t, filepath.Join(dir, "api.yaml"), diffOld)
	cfg := writeFile(t, filepath.Join(dir, "apigen.yaml"), "clients:\n  - {spec: api.yaml, out: shop}\n")
	git("add", "api.yaml")
	git("commit", "-q", "-m", "spec")

	for _, tc := range []struct {
		name, spec string
		want       int
	}{
		{"compatible", edit(t, "        age: {type: integer}\n", "        age: {type: integer}\n        color: {type: string}\n"), exitOK},
		{"breaking", edit(t, "age: {type: integer}", "age: {type: string}"), exitStale},
	} {
		writeFile(t, spec, tc.spec)
		if code, _, stderr := runCLI(t, "generate", "-config", cfg); code != exitOK {
			t.Fatalf("%s: generate: %d\n%s", tc.name, code, stderr)
		}
		code, stdout, stderr := runCLI(t, "verify", "-config", cfg, "-base", "HEAD")
		if code != tc.want {
			t.Errorf("%s: verify -base HEAD: exit = %d, want %d\nstdout:\n%s\nstderr:\n%s", tc.name, code, tc.want, stdout, stderr)
		}
		if tc.want == exitStale && !strings.Contains(stdout, "since HEAD: changes that break callers:\n- Pet.Age") {
			t.Errorf("%s: report:\n%s", tc.name, stdout)
		}
	}
}

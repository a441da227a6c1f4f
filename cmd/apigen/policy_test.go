package main

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

// The spec of TestWarningsDoNotFail: a template parameter nobody declares.
const warningSpec = `openapi: "3.0.3"
info:
  title: Tiny
  version: "1"
paths:
  /x/{id}:
    get:
      operationId: getX
      responses:
        '204':
          description: ok
`

// -strict turns the warning into an error with the same file, line and
// pointer, and writes nothing.
func TestStrictTurnsWarningsIntoErrors(t *testing.T) {
	dir := t.TempDir()
	spec := writeFile(t, filepath.Join(dir, "spec.yaml"), warningSpec)
	out := filepath.Join(dir, "p")
	for _, cmd := range []string{"generate", "verify"} {
		code, stdout, stderr := runCLI(t, cmd, "-strict", "-spec", spec, "-out", out)
		if code != exitBad || stdout != "" {
			t.Errorf("%s -strict: exit = %d, stdout = %q; want 2 and nothing", cmd, code, stdout)
		}
		diags := parseDiags(t, stderr)
		if len(diags) != 1 || diags[0].line != 7 || diags[0].pointer != "/paths/~1x~1{id}/get" ||
			!strings.Contains(diags[0].message, "-strict") {
			t.Errorf("%s -strict: diagnostics = %+v, want the {id} warning at line 7 as an error naming -strict", cmd, diags)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("%s -strict wrote %s", cmd, out)
		}
	}
	// The same from apigen.yaml's per-client strict key.
	cfg := writeFile(t, filepath.Join(dir, "apigen.yaml"), "clients:\n  - {spec: spec.yaml, out: p, strict: true}\n")
	if code, _, stderr := runCLI(t, "generate", "-config", cfg); code != exitBad || !strings.Contains(stderr, "-strict") {
		t.Errorf("strict: true in the config: exit = %d, stderr = %q", code, stderr)
	}
}

// Generation goes on past a failing client, reports each, then exits 2;
// the good clients are written.
func TestGenerateReportsEveryFailingClient(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "good.yaml"), tinySpec)
	writeFile(t, filepath.Join(dir, "bad1.yaml"), "openapi: \"9.9\"\n")
	writeFile(t, filepath.Join(dir, "bad2.yaml"), "swagger: \"1.2\"\n")
	cfg := writeFile(t, filepath.Join(dir, "apigen.yaml"), `clients:
  - {spec: bad1.yaml, out: one}
  - {spec: good.yaml, out: good}
  - {spec: bad2.yaml, out: two}
`)
	code, stdout, stderr := runCLI(t, "generate", "-config", cfg)
	if code != exitBad {
		t.Errorf("exit = %d, want 2", code)
	}
	for _, want := range []string{filepath.Join(dir, "bad1.yaml") + ":1: /openapi:", filepath.Join(dir, "bad2.yaml") + ":1: /swagger:"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not report %q:\n%s", want, stderr)
		}
	}
	if !strings.Contains(stdout, "good.yaml") {
		t.Errorf("the good client between two bad ones was not generated: stdout = %q", stdout)
	}
	checkGenerated(t, filepath.Join(dir, "good"), "good")
}

func TestVersionFlag(t *testing.T) {
	for _, args := range [][]string{{"-version"}, {"--version"}, {"version"}} {
		code, stdout, _ := runCLI(t, args...)
		if code != exitOK || !strings.HasPrefix(stdout, "apigen ") {
			t.Errorf("%v: exit = %d, stdout = %q", args, code, stdout)
		}
	}
}

// The version comes from the build info: as the main module (go install)
// or as a dependency (go tool apigen in another module).
func TestModuleVersion(t *testing.T) {
	for _, tc := range []struct {
		name string
		bi   debug.BuildInfo
		want string
	}{
		{"checkout", debug.BuildInfo{Main: debug.Module{Path: modulePath, Version: "(devel)"}}, "devel"},
		{"go install", debug.BuildInfo{Main: debug.Module{Path: modulePath, Version: "v1.2.3"}}, "v1.2.3"},
		{"go tool", debug.BuildInfo{Main: debug.Module{Path: "example.com/app"}, Deps: []*debug.Module{
			{Path: "golang.org/x/sync", Version: "v0.1.0"}, {Path: modulePath, Version: "v1.4.0"}}}, "v1.4.0"},
		{"go tool, replaced by a directory", debug.BuildInfo{Main: debug.Module{Path: "example.com/app"}, Deps: []*debug.Module{
			{Path: modulePath, Version: "v0.0.0-00010101000000-000000000000", Replace: &debug.Module{Path: "../.."}}}}, "v0.0.0-00010101000000-000000000000 (replaced by ../..)"},
		{"go tool, replaced by a fork", debug.BuildInfo{Main: debug.Module{Path: "example.com/app"}, Deps: []*debug.Module{
			{Path: modulePath, Version: "v1.4.0", Replace: &debug.Module{Path: "example.com/fork", Version: "v1.4.1"}}}}, "v1.4.1"},
	} {
		if got := moduleVersion(&tc.bi); got != tc.want {
			t.Errorf("%s: version = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestHelpCommand(t *testing.T) {
	for cmd, want := range map[string][]string{
		"generate": {"apigen generate -spec FILE", "-strict", "-env-prefix", "Every failing"},
		"verify":   {"apigen verify", "-strict", "unified diff"},
		"version":  {"module version"},
	} {
		code, stdout, _ := runCLI(t, "help", cmd)
		if code != exitOK {
			t.Errorf("help %s: exit = %d", cmd, code)
		}
		for _, w := range want {
			if !strings.Contains(stdout, w) {
				t.Errorf("help %s does not mention %q:\n%s", cmd, w, stdout)
			}
		}
	}
	code, _, stderr := runCLI(t, "help", "generat")
	if code != exitBad || !strings.Contains(stderr, `unknown command "generat"`) {
		t.Errorf("help generat: exit = %d, stderr = %q", code, stderr)
	}
}

// apigen.yaml is decoded strictly: an unknown key is an error with its
// line and a suggestion.
func TestConfigUnknownKeys(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "api.yaml"), tinySpec)
	for _, tc := range []struct{ config, want string }{
		{"clients:\n  - spec: api.yaml\n    out: x\n    pakage: x\n", `apigen.yaml:4: clients[0]: unknown key "pakage"; did you mean "package"?`},
		{"client:\n  - {spec: api.yaml, out: x}\n", `apigen.yaml:1: unknown key "client"; did you mean "clients"?`},
		{"clients:\n  - {spec: api.yaml, out: [x]}\n", `apigen.yaml:2: clients[0].out: want a string`},
		{"clients:\n  - {spec: api.yaml, out: x, strict: maybe}\n", `apigen.yaml:2: clients[0].strict: want true or false`},
	} {
		cfg := writeFile(t, filepath.Join(dir, "apigen.yaml"), tc.config)
		code, _, stderr := runCLI(t, "generate", "-config", cfg)
		if code != exitBad || !strings.Contains(stderr, tc.want) {
			t.Errorf("config %q: exit = %d, stderr = %q; want 2 and %q", tc.config, code, stderr, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x")); !os.IsNotExist(err) {
		t.Errorf("a rejected config generated a client")
	}
}

// "-out ." in a package's directory takes the package from its Go files.
func TestOutDotInfersPackage(t *testing.T) {
	dir := t.TempDir()
	spec := writeFile(t, filepath.Join(dir, "api.yaml"), tinySpec)
	pkgDir := filepath.Join(dir, "my-client")
	writeFile(t, filepath.Join(pkgDir, "doc.go"), "// Package shop is hand-written.\npackage shop\n")
	writeFile(t, filepath.Join(pkgDir, "x_test.go"), "package shop_test\n")
	t.Chdir(pkgDir)
	code, _, stderr := runCLI(t, "generate", "-spec", spec, "-out", ".")
	if code != exitOK {
		t.Fatalf("exit = %d, stderr:\n%s", code, stderr)
	}
	files := readDir(t, pkgDir)
	delete(files, "doc.go")
	delete(files, "x_test.go")
	for name, src := range files {
		if !strings.Contains(src, "\npackage shop\n") {
			t.Errorf("%s is not in package shop", name)
		}
	}
	if len(files) == 0 {
		t.Error("nothing generated")
	}
}

const credSpec = `openapi: "3.0.3"
info:
  title: Tiny
  version: "1"
x-apigen-env-prefix: SHOP
paths:
  /x:
    get:
      operationId: getX
      responses:
        '204':
          description: ok
security:
  - key: []
components:
  securitySchemes:
    key:
      type: apiKey
      in: header
      name: X-API-Key
`

// CredentialsFromEnv reads <prefix>_API_KEY: the -env-prefix flag wins
// over the spec's x-apigen-env-prefix, which wins over the package name.
func TestEnvPrefix(t *testing.T) {
	dir := t.TempDir()
	withExt := writeFile(t, filepath.Join(dir, "a.yaml"), credSpec)
	without := writeFile(t, filepath.Join(dir, "b.yaml"), strings.Replace(credSpec, "x-apigen-env-prefix: SHOP\n", "", 1))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-spec", without}, `"CLIENT_API_KEY"`},
		{[]string{"-spec", withExt}, `"SHOP_API_KEY"`},
		{[]string{"-spec", withExt, "-env-prefix", "MY_SHOP"}, `"MY_SHOP_API_KEY"`},
	} {
		out := filepath.Join(t.TempDir(), "client")
		code, _, stderr := runCLI(t, append(append([]string{"generate"}, tc.args...), "-out", out)...)
		if code != exitOK {
			t.Fatalf("%v: exit = %d, stderr:\n%s", tc.args, code, stderr)
		}
		if src := readDir(t, out)["client_gen.go"]; !strings.Contains(src, tc.want) {
			t.Errorf("%v: client_gen.go does not read %s", tc.args, tc.want)
		}
	}
	code, _, stderr := runCLI(t, "generate", "-spec", without, "-out", filepath.Join(dir, "o"), "-env-prefix", "my-shop")
	if code != exitBad || !strings.Contains(stderr, `prefix "my-shop"`) {
		t.Errorf("bad prefix: exit = %d, stderr = %q", code, stderr)
	}
}

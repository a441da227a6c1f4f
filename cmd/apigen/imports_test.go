package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// importSpecs writes a spec whose Thing comes from common.yaml, and
// common.yaml itself (a spec of its own).
func importSpecs(t *testing.T, dir string) string {
	t.Helper()
	writeFile(t, filepath.Join(dir, "common.yaml"), tinySpec)
	return writeFile(t, filepath.Join(dir, "main.yaml"), strings.Replace(tinySpec, "'#/components/schemas/Thing'", "'common.yaml#/components/schemas/Thing'", 1))
}

// The mapping is read from apigen.yaml and from -import-mapping alike; a
// mapped schema is the other package's type (main.yaml's own Thing, which
// nothing uses now, is still declared).
func TestImportMappingConfigAndFlag(t *testing.T) {
	dir := t.TempDir()
	spec := importSpecs(t, dir)
	cfg := writeFile(t, filepath.Join(dir, "apigen.yaml"), `clients:
  - spec: main.yaml
    out: viaconfig
    importMapping:
      common.yaml: example.com/api/common
`)
	if code, _, stderr := runCLI(t, "generate", "-config", cfg); code != exitOK {
		t.Fatalf("generate -config: exit = %d, stderr:\n%s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "generate", "-spec", spec, "-out", filepath.Join(dir, "viaflag"), "-import-mapping", "common.yaml=example.com/api/common"); code != exitOK {
		t.Fatalf("generate -import-mapping: exit = %d, stderr:\n%s", code, stderr)
	}
	for _, out := range []string{"viaconfig", "viaflag"} {
		ops, _ := os.ReadFile(filepath.Join(dir, out, "operations_gen.go"))
		if !strings.Contains(string(ops), "(*common.Thing, error)") {
			t.Errorf("%s: GetThing does not return common.Thing:\n%s", out, ops)
		}
	}
}

func TestImportMappingErrorsCLI(t *testing.T) {
	dir := t.TempDir()
	spec := importSpecs(t, dir)
	out := filepath.Join(dir, "x")
	for _, tc := range []struct {
		name   string
		args   []string
		config string
		stderr string
	}{
		{"flag without =", []string{"-import-mapping", "common.yaml"}, "", `want FILE=PACKAGE, got "common.yaml"`},
		{"flag twice", []string{"-import-mapping", "common.yaml=a.com/x", "-import-mapping", "common.yaml=a.com/y"}, "", "common.yaml is mapped twice"},
		{"unreferenced", []string{"-import-mapping", "other.yaml=a.com/x", "-import-mapping", "common.yaml=a.com/c"}, "", `import mapping "other.yaml"`},
		{"config and flag disagree", []string{"-import-mapping", "common.yaml=a.com/y"}, "clients:\n  - {spec: main.yaml, out: x, importMapping: {common.yaml: a.com/x}}\n", "the config maps common.yaml to a.com/x"},
		{"config not a mapping", nil, "clients:\n  - {spec: main.yaml, out: x, importMapping: [common.yaml]}\n", "clients[0].importMapping: want a mapping"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"generate"}, tc.args...)
			if tc.config != "" {
				args = append(args, "-config", writeFile(t, filepath.Join(dir, "apigen.yaml"), tc.config))
			} else {
				args = append(args, "-spec", spec, "-out", out)
			}
			code, _, stderr := runCLI(t, args...)
			if code != exitBad || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("exit = %d, stderr = %q; want 2 and %q", code, stderr, tc.stderr)
			}
		})
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a failed run created output")
	}
}

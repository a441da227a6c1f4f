package main

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// Two operations sharing an operationId: the second is renamed from its
// method and path with a warning, and -strict makes that an error.
func TestDuplicateOperationIDStrict(t *testing.T) {
	dir := t.TempDir()
	spec := writeFile(t, filepath.Join(dir, "spec.yaml"), `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /test:
    get:
      operationId: getTest
      responses: {"204": {description: ok}}
  /test2:
    get:
      operationId: getTest
      responses: {"204": {description: ok}}
`)
	out := filepath.Join(dir, "p")
	code, _, stderr := runCLI(t, "generate", "-spec", spec, "-out", out)
	if code != exitOK || !strings.Contains(stderr, `duplicate operationId "getTest"`) {
		t.Fatalf("exit = %d, stderr = %q; want 0 and a warning", code, stderr)
	}
	if ops := checkGenerated(t, out, "p")["operations_gen.go"]; !strings.Contains(ops, ") GetTest(") || !strings.Contains(ops, ") GetTest2(") {
		t.Errorf("want GetTest and GetTest2:\n%s", ops)
	}
	code, _, stderr = runCLI(t, "generate", "-strict", "-spec", spec, "-out", filepath.Join(dir, "q"))
	if code != exitBad || !strings.Contains(stderr, `duplicate operationId "getTest"`) || !strings.Contains(stderr, "-strict") {
		t.Errorf("-strict: exit = %d, stderr = %q; want 2 and the warning as an error", code, stderr)
	}
}

// A $ref to an http document is read only with -allow-remote (served from
// 127.0.0.1 here).
func TestAllowRemoteFlag(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("Thing: {type: object, properties: {name: {type: string}}}\n"))
	}))
	defer srv.Close()
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("test server at %s, want 127.0.0.1", srv.URL)
	}
	dir := t.TempDir()
	spec := writeFile(t, filepath.Join(dir, "spec.yaml"), strings.Replace(tinySpec, "'#/components/schemas/Thing'", "'"+srv.URL+"/common.yaml#/Thing'", 1))
	code, _, stderr := runCLI(t, "generate", "-spec", spec, "-out", filepath.Join(dir, "p"))
	if code != exitBad || !strings.Contains(stderr, "-allow-remote") {
		t.Fatalf("without -allow-remote: exit = %d, stderr = %q; want 2 naming -allow-remote", code, stderr)
	}
	if code, _, stderr := runCLI(t, "generate", "-allow-remote", "-spec", spec, "-out", filepath.Join(dir, "p")); code != exitOK {
		t.Fatalf("with -allow-remote: exit = %d, stderr = %q", code, stderr)
	}
}

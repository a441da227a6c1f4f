package generator

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGeneratedDecodingTolerance builds a client for testdata/decode and
// runs tests against it: mistyped members that are not required (in a
// struct, a nested struct, a union variant) are left zero and reported
// with their path, WithStrictDecoding makes them an error, a missing
// required member is one.
func TestGeneratedDecodingTolerance(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and tests a generated client")
	}
	res, err := Generate(Config{Spec: filepath.Join("testdata", "decode", "pets.yaml"), Out: "client", Package: "client"})
	if err != nil {
		t.Fatal(err)
	}
	dir := prepareModule(t, res.Files, "client")
	src, err := os.ReadFile(filepath.Join("testdata", "decode", "pets_test.go.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "client", "pets_test.go"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "test", "-count=1", "./client/")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go test: %v\n%s", err, truncate(out, 4000))
	}
}

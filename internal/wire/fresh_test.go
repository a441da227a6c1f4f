package wire

import (
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/apigen-go/apigen/generator"
)

var update = flag.Bool("update", false, "rewrite apigen's clients generated into internal/wire")

// TestApigenClientsFresh regenerates apigen's clients committed here (the
// petstore goldens are checked by generator.TestGolden) and compares
// them with the committed code, so the wire tests never run against a
// stale client. It reads ../shared/corpus (or $APIGEN_CORPUS): it skips
// without it, and fails without it on CI.
func TestApigenClientsFresh(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	here := filepath.Dir(file)
	corpus := os.Getenv("APIGEN_CORPUS")
	if corpus == "" {
		corpus = filepath.Join(here, "..", "..", "..", "shared", "corpus")
	}
	if _, err := os.Stat(corpus); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("corpus not found at %s (set APIGEN_CORPUS)", corpus)
		}
		t.Skipf("corpus not found at %s (set APIGEN_CORPUS); skipping", corpus)
	}
	for _, c := range []struct{ spec, pkg string }{
		{"providers/segnivo.yaml", "apigensegnivo"},
	} {
		t.Run(c.pkg, func(t *testing.T) {
			out := filepath.Join(here, c.pkg)
			res, err := generator.Generate(generator.Config{Spec: filepath.Join(corpus, c.spec), Out: out, Package: c.pkg})
			if err != nil {
				t.Fatal(err)
			}
			if *update {
				if err := generator.Write(out, res.Files); err != nil {
					t.Fatal(err)
				}
				return
			}
			diff, err := generator.Diff(out, res.Files)
			if err != nil {
				t.Fatal(err)
			}
			if diff != "" {
				t.Errorf("%s is stale (run go test ./internal/wire -run TestApigenClientsFresh -update):\n%s", c.pkg, diff)
			}
		})
	}
}

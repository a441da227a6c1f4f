// Package generate benchmarks code generation: apigen against oapi-codegen
// (called as a library in the same process) on the same specs, and apigen
// on GitHub's spec against kin-openapi merely loading it.
//
//	go test -run '^$' -bench . -benchmem -count 5 ./internal/bench/generate/
//
// The specs come from ../shared/corpus (or $APIGEN_CORPUS); without it the
// benchmarks skip, and fail when CI=true.
package generate

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"
	"github.com/oapi-codegen/oapi-codegen/v2/pkg/util"

	"github.com/apigen-go/apigen/generator"
)

// corpusDir finds the corpus: $APIGEN_CORPUS, else ../shared/corpus beside
// the repository.
func corpusDir(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("APIGEN_CORPUS")
	if dir == "" {
		_, file, _, _ := runtime.Caller(0)
		dir = filepath.Join(filepath.Dir(file), "..", "..", "..", "..", "shared", "corpus")
	}
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("corpus not found at %s (set APIGEN_CORPUS)", dir)
		}
		tb.Skipf("corpus not found at %s (set APIGEN_CORPUS); skipping", dir)
	}
	return dir
}

// specs are the documents both generators are measured on.
var specs = []struct{ name, file string }{
	{"petstore-expanded", "petstore-expanded.yaml"},
	{"raynet", "providers/raynet.json"},
	{"twilio", "twilio.yaml"},
	{"stripe", "stripe.yaml"},
}

// apigenOnce generates spec into a fresh directory under root: load, model,
// emit, gofmt and write, everything the CLI does.
func apigenOnce(tb testing.TB, spec, out string) int {
	res, err := generator.Generate(generator.Config{Spec: spec, Out: out, Package: "client"})
	if err != nil {
		tb.Fatal(err)
	}
	if err := generator.Write(out, res.Files); err != nil {
		tb.Fatal(err)
	}
	n := 0
	for _, f := range res.Files {
		n += len(f.Src)
	}
	return n
}

// oapiOnce does what `oapi-codegen -generate types,client` does: load with
// kin-openapi, generate (oapi-codegen formats with goimports inside
// Generate) and write the single file.
func oapiOnce(tb testing.TB, spec, out string) (int, error) {
	doc, err := util.LoadSwagger(spec)
	if err != nil {
		return 0, err
	}
	cfg := codegen.Configuration{
		PackageName: "client",
		Generate:    codegen.GenerateOptions{Client: true, Models: true},
	}.UpdateDefaults()
	src, err := codegen.Generate(doc, cfg)
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "client.gen.go"), []byte(src), 0o644); err != nil {
		tb.Fatal(err)
	}
	return len(src), nil
}

// BenchmarkGenerate/spec=<spec>/gen={apigen,oapicodegen}: wall time and allocations
// of one generation, written to a fresh temporary directory each time.
// "bytes" is the size of the code written.
func BenchmarkGenerate(b *testing.B) {
	corpus := corpusDir(b)
	for _, s := range specs {
		spec := filepath.Join(corpus, s.file)
		b.Run("spec="+s.name, func(b *testing.B) {
			b.Run("gen=apigen", func(b *testing.B) {
				root := b.TempDir()
				b.ReportAllocs()
				n, i := 0, 0
				for b.Loop() {
					n = apigenOnce(b, spec, filepath.Join(root, strconv.Itoa(i)))
					i++
				}
				b.ReportMetric(float64(n), "bytes")
			})
			b.Run("gen=oapicodegen", func(b *testing.B) {
				root := b.TempDir()
				// A spec oapi-codegen cannot handle is reported, not measured.
				if _, err := oapiOnce(b, spec, filepath.Join(root, "probe")); err != nil {
					b.Skipf("oapi-codegen cannot generate %s: %v", s.file, err)
				}
				b.ReportAllocs()
				n, i := 0, 0
				for b.Loop() {
					var err error
					if n, err = oapiOnce(b, spec, filepath.Join(root, strconv.Itoa(i))); err != nil {
						b.Fatal(err)
					}
					i++
				}
				b.ReportMetric(float64(n), "bytes")
			})
		})
	}
}

// BenchmarkGitHub/step={kinload,apigen}: GitHub's 860-operation spec. kinload
// is kin-openapi's loader alone (the baseline); apigen is the whole
// pipeline including gofmt and writing. Goal: apigen ≤ 2× kinload.
func BenchmarkGitHub(b *testing.B) {
	spec := filepath.Join(corpusDir(b), "github.json")
	b.Run("step=kinload", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := openapi3.NewLoader().LoadFromFile(spec); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("step=apigen", func(b *testing.B) {
		root := b.TempDir()
		b.ReportAllocs()
		n, i := 0, 0
		for b.Loop() {
			n = apigenOnce(b, spec, filepath.Join(root, strconv.Itoa(i)))
			i++
		}
		b.ReportMetric(float64(n), "bytes")
	})
}

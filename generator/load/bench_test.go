package load

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkLoad measures loading the largest JSON description of the
// corpus (GitHub's, 4 MB) and the smallest.
func BenchmarkLoad(b *testing.B) {
	dir := corpusDir(b)
	for _, c := range []struct{ name, file string }{
		{"github", "github.json"},
		{"petstore", "petstore.yaml"},
	} {
		data, err := os.ReadFile(filepath.Join(dir, c.file))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := Bytes(c.file, data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

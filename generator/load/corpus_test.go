package load

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// corpusDir finds the shared corpus of real descriptions: $APIGEN_CORPUS,
// or shared/corpus beside the repository. Without it the test is skipped,
// unless CI=true, where it fails.
func corpusDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("APIGEN_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "corpus")
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		msg := fmt.Sprintf("corpus of real descriptions not found at %s (set APIGEN_CORPUS to its directory)", dir)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return dir
}

// corpusFiles lists the descriptions of the corpus.
func corpusFiles(t testing.TB) []string {
	dir := corpusDir(t)
	var files []string
	for _, pattern := range []string{"*.json", "*.yaml", "*.yml", "providers/*.json", "providers/*.yaml", "providers/*.yml"} {
		m, err := filepath.Glob(filepath.Join(dir, pattern))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	sort.Strings(files)
	if len(files) == 0 {
		t.Fatalf("no descriptions in %s", dir)
	}
	return files
}

func TestCorpus(t *testing.T) {
	files := corpusFiles(t)
	var summary strings.Builder
	for _, f := range files {
		name, _ := filepath.Rel(corpusDir(t), f)
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			res, err := File(f)
			elapsed := time.Since(start)
			if err != nil {
				var le *Error
				if !errors.As(err, &le) {
					t.Fatalf("error is %T, not *Error: %v", err, err)
				}
				t.Fatalf("load failed:\n%v", err)
			}
			if res.Doc == nil || res.Doc.Paths == nil || res.Doc.Paths.Len() == 0 {
				t.Fatalf("no paths loaded")
			}
			for _, w := range res.Warnings {
				if w.File != f || w.Message == "" {
					t.Errorf("malformed warning %+v", w)
				}
				if strings.Contains(w.Message, "internal error") {
					t.Errorf("warning reports an internal error: %v", w)
				}
			}
			if os.Getenv("APIGEN_LOAD_VERBOSE") != "" {
				for _, w := range res.Warnings {
					t.Log(w)
				}
			}
			fmt.Fprintf(&summary, "%-42s %-6s %5d warnings %4d paths %8s\n", name, res.Version, len(res.Warnings), res.Doc.Paths.Len(), elapsed.Round(time.Millisecond))
		})
	}
	t.Logf("warnings per description:\n%s", summary.String())
}

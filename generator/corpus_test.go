package generator

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCorpus generates, builds and vets a client for every spec of the
// corpus and prints one row per spec (make corpus). It is slow, so it runs
// only when APIGEN_CORPUS_ALL=1 (make corpus sets it).
func TestCorpus(t *testing.T) {
	if os.Getenv("APIGEN_CORPUS_ALL") != "1" {
		t.Skip("set APIGEN_CORPUS_ALL=1 (make corpus) to build every corpus spec")
	}
	corpus := corpusDir(t)
	var specs []string
	for _, pat := range []string{"*.json", "*.yaml", "providers/*.json", "providers/*.yaml"} {
		m, _ := filepath.Glob(filepath.Join(corpus, pat))
		specs = append(specs, m...)
	}
	sort.Strings(specs)
	if only := os.Getenv("APIGEN_CORPUS_ONLY"); only != "" {
		var keep []string
		for _, s := range specs {
			if strings.Contains(s, only) {
				keep = append(keep, s)
			}
		}
		specs = keep
	}
	var rows []string
	for _, spec := range specs {
		rel, _ := filepath.Rel(corpus, spec)
		start := time.Now()
		res, err := Generate(Config{Spec: spec, Out: "client", Package: "client"})
		gen := time.Since(start)
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			rows = append(rows, fmt.Sprintf("| %s | FAIL | | | %v | | |", rel, gen.Round(time.Millisecond)))
			continue
		}
		ops := specOperations(res)
		methods, covered := len(res.API.Operations), 0
		for _, op := range res.API.Operations {
			if op.BodyVariantOf == "" {
				covered++ // variants (other body media types, downloads) add methods
			}
		}
		if covered != ops {
			t.Errorf("%s: %d operations in the spec, %d methods generated", rel, ops, methods)
		}
		buildTime, rss, err := buildAndMeasure(t, res)
		status := "ok"
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			status = "FAIL"
		}
		rows = append(rows, fmt.Sprintf("| %s | %s | %d | %d | %d | %v | %v | %d MB |", rel, status, ops, methods,
			len(res.Warnings), gen.Round(time.Millisecond), buildTime.Round(100*time.Millisecond), rss>>20))
	}
	t.Log("\n| spec | status | operations | methods | warnings | generate | build+vet | build peak RSS |\n|---|---|---|---|---|---|---|---|\n" + strings.Join(rows, "\n"))
}

// specOperations counts the operations the loaded document declares.
func specOperations(res *Result) int {
	n := 0
	if res.Doc == nil || res.Doc.Paths == nil {
		return 0
	}
	for _, item := range res.Doc.Paths.Map() {
		if item != nil {
			n += len(item.Operations())
		}
	}
	return n
}

// buildAndMeasure builds and vets the client in a temporary module and
// returns the wall time and the peak RSS of the build.
func buildAndMeasure(t *testing.T, res *Result) (time.Duration, int64, error) {
	dir := prepareModule(t, res.Files, "client")
	start := time.Now()
	var peak int64
	for _, args := range [][]string{{"build", "./..."}, {"vet", "./..."}} {
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off")
		out, err := cmd.CombinedOutput()
		if err != nil {
			return 0, 0, fmt.Errorf("go %s: %v\n%s", args[0], err, truncate(out, 3000))
		}
		if u, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && u.Maxrss*1024 > peak {
			peak = u.Maxrss * 1024
		}
	}
	return time.Since(start), peak, nil
}

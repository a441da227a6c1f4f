package generator

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
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
	compare := os.Getenv("CORPUS_COMPARE") == "1"
	var bins map[string]string
	if compare {
		bins = installPeerTools(t, t.Logf) // the others' failures never fail the test
	}
	base := corpusBaseline(t, corpus)
	var rows, costs, ratios []string
	var oneOp time.Duration
	for _, spec := range specs {
		rel, _ := filepath.Rel(corpus, spec)
		start := time.Now()
		res, err := Generate(Config{Spec: spec, Out: "client", Package: "client"})
		gen := time.Since(start)
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			rows = append(rows, fmt.Sprintf("| %s | FAIL | | | | | %v | | | | | |", rel, gen.Round(time.Millisecond)))
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
		cost := measureClient(prepareModule(t, res.Files, "client"), apigenShape(res), "", apigenEnv)
		oneOp += cost.oneOp
		status := "ok"
		if cost.fail != "" {
			t.Errorf("%s: %s", rel, cost.fail)
			status = "FAIL"
		}
		rows = append(rows, fmt.Sprintf("| %s | %s | %d | %d | %d | %d | %v | %v | %v | %s | %d MB | %s |", rel, status, ops, methods,
			len(res.Warnings), cost.lines, gen.Round(time.Millisecond), cost.build.Round(100*time.Millisecond),
			cost.cpu.Round(100*time.Millisecond), timeRatio(cost, base), cost.rss>>20, binaryCell(cost)))
		if !compare {
			continue
		}
		prefer := ""
		for _, op := range res.API.Operations {
			if op.Name == cost.op {
				prefer = op.ID // the others call the same operation where they have it
			}
		}
		costs = append(costs, fmt.Sprintf("| %s | apigen | %s |", rel, costCells(cost)))
		ratio := "| " + rel + " |"
		for _, tool := range peerTools {
			other := buildCost{fail: "not installed"}
			if bins[tool.name] != "" {
				other = measurePeer(t, tool.name, tool.run, bins[tool.name], spec, prefer)
			}
			costs = append(costs, fmt.Sprintf("| %s | %s | %s |", rel, tool.name, costCells(other)))
			ratio += " " + ratioCells(cost, other) + " |"
		}
		ratios = append(ratios, ratio)
	}
	t.Logf("baseline %s: build+vet %v, CPU %v; the one-operation mains' builds took %v in all", corpusBaselineSpec,
		base.build.Round(100*time.Millisecond), base.cpu.Round(100*time.Millisecond), oneOp.Round(100*time.Millisecond))
	t.Log("\n| spec | status | operations | methods | warnings | lines | generate | build+vet | CPU | CPU ÷ petstore | build peak RSS | one-op binary |\n" +
		"|---|---|---|---|---|---|---|---|---|---|---|---|\n" + strings.Join(rows, "\n"))
	if compare {
		t.Log("\n| spec | generator | operation methods | lines | build+vet | CPU | build peak RSS | one-op binary (operation) |\n" +
			"|---|---|---|---|---|---|---|---|\n" + strings.Join(costs, "\n"))
		head, rule := "| spec |", "|---|"
		for _, tool := range peerTools {
			head += " ÷ " + tool.name + " lines | CPU | RSS | binary |"
			rule += "---|---|---|---|"
		}
		t.Log("\napigen ÷ other:\n\n" + head + "\n" + rule + "\n" + strings.Join(ratios, "\n"))
	}
}

// corpusBaselineSpec is the client every build time is divided by: wall
// seconds on a shared machine drift, ratios to a build of the same run
// much less.
const corpusBaselineSpec = "petstore.yaml"

// apigenEnv builds apigen's clients offline: their only dependency is this
// repository, through the replace directive.
var apigenEnv = []string{"GOFLAGS=-mod=mod", "GOPROXY=off"}

// corpusBaseline measures the baseline client, once to put the runtime
// into the build and vet caches (every client then compiles only itself),
// then again for the figures.
func corpusBaseline(t *testing.T, corpus string) buildCost {
	res, err := Generate(Config{Spec: filepath.Join(corpus, corpusBaselineSpec), Out: "client", Package: "client"})
	if err != nil {
		t.Fatal(err)
	}
	var c buildCost
	for range 2 {
		if c = measureClient(prepareModule(t, res.Files, "client"), apigenShape(res), "", apigenEnv); c.fail != "" {
			t.Fatalf("%s: %s", corpusBaselineSpec, c.fail)
		}
	}
	return c
}

// corpusPeerLimit bounds one peer tool's run on one corpus spec.
const corpusPeerLimit = 10 * time.Minute

// measurePeer generates spec with a peer tool into a module of its own,
// resolves its dependencies through the module proxy, builds and vets
// those first (as the baseline does apigen's runtime) and measures the
// client; every failure is in the returned cost, never the test's.
func measurePeer(t *testing.T, name string, run func(bin, spec, dir, pkg string) *exec.Cmd, bin, spec, prefer string) buildCost {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/corpus\n\ngo 1.25\n"), 0o644)
	pkg := filepath.Join(dir, "client")
	os.MkdirAll(pkg, 0o755)
	cmd := run(bin, spec, pkg, "client")
	cmd.Dir = filepath.Dir(spec)
	if status, out := runPeerTool(cmd, corpusPeerLimit); status != "ok" {
		return buildCost{fail: status + ": " + firstErrorLine(out, nil)}
	}
	if _, out, err := goRun(dir, []string{"GOFLAGS="}, "mod", "tidy"); err != nil {
		return buildCost{fail: "go mod tidy: " + firstErrorLine(out, err)}
	}
	env := []string{"GOFLAGS=-mod=mod"}
	if _, out, err := goRun(dir, env, "list", "-f", `{{join .Imports "\n"}}`, "./client"); err == nil {
		var warm strings.Builder
		warm.WriteString("package warm\n\nimport (\n")
		for imp := range strings.Lines(string(out)) {
			fmt.Fprintf(&warm, "\t_ %q\n", strings.TrimSpace(imp))
		}
		warm.WriteString(")\n")
		os.MkdirAll(filepath.Join(dir, "warm"), 0o755)
		os.WriteFile(filepath.Join(dir, "warm", "warm.go"), []byte(warm.String()), 0o644)
		goRun(dir, env, "build", "./warm")
		goRun(dir, env, "vet", "./warm")
	}
	return measureClient(dir, peerShapes[name], prefer, env)
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

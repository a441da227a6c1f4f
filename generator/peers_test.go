package generator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// TestPeers generates, builds and vets a client for every spec of the
// other generators' own test suites (../shared/peers: ogen's _testdata,
// oapi-codegen's internal/test) and prints a CORPUS.md-style table (make
// peers). Each spec is generated in a child process, so that a crash or a
// hang is counted against that spec instead of ending the run; the
// clients are then built and vetted together, one go build and one go vet
// for all of them. A positive spec passes when it generates, builds,
// vets and has a method for every operation; a negative one (a spec ogen
// must reject) passes when it is generated the same way or rejected with
// an error within negativeLimit.
//
// APIGEN_PEERS_ONLY=a,b keeps the specs whose path contains one of the
// substrings (the sample .ci/run uses); PEERS_COMPARE=1 also runs
// oapi-codegen and ogen on the same specs (see peerTools).
func TestPeers(t *testing.T) {
	if os.Getenv("APIGEN_PEERS_ALL") != "1" {
		t.Skip("set APIGEN_PEERS_ALL=1 (make peers) to build every peer spec")
	}
	root := peersDir(t)
	specs := peerSpecs(t, root)
	if only := os.Getenv("APIGEN_PEERS_ONLY"); only != "" {
		var keep []string
		for _, s := range specs {
			for _, o := range strings.Split(only, ",") {
				if o != "" && strings.Contains(s, o) {
					keep = append(keep, s)
					break
				}
			}
		}
		specs = keep
	}
	if len(specs) == 0 {
		t.Fatal("no spec selected")
	}
	mod := peerModule(t)
	results := make([]*peerResult, len(specs))
	for i, rel := range specs {
		r := generatePeer(t, filepath.Join(root, rel), filepath.Join(mod, fmt.Sprintf("p%03d", i)), peerMapping(rel, specs))
		r.spec, r.pkg = rel, fmt.Sprintf("p%03d", i)
		results[i] = r
	}
	buildPeers(t, mod, results)

	tools := map[string]map[string]string{}
	if os.Getenv("PEERS_COMPARE") == "1" {
		tools = comparePeers(t, root, specs)
	}
	table, failures := peerTable(results, tools)
	t.Log("\n" + table)
	for _, f := range failures {
		t.Error(f)
	}
}

// negativeLimit is how long rejecting a bad spec may take.
const negativeLimit = 5 * time.Second

// peerLimit is when a generation counts as a hang.
const peerLimit = 60 * time.Second

// peersDir finds ../shared/peers; the test skips without it, and fails on CI.
func peersDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("APIGEN_PEERS")
	if dir == "" {
		dir = filepath.Join(repoRoot(t), "..", "shared", "peers")
	}
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("peers' specs not found at %s (set APIGEN_PEERS)", dir)
		}
		t.Skipf("peers' specs not found at %s (set APIGEN_PEERS); skipping", dir)
	}
	return dir
}

// peerSpecs lists the files under root whose top level has an openapi or
// swagger key, as paths relative to root.
func peerSpecs(t *testing.T, root string) []string {
	t.Helper()
	var specs []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch filepath.Ext(p) {
		case ".json", ".yaml", ".yml":
		default:
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var top map[string]yaml.Node
		if yaml.Unmarshal(data, &top) != nil {
			return nil
		}
		_, o := top["openapi"]
		_, s := top["swagger"]
		if o || s {
			rel, _ := filepath.Rel(root, p)
			specs = append(specs, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(specs)
	return specs
}

// suite names the peer test suite a spec belongs to.
func suite(spec string) string {
	switch {
	case strings.HasPrefix(spec, "ogen/negative"):
		return "ogen negative"
	case strings.HasPrefix(spec, "ogen/positive"):
		return "ogen positive"
	case strings.HasPrefix(spec, "ogen/"):
		return "ogen examples"
	case strings.HasPrefix(spec, "oapi-codegen/issues/"):
		return "oapi-codegen issues"
	}
	return "oapi-codegen tests"
}

func negative(spec string) bool { return strings.HasPrefix(spec, "ogen/negative") }

// peerResult is what happened to one spec.
type peerResult struct {
	spec, pkg string
	Ops       int    `json:"ops"`
	Methods   int    `json:"methods"`
	Covered   int    `json:"covered"`
	Warnings  int    `json:"warnings"`
	Error     string `json:"error"`
	crash     string // the child died or hung
	took      time.Duration
	generated bool
	build     string // go build / go vet output for this package, "" when clean
}

// peerModule makes the module the clients are built in.
func peerModule(t *testing.T) string {
	dir := t.TempDir()
	root := repoRoot(t)
	gomod := "module example.com/peers\n\ngo 1.25\n\nrequire github.com/apigen-go/apigen v0.0.0\n\nreplace github.com/apigen-go/apigen => " + root + "\n"
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644)
	sum, _ := os.ReadFile(filepath.Join(root, "go.sum"))
	os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644)
	return dir
}

const peerMarker = "PEERRESULT "

// peerImports are the import mappings of oapi-codegen's multi-package
// tests, as their configuration files give them: spec → the files it maps
// (relative to it). The files are specs of the run too, so each is mapped
// to the package generated from it. The runner cannot read the pairing
// of spec and configuration from ../shared/peers (it is in go:generate
// lines that were not copied), hence this table. Left out: mappings of
// fragments (externalref's packageA and packageB, issue1825's packageA:
// not specs, so no package is generated from them), of remote documents,
// and of files the spec never refers to (issue-1378's common.yaml, in the
// configurations of both bionicle.yaml and foo-service.yaml; issue-2010's
// spec-other.yaml), which apigen rejects.
var peerImports = map[string][]string{
	"oapi-codegen/issues/issue-1093/child.api.yaml":   {"parent.api.yaml"},
	"oapi-codegen/issues/issue-1182/pkg1.yaml":        {"pkg2.yaml"},
	"oapi-codegen/issues/issue-1212/pkg1.yaml":        {"pkg2.yaml"},
	"oapi-codegen/issues/issue-1378/foo-service.yaml": {"bionicle.yaml"},
	"oapi-codegen/issues/issue-2113/spec.yaml":        {"common/spec.yaml"},
	"oapi-codegen/issues/issue-2308/spec-base.yaml":   {"spec-ext.yaml"},
	"oapi-codegen/issues/issue-2422/spec-base.yaml":   {"spec-ext.yaml"},
}

// peerMapping is the import mapping spec is generated with: each file of
// peerImports that the run generates, mapped to its package.
func peerMapping(spec string, specs []string) map[string]string {
	m := map[string]string{}
	for _, file := range peerImports[spec] {
		if i := slices.Index(specs, path.Join(path.Dir(spec), file)); i >= 0 {
			m[file] = fmt.Sprintf("example.com/peers/p%03d", i)
		}
	}
	return m
}

// generatePeer generates spec into out in a child process (this test
// binary, running TestPeerChild).
func generatePeer(t *testing.T, spec, out string, mapping map[string]string) *peerResult {
	ctx, cancel := context.WithTimeout(context.Background(), peerLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestPeerChild$", "-test.count=1")
	m, _ := json.Marshal(mapping)
	cmd.Env = append(os.Environ(), "APIGEN_PEER_SPEC="+spec, "APIGEN_PEER_OUT="+out, "APIGEN_PEER_MAPPING="+string(m))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := &peerResult{took: time.Since(start)}
	if ctx.Err() != nil {
		r.crash = fmt.Sprintf("hang: no result after %v", peerLimit)
		return r
	}
	_, line, found := strings.Cut(stdout.String(), peerMarker)
	if !found {
		r.crash = fmt.Sprintf("crash (%v): %s", err, truncate(append(stdout.Bytes(), stderr.Bytes()...), 600))
		return r
	}
	line, _, _ = strings.Cut(line, "\n")
	if err := json.Unmarshal([]byte(line), r); err != nil {
		r.crash = "unreadable child result: " + line
	}
	r.generated = r.Error == "" && r.crash == ""
	return r
}

// TestPeerChild is the child process of TestPeers: it generates one spec
// and prints what it saw.
func TestPeerChild(t *testing.T) {
	spec, out := os.Getenv("APIGEN_PEER_SPEC"), os.Getenv("APIGEN_PEER_OUT")
	if spec == "" {
		return // only TestPeers runs it, as a child process
	}
	var r peerResult
	var mapping map[string]string
	json.Unmarshal([]byte(os.Getenv("APIGEN_PEER_MAPPING")), &mapping)
	res, err := Generate(Config{Spec: spec, Out: out, Package: filepath.Base(out), ImportMapping: mapping})
	if err != nil {
		r.Error = err.Error()
	} else {
		r.Ops = specOperations(res)
		r.Methods = len(res.API.Operations)
		for _, op := range res.API.Operations {
			if op.BodyVariantOf == "" {
				r.Covered++
			}
		}
		r.Warnings = len(res.Warnings)
		if err := Write(out, res.Files); err != nil {
			r.Error = err.Error()
		}
	}
	b, _ := json.Marshal(r)
	fmt.Println(peerMarker + string(b))
}

// packageHeader is the "# example.com/peers/p001" line go build and go vet
// print before a package's errors.
var packageHeader = regexp.MustCompile(`(?m)^# example\.com/peers/(p\d+)(?: \[.*\])?$`)

// buildPeers builds and vets every generated client in one go build and
// one go vet, and files each package's output under its result.
func buildPeers(t *testing.T, mod string, results []*peerResult) {
	byPkg := map[string]*peerResult{}
	any := false
	for _, r := range results {
		byPkg[r.pkg] = r
		any = any || r.generated
	}
	if !any {
		return
	}
	for _, args := range [][]string{{"build", "./..."}, {"vet", "./..."}} {
		cmd := exec.Command("go", args...)
		cmd.Dir = mod
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off")
		out, _ := cmd.CombinedOutput()
		locs := packageHeader.FindAllSubmatchIndex(out, -1)
		for i, loc := range locs {
			end := len(out)
			if i+1 < len(locs) {
				end = locs[i+1][0]
			}
			r := byPkg[string(out[loc[2]:loc[3]])]
			if r != nil && r.build == "" {
				r.build = "go " + args[0] + ": " + strings.TrimSpace(string(out[loc[1]:end]))
			}
		}
		if len(locs) == 0 && cmd.ProcessState.ExitCode() != 0 {
			t.Fatalf("go %s failed without naming a package:\n%s", args[0], truncate(out, 4000))
		}
	}
}

// ok says whether r passes: see TestPeers.
func (r *peerResult) ok() bool {
	if r.crash != "" {
		return false
	}
	if negative(r.spec) && r.Error != "" {
		return r.took < negativeLimit
	}
	return r.generated && r.build == "" && r.Covered == r.Ops
}

// peerTable renders the summary per suite and a row per spec that did not
// pass, and lists the failures the test reports.
func peerTable(results []*peerResult, tools map[string]map[string]string) (string, []string) {
	type tally struct {
		specs, ok, crashes, rejected int
		tool, toolCrashes            map[string]int
	}
	suites := map[string]*tally{}
	var names []string
	var rows, failures []string
	toolNames := slices.Sorted(mapKeys(tools))
	for _, r := range results {
		s := suite(r.spec)
		if suites[s] == nil {
			suites[s] = &tally{tool: map[string]int{}, toolCrashes: map[string]int{}}
			names = append(names, s)
		}
		ts := suites[s]
		ts.specs++
		if r.ok() {
			ts.ok++
		}
		if r.crash != "" {
			ts.crashes++
		}
		if negative(r.spec) && r.Error != "" {
			ts.rejected++
		}
		for _, tool := range toolNames {
			res := tools[tool][r.spec]
			if peerPassed(r.spec, res) {
				ts.tool[tool]++
			}
			if res == "crash" || res == "hang" {
				ts.toolCrashes[tool]++
			}
		}
		if r.ok() && len(tools) == 0 {
			continue
		}
		status := "ok"
		switch {
		case r.crash != "":
			status = "CRASH/HANG"
		case negative(r.spec) && r.Error != "" && r.ok():
			status = "rejected"
		case r.Error != "":
			status = "FAIL: " + firstLine(r.Error)
		case r.build != "":
			status = "FAIL: " + firstLine(r.build)
		case r.Covered != r.Ops:
			status = fmt.Sprintf("FAIL: %d operations, %d methods", r.Ops, r.Covered)
		}
		row := fmt.Sprintf("| %s | %s | %d | %d | %d | %v |", r.spec, strings.ReplaceAll(status, "|", `\|`), r.Ops, r.Methods, r.Warnings, r.took.Round(10*time.Millisecond))
		for _, tool := range toolNames {
			row += " " + tools[tool][r.spec] + " |"
		}
		rows = append(rows, row)
		if !r.ok() {
			failures = append(failures, fmt.Sprintf("%s: %s\n%s", r.spec, status, r.crash+r.Error+r.build))
		}
	}
	var b strings.Builder
	b.WriteString("| suite | specs | apigen pass | crashes/hangs | negative rejected |")
	for _, tool := range toolNames {
		b.WriteString(" " + tool + " pass | " + tool + " crashes/hangs |")
	}
	b.WriteString("\n|---|---|---|---|---|" + strings.Repeat("---|---|", len(toolNames)) + "\n")
	var all, positive tally
	all.tool, all.toolCrashes, positive.tool = map[string]int{}, map[string]int{}, map[string]int{}
	sort.Strings(names)
	for _, n := range names {
		ts := suites[n]
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d |", n, ts.specs, ts.ok, ts.crashes, ts.rejected)
		all.specs, all.ok, all.crashes = all.specs+ts.specs, all.ok+ts.ok, all.crashes+ts.crashes
		if n != "ogen negative" {
			positive.specs, positive.ok = positive.specs+ts.specs, positive.ok+ts.ok
		}
		for _, tool := range toolNames {
			fmt.Fprintf(&b, " %d | %d |", ts.tool[tool], ts.toolCrashes[tool])
			all.tool[tool] += ts.tool[tool]
			all.toolCrashes[tool] += ts.toolCrashes[tool]
			if n != "ogen negative" {
				positive.tool[tool] += ts.tool[tool]
			}
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "| **all** | %d | %d | %d | |", all.specs, all.ok, all.crashes)
	for _, tool := range toolNames {
		fmt.Fprintf(&b, " %d | %d |", all.tool[tool], all.toolCrashes[tool])
	}
	fmt.Fprintf(&b, "\n\npositive specs: %d of %d generate, build, vet with every operation", positive.ok, positive.specs)
	for _, tool := range toolNames {
		fmt.Fprintf(&b, "; %s %d", tool, positive.tool[tool])
	}
	b.WriteString("\n\n")
	if len(rows) > 0 {
		b.WriteString("| spec | status | operations | methods | warnings | generate |")
		for _, tool := range toolNames {
			b.WriteString(" " + tool + " |")
		}
		b.WriteString("\n|---|---|---|---|---|---|" + strings.Repeat("---|", len(toolNames)) + "\n")
		b.WriteString(strings.Join(rows, "\n"))
		b.WriteString("\n")
	}
	return b.String(), failures
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

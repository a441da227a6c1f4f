package generator

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// peerTools are the generators PEERS_COMPARE=1 runs beside apigen, each
// installed with go install at a pinned version (so the comparison needs
// the module proxy and its figures do not move under it) and run the way the issue measured them: oapi-codegen's types and
// client, ogen's client with ignore_not_implemented.
var peerTools = []struct {
	name, module string
	run          func(bin, spec, dir, pkg string) *exec.Cmd
}{
	{"oapi-codegen", "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@v2.8.2", func(bin, spec, dir, pkg string) *exec.Cmd {
		return exec.Command(bin, "-generate", "types,client", "-package", pkg, "-o", filepath.Join(dir, "gen.go"), spec)
	}},
	{"ogen", "github.com/ogen-go/ogen/cmd/ogen@v1.25.0", func(bin, spec, dir, pkg string) *exec.Cmd {
		cfg := filepath.Join(filepath.Dir(dir), "ogen.yml")
		os.WriteFile(cfg, []byte("generator:\n  features:\n    disable_all: true\n    enable: [paths/client]\n  ignore_not_implemented: [all]\n"), 0o644)
		return exec.Command(bin, "-package", pkg, "-target", dir, "-clean", "-config", cfg, spec)
	}},
}

// comparePeers runs every peer tool on specs and returns, per tool and
// spec, "ok" or what failed (generate, build or vet; operations are not
// counted for them).
func comparePeers(t *testing.T, root string, specs []string) map[string]map[string]string {
	bins := installPeerTools(t, t.Errorf)
	out := map[string]map[string]string{}
	for _, tool := range peerTools {
		if bins[tool.name] == "" {
			continue
		}
		mod := t.TempDir()
		os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module example.com/peers\n\ngo 1.25\n"), 0o644)
		res := map[string]string{}
		for i, spec := range specs {
			pkg := fmt.Sprintf("p%03d", i)
			dir := filepath.Join(mod, pkg)
			os.MkdirAll(dir, 0o755)
			cmd := tool.run(bins[tool.name], filepath.Join(root, spec), dir, pkg)
			cmd.Dir = filepath.Dir(filepath.Join(root, spec))
			if res[spec], _ = runPeerTool(cmd, peerLimit); res[spec] == "ok" {
				continue
			}
			os.RemoveAll(dir)
		}
		tidy := exec.Command("go", "mod", "tidy")
		tidy.Dir = mod
		tidy.Env = append(os.Environ(), "GOFLAGS=")
		if b, err := tidy.CombinedOutput(); err != nil {
			t.Logf("%s: go mod tidy: %v\n%s", tool.name, err, truncate(b, 1000))
		}
		for _, args := range [][]string{{"build", "./..."}, {"vet", "./..."}} {
			cmd := exec.Command("go", args...)
			cmd.Dir = mod
			cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
			b, _ := cmd.CombinedOutput()
			for _, m := range packageHeader.FindAllSubmatch(b, -1) {
				var i int
				fmt.Sscanf(string(m[1]), "p%03d", &i)
				if i < len(specs) && res[specs[i]] == "ok" {
					res[specs[i]] = args[0] + " fails"
				}
			}
		}
		out[tool.name] = res
	}
	return out
}

// installPeerTools installs every peer tool into a temporary directory
// and returns the path of each binary by tool name; a tool that does not
// install is reported through report and left out.
func installPeerTools(t *testing.T, report func(format string, args ...any)) map[string]string {
	bin := t.TempDir()
	bins := map[string]string{}
	for _, tool := range peerTools {
		install := exec.Command("go", "install", tool.module)
		install.Env = append(os.Environ(), "GOBIN="+bin, "GOFLAGS=")
		if b, err := install.CombinedOutput(); err != nil {
			report("go install %s: %v\n%s", tool.module, err, truncate(b, 2000))
			continue
		}
		bins[tool.name] = filepath.Join(bin, tool.name)
	}
	return bins
}

// crashed says whether a tool's output shows a Go panic or runtime fatal
// error rather than a refusal of the spec.
func crashed(out []byte) bool {
	return bytes.Contains(out, []byte("panic: ")) || bytes.Contains(out, []byte("fatal error: "))
}

// peerPassed is whether a peer tool's result on spec counts as a pass,
// under the rule TestPeers applies to apigen: a positive spec must
// generate, build and vet; a negative one may also be rejected, but not
// crash or hang.
func peerPassed(spec, result string) bool {
	if negative(spec) {
		return result == "ok" || result == "generate fails"
	}
	return result == "ok"
}

// runPeerTool runs cmd with a time limit and says what happened: "ok",
// "hang" (killed at the limit), "crash" (a Go panic or fatal error) or
// "generate fails" (the tool refused the spec), and the tool's output.
func runPeerTool(cmd *exec.Cmd, limit time.Duration) (string, []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	c := exec.CommandContext(ctx, cmd.Path, cmd.Args[1:]...)
	c.Dir, c.Env = cmd.Dir, cmd.Env
	c.WaitDelay = time.Second // a killed tool's children may hold its output open
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, &out
	err := c.Run()
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		return "hang", out.Bytes()
	case crashed(out.Bytes()):
		return "crash", out.Bytes()
	case err != nil:
		return "generate fails", out.Bytes()
	}
	return "ok", out.Bytes()
}

// TestRunPeerTool pins how a peer tool's run is classified: a quick
// successful run is not a hang (every run used to count as one, because
// the context was read after it had been cancelled).
func TestRunPeerTool(t *testing.T) {
	for _, c := range []struct{ script, want string }{
		{"exit 0", "ok"},
		{"echo refused >&2; exit 1", "generate fails"},
		{"echo 'panic: boom' >&2; exit 2", "crash"},
		{"echo 'fatal error: stack overflow' >&2; exit 2", "crash"},
		{"sleep 30", "hang"},
	} {
		limit := 20 * time.Second
		if c.want == "hang" {
			limit = 200 * time.Millisecond
		}
		if got, _ := runPeerTool(exec.Command("sh", "-c", c.script), limit); got != c.want {
			t.Errorf("%q: %s, want %s", c.script, got, c.want)
		}
	}
}

package generator

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// peerTools are the generators PEERS_COMPARE=1 runs beside apigen, each
// installed with go install (so the comparison needs the module proxy)
// and run the way the issue measured them: oapi-codegen's types and
// client, ogen's client with ignore_not_implemented.
var peerTools = []struct {
	name, module string
	run          func(bin, spec, dir, pkg string) *exec.Cmd
}{
	{"oapi-codegen", "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@latest", func(bin, spec, dir, pkg string) *exec.Cmd {
		return exec.Command(bin, "-generate", "types,client", "-package", pkg, "-o", filepath.Join(dir, "gen.go"), spec)
	}},
	{"ogen", "github.com/ogen-go/ogen/cmd/ogen@latest", func(bin, spec, dir, pkg string) *exec.Cmd {
		cfg := filepath.Join(filepath.Dir(dir), "ogen.yml")
		os.WriteFile(cfg, []byte("generator:\n  features:\n    disable_all: true\n    enable: [paths/client]\n  ignore_not_implemented: [all]\n"), 0o644)
		return exec.Command(bin, "-package", pkg, "-target", dir, "-clean", "-config", cfg, spec)
	}},
}

// comparePeers runs every peer tool on specs and returns, per tool and
// spec, "ok" or what failed (generate, build or vet; operations are not
// counted for them).
func comparePeers(t *testing.T, root string, specs []string) map[string]map[string]string {
	bin := t.TempDir()
	out := map[string]map[string]string{}
	for _, tool := range peerTools {
		install := exec.Command("go", "install", tool.module)
		install.Env = append(os.Environ(), "GOBIN="+bin, "GOFLAGS=")
		if b, err := install.CombinedOutput(); err != nil {
			t.Errorf("go install %s: %v\n%s", tool.module, err, truncate(b, 2000))
			continue
		}
		mod := t.TempDir()
		os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module example.com/peers\n\ngo 1.25\n"), 0o644)
		res := map[string]string{}
		for i, spec := range specs {
			pkg := fmt.Sprintf("p%03d", i)
			dir := filepath.Join(mod, pkg)
			os.MkdirAll(dir, 0o755)
			ctx, cancel := context.WithTimeout(context.Background(), peerLimit)
			cmd := tool.run(filepath.Join(bin, tool.name), filepath.Join(root, spec), dir, pkg)
			cmd = exec.CommandContext(ctx, cmd.Path, cmd.Args[1:]...)
			cmd.Dir = filepath.Dir(filepath.Join(root, spec))
			err := cmd.Run()
			cancel()
			switch {
			case ctx.Err() != nil:
				res[spec] = "hang"
			case err != nil:
				res[spec] = "generate fails"
			default:
				res[spec] = "ok"
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

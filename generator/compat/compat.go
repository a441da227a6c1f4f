// Package compat reports how a spec change changes the Go API of the
// generated client: it generates both versions, type-checks them in the
// current module and compares them with golang.org/x/exp/apidiff, the
// reference for Go API compatibility. A removed or renamed operation,
// type or field, a changed field type and an optional field becoming
// required (opt.Opt[T] → T) all break callers.
package compat

import (
	"errors"
	"fmt"
	"go/types"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/exp/apidiff"
	"golang.org/x/tools/go/packages"

	"github.com/apigen-go/apigen/generator"
	"github.com/apigen-go/apigen/generator/load"
)

// Change is one difference of the Go API.
type Change struct {
	Message    string // apidiff's, e.g. "Pet.Name: changed from opt.Opt[string] to string"
	Compatible bool
}

// Report lists the changes, incompatible ones first.
type Report struct {
	Changes  []Change
	Warnings []load.Diagnostic // of both specs, for the caller to print
}

// Breaking reports whether a change breaks callers.
func (r *Report) Breaking() bool {
	for _, c := range r.Changes {
		if !c.Compatible {
			return true
		}
	}
	return false
}

// Compare generates a client from each spec under package name pkg and
// compares their APIs. It needs a Go module in dir (or above) that
// resolves github.com/apigen-go/apigen (this repository, or a module with
// apigen as a tool): the clients are type-checked there, in a temporary
// directory that is removed afterwards. Errors in either spec are returned
// as *load.Error.
func Compare(oldSpec, newSpec, pkg, dir string) (*Report, error) {
	rep := &Report{}
	var results [2]*generator.Result
	for i, spec := range []string{oldSpec, newSpec} {
		res, err := generator.Generate(generator.Config{Spec: spec, Out: pkg, Package: pkg})
		if err != nil {
			return nil, err
		}
		rep.Warnings = append(rep.Warnings, res.Warnings...)
		results[i] = res
	}
	root, err := moduleRoot(dir)
	if err != nil {
		return nil, err
	}
	// A directory starting with "_" is left out of ./... patterns, so a
	// concurrent go build in the module never sees it.
	tmp, err := os.MkdirTemp(root, "_apigendiff")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	var patterns []string
	for i, name := range []string{"old", "new"} {
		d := filepath.Join(tmp, name, pkg)
		if err := generator.Write(d, results[i].Files); err != nil {
			return nil, err
		}
		patterns = append(patterns, "./"+filepath.Base(tmp)+"/"+name+"/"+pkg)
	}
	pkgs, err := packages.Load(&packages.Config{Mode: packages.NeedName | packages.NeedTypes, Dir: root}, patterns...)
	if err != nil {
		return nil, fmt.Errorf("type-check the generated clients: %w", err)
	}
	if len(pkgs) != 2 {
		return nil, fmt.Errorf("type-check the generated clients: got %d packages, want 2", len(pkgs))
	}
	oldPkg, newPkg := pkgs[0], pkgs[1]
	if strings.HasSuffix(path.Dir(oldPkg.PkgPath), "/new") {
		oldPkg, newPkg = newPkg, oldPkg
	}
	for p, spec := range map[*packages.Package]string{oldPkg: oldSpec, newPkg: newSpec} {
		if len(p.Errors) > 0 {
			return nil, fmt.Errorf("type-check the client generated from %s: %v (is github.com/apigen-go/apigen a requirement of the module in %s?)", spec, p.Errors[0], root)
		}
	}
	seen := map[string]bool{}
	for _, c := range apidiff.Changes(oldPkg.Types, newPkg.Types).Changes {
		rep.Changes = append(rep.Changes, Change{Message: c.Message, Compatible: c.Compatible})
		name, _, _ := strings.Cut(c.Message, ":")
		seen[name] = true
	}
	rep.Changes = append(rep.Changes, typeArgChanges(oldPkg.Types, newPkg.Types, seen)...)
	sort.SliceStable(rep.Changes, func(i, j int) bool { return !rep.Changes[i].Compatible && rep.Changes[j].Compatible })
	return rep, nil
}

// typeArgChanges finds the struct fields whose type changed only in its
// type arguments (opt.Opt[int64] → opt.Opt[string]): apidiff takes two
// instances of a generic type from a third package for the same type.
// Fields apidiff reported already (seen) are skipped.
func typeArgChanges(oldPkg, newPkg *types.Package, seen map[string]bool) []Change {
	local := func(p *types.Package) types.Qualifier {
		return func(other *types.Package) string {
			if other == p {
				return ""
			}
			return other.Name()
		}
	}
	var out []Change
	for _, name := range oldPkg.Scope().Names() {
		ot, ok := oldPkg.Scope().Lookup(name).(*types.TypeName)
		if !ok || !ot.Exported() || ot.IsAlias() {
			continue
		}
		nt, ok := newPkg.Scope().Lookup(name).(*types.TypeName)
		if !ok {
			continue
		}
		ost, ok1 := ot.Type().Underlying().(*types.Struct)
		ns, ok2 := nt.Type().Underlying().(*types.Struct)
		if !ok1 || !ok2 {
			continue
		}
		newFields := map[string]*types.Var{}
		for i := range ns.NumFields() {
			newFields[ns.Field(i).Name()] = ns.Field(i)
		}
		for i := range ost.NumFields() {
			of := ost.Field(i)
			nf, ok := newFields[of.Name()]
			key := name + "." + of.Name()
			if !ok || !of.Exported() || seen[key] {
				continue
			}
			if a, b := types.TypeString(of.Type(), local(oldPkg)), types.TypeString(nf.Type(), local(newPkg)); a != b {
				out = append(out, Change{Message: fmt.Sprintf("%s: changed from %s to %s", key, a, b)})
			}
		}
	}
	return out
}

// moduleRoot is the directory of the go.mod that governs dir.
func moduleRoot(dir string) (string, error) {
	cmd := exec.Command("go", "env", "GOMOD")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("apigen diff type-checks the clients in a Go module: run it inside one that requires github.com/apigen-go/apigen (e.g. with apigen as a tool)")
	}
	return filepath.Dir(gomod), nil
}

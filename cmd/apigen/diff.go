package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/apigen-go/apigen/generator"
	"github.com/apigen-go/apigen/generator/compat"
)

const usageDiff = `usage:
  apigen diff [-package NAME] OLD.yaml NEW.yaml

Generates a client from each spec and reports the Go API changes between
them (golang.org/x/exp/apidiff): removed or renamed operations, types and
fields, changed field types, optional fields that became required. Exit 1
when a change breaks callers, 0 when every change is compatible. Run it in
a module that requires github.com/apigen-go/apigen (the clients are
type-checked there).
`

func runDiff(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("diff", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pkg := fs.String("package", "client", "package name the clients are compared under")
	fs.Usage = func() { fmt.Fprint(stderr, usageDiff, "\nflags:\n"); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitBad
	}
	if fs.NArg() != 2 {
		fmt.Fprint(stderr, usageDiff)
		return exitBad
	}
	return compare(fs.Arg(0), fs.Arg(1), *pkg, fs.Arg(1), stdout, stderr)
}

// compare prints the API changes from oldSpec to newSpec under label and
// returns the exit code: 1 when a change breaks callers.
func compare(oldSpec, newSpec, pkg, label string, stdout, stderr io.Writer) int {
	wd, err := os.Getwd()
	if err != nil {
		fmt.Fprintf(stderr, "apigen diff: %v\n", err)
		return exitBad
	}
	rep, err := compat.Compare(oldSpec, newSpec, pkg, wd)
	if err != nil {
		printError(stderr, err)
		return exitBad
	}
	var breaking, compatible []string
	for _, c := range rep.Changes {
		if c.Compatible {
			compatible = append(compatible, c.Message)
		} else {
			breaking = append(breaking, c.Message)
		}
	}
	if len(breaking) > 0 {
		fmt.Fprintf(stdout, "%s: changes that break callers:\n", label)
		for _, m := range breaking {
			fmt.Fprintf(stdout, "- %s\n", m)
		}
	}
	if len(compatible) > 0 {
		fmt.Fprintf(stdout, "%s: compatible changes:\n", label)
		for _, m := range compatible {
			fmt.Fprintf(stdout, "- %s\n", m)
		}
	}
	if len(breaking) > 0 {
		return exitStale
	}
	return exitOK
}

// verifyBase compares each client's spec at git revision base with the
// spec on disk: exit 1 when a change breaks callers. A spec that did not
// exist at base is new, not a change.
func verifyBase(base string, jobs []generator.Config, stdout, stderr io.Writer) int {
	code := exitOK
	for _, job := range jobs {
		old, err := specAt(base, job.Spec)
		if err != nil {
			fmt.Fprintf(stderr, "apigen verify -base %s: %v\n", base, err)
			code = max(code, exitBad)
			continue
		}
		if old == nil {
			continue
		}
		tmp, err := os.MkdirTemp("", "apigen-base")
		if err != nil {
			fmt.Fprintf(stderr, "apigen verify: %v\n", err)
			return exitBad
		}
		oldPath := filepath.Join(tmp, base+"-"+filepath.Base(job.Spec))
		if err := os.WriteFile(oldPath, old, 0o644); err != nil {
			os.RemoveAll(tmp)
			fmt.Fprintf(stderr, "apigen verify: %v\n", err)
			return exitBad
		}
		pkg := job.Package
		if pkg == "" {
			pkg = "client"
		}
		c := compare(oldPath, job.Spec, pkg, job.Spec+" since "+base, stdout, stderr)
		os.RemoveAll(tmp)
		code = max(code, c)
	}
	return code
}

// specAt reads path as it was at git revision rev; nil when it did not
// exist then.
func specAt(rev, path string) ([]byte, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("git", "show", rev+":./"+filepath.Base(abs))
	cmd.Dir = filepath.Dir(abs)
	var errb strings.Builder
	cmd.Stderr = &errb
	out, err := cmd.Output()
	if err != nil {
		msg := errb.String()
		if strings.Contains(msg, "does not exist in") || strings.Contains(msg, "exists on disk, but not in") {
			return nil, nil
		}
		return nil, fmt.Errorf("git show %s:%s: %s", rev, path, strings.TrimSpace(msg))
	}
	return out, nil
}

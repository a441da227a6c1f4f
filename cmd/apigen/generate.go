package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/apigen-go/apigen/generator"
	"github.com/apigen-go/apigen/generator/load"
)

const usageGenerate = `usage:
  apigen generate [-config apigen.yaml] [-strict] [-allow-remote] [-import-mapping FILE=PACKAGE]... [-v]
  apigen generate -spec FILE -out DIR [-package NAME] [-env-prefix PREFIX] [-strict] [-allow-remote] [-import-mapping FILE=PACKAGE]... [-v]

Generates every client listed in the config file (default ./apigen.yaml), or
the one client given by -spec and -out. Only files apigen wrote are replaced
or removed; hand-written files beside them are left alone. Every failing
client is reported, then apigen exits 2.
`

const usageVerify = `usage:
  apigen verify [-config apigen.yaml] [-base REF] [-strict] [-allow-remote] [-import-mapping FILE=PACKAGE]... [-v]
  apigen verify -spec FILE -out DIR [-package NAME] [-env-prefix PREFIX] [-strict] [-allow-remote] [-import-mapping FILE=PACKAGE]... [-v]

Generates in memory and compares with the files on disk: exit 1 with a
unified diff per stale file on stdout. With -base REF, also compares the
Go API of each client with what the specs at git revision REF generate and
exits 1 when a change breaks callers (see apigen help diff).
`

// genFlags are the flags of generate and verify.
type genFlags struct {
	fs                                *flag.FlagSet
	config, spec, out, pkg, envPrefix *string
	strict, verbose, allowRemote      *bool
	importMapping                     map[string]string
	base                              *string // verify only
}

func flagsOf(cmd string, output io.Writer) *flag.FlagSet {
	switch cmd {
	case "generate", "verify":
		return newGenFlags(cmd, output).fs
	}
	return nil
}

func newGenFlags(cmd string, output io.Writer) *genFlags {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(output)
	f := &genFlags{fs: fs, importMapping: map[string]string{}}
	f.config = fs.String("config", "apigen.yaml", "config file listing the clients (paths in it are relative to it)")
	f.spec = fs.String("spec", "", "OpenAPI document (instead of -config)")
	f.out = fs.String("out", "", "output directory (with -spec)")
	f.pkg = fs.String("package", "", "Go package name (default: the package of the Go files in -out, else its base name)")
	f.envPrefix = fs.String("env-prefix", "", "prefix of the variables CredentialsFromEnv reads (default: the spec's x-apigen-env-prefix, else the package name in upper case)")
	f.strict = fs.Bool("strict", false, "treat every warning as an error")
	f.allowRemote = fs.Bool("allow-remote", false, "let $refs name documents over http(s); without it such a reference is an error")
	f.verbose = fs.Bool("v", false, "print per-stage timings")
	fs.Func("import-mapping", "`FILE=PACKAGE`: the schemas of FILE (relative to the spec) are the types of the Go package generated from it (repeatable; with -config, added to each client's importMapping)", func(v string) error {
		file, pkg, ok := strings.Cut(v, "=")
		if !ok || file == "" || pkg == "" {
			return fmt.Errorf("want FILE=PACKAGE, got %q", v)
		}
		if _, dup := f.importMapping[file]; dup {
			return fmt.Errorf("%s is mapped twice", file)
		}
		f.importMapping[file] = pkg
		return nil
	})
	if cmd == "verify" {
		f.base = fs.String("base", "", "git revision whose specs the Go API must stay compatible with (exit 1 on a breaking change)")
	}
	return f
}

func generateOrVerify(cmd string, args []string, stdout, stderr io.Writer) int {
	f := newGenFlags(cmd, stderr)
	f.fs.Usage = func() { fmt.Fprint(stderr, commands[cmd].usage, "\nflags:\n"); f.fs.PrintDefaults() }
	if err := f.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitBad
	}
	if f.fs.NArg() > 0 {
		fmt.Fprintf(stderr, "apigen %s: unexpected arguments %v\n", cmd, f.fs.Args())
		return exitBad
	}
	var jobs []generator.Config
	if *f.spec != "" {
		if *f.out == "" {
			fmt.Fprintf(stderr, "apigen %s: -spec needs -out\n", cmd)
			return exitBad
		}
		jobs = append(jobs, generator.Config{Spec: *f.spec, Out: *f.out, Package: *f.pkg, EnvPrefix: *f.envPrefix})
	} else {
		var err error
		if jobs, err = readConfig(*f.config); err != nil {
			fmt.Fprintf(stderr, "apigen %s: %v\n", cmd, err)
			return exitBad
		}
	}
	code := exitOK
	fail := func(c int) {
		if c > code {
			code = c
		}
	}
	for _, job := range jobs {
		job.Strict = job.Strict || *f.strict
		job.AllowRemote = *f.allowRemote
		if err := addMapping(&job, f.importMapping); err != nil {
			fmt.Fprintf(stderr, "apigen %s: %s: %v\n", cmd, job.Spec, err)
			fail(exitBad)
			continue
		}
		res, err := generator.Generate(job)
		if res != nil {
			for _, w := range res.Warnings {
				fmt.Fprintln(stderr, w.String())
			}
		}
		if err != nil {
			printError(stderr, err)
			fail(exitBad)
			continue // report every failing client
		}
		if *f.verbose {
			for _, t := range res.Timings {
				fmt.Fprintf(stderr, "%s: %s %v\n", job.Spec, t.Stage, t.Duration.Round(time.Microsecond))
			}
		}
		if cmd == "generate" {
			if err := generator.Write(job.Out, res.Files); err != nil {
				fmt.Fprintf(stderr, "apigen generate: %v\n", err)
				fail(exitBad)
				continue
			}
			fmt.Fprintf(stdout, "%s → %s (%d operations, %d files)\n", job.Spec, job.Out, len(res.API.Operations), len(res.Files))
			continue
		}
		diff, err := generator.Diff(job.Out, res.Files)
		if err != nil {
			fmt.Fprintf(stderr, "apigen verify: %v\n", err)
			fail(exitBad)
			continue
		}
		if diff != "" {
			fmt.Fprint(stdout, diff)
			fmt.Fprintf(stderr, "apigen verify: %s is stale; run apigen generate\n", job.Out)
			fail(exitStale)
		}
	}
	if cmd == "verify" && *f.base != "" && code == exitOK {
		fail(verifyBase(*f.base, jobs, stdout, stderr))
	}
	return code
}

// addMapping adds the -import-mapping flags to a client's own mapping; a
// file both map is an error rather than one silently winning.
func addMapping(job *generator.Config, flags map[string]string) error {
	if len(flags) == 0 {
		return nil
	}
	m := make(map[string]string, len(job.ImportMapping)+len(flags))
	for k, v := range job.ImportMapping {
		m[k] = v
	}
	for k, v := range flags {
		if old, ok := m[k]; ok && old != v {
			return fmt.Errorf("-import-mapping %s=%s: the config maps %s to %s", k, v, k, old)
		}
		m[k] = v
	}
	job.ImportMapping = m
	return nil
}

func printError(w io.Writer, err error) {
	var le *load.Error
	if errors.As(err, &le) {
		for _, d := range le.Diagnostics {
			fmt.Fprintln(w, d.String())
		}
		return
	}
	fmt.Fprintf(w, "apigen: %v\n", err)
}

// Command apigen generates typed Go clients from OpenAPI documents.
//
//	apigen generate                    # every client listed in ./apigen.yaml
//	apigen generate -spec F -out D -package P
//	apigen verify [-config apigen.yaml | -spec F -out D -package P]
//	apigen version
//
// Exit codes: 0 ok, 1 generated code is stale (verify), 2 bad input, usage
// or I/O error. Diagnostics go to stderr as "file:line: pointer: message".
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"

	"go.yaml.in/yaml/v3"

	"github.com/apigen-go/apigen/generator"
	"github.com/apigen-go/apigen/generator/load"
)

const (
	exitOK    = 0
	exitStale = 1
	exitBad   = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage:
  apigen generate [-config apigen.yaml] [-v]
  apigen generate -spec FILE -out DIR [-package NAME] [-v]
  apigen verify   [-config apigen.yaml] [-v]
  apigen verify   -spec FILE -out DIR [-package NAME] [-v]
  apigen version
`

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitBad
	}
	switch args[0] {
	case "version":
		fmt.Fprintln(stdout, "apigen", version())
		return exitOK
	case "generate", "verify":
		return generateOrVerify(args[0], args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "apigen: unknown command %q\n%s", args[0], usage)
	return exitBad
}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// configFile is apigen.yaml.
type configFile struct {
	Clients []struct {
		Spec    string `yaml:"spec"`
		Out     string `yaml:"out"`
		Package string `yaml:"package"`
	} `yaml:"clients"`
}

func generateOrVerify(cmd string, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "apigen.yaml", "config file listing the clients")
	spec := fs.String("spec", "", "OpenAPI document (instead of -config)")
	out := fs.String("out", "", "output directory (with -spec)")
	pkg := fs.String("package", "", "Go package name (default: base name of -out)")
	verbose := fs.Bool("v", false, "print per-stage timings")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitBad
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "apigen %s: unexpected arguments %v\n", cmd, fs.Args())
		return exitBad
	}
	var jobs []generator.Config
	if *spec != "" {
		if *out == "" {
			fmt.Fprintf(stderr, "apigen %s: -spec needs -out\n", cmd)
			return exitBad
		}
		jobs = append(jobs, generator.Config{Spec: *spec, Out: *out, Package: *pkg})
	} else {
		var err error
		if jobs, err = readConfig(*configPath); err != nil {
			fmt.Fprintf(stderr, "apigen %s: %v\n", cmd, err)
			return exitBad
		}
	}
	code := exitOK
	for _, job := range jobs {
		res, err := generator.Generate(job)
		if res != nil {
			for _, w := range res.Warnings {
				fmt.Fprintln(stderr, w.String())
			}
		}
		if err != nil {
			printError(stderr, err)
			return exitBad
		}
		if *verbose {
			for _, t := range res.Timings {
				fmt.Fprintf(stderr, "%s: %s %v\n", job.Spec, t.Stage, t.Duration.Round(1000))
			}
		}
		if cmd == "generate" {
			if err := generator.Write(job.Out, res.Files); err != nil {
				fmt.Fprintf(stderr, "apigen generate: %v\n", err)
				return exitBad
			}
			fmt.Fprintf(stdout, "%s → %s (%d operations, %d files)\n", job.Spec, job.Out, len(res.API.Operations), len(res.Files))
			continue
		}
		diff, err := generator.Diff(job.Out, res.Files)
		if err != nil {
			fmt.Fprintf(stderr, "apigen verify: %v\n", err)
			return exitBad
		}
		if diff != "" {
			fmt.Fprint(stdout, diff)
			fmt.Fprintf(stderr, "apigen verify: %s is stale; run apigen generate\n", job.Out)
			code = exitStale
		}
	}
	return code
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

// readConfig reads apigen.yaml; paths in it are relative to the file.
func readConfig(path string) ([]generator.Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var cf configFile
	if err := yaml.Unmarshal(data, &cf); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if len(cf.Clients) == 0 {
		return nil, fmt.Errorf("%s: no clients listed", path)
	}
	dir := filepath.Dir(path)
	var jobs []generator.Config
	for i, c := range cf.Clients {
		if c.Spec == "" || c.Out == "" {
			return nil, fmt.Errorf("%s: clients[%d] needs spec and out", path, i)
		}
		jobs = append(jobs, generator.Config{Spec: relTo(dir, c.Spec), Out: relTo(dir, c.Out), Package: c.Package})
	}
	return jobs, nil
}

// relTo resolves a path of the config file: relative paths are relative
// to the file's directory, absolute ones are used as given.
func relTo(dir, path string) string {
	if filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(dir, path)
}

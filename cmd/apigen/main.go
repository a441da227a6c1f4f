// Command apigen generates typed Go clients from OpenAPI documents.
//
//	apigen generate [-strict]          # every client listed in ./apigen.yaml
//	apigen generate -spec F -out D [-package P] [-strict]
//	apigen verify [-config apigen.yaml | -spec F -out D -package P] [-strict]
//	apigen diff OLD.yaml NEW.yaml
//	apigen help [command]
//	apigen -version
//
// Exit codes: 0 ok, 1 generated code is stale (verify) or the API breaks
// callers (diff), 2 bad input, usage or I/O error. Diagnostics go to stderr
// as "file:line: pointer: message".
package main

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
)

const (
	exitOK    = 0
	exitStale = 1
	exitBad   = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// command is one subcommand of apigen.
type command struct {
	usage string // first lines of its help
	run   func(args []string, stdout, stderr io.Writer) int
}

var commands map[string]command

func init() {
	commands = map[string]command{
		"generate": {usageGenerate, func(a []string, o, e io.Writer) int { return generateOrVerify("generate", a, o, e) }},
		"verify":   {usageVerify, func(a []string, o, e io.Writer) int { return generateOrVerify("verify", a, o, e) }},
		"diff":     {usageDiff, runDiff},
		"version":  {"usage: apigen version (or apigen -version)\n\nPrints the module version apigen was built from.\n", runVersion},
		"help":     {"usage: apigen help [command]\n", runHelp},
	}
}

const usage = `usage:
  apigen generate [-config apigen.yaml] [-strict] [-v]
  apigen generate -spec FILE -out DIR [-package NAME] [-env-prefix PREFIX] [-strict] [-allow-remote] [-v]
  apigen verify   [-config apigen.yaml] [-base REF] [-strict] [-v]
  apigen verify   -spec FILE -out DIR [-package NAME] [-strict] [-v]
  apigen diff     OLD.yaml NEW.yaml
  apigen help     [command]
  apigen -version

Exit codes: 0 ok, 1 stale (verify) or breaking (diff), 2 bad input, usage or I/O error.
Run "apigen help <command>" for the flags of one command.
`

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitBad
	}
	switch args[0] {
	case "-version", "--version":
		return runVersion(nil, stdout, stderr)
	case "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "apigen: unknown command %q\n%s", args[0], usage)
		return exitBad
	}
	return cmd.run(args[1:], stdout, stderr)
}

func runHelp(args []string, stdout, stderr io.Writer) int {
	switch len(args) {
	case 0:
		fmt.Fprint(stdout, usage)
		return exitOK
	case 1:
		cmd, ok := commands[args[0]]
		if !ok {
			fmt.Fprintf(stderr, "apigen help: unknown command %q; the commands are %s\n", args[0], strings.Join(commandNames(), ", "))
			return exitBad
		}
		fmt.Fprint(stdout, cmd.usage)
		if fs := flagsOf(args[0], stdout); fs != nil {
			fmt.Fprintln(stdout, "\nflags:")
			fs.PrintDefaults()
		}
		return exitOK
	}
	fmt.Fprintln(stderr, "usage: apigen help [command]")
	return exitBad
}

func commandNames() []string {
	return []string{"generate", "verify", "diff", "version", "help"}
}

func runVersion(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintf(stderr, "apigen version: unexpected arguments %v\n", args)
		return exitBad
	}
	fmt.Fprintln(stdout, "apigen", version())
	return exitOK
}

// version is the module version apigen was built from: a tag or pseudo
// version when installed with go install or go get -tool, "devel" in a
// checkout of this repository.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	return moduleVersion(bi)
}

// modulePath is apigen's module, found as the main module (go install,
// a checkout) or as a dependency (go tool apigen in another module).
const modulePath = "github.com/apigen-go/apigen"

func moduleVersion(bi *debug.BuildInfo) string {
	m := &bi.Main
	if m.Path != modulePath {
		m = nil
		for _, d := range bi.Deps {
			if d.Path == modulePath {
				m = d
			}
		}
	}
	switch {
	case m == nil || m.Version == "" || m.Version == "(devel)":
		return "devel"
	case m.Replace != nil && m.Replace.Version == "":
		return m.Version + " (replaced by " + m.Replace.Path + ")"
	case m.Replace != nil:
		return m.Replace.Version
	}
	return m.Version
}

// Package generator turns an OpenAPI document into a Go client package:
// load (kin-openapi, normalised) → build (the model) → emit (jennifer) and
// render (templates/), then write or compare. Generate reads as the table
// of contents of that pipeline; each stage is its own package.
package generator

import (
	"bytes"
	"errors"
	"fmt"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/apigen-go/apigen/generator/build"
	"github.com/apigen-go/apigen/generator/emit"
	"github.com/apigen-go/apigen/generator/load"
	"github.com/apigen-go/apigen/generator/model"
)

// Config is one client to generate.
type Config struct {
	Spec    string // path of the OpenAPI document
	Out     string // output directory
	Package string // Go package name
	// Strict turns every warning into an error (apigen -strict): the
	// warnings are returned as a *load.Error and no files are produced.
	Strict bool
	// AllowRemote lets $refs name documents over http and https
	// (apigen -allow-remote); off by default.
	AllowRemote bool
	// EnvPrefix is the prefix of the environment variables
	// CredentialsFromEnv reads, without the trailing "_". Default: the
	// spec's x-apigen-env-prefix, else the package name in upper case.
	EnvPrefix string
	// ImportMapping maps files the spec refers to (paths relative to the
	// spec's directory) to the Go packages generated from them:
	// "common.yaml": "github.com/acme/api/common", or "name path" to
	// import the package under another name. Schemas of a mapped file
	// are that package's types, not declared again (docs/imports.md).
	ImportMapping map[string]string
}

// Result is a generated client, not yet written.
type Result struct {
	Files    []emit.File // sorted by name
	Warnings []load.Diagnostic
	API      *model.API
	Doc      *openapi3.T // the loaded document, for tools that compare against it
	Timings  []Timing
}

// Timing is how long one stage took.
type Timing struct {
	Stage    string
	Duration time.Duration
}

// Generate runs the pipeline in memory. A spec that cannot be generated
// returns a *load.Error listing every problem with file, line and pointer.
func Generate(cfg Config) (_ *Result, err error) {
	defer func() {
		if r := recover(); r != nil { // a bug, not bad input: never a crash
			err = fmt.Errorf("%s: internal error: %v (please report this with the description that caused it)", cfg.Spec, r)
		}
	}()
	if cfg.Package == "" {
		pkg, err := InferPackage(cfg.Out)
		if err != nil {
			return nil, err
		}
		cfg.Package = pkg
	}
	if !validPackage(cfg.Package) {
		return nil, fmt.Errorf("package name %q is not a Go identifier", cfg.Package)
	}
	if cfg.EnvPrefix != "" && !validEnvPrefix(cfg.EnvPrefix) {
		return nil, fmt.Errorf("environment variable prefix %q: want upper-case letters, digits and underscores, starting with a letter", cfg.EnvPrefix)
	}
	res := &Result{}
	stage := func(name string, start time.Time) {
		res.Timings = append(res.Timings, Timing{name, time.Since(start)})
	}

	mappings, err := parseImportMapping(cfg.Spec, cfg.ImportMapping)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	opts := load.Options{DropExamples: true, AllowRemote: cfg.AllowRemote}
	for _, m := range mappings {
		opts.Imports = append(opts.Imports, m.file)
	}
	loaded, err := load.FileWith(cfg.Spec, opts)
	if err != nil {
		return nil, err
	}
	foreign, imports, err := foreignTypes(cfg, mappings, loaded)
	if err != nil {
		return nil, err
	}
	stage("load", start)

	start = time.Now()
	api, problems, err := build.BuildWith(loaded.Doc, build.Options{Foreign: foreign})
	for _, p := range problems {
		loaded.Warn(p.Pointer, "%s", p.Message)
	}
	res.Warnings = loaded.Warnings
	if err != nil {
		var be *build.Error
		if errors.As(err, &be) {
			le := &load.Error{}
			for _, p := range be.Problems {
				file, line, ptr := loaded.Locate(p.Pointer)
				le.Diagnostics = append(le.Diagnostics, load.Diagnostic{File: file, Line: line, Pointer: ptr, Message: p.Message})
			}
			return nil, le
		}
		return nil, fmt.Errorf("model: %w", err)
	}
	if cfg.Strict && len(res.Warnings) > 0 {
		return nil, strictError(res.Warnings)
	}
	api.Imports = imports
	res.API, res.Doc = api, loaded.Doc
	stage("model", start)

	start = time.Now()
	files, err := emit.Files(api, emit.Options{Package: cfg.Package})
	if err != nil {
		return nil, fmt.Errorf("emit: %w", err)
	}
	tmplFiles, err := render(api, cfg.Package, envPrefix(cfg, api))
	if err != nil {
		return nil, fmt.Errorf("render templates: %w", err)
	}
	files = append(files, tmplFiles...)
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	res.Files = files
	stage("emit", start)
	return res, nil
}

// strictError turns warnings into the error of a strict run. Each keeps
// its file, line and pointer; the message says why it stops generation.
func strictError(warnings []load.Diagnostic) *load.Error {
	le := &load.Error{Diagnostics: make([]load.Diagnostic, len(warnings))}
	for i, w := range warnings {
		w.Message += " (a warning; -strict makes it an error)"
		le.Diagnostics[i] = w
	}
	return le
}

// envPrefix chooses the prefix of CredentialsFromEnv's variables: the
// config's, else the spec's x-apigen-env-prefix, else the package name.
func envPrefix(cfg Config, api *model.API) string {
	switch {
	case cfg.EnvPrefix != "":
		return cfg.EnvPrefix
	case api.EnvPrefix != "":
		return api.EnvPrefix
	}
	return strings.ToUpper(cfg.Package)
}

func validEnvPrefix(s string) bool {
	for i, r := range s {
		if !(r == '_' || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9')) {
			return false
		}
	}
	return s != ""
}

// InferPackage is the package a client generated into dir belongs to: the
// package of the Go files already there (so "-out ." in a package's own
// directory needs no -package), else the directory's base name.
func InferPackage(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	entries, _ := os.ReadDir(abs)
	fset := token.NewFileSet()
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(abs, name), nil, parser.PackageClauseOnly)
		if err != nil {
			continue
		}
		return f.Name.Name, nil
	}
	return filepath.Base(abs), nil
}

func validPackage(name string) bool {
	if name == "" {
		return false
	}
	for i, r := range name {
		if !(r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9')) {
			return false
		}
	}
	return true
}

// gofmt formats a rendered template file, naming it in errors.
func gofmt(name string, src []byte) ([]byte, error) {
	out, err := format.Source(src)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

// owned reports whether a file was written by apigen: only those are
// replaced or removed, so hand-written files beside them are safe.
func owned(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := f.Read(head)
	return bytes.Contains(head[:n], []byte("// "+emit.Header))
}

// Write puts files into dir, removes generated files that are no longer
// produced, and leaves every other file alone.
func Write(dir string, files []emit.File) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	keep := map[string]bool{}
	for _, f := range files {
		keep[f.Name] = true
		path := filepath.Join(dir, f.Name)
		if _, err := os.Stat(path); err == nil && !owned(path) {
			return fmt.Errorf("%s exists and was not generated by apigen; refusing to overwrite it", path)
		}
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, f.Src) {
			continue
		}
		if err := os.WriteFile(path, f.Src, 0o644); err != nil {
			return err
		}
	}
	stale, err := staleFiles(dir, keep)
	if err != nil {
		return err
	}
	for _, p := range stale {
		if err := os.Remove(p); err != nil {
			return err
		}
	}
	return nil
}

// staleFiles lists generated .go files in dir that are not in keep.
func staleFiles(dir string, keep map[string]bool) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") || keep[e.Name()] {
			continue
		}
		if p := filepath.Join(dir, e.Name()); owned(p) {
			out = append(out, p)
		}
	}
	return out, nil
}

// Diff compares files with what is in dir and returns a unified diff of
// every difference (empty when up to date).
func Diff(dir string, files []emit.File) (string, error) {
	var sb strings.Builder
	keep := map[string]bool{}
	for _, f := range files {
		keep[f.Name] = true
		path := filepath.Join(dir, f.Name)
		old, err := os.ReadFile(path)
		if err != nil && !os.IsNotExist(err) {
			return "", err
		}
		if !bytes.Equal(old, f.Src) {
			sb.WriteString(unifiedDiff(path, string(old), string(f.Src)))
		}
	}
	stale, err := staleFiles(dir, keep)
	if err != nil {
		return "", err
	}
	for _, p := range stale {
		old, _ := os.ReadFile(p)
		sb.WriteString(unifiedDiff(p, string(old), ""))
	}
	return sb.String(), nil
}

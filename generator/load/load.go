// Package load is the first stage of the apigen pipeline: it reads an OpenAPI
// description (Swagger 2.0, OpenAPI 3.0 or 3.1, as YAML or JSON) and returns
// one normalised OpenAPI 3.0 document that kin-openapi understands, together
// with the warnings that explain every repair it made on the way.
//
// # Stages
//
//  1. Parse. JSON input is read by a small JSON reader of this package and
//     YAML input by go.yaml.in/yaml/v3; both produce the same generic tree
//     (map[string]any, []any, string, json.Number, bool, nil) and, in the same
//     pass, an index from every JSON pointer to its line in the original file.
//     (yaml.v3 is not used for JSON because it rejects valid JSON: the "\/"
//     escape, surrogate pairs and keys longer than 1024 bytes.)
//  2. Swagger 2.0 documents are sanitised against the 2.0 grammar, form
//     parameters get a form media type, and the result is converted with
//     kin-openapi's openapi2conv.ToV3.
//  3. Every document is walked against the OpenAPI 3.0 grammar. Values of the
//     wrong type are converted when the intent is clear ("true" for true, a
//     type name where a schema belongs) and dropped otherwise; OpenAPI 3.1
//     (JSON Schema 2020-12) constructs are rewritten into their 3.0 form; every
//     lossy change is reported as a warning naming its JSON pointer and line.
//  4. Checks across operations: dangling $refs are errors; duplicate
//     operationIds and path parameters that are not in their path template
//     are repaired with warnings. Every extension apigen reads is validated
//     against docs/extensions.schema.json first, on the tree as written: an
//     unknown or misspelled x-apigen-* key, an unknown member, or an
//     extension where it has no meaning is an error with a "did you mean"
//     (ext.go).
//  5. The tree is handed to kin-openapi (openapi3.Loader, external refs off)
//     and validated with doc.Validate; what the validator still reports becomes
//     warnings.
//
// # Decisions
//
//   - A $ref schema with siblings keeps its $ref. Annotation siblings
//     (description, title, example(s), externalDocs, $comment) are dropped,
//     and so is a type the referenced schema has too. Any other sibling
//     (nullable, readOnly, enum, constraints, ...) constrains the value, so
//     the schema becomes {allOf: [{$ref}], <siblings>}, the OpenAPI 3.0 idiom
//     for a constrained or nullable reference. OpenAPI 3.1 means exactly
//     that; OpenAPI 3.0 says such siblings are ignored, so there the rewrite
//     is reported as a warning (authors rarely write them to be ignored).
//   - oneOf/anyOf with a {type: "null"} branch lose that branch and become
//     nullable; when one branch is left it moves into allOf (the same idiom).
//   - A "{name}" in a path template that no parameter declares is a warning:
//     a required string path parameter of that name is added to the
//     operation. A path parameter declared but absent from the template is
//     dropped with a warning, since the client could not place the value
//     anywhere. RFC 6570 operators and modifiers in a template ("{param*}",
//     "{.label}") are read as the plain variable, with a warning.
//   - A duplicate operationId is renamed from its method and path ("get/b"),
//     with a warning naming both operations; the first in path order keeps
//     it. It is an error only when that name is taken too.
//   - A $ref to a component of the wrong kind (a response position pointing
//     at components/requestBodies, as in PagerDuty's description) is replaced
//     by a converted copy of the target, with a warning. A schema $ref to a
//     parameter, header, request body or response is pointed at its schema.
//     A $ref to something that cannot be converted, or to a cycle of
//     references that never reaches a value, drops the referring node (a
//     schema becomes {}, any value) with a warning; a $ref to nothing at all
//     (dangling) or to another file is an error.
//   - Field names are case-sensitive, but encoding/json, which kin-openapi
//     decodes with, is not: a known field written in another case
//     ("Components") is renamed, with a warning, so that it is checked too.
//   - Warnings are sorted by line. The walk visits keys in sorted order, so
//     the same input always gives the same warnings and the same document.
package load

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Diagnostic is one finding, printed as "file:line: pointer: message".
type Diagnostic struct {
	// File is the name of the description, as given to File or Bytes.
	File string
	// Line is the 1-based line in the original file, 0 when unknown.
	Line int
	// Pointer is the JSON pointer (RFC 6901) of the node concerned, "" for
	// the document itself.
	Pointer string
	// Message says what is wrong and, for warnings, what was done about it.
	Message string
}

// String formats d as "file:line: pointer: message". The line is left out
// when it is unknown, and the document root is printed as "/".
func (d Diagnostic) String() string {
	var b strings.Builder
	b.WriteString(d.File)
	if d.Line > 0 {
		fmt.Fprintf(&b, ":%d", d.Line)
	}
	b.WriteString(": ")
	if d.Pointer == "" {
		b.WriteString("/")
	} else {
		b.WriteString(d.Pointer)
	}
	b.WriteString(": ")
	b.WriteString(d.Message)
	return b.String()
}

// Error is returned when no client can be generated from the description.
// Every diagnostic names the file, the JSON pointer and the line.
type Error struct {
	Diagnostics []Diagnostic
}

// Error prints the diagnostics, one per line.
func (e *Error) Error() string {
	lines := make([]string, len(e.Diagnostics))
	for i, d := range e.Diagnostics {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

// Result is a loaded description.
type Result struct {
	// Doc is the normalised OpenAPI 3.0 document. Its OpenAPI field is
	// "3.0.3" for Swagger 2.0 and OpenAPI 3.1 input.
	Doc *openapi3.T
	// File is the name the description was loaded under.
	File string
	// Version is the version the description declares: "2.0", "3.0.x" or
	// "3.1.x" as written in its swagger or openapi field.
	Version string
	// Warnings lists every repair and every complaint of the validator, in
	// line order. Later stages add theirs with Warn.
	Warnings []Diagnostic

	// Files are the absolute paths (or URLs) of the other documents the
	// description refers to, each read once.
	Files []string
	// Imported lists the component schemas copied from files of
	// Options.Imports, sorted by Schema.
	Imported []Imported

	lines   map[string]int32 // JSON pointer in the original file → line
	fromV2  bool             // Doc was converted from Swagger 2.0
	origins []originAt       // parts copied from other files
	reads   int              // other files read
}

// Locate returns where pointer is written: the file a part of the
// document was copied from (an external $ref), the line and the pointer
// there; or the description, Line(pointer) and pointer.
func (r *Result) Locate(pointer string) (file string, line int, ptr string) {
	if r == nil {
		return "", 0, pointer
	}
	if file, line, ptr, ok := r.locateOrigin(pointer); ok {
		return file, line, ptr
	}
	return r.File, r.Line(pointer), pointer
}

// Line returns the line of pointer (e.g. "/paths/~1pets/get") in the original
// file, or 0 if it is unknown. A pointer that the original file does not have
// gets the line of its nearest ancestor that it has. For a converted Swagger
// 2.0 description, OpenAPI 3 pointers are translated first, so that
// "/components/schemas/Pet" finds "/definitions/Pet".
func (r *Result) Line(pointer string) int {
	if r == nil || r.lines == nil {
		return 0
	}
	if r.fromV2 {
		pointer = v3PointerToV2(pointer)
	}
	for {
		if line, ok := r.lines[pointer]; ok {
			return int(line)
		}
		i := strings.LastIndexByte(pointer, '/')
		if i < 0 {
			return 0
		}
		pointer = pointer[:i]
	}
}

// Warn records a warning about the node at pointer, with the file and line
// filled in. It lets later stages report what they degrade in the same form
// as the load stage. Warn is not safe for concurrent use.
func (r *Result) Warn(pointer, format string, args ...any) {
	file, line, ptr := r.Locate(pointer)
	r.Warnings = append(r.Warnings, Diagnostic{
		File:    file,
		Line:    line,
		Pointer: ptr,
		Message: fmt.Sprintf(format, args...),
	})
}

// Options tune a load.
type Options struct {
	// DropExamples leaves example and examples out of Result.Doc: a
	// client generator never reads them, and on example-heavy specs
	// (GitHub's are a third of the file) kin-openapi spends much of its
	// time decoding them. Diagnostics about them are still reported.
	DropExamples bool
	// AllowRemote lets $refs name documents over http and https (apigen
	// -allow-remote). Off, such a reference is an error: generating must
	// not depend on the network unless the user asks for it.
	AllowRemote bool
	// Imports are the absolute paths of the files the user maps to Go
	// packages (import mapping). Their schemas are still copied into the
	// document, since later stages need their shape, and each copy is
	// listed in Result.Imported so that it is referred to, not declared.
	Imports []string
}

// Imported is a schema of a file mapped to a Go package.
type Imported struct {
	Schema  string // its key in the components/schemas of Result.Doc
	File    string // the mapped file, as in Options.Imports
	Pointer string // where the schema is in that file
}

// File loads the description at path. Every error it returns is an *Error.
func File(path string) (*Result, error) { return FileWith(path, Options{}) }

// FileWith is File with options.
func FileWith(path string, opts Options) (*Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		msg := err.Error()
		if errors.As(err, &pe) {
			msg = pe.Err.Error()
		}
		return nil, &Error{Diagnostics: []Diagnostic{{File: path, Message: "cannot read the file: " + msg}}}
	}
	return BytesWith(path, data, opts)
}

// Bytes loads the description held in data; name is the file name used in
// diagnostics. Every error it returns is an *Error with at least one
// diagnostic. Bytes never panics: a panic inside kin-openapi or inside this
// package becomes an *Error.
func Bytes(name string, data []byte) (*Result, error) { return BytesWith(name, data, Options{}) }

// BytesWith is Bytes with options.
func BytesWith(name string, data []byte, opts Options) (res *Result, err error) {
	l := &loader{res: &Result{File: name}, opts: opts}
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, &Error{Diagnostics: []Diagnostic{{
				File:    name,
				Message: fmt.Sprintf("internal error: %v (please report this with the description that caused it)", r),
			}}}
		}
	}()
	return l.load(data)
}

// loader carries one load.
type loader struct {
	res     *Result
	opts    Options
	errs    []Diagnostic
	hasDefs bool // the input mentions $defs, which are moved into components
}

func (l *loader) warn(pointer, format string, args ...any) {
	l.res.Warn(pointer, format, args...)
}

func (l *loader) fail(pointer, format string, args ...any) {
	file, line, ptr := l.res.Locate(pointer)
	l.errs = append(l.errs, Diagnostic{
		File:    file,
		Line:    line,
		Pointer: ptr,
		Message: fmt.Sprintf(format, args...),
	})
}

// failed returns the collected errors as an *Error, sorted by line.
func (l *loader) failed() error {
	sortDiagnostics(l.errs)
	return &Error{Diagnostics: l.errs}
}

func (l *loader) load(data []byte) (*Result, error) {
	root, lines, err := parse(l.res.File, data)
	if err != nil {
		return nil, err
	}
	l.res.lines = lines.index
	l.hasDefs = bytes.Contains(data, []byte("$defs"))
	for _, d := range lines.warnings {
		l.warn(d.Pointer, "%s", d.Message)
	}

	doc, ok := root.(map[string]any)
	if !ok {
		l.fail("", "not an OpenAPI document: the top level is %s, not a mapping", describe(root))
		return nil, l.failed()
	}
	version, v2, ok := l.version(doc)
	if !ok {
		return nil, l.failed()
	}
	l.res.Version = version
	l.importExternal(doc, v2)
	if len(l.errs) > 0 {
		return nil, l.failed()
	}

	if v2 {
		w := newWalker(l, doc, dialectV2)
		w.checkExtensions()
		w.swagger2()
		if len(l.errs) > 0 {
			return nil, l.failed()
		}
		converted, err := l.convertV2(doc)
		if err != nil {
			return nil, err
		}
		doc = converted
		l.res.fromV2 = true
	}

	dialect := dialectV30
	if !v2 && !strings.HasPrefix(version, "3.0") {
		dialect = dialectV31
	}
	w := newWalker(l, doc, dialect)
	w.fromV2 = v2
	if !v2 {
		w.checkExtensions()
	}
	w.openapi3()
	if len(l.errs) > 0 {
		return nil, l.failed()
	}

	l.res.Doc = l.kinLoad(doc)
	if len(l.errs) > 0 {
		return nil, l.failed()
	}
	l.validate()
	sortDiagnostics(l.res.Warnings)
	return l.res, nil
}

// version reads the swagger or openapi field. It reports whether the document
// is Swagger 2.0, and fails when it is neither 2.0 nor 3.x.
func (l *loader) version(doc map[string]any) (version string, v2, ok bool) {
	if s, found := doc["swagger"]; found {
		v := scalarText(s)
		if v == "2.0" || v == "2" {
			return "2.0", true, true
		}
		l.fail("/swagger", "unsupported Swagger version %q: only 2.0 and OpenAPI 3.0 and 3.1 are supported", v)
		return "", false, false
	}
	o, found := doc["openapi"]
	if !found {
		l.fail("", "not an OpenAPI document: there is neither an openapi nor a swagger field at the top level")
		return "", false, false
	}
	v := scalarText(o)
	switch {
	case v == "3.0" || strings.HasPrefix(v, "3.0."):
		return v, false, true
	case v == "3.1" || strings.HasPrefix(v, "3.1."):
		return v, false, true
	case v == "3.2" || strings.HasPrefix(v, "3.2."):
		l.warn("/openapi", "OpenAPI %s is read as OpenAPI 3.1; constructs new in 3.2 are ignored", v)
		return v, false, true
	}
	l.fail("/openapi", "unsupported OpenAPI version %q: only 2.0, 3.0.x and 3.1.x are supported", v)
	return "", false, false
}

// sortDiagnostics orders diagnostics by line, keeping the order of the walk
// among those on the same line.
func sortDiagnostics(ds []Diagnostic) {
	slices.SortStableFunc(ds, func(a, b Diagnostic) int {
		return a.Line - b.Line
	})
}

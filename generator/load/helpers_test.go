package load

import (
	"errors"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// spec trims the common indentation of a YAML literal written inside a
// test, so that line numbers in it are what they look like.
func spec(s string) string {
	s = strings.TrimPrefix(s, "\n")
	lines := strings.Split(s, "\n")
	indent := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, " \t"))
		if indent < 0 || n < indent {
			indent = n
		}
	}
	for i, l := range lines {
		switch {
		case strings.TrimSpace(l) == "":
			lines[i] = ""
		case len(l) >= indent:
			lines[i] = l[indent:]
		}
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\n") + "\n"
}

// lineOf returns the 1-based line of the first occurrence of marker in s.
func lineOf(t *testing.T, s, marker string) int {
	t.Helper()
	i := strings.Index(s, marker)
	if i < 0 {
		t.Fatalf("marker %q not in the test description", marker)
	}
	return 1 + strings.Count(s[:i], "\n")
}

// mustLoad loads src and fails the test on any error.
func mustLoad(t *testing.T, name, src string) *Result {
	t.Helper()
	res, err := Bytes(name, []byte(src))
	if err != nil {
		t.Fatalf("load failed:\n%v\n--- description:\n%s", err, src)
	}
	if res.Doc == nil {
		t.Fatal("no document")
	}
	return res
}

// mustFail loads src and returns its *Error, failing the test otherwise.
func mustFail(t *testing.T, name, src string) *Error {
	t.Helper()
	res, err := Bytes(name, []byte(src))
	if err == nil {
		t.Fatalf("load succeeded (%d warnings), want an error", len(res.Warnings))
	}
	var le *Error
	if !errors.As(err, &le) {
		t.Fatalf("error is %T, not *Error: %v", err, err)
	}
	if len(le.Diagnostics) == 0 {
		t.Fatal("*Error without diagnostics")
	}
	return le
}

// findDiag returns the diagnostic at pointer whose message contains substr.
func findDiag(t *testing.T, ds []Diagnostic, pointer, substr string) Diagnostic {
	t.Helper()
	for _, d := range ds {
		if d.Pointer == pointer && strings.Contains(d.Message, substr) {
			return d
		}
	}
	var all strings.Builder
	for _, d := range ds {
		all.WriteString("\n  " + d.String())
	}
	t.Fatalf("no diagnostic at %q containing %q; have:%s", pointer, substr, all.String())
	return Diagnostic{}
}

// wantWarning asserts a warning at pointer, containing substr, on line.
func wantWarning(t *testing.T, res *Result, pointer, substr string, line int) {
	t.Helper()
	d := findDiag(t, res.Warnings, pointer, substr)
	if d.Line != line {
		t.Errorf("warning %q is on line %d, want %d", d.String(), d.Line, line)
	}
	if d.File != res.File {
		t.Errorf("warning %q names file %q, want %q", d.String(), d.File, res.File)
	}
}

// noWarnings asserts that loading produced no warning.
func noWarnings(t *testing.T, res *Result) {
	t.Helper()
	for _, w := range res.Warnings {
		t.Errorf("unexpected warning: %v", w)
	}
}

// schema returns the component schema name.
func componentSchema(t *testing.T, res *Result, name string) *openapi3.Schema {
	t.Helper()
	ref := res.Doc.Components.Schemas[name]
	if ref == nil || ref.Value == nil {
		t.Fatalf("no schema %q", name)
	}
	return ref.Value
}

// prop returns property name of s.
func prop(t *testing.T, s *openapi3.Schema, name string) *openapi3.SchemaRef {
	t.Helper()
	p := s.Properties[name]
	if p == nil {
		t.Fatalf("no property %q", name)
	}
	return p
}

func isType(s *openapi3.Schema, typ string) bool {
	return s.Type != nil && len(*s.Type) == 1 && (*s.Type)[0] == typ
}

func untyped(s *openapi3.Schema) bool {
	return s.Type == nil || len(*s.Type) == 0
}

package opt

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strings"
	"testing"
)

// TestMethodsNotInlined keeps every method of Opt and Nullable out of the
// inliner: a client compiles one wrapper per method and instance, and an
// inlined body turns each wrapper into a copy of it (issue 19).
func TestMethodsNotInlined(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "opt.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Recv == nil {
			continue
		}
		n++
		var lines []string
		if fd.Doc != nil {
			for _, c := range fd.Doc.List {
				lines = append(lines, strings.TrimSpace(c.Text))
			}
		}
		if !slices.Contains(lines, "//go:noinline") {
			t.Errorf("method %s has no //go:noinline", fd.Name.Name)
		}
	}
	if n != 13 {
		t.Errorf("checked %d methods, want the 13 of Opt and Nullable", n)
	}
}

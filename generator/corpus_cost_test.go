package generator

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
	"unicode"
)

// buildCost is what one generated client costs a program that uses it:
// the lines generated, the build (go build then go vet of the package:
// wall time, CPU time and the peak RSS of those processes and their
// children) and the stripped size of a main that calls one of its
// operations. Ratios divide CPU times: on a shared machine the wall time
// stretches with the load, the CPU time much less.
type buildCost struct {
	lines  int
	build  time.Duration
	cpu    time.Duration
	rss    int64
	binary int64
	oneOp  time.Duration // the one-operation main's build
	op     string        // the method the one-operation main calls
	ops    int           // the client's operation methods
	fail   string        // "" when every step passed, else the step and its first error line
}

// clientShape says how to find a generator's client and its operations in
// the package it generated.
type clientShape struct {
	ctor, recv string
	// op gives the operation name of a method of recv, or "" when the
	// method is not an operation.
	op func(method string) string
}

// apigenShape is apigen's client: New, and one method per operation.
func apigenShape(res *Result) clientShape {
	ops := map[string]bool{}
	for _, op := range res.API.Operations {
		ops[op.Name] = true
	}
	return clientShape{"New", "Client", func(m string) string {
		if ops[m] {
			return m
		}
		return ""
	}}
}

// peerShapes are the clients of the peer tools as peerTools runs them:
// oapi-codegen's ClientWithResponses (its typed responses, as apigen's),
// ogen's Client.
var peerShapes = map[string]clientShape{
	"oapi-codegen": {"NewClientWithResponses", "ClientWithResponses", func(m string) string {
		if op, ok := strings.CutSuffix(m, "WithResponse"); ok {
			return op
		}
		return ""
	}},
	"ogen": {"NewClient", "Client", func(m string) string { return m }},
}

// signature is the shape of a function: its parameter count (the variadic
// one included), whether the last is variadic, and its result count.
type signature struct {
	params, results int
	variadic, ctx   bool // ctx: the first parameter is a context.Context
}

// args is the number of arguments a caller chooses: the parameters less
// the context and the variadic options.
func (s signature) args() int {
	n := s.params
	if s.ctx {
		n--
	}
	if s.variadic {
		n--
	}
	return n
}

func fieldCount(fl *ast.FieldList) int {
	n := 0
	if fl == nil {
		return 0
	}
	for _, f := range fl.List {
		n += max(len(f.Names), 1)
	}
	return n
}

func signatureOf(ft *ast.FuncType) signature {
	s := signature{params: fieldCount(ft.Params), results: fieldCount(ft.Results)}
	if p := ft.Params.List; len(p) > 0 {
		_, s.variadic = p[len(p)-1].Type.(*ast.Ellipsis)
		if sel, ok := p[0].Type.(*ast.SelectorExpr); ok {
			x, _ := sel.X.(*ast.Ident)
			s.ctx = x != nil && x.Name == "context" && sel.Sel.Name == "Context"
		}
	}
	return s
}

// packageFuncs reads the non-test Go files of dir and returns the
// signatures of its functions ("Name") and methods ("Recv.Name").
func packageFuncs(dir string) (map[string]signature, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	funcs := map[string]signature{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			key := fd.Name.Name
			if fd.Recv != nil && len(fd.Recv.List) == 1 {
				t := fd.Recv.List[0].Type
				if star, ok := t.(*ast.StarExpr); ok {
					t = star.X
				}
				if id, ok := t.(*ast.Ident); ok {
					key = id.Name + "." + key
				} else {
					continue
				}
			}
			funcs[key] = signatureOf(fd.Type)
		}
	}
	return funcs, nil
}

// pickOperation chooses the method the one-operation main calls: the
// operation prefer names when the client has it (so that every generator
// calls the same operation), else the first in name order among those
// taking the fewest arguments.
// It also returns how many operation methods the client has.
func pickOperation(funcs map[string]signature, shape clientShape, prefer string) (string, signature, int) {
	type cand struct {
		method string
		sig    signature
	}
	var cands []cand
	for key, sig := range funcs {
		m, ok := strings.CutPrefix(key, shape.recv+".")
		if !ok || !ast.IsExported(m) || !sig.ctx || shape.op(m) == "" {
			continue
		}
		cands = append(cands, cand{m, sig})
	}
	if len(cands) == 0 {
		return "", signature{}, 0
	}
	sort.Slice(cands, func(i, j int) bool {
		pi, pj := prefer != "" && sameOperation(shape.op(cands[i].method), prefer), prefer != "" && sameOperation(shape.op(cands[j].method), prefer)
		if pi != pj {
			return pi
		}
		if a, b := cands[i].sig.args(), cands[j].sig.args(); a != b {
			return a < b
		}
		return cands[i].method < cands[j].method
	})
	return cands[0].method, cands[0].sig, len(cands)
}

// sameOperation compares operation names as generators spell them from
// one operationId: case and punctuation aside.
func sameOperation(a, b string) bool {
	norm := func(s string) string {
		return strings.Map(func(r rune) rune {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				return unicode.ToLower(r)
			}
			return -1
		}, s)
	}
	return norm(a) == norm(b)
}

// oneOpMain is the source of a main that constructs the client and calls
// one operation with zero arguments. It is built, never run: the generic
// helpers take every parameter's type from the function they are given,
// so the same source fits any generator's signatures.
func oneOpMain(importPath, ctor string, ctorSig signature, method string, opSig signature) string {
	var b strings.Builder
	fmt.Fprintf(&b, "// Command oneop calls one operation of a generated client; its stripped\n// size is what a program using the client pays.\npackage main\n\nimport client %q\n\n", importPath)
	fmt.Fprintf(&b, "func main() {\n\tc := construct(client.%s)\n\tcall(c.%s)\n}\n\n", ctor, method)
	b.WriteString(zeroCaller("construct", ctorSig, true))
	b.WriteString("\n")
	b.WriteString(zeroCaller("call", opSig, false))
	return b.String()
}

// zeroCaller is a generic function that calls a function of sig's shape
// with the zero value of each parameter (none for the variadic one) and,
// when first is set, returns its first result.
func zeroCaller(name string, sig signature, first bool) string {
	var tparams, params, results, decls, args []string
	for i := range sig.params {
		p := fmt.Sprintf("P%d", i)
		tparams = append(tparams, p)
		if sig.variadic && i == sig.params-1 {
			params = append(params, "..."+p)
			continue
		}
		params = append(params, p)
		decls = append(decls, fmt.Sprintf("\tvar p%d %s\n", i, p))
		args = append(args, fmt.Sprintf("p%d", i))
	}
	for i := range sig.results {
		r := fmt.Sprintf("R%d", i)
		tparams = append(tparams, r)
		results = append(results, r)
	}
	res := ""
	switch len(results) {
	case 0:
	case 1:
		res = " " + results[0]
	default:
		res = " (" + strings.Join(results, ", ") + ")"
	}
	call := "f(" + strings.Join(args, ", ") + ")"
	ret := ""
	switch {
	case first && sig.results > 0:
		ret = " R0"
		blanks := strings.Repeat(", _", sig.results-1)
		call = "r0" + blanks + " := " + call + "\n\treturn r0"
	case sig.results > 0:
		call = strings.TrimPrefix(strings.Repeat(", _", sig.results), ", ") + " = " + call
	}
	if len(tparams) == 0 {
		return fmt.Sprintf("func %s(f func())%s {\n\t%s\n}\n", name, ret, call)
	}
	return fmt.Sprintf("func %s[%s any](f func(%s)%s)%s {\n%s\t%s\n}\n",
		name, strings.Join(tparams, ", "), strings.Join(params, ", "), res, ret, strings.Join(decls, ""), call)
}

// measureClient measures the client package "client" of the module in
// dir: its lines, its build and vet, and the stripped one-operation main
// (in dir/oneop). env adds to the go command's environment.
func measureClient(dir string, shape clientShape, prefer string, env []string) buildCost {
	var c buildCost
	pkg := filepath.Join(dir, "client")
	files, _ := filepath.Glob(filepath.Join(pkg, "*.go"))
	for _, f := range files {
		src, _ := os.ReadFile(f)
		c.lines += bytes.Count(src, []byte("\n"))
	}
	start := time.Now()
	for _, verb := range []string{"build", "vet"} {
		u, out, err := goRun(dir, env, verb, "./client")
		if err != nil {
			c.fail = verb + ": " + firstErrorLine(out, err)
			return c
		}
		c.rss = max(c.rss, u.rss)
		c.cpu += u.cpu
	}
	c.build = time.Since(start)
	funcs, err := packageFuncs(pkg)
	if err != nil {
		c.fail = "parse: " + err.Error()
		return c
	}
	ctor, ok := funcs[shape.ctor]
	method, sig, n := pickOperation(funcs, shape, prefer)
	c.ops = n
	if !ok || n == 0 {
		c.fail = fmt.Sprintf("one-op main: no %s or no operation method on %s", shape.ctor, shape.recv)
		return c
	}
	c.op = method
	main := filepath.Join(dir, "oneop")
	os.MkdirAll(main, 0o755)
	os.WriteFile(filepath.Join(main, "main.go"), []byte(oneOpMain("example.com/corpus/client", shape.ctor, ctor, method, sig)), 0o644)
	bin := filepath.Join(dir, "oneop.bin")
	start = time.Now()
	_, out, err := goRun(dir, env, "build", "-ldflags=-s -w", "-o", bin, "./oneop")
	c.oneOp = time.Since(start)
	if err != nil {
		c.fail = "one-op build: " + firstErrorLine(out, err)
		return c
	}
	if fi, err := os.Stat(bin); err == nil {
		c.binary = fi.Size()
	}
	return c
}

// usage is what a command and its children used: the largest peak RSS
// among them and their user+system CPU time.
type usage struct {
	rss int64
	cpu time.Duration
}

// goRun runs the go command in dir and returns its usage and its
// combined output.
func goRun(dir string, env []string, args ...string) (usage, []byte, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	var u usage
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			u.rss = ru.Maxrss * 1024
		}
		u.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	return u, out, err
}

// firstErrorLine is the line of a failed command's output that says what
// went wrong: the first that is not a "# package" header, module download
// chatter or a log line (ogen logs "INFO\t…"), joined with the next when
// it only says "… imports"; for an error chain printed as "- step" lines
// (ogen's), the last of those, its root cause. The error itself when
// nothing is left. It is cut to fit a table cell, with the cell separator
// escaped.
func firstErrorLine(out []byte, err error) string {
	var lines []string
	for l := range strings.Lines(string(out)) {
		l = strings.TrimSpace(l)
		switch {
		case l == "", strings.HasPrefix(l, "#"), strings.HasPrefix(l, "go: downloading"),
			strings.HasPrefix(l, "go: finding"), strings.HasPrefix(l, "go: found"):
			continue
		}
		if level, _, ok := strings.Cut(l, "\t"); ok && (level == "INFO" || level == "WARN" || level == "DEBUG") {
			continue
		}
		lines = append(lines, l)
	}
	line := ""
	for _, l := range lines {
		if strings.HasPrefix(l, "- ") {
			line = strings.TrimPrefix(l, "- ")
		}
	}
	if line == "" && len(lines) > 0 {
		line = lines[0]
		if strings.HasSuffix(line, " imports") && len(lines) > 1 {
			line += " " + lines[1]
		}
	}
	if line == "" && err != nil {
		line = err.Error()
	}
	if r := []rune(line); len(r) > 100 {
		line = string(r[:100]) + "…"
	}
	return strings.ReplaceAll(line, "|", `\|`)
}

// costCells formats a cost's operation methods, lines, build (wall and CPU), RSS and binary as table cells.
func costCells(c buildCost) string {
	if c.fail != "" {
		return "fails: " + c.fail + " | | | | |"
	}
	return fmt.Sprintf("%d | %d | %v | %v | %d MB | %s", c.ops, c.lines, c.build.Round(100*time.Millisecond), c.cpu.Round(100*time.Millisecond), c.rss>>20, binaryCell(c))
}

// timeRatio is c's build CPU time divided by the baseline's, e.g. "12.3×".
func timeRatio(c, base buildCost) string {
	if c.fail != "" || base.cpu == 0 {
		return ""
	}
	return fmt.Sprintf("%.1f×", float64(c.cpu)/float64(base.cpu))
}

// binaryCell is the one-operation main's size and the method it calls.
func binaryCell(c buildCost) string {
	if c.binary == 0 {
		return ""
	}
	return fmt.Sprintf("%.1f MB (%s)", float64(c.binary)/(1<<20), c.op)
}

// ratioCells formats apigen's cost divided by another generator's: lines,
// build CPU time, peak RSS, binary size; "fails" with the first error line
// when the other generator or its build failed.
func ratioCells(apigen, other buildCost) string {
	if other.fail != "" {
		return "fails: " + other.fail + " | | |"
	}
	if apigen.fail != "" {
		return "– | – | – | –"
	}
	r := func(a, b float64) string {
		if b == 0 {
			return "–"
		}
		return fmt.Sprintf("%.2f", a/b)
	}
	return strings.Join([]string{
		r(float64(apigen.lines), float64(other.lines)),
		r(float64(apigen.cpu), float64(other.cpu)),
		r(float64(apigen.rss), float64(other.rss)),
		r(float64(apigen.binary), float64(other.binary)),
	}, " | ")
}

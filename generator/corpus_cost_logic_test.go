package generator

import (
	"errors"
	"go/format"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPickOperation pins the operation the one-operation main calls: the
// preferred one when the client has it, else the first by name among
// those with the fewest arguments (context and options not counted); never
// a method that is not an operation or belongs to another type.
func TestPickOperation(t *testing.T) {
	one := signature{params: 3, results: 2, variadic: true, ctx: true} // ctx, a, opts...
	funcs := map[string]signature{
		"New":         {params: 2, results: 2, variadic: true},
		"Client.Do":   {params: 6, results: 1, variadic: true, ctx: true},
		"Client.Zeta": one,
		"Client.Beta": {params: 4, results: 2, variadic: true, ctx: true},
		"Client.Alfa": one,
		"Client.Bare": {params: 1, results: 1}, // no context: not an operation
		"Other.Aaaa":  {params: 1, results: 1, ctx: true},
		"Client.aaaa": {params: 1, results: 1, ctx: true},
	}
	shape := clientShape{"New", "Client", func(m string) string {
		if m == "Do" {
			return ""
		}
		return m
	}}
	for _, c := range []struct{ prefer, want string }{
		{"", "Alfa"},
		{"beta", "Beta"},
		{"missing", "Alfa"},
	} {
		got, _, n := pickOperation(funcs, shape, c.prefer)
		if got != c.want || n != 3 {
			t.Errorf("prefer %q: %s of %d, want %s of 3", c.prefer, got, n, c.want)
		}
	}
	oapi := map[string]signature{
		"ClientWithResponses.GetPetWithResponse":         one,
		"ClientWithResponses.GetPetWithBodyWithResponse": {params: 5, results: 2, variadic: true, ctx: true},
		"Client.GetPet": one,
	}
	if got, _, n := pickOperation(oapi, peerShapes["oapi-codegen"], "get_pet"); got != "GetPetWithResponse" || n != 2 {
		t.Errorf("oapi-codegen: %s of %d, want GetPetWithResponse of 2", got, n)
	}
}

// TestPackageFuncs reads the signatures the one-operation main is written
// from out of a generated package.
func TestPackageFuncs(t *testing.T) {
	funcs, err := packageFuncs(filepath.Join(repoRoot(t), "internal", "golden", "petstore"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := funcs["New"], (signature{params: 2, results: 2, variadic: true}); got != want {
		t.Errorf("New: %+v, want %+v", got, want)
	}
	if got, want := funcs["Client.ShowPetByID"], (signature{params: 3, results: 2, variadic: true, ctx: true}); got != want {
		t.Errorf("ShowPetByID: %+v, want %+v", got, want)
	}
	notDo := func(m string) string {
		if m == "Do" {
			return ""
		}
		return m
	}
	if m, _, n := pickOperation(funcs, clientShape{"New", "Client", notDo}, ""); m != "CreatePets" || n != 3 {
		t.Errorf("picked %s of %d, want CreatePets of 3", m, n)
	}
}

// TestOneOpMain pins the generated main: zero arguments for every
// parameter but the variadic one, the constructor's first result kept.
func TestOneOpMain(t *testing.T) {
	src := oneOpMain("example.com/corpus/client", "New", signature{params: 2, results: 2, variadic: true},
		"Ping", signature{params: 1, results: 1, ctx: true})
	want := `// Command oneop calls one operation of a generated client; its stripped
// size is what a program using the client pays.
package main

import client "example.com/corpus/client"

func main() {
	c := construct(client.New)
	call(c.Ping)
}

func construct[P0, P1, R0, R1 any](f func(P0, ...P1) (R0, R1)) R0 {
	var p0 P0
	r0, _ := f(p0)
	return r0
}

func call[P0, R0 any](f func(P0) R0) {
	var p0 P0
	_ = f(p0)
}
`
	if src != want {
		t.Errorf("got\n%s\nwant\n%s", src, want)
	}
	if formatted, err := format.Source([]byte(src)); err != nil || string(formatted) != src {
		t.Errorf("not gofmt's form: %v\n%s", err, formatted)
	}
}

// TestMeasureClient builds the one-operation main of a generated client:
// the helpers' type inference must fit real signatures.
func TestMeasureClient(t *testing.T) {
	res, err := Generate(Config{Spec: filepath.Join("testdata", "shop.yaml"), Out: "client", Package: "client"})
	if err != nil {
		t.Fatal(err)
	}
	c := measureClient(prepareModule(t, res.Files, "client"), apigenShape(res), "getPet", apigenEnv)
	if c.fail != "" || c.binary == 0 || c.lines == 0 || c.op != "GetPet" || c.ops != len(res.API.Operations) {
		t.Errorf("%+v", c)
	}
}

// TestFirstErrorLine pins what a failure's table cell says.
func TestFirstErrorLine(t *testing.T) {
	for _, c := range []struct {
		out  string
		err  error
		want string
	}{
		{"go: downloading example.com/x v1.0.0\n# example.com/corpus/client\nclient/a.go:3:2: undefined: x | y\nclient/a.go:4:2: more\n", nil, `client/a.go:3:2: undefined: x \| y`},
		{"", errors.New("exit status 1"), "exit status 1"},
		{"INFO\tconvenient\tConvenient errors are not available\ngenerate:\n    main.run\n  - build IR:\n    main.generate\n  - name conflict: \"X\":\n    gen.merge\n", nil, `name conflict: "X":`},
		{"go: finding module for package a/b\ngo: found c in c v1.0.0\ngo: example.com/corpus/client imports\n\ta/b: 403 Forbidden\n", nil, "go: example.com/corpus/client imports a/b: 403 Forbidden"},
		{strings.Repeat("é", 120), nil, strings.Repeat("é", 100) + "…"},
	} {
		if got := firstErrorLine([]byte(c.out), c.err); got != c.want {
			t.Errorf("%q: %q, want %q", c.out, got, c.want)
		}
	}
}

// TestCostCells pins the comparison's cells: absolute figures, apigen ÷
// other as ratios, and a failure in place of a generator's figures.
func TestCostCells(t *testing.T) {
	a := buildCost{lines: 100, build: 2 * time.Second, cpu: 3 * time.Second, rss: 100 << 20, binary: 6 << 20, op: "Get", ops: 3}
	b := buildCost{lines: 400, build: 8 * time.Second, cpu: 12 * time.Second, rss: 50 << 20, binary: 3 << 20, op: "Get", ops: 3}
	failed := buildCost{fail: "build: x.go:1: boom"}
	for _, c := range []struct{ got, want string }{
		{costCells(a), "3 | 100 | 2s | 3s | 100 MB | 6.0 MB (Get)"},
		{costCells(failed), "fails: build: x.go:1: boom | | | | |"},
		{ratioCells(a, b), "0.25 | 0.25 | 2.00 | 2.00"},
		{ratioCells(a, failed), "fails: build: x.go:1: boom | | |"},
		{ratioCells(failed, b), "– | – | – | –"},
		{timeRatio(b, a), "4.0×"},
		{timeRatio(failed, a), ""},
	} {
		if c.got != c.want {
			t.Errorf("%q, want %q", c.got, c.want)
		}
	}
	if n := strings.Count(costCells(failed), "|"); n != strings.Count(costCells(a), "|") {
		t.Errorf("a failure fills %d cells, figures %d", n+1, strings.Count(costCells(a), "|")+1)
	}
}

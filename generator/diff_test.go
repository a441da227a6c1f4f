package generator

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var hunkRE = regexp.MustCompile(`^@@ -(\d+),(\d+) \+(\d+),(\d+) @@$`)

// patch applies a unified diff of one file to old, checking every context
// and removed line.
func patch(t *testing.T, old, diff string) string {
	t.Helper()
	a := splitLines(old)
	lines := splitLines(diff)[2:] // the ---/+++ header
	var out []string
	pos := 0
	for i := 0; i < len(lines); {
		m := hunkRE.FindStringSubmatch(lines[i])
		if m == nil {
			t.Fatalf("bad hunk header %q", lines[i])
		}
		start, _ := strconv.Atoi(m[1])
		if n, _ := strconv.Atoi(m[2]); n > 0 {
			start-- // 1-based, except for an empty range
		}
		out = append(out, a[pos:start]...)
		pos = start
		for i++; i < len(lines) && !strings.HasPrefix(lines[i], "@@"); i++ {
			l := lines[i]
			switch l[0] {
			case ' ', '-':
				if a[pos] != l[1:] {
					t.Fatalf("line %d is %q, the diff says %q", pos+1, a[pos], l[1:])
				}
				if l[0] == ' ' {
					out = append(out, a[pos])
				}
				pos++
			case '+':
				out = append(out, l[1:])
			}
		}
	}
	out = append(out, a[pos:]...)
	if len(out) == 0 {
		return ""
	}
	return strings.Join(out, "\n") + "\n"
}

func TestUnifiedDiffHunks(t *testing.T) {
	var a []string
	for i := range 40 {
		a = append(a, fmt.Sprintf("line %d", i))
	}
	b := append([]string(nil), a...)
	b[2] = "changed 2"
	b[30] = "changed 30"
	old, new := strings.Join(a, "\n")+"\n", strings.Join(b, "\n")+"\n"
	d := unifiedDiff("f.go", old, new)
	if n := strings.Count(d, "\n@@ "); n != 2 {
		t.Errorf("%d hunks for two changes 28 lines apart, want 2:\n%s", n, d)
	}
	if !strings.Contains(d, "@@ -1,6 +1,6 @@\n line 0\n line 1\n-line 2\n+changed 2\n") {
		t.Errorf("first hunk:\n%s", d)
	}
	if got := patch(t, old, d); got != new {
		t.Errorf("patched:\n%s\nwant:\n%s", got, new)
	}
	if unifiedDiff("f.go", old, old) != "" {
		t.Error("a diff of equal files")
	}
}

// Random edits: applying the diff always gives the new file.
func TestUnifiedDiffApplies(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 300 {
		var a []string
		for range r.IntN(30) {
			a = append(a, strconv.Itoa(r.IntN(8)))
		}
		b := append([]string(nil), a...)
		for range r.IntN(6) {
			switch i := r.IntN(len(b) + 1); r.IntN(3) {
			case 0:
				b = append(b[:i], append([]string{"new" + strconv.Itoa(r.IntN(3))}, b[i:]...)...)
			case 1:
				if i < len(b) {
					b = append(b[:i], b[i+1:]...)
				}
			case 2:
				if i < len(b) {
					b[i] = "x" + b[i]
				}
			}
		}
		join := func(l []string) string {
			if len(l) == 0 {
				return ""
			}
			return strings.Join(l, "\n") + "\n"
		}
		old, new := join(a), join(b)
		d := unifiedDiff("f", old, new)
		if (d == "") != (old == new) {
			t.Fatalf("case %d: diff %q for %q → %q", n, d, old, new)
		}
		if d != "" {
			if got := patch(t, old, d); got != new {
				t.Fatalf("case %d: patched %q, want %q\n%s", n, got, new, d)
			}
		}
	}
}

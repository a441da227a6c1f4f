package generator

import (
	"fmt"
	"strings"
)

// contextLines is the number of unchanged lines shown around each change.
const contextLines = 3

// unifiedDiff returns a unified diff of old and new for path, with one hunk
// per group of changes (changes closer than twice the context share a
// hunk), as diff -u prints it; "" when they are equal.
func unifiedDiff(path, old, new string) string {
	a, b := splitLines(old), splitLines(new)
	ops := diffLines(a, b)
	if len(ops) == 0 {
		return ""
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "--- %s\t(on disk)\n+++ %s\t(generated)\n", path, path)
	for i := 0; i < len(ops); {
		// A hunk runs from ops[i] to the last change whose distance to
		// the next one is at most 2*contextLines unchanged lines.
		j := i
		for j+1 < len(ops) && ops[j+1].a-ops[j].aEnd <= 2*contextLines {
			j++
		}
		startA, startB := max(ops[i].a-contextLines, 0), max(ops[i].b-contextLines, 0)
		endA, endB := min(ops[j].aEnd+contextLines, len(a)), min(ops[j].bEnd+contextLines, len(b))
		fmt.Fprintf(&sb, "@@ -%s +%s @@\n", hunkRange(startA, endA-startA), hunkRange(startB, endB-startB))
		pos := startA
		for _, op := range ops[i : j+1] {
			for ; pos < op.a; pos++ {
				sb.WriteString(" " + a[pos] + "\n")
			}
			for _, l := range a[op.a:op.aEnd] {
				sb.WriteString("-" + l + "\n")
			}
			for _, l := range b[op.b:op.bEnd] {
				sb.WriteString("+" + l + "\n")
			}
			pos = op.aEnd
		}
		for ; pos < endA; pos++ {
			sb.WriteString(" " + a[pos] + "\n")
		}
		i = j + 1
	}
	return sb.String()
}

// edit replaces a[a:aEnd] by b[b:bEnd].
type edit struct{ a, aEnd, b, bEnd int }

// diffLines returns the edits that turn a into b, in order: the common
// prefix and suffix are cut first, and the middle is compared by a longest
// common subsequence of lines when it is small enough, else replaced as
// one block (still exact, only less minimal).
func diffLines(a, b []string) []edit {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	if len(ma) == 0 && len(mb) == 0 {
		return nil
	}
	const maxCells = 4 << 20 // 16 MiB of int32 for the LCS table
	if len(ma)*len(mb) > maxCells {
		return []edit{{pre, pre + len(ma), pre, pre + len(mb)}}
	}
	// lcs[i][j] is the LCS length of ma[i:] and mb[j:].
	w := len(mb) + 1
	lcs := make([]int32, (len(ma)+1)*w)
	for i := len(ma) - 1; i >= 0; i-- {
		for j := len(mb) - 1; j >= 0; j-- {
			if ma[i] == mb[j] {
				lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
			} else {
				lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
			}
		}
	}
	var out []edit
	i, j := 0, 0
	for i < len(ma) || j < len(mb) {
		if i < len(ma) && j < len(mb) && ma[i] == mb[j] {
			i, j = i+1, j+1
			continue
		}
		e := edit{a: pre + i, b: pre + j}
		for (i < len(ma) || j < len(mb)) && !(i < len(ma) && j < len(mb) && ma[i] == mb[j]) {
			if j == len(mb) || (i < len(ma) && lcs[(i+1)*w+j] >= lcs[i*w+j+1]) {
				i++
			} else {
				j++
			}
		}
		e.aEnd, e.bEnd = pre+i, pre+j
		out = append(out, e)
	}
	return out
}

func hunkRange(start, n int) string {
	if n == 0 {
		return fmt.Sprintf("%d,0", start)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

package generator

import (
	"fmt"
	"strings"
)

// unifiedDiff returns a unified diff of old and new for path: one hunk
// spanning from the first to the last changed line, with three lines of
// context. It is not minimal, but it is exact and cheap on large files.
func unifiedDiff(path, old, new string) string {
	a, b := splitLines(old), splitLines(new)
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	if pre == len(a) && pre == len(b) {
		return ""
	}
	const ctx = 3
	start := max(pre-ctx, 0)
	endA, endB := min(len(a)-suf+ctx, len(a)), min(len(b)-suf+ctx, len(b))
	var sb strings.Builder
	fmt.Fprintf(&sb, "--- %s\t(on disk)\n+++ %s\t(generated)\n", path, path)
	fmt.Fprintf(&sb, "@@ -%s +%s @@\n", hunkRange(start, endA-start), hunkRange(start, endB-start))
	for i := start; i < pre; i++ {
		sb.WriteString(" " + a[i] + "\n")
	}
	for i := pre; i < len(a)-suf; i++ {
		sb.WriteString("-" + a[i] + "\n")
	}
	for i := pre; i < len(b)-suf; i++ {
		sb.WriteString("+" + b[i] + "\n")
	}
	for i := len(a) - suf; i < endA; i++ {
		sb.WriteString(" " + a[i] + "\n")
	}
	return sb.String()
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

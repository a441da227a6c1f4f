// Package suggest finds the known word a misspelled one was meant to be,
// for "did you mean" hints in diagnostics.
package suggest

import (
	"strings"
	"unicode/utf8"
)

// Closest returns the candidate nearest to word by edit distance (case
// folded), or "" when none is near enough to be a plausible typo: at most
// one edit per three letters after the prefix they share (so that
// "x-apigen-colour" is not taken for "x-apigen-errors"), and at least one.
// Ties go to the earlier candidate, so the answer does not depend on map
// order when candidates are sorted.
func Closest(word string, candidates []string) string {
	w := strings.ToLower(word)
	best, bestD := "", -1
	for _, c := range candidates {
		lc := strings.ToLower(c)
		rest := len([]rune(w[commonPrefix(w, lc):]))
		d := distance(w, lc)
		if d <= max(1, rest/3) && (bestD < 0 || d < bestD) {
			best, bestD = c, d
		}
	}
	return best
}

// commonPrefix is the length in bytes of the longest common prefix of a
// and b, cut back to a rune boundary.
func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	for n > 0 && n < len(a) && !utf8.RuneStart(a[n]) {
		n--
	}
	return n
}

// Hint is Closest formatted for the end of a message: `; did you mean
// "x"?`, or "" without a suggestion.
func Hint(word string, candidates []string) string {
	if c := Closest(word, candidates); c != "" && c != word {
		return `; did you mean "` + c + `"?`
	}
	return ""
}

// distance is the optimal string alignment distance of a and b:
// insertions, deletions, substitutions and transpositions of neighbours
// each cost one.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

package suggest

import "testing"

func TestClosest(t *testing.T) {
	keys := []string{"x-apigen-auth", "x-apigen-errors", "x-apigen-pagination", "x-apigen-ratelimit", "x-apigen-retry"}
	for _, tc := range []struct {
		word string
		in   []string
		want string
	}{
		{"x-apigen-paginaton", keys, "x-apigen-pagination"}, // a deletion
		{"x-apigen-ratelimt", keys, "x-apigen-ratelimit"},   // a deletion
		{"x-apigen-rerty", keys, "x-apigen-retry"},          // a transposition
		{"x-apigen-RateLimit", keys, "x-apigen-ratelimit"},  // case
		{"windos", []string{"windows", "headers", "maxWait"}, "windows"},
		{"strng", []string{"array", "boolean", "integer", "number", "object", "string"}, "string"},
		{"querry", []string{"cookie", "header", "path", "query"}, "query"},
		{"x-apigen-colour", keys, ""}, // nothing near
		{"a", []string{"b"}, "b"},     // one edit is always allowed
		{"ab", []string{"xy"}, ""},
	} {
		if got := Closest(tc.word, tc.in); got != tc.want {
			t.Errorf("Closest(%q) = %q, want %q", tc.word, got, tc.want)
		}
	}
	if h := Hint("windos", []string{"windows"}); h != `; did you mean "windows"?` {
		t.Errorf("Hint = %q", h)
	}
	if h := Hint("xyzzy", []string{"windows"}); h != "" {
		t.Errorf("Hint without a near word = %q, want empty", h)
	}
}

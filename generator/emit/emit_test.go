package emit

import "testing"

func TestGroupImports(t *testing.T) {
	in := "package p\n\nimport (\n\t\"context\"\n\t\"github.com/a/b\"\n\tjx \"github.com/go-faster/jx\"\n\t\"net/http\"\n)\n\nvar x = 1\n"
	want := "package p\n\nimport (\n\t\"context\"\n\t\"net/http\"\n\n\t\"github.com/a/b\"\n\tjx \"github.com/go-faster/jx\"\n)\n\nvar x = 1\n"
	if got := string(groupImports([]byte(in))); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	for _, same := range []string{
		"package p\n\nimport \"context\"\n",
		"package p\n\nimport (\n\t\"context\"\n\t\"net/http\"\n)\n",
		"package p\n\nimport (\n\t\"github.com/a/b\"\n)\n",
	} {
		if got := string(groupImports([]byte(same))); got != same {
			t.Errorf("changed %q into %q", same, got)
		}
	}
}

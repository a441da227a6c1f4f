package union

import "testing"

func TestPick(t *testing.T) {
	cat := Candidate{Kind: Object, Required: []string{"meow"}, Known: []string{"meow", "name"}}
	dog := Candidate{Kind: Object, Required: []string{"bark"}, Known: []string{"bark", "name"}}
	str := Candidate{Kind: String}
	num := Candidate{Kind: Number}
	integer := Candidate{Kind: Integer}
	enum := Candidate{Kind: String, Enum: []string{"a", "b"}}
	for _, tc := range []struct {
		data  string
		cands []Candidate
		want  int
	}{
		{`{"bark":true}`, []Candidate{cat, dog}, 1},
		{`{"meow":1,"name":"x"}`, []Candidate{cat, dog}, 0},
		{`{"other":1}`, []Candidate{cat, dog}, -1},
		{`"x"`, []Candidate{cat, str}, 1},
		{`12`, []Candidate{num, integer}, 1},
		{`1.5`, []Candidate{integer, num}, 1},
		{`1.5`, []Candidate{integer}, -1},
		{`"b"`, []Candidate{enum, str}, 0},
		{`"c"`, []Candidate{enum, str}, 1},
		{`[1]`, []Candidate{{Kind: Any}, {Kind: Array}}, 1},
		{`true`, []Candidate{{Kind: Any}, str}, 0},
	} {
		if got := Pick([]byte(tc.data), tc.cands); got != tc.want {
			t.Errorf("Pick(%s) = %d, want %d", tc.data, got, tc.want)
		}
	}
}

func TestDiscriminator(t *testing.T) {
	if got := Discriminator([]byte(`{"type":"cat","x":1}`), "type"); got != "cat" {
		t.Fatalf("got %q", got)
	}
	if got := Discriminator([]byte(`{"type":3}`), "type"); got != "" {
		t.Fatalf("got %q", got)
	}
	if got := Discriminator([]byte(`[1]`), "type"); got != "" {
		t.Fatalf("got %q", got)
	}
}

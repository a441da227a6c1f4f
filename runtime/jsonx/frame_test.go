package jsonx

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apigen-go/apigen/runtime/opt"
)

// nest has every container the direct loops read: an object (itself,
// recursively), an array of objects, a map of strings and a map of
// integers.
type nest struct {
	N  int64
	S  opt.Opt[string]
	In *nest
	L  []nest
	M  map[string]string
	MI map[string]int64
}

func decodeNest(d *Decoder, s *nest) error {
	return Object(d, []string{"n"}, s, readNestMember)
}

func readNestMember(d *Decoder, s *nest, key []byte) (int, error) {
	switch string(key) {
	case "n":
		return 0, Int64(d, &s.N)
	case "s":
		return Optional, OptString(d, &s.S)
	case "in":
		return Optional, Ptr(d, &s.In, decodeNest)
	case "l":
		return Optional, Slice(d, &s.L, decodeNest)
	case "m":
		return Optional, StringMap(d, &s.M)
	case "mi":
		return Optional, Map(d, &s.MI, Int64)
	}
	return Unknown, nil
}

// decodeNests reads a top-level array of nests.
func decodeNests(d *Decoder, v *[]nest) error { return Slice(d, v, decodeNest) }

// framesAgree decodes data into an array of nests both ways
// (directAgreesWithJX).
func framesAgree(t *testing.T, data string) {
	t.Helper()
	directAgreesWithJX(t, data, decodeNests)
}

var frameCases = []string{
	`[]`, ` [ ] `, `[{"n":1}]`, `[{"n":1},{"n":2,"s":"x"}]`, "[\n\t{ \"n\" :\r1 , \"s\" : \"x\" }\n]",
	`[{"n":1,"in":{"n":2,"in":{"n":3}}}]`, `[{"n":1,"l":[{"n":2},{"n":3,"l":[]}]}]`,
	`[{"n":1,"m":{"a":"b","c":"d"},"mi":{"x":1,"y":2}}]`, `[{"n":1,"m":{},"mi":{ }}]`,
	`[{"\u006e":1,"s\"":"q","\u0073":"t"}]`, `[{"n":1,"m":{"a\nb":"c","\u00e9":"é"}}]`,
	`[{"n":1,"x":{"deep":[1,{"a":[]}]},"y":null,"z":"w"}]`, `[{"n":1,"s":5,"in":{"n":"no"}}]`,
	`[{"n":1,"l":[{"n":1},{"s":"x"},{"n":3}]}]`, `[{"n":1,"mi":{"a":1,"b":"x","c":3}}]`, `[{"s":"x"}]`,
	`[{"n":1,"l":null,"m":null,"in":null}]`, `[null]`, `null`, `{}`, `[1]`, `["x"]`, "[] \n\t\r ",
	// data after the value
	`[] x`, `[]]`, `[]{}`, `[] []`, `null null`, `[{"n":1}] ,`, `[]{"":`, `[] [`, `[] "`,
	// malformed frames: the errors must be jx's
	``, `[`, `[{`, `[{"n"`, `[{"n":`, `[{"n":1`, `[{"n":1,`, `[{"n":1,}]`, `[{"n":1}`, `[{"n":1},]`, `[{"n":1},`,
	`[{"n" 1}]`, `[{n:1}]`, `[{'n':1}]`, `[{"n":1;"s":"x"}]`, `[{"n":1}}]`, `[{"n":1}]]`, `[{"n":1} {"n":2}]`,
	`[{"n":1,"m":{"a":"b",}}]`, `[{"n":1,"m":{"a" "b"}}]`, `[{"n":1,"m":{"a":"b"]}]`, `[{"n":1,"l":[{"n":1},]}]`,
	`[{"n":1,"l":[{"n":1}}]}]`, "[{\"n\x01\":1}]", `[{"\x":1}]`, `[{"\u12":1}]`, `[{"n":1,"x":{"a":1,}}]`,
	`[{"s":"x";"n":1}]`, `[{"n":1,"in":{"n":2};"s":"x"}]`, `[{"n":1};{"n":2}]`, `[{"n":1,"m":{"a":"b";"c":"d"}}]`,
	`[{"s":"x","n":2,"s":5` + "\t", `[{"n":1,"l":[{"s":5},{"n":]}]`, `[,]`, `[{"n":1},,{"n":2}]`, `[{,"n":1}]`,
}

func TestFramesMatchJX(t *testing.T) {
	for _, c := range frameCases {
		framesAgree(t, c)
	}
}

// TestFramesMatchJXMutated breaks well-formed documents at random: one
// byte replaced, inserted or removed with one of the frame's bytes.
func TestFramesMatchJXMutated(t *testing.T) {
	r := rand.New(rand.NewPCG(20, 26))
	const alphabet = "{}[]\":,; \t\n\\nx1u\x01\xc3"
	for range 30000 {
		doc := []byte(frameCases[r.IntN(20)])
		if len(doc) == 0 {
			continue
		}
		for range 1 + r.IntN(2) {
			i, c := r.IntN(len(doc)), alphabet[r.IntN(len(alphabet))]
			switch r.IntN(3) {
			case 0:
				doc[i] = c
			case 1:
				doc = append(doc[:i], append([]byte{c}, doc[i:]...)...)
			default:
				doc = append(doc[:i], doc[i+1:]...)
			}
			if len(doc) == 0 {
				break
			}
		}
		framesAgree(t, string(doc))
	}
}

// TestFramesMatchJXEveryByte puts every byte value in every position of
// documents that have each part of a frame (and whitespace between).
func TestFramesMatchJXEveryByte(t *testing.T) {
	docs := []string{
		`[{"n":1,"s":"x","in":{"n":2},"l":[{"n":3},{"n":4}],"m":{"a":"b"},"mi":{"c":5},"x":[true,null]}]`,
		"[ { \"n\" : 1 , \"l\" : [ ] , \"m\" : { } } , {\"n\":2} ]",
	}
	for _, doc := range docs {
		for i := range len(doc) {
			b := []byte(doc)
			for c := range 256 {
				b[i] = byte(c)
				framesAgree(t, string(b))
			}
		}
	}
}

// TestFramesDepthIsJX: nesting past jx's bound fails as it did with jx
// alone, both through the direct loops and through values jx skips
// inside them.
func TestFramesDepthIsJX(t *testing.T) {
	for _, depth := range []int{maxDepth - 2, maxDepth - 1, maxDepth, maxDepth + 1} {
		nested := "[" + strings.Repeat(`{"n":1,"in":`, depth) + `{"n":1}` + strings.Repeat("}", depth) + "]"
		framesAgree(t, nested)
		skipped := `[{"n":1,"x":` + strings.Repeat("[", depth) + strings.Repeat("]", depth) + "}]"
		framesAgree(t, skipped)
	}
	var v []nest
	err := Unmarshal([]byte("["+strings.Repeat(`{"n":1,"in":`, maxDepth)+`{"n":1}`+strings.Repeat("}", maxDepth)+"]"), &v, decodeNests)
	if err == nil || !strings.Contains(err.Error(), "depth") {
		t.Fatalf("nesting past jx's bound: %v, want jx's depth error", err)
	}
}

func FuzzFramesMatchJX(f *testing.F) {
	for _, c := range frameCases {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, data string) {
		framesAgree(t, data)
	})
}

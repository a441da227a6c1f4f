package jsonx

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// wide has 70 required members: the first 64 are tracked, as before the
// table (a required member past them that is absent is not reported).
type wide struct{ V [70]int64 }

var requiredWide = func() []string {
	names := make([]string, 70)
	for i := range names {
		names[i] = fmt.Sprintf("v%d", i)
	}
	return names
}()

func decodeWide(d *Decoder, s *wide) error {
	return Object(d, requiredWide, s, func(d *Decoder, s *wide, key []byte) (int, error) {
		i := slices.Index(requiredWide, string(key))
		if i < 0 {
			return Unknown, nil
		}
		return i, Int64(d, &s.V[i])
	})
}

func TestObjectRequiredMembers(t *testing.T) {
	all := func(skip int) string {
		var b strings.Builder
		b.WriteString("{")
		for i := range 70 {
			if i != skip {
				if b.Len() > 1 {
					b.WriteString(",")
				}
				fmt.Fprintf(&b, `"v%d":%d`, i, i)
			}
		}
		return b.String() + "}"
	}
	var w wide
	if err := Unmarshal([]byte(all(-1)), &w, decodeWide); err != nil || w.V[69] != 69 {
		t.Errorf("all members: %v, %v", err, w.V)
	}
	err := Unmarshal([]byte(all(3)), &w, decodeWide)
	if e, ok := err.(*Error); !ok || e.Path != "$.v3" || e.Expected != "required member" {
		t.Errorf("v3 absent: %v", err)
	}
	if err := Unmarshal([]byte(all(66)), &w, decodeWide); err != nil {
		t.Errorf("v66 absent (not tracked): %v", err)
	}
	// A required member of the wrong type is an error, not an issue.
	err = Unmarshal([]byte(strings.Replace(all(-1), `"v66":66`, `"v66":"x"`, 1)), &w, decodeWide)
	if e, ok := err.(*Error); !ok || e.Path != "$.v66" || e.Expected != "integer" {
		t.Errorf("v66 mistyped: %v", err)
	}
	// The required members of an inner object are its own.
	var o order
	err = Unmarshal([]byte(`{"id":1,"lines":[{"qty":1}]}`), &o, decodeOrder)
	if e, ok := err.(*Error); !ok || e.Path != "$.lines[0].sku" {
		t.Errorf("inner required member absent: %v", err)
	}
	if err := Unmarshal([]byte(`{"lines":[{"sku":"a"}],"id":1}`), &o, decodeOrder); err != nil {
		t.Errorf("inner object complete: %v", err)
	}
}

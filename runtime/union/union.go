// Package union helps generated sum types (oneOf/anyOf) decide which
// variant a JSON value is, without decoding it more than once in the
// common case.
package union

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"

	"github.com/apigen-go/apigen/runtime/jsonx"
)

// Kind is the JSON kind a variant accepts.
type Kind uint8

const (
	Any     Kind = iota // accepts every value
	Object              // {...}
	Array               // [...]
	String              // "..."
	Number              // any number
	Integer             // a number without fraction or exponent
	Bool                // true or false
)

// Candidate describes one variant.
type Candidate struct {
	Kind     Kind
	Required []string // object properties the variant requires
	Known    []string // object properties the variant declares
	Enum     []string // for string enums: the accepted values
	Match    []string // the discriminator values that select it (see Table)
}

// kindOf returns the JSON kind of data, and for numbers whether it is an
// integer.
func kindOf(data []byte) Kind {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return Any
	}
	switch c := data[0]; {
	case c == '{':
		return Object
	case c == '[':
		return Array
	case c == '"':
		return String
	case c == 't' || c == 'f':
		return Bool
	case c == '-' || (c >= '0' && c <= '9'):
		if bytes.ContainsAny(data, ".eE") {
			return Number
		}
		return Integer
	}
	return Any
}

// Pick returns the index of the candidate that fits data best, or -1.
// Kinds must agree (an Integer fits a Number variant); among objects, a
// candidate whose required properties are all present wins, and then the
// one that knows the most of the present properties; ties go to the
// earlier candidate.
func Pick(data []byte, cands []Candidate) int {
	k := kindOf(data)
	var keys map[string]bool
	best, bestScore := -1, -2
	for i, c := range cands {
		switch {
		case c.Kind == Any:
		case c.Kind == k:
		case c.Kind == Number && k == Integer:
		default:
			continue
		}
		score := 0
		if c.Kind == Any {
			score = -1 // only when nothing more specific fits
		}
		if k == Object && c.Kind == Object {
			if keys == nil {
				keys = objectKeys(data)
			}
			missing := false
			for _, r := range c.Required {
				if !keys[r] {
					missing = true
					break
				}
			}
			if missing {
				continue
			}
			score = len(c.Required) * 1000
			for _, n := range c.Known {
				if keys[n] {
					score++
				}
			}
		}
		if c.Kind == Integer && k == Integer {
			score++ // prefer an exact integer variant over a general number
		}
		if k == String && len(c.Enum) > 0 {
			var s string
			if json.Unmarshal(data, &s) != nil || !slices.Contains(c.Enum, s) {
				continue
			}
			score++
		}
		if score > bestScore {
			best, bestScore = i, score
		}
	}
	return best
}

// objectKeys returns the top-level keys of a JSON object.
func objectKeys(data []byte) map[string]bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil {
		return map[string]bool{}
	}
	keys := make(map[string]bool, len(m))
	for k := range m {
		keys[k] = true
	}
	return keys
}

// Discriminator returns the string value of the top-level property prop of
// a JSON object, or "" when it is absent or not a string.
func Discriminator(data []byte, prop string) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil {
		return ""
	}
	var s string
	if json.Unmarshal(m[prop], &s) != nil {
		return ""
	}
	return s
}

// Fits reports whether decoding a value into a variant succeeded: without
// error, or with only values the decoder tolerated (a *jsonx.IssuesError,
// which the union's UnmarshalJSON passes on so that they are reported).
func Fits(err error) bool {
	var issues *jsonx.IssuesError
	return err == nil || errors.As(err, &issues)
}

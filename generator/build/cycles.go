package build

import (
	"strings"

	"github.com/apigen-go/apigen/generator/model"
)

// breakAliasCycles finds declared types that are only another name for a
// type that is, in turn, only another name for the first, as with
// "Test: {allOf: [{$ref: Test}]}" or "A: {oneOf: [B]}, B: {anyOf: [A]}".
// Such a chain never reaches a shape: JSON Schema reads it as "any value",
// so every type of the cycle becomes Any, with a warning, instead of
// sending every later stage round the loop forever.
func (b *builder) breakAliasCycles() {
	state := map[*model.Type]int{} // 0 unseen, 1 on the current chain, 2 done
	for _, t := range b.api.Types {
		var chain []*model.Type
		u := t
		for u != nil && u.Kind == model.Named && state[u] == 0 {
			state[u] = 1
			chain = append(chain, u)
			u = u.Ref
		}
		if u != nil && state[u] == 1 { // the chain came back to itself
			i := 0
			for chain[i] != u {
				i++
			}
			names := make([]string, 0, len(chain)-i+1)
			for _, c := range chain[i:] {
				names = append(names, c.Name)
			}
			cycle := strings.Join(append(names, u.Name), " → ")
			for _, c := range chain[i:] {
				b.warn(c.Pointer, "%s refers only to itself (%s) and never reaches a shape; it is read as any JSON value", c.Name, cycle)
				c.Kind, c.Ref = model.Any, nil
			}
		}
		for _, c := range chain {
			state[c] = 2
		}
	}
}

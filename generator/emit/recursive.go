package emit

import "github.com/apigen-go/apigen/generator/model"

// recursiveContainer reports whether t is a declared array or map type
// that holds itself through arrays and maps only, as "Tree: {type: array,
// items: {$ref: Tree}}" does. Structs and unions break such a loop (each
// has its own decoder and Go name); containers do not, so these types are
// declared as defined types rather than aliases (an alias may not refer to
// itself) and decoded through encoding/json rather than by a reader that
// would expand itself forever.
func recursiveContainer(t *model.Type) bool {
	decl := t
	for i := 0; decl != nil && decl.Kind == model.Named && i < maxHops; i++ {
		decl = decl.Ref
	}
	if decl == nil || decl.Name == "" || (decl.Kind != model.Array && decl.Kind != model.Map) {
		return false
	}
	seen := map[*model.Type]bool{}
	var reaches func(u *model.Type) bool
	reaches = func(u *model.Type) bool {
		for i := 0; u != nil && u.Kind == model.Named && i < maxHops; i++ {
			if u.Ref == decl {
				return true
			}
			u = u.Ref
		}
		if u == nil || seen[u] || (u.Kind != model.Array && u.Kind != model.Map) {
			return false
		}
		seen[u] = true
		return reaches(u.Elem)
	}
	return reaches(decl.Elem)
}

// maxHops bounds a walk along Named references; the model has no cycles
// of them (build breaks those), so the bound is only a safety net.
const maxHops = 1 << 10

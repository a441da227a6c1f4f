package build

import (
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/apigen-go/apigen/generator/model"
)

// Foreign is a type another Go package declares: the package the user
// maps the schema's file to (import mapping) and the type's name there.
type Foreign struct {
	Package string
	Name    string
}

// Options tune a build.
type Options struct {
	// Foreign are the component schemas (by key in components/schemas)
	// that other packages declare.
	Foreign map[string]Foreign
}

// BuildWith is Build with options.
func BuildWith(doc *openapi3.T, opts Options) (api *model.API, warnings []Problem, err error) {
	return build(doc, opts)
}

// useForeign turns the declarations of foreign component schemas into
// references to the other package's types, and drops them from the
// declared types together with the types named inside them: the other
// package declares those too. It runs before recursion marking and
// deduplication, so that no local type is made an alias of one of them.
func (b *builder) useForeign(foreign map[string]Foreign) {
	if len(foreign) == 0 {
		return
	}
	byPtr := make(map[string]Foreign, len(foreign))
	for k, f := range foreign {
		byPtr[Pointer("components", "schemas", k)] = f
	}
	kept := b.api.Types[:0]
	for _, t := range b.api.Types {
		if f, ok := byPtr[t.Pointer]; ok {
			t.Import, t.Name = f.Package, f.Name
			continue
		}
		if !insideForeign(t.Pointer, byPtr) {
			kept = append(kept, t)
		}
	}
	b.api.Types = kept
}

// insideForeign reports whether ptr is a place inside a foreign schema.
func insideForeign(ptr string, byPtr map[string]Foreign) bool {
	for i := strings.LastIndexByte(ptr, '/'); i > 0; i = strings.LastIndexByte(ptr, '/') {
		ptr = ptr[:i]
		if _, ok := byPtr[ptr]; ok {
			return true
		}
	}
	return false
}

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

// dropForeign removes from the declared types the foreign ones and the
// types named inside them: the other package declares those. It runs
// before recursion marking and deduplication, so that no local type is
// made an alias of one of them.
func (b *builder) dropForeign() {
	inside := map[string]bool{} // pointers of the foreign declarations
	for _, t := range b.api.Types {
		if t.Import != "" {
			inside[t.Pointer] = true
		}
	}
	if len(inside) == 0 {
		return
	}
	kept := b.api.Types[:0]
	for _, t := range b.api.Types {
		if t.Import == "" && !insideForeign(t.Pointer, inside) {
			kept = append(kept, t)
		}
	}
	b.api.Types = kept
}

// insideForeign reports whether ptr is a place inside a foreign schema.
func insideForeign(ptr string, foreign map[string]bool) bool {
	for i := strings.LastIndexByte(ptr, '/'); i > 0; i = strings.LastIndexByte(ptr, '/') {
		ptr = ptr[:i]
		if foreign[ptr] {
			return true
		}
	}
	return false
}

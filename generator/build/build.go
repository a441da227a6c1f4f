// Package build lowers a loaded OpenAPI document into apigen's model: it
// chooses every Go name, turns schemas into a closed set of type kinds,
// merges allOf, shapes oneOf/anyOf into sum types and parses the
// x-apigen-* extensions. It never drops an operation: what it cannot
// express falls back to a raw type and is reported as a warning.
package build

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/apigen-go/apigen/generator/model"
	"github.com/apigen-go/apigen/generator/naming"
)

// Problem is a finding at a JSON pointer of the document.
type Problem struct {
	Pointer string
	Message string
}

// Error lists the problems that make generation impossible.
type Error struct{ Problems []Problem }

func (e *Error) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Pointer + ": " + p.Message
	}
	return strings.Join(msgs, "\n")
}

// Reserved are the package-level names every generated client declares;
// schema and operation names never take them.
var Reserved = []string{
	"Client", "New", "Option", "RequestOption", "Credentials", "CredentialsFromEnv", "Download",
	"APIError", "Invoker", "File", "DefaultServerURL", "WithHTTPClient", "WithMiddleware",
	"WithCredentials", "WithTokenStore", "WithLogger", "WithRateLimiter", "WithRetry",
	"WithInsecureHTTP", "WithServerVariables", "WithHeader", "WithIdempotencyKey", "WithTimeout",
	"WithQuery", "WithUserAgent", "WithMaxWait", "WithRateLimits", "WithoutRateLimit", "WithoutRetry",
}

type builder struct {
	doc      *openapi3.T
	api      *model.API
	pkg      *naming.Scope
	byRef    map[string]*model.Type
	inline   map[*openapi3.Schema]*model.Type
	active   map[*openapi3.Schema]bool // anonymous schemas being filled
	enums    map[string]*model.Type    // component enums by enumSig
	foreign  map[string]Foreign        // component schemas other packages declare
	warnings []Problem
	errors   []Problem
}

// Build lowers doc. Warnings are returned even when err is nil.
func Build(doc *openapi3.T) (api *model.API, warnings []Problem, err error) {
	return build(doc, Options{})
}

func build(doc *openapi3.T, opts Options) (api *model.API, warnings []Problem, err error) {
	b := &builder{
		doc:     doc,
		api:     &model.API{},
		pkg:     naming.NewScope(Reserved...),
		byRef:   map[string]*model.Type{},
		inline:  map[*openapi3.Schema]*model.Type{},
		active:  map[*openapi3.Schema]bool{},
		foreign: opts.Foreign,
	}
	b.pkg.Renamed = b.renamed
	b.info()
	b.extensions()
	b.declareComponents()
	b.breakAliasCycles()
	b.operations()
	b.breakAliasCycles()
	b.security()
	b.api.DefaultSecurity = alternatives(b.doc.Security)
	sort.Slice(b.api.Types, func(i, j int) bool { return b.api.Types[i].Name < b.api.Types[j].Name })
	sort.Slice(b.api.Operations, func(i, j int) bool { return b.api.Operations[i].Name < b.api.Operations[j].Name })
	b.dropForeign()
	markRecursion(b.api.Types)
	dedupeEnums(b.api.Types)
	dedupeStructs(b.api.Types)
	if len(b.errors) > 0 {
		return nil, b.warnings, &Error{Problems: b.errors}
	}
	return b.api, b.warnings, nil
}

// warn records a warning once: a schema reached along several paths is
// filled more than once, and its findings are the same each time.
func (b *builder) warn(ptr, format string, args ...any) {
	p := Problem{ptr, fmt.Sprintf(format, args...)}
	if slices.Contains(b.warnings, p) {
		return
	}
	b.warnings = append(b.warnings, p)
}

// scope returns a namespace whose automatic renames are warnings.
func (b *builder) scope(reserved ...string) *naming.Scope {
	s := naming.NewScope(reserved...)
	s.Renamed = b.renamed
	return s
}

// renamed warns about an automatic rename, naming both sources, so that
// the author can choose a name with x-go-name instead.
func (b *builder) renamed(want, got, holder, source string) {
	if holder != naming.Reserved {
		holder = "the Go name of " + holder
	}
	b.warn(source, "its Go name %s is taken (%s), so it is named %s; choose a name with x-go-name", want, holder, got)
}

// componentName names components/schemas/k. A clash with a name every
// client declares (a schema called Client) adds "Schema"; a clash with
// another schema ("pet" beside "Pet") keeps the key's own spelling (Pet_):
// both derive from the key alone, so adding a schema never renames
// another.
func (b *builder) componentName(k, ptr string) string {
	name := naming.Exported(k)
	if b.pkg.Holder(name) == naming.Reserved {
		return b.pkg.Claim(name, ptr, name+"Schema", rawExported(k))
	}
	return b.pkg.Claim(name, ptr, rawExported(k))
}

// goName is the x-go-name of an extensions map, "" without one (the loader
// has checked that it is an exported identifier).
func goName(ext map[string]any) string {
	n, _ := ext["x-go-name"].(string)
	return n
}

// claimChosen claims a name the author chose with x-go-name; a clash is an
// error, since renaming it would defeat the choice.
func (b *builder) claimChosen(s *naming.Scope, name, ptr string) string {
	if !s.TryClaim(name, ptr) {
		b.fail(ptr+"/x-go-name", "x-go-name %s is already the Go name of %s", name, s.Holder(name))
	}
	return name
}

func (b *builder) fail(ptr, format string, args ...any) {
	b.errors = append(b.errors, Problem{ptr, fmt.Sprintf(format, args...)})
}

// Pointer escapes a JSON pointer token (RFC 6901).
func Pointer(tokens ...string) string {
	var sb strings.Builder
	for _, t := range tokens {
		sb.WriteByte('/')
		sb.WriteString(strings.ReplaceAll(strings.ReplaceAll(t, "~", "~0"), "/", "~1"))
	}
	return sb.String()
}

func (b *builder) info() {
	if b.doc.Info != nil {
		b.api.Title = b.doc.Info.Title
		b.api.Description = b.doc.Info.Description
		b.api.Version = b.doc.Info.Version
	}
	for _, s := range b.doc.Servers {
		if s == nil {
			continue
		}
		srv := model.Server{URL: s.URL, Description: s.Description}
		names := make([]string, 0, len(s.Variables))
		for n := range s.Variables {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			v := s.Variables[n]
			if v == nil {
				continue
			}
			srv.Variables = append(srv.Variables, model.ServerVariable{Name: n, Default: v.Default, Description: v.Description, Enum: v.Enum})
		}
		b.api.Servers = append(b.api.Servers, srv)
	}
}

// extensions reads the root x-apigen-* extensions.
func (b *builder) extensions() {
	b.api.RateLimit = decodeExt[model.RateLimit](b, b.doc.Extensions, "x-apigen-ratelimit", "")
	b.api.Retry = decodeExt[model.Retry](b, b.doc.Extensions, "x-apigen-retry", "")
	b.api.Errors = decodeExt[model.Errors](b, b.doc.Extensions, "x-apigen-errors", "")
	if p := decodeExt[string](b, b.doc.Extensions, "x-apigen-env-prefix", ""); p != nil {
		b.api.EnvPrefix = *p
	}
}

func decodeExt[T any](b *builder, ext map[string]any, key, ptr string) *T {
	v, ok := ext[key]
	if !ok {
		return nil
	}
	out := new(T)
	if err := model.DecodeExtension(v, out); err != nil {
		b.fail(ptr+Pointer(key), "invalid %s: %v", key, err)
		return nil
	}
	return out
}

func (b *builder) declareComponents() {
	if b.doc.Components == nil {
		return
	}
	keys := sortedKeys(b.doc.Components.Schemas)
	decls := make([]*model.Type, len(keys))
	for i, k := range keys {
		ptr := Pointer("components", "schemas", k)
		var name string
		f, foreign := b.foreign[k]
		if foreign {
			name = f.Name // its package's name; it claims none of ours
		} else if ref := b.doc.Components.Schemas[k]; ref != nil && ref.Value != nil && goName(ref.Value.Extensions) != "" {
			name = b.claimChosen(b.pkg, goName(ref.Value.Extensions), ptr)
		} else {
			name = b.componentName(k, ptr)
		}
		t := &model.Type{Name: name, Pointer: ptr, Import: f.Package}
		b.byRef["#/components/schemas/"+k] = t
		b.api.Types = append(b.api.Types, t)
		decls[i] = t
	}
	b.registerEnums()
	for i, k := range keys {
		ref := b.doc.Components.Schemas[k]
		if ref == nil || ref.Value == nil {
			decls[i].Kind = model.Any
			continue
		}
		if target, ok := b.byRef[ref.Ref]; ok && target != decls[i] {
			decls[i].Kind, decls[i].Ref = model.Named, target // components/schemas/A: {$ref: B}
			continue
		}
		b.inline[ref.Value] = decls[i]
		b.fillComponent(decls[i], ref)
	}
}

// fillComponent fills a component's declaration. The types named inside a
// foreign one (import mapping) take their names in a scope of their own:
// they are not declared here, so they must not rename any of ours.
func (b *builder) fillComponent(t *model.Type, ref *openapi3.SchemaRef) {
	if t.Import != "" {
		own := b.pkg
		b.pkg = naming.NewScope()
		defer func() { b.pkg = own }()
	}
	b.fill(t, ref, t.Pointer, t.Name)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

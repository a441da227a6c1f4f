package build

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/apigen-go/apigen/generator/model"
	"github.com/apigen-go/apigen/generator/naming"
)

// typeOf returns the type of a schema use. Component references become
// Named uses of the declared type; inline structs, enums and unions are
// declared under the name hint; everything else stays anonymous.
func (b *builder) typeOf(ref *openapi3.SchemaRef, hint, ptr string) *model.Type {
	if ref == nil || ref.Value == nil {
		return &model.Type{Kind: model.Any, Pointer: ptr}
	}
	if ref.Ref != "" {
		if decl, ok := b.byRef[ref.Ref]; ok {
			return &model.Type{Kind: model.Named, Ref: decl}
		}
		if i := strings.LastIndex(ref.Ref, "/"); i >= 0 {
			hint = naming.Exported(ref.Ref[i+1:])
		}
	}
	s := ref.Value
	if decl, ok := b.inline[s]; ok {
		return &model.Type{Kind: model.Named, Ref: decl}
	}
	if needsDecl(s) {
		if t := b.sameEnum(s); t != nil {
			return &model.Type{Kind: model.Named, Ref: t}
		}
		var name string
		if n := goName(s.Extensions); n != "" {
			name = b.claimChosen(b.pkg, n, ptr)
		} else {
			name = b.pkg.Claim(hint, ptr)
		}
		decl := &model.Type{Name: name, Pointer: ptr}
		b.inline[s] = decl
		b.api.Types = append(b.api.Types, decl)
		b.fill(decl, ref, ptr, name)
		return &model.Type{Kind: model.Named, Ref: decl}
	}
	if b.active[s] {
		// An inline schema that contains itself through a $ref to a place
		// inside a schema has no name to point back to.
		b.warn(ptr, "$ref %q leads back into itself through inline schemas only; the inner value is read as any JSON value", ref.Ref)
		return &model.Type{Kind: model.Any, Pointer: ptr}
	}
	if len(b.active) >= maxNesting {
		b.fail(ptr, "schemas nest more than %d levels deep here; simplify the schema or move parts of it into components", maxNesting)
		return &model.Type{Kind: model.Any, Pointer: ptr}
	}
	b.active[s] = true
	defer delete(b.active, s)
	t := &model.Type{Pointer: ptr}
	b.fill(t, ref, ptr, hint)
	return t
}

// maxNesting bounds the depth of anonymous schemas one type may hold: a
// counted budget, so that no input can exhaust the stack.
const maxNesting = 500

// needsDecl reports whether an inline schema must become a named type.
func needsDecl(s *openapi3.Schema) bool {
	if len(s.AllOf) > 0 || len(nonNull(s.OneOf)) > 1 || len(nonNull(s.AnyOf)) > 1 {
		return true
	}
	if len(s.Enum) > 0 && enumBase(s) != model.Any {
		return true
	}
	return len(s.Properties) > 0
}

// fill computes the shape of schema ref into t (which may be a declared,
// named type or an anonymous one, such as an array). hint is the name t has
// or would have: the types declared inside an anonymous one (an array's
// items) are named from it, as a property's name says what its items are.
func (b *builder) fill(t *model.Type, ref *openapi3.SchemaRef, ptr, hint string) {
	s := ref.Value
	b.checkEnum(s, ptr)
	t.Doc = schemaDoc(s)
	t.Format = s.Format
	if hint == "" {
		hint = "Anon"
	}
	switch {
	case len(s.AllOf) > 0:
		b.fillAllOf(t, s, hint, ptr)
	case len(nonNull(s.OneOf)) > 0 && !constraintOnly(s.OneOf):
		b.fillUnion(t, s, nonNull(s.OneOf), false, hint, ptr+"/oneOf")
	case len(nonNull(s.AnyOf)) > 0 && !constraintOnly(s.AnyOf):
		b.fillUnion(t, s, nonNull(s.AnyOf), true, hint, ptr+"/anyOf")
	case len(s.Enum) > 0 && enumBase(s) != model.Any:
		b.fillEnum(t, s, ptr)
	case len(s.Properties) > 0:
		b.checkRequired(s, ptr)
		b.fillStruct(t, []*openapi3.Schema{s}, hint, ptr)
	default:
		b.fillPlain(t, s, hint, ptr)
	}
}

// constraintOnly reports whether every branch only adds constraints
// (required, not) to the parent, as in "oneOf: [{required: [a]}, {required:
// [b]}]": such a oneOf validates but does not change the shape.
func constraintOnly(branches openapi3.SchemaRefs) bool {
	for _, br := range branches {
		if br == nil || br.Value == nil {
			continue
		}
		s := br.Value
		if br.Ref != "" || !s.Type.IsEmpty() || len(s.Properties) > 0 || s.Items != nil || len(s.AllOf) > 0 ||
			len(s.OneOf) > 0 || len(s.AnyOf) > 0 || len(s.Enum) > 0 {
			return false
		}
	}
	return true
}

func nonNull(refs openapi3.SchemaRefs) openapi3.SchemaRefs {
	var out openapi3.SchemaRefs
	for _, r := range refs {
		if r != nil && r.Value != nil && r.Value.Type.Is("null") {
			continue
		}
		out = append(out, r)
	}
	return out
}

func schemaDoc(s *openapi3.Schema) string {
	if s.Description != "" {
		return s.Description
	}
	return s.Title
}

func (b *builder) fillPlain(t *model.Type, s *openapi3.Schema, hint, ptr string) {
	typ := ""
	if s.Type != nil {
		for _, x := range *s.Type {
			if x != "null" {
				typ = x
				break
			}
		}
	}
	if typ == "" {
		switch {
		case s.Items != nil:
			typ = "array"
		case s.AdditionalProperties.Schema != nil:
			typ = "object"
		}
	}
	switch typ {
	case "string":
		switch s.Format {
		case "date-time":
			t.Kind = model.DateTime
		case "date":
			t.Kind = model.Date
		case "byte":
			t.Kind = model.Bytes
		case "binary":
			t.Kind = model.Binary
		default:
			t.Kind = model.String
		}
	case "integer":
		if s.Format == "int32" {
			t.Kind = model.Int32
		} else {
			t.Kind = model.Int64
		}
	case "number":
		t.Kind = model.Float64
	case "boolean":
		t.Kind = model.Bool
	case "array":
		t.Kind = model.Array
		t.Elem = b.typeOf(s.Items, hint+"Item", ptr+"/items")
	case "object":
		t.Kind = model.Map
		if ap := s.AdditionalProperties.Schema; ap != nil {
			t.Elem = b.typeOf(ap, hint+"Value", ptr+"/additionalProperties")
		} else {
			t.Elem = &model.Type{Kind: model.Any}
		}
	default:
		t.Kind = model.Any
	}
}

func enumBase(s *openapi3.Schema) model.Kind {
	var base model.Kind = model.Any
	for _, v := range s.Enum {
		var k model.Kind
		switch x := v.(type) {
		case nil:
			continue
		case string:
			k = model.String
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<53 && !s.Type.Is("number") {
				k = model.Int64
			} else {
				k = model.Float64
			}
		case int, int64:
			k = model.Int64
		default:
			return model.Any
		}
		switch {
		case base == model.Any:
			base = k
		case base == k:
		case (base == model.Int64 && k == model.Float64) || (base == model.Float64 && k == model.Int64):
			base = model.Float64
		default:
			return model.Any
		}
	}
	if s.Type.Is("string") && base != model.String {
		return model.Any
	}
	return base
}

func (b *builder) fillEnum(t *model.Type, s *openapi3.Schema, ptr string) {
	t.Kind = model.Enum
	t.EnumBase = enumBase(s)
	if t.Name == "" { // anonymous enums have nowhere to hang constants
		t.Kind = t.EnumBase
		return
	}
	seen := map[string]bool{}
	varnames, _ := s.Extensions["x-enum-varnames"].([]any)
	if varnames != nil && len(varnames) != len(s.Enum) {
		b.fail(ptr+"/x-enum-varnames", "x-enum-varnames has %d names for %d enum values", len(varnames), len(s.Enum))
		varnames = nil
	}
	for i, v := range s.Enum {
		if v == nil {
			continue
		}
		var val any
		switch t.EnumBase {
		case model.String:
			val = v.(string)
		case model.Int64:
			f, _ := v.(float64)
			if i, ok := v.(int); ok {
				f = float64(i)
			}
			val = int64(f)
		default:
			f, _ := v.(float64)
			val = f
		}
		key := fmt.Sprint(val)
		if seen[key] {
			continue
		}
		seen[key] = true
		suffix := naming.Exported(key)
		if key == "" {
			suffix = "Empty"
		} else if c := key[0]; c >= '0' && c <= '9' {
			suffix = strings.TrimPrefix(suffix, "N")
		}
		vptr := fmt.Sprintf("%s/enum/%d", ptr, i)
		var name string
		if varnames != nil {
			chosen, _ := varnames[i].(string)
			name = b.claimChosen(b.pkg, t.Name+naming.Exported(chosen), vptr)
		} else {
			name = b.pkg.Claim(t.Name+suffix, vptr)
		}
		t.EnumValues = append(t.EnumValues, model.EnumValue{Name: name, Value: val})
	}
}

// fillAllOf merges the branches of an allOf into one struct. A lone
// reference with nothing beside it is an alias of the referenced type.
func (b *builder) fillAllOf(t *model.Type, s *openapi3.Schema, hint, ptr string) {
	parts := flattenAllOf(s)
	if len(s.AllOf) == 1 && len(s.Properties) == 0 && s.AllOf[0] != nil && s.AllOf[0].Value != nil {
		only := s.AllOf[0]
		if only.Ref != "" || len(only.Value.Properties) == 0 {
			adopt(t, b.typeOf(only, hint, ptr+"/allOf/0"))
			return
		}
	}
	var objects []*openapi3.Schema
	for _, p := range parts {
		if len(p.Properties) > 0 || p.Type.Is("object") {
			objects = append(objects, p)
		}
	}
	if len(objects) == 0 {
		// allOf of non-objects (e.g. a string with extra constraints): the
		// first branch with a shape decides.
		for i, p := range s.AllOf {
			if p != nil && p.Value != nil && (!p.Value.Type.IsEmpty() || p.Ref != "" || len(p.Value.OneOf)+len(p.Value.AnyOf) > 0) {
				u := b.typeOf(p, hint, fmt.Sprintf("%s/allOf/%d", ptr, i))
				adopt(t, u)
				t.Format = u.Format
				return
			}
		}
		t.Kind = model.Any
		return
	}
	b.checkRequired(s, ptr)
	b.fillStruct(t, objects, hint, ptr)
}

// flattenAllOf returns the schema and every schema it includes through
// allOf, depth first, each once.
func flattenAllOf(s *openapi3.Schema) []*openapi3.Schema {
	var out []*openapi3.Schema
	seen := map[*openapi3.Schema]bool{}
	var walk func(*openapi3.Schema)
	walk = func(x *openapi3.Schema) {
		if x == nil || seen[x] {
			return
		}
		seen[x] = true
		for _, p := range x.AllOf {
			if p != nil {
				walk(p.Value)
			}
		}
		out = append(out, x)
	}
	walk(s)
	return out
}

// fillStruct makes t a struct of the union of the parts' properties; a
// later part's property wins over an earlier one of the same name.
func (b *builder) fillStruct(t *model.Type, parts []*openapi3.Schema, hint, ptr string) {
	t.Kind = model.Struct
	props := map[string]*openapi3.SchemaRef{}
	owner := map[string]int{}
	required := map[string]bool{}
	var extra *openapi3.SchemaRef
	extraPtr := ptr + "/additionalProperties"
	for i, p := range parts {
		for name, pr := range p.Properties {
			props[name] = pr
			owner[name] = i
		}
		for _, r := range p.Required {
			required[r] = true
		}
		if ap := p.AdditionalProperties.Schema; ap != nil && extra == nil {
			extra = ap
			if len(parts) > 1 {
				extraPtr = fmt.Sprintf("%s/allOf/%d/additionalProperties", ptr, i)
			}
		}
	}
	fields := b.scope()
	for _, name := range sortedKeys(props) {
		pr := props[name]
		fptr := ptr + Pointer("properties", name)
		if len(parts) > 1 {
			fptr = fmt.Sprintf("%s/allOf/%d%s", ptr, owner[name], Pointer("properties", name))
		}
		f := &model.Field{
			Name:     b.fieldName(fields, name, pr, fptr),
			JSONName: name,
			Required: required[name],
		}
		f.Type = b.typeOf(pr, hint+naming.Exported(name), fptr)
		if pr != nil && pr.Value != nil {
			v := pr.Value
			f.Doc = schemaDoc(v)
			f.Nullable = v.Nullable || v.Type.Includes("null") || hasNullBranch(v)
			f.ReadOnly, f.WriteOnly = v.ReadOnly, v.WriteOnly
			if f.ReadOnly {
				f.Required = false // servers fill read-only fields; requests must be able to leave them out
			}
		}
		t.Fields = append(t.Fields, f)
	}
	if extra != nil {
		// Properties beyond the declared ones are kept, typed, in a map.
		t.AdditionalProperties = true
		t.Elem = b.typeOf(extra, hint+"Value", extraPtr)
		t.ExtraField = fields.Claim("AdditionalProperties", extraPtr, "Extra", "ExtraProperties")
	}
}

func hasNullBranch(s *openapi3.Schema) bool {
	return len(nonNull(s.OneOf)) < len(s.OneOf) || len(nonNull(s.AnyOf)) < len(s.AnyOf)
}

// fillUnion makes t a sum type of the branches. With a discriminator the
// branch is chosen by the property's value; without one the emitter
// decodes by JSON kind and then by trial.
func (b *builder) fillUnion(t *model.Type, s *openapi3.Schema, branches openapi3.SchemaRefs, anyOf bool, hint, ptr string) {
	if len(branches) == 1 {
		adopt(t, b.typeOf(branches[0], hint, ptr+"/0"))
		return
	}
	t.Kind = model.Union
	t.AnyOf = anyOf
	scope := b.scope("Raw")
	mapping := map[string][]string{}
	if d := s.Discriminator; d != nil && d.PropertyName != "" {
		t.Discriminator = d.PropertyName
		for _, v := range sortedKeys(d.Mapping) {
			ref := d.Mapping[v].Ref
			mapping[ref] = append(mapping[ref], v)
		}
	}
	for i, br := range branches {
		bptr := fmt.Sprintf("%s/%d", ptr, i)
		vt := b.typeOf(br, fmt.Sprintf("%s%d", hint, i), bptr)
		name := variantName(vt, br, i)
		v := &model.Variant{Name: scope.Claim(name, bptr), Type: vt}
		if t.Discriminator != "" && br != nil {
			v.Match = mapping[br.Ref]
			if len(v.Match) == 0 {
				// Without a mapping the value is the schema's name; specs
				// also pin it with a one-value enum (or const) on the
				// property itself, as OpenAI's events do.
				if c, ok := constProperty(br.Value, t.Discriminator); ok {
					v.Match = append(v.Match, c)
				}
				if br.Ref != "" {
					if n := br.Ref[strings.LastIndex(br.Ref, "/")+1:]; !slices.Contains(v.Match, n) {
						v.Match = append(v.Match, n)
					}
				}
			}
		}
		t.Variants = append(t.Variants, v)
	}
	if t.Discriminator != "" {
		// A value selects one variant: the first that claims it.
		claimed := map[string]bool{}
		for _, v := range t.Variants {
			kept := v.Match[:0]
			for _, m := range v.Match {
				if !claimed[m] {
					claimed[m] = true
					kept = append(kept, m)
				}
			}
			v.Match = kept
		}
		for _, v := range t.Variants {
			if len(v.Match) == 0 {
				b.warn(ptr, "discriminator %q: no mapping for variant %s; it is chosen by trial decoding", t.Discriminator, v.Name)
			}
		}
	}
}

func variantName(t *model.Type, br *openapi3.SchemaRef, i int) string {
	if t.Kind == model.Named {
		return t.Ref.Name
	}
	switch t.Kind {
	case model.String, model.Date:
		return "String"
	case model.Int32, model.Int64:
		return "Int"
	case model.Float64:
		return "Number"
	case model.Bool:
		return "Bool"
	case model.DateTime:
		return "Time"
	case model.Array:
		return "Array"
	case model.Map:
		return "Map"
	}
	if br != nil && br.Value != nil && br.Value.Title != "" {
		return naming.Exported(br.Value.Title)
	}
	return fmt.Sprintf("Variant%d", i)
}

// markRecursion marks struct fields that close a cycle of by-value
// containment, so the emitter holds them by pointer.
func markRecursion(types []*model.Type) {
	// Tarjan's strongly connected components over "struct A holds struct B by value".
	index := map[*model.Type]int{}
	low := map[*model.Type]int{}
	onStack := map[*model.Type]bool{}
	comp := map[*model.Type]int{}
	var stack []*model.Type
	next, ncomp := 0, 0
	edges := func(t *model.Type) []*model.Type {
		var out []*model.Type
		if t.Kind != model.Struct {
			return nil
		}
		for _, f := range t.Fields {
			if d := f.Type.Resolve(); d != nil && d.Kind == model.Struct && f.Type.Kind == model.Named {
				out = append(out, d)
			}
		}
		return out
	}
	var visit func(t *model.Type)
	visit = func(t *model.Type) {
		index[t], low[t] = next, next
		next++
		stack = append(stack, t)
		onStack[t] = true
		for _, u := range edges(t) {
			if _, seen := index[u]; !seen {
				visit(u)
				low[t] = min(low[t], low[u])
			} else if onStack[u] {
				low[t] = min(low[t], index[u])
			}
		}
		if low[t] == index[t] {
			for {
				u := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[u] = false
				comp[u] = ncomp
				if u == t {
					break
				}
			}
			ncomp++
		}
	}
	sorted := append([]*model.Type(nil), types...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	for _, t := range sorted {
		if _, seen := index[t]; !seen {
			visit(t)
		}
	}
	for _, t := range sorted {
		for _, f := range t.Fields {
			if d := f.Type.Resolve(); d != nil && d.Kind == model.Struct && f.Type.Kind == model.Named && comp[d] == comp[t] {
				f.Pointer = true
			}
		}
	}
}

// adopt gives t the shape of u, keeping t's own name, pointer and doc:
// a schema that is only an allOf or oneOf of one other takes its shape.
func adopt(t, u *model.Type) {
	t.Kind, t.Ref, t.Elem = u.Kind, u.Ref, u.Elem
	t.Fields, t.AdditionalProperties, t.ExtraField = u.Fields, u.AdditionalProperties, u.ExtraField
	t.EnumBase, t.EnumValues = u.EnumBase, u.EnumValues
	t.Variants, t.Discriminator, t.AnyOf = u.Variants, u.Discriminator, u.AnyOf
}

// constProperty returns the one value a string property of s (or of the
// schemas it includes with allOf) may take.
func constProperty(s *openapi3.Schema, name string) (string, bool) {
	for _, part := range flattenAllOf(s) {
		p := part.Properties[name]
		if p == nil || p.Value == nil || len(p.Value.Enum) != 1 {
			continue
		}
		if v, ok := p.Value.Enum[0].(string); ok {
			return v, true
		}
	}
	return "", false
}

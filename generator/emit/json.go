package emit

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/apigen-go/apigen/generator/model"
)

// jsonMethods writes the methods that make enums strict on encode and
// unions decode to the right variant.
func jsonMethods(f *jen.File, api *model.API) {
	enums := false
	for _, t := range api.Types {
		switch t.Kind {
		case model.Enum:
			if len(t.EnumValues) > 0 {
				enumMethods(f, t)
				enums = true
			}
		case model.Union:
			unionMethods(f, t)
		case model.Struct:
			if t.AdditionalProperties {
				extraMethods(f, t)
			} else if fields := untaggable(t); len(fields) > 0 {
				untaggedMethods(f, t, fields)
			}
		}
	}
	if enums {
		knownHelper(f)
	}
}

// enumMethods writes IsKnown as a lookup in a package-level list of the
// values, typed as the enum's base type: a switch per enum costs the
// compiler far more (Stripe's 2 270 enums: 12-15 s of CPU and ~0.45 GB of
// peak memory), and so does a list of the enum's own type (a new slice
// type and generic instance per enum); the lookup on []string is one
// instance for all, in the helper knownHelper writes.
func enumMethods(f *jen.File, t *model.Type) {
	list := "known" + t.Name
	f.Comment("IsKnown reports whether v is one of the values the spec lists. Decoding accepts")
	f.Comment("unknown values, so that a provider adding one does not break the client.")
	f.Func().Params(jen.Id("v").Id(t.Name)).Id("IsKnown").Params().Bool().Block(
		jen.Return(jen.Id("isKnown").Call(jen.Id(list), jen.Add(enumBaseType(t.EnumBase)).Call(jen.Id("v")))),
	)
	f.Line()
	values := make([]jen.Code, len(t.EnumValues))
	for i, v := range t.EnumValues {
		values[i] = untypedLit(v.Value)
	}
	f.Comment(list + " holds the values of " + t.Name + " the spec lists, for IsKnown.")
	f.Var().Id(list).Op("=").Index().Add(enumBaseType(t.EnumBase)).Values(values...)
	f.Line()
}

// knownHelper writes isKnown, which every IsKnown calls. It is not inlined:
// slices.Contains inlined into each IsKnown cost OpenAI's client ~50 MB of
// peak compile memory (705 enums, issue 19).
func knownHelper(f *jen.File) {
	f.Comment("isKnown reports whether v is in list, for IsKnown.")
	f.Comment("")
	f.Comment("//go:noinline")
	f.Func().Id("isKnown").Types(jen.Id("T").Comparable()).Params(jen.Id("list").Index().Id("T"), jen.Id("v").Id("T")).Bool().Block(
		jen.Return(jen.Qual("slices", "Contains").Call(jen.Id("list"), jen.Id("v"))),
	)
	f.Line()
}

// unionMethods writes MarshalJSON (the set variant) and UnmarshalJSON (by
// discriminator, else by JSON kind and required properties, else Raw). Both
// delegate to runtime/union with the union's fields in order; the variants
// are described once, in a package-level union.Table, so that the methods
// stay one call each.
func unionMethods(f *jen.File, t *model.Type) {
	fields := func(addr bool) []jen.Code {
		var out []jen.Code
		for _, v := range t.Variants {
			if addr {
				out = append(out, jen.Op("&").Id("u").Dot(v.Name))
			} else {
				out = append(out, jen.Id("u").Dot(v.Name))
			}
		}
		return out
	}
	f.Comment("MarshalJSON encodes the variant that is set.")
	f.Func().Params(jen.Id("u").Id(t.Name)).Id("MarshalJSON").Params().Params(jen.Index().Byte(), jen.Error()).Block(
		jen.Return(jen.Qual(pkgUnion, "Marshal").Call(append([]jen.Code{jen.Lit(t.Name), jen.Id("u").Dot("Raw")}, fields(false)...)...)),
	)
	f.Line()
	table := "union" + t.Name
	f.Comment("UnmarshalJSON decodes into the matching variant; a value no variant fits lands in Raw.")
	f.Func().Params(jen.Id("u").Op("*").Id(t.Name)).Id("UnmarshalJSON").Params(jen.Id("b").Index().Byte()).Error().Block(
		jen.Op("*").Id("u").Op("=").Id(t.Name).Values(),
		jen.Return(jen.Qual(pkgUnion, "Unmarshal").Call(append([]jen.Code{jen.Id("b"), jen.Op("&").Id(table), jen.Op("&").Id("u").Dot("Raw")}, fields(true)...)...)),
	)
	f.Line()
	kinds := map[string]int{}
	for _, v := range t.Variants {
		kinds[jsonKind(v.Type)]++
	}
	cands := make([]jen.Code, len(t.Variants))
	for i, v := range t.Variants {
		cands[i] = candidate(v, kinds[jsonKind(v.Type)] > 1, t.Discriminator != "")
	}
	vals := jen.Dict{jen.Id("Variants"): jen.Index().Qual(pkgUnion, "Candidate").Values(cands...)}
	if t.Discriminator != "" {
		vals[jen.Id("Discriminator")] = jen.Lit(t.Discriminator)
	}
	f.Comment(table + " describes " + t.Name + "'s variants, in the order of its fields.")
	f.Var().Id(table).Op("=").Qual(pkgUnion, "Table").Values(vals)
	f.Line()
}

// jsonKind is the union.Kind constant a value of t is decoded from.
func jsonKind(t *model.Type) string {
	r := t.Resolve()
	if r == nil {
		return "Any"
	}
	switch r.Kind {
	case model.String, model.Date, model.DateTime, model.Bytes:
		return "String"
	case model.Int32, model.Int64:
		return "Integer"
	case model.Float64:
		return "Number"
	case model.Bool:
		return "Bool"
	case model.Array:
		return "Array"
	case model.Map, model.Struct:
		return "Object"
	case model.Enum:
		switch r.EnumBase {
		case model.String:
			return "String"
		case model.Int64:
			return "Integer"
		}
		return "Number"
	}
	return "Any"
}

// candidate describes a variant to union.Pick: its JSON kind and, when
// another variant has the same kind (shared), what tells them apart: the
// properties an object requires and knows, the values of a string enum;
// with a discriminator, the values that name it.
func candidate(v *model.Variant, shared, discriminated bool) jen.Code {
	t := v.Type
	r := t.Resolve()
	vals := jen.Dict{jen.Id("Kind"): jen.Qual(pkgUnion, jsonKind(t))}
	if discriminated && len(v.Match) > 0 {
		vals[jen.Id("Match")] = strList(v.Match)
	}
	if !shared || r == nil {
		return jen.Values(vals)
	}
	if r.Kind == model.Struct {
		var required, known []string
		for _, f := range r.Fields {
			known = append(known, f.JSONName)
			if f.Required {
				required = append(required, f.JSONName)
			}
		}
		if len(required) > 0 {
			vals[jen.Id("Required")] = strList(required)
		}
		if len(known) > 0 {
			vals[jen.Id("Known")] = strList(known)
		}
	}
	if r.Kind == model.Enum && r.EnumBase == model.String {
		var vs []string
		for _, v := range r.EnumValues {
			vs = append(vs, fmt.Sprint(v.Value))
		}
		if len(vs) > 0 && len(vs) <= 64 {
			vals[jen.Id("Enum")] = strList(vs)
		}
	}
	return jen.Values(vals)
}

func strList(s []string) jen.Code {
	lits := make([]jen.Code, len(s))
	for i, x := range s {
		lits[i] = jen.Lit(x)
	}
	return jen.Index().String().Values(lits...)
}

// extraMethods make a struct with additionalProperties keep the members
// it does not declare in its map field, both ways.
func extraMethods(f *jen.File, t *model.Type) {
	f.Comment("MarshalJSON encodes the declared fields and then " + t.ExtraField + ".")
	f.Func().Params(jen.Id("s").Id(t.Name)).Id("MarshalJSON").Params().Params(jen.Index().Byte(), jen.Error()).Block(
		jen.Type().Id("plain").Id(t.Name),
		jen.Return(jen.Qual(pkgObject, "MarshalExtra").Call(jen.Id("plain").Call(jen.Id("s")), jen.Id("s").Dot(t.ExtraField))),
	)
	f.Line()
	f.Comment("UnmarshalJSON decodes the declared fields and keeps the other members in " + t.ExtraField + ".")
	f.Func().Params(jen.Id("s").Op("*").Id(t.Name)).Id("UnmarshalJSON").Params(jen.Id("b").Index().Byte()).Error().Block(
		jen.Type().Id("plain").Id(t.Name),
		jen.Return(jen.Qual(pkgObject, "UnmarshalExtra").Call(jen.Id("b"), jen.Parens(jen.Op("*").Id("plain")).Call(jen.Id("s")), jen.Op("&").Id("s").Dot(t.ExtraField))),
	)
	f.Line()
}

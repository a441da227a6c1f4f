package emit

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/apigen-go/apigen/generator/model"
)

// jsonMethods writes the methods that make enums strict on encode and
// unions decode to the right variant.
func jsonMethods(f *jen.File, api *model.API) {
	for _, t := range api.Types {
		switch t.Kind {
		case model.Enum:
			if len(t.EnumValues) > 0 {
				enumMethods(f, t)
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
}

func enumMethods(f *jen.File, t *model.Type) {
	f.Comment("IsKnown reports whether v is one of the values the spec lists. Decoding accepts")
	f.Comment("unknown values, so that a provider adding one does not break the client.")
	f.Func().Params(jen.Id("v").Id(t.Name)).Id("IsKnown").Params().Bool().BlockFunc(func(g *jen.Group) {
		g.Switch(jen.Id("v")).BlockFunc(func(s *jen.Group) {
			cases := make([]jen.Code, len(t.EnumValues))
			for i, v := range t.EnumValues {
				cases[i] = jen.Id(v.Name)
			}
			s.Case(cases...).Block(jen.Return(jen.True()))
		})
		g.Return(jen.False())
	})
	f.Line()
}

// unionMethods writes MarshalJSON (the set variant) and UnmarshalJSON (by
// discriminator, else by JSON kind and required properties, else Raw).
func unionMethods(f *jen.File, t *model.Type) {
	f.Comment("MarshalJSON encodes the variant that is set.")
	f.Func().Params(jen.Id("u").Id(t.Name)).Id("MarshalJSON").Params().Params(jen.Index().Byte(), jen.Error()).BlockFunc(func(g *jen.Group) {
		g.Switch().BlockFunc(func(s *jen.Group) {
			for _, v := range t.Variants {
				s.Case(jen.Id("u").Dot(v.Name).Op("!=").Nil()).Block(
					jen.Return(jen.Qual("encoding/json", "Marshal").Call(jen.Id("u").Dot(v.Name))),
				)
			}
			s.Case(jen.Id("u").Dot("Raw").Op("!=").Nil()).Block(jen.Return(jen.Id("u").Dot("Raw"), jen.Nil()))
		})
		g.Return(jen.Nil(), jen.Qual("errors", "New").Call(jen.Lit(t.Name+": no variant set")))
	})
	f.Line()
	f.Comment("UnmarshalJSON decodes into the matching variant; a value no variant fits lands in Raw.")
	f.Func().Params(jen.Id("u").Op("*").Id(t.Name)).Id("UnmarshalJSON").Params(jen.Id("b").Index().Byte()).Error().BlockFunc(func(g *jen.Group) {
		g.Op("*").Id("u").Op("=").Id(t.Name).Values()
		if t.Discriminator != "" {
			g.Switch(jen.Qual(pkgUnion, "Discriminator").Call(jen.Id("b"), jen.Lit(t.Discriminator))).BlockFunc(func(s *jen.Group) {
				for _, v := range t.Variants {
					if len(v.Match) == 0 {
						continue
					}
					lits := make([]jen.Code, len(v.Match))
					for i, m := range v.Match {
						lits[i] = jen.Lit(m)
					}
					s.Case(lits...).Block(decodeVariant(v)...)
				}
			})
		}
		kinds := map[string]int{}
		for _, v := range t.Variants {
			kinds[jsonKind(v.Type)]++
		}
		cands := make([]jen.Code, len(t.Variants))
		for i, v := range t.Variants {
			cands[i] = candidate(v.Type, kinds[jsonKind(v.Type)] > 1)
		}
		g.Switch(jen.Qual(pkgUnion, "Pick").Call(jen.Id("b"), jen.Index().Qual(pkgUnion, "Candidate").Values(cands...))).BlockFunc(func(s *jen.Group) {
			for i, v := range t.Variants {
				s.Case(jen.Lit(i)).Block(decodeVariant(v)...)
			}
		})
		g.Id("u").Dot("Raw").Op("=").Append(jen.Qual("encoding/json", "RawMessage").Call(jen.Nil()), jen.Id("b").Op("..."))
		g.Return(jen.Nil())
	})
	f.Line()
}

// decodeVariant decodes into one variant; when that fails the value is
// kept raw rather than failing the whole response (tolerant decoding).
// Values the variant's decoder tolerated are passed on to be reported.
func decodeVariant(v *model.Variant) []jen.Code {
	return []jen.Code{
		jen.Id("v").Op(":=").New(goType(v.Type)),
		jen.If(jen.Id("err").Op(":=").Qual("encoding/json", "Unmarshal").Call(jen.Id("b"), jen.Id("v")), jen.Qual(pkgUnion, "Fits").Call(jen.Id("err"))).Block(
			jen.Id("u").Dot(v.Name).Op("=").Id("v"),
			jen.Return(jen.Id("err")),
		),
	}
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
// properties an object requires and knows, the values of a string enum.
func candidate(t *model.Type, shared bool) jen.Code {
	r := t.Resolve()
	vals := jen.Dict{jen.Id("Kind"): jen.Qual(pkgUnion, jsonKind(t))}
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

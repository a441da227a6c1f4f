package emit

import (
	"strings"
	"unicode"

	"github.com/dave/jennifer/jen"

	"github.com/apigen-go/apigen/generator/model"
)

// taggable reports whether encoding/json can take name from a struct
// tag. It cannot when the name holds a comma (the tag's option separator)
// or a character its tag grammar reserves (quotes, backslash, backquote,
// ...): such a tag is ignored and the Go field name used instead, and
// go vet rejects some of them.
func taggable(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range name {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}

// untaggable returns the fields of struct t whose JSON names no struct
// tag can carry. Their tag is "-" and the MarshalJSON of untaggedMethods
// writes them; decoding goes by name through the generated decoder. A
// struct that keeps additional properties has its own MarshalJSON and
// keeps plain tags.
func untaggable(t *model.Type) []*model.Field {
	if t.Kind != model.Struct || t.AdditionalProperties {
		return nil
	}
	var out []*model.Field
	for _, fl := range t.Fields {
		if !taggable(fl.JSONName) {
			out = append(out, fl)
		}
	}
	return out
}

// untaggedMethods writes MarshalJSON for a struct with untaggable
// fields: the tagged fields as encoding/json writes them, then the others
// by their JSON names, each when it is present.
func untaggedMethods(f *jen.File, t *model.Type, fields []*model.Field) {
	f.Comment("MarshalJSON encodes s, with the members whose names a struct tag cannot hold.")
	f.Func().Params(jen.Id("s").Id(t.Name)).Id("MarshalJSON").Params().Params(jen.Index().Byte(), jen.Error()).BlockFunc(func(g *jen.Group) {
		g.Type().Id("plain").Id(t.Name)
		g.Id("named").Op(":=").Map(jen.String()).Any().Values()
		for _, fl := range fields {
			set := jen.Id("named").Index(jen.Lit(fl.JSONName)).Op("=").Id("s").Dot(fl.Name)
			switch _, tag := fieldType(fl); {
			case tag == "-": // never in JSON (a stream)
			case strings.HasSuffix(tag, ",omitzero"):
				g.If(jen.Op("!").Id("s").Dot(fl.Name).Dot("IsZero").Call()).Block(set)
			case strings.HasSuffix(tag, ",omitempty"):
				g.If(jen.Id("s").Dot(fl.Name).Op("!=").Nil()).Block(set)
			default:
				g.Add(set)
			}
		}
		g.Return(jen.Qual(pkgObject, "MarshalExtra").Call(jen.Id("plain").Call(jen.Id("s")), jen.Id("named")))
	})
	f.Line()
}

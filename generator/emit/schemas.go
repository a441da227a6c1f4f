package emit

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/apigen-go/apigen/generator/model"
)

// schemas declares every named type: structs, enums, unions and aliases.
func schemas(f *jen.File, api *model.API) {
	for _, t := range api.Types {
		switch t.Kind {
		case model.Struct:
			structDecl(f, t)
		case model.Enum:
			enumDecl(f, t)
		case model.Union:
			unionDecl(f, t)
		default:
			f.Add(typeDoc(t))
			if recursiveContainer(t) {
				f.Type().Id(t.Name).Add(goType(t)) // an alias may not refer to itself
				break
			}
			f.Type().Id(t.Name).Op("=").Add(goType(t))
			enumConsts(f, t) // an enum that is an alias of an identical one keeps its constants
		}
		f.Line()
	}
}

func typeDoc(t *model.Type) jen.Code {
	text := t.Doc
	if text == "" {
		return jen.Null()
	}
	return comment(docText(t.Name, text))
}

func structDecl(f *jen.File, t *model.Type) {
	f.Add(typeDoc(t))
	f.Type().Id(t.Name).StructFunc(func(g *jen.Group) {
		for _, fl := range t.Fields {
			if fl.Doc != "" {
				g.Add(comment(docText(fl.Name, fl.Doc)))
			}
			typ, tag := fieldType(fl)
			if !taggable(fl.JSONName) && !t.AdditionalProperties {
				tag = "-" // written by MarshalJSON (untaggedMethods)
			}
			g.Id(fl.Name).Add(typ).Tag(map[string]string{"json": tag})
		}
		if t.AdditionalProperties {
			g.Comment(t.ExtraField + " holds the properties the schema does not declare.")
			g.Id(t.ExtraField).Map(jen.String()).Add(goType(t.Elem)).Tag(map[string]string{"json": "-"})
		}
	})
}

// fieldType applies the value model of CONTRACT §3 to a struct field:
// required → T, optional struct or union → *S (nil = absent), other
// optional → opt.Opt[T], nullable → opt.Nullable[T], slices and maps plain
// (nil = absent), recursive fields by pointer.
func fieldType(fl *model.Field) (jen.Code, string) {
	base := goType(fl.Type)
	name := fl.JSONName
	switch {
	case byPointer(fl):
		return jen.Op("*").Add(base), name + ",omitempty"
	case fl.Type.Resolve() != nil && fl.Type.Resolve().Kind == model.Binary:
		// A stream: a file part of a multipart body (pass a File for its
		// filename and content type). Generated decoders skip it.
		if fl.Required {
			return base, name
		}
		return base, name + ",omitempty"
	case stream(fl.Type):
		// Collections of streams travel in multipart bodies, never inside JSON.
		return base, "-"
	case fl.Nullable:
		return jen.Qual(pkgOpt, "Nullable").Types(base), name + ",omitzero"
	case !fl.Required && nilable(fl.Type):
		return base, name + ",omitempty"
	case !fl.Required:
		return jen.Qual(pkgOpt, "Opt").Types(base), name + ",omitzero"
	}
	return base, name
}

func enumDecl(f *jen.File, t *model.Type) {
	f.Add(typeDoc(t))
	f.Type().Id(t.Name).Add(enumBaseType(t.EnumBase))
	enumConsts(f, t)
}

// enumConsts declares the constants of an enum's values, if it has any.
func enumConsts(f *jen.File, t *model.Type) {
	if len(t.EnumValues) == 0 {
		return
	}
	f.Line()
	f.Comment(fmt.Sprintf("Values of %s the spec lists.", t.Name))
	f.Const().DefsFunc(func(g *jen.Group) {
		for _, v := range t.EnumValues {
			g.Id(v.Name).Id(t.Name).Op("=").Add(untypedLit(v.Value))
		}
	})
}

func unionDecl(f *jen.File, t *model.Type) {
	f.Add(typeDoc(t))
	kind := "oneOf"
	if t.AnyOf {
		kind = "anyOf"
	}
	f.Comment(fmt.Sprintf("%s is a sum type (%s): exactly one field is set after decoding. A value that", t.Name, kind))
	f.Comment("matches no variant is kept in Raw.")
	f.Type().Id(t.Name).StructFunc(func(g *jen.Group) {
		for _, v := range t.Variants {
			g.Id(v.Name).Op("*").Add(goType(v.Type))
		}
		g.Comment("Raw holds the JSON of a value that matched no variant.")
		g.Id("Raw").Qual("encoding/json", "RawMessage")
	})
}

// untypedLit writes a constant without a conversion, so that it takes the
// enum's named type (jennifer writes int64(1) for an int64 value).
func untypedLit(v any) jen.Code {
	switch x := v.(type) {
	case int64:
		return jen.Op(strconv.FormatInt(x, 10))
	case float64:
		s := strconv.FormatFloat(x, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eE") {
			s += ".0"
		}
		return jen.Op(s)
	}
	return jen.Lit(v)
}

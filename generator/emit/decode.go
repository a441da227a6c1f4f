package emit

import (
	"github.com/dave/jennifer/jen"

	"github.com/apigen-go/apigen/generator/model"
)

const pkgJSONX = "github.com/apigen-go/apigen/runtime/jsonx"

// decoders writes a JSON decoder for every struct a response can carry:
// UnmarshalJSON on the type; decode<Type>, which reads an object with
// jsonx.Object; required<Type>, the members it must have (if any); and
// read<Type>Member, a switch on the member name whose cases read
// straight into the fields (runtime/jsonx over go-faster/jx) and return
// the member's number: its position in required<Type>, or
// jsonx.Optional. The check of required members and the tolerance of the
// others (a value a member that is not required cannot read is left zero
// and reported, CONTRACT §3) are jsonx.Object's, once for all types. They
// decode several times faster than encoding/json's reflection. Structs
// only sent in requests get none: they are encoded.
func decoders(f *jen.File, api *model.API) {
	decoded := decodedTypes(api)
	for _, t := range api.Types {
		if t.Kind != model.Struct || t.AdditionalProperties || !decoded[t] {
			continue
		}
		fields := decodedFields(t)
		var required []string
		for _, fl := range fields {
			if mustReceive(fl) {
				required = append(required, fl.JSONName)
			}
		}
		reqList := jen.Nil()
		if len(required) > 0 {
			f.Comment(requiredName(t) + " lists the members a " + t.Name + " must have; " + memberReaderName(t) + " returns their positions.")
			f.Var().Id(requiredName(t)).Op("=").Add(strList(required))
			f.Line()
			reqList = jen.Id(requiredName(t))
		}
		f.Comment("UnmarshalJSON decodes s with a decoder generated for " + t.Name + "'s members.")
		f.Func().Params(jen.Id("s").Op("*").Id(t.Name)).Id("UnmarshalJSON").Params(jen.Id("data").Index().Byte()).Error().Block(
			jen.Return(jen.Qual(pkgJSONX, "Unmarshal").Call(jen.Id("data"), jen.Id("s"), jen.Id(decoderName(t)))),
		)
		f.Line()
		f.Func().Id(decoderName(t)).Params(jen.Id("d").Op("*").Qual(pkgJSONX, "Decoder"), jen.Id("s").Op("*").Id(t.Name)).Error().Block(
			jen.Return(jen.Qual(pkgJSONX, "Object").Call(jen.Id("d"), reqList, jen.Id("s"), jen.Id(memberReaderName(t)))),
		)
		f.Line()
		f.Comment(memberReaderName(t) + " reads the member named key into s.")
		f.Func().Id(memberReaderName(t)).Params(jen.Id("d").Op("*").Qual(pkgJSONX, "Decoder"), jen.Id("s").Op("*").Id(t.Name), jen.Id("key").Index().Byte()).Params(jen.Int(), jen.Error()).Block(
			jen.Switch(jen.String().Call(jen.Id("key"))).BlockFunc(func(g *jen.Group) {
				seen := 0
				for _, fl := range fields {
					number := jen.Qual(pkgJSONX, "Optional")
					if mustReceive(fl) {
						number = jen.Lit(seen)
						seen++
					}
					g.Case(jen.Lit(fl.JSONName)).Block(jen.Return(number, readField(fl)))
				}
			}),
			jen.Return(jen.Qual(pkgJSONX, "Unknown"), jen.Nil()),
		)
		f.Line()
	}
}

// decodedFields are the fields of t that travel in JSON (streams never do).
func decodedFields(t *model.Type) []*model.Field {
	var out []*model.Field
	for _, fl := range t.Fields {
		if stream(fl.Type) {
			continue // never in JSON
		}
		out = append(out, fl)
	}
	return out
}

// mustReceive reports whether a response must carry the member: required
// and not write-only (a write-only member is never sent back).
func mustReceive(fl *model.Field) bool { return fl.Required && !fl.WriteOnly }

func requiredName(t *model.Type) string { return "required" + t.Name }

func memberReaderName(t *model.Type) string { return "read" + t.Name + "Member" }

func decoderName(t *model.Type) string { return "decode" + t.Name }

// readField is the call that reads a member into its field, following the
// value model of fieldType.
func readField(fl *model.Field) jen.Code {
	target := jen.Op("&").Id("s").Dot(fl.Name)
	wrapper := ""
	switch {
	case byPointer(fl):
		return jen.Qual(pkgJSONX, "Ptr").Call(jen.Id("d"), target, reader(fl.Type))
	case fl.Nullable && byRef(fl.Type):
		// Generic in the pointer type only: one instance for all types.
		return jen.Qual(pkgJSONX, "NullableAt").Call(jen.Id("d"), jen.Op("&").Id("s").Dot(fl.Name).Dot("Value"),
			jen.Op("&").Id("s").Dot(fl.Name).Dot("Set"), jen.Op("&").Id("s").Dot(fl.Name).Dot("Null"), reader(fl.Type))
	case fl.Nullable:
		wrapper = "Nullable"
	case !fl.Required && !nilable(fl.Type):
		wrapper = "Opt"
	default:
		return readInto(fl.Type, target)
	}
	if s := scalar(fl.Type); s != "" {
		return jen.Qual(pkgJSONX, wrapper+s).Call(jen.Id("d"), target) // jsonx.OptString, …
	}
	return jen.Qual(pkgJSONX, wrapper).Call(jen.Id("d"), target, reader(fl.Type))
}

// scalar names the runtime reader of a value of t that is a plain Go
// scalar (jsonx.String, jsonx.Int64, …; also the suffix of jsonx.OptString
// and jsonx.NullableString), or is "" (also for another package's type).
func scalar(t *model.Type) string {
	r := t.Resolve()
	if r == nil || t.Foreign() {
		return ""
	}
	switch r.Kind {
	case model.String, model.Date:
		return "String"
	case model.Int32:
		return "Int32"
	case model.Int64:
		return "Int64"
	case model.Float64:
		return "Float64"
	case model.Bool:
		return "Bool"
	case model.DateTime:
		return "Time"
	case model.Enum:
		if t.Kind != model.Named {
			return scalar(&model.Type{Kind: r.EnumBase})
		}
	}
	return ""
}

// readInto reads a value of t into target (a pointer expression).
func readInto(t *model.Type, target jen.Code) jen.Code {
	r := t.Resolve()
	switch {
	case r == nil, t.Foreign():
	case recursiveContainer(t):
	case r.Kind == model.Array:
		return jen.Qual(pkgJSONX, "Slice").Call(jen.Id("d"), target, reader(r.Elem))
	case r.Kind == model.Map && scalar(r.Elem) == "String":
		return jen.Qual(pkgJSONX, "StringMap").Call(jen.Id("d"), target)
	case r.Kind == model.Map:
		return jen.Qual(pkgJSONX, "Map").Call(jen.Id("d"), target, reader(r.Elem))
	case r.Kind == model.Struct && !r.AdditionalProperties:
		if t.Kind == model.Named {
			return jen.Id(decoderName(r)).Call(jen.Id("d"), target)
		}
	}
	return jen.Add(reader(t)).Call(jen.Id("d"), target)
}

// reader is a jsonx.Reader for values of t: a runtime function (for
// types with their own UnmarshalJSON jsonx.Unmarshaler[*T]), the type's
// generated decoder, or a literal for slices and maps. It matches
// goType(t).
func reader(t *model.Type) jen.Code {
	r := t.Resolve()
	if r == nil {
		return jen.Qual(pkgJSONX, "Raw")
	}
	if t.Foreign() {
		// Another package's type (import mapping): its own UnmarshalJSON,
		// else encoding/json, reads it.
		return jen.Qual(pkgJSONX, "Std").Types(goType(t))
	}
	if s := scalar(t); s != "" {
		return jen.Qual(pkgJSONX, s)
	}
	named := t.Kind == model.Named
	switch r.Kind {
	case model.Bytes:
		return jen.Qual(pkgJSONX, "Bytes")
	case model.Binary:
		// A "binary" string inside JSON (an array of them, as a body) is
		// read as a stream over the string's bytes.
		return jen.Func().Params(jen.Id("d").Op("*").Qual(pkgJSONX, "Decoder"), jen.Id("v").Op("*").Qual("io", "Reader")).Error().Block(
			jen.Var().Id("s").String(),
			jen.If(jen.Err().Op(":=").Qual(pkgJSONX, "String").Call(jen.Id("d"), jen.Op("&").Id("s")), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
			jen.Op("*").Id("v").Op("=").Qual("strings", "NewReader").Call(jen.Id("s")),
			jen.Return(jen.Nil()),
		)
	case model.Enum:
		fn := map[model.Kind]string{model.Int64: "Int64As", model.Float64: "Float64As"}[r.EnumBase]
		if fn == "" {
			fn = "StringAs"
		}
		return jen.Qual(pkgJSONX, fn).Index(jen.Id(r.Name))
	case model.Struct, model.Union:
		switch {
		case !named:
			return jen.Qual(pkgJSONX, "Raw") // goType writes json.RawMessage
		case r.Kind == model.Struct && !r.AdditionalProperties:
			return jen.Id(decoderName(r))
		}
		// Its own UnmarshalJSON reads it.
		return jen.Qual(pkgJSONX, "Unmarshaler").Types(jen.Op("*").Add(goType(t)))
	case model.Array, model.Map:
	default:
		return jen.Qual(pkgJSONX, "Raw")
	}
	if named && recursiveContainer(t) {
		// Its reader would contain itself: encoding/json reads it instead.
		return jen.Qual(pkgJSONX, "Std").Types(goType(t))
	}
	return jen.Func().Params(jen.Id("d").Op("*").Qual(pkgJSONX, "Decoder"), jen.Id("v").Op("*").Add(goType(t))).Error().Block(
		jen.Return(readInto(t, jen.Id("v"))),
	)
}

// decodedTypes returns the declared types a response body can hold.
func decodedTypes(api *model.API) map[*model.Type]bool {
	seen := map[*model.Type]bool{}
	var walk func(t *model.Type)
	walk = func(t *model.Type) {
		if t == nil || seen[t] {
			return
		}
		seen[t] = true
		walk(t.Ref)
		walk(t.Elem)
		for _, fl := range t.Fields {
			walk(fl.Type)
		}
		for _, v := range t.Variants {
			walk(v.Type)
		}
	}
	for _, op := range api.Operations {
		for _, r := range op.Responses {
			if r.Encoding == model.EncodingJSON {
				walk(r.Type)
			}
		}
	}
	return seen
}

package emit

import (
	"github.com/dave/jennifer/jen"

	"github.com/apigen-go/apigen/generator/model"
)

// params declares one struct per operation holding its query, header and
// cookie parameters.
func params(f *jen.File, api *model.API) {
	for _, op := range api.Operations {
		if op.ParamsType == "" || op.BodyVariantOf != "" {
			continue
		}
		f.Comment(op.ParamsType + " holds the query, header and cookie parameters of " + op.Name + ".")
		f.Type().Id(op.ParamsType).StructFunc(func(g *jen.Group) {
			for _, p := range op.Params {
				if p.Doc != "" {
					g.Add(comment(docText(p.Name, p.Doc)))
				}
				g.Id(p.Name).Add(paramType(p))
			}
		})
		f.Line()
	}
}

// paramType is T for required parameters and for slices and maps (nil =
// absent), opt.Opt[T] otherwise.
func paramType(p *model.Param) jen.Code {
	base := goType(p.Type)
	if p.Required || nilable(p.Type) {
		return base
	}
	return jen.Qual(pkgOpt, "Opt").Types(base)
}

var styleNames = map[model.Style]string{
	model.StyleForm:           "Form",
	model.StyleSimple:         "Simple",
	model.StyleLabel:          "Label",
	model.StyleMatrix:         "Matrix",
	model.StyleSpaceDelimited: "SpaceDelimited",
	model.StylePipeDelimited:  "PipeDelimited",
	model.StyleDeepObject:     "DeepObject",
}

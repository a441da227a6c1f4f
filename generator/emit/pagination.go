package emit

import (
	"github.com/dave/jennifer/jen"

	"github.com/apigen-go/apigen/generator/model"
)

// iterator writes OpAll: the same arguments as Op, returning a lazy
// iter.Seq2 over the items of every page. The paging loop is in
// runtime/page; this only says how to read and advance a page.
func iterator(f *jen.File, op *model.Operation) {
	pg := op.Pagination
	item := goType(pg.ItemType)
	f.Comment(pg.AllName + " iterates over the items of every page of " + op.Name + ", fetching pages")
	f.Comment("as the loop asks for them; breaking out of the loop stops fetching.")
	f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id(pg.AllName).Params(signature(op)...).
		Qual("iter", "Seq2").Types(item, jen.Error()).BlockFunc(func(g *jen.Group) {
		if op.ParamsType != "" {
			g.Var().Id("p").Id(op.ParamsType)
			g.If(jen.Id("params").Op("!=").Nil()).Block(jen.Id("p").Op("=").Op("*").Id("params"))
		}
		args := callArgs(op, jen.Op("&").Id("p"))
		if pg.CursorField != nil {
			// The cursor travels in a copy of the body.
			g.Var().Id("b").Add(goType(op.Body.Type))
			g.If(jen.Id("body").Op("!=").Nil()).Block(jen.Id("b").Op("=").Op("*").Id("body"))
			args[len(args)-2] = jen.Op("&").Id("b")
		}
		call := jen.List(jen.Id("resp"), jen.Id("err")).Op(":=").Id("c").Dot(op.Name).Call(args...)
		for _, p := range op.Params {
			if p.RequestID && op.ParamsType != "" {
				// Each page is a request of its own: the caller's id goes
				// with the first, the others get fresh ones.
				call = call.Line().Id("p").Dot(p.Name).Op("=").Lit("")
			}
		}
		items := access(jen.Id("resp"), pg.ItemPath)
		switch pg.Style {
		case "offset":
			start := jen.Lit(0)
			if pg.Start != nil {
				start = jen.Lit(*pg.Start)
			}
			limit := jen.Lit(0)
			if pg.LimitParam != nil {
				limit = jen.Int().Call(paramValue(jen.Id("p").Dot(pg.LimitParam.Name), pg.LimitParam, jen.Lit(0)))
			}
			total := jen.Lit(-1)
			if len(pg.TotalPath) > 0 {
				total = jen.Int().Call(access(jen.Id("resp"), pg.TotalPath))
			}
			g.Return(jen.Qual(pkgPage, "Offset").Call(
				jen.Int().Call(paramValue(jen.Id("p").Dot(pg.OffsetParam.Name), pg.OffsetParam, start)), limit,
				jen.Func().Params(jen.Id("offset").Int()).Params(jen.Index().Add(item), jen.Int(), jen.Error()).Block(
					setParam(jen.Id("p").Dot(pg.OffsetParam.Name), pg.OffsetParam, jen.Id("offset")),
					call,
					jen.If(jen.Id("err").Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Lit(0), jen.Id("err"))),
					jen.Return(items, total, jen.Nil()),
				)))
		case "page":
			start := jen.Lit(1)
			if pg.Start != nil {
				start = jen.Lit(*pg.Start)
			}
			size := jen.Lit(0)
			if pg.SizeParam != nil {
				size = jen.Int().Call(paramValue(jen.Id("p").Dot(pg.SizeParam.Name), pg.SizeParam, jen.Lit(0)))
			}
			first := jen.Int().Call(paramValue(jen.Id("p").Dot(pg.PageParam.Name), pg.PageParam, start))
			if len(pg.LastPath) > 0 {
				g.Return(jen.Qual(pkgPage, "NumberLast").Call(first, size,
					jen.Func().Params(jen.Id("n").Int()).Params(jen.Index().Add(item), jen.Bool(), jen.Error()).Block(
						setParam(jen.Id("p").Dot(pg.PageParam.Name), pg.PageParam, jen.Id("n")),
						call,
						jen.If(jen.Id("err").Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.False(), jen.Id("err"))),
						jen.Return(items, lastPage(pg), jen.Nil()),
					)))
				break
			}
			g.Return(jen.Qual(pkgPage, "Number").Call(first, size,
				jen.Func().Params(jen.Id("n").Int()).Params(jen.Index().Add(item), jen.Error()).Block(
					setParam(jen.Id("p").Dot(pg.PageParam.Name), pg.PageParam, jen.Id("n")),
					call,
					jen.If(jen.Id("err").Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Id("err"))),
					jen.Return(items, jen.Nil()),
				)))
		case "cursor":
			var setCursor jen.Code
			if pg.CursorField != nil {
				setCursor = setBodyCursor(pg.CursorField)
			} else {
				setCursor = setParam(jen.Id("p").Dot(pg.CursorParam.Name), pg.CursorParam, jen.Id("cursor"))
			}
			g.Return(jen.Qual(pkgPage, "Cursor").Call(
				jen.Func().Params(jen.Id("cursor").String()).Params(jen.Index().Add(item), jen.String(), jen.Error()).Block(
					jen.If(jen.Id("cursor").Op("!=").Lit("")).Block(setCursor),
					call,
					jen.If(jen.Id("err").Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Lit(""), jen.Id("err"))),
					jen.Return(items, jen.Qual("fmt", "Sprint").Call(access(jen.Id("resp"), pg.NextPath)), jen.Nil()),
				)))
		case "links":
			_, single := shapeOf(op)
			var decl jen.Code
			if byRef(single.Type) {
				decl = jen.Id("resp").Op(":=").New(goType(single.Type))
			} else {
				decl = jen.Var().Id("resp").Add(goType(single.Type))
			}
			target := jen.Id("resp")
			if !byRef(single.Type) {
				target = jen.Op("&").Id("resp")
			}
			g.Return(jen.Qual(pkgPage, "Cursor").Call(
				jen.Func().Params(jen.Id("next").String()).Params(jen.Index().Add(item), jen.String(), jen.Error()).Block(
					jen.If(jen.Id("next").Op("==").Lit("")).Block(
						call,
						jen.If(jen.Id("err").Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Lit(""), jen.Id("err"))),
						jen.Return(items, access(jen.Id("resp"), pg.NextPath), jen.Nil()),
					),
					decl,
					jen.If(jen.Id("err").Op(":=").Id("c").Dot("rest").Dot("Next").Call(nextArgs(op, target)...), jen.Id("err").Op("!=").Nil()).Block(
						jen.Return(jen.Nil(), jen.Lit(""), jen.Id("err"))),
					jen.Return(items, access(jen.Id("resp"), pg.NextPath), jen.Nil()),
				)))
		}
	})
	f.Line()
}

// lastPage reads whether page n is the last: the boolean at LastPath, or
// n reaching the page number there (an absent number, read as 0, is not
// the last page).
func lastPage(pg *model.Pagination) jen.Code {
	v := access(jen.Id("resp"), pg.LastPath)
	if r := pg.LastPath[len(pg.LastPath)-1].Type.Resolve(); r != nil && r.Kind == model.Bool {
		return v
	}
	return jen.Func().Params().Bool().Block(
		jen.Id("last").Op(":=").Int().Call(v),
		jen.Return(jen.Id("last").Op(">").Lit(0).Op("&&").Id("n").Op(">=").Id("last")),
	).Call()
}

// access reads a field path, unwrapping optional values (absent reads as
// the zero value). A path through a struct held by pointer (nil = absent)
// is read in a function that returns the zero value at the first nil.
func access(root *jen.Statement, path []*model.Field) jen.Code {
	cur := root.Clone()
	var nils []jen.Code
	for i, fl := range path {
		cur = cur.Clone().Dot(fl.Name)
		if optionalWrapped(fl) {
			cur = cur.Clone().Dot("Value")
		}
		if byPointer(fl) && i < len(path)-1 {
			nils = append(nils, cur.Clone().Op("==").Nil())
		}
	}
	if len(nils) == 0 {
		return cur
	}
	last := path[len(path)-1]
	typ := goType(last.Type)
	if byPointer(last) {
		typ = jen.Op("*").Add(typ)
	}
	return jen.Func().Params().Add(typ).BlockFunc(func(g *jen.Group) {
		cond := jen.Add(nils[0])
		for _, n := range nils[1:] {
			cond = cond.Op("||").Add(n)
		}
		g.If(cond).Block(jen.Var().Id("zero").Add(typ), jen.Return(jen.Id("zero")))
		g.Return(cur)
	}).Call()
}

// optionalWrapped reports whether the field is an opt.Opt or opt.Nullable.
func optionalWrapped(fl *model.Field) bool {
	if byPointer(fl) || (fl.Type.Resolve() != nil && fl.Type.Resolve().Kind == model.Binary) {
		return false
	}
	return fl.Nullable || (!fl.Required && !nilable(fl.Type))
}

// paramValue reads an integer parameter of the params struct, or def.
func paramValue(v *jen.Statement, p *model.Param, def jen.Code) jen.Code {
	if p.Required || nilable(p.Type) {
		return v
	}
	return jen.Func().Params().Int().Block(
		jen.If(jen.List(jen.Id("x"), jen.Id("ok")).Op(":=").Add(v).Dot("Get").Call(), jen.Id("ok")).Block(jen.Return(jen.Int().Call(jen.Id("x")))),
		jen.Return(def),
	).Call()
}

// setParam assigns an int (or string cursor) to a parameter.
func setParam(v *jen.Statement, p *model.Param, x *jen.Statement) jen.Code {
	var val jen.Code = jen.Add(goType(p.Type)).Call(x)
	switch r := p.Type.Resolve(); {
	case x.GoString() == "cursor":
		val = convert(p.Type, x)
	case r != nil && r.Kind == model.String:
		val = jen.Qual("strconv", "Itoa").Call(x)
	}
	if p.Required || nilable(p.Type) {
		return v.Clone().Op("=").Add(val)
	}
	return v.Clone().Op("=").Qual(pkgOpt, "Some").Call(val)
}

// nextArgs are the arguments of rest.Next for a links page: the header
// and cookie parameters go along, since the link carries only the query.
func nextArgs(op *model.Operation, target jen.Code) []jen.Code {
	args := []jen.Code{jen.Id("ctx"), jen.Op("&").Id(opVarName(op)), jen.Id("next"), target, jen.Id("opts")}
	var calls []jen.Code
	for _, p := range op.Params {
		switch p.In {
		case model.InHeader:
			if c := fallbackCall(p); c != nil {
				calls = append(calls, c)
			}
			calls = append(calls, setHeader(p, jen.Id("p").Dot(p.Name)))
		case model.InCookie:
			calls = append(calls, jen.Id("r").Dot("Cookie").Call(jen.Lit(p.WireName), jen.Id("p").Dot(p.Name)))
		}
	}
	if len(calls) > 0 {
		args = append(args, jen.Func().Params(jen.Id("r").Op("*").Qual(pkgRest, "Request")).Block(calls...))
	}
	return args
}

// setBodyCursor assigns the cursor to its field of the body copy b.
func setBodyCursor(f *model.Field) jen.Code {
	target := jen.Id("b").Dot(f.Name)
	val := convert(f.Type, jen.Id("cursor"))
	switch {
	case f.Nullable:
		val = jen.Qual(pkgOpt, "Of").Call(val)
	case !f.Required:
		val = jen.Qual(pkgOpt, "Some").Call(val)
	}
	return target.Op("=").Add(val)
}

// convert writes x (a string) as a value of t: as is for a plain
// string, converted for a named one.
func convert(t *model.Type, x jen.Code) jen.Code {
	if t.Kind == model.String {
		return x
	}
	return jen.Add(goType(t)).Call(x)
}

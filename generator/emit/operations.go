package emit

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/apigen-go/apigen/generator/model"
)

// operations writes one method per operation, plus OpAll iterators for
// paginated ones. Each method only builds the request and names the types;
// runtime/rest does the work.
func operations(f *jen.File, api *model.API) {
	for _, op := range api.Operations {
		opVar(f, op)
		resultDecl(f, op)
		method(f, op)
		if op.Pagination != nil {
			iterator(f, op)
		}
	}
}

func opVarName(op *model.Operation) string { return "op" + op.Name }

// opVar declares the operation's metadata, which middlewares read from the
// request context (retry safety, rate-limit bucket, log fields).
func opVar(f *jen.File, op *model.Operation) {
	vals := jen.Dict{
		jen.Id("ID"):           jen.Lit(op.ID),
		jen.Id("Method"):       jen.Lit(op.Method),
		jen.Id("PathTemplate"): jen.Lit(op.Path),
	}
	if op.Idempotent {
		vals[jen.Id("Idempotent")] = jen.True()
	}
	if len(op.RetryStatuses) > 0 {
		codes := make([]jen.Code, len(op.RetryStatuses))
		for i, s := range op.RetryStatuses {
			codes[i] = jen.Lit(s)
		}
		vals[jen.Id("RetryStatuses")] = jen.Index().Int().Values(codes...)
	}
	if op.MaxAttempts > 0 {
		vals[jen.Id("MaxAttempts")] = jen.Lit(op.MaxAttempts)
	}
	if op.RateLimit != nil {
		key := op.RateLimit.Key
		if key == "" {
			key = op.ID
		}
		vals[jen.Id("RateLimitKey")] = jen.Lit(key)
	}
	if op.Server != "" {
		vals[jen.Id("Server")] = jen.Lit(op.Server)
	}
	if op.Security != nil {
		alts := make([]jen.Code, len(op.Security))
		for i, alt := range op.Security {
			keys := make([]jen.Code, len(alt))
			for j, k := range alt {
				keys[j] = jen.Lit(k)
			}
			alts[i] = jen.Values(keys...)
		}
		vals[jen.Id("Security")] = jen.Index().Index().String().Values(alts...)
	}
	f.Var().Id(opVarName(op)).Op("=").Qual(pkgTransport, "Operation").Values(vals)
	f.Line()
}

// resultShape says what a method returns.
type resultShape uint8

const (
	resultNone     resultShape = iota // error only
	resultValue                       // T or *T
	resultDownload                    // *Download
	resultText                        // string
	resultMulti                       // *OpResult
)

func shapeOf(op *model.Operation) (resultShape, *model.Response) {
	succ := op.SuccessResponses()
	switch {
	case len(succ) == 0:
		return resultNone, nil
	case len(succ) > 1:
		return resultMulti, nil
	}
	r := succ[0]
	switch r.Encoding {
	case model.EncodingBinary:
		return resultDownload, r
	case model.EncodingText:
		return resultText, r
	}
	return resultValue, r
}

// resultType is the Go type the method returns beside error.
func resultType(op *model.Operation) jen.Code {
	shape, r := shapeOf(op)
	switch shape {
	case resultValue:
		if byRef(r.Type) {
			return jen.Op("*").Add(goType(r.Type))
		}
		return goType(r.Type)
	case resultDownload:
		return jen.Op("*").Id("Download")
	case resultText:
		return jen.String()
	case resultMulti:
		return jen.Op("*").Id(op.ResultType)
	}
	return nil
}

// resultDecl declares OpResult for operations with several 2xx bodies.
func resultDecl(f *jen.File, op *model.Operation) {
	if op.ResultType == "" || op.BodyVariantOf != "" { // a variant shares its operation's
		return
	}
	f.Comment(fmt.Sprintf("%s is the response of %s: the field of the status the server sent is set.", op.ResultType, op.Name))
	f.Type().Id(op.ResultType).StructFunc(func(g *jen.Group) {
		g.Comment("StatusCode is the HTTP status of the response.")
		g.Id("StatusCode").Int()
		for _, r := range op.SuccessResponses() {
			g.Id("Status" + strings.ToUpper(r.Status)).Add(multiFieldType(r))
		}
	})
	f.Line()
}

func multiFieldType(r *model.Response) jen.Code {
	switch r.Encoding {
	case model.EncodingBinary:
		return jen.Index().Byte()
	case model.EncodingText:
		return jen.Op("*").String()
	}
	return jen.Op("*").Add(goType(r.Type))
}

// signature returns the parameter list of an operation method.
func signature(op *model.Operation) []jen.Code {
	sig := []jen.Code{jen.Id("ctx").Qual("context", "Context")}
	for _, p := range op.PathParams {
		sig = append(sig, jen.Id(p.Name).Add(goType(p.Type)))
	}
	if op.ParamsType != "" {
		sig = append(sig, jen.Id("params").Op("*").Id(op.ParamsType))
	}
	if op.Body != nil {
		sig = append(sig, jen.Id("body").Add(bodyType(op.Body)))
	}
	return append(sig, jen.Id("opts").Op("...").Id("RequestOption"))
}

func bodyType(b *model.Body) jen.Code {
	if byRef(b.Type) {
		return jen.Op("*").Add(goType(b.Type))
	}
	return goType(b.Type)
}

func callArgs(op *model.Operation, params jen.Code) []jen.Code {
	args := []jen.Code{jen.Id("ctx")}
	for _, p := range op.PathParams {
		args = append(args, jen.Id(p.Name))
	}
	if op.ParamsType != "" {
		args = append(args, params)
	}
	if op.Body != nil {
		args = append(args, jen.Id("body"))
	}
	return append(args, jen.Id("opts").Op("..."))
}

func methodDoc(op *model.Operation) string {
	var parts []string
	text := op.Summary
	if text == "" {
		text = op.Description
	} else if op.Description != "" && op.Description != op.Summary {
		text += "\n\n" + op.Description
	}
	if text != "" {
		parts = append(parts, docText(op.Name, strings.TrimSuffix(text, ".")+"."))
	} else {
		parts = append(parts, op.Name+" calls "+op.ID+".")
	}
	if op.VariantDoc != "" {
		parts = append(parts, op.VariantDoc)
	}
	parts = append(parts, "\t"+op.Method+" "+op.Path)
	if op.Deprecated {
		parts = append(parts, "Deprecated: the API marks this operation as deprecated.")
	}
	return strings.Join(parts, "\n\n")
}

func method(f *jen.File, op *model.Operation) {
	shape, single := shapeOf(op)
	ret := resultType(op)
	results := []jen.Code{jen.Error()}
	if ret != nil {
		results = []jen.Code{ret, jen.Error()}
	}
	f.Add(comment(methodDoc(op)))
	f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id(op.Name).Params(signature(op)...).Params(results...).BlockFunc(func(g *jen.Group) {
		g.Id("r").Op(":=").Id("c").Dot("rest").Dot("NewRequest").Call(jen.Id("ctx"), jen.Op("&").Id(opVarName(op)), jen.Id("opts"))
		for _, p := range op.PathParams {
			g.Id("r").Dot("Path").Call(jen.Lit(p.WireName), jen.Id(p.Name), jen.Qual(pkgRest, styleNames[p.Style]), jen.Lit(p.Explode))
		}
		for _, p := range op.Params {
			if c := fallbackCall(p); c != nil {
				g.Add(c) // params may replace it
			}
		}
		var required []*model.Param // checked before sending; a fallback fills the others
		for _, p := range op.Params {
			if p.Required && headerFallback(p) == nil {
				required = append(required, p)
			}
		}
		if len(op.Params) > 0 {
			block := g.If(jen.Id("params").Op("!=").Nil()).BlockFunc(func(b *jen.Group) {
				for _, p := range op.Params {
					v := jen.Id("params").Dot(p.Name)
					if p.Required && headerFallback(p) == nil {
						b.Id("r").Dot("Require").Call(jen.Lit(paramIn(p.In)), jen.Lit(p.WireName), v)
					}
					if p.Minimum != nil || p.Maximum != nil {
						b.Id("r").Dot("Range").Call(jen.Lit(p.WireName), v, bound(p.Minimum, -1), bound(p.Maximum, 1))
					}
					switch p.In {
					case model.InQuery:
						b.Id("r").Dot("Query").Call(jen.Lit(p.WireName), v, jen.Qual(pkgRest, styleNames[p.Style]), jen.Lit(p.Explode))
					case model.InHeader:
						b.Add(setHeader(p, v))
					case model.InCookie:
						b.Id("r").Dot("Cookie").Call(jen.Lit(p.WireName), v)
					}
				}
			})
			if len(required) > 0 {
				block.Else().Block(jen.Id("r").Dot("Require").Call(jen.Lit(paramIn(required[0].In)), jen.Lit(required[0].WireName), jen.Nil()))
			}
		}
		if op.Body != nil {
			bodyCall(g, op.Body)
		}
		if em := errorModel(op); em != nil {
			g.Id("r").Dot("ErrorModel").Call(em)
		}
		switch shape {
		case resultNone:
			g.Return(jen.Id("c").Dot("rest").Dot("Do").Call(jen.Id("r"), jen.Nil()))
		case resultDownload:
			g.Return(jen.Id("c").Dot("rest").Dot("DoDownload").Call(jen.Id("r")))
		case resultText:
			g.Var().Id("out").String()
			g.Id("err").Op(":=").Id("c").Dot("rest").Dot("Do").Call(jen.Id("r"), jen.Op("&").Id("out"))
			g.Return(jen.Id("out"), jen.Id("err"))
		case resultValue:
			if byRef(single.Type) {
				g.Id("out").Op(":=").New(goType(single.Type))
				g.If(jen.Id("err").Op(":=").Id("c").Dot("rest").Dot("Do").Call(jen.Id("r"), jen.Id("out")), jen.Id("err").Op("!=").Nil()).Block(
					jen.Return(jen.Nil(), jen.Id("err")))
				g.Return(jen.Id("out"), jen.Nil())
			} else {
				g.Var().Id("out").Add(goType(single.Type))
				target := jen.Op("&").Id("out")
				if r := single.Type.Resolve(); r != nil && (r.Kind == model.Array || r.Kind == model.Map) && single.Encoding == model.EncodingJSON {
					// Lists and maps decode with the generated decoders too.
					target = jen.Qual(pkgRest, "DecodeFunc").Call(jen.Func().Params(jen.Id("data").Index().Byte()).Error().Block(
						jen.Return(jen.Qual(pkgJSONX, "Unmarshal").Call(jen.Id("data"), jen.Op("&").Id("out"), reader(single.Type))),
					))
				}
				g.Id("err").Op(":=").Id("c").Dot("rest").Dot("Do").Call(jen.Id("r"), target)
				g.Return(jen.Id("out"), jen.Id("err"))
			}
		case resultMulti:
			multiDecode(g, op)
		}
	})
	f.Line()
}

func bodyCall(g *jen.Group, b *model.Body) {
	body := jen.Id("body")
	switch b.Encoding {
	case model.EncodingJSON:
		call := jen.Id("r").Dot("JSON").Call(jen.Lit(b.ContentType), body)
		if byRef(b.Type) || nilable(b.Type) {
			g.If(jen.Id("body").Op("!=").Nil()).Block(call)
		} else {
			g.Add(call)
		}
	case model.EncodingForm:
		g.If(jen.Id("body").Op("!=").Nil()).Block(jen.Id("r").Dot("Form").Call(body))
	case model.EncodingMultipart:
		g.If(jen.Id("body").Op("!=").Nil()).Block(jen.Id("r").Dot("Multipart").Call(body))
	case model.EncodingText:
		g.Id("r").Dot("Raw").Call(jen.Lit(b.ContentType), jen.Qual("strings", "NewReader").Call(body))
	default:
		g.If(jen.Id("body").Op("!=").Nil()).Block(jen.Id("r").Dot("Raw").Call(jen.Lit(b.ContentType), body))
	}
}

// errorModel returns a function giving, per status, a new value of the
// error schema the spec declares, or nil when it declares none.
func errorModel(op *model.Operation) jen.Code {
	var cases []jen.Code
	var def *model.Response
	// With a range among the cases the switch has no tag, so a specific
	// status is a comparison too; it comes first (statuses sort before
	// ranges), so "429" wins over "4XX".
	tagless := hasRangeCase(op)
	for _, r := range op.Responses {
		if r.Success() || r.Type == nil || r.Encoding != model.EncodingJSON {
			continue
		}
		switch {
		case r.Status == "DEFAULT":
			def = r
		case r.Code > 0 && tagless:
			cases = append(cases, jen.Case(jen.Id("status").Op("==").Lit(r.Code)).Block(jen.Return(jen.New(goType(r.Type)))))
		case r.Code > 0:
			cases = append(cases, jen.Case(jen.Lit(r.Code)).Block(jen.Return(jen.New(goType(r.Type)))))
		default: // 4XX, 5XX
			lo := int(r.Status[0]-'0') * 100
			cases = append(cases, jen.Case(jen.Id("status").Op(">=").Lit(lo).Op("&&").Id("status").Op("<").Lit(lo+100)).Block(jen.Return(jen.New(goType(r.Type)))))
		}
	}
	if len(cases) == 0 && def == nil {
		return nil
	}
	return jen.Func().Params(jen.Id("status").Int()).Any().BlockFunc(func(g *jen.Group) {
		if len(cases) > 0 {
			sw := jen.Switch()
			if !tagless {
				sw = jen.Switch(jen.Id("status"))
			}
			g.Add(sw.Block(cases...))
		}
		if def != nil {
			g.Return(jen.New(goType(def.Type)))
		} else {
			g.Return(jen.Nil())
		}
	})
}

func hasRangeCase(op *model.Operation) bool {
	for _, r := range op.Responses {
		if !r.Success() && r.Type != nil && r.Encoding == model.EncodingJSON && r.Code == 0 && r.Status != "DEFAULT" {
			return true
		}
	}
	return false
}

// multiDecode decodes the body of whichever 2xx the server sent.
func multiDecode(g *jen.Group, op *model.Operation) {
	g.Id("out").Op(":=").Op("&").Id(op.ResultType).Values()
	g.Id("err").Op(":=").Id("c").Dot("rest").Dot("DoResponse").Call(jen.Id("r"), jen.Func().Params(jen.Id("resp").Op("*").Qual("net/http", "Response")).Error().BlockFunc(func(b *jen.Group) {
		b.Id("out").Dot("StatusCode").Op("=").Id("resp").Dot("StatusCode")
		b.Switch().BlockFunc(func(s *jen.Group) {
			for _, r := range op.SuccessResponses() {
				field := jen.Id("out").Dot("Status" + strings.ToUpper(r.Status))
				cond := jen.Id("resp").Dot("StatusCode").Op("==").Lit(r.Code)
				if r.Code == 0 {
					cond = jen.Id("resp").Dot("StatusCode").Op("/").Lit(100).Op("==").Lit(2)
				}
				var body []jen.Code
				switch r.Encoding {
				case model.EncodingBinary:
					body = []jen.Code{jen.Var().Id("err").Error(),
						jen.List(field.Clone(), jen.Id("err")).Op("=").Qual("io", "ReadAll").Call(jen.Id("resp").Dot("Body")),
						jen.Return(jen.Id("err"))}
				case model.EncodingText:
					body = []jen.Code{jen.List(jen.Id("b"), jen.Id("err")).Op(":=").Qual("io", "ReadAll").Call(jen.Id("resp").Dot("Body")),
						jen.Id("s").Op(":=").String().Call(jen.Id("b")),
						field.Clone().Op("=").Op("&").Id("s"),
						jen.Return(jen.Id("err"))}
				default:
					body = []jen.Code{field.Clone().Op("=").New(goType(r.Type)),
						jen.Return(jen.Qual(pkgRest, "DecodeJSON").Call(jen.Id("resp"), field.Clone()))}
				}
				s.Case(cond).Block(body...)
			}
		})
		b.Return(jen.Nil())
	}))
	g.If(jen.Id("err").Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Id("err")))
	g.Return(jen.Id("out"), jen.Nil())
}

// bound is a parameter's bound as a float64 literal, or ±Inf when absent.
func bound(b *float64, inf int) jen.Code {
	if b == nil {
		return jen.Qual("math", "Inf").Call(jen.Lit(inf))
	}
	return jen.Lit(*b)
}

// headerFallback is what a header parameter carries when the caller
// leaves it empty: a fresh request id, the spec's default, or nil.
// paramIn names a parameter's location as errors say it.
func paramIn(in model.ParamIn) string {
	switch in {
	case model.InHeader:
		return "header"
	case model.InCookie:
		return "cookie"
	}
	return "query"
}

// fallbackCall sets a header parameter's fallback: a fresh request id, or
// the spec's default, which a client-wide default header (WithDefaultHeader,
// WithAPIVersion) replaces.
func fallbackCall(p *model.Param) jen.Code {
	v := headerFallback(p)
	switch {
	case v == nil:
		return nil
	case p.RequestID:
		return jen.Id("r").Dot("Header").Call(jen.Lit(p.WireName), v)
	}
	return jen.Id("r").Dot("HeaderDefault").Call(jen.Lit(p.WireName), v)
}

func headerFallback(p *model.Param) jen.Code {
	switch {
	case p.RequestID:
		return jen.Qual(pkgRest, "NewRequestID").Call()
	case p.Default != "":
		return jen.Lit(p.Default)
	}
	return nil
}

// setHeader sends a header parameter's value v; with a fallback, an empty
// required value keeps the fallback instead of replacing it.
func setHeader(p *model.Param, v *jen.Statement) jen.Code {
	set := jen.Id("r").Dot("Header").Call(jen.Lit(p.WireName), v)
	if headerFallback(p) != nil && p.Required && !nilable(p.Type) {
		return jen.If(v.Clone().Op("!=").Lit("")).Block(set)
	}
	return set
}

package build

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/apigen-go/apigen/generator/model"
	"github.com/apigen-go/apigen/generator/naming"
)

var methods = []string{
	http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete,
	http.MethodOptions, http.MethodHead, http.MethodPatch, http.MethodTrace,
}

var pathParamRE = regexp.MustCompile(`\{([^{}]+)\}`)

type pendingOp struct {
	op   *openapi3.Operation
	item *openapi3.PathItem
	path string
	verb string
	ptr  string
	name string
}

func (b *builder) operations() {
	if b.doc.Paths == nil {
		return
	}
	var ops []*pendingOp
	paths := b.doc.Paths.Map()
	for _, path := range sortedKeys(paths) {
		item := paths[path]
		if item == nil {
			continue
		}
		for _, verb := range methods {
			op := item.GetOperation(verb)
			if op == nil {
				continue
			}
			ops = append(ops, &pendingOp{op: op, item: item, path: path, verb: verb,
				ptr: Pointer("paths", path, strings.ToLower(verb))})
		}
		// OpenAPI 3.2: QUERY and other methods (LINK, ...) by name.
		for _, verb := range sortedKeys(item.Operations()) {
			if slices.Contains(methods, verb) {
				continue
			}
			ptr := Pointer("paths", path, strings.ToLower(verb))
			if item.AdditionalOperations[verb] != nil {
				ptr = Pointer("paths", path, "additionalOperations", verb)
			}
			ops = append(ops, &pendingOp{op: item.Operations()[verb], item: item, path: path, verb: strings.ToUpper(verb), ptr: ptr})
		}
	}
	// Method names first, so that derived names (OpAll, OpParams) never
	// take an operation's own name.
	methodScope := b.scope()
	for _, p := range ops { // chosen names first: they are never renamed
		if n := goName(p.op.Extensions); n != "" {
			p.name = b.claimChosen(methodScope, n, p.ptr)
		}
	}
	for _, p := range ops {
		if p.name != "" {
			continue
		}
		fromPath := naming.Exported(strings.ToLower(p.verb) + " " + p.path)
		base := fromPath
		if p.op.OperationID != "" {
			base = naming.Exported(p.op.OperationID)
		}
		p.name = methodScope.Claim(base, p.ptr, fromPath)
	}
	for _, p := range ops {
		op := b.operation(p, methodScope)
		b.api.Operations = append(b.api.Operations, op)
		b.api.Operations = append(b.api.Operations, b.bodyVariants(op, p, methodScope)...)
		if d := b.downloadVariant(op, p, methodScope); d != nil {
			b.api.Operations = append(b.api.Operations, d)
		}
	}
}

// downloadVariant adds OpDownload when the operation's one success
// response is JSON but may also be a file (PDF Generator's output=file
// answers application/pdf where other outputs answer JSON): the variant
// returns the body as a *Download.
func (b *builder) downloadVariant(op *model.Operation, p *pendingOp, methodScope *naming.Scope) *model.Operation {
	succ := op.SuccessResponses()
	if len(succ) != 1 || succ[0].Encoding != model.EncodingJSON {
		return nil
	}
	rr := p.op.Responses.Value(succ[0].Status)
	if rr == nil || rr.Value == nil {
		return nil
	}
	var file string
	for _, ct := range sortedKeys(rr.Value.Content) {
		if isFileMedia(ct, rr.Value.Content[ct]) {
			file = ct
			break
		}
	}
	if file == "" {
		return nil
	}
	v := variant(op, "Download", fmt.Sprintf("It is %s for when the response is a file (%s): the body is returned as a stream.", op.Name, file), methodScope)
	v.Responses = make([]*model.Response, len(op.Responses))
	for i, r := range op.Responses {
		if r == succ[0] {
			r = &model.Response{Status: r.Status, Code: r.Code, ContentType: file, Encoding: model.EncodingBinary, Type: &model.Type{Kind: model.Binary}, Doc: r.Doc}
		}
		v.Responses[i] = r
	}
	return v
}

// variant copies op as another method, name op.Name+suffix, sharing its
// Params type and without an iterator.
func variant(op *model.Operation, suffix, doc string, methodScope *naming.Scope) *model.Operation {
	v := *op
	v.Name = methodScope.Claim(op.Name+suffix, Pointer("paths", op.Path, strings.ToLower(op.Method)))
	v.Pagination = nil
	v.BodyVariantOf = op.Name
	v.VariantDoc = doc
	return &v
}

// bodyVariants repeats op for each other media type of its request body
// with its own schema (LaunchDarkly's JSON Patch, merge patch and
// semantic patch bodies): op + a suffix from the media type. A schema
// already sent by a better-ranked media type (JSON vs form of the same
// object) adds nothing: that method already sends the value.
func (b *builder) bodyVariants(op *model.Operation, p *pendingOp, methodScope *naming.Scope) []*model.Operation {
	rb := p.op.RequestBody
	if rb == nil || rb.Value == nil || op.Body == nil || len(rb.Value.Content) < 2 {
		return nil
	}
	sent := []*openapi3.SchemaRef{rb.Value.Content[op.Body.ContentType].Schema}
	var out []*model.Operation
	keys := sortedKeys(rb.Value.Content)
	sort.SliceStable(keys, func(i, j int) bool { return mediaRank(keys[i]) < mediaRank(keys[j]) })
	for _, ct := range keys {
		mt := rb.Value.Content[ct]
		if ct == op.Body.ContentType || mt == nil || slices.ContainsFunc(sent, func(s *openapi3.SchemaRef) bool { return sameSchema(s, mt.Schema) }) {
			continue
		}
		sent = append(sent, mt.Schema)
		ptr := p.ptr + "/requestBody/content/" + strings.ReplaceAll(ct, "/", "~1") + "/schema"
		suffix := mediaSuffix(ct)
		t := b.typeOf(mt.Schema, op.Name+suffix+"Request", ptr)
		enc := encodingOf(ct, t)
		switch enc {
		case model.EncodingJSON, model.EncodingForm, model.EncodingMultipart:
		default:
			b.warn(ptr, "alternative request media type %s is not generated; %s sends %s", ct, op.Name, op.Body.ContentType)
			continue
		}
		v := variant(op, suffix, fmt.Sprintf("It is %s sending a %s body.", op.Name, ct), methodScope)
		v.Body = &model.Body{ContentType: ct, Encoding: enc, Type: t, Required: rb.Value.Required, Doc: rb.Value.Description}
		out = append(out, v)
	}
	return out
}

// sameSchema reports whether two media types carry the same schema.
func sameSchema(a, b *openapi3.SchemaRef) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Ref != "" || b.Ref != "" {
		return a.Ref == b.Ref
	}
	return a.Value == b.Value
}

// mediaSuffix names a media type for a method suffix:
// application/merge-patch+json → MergePatch, a domain-model parameter
// (application/json; domain-model=launchdarkly.semanticpatch) → Semanticpatch's
// last dotted word, x-www-form-urlencoded → Form.
func mediaSuffix(ct string) string {
	base, params, _ := strings.Cut(ct, ";")
	base = strings.ToLower(strings.TrimSpace(base))
	if _, sub, ok := strings.Cut(base, "/"); ok {
		base = sub
	}
	base = strings.TrimSuffix(base, "+json")
	switch base {
	case "x-www-form-urlencoded":
		base = "form"
	case "form-data":
		base = "multipart"
	}
	for _, kv := range strings.Split(params, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if ok && k != "charset" {
			v = strings.Trim(v, `"`)
			if i := strings.LastIndexByte(v, '.'); i >= 0 {
				v = v[i+1:]
			}
			base = v
		}
	}
	return naming.Exported(base)
}

func (b *builder) operation(p *pendingOp, methodScope *naming.Scope) *model.Operation {
	op := &model.Operation{
		ID:          p.op.OperationID,
		Name:        p.name,
		Method:      p.verb,
		Path:        p.path,
		Summary:     strings.TrimSpace(p.op.Summary),
		Description: strings.TrimSpace(p.op.Description),
		Deprecated:  p.op.Deprecated,
		Tags:        p.op.Tags,
		Idempotent:  methodIdempotent(p.verb),
	}
	if op.ID == "" {
		op.ID = op.Name
	}
	b.params(op, p)
	b.body(op, p)
	b.responses(op, p)
	b.opExtensions(op, p, methodScope)
	op.Server = opServer(p)
	reqs := b.doc.Security
	if p.op.Security != nil {
		reqs = *p.op.Security
	}
	op.Security = alternatives(reqs)
	return op
}

// alternatives lists a security requirement's alternatives, each the
// sorted keys of its schemes; nil when there is no requirement.
func alternatives(reqs openapi3.SecurityRequirements) [][]string {
	if reqs == nil {
		return nil
	}
	alts := [][]string{}
	for _, req := range reqs {
		alts = append(alts, sortedKeys(req))
	}
	return alts
}

func appendUnique(s []string, v string) []string {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

func methodIdempotent(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete, http.MethodTrace:
		return true
	}
	return false
}

// params collects path-level and operation-level parameters (the latter
// win), path parameters in path order, the rest in a params struct.
func (b *builder) params(op *model.Operation, p *pendingOp) {
	type entry struct {
		ref *openapi3.ParameterRef
		ptr string
	}
	byKey := map[string]entry{}
	var order []string
	add := func(list openapi3.Parameters, ptr string) {
		for i, pr := range list {
			if pr == nil || pr.Value == nil {
				continue
			}
			key := pr.Value.In + ":" + pr.Value.Name
			if _, ok := byKey[key]; !ok {
				order = append(order, key)
			}
			byKey[key] = entry{pr, fmt.Sprintf("%s/parameters/%d", ptr, i)}
		}
	}
	add(p.item.Parameters, Pointer("paths", p.path))
	add(p.op.Parameters, p.ptr)

	args := naming.NewScope("ctx", "params", "body", "opts", "c", "r", "out", "err", "req", "resp", "op")
	for _, m := range pathParamRE.FindAllStringSubmatch(p.path, -1) {
		e, ok := byKey["path:"+m[1]]
		if !ok {
			// The loader synthesises declarations for undeclared template
			// variables; reaching here means it did not.
			b.warn(p.ptr, "path parameter {%s} is not declared; sent as a string", m[1])
			op.PathParams = append(op.PathParams, &model.Param{
				Name: args.Claim(naming.Unexported(m[1]), p.ptr, naming.Unexported(m[1])+"Param"), WireName: m[1], In: model.InPath,
				Type: &model.Type{Kind: model.String}, Required: true, Style: model.StyleSimple,
			})
			continue
		}
		delete(byKey, "path:"+m[1])
		prm := b.param(e.ref.Value, op.Name, e.ptr)
		prm.Name = args.Claim(naming.Unexported(m[1]), e.ptr, naming.Unexported(m[1])+"Param")
		prm.Required = true
		op.PathParams = append(op.PathParams, prm)
	}
	fields := b.scope()
	for _, key := range order {
		e, ok := byKey[key]
		if !ok {
			continue
		}
		v := e.ref.Value
		if v.In == openapi3.ParameterInPath {
			b.warn(e.ptr, "path parameter %q does not occur in path %s; ignored", v.Name, p.path)
			continue
		}
		prm := b.param(v, op.Name, e.ptr)
		if n := goName(v.Extensions); n != "" {
			prm.Name = b.claimChosen(fields, n, e.ptr)
		} else {
			prm.Name = fields.Claim(naming.Exported(v.Name), e.ptr, naming.Exported(v.Name)+naming.Exported(v.In))
		}
		op.Params = append(op.Params, prm)
	}
	if len(op.Params) > 0 {
		op.ParamsType = b.pkg.Claim(op.Name+"Params", p.ptr+"/parameters", op.Name+"Parameters")
	}
}

func (b *builder) param(v *openapi3.Parameter, opName, ptr string) *model.Param {
	prm := &model.Param{WireName: v.Name, Doc: v.Description, Required: v.Required}
	switch v.In {
	case openapi3.ParameterInPath:
		prm.In, prm.Style, prm.Explode = model.InPath, model.StyleSimple, false
	case openapi3.ParameterInHeader:
		prm.In, prm.Style, prm.Explode = model.InHeader, model.StyleSimple, false
	case openapi3.ParameterInCookie:
		prm.In, prm.Style, prm.Explode = model.InCookie, model.StyleForm, true
	default:
		prm.In, prm.Style, prm.Explode = model.InQuery, model.StyleForm, true
	}
	switch v.Style {
	case "form":
		prm.Style = model.StyleForm
	case "simple":
		prm.Style = model.StyleSimple
	case "label":
		prm.Style = model.StyleLabel
	case "matrix":
		prm.Style = model.StyleMatrix
	case "spaceDelimited":
		prm.Style = model.StyleSpaceDelimited
	case "pipeDelimited":
		prm.Style = model.StylePipeDelimited
	case "deepObject":
		prm.Style = model.StyleDeepObject
	}
	if v.Explode != nil {
		prm.Explode = *v.Explode
	}
	schema := v.Schema
	if schema == nil {
		for _, ct := range sortedKeys(v.Content) {
			if mt := v.Content[ct]; mt != nil && mt.Schema != nil {
				schema = mt.Schema
				b.warn(ptr, "parameter %q uses content %s; its value is serialised by style, not as %s", v.Name, ct, ct)
				break
			}
		}
	}
	prm.Type = b.typeOf(schema, opName+naming.Exported(v.Name), ptr+"/schema")
	if schema != nil && schema.Value != nil && prm.In == model.InHeader {
		if d, ok := schema.Value.Default.(string); ok {
			prm.Default = d
		}
		if on, _ := v.Extensions["x-apigen-request-id"].(bool); on {
			if r := prm.Type.Resolve(); r != nil && r.Kind == model.String {
				prm.RequestID = true
			} else {
				b.warn(ptr+"/x-apigen-request-id", "x-apigen-request-id needs a string header parameter; ignored")
			}
		}
	}
	if schema != nil && schema.Value != nil {
		switch r := prm.Type.Resolve(); {
		case r == nil:
		case r.Kind == model.Int32, r.Kind == model.Int64, r.Kind == model.Float64:
			prm.Minimum, prm.Maximum = schema.Value.Min, schema.Value.Max
		}
	}
	return prm
}

// mediaPreference orders request and response media types: JSON first.
func mediaRank(ct string) int {
	ct = strings.ToLower(strings.TrimSpace(strings.SplitN(ct, ";", 2)[0]))
	switch {
	case ct == "application/json":
		return 0
	case strings.HasSuffix(ct, "+json") || strings.HasSuffix(ct, "/json"):
		return 1
	case ct == "application/x-www-form-urlencoded":
		return 2
	case ct == "multipart/form-data":
		return 3
	case ct == "*/*" || ct == "application/*":
		return 4
	case ct == "application/octet-stream":
		return 5
	case strings.HasPrefix(ct, "text/"):
		return 7
	}
	return 6
}

func encodingOf(ct string, t *model.Type) model.BodyEncoding {
	mt := strings.ToLower(strings.TrimSpace(strings.SplitN(ct, ";", 2)[0]))
	switch {
	case mt == "application/json" || strings.HasSuffix(mt, "+json") || strings.HasSuffix(mt, "/json"):
		if t != nil && t.Resolve() != nil && t.Resolve().Kind == model.Binary {
			return model.EncodingBinary
		}
		return model.EncodingJSON
	case mt == "application/x-www-form-urlencoded":
		return model.EncodingForm
	case mt == "multipart/form-data" || strings.HasPrefix(mt, "multipart/"):
		return model.EncodingMultipart
	case strings.HasPrefix(mt, "text/") && mt != "text/csv":
		return model.EncodingText
	case mt == "*/*" || mt == "application/*":
		if t != nil && t.Resolve() != nil {
			switch t.Resolve().Kind {
			case model.Struct, model.Array, model.Map, model.Union:
				return model.EncodingJSON
			}
		}
	}
	return model.EncodingBinary
}

func pickContent(c openapi3.Content) (string, *openapi3.MediaType) {
	keys := sortedKeys(c)
	sort.SliceStable(keys, func(i, j int) bool { return mediaRank(keys[i]) < mediaRank(keys[j]) })
	if len(keys) == 0 {
		return "", nil
	}
	return keys[0], c[keys[0]]
}

func (b *builder) body(op *model.Operation, p *pendingOp) {
	rb := p.op.RequestBody
	if rb == nil || rb.Value == nil {
		return
	}
	ct, mt := pickContent(rb.Value.Content)
	if mt == nil {
		b.warn(p.ptr+"/requestBody", "request body declares no content; sent as raw bytes")
		ct = "application/octet-stream"
		mt = &openapi3.MediaType{}
	}
	ptr := p.ptr + "/requestBody/content/" + strings.ReplaceAll(ct, "/", "~1") + "/schema"
	hint := op.Name + "Request"
	if b.pkg.Taken(hint) && rb.Ref == "" {
		hint = op.Name + "Body"
	}
	t := b.typeOf(mt.Schema, hint, ptr)
	enc := encodingOf(ct, t)
	if enc == model.EncodingBinary {
		t = &model.Type{Kind: model.Binary}
	}
	if enc == model.EncodingText {
		if r := t.Resolve(); r == nil || r.Kind != model.String {
			t = &model.Type{Kind: model.String}
		}
	}
	if (enc == model.EncodingForm || enc == model.EncodingMultipart) && t.Resolve() != nil &&
		t.Resolve().Kind != model.Struct && t.Resolve().Kind != model.Map {
		b.warn(ptr, "%s body is not an object schema; sent as raw bytes", ct)
		enc, t = model.EncodingBinary, &model.Type{Kind: model.Binary}
	}
	op.Body = &model.Body{ContentType: ct, Encoding: enc, Type: t, Required: rb.Value.Required, Doc: rb.Value.Description}
}

func (b *builder) responses(op *model.Operation, p *pendingOp) {
	if p.op.Responses == nil {
		return
	}
	rs := p.op.Responses.Map()
	statuses := sortedKeys(rs)
	nSuccess := 0
	for _, st := range statuses {
		if r := rs[st]; r != nil && r.Value != nil && isSuccess(st) && len(r.Value.Content) > 0 {
			nSuccess++
		}
	}
	for _, st := range statuses {
		rr := rs[st]
		if rr == nil || rr.Value == nil {
			continue
		}
		code, _ := strconv.Atoi(st)
		resp := &model.Response{Status: strings.ToUpper(st), Code: code}
		if rr.Value.Description != nil {
			resp.Doc = *rr.Value.Description
		}
		ct, mt := pickContent(rr.Value.Content)
		if mt != nil {
			ptr := p.ptr + Pointer("responses", st, "content", ct, "schema")
			var hint string
			switch {
			case isSuccess(st) && nSuccess == 1:
				hint = op.Name + "Response"
			case isSuccess(st):
				hint = op.Name + "Response" + naming.Exported(st)
			case st == "default":
				hint = op.Name + "Error"
			default:
				hint = op.Name + "Error" + naming.Exported(st)
			}
			t := b.typeOf(mt.Schema, hint, ptr)
			if mt.Schema == nil {
				t = nil
			}
			resp.ContentType = ct
			resp.Encoding = encodingOf(ct, t)
			switch resp.Encoding {
			case model.EncodingBinary:
				t = &model.Type{Kind: model.Binary}
			case model.EncodingText:
				t = &model.Type{Kind: model.String}
			case model.EncodingForm, model.EncodingMultipart:
				resp.Encoding, t = model.EncodingBinary, &model.Type{Kind: model.Binary}
			}
			if t == nil && resp.Encoding == model.EncodingJSON {
				t = &model.Type{Kind: model.Any}
			}
			resp.Type = t
		}
		op.Responses = append(op.Responses, resp)
	}
	if len(op.SuccessResponses()) > 1 {
		op.ResultType = b.pkg.Claim(op.Name+"Result", p.ptr+"/responses", op.Name+"Outcome")
	}
}

func isSuccess(st string) bool {
	return strings.HasPrefix(st, "2")
}

// opExtensions reads per-operation x-apigen-* extensions and merges the
// root retry settings.
func (b *builder) opExtensions(op *model.Operation, p *pendingOp, methodScope *naming.Scope) {
	ext := p.op.Extensions
	if r := b.api.Retry; r != nil {
		op.RetryStatuses = append(op.RetryStatuses, r.Statuses...)
		op.MaxAttempts = r.MaxAttempts
	}
	if r := decodeExt[model.Retry](b, ext, "x-apigen-retry", p.ptr); r != nil {
		if r.Idempotent != nil {
			op.Idempotent = *r.Idempotent
		}
		op.RetryStatuses = append(op.RetryStatuses, r.Statuses...)
		if r.MaxAttempts > 0 {
			op.MaxAttempts = r.MaxAttempts
		}
	}
	sort.Ints(op.RetryStatuses)
	op.RateLimit = decodeExt[model.RateLimit](b, ext, "x-apigen-ratelimit", p.ptr)
	if pg := decodeExt[model.Pagination](b, ext, "x-apigen-pagination", p.ptr); pg != nil {
		if b.pagination(op, pg, p.ptr+Pointer("x-apigen-pagination")) {
			op.Pagination = pg
			pg.AllName = methodScope.Claim(op.Name+"All", p.ptr+"/x-apigen-pagination", op.Name+"Iter")
		}
	}
}

// opServer is the first server an operation or its path item declares,
// with its variables at their defaults; "" when it uses the API's.
func opServer(p *pendingOp) string {
	servers := p.item.Servers
	if p.op.Servers != nil && len(*p.op.Servers) > 0 {
		servers = *p.op.Servers
	}
	if len(servers) == 0 || servers[0] == nil {
		return ""
	}
	s := servers[0]
	u := s.URL
	for name, v := range s.Variables {
		if v != nil {
			u = strings.ReplaceAll(u, "{"+name+"}", v.Default)
		}
	}
	return u
}

// isFileMedia reports whether a response media type is a document to
// download rather than another encoding of the JSON value (XML).
func isFileMedia(ct string, mt *openapi3.MediaType) bool {
	base := strings.ToLower(strings.TrimSpace(strings.SplitN(ct, ";", 2)[0]))
	if strings.Contains(base, "xml") || strings.Contains(base, "json") {
		return false
	}
	if mt != nil && mt.Schema != nil && mt.Schema.Value != nil && mt.Schema.Value.Format == "binary" {
		return true
	}
	switch {
	case base == "application/pdf", base == "application/octet-stream", base == "application/zip",
		strings.HasPrefix(base, "image/"), strings.HasPrefix(base, "audio/"), strings.HasPrefix(base, "video/"):
		return true
	}
	return false
}

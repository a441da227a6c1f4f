package build

import (
	"fmt"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/apigen-go/apigen/generator/model"
	"github.com/apigen-go/apigen/generator/naming"
)

// pagination resolves x-apigen-pagination against the operation: the
// parameters it names must exist, and the item list must be an array in
// the success response.
func (b *builder) pagination(op *model.Operation, pg *model.Pagination, ptr string) bool {
	find := func(wire, what string) *model.Param {
		if wire == "" {
			return nil
		}
		for _, p := range op.Params {
			if p.WireName == wire && p.In == model.InQuery {
				return p
			}
		}
		b.fail(ptr, "%s parameter %q is not a query parameter of %s", what, wire, op.ID)
		return nil
	}
	switch pg.Style {
	case "offset":
		pg.OffsetParam, pg.LimitParam = find(pg.Offset, "offset"), find(pg.Limit, "limit")
		if pg.OffsetParam == nil {
			b.fail(ptr, "offset pagination needs an offset parameter")
			return false
		}
	case "page":
		pg.PageParam, pg.SizeParam = find(pg.Page, "page"), find(pg.Size, "size")
		if pg.PageParam == nil {
			b.fail(ptr, "page pagination needs a page parameter")
			return false
		}
	case "cursor":
		if pg.CursorIn == "body" {
			if pg.CursorField = b.bodyCursor(op, pg.Cursor, ptr); pg.CursorField == nil {
				return false
			}
			break
		}
		pg.CursorParam = find(pg.Cursor, "cursor")
		if pg.CursorParam == nil {
			b.fail(ptr, "cursor pagination needs a cursor parameter")
			return false
		}
	case "links":
	default:
		b.fail(ptr, "unknown pagination style %q (want offset, page, cursor or links)", pg.Style)
		return false
	}
	succ := op.SuccessResponses()
	if len(succ) != 1 || succ[0].Encoding != model.EncodingJSON {
		b.fail(ptr, "pagination needs exactly one JSON success response")
		return false
	}
	body := succ[0].Type
	var ok bool
	if pg.ItemPath, ok = b.fieldPath(body, pg.Items, ptr, "items"); !ok {
		return false
	}
	items := body
	if n := len(pg.ItemPath); n > 0 {
		items = pg.ItemPath[n-1].Type
	}
	if r := items.Resolve(); r == nil || r.Kind != model.Array {
		b.fail(ptr, "items %q is not an array", pg.Items)
		return false
	} else {
		pg.ItemType = r.Elem
	}
	if pg.Style == "links" || pg.Style == "cursor" {
		if pg.Next == "" {
			b.fail(ptr, "%s pagination needs next: the path of the next link or cursor", pg.Style)
			return false
		}
		if pg.NextPath, ok = b.fieldPath(body, pg.Next, ptr, "next"); !ok {
			return false
		}
	}
	if pg.Total != "" {
		if pg.TotalPath, ok = b.fieldPath(body, pg.Total, ptr, "total"); !ok {
			return false
		}
	}
	return b.lastPage(pg, body, ptr)
}

// lastPage resolves last, the marker of the last page that saves the
// request for the page after it: page style only, a boolean or an integer
// page number.
func (b *builder) lastPage(pg *model.Pagination, body *model.Type, ptr string) bool {
	if pg.Last == "" {
		return true
	}
	if pg.Style != "page" {
		b.fail(ptr, "last is for page pagination, not %s", pg.Style)
		return false
	}
	var ok bool
	if pg.LastPath, ok = b.fieldPath(body, pg.Last, ptr, "last"); !ok {
		return false
	}
	switch r := pg.LastPath[len(pg.LastPath)-1].Type.Resolve(); {
	case r != nil && (r.Kind == model.Bool || r.Kind == model.Int32 || r.Kind == model.Int64):
		return true
	}
	b.fail(ptr, "last %q is neither a boolean nor an integer", pg.Last)
	return false
}

// bodyCursor finds the top-level string property of the operation's JSON
// request body that takes a body cursor.
func (b *builder) bodyCursor(op *model.Operation, name, ptr string) *model.Field {
	if op.Body == nil || op.Body.Encoding != model.EncodingJSON || op.Body.Type == nil || op.Body.Type.Kind != model.Named {
		b.fail(ptr, "cursorIn body needs a JSON request body of an object schema")
		return nil
	}
	r := op.Body.Type.Resolve()
	if r == nil || r.Kind != model.Struct {
		b.fail(ptr, "cursorIn body needs a JSON request body of an object schema")
		return nil
	}
	for _, f := range r.Fields {
		if f.JSONName == name {
			if t := f.Type.Resolve(); t == nil || t.Kind != model.String || f.Pointer {
				b.fail(ptr, "body cursor %q is not a string property", name)
				return nil
			}
			return f
		}
	}
	b.fail(ptr, "body cursor %q: no such property in %s", name, r.Name)
	return nil
}

// fieldPath resolves a dot path of JSON names through struct fields.
func (b *builder) fieldPath(t *model.Type, path, ptr, what string) ([]*model.Field, bool) {
	if path == "" {
		return nil, true
	}
	var out []*model.Field
	cur := t
	for _, part := range strings.Split(path, ".") {
		r := cur.Resolve()
		if r == nil || r.Kind != model.Struct {
			b.fail(ptr, "%s path %q: %q is not inside an object", what, path, part)
			return nil, false
		}
		var found *model.Field
		for _, f := range r.Fields {
			if f.JSONName == part {
				found = f
				break
			}
		}
		if found == nil {
			b.fail(ptr, "%s path %q: no property %q in %s", what, path, part, r.Name)
			return nil, false
		}
		out = append(out, found)
		cur = found.Type
	}
	return out, true
}

// security reads components/securitySchemes and their x-apigen-auth.
func (b *builder) security() {
	if b.doc.Components == nil {
		return
	}
	names := b.scope()
	for _, key := range sortedKeys(b.doc.Components.SecuritySchemes) {
		ref := b.doc.Components.SecuritySchemes[key]
		if ref == nil || ref.Value == nil {
			continue
		}
		v := ref.Value
		ptr := Pointer("components", "securitySchemes", key)
		s := &model.SecurityScheme{
			Key: key, Name: names.Claim(naming.Exported(key), ptr), Type: v.Type,
			Scheme: strings.ToLower(v.Scheme), In: v.In, Param: v.Name, Doc: v.Description,
		}
		if f := v.Flows; f != nil {
			for _, flow := range []*openapi3.OAuthFlow{f.ClientCredentials, f.AuthorizationCode, f.Password, f.Implicit} {
				if flow == nil {
					continue
				}
				if s.TokenURL == "" {
					s.TokenURL = flow.TokenURL
				}
				if s.AuthorizationURL == "" {
					s.AuthorizationURL = flow.AuthorizationURL
				}
				if s.RefreshURL == "" {
					s.RefreshURL = flow.RefreshURL
				}
				for _, sc := range sortedKeys(flow.Scopes) {
					s.Scopes = appendUnique(s.Scopes, sc)
				}
			}
		}
		s.Auth = decodeExt[model.Auth](b, v.Extensions, "x-apigen-auth", ptr)
		if s.Auth == nil {
			s.Auth = deriveAuth(s, v)
		}
		if s.Auth == nil {
			b.warn(ptr, "security scheme %q (%s) has no x-apigen-auth and cannot be derived; the client sends no credential for it (use WithMiddleware)", key, v.Type)
			continue
		}
		if err := completeAuth(s); err != nil {
			b.fail(ptr+"/x-apigen-auth", "%v", err)
			continue
		}
		b.api.Security = append(b.api.Security, s)
	}
}

// deriveAuth builds the auth settings a plain security scheme implies.
func deriveAuth(s *model.SecurityScheme, v *openapi3.SecurityScheme) *model.Auth {
	switch v.Type {
	case "http":
		switch s.Scheme {
		case "basic":
			return &model.Auth{Flow: "basic"}
		case "bearer":
			return &model.Auth{Flow: "bearer"}
		}
	case "apiKey":
		return &model.Auth{Flow: "apiKey"}
	case "oauth2":
		if v.Flows != nil && v.Flows.ClientCredentials != nil {
			return &model.Auth{Flow: "clientCredentials", TokenURL: s.TokenURL}
		}
		// Interactive flows need the user to obtain tokens; accept one.
		return &model.Auth{Flow: "bearer"}
	case "openIdConnect":
		return &model.Auth{Flow: "bearer"}
	}
	return nil
}

// defaultCredentials are the Credentials fields each flow needs when the
// extension does not list them.
var defaultCredentials = map[string][]model.CredentialField{
	"basic":             {{Name: "username"}, {Name: "password", Secret: true}},
	"apiKey":            {{Name: "apiKey", Secret: true}},
	"bearer":            {{Name: "token", Secret: true}},
	"rawToken":          {{Name: "token", Secret: true}},
	"clientCredentials": {{Name: "clientID"}, {Name: "clientSecret", Secret: true}},
	"authorizationCode": {{Name: "clientID"}, {Name: "clientSecret", Secret: true}, {Name: "redirectURL", Optional: true}},
	"password":          {{Name: "clientID", Optional: true}, {Name: "clientSecret", Secret: true, Optional: true}, {Name: "username"}, {Name: "password", Secret: true}},
	"jsonLogin":         {{Name: "login"}, {Name: "password", Secret: true}},
	"signedJWT":         {{Name: "apiKey"}, {Name: "apiSecret", Secret: true}, {Name: "workspace"}},
	"mtls":              {{Name: "certFile"}, {Name: "certPassword", Secret: true}, {Name: "clientID"}},
}

// completeAuth checks the flow and fills defaults.
func completeAuth(s *model.SecurityScheme) error {
	a := s.Auth
	defaults, ok := defaultCredentials[a.Flow]
	if !ok {
		return fmt.Errorf("unknown flow %q", a.Flow)
	}
	if len(a.Credentials) == 0 {
		a.Credentials = defaults
	}
	if a.TokenURL == "" {
		a.TokenURL = s.TokenURL
	}
	if a.AuthorizeURL == "" {
		a.AuthorizeURL = s.AuthorizationURL
	}
	if a.RefreshURL == "" {
		a.RefreshURL = s.RefreshURL
	}
	switch a.Flow {
	case "clientCredentials", "authorizationCode", "password", "jsonLogin":
		if a.TokenURL == "" {
			return fmt.Errorf("flow %s needs tokenUrl", a.Flow)
		}
	case "apiKey":
		if a.Header == "" && s.In == "header" {
			a.Header = s.Param
		}
	}
	return nil
}

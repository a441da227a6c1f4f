package generator

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/apigen-go/apigen/generator/model"
	"github.com/apigen-go/apigen/generator/naming"
)

// credField is one field of the generated Credentials struct.
type credField struct {
	Name     string // Go field name
	Env      string // environment variable CredentialsFromEnv reads
	Secret   bool
	Doc      string
	Optional bool
}

// authChoice is one security scheme the client can authenticate with:
// the Credentials fields it needs and the Go statements that build its
// middleware (they assign mw, and for mTLS base).
type authChoice struct {
	Key   string
	Needs []string
	Env   []string // the environment variables of Needs
	Code  string
}

// wiring is what the client template needs beyond the model.
type wiring struct {
	Creds     []credField
	Auth      []authChoice
	AuthCode  bool // an authorizationCode scheme exists: generate AuthCodeURL/Exchange
	OpServers bool // some operation has its own server
	Multipart bool // some operation sends multipart/form-data: File exists
	// VersionHeader and VersionDefault: a header parameter carrying the API
	// version (its name says "version" and the spec gives a default), for
	// WithAPIVersion.
	VersionHeader, VersionDefault string
	TokenFlow                     bool // a scheme fetches tokens: Client.Token exists
	// OtherHosts: token endpoints or operation servers may live on
	// another host, so WithAuthServer can move them.
	OtherHosts bool
	RateLimit  string // Go expression of the spec's ratelimit.Config, "" if none
}

// buildWiring lays out the credentials and auth chains; envPrefix is the
// prefix of the variables CredentialsFromEnv reads, without the "_".
func buildWiring(api *model.API, envPrefix string) (wiring, error) {
	var w wiring
	fields := map[string]*credField{}
	scope := naming.NewScope()
	goName := map[string]string{}
	field := func(cf model.CredentialField) string {
		if n, ok := goName[cf.Name]; ok {
			if cf.Secret {
				fields[n].Secret = true
			}
			return n
		}
		n := scope.Claim(naming.Exported(cf.Name), cf.Name)
		goName[cf.Name] = n
		env := envPrefix + "_" + strings.ToUpper(strings.Join(naming.Words(naming.Exported(cf.Name)), "_"))
		fields[n] = &credField{Name: n, Env: env, Secret: cf.Secret, Doc: cf.Doc, Optional: cf.Optional}
		w.Creds = append(w.Creds, *fields[n]) // spec order; refreshed below
		return n
	}
	for _, s := range api.Security {
		a := s.Auth
		roles := make([]string, len(a.Credentials))
		for i, cf := range a.Credentials {
			roles[i] = field(cf)
		}
		code, needs, err := authCode(s, roles, fields)
		if err != nil {
			return w, fmt.Errorf("security scheme %s: %w", s.Key, err)
		}
		switch a.Flow {
		case "authorizationCode":
			w.AuthCode, w.TokenFlow, w.OtherHosts = true, true, true
		case "clientCredentials", "password", "jsonLogin":
			w.TokenFlow, w.OtherHosts = true, true
		}
		env := make([]string, len(needs))
		for i, n := range needs {
			env[i] = fields[n].Env
		}
		w.Auth = append(w.Auth, authChoice{Key: s.Key, Needs: needs, Env: env, Code: code})
	}
	for i := range w.Creds { // pick up Secret flags set by later schemes
		w.Creds[i] = *fields[w.Creds[i].Name]
	}
	for _, op := range api.Operations {
		if op.Server != "" {
			w.OpServers, w.OtherHosts = true, true
		}
		if op.Body != nil && op.Body.Encoding == model.EncodingMultipart {
			w.Multipart = true
		}
		for _, p := range op.Params {
			if p.In == model.InHeader && p.Default != "" && w.VersionHeader == "" && strings.Contains(strings.ToLower(p.WireName), "version") {
				w.VersionHeader, w.VersionDefault = p.WireName, p.Default
			}
		}
	}
	w.RateLimit = rateLimitExpr(api)
	return w, nil
}

// str is a credential field as a string expression; sec as a secret.Secret.
func str(f *credField) string {
	if f.Secret {
		return "c." + f.Name + ".Reveal()"
	}
	return "c." + f.Name
}

func sec(f *credField) string {
	if f.Secret {
		return "c." + f.Name
	}
	return "secret.New(c." + f.Name + ")"
}

func authCode(s *model.SecurityScheme, roles []string, fields map[string]*credField) (code string, needs []string, err error) {
	a := s.Auth
	role := func(i int) *credField {
		if i < len(roles) {
			return fields[roles[i]]
		}
		return &credField{Name: "missing"}
	}
	for i, r := range roles {
		if i < len(a.Credentials) && !a.Credentials[i].Optional {
			needs = append(needs, r)
		}
	}
	var b strings.Builder
	headers := sortedMap(a.Headers)
	extra := ""
	if len(headers) > 0 || len(a.ExtraTokens) > 0 {
		var hs []string
		for _, h := range headers {
			f, ok := fieldByCred(a, roles, fields, a.Headers[h])
			if !ok {
				return "", nil, fmt.Errorf("header %s: no credential %q", h, a.Headers[h])
			}
			hs = append(hs, fmt.Sprintf("%q: {%s}", h, str(f)))
		}
		if len(hs) > 0 {
			extra += "\n\t\tHeader: http.Header{" + strings.Join(hs, ", ") + "},"
		}
		if len(a.ExtraTokens) > 0 {
			var th []string
			for _, et := range a.ExtraTokens {
				if et.Scheme != "" {
					th = append(th, fmt.Sprintf("{Field: %q, Header: %q, Scheme: %q}", et.Field, et.Header, et.Scheme))
				} else {
					th = append(th, fmt.Sprintf("{Field: %q, Header: %q}", et.Field, et.Header))
				}
			}
			extra += "\n\t\tExtraTokens: []auth.ExtraToken{" + strings.Join(th, ", ") + "},"
		}
	}
	policy := "auth.UnauthorizedRefresh"
	if a.OnUnauthorized == "fail" {
		policy = "auth.UnauthorizedFail"
	}
	tr := func(field, value string) {
		fmt.Fprintf(&b, "t := &auth.Transport{%s: %s, OnUnauthorized: %s, AllowInsecureHTTP: cfg.Insecure,%s\n\t}\n", field, value, policy, extra)
		b.WriteString("mw = t.Middleware()")
	}
	switch a.Flow {
	case "basic":
		tr("Credential", fmt.Sprintf("auth.Basic{Username: %s, Password: %s}", str(role(0)), sec(role(1))))
	case "bearer":
		tr("Credential", fmt.Sprintf("auth.Bearer{Token: %s}", sec(role(0))))
	case "apiKey":
		in, name := "auth.InHeader", a.Header
		if s.In == "query" {
			in, name = "auth.InQuery", s.Param
		}
		if name == "" {
			name = s.Param
		}
		tr("Credential", fmt.Sprintf("auth.APIKey{Name: %q, Key: %s, In: %s}", name, sec(role(0)), in))
	case "rawToken":
		scheme := a.Scheme
		if a.Header != "" && a.Header != "Authorization" {
			tr("Credential", fmt.Sprintf("auth.APIKey{Name: %q, Key: %s, In: auth.InHeader}", a.Header, sec(role(0))))
			break
		}
		tr("Credential", fmt.Sprintf("auth.RawToken{Scheme: %q, Token: %s}", scheme, sec(role(0))))
	case "signedJWT":
		ttl := "0"
		iss, key, sub := role(0), role(1), role(2)
		if j := a.JWT; j != nil {
			if j.TTL != 0 {
				ttl = fmt.Sprintf("%d", time.Duration(j.TTL))
			}
			var ok bool
			if iss, ok = fieldByCred(a, roles, fields, j.Issuer); !ok {
				return "", nil, fmt.Errorf("jwt issuer: no credential %q", j.Issuer)
			}
			if key, ok = fieldByCred(a, roles, fields, j.Key); !ok {
				return "", nil, fmt.Errorf("jwt key: no credential %q", j.Key)
			}
			if j.Subject != "" {
				if sub, ok = fieldByCred(a, roles, fields, j.Subject); !ok {
					return "", nil, fmt.Errorf("jwt subject: no credential %q", j.Subject)
				}
			}
		}
		tr("Credential", fmt.Sprintf("&auth.SignedJWT{APIKey: %s, Secret: %s, Subject: %s, TTL: %s, Clock: cfg.Clock}", sec(iss), sec(key), str(sub), ttl))
	case "clientCredentials", "password", "jsonLogin", "authorizationCode":
		ep, err := endpointExpr(a, func(name string) (*credField, bool) { return fieldByCred(a, roles, fields, name) })
		if err != nil {
			return "", nil, err
		}
		fmt.Fprintf(&b, "ep := %s\n", ep)
		switch a.Flow {
		case "clientCredentials":
			fmt.Fprintf(&b, "flow := &auth.ClientCredentials{Endpoint: ep, ClientID: %s, ClientSecret: %s, Scopes: cfg.Scopes}\n", str(role(0)), sec(role(1)))
		case "password":
			fmt.Fprintf(&b, "flow := &auth.PasswordGrant{Endpoint: ep, ClientID: %s, ClientSecret: %s, Username: %s, Password: %s, Scopes: cfg.Scopes}\n", str(role(0)), sec(role(1)), str(role(2)), sec(role(3)))
		case "jsonLogin":
			fmt.Fprintf(&b, "flow := &auth.JSONLogin{Endpoint: ep, Login: %s, Password: %s}\n", str(role(0)), sec(role(1)))
		case "authorizationCode":
			// The provider expects the scopes on the authorization URL:
			// the spec's by default, WithScopes to choose.
			scopes := "cfg.Scopes"
			if len(s.Scopes) > 0 {
				q := make([]string, len(s.Scopes))
				for i, sc := range s.Scopes {
					q[i] = strconv.Quote(sc)
				}
				scopes = "cfg.ScopesOr(" + strings.Join(q, ", ") + ")"
			}
			fmt.Fprintf(&b, "flow := &auth.AuthorizationCode{Endpoint: ep, AuthURL: resolve(%q), ClientID: %s, ClientSecret: %s, RedirectURL: %s, Scopes: %s", a.AuthorizeURL, str(role(0)), sec(role(1)), str(role(2)), scopes)
			if a.ScopeOnTokenRequests {
				b.WriteString(", ScopeOnTokenRequests: true")
			}
			b.WriteString("}\n")
		}
		b.WriteString("cache := &auth.Cache{Flow: flow, Store: cfg.Store, Clock: cfg.Clock}\ncl.tokens = cache\n")
		if a.Flow == "authorizationCode" {
			b.WriteString("cl.authCode, cl.authCodeTokens = flow, cache\n")
		}
		tr("Source", "cache")
	case "mtls":
		fmt.Fprintf(&b, "m := &auth.MTLS{File: %s, Password: %s, ClientID: %s, RootCAs: cfg.RootCAs, Clock: cfg.Clock, Base: base}\n", str(role(0)), sec(role(1)), sec(role(2)))
		b.WriteString("rt, err := m.RoundTripper()\nif err != nil {\n\treturn nil, nil, err\n}\nbase = rt")
	default:
		return "", nil, fmt.Errorf("flow %q is not wired", a.Flow)
	}
	return b.String(), needs, nil
}

// fieldByCred finds the Credentials field of a credential named in the spec.
func fieldByCred(a *model.Auth, roles []string, fields map[string]*credField, name string) (*credField, bool) {
	for i, cf := range a.Credentials {
		if cf.Name == name && i < len(roles) {
			return fields[roles[i]], true
		}
	}
	return nil, false
}

// endpointExpr is the auth.Endpoint literal of a token flow; cred finds
// the Credentials field of a credential the extension names.
func endpointExpr(a *model.Auth, cred func(string) (*credField, bool)) (string, error) {
	var parts []string
	parts = append(parts, fmt.Sprintf("TokenURL: resolve(%q)", a.TokenURL))
	if a.RefreshURL != "" {
		parts = append(parts, fmt.Sprintf("RefreshURL: resolve(%q)", a.RefreshURL))
	}
	if a.ClientAuth == "body" {
		parts = append(parts, "AuthStyle: auth.AuthStyleInBody")
	}
	if a.BodyFormat == "json" {
		parts = append(parts, "Format: auth.JSONBody")
	}
	if len(a.ExtraParams) > 0 || len(a.ExtraParamsFromCredentials) > 0 {
		params := map[string]string{}
		for k, v := range a.ExtraParams {
			params[k] = fmt.Sprintf("%q", v)
		}
		for k, name := range a.ExtraParamsFromCredentials {
			f, ok := cred(name)
			if !ok {
				return "", fmt.Errorf("extraParamsFromCredentials %s: no credential %q", k, name)
			}
			params[k] = str(f)
		}
		var ps []string
		for _, k := range sortedMap(params) {
			ps = append(ps, fmt.Sprintf("%q: %s", k, params[k]))
		}
		parts = append(parts, "Params: map[string]string{"+strings.Join(ps, ", ")+"}")
	}
	if len(a.SuccessStatus) > 0 {
		codes := make([]string, len(a.SuccessStatus))
		for i, c := range a.SuccessStatus {
			codes[i] = fmt.Sprint(c)
		}
		parts = append(parts, "SuccessStatus: []int{"+strings.Join(codes, ", ")+"}")
	}
	req := map[string]string{"client_id": "ClientID", "client_secret": "ClientSecret", "username": "Username", "password": "Password", "refresh_token": "RefreshToken", "login": "Username"}
	resp := map[string]string{"access_token": "AccessToken", "token_type": "TokenType", "expires_in": "ExpiresIn"}
	var rq, rs []string
	for _, k := range sortedMap(a.Fields) {
		if f, ok := req[k]; ok {
			rq = append(rq, fmt.Sprintf("%s: %q", f, a.Fields[k]))
		}
		if f, ok := resp[k]; ok {
			rs = append(rs, fmt.Sprintf("%s: %q", f, a.Fields[k]))
		}
	}
	if k, ok := a.Fields["refresh_token"]; ok {
		rs = append(rs, fmt.Sprintf("RefreshToken: %q", k))
	}
	if len(a.ExtraTokens) > 0 {
		var ex []string
		for _, et := range a.ExtraTokens {
			ex = append(ex, fmt.Sprintf("%q", et.Field))
		}
		rs = append(rs, "Extra: []string{"+strings.Join(ex, ", ")+"}")
	}
	if len(rq) > 0 {
		parts = append(parts, "Request: auth.RequestFields{"+strings.Join(rq, ", ")+"}")
	}
	if len(rs) > 0 {
		parts = append(parts, "Response: auth.ResponseFields{"+strings.Join(rs, ", ")+"}")
	}
	switch a.ExpiresInUnit {
	case "ms":
		parts = append(parts, "ExpiresInUnit: time.Millisecond")
	case "min":
		parts = append(parts, "ExpiresInUnit: time.Minute")
	}
	parts = append(parts, "HTTPClient: cfg.TokenHTTPClient()", "AllowInsecureHTTP: cfg.Insecure", "Clock: cfg.Clock")
	return "auth.Endpoint{\n\t" + strings.Join(parts, ",\n\t") + ",\n}", nil
}

func sortedMap(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// rateLimitExpr renders the spec's limits as a ratelimit.Config literal.
func rateLimitExpr(api *model.API) string {
	var ops []*model.Operation
	for _, op := range api.Operations {
		if op.RateLimit != nil {
			ops = append(ops, op)
		}
	}
	if api.RateLimit == nil && len(ops) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("ratelimit.Config{\n")
	if rl := api.RateLimit; rl != nil {
		b.WriteString(windowsExpr(rl.Windows))
		if rl.Scope == "route" {
			b.WriteString("Scope: ratelimit.Route,\n")
		}
		b.WriteString(headersExpr(rl.Headers))
		if rl.MaxWait != 0 {
			fmt.Fprintf(&b, "MaxWait: %d,\n", time.Duration(rl.MaxWait))
		}
		if rl.Margin != 0 {
			fmt.Fprintf(&b, "Margin: %d,\n", time.Duration(rl.Margin))
		}
	}
	if len(ops) > 0 {
		b.WriteString("Operations: map[string]ratelimit.Override{\n")
		for _, op := range ops {
			rl := op.RateLimit
			fmt.Fprintf(&b, "%q: {\n%s%s", op.ID, windowsExpr(rl.Windows), headersExpr(rl.Headers))
			if rl.MaxWait != 0 {
				fmt.Fprintf(&b, "MaxWait: %d,\n", time.Duration(rl.MaxWait))
			}
			b.WriteString("},\n")
		}
		b.WriteString("},\n")
	}
	b.WriteString("}")
	return b.String()
}

func windowsExpr(ws []model.Window) string {
	if len(ws) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("Windows: []ratelimit.Window{\n")
	for _, w := range ws {
		fmt.Fprintf(&b, "{Limit: %d, Per: %s", w.Limit, durationExpr(time.Duration(w.Per)))
		if w.Kind == "fixed" {
			b.WriteString(", Kind: ratelimit.Fixed")
		}
		if w.Anchor == "utc-midnight" {
			b.WriteString(", Anchor: ratelimit.UTCMidnight")
		}
		b.WriteString("},\n")
	}
	b.WriteString("},\n")
	return b.String()
}

func durationExpr(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%d * 24 * time.Hour", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%d * time.Hour", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%d * time.Minute", d/time.Minute)
	case d%time.Second == 0:
		return fmt.Sprintf("%d * time.Second", d/time.Second)
	}
	return fmt.Sprintf("%d * time.Millisecond", d/time.Millisecond)
}

func headersExpr(h *model.RateLimitHeads) string {
	if h == nil {
		return ""
	}
	all := append([]model.RateLimitHeads{*h}, h.Buckets...)
	var b strings.Builder
	b.WriteString("Headers: []ratelimit.Headers{\n")
	for _, x := range all {
		if x.Limit == "" && x.Remaining == "" && x.Reset == "" && x.RetryAfter == "" {
			continue
		}
		fmt.Fprintf(&b, "{Limit: %q, Remaining: %q, Reset: %q, ResetUnit: %q, Scope: %q, RetryAfter: %q", x.Limit, x.Remaining, x.Reset, x.ResetUnit, x.Scope, x.RetryAfter)
		if x.Per != 0 {
			fmt.Fprintf(&b, ", Per: %s", durationExpr(time.Duration(x.Per)))
		}
		b.WriteString("},\n")
	}
	b.WriteString("},\n")
	return b.String()
}

package generator

import (
	"bytes"
	"strconv"
	"strings"
	"text/template"

	"github.com/apigen-go/apigen/generator/emit"
	"github.com/apigen-go/apigen/generator/model"
	"github.com/apigen-go/apigen/templates"
)

// clientData is what the templates see.
type clientData struct {
	Package        string
	API            *model.API
	Description    string
	DefaultServer  string
	ServerTemplate string
	ServerVars     []model.ServerVariable
	Errors         *model.Errors
	W              wiring
	NeedSecret     bool
	// DefaultSecurity is the Go expression of the document's security
	// requirement, which raw requests (Do) get.
	DefaultSecurity string
	// Hosts lists every URL the client can reach, described.
	Hosts []string
}

var tmpl = template.Must(templates.Parse(template.FuncMap{
	"comment": func(s string) string {
		lines := strings.Split(strings.TrimSpace(s), "\n")
		for i, l := range lines {
			lines[i] = strings.TrimRight("// "+l, " ")
		}
		return strings.Join(lines, "\n")
	},
}))

// render produces the files that come from templates/.
func render(api *model.API, pkg, envPrefix string) ([]emit.File, error) {
	w, err := buildWiring(api, envPrefix)
	if err != nil {
		return nil, err
	}
	d := clientData{Package: pkg, API: api, Errors: api.Errors, W: w}
	for _, a := range w.Auth {
		if strings.Contains(a.Code, "secret.New(") {
			d.NeedSecret = true
		}
	}
	for _, c := range w.Creds {
		if c.Secret {
			d.NeedSecret = true
		}
	}
	d.DefaultSecurity = securityExpr(api.DefaultSecurity)
	d.Hosts = hosts(api)
	d.Description = api.Description
	// The package doc carries the spec's description in full (provider
	// specs record their decisions there), within reason.
	const max = 16000
	if len(d.Description) > max {
		cut := strings.LastIndexByte(d.Description[:max], '\n')
		if cut < max/2 {
			cut = max
		}
		d.Description = d.Description[:cut] + " […]"
	}
	d.Description = strings.ReplaceAll(d.Description, "*/", "* /")
	if len(api.Servers) > 0 {
		s := api.Servers[0]
		d.ServerTemplate = s.URL
		d.ServerVars = s.Variables
		d.DefaultServer = s.URL
		for _, v := range s.Variables {
			d.DefaultServer = strings.ReplaceAll(d.DefaultServer, "{"+v.Name+"}", v.Default)
		}
	}
	var out []emit.File
	for _, name := range []string{"client.go.tmpl"} {
		var buf bytes.Buffer
		if err := tmpl.ExecuteTemplate(&buf, name, d); err != nil {
			return nil, err
		}
		file := strings.TrimSuffix(name, ".go.tmpl") + "_gen.go"
		src, err := gofmt(file, buf.Bytes())
		if err != nil {
			return nil, err
		}
		out = append(out, emit.File{Name: file, Src: src})
	}
	return out, nil
}

// securityExpr writes a security requirement as a [][]string literal.
func securityExpr(alts [][]string) string {
	if alts == nil {
		return "nil"
	}
	parts := make([]string, len(alts))
	for i, alt := range alts {
		keys := make([]string, len(alt))
		for j, k := range alt {
			keys[j] = strconv.Quote(k)
		}
		parts[i] = "{" + strings.Join(keys, ", ") + "}"
	}
	return "[][]string{" + strings.Join(parts, ", ") + "}"
}

// hosts lists the servers, operation servers and auth endpoints of api,
// each once, in that order.
func hosts(api *model.API) []string {
	var out []string
	seen := map[string]bool{}
	add := func(u, what string) {
		if u == "" || seen[u] {
			return
		}
		seen[u] = true
		out = append(out, u+" ("+what+")")
	}
	for i, s := range api.Servers {
		what := "API server"
		if i == 0 {
			what = "API server, the default"
		}
		if s.Description != "" {
			what += ": " + strings.TrimSuffix(strings.Join(strings.Fields(s.Description), " "), ".")
		}
		add(s.URL, what)
	}
	for _, op := range api.Operations {
		if op.Server != "" {
			var ops []string
			for _, o := range api.Operations {
				if o.Server == op.Server {
					ops = append(ops, o.Name)
				}
			}
			add(op.Server, "server of "+strings.Join(ops, ", "))
		}
	}
	for _, s := range api.Security {
		if a := s.Auth; a != nil {
			for _, e := range []struct{ u, what string }{{a.TokenURL, "token endpoint"}, {a.RefreshURL, "refresh endpoint"}, {a.AuthorizeURL, "authorization endpoint"}} {
				if strings.Contains(e.u, "://") {
					add(e.u, e.what+" of "+s.Key)
				}
			}
		}
	}
	return out
}

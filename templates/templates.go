// Package templates holds the text/template files the generator renders
// into each client's wiring: the Client type, its options, its
// Credentials and the middleware chain chosen from the spec's security
// schemes and x-apigen-* extensions. They are embedded so that the
// generator binary is self-contained.
package templates

import (
	"embed"
	"text/template"
)

//go:embed *.tmpl
var files embed.FS

// Parse returns the templates, with funcs available to them.
func Parse(funcs template.FuncMap) (*template.Template, error) {
	return template.New("apigen").Funcs(funcs).ParseFS(files, "*.tmpl")
}

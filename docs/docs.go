// Package docs carries the JSON Schemas published beside the documentation,
// so that the generator validates with exactly the file users read.
package docs

import _ "embed"

// ExtensionsSchema is extensions.schema.json: the x-apigen-* extensions,
// x-go-name and x-enum-varnames, one $defs entry each.
//
//go:embed extensions.schema.json
var ExtensionsSchema []byte

package generator

import (
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"golang.org/x/mod/module"

	"github.com/apigen-go/apigen/generator/build"
	"github.com/apigen-go/apigen/generator/load"
)

// importMapping is one entry of Config.ImportMapping, resolved.
type importMapping struct {
	key  string // as the user wrote it
	file string // absolute path, as the loader names documents
	pkg  string // import path
	name string // package name to import it as; "" = guessed from pkg
}

// parseImportMapping checks the mapping and resolves its files against
// the spec's directory, the way the spec's own $refs are resolved.
func parseImportMapping(spec string, mapping map[string]string) ([]importMapping, error) {
	keys := make([]string, 0, len(mapping))
	for k := range mapping {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	dir, err := filepath.Abs(filepath.Dir(spec))
	if err != nil {
		return nil, err
	}
	var out []importMapping
	for _, k := range keys {
		m := importMapping{key: k, file: k}
		fields := strings.Fields(mapping[k])
		switch len(fields) {
		case 1:
			m.pkg = fields[0]
		case 2: // "name path", as oapi-codegen writes an aliased import
			m.name, m.pkg = fields[0], fields[1]
		default:
			return nil, fmt.Errorf("import mapping %q: want a Go package path, optionally preceded by the name to import it as; got %q", k, mapping[k])
		}
		if err := module.CheckImportPath(m.pkg); err != nil {
			return nil, fmt.Errorf("import mapping %q: %v", k, err)
		}
		if m.name != "" && !validPackage(m.name) {
			return nil, fmt.Errorf("import mapping %q: package name %q is not a Go identifier", k, m.name)
		}
		if strings.HasPrefix(k, "http://") || strings.HasPrefix(k, "https://") {
			// Its names come from generating it on its own, which apigen
			// does for files only.
			return nil, fmt.Errorf("import mapping %q: only files can be mapped; save the document, refer to the file and map that", k)
		}
		m.file = filepath.Clean(filepath.Join(dir, filepath.FromSlash(k)))
		if filepath.IsAbs(k) {
			m.file = filepath.Clean(k)
		}
		out = append(out, m)
	}
	return out, nil
}

// foreignTypes names the schemas the spec takes from mapped files: each is
// the type its package declares, under the name apigen gives it when it
// generates that file on its own. A mapping for a file the spec never
// refers to is an error, so that nothing configured is silently ignored.
func foreignTypes(cfg Config, mappings []importMapping, loaded *load.Result) (map[string]build.Foreign, map[string]string, error) {
	if len(mappings) == 0 {
		return nil, nil, nil
	}
	foreign := map[string]build.Foreign{}
	names := map[string]string{}
	for _, m := range mappings {
		if !slices.Contains(loaded.Files, m.file) {
			return nil, nil, fmt.Errorf("import mapping %q: %s never refers to %s", m.key, cfg.Spec, m.key)
		}
		names[m.pkg] = m.name
		var own map[string]string // pointer in the file → Go name
		for _, imp := range loaded.Imported {
			if imp.File != m.file {
				continue
			}
			if own == nil {
				var err error
				if own, err = declaredNames(m, cfg.AllowRemote); err != nil {
					return nil, nil, err
				}
			}
			ptr := imp.Pointer
			if rest, ok := strings.CutPrefix(ptr, "/definitions/"); ok { // Swagger 2.0
				ptr = "/components/schemas/" + rest
			}
			name, ok := own[ptr]
			if !ok {
				return nil, nil, fmt.Errorf("import mapping %q: the schema at %s#%s is not a named type when %s is generated on its own", m.key, m.key, imp.Pointer, m.key)
			}
			foreign[imp.Schema] = build.Foreign{Package: m.pkg, Name: name}
		}
	}
	return foreign, names, nil
}

// declaredNames builds the mapped file as its own client and returns the
// Go name of each type it declares, by the pointer of its schema; its own
// remote $refs are read as the spec's are.
func declaredNames(m importMapping, allowRemote bool) (map[string]string, error) {
	loaded, err := load.FileWith(m.file, load.Options{DropExamples: true, AllowRemote: allowRemote})
	if err != nil {
		return nil, fmt.Errorf("import mapping %q: %s must generate on its own, as package %s: %w", m.key, m.key, m.pkg, err)
	}
	api, _, err := build.Build(loaded.Doc)
	if err != nil {
		return nil, fmt.Errorf("import mapping %q: %s must generate on its own, as package %s: %w", m.key, m.key, m.pkg, err)
	}
	names := make(map[string]string, len(api.Types))
	for _, t := range api.Types {
		names[t.Pointer] = t.Name
	}
	return names, nil
}

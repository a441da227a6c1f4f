package load

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// External references ("common.yaml#/components/schemas/Error", "./paths/
// pets.yaml", a path item in another file) are resolved before the walk,
// so that every later stage sees one self-contained document:
//
//   - A component of another file (components/<section>/<name>, or a
//     Swagger 2.0 definitions/parameters/responses entry) is copied into
//     the components of the document under its own name, and the reference
//     points at the copy. When that name is taken (by the document itself
//     or by a different component of another file), the name is prefixed
//     with the file's base name, then with more of its path: never a counter
//     or an order, so adding a file does not rename the types of another.
//     A rename is a warning.
//   - A whole file, or any other place of a file, in a schema position is
//     copied into components/schemas the same way, named after its last
//     pointer token or the file's base name.
//   - Anything else (a path item, a response written in place) is copied
//     where the reference was.
//
// Each file is read once; references inside a copied part are resolved
// against the file it came from. Remote references (http, https) are
// fetched only when Options.AllowRemote is set. Diagnostics about a
// copied part name the file it came from and the line there.

// extDoc is a parsed external document.
type extDoc struct {
	loc   string // absolute file path or URL
	name  string // as printed in diagnostics
	root  any
	lines map[string]int32
	base  string // file base name without extension
}

// target is one place in an external document that a reference names.
type target struct {
	doc *extDoc
	ptr string
}

func (t target) key() string { return t.doc.loc + "#" + t.ptr }

// origin says where a part of the document was copied from.
type origin struct {
	file  string
	ptr   string
	lines map[string]int32
}

// importer resolves the external references of one load.
type importer struct {
	l        *loader
	main     *extDoc
	v2       bool
	docs     map[string]*extDoc // by loc
	failed   map[string]bool    // locs that could not be read
	imports  map[string]string  // target key → local reference
	sections map[string]string  // target key → components section
	inlining map[string]bool    // target keys being copied in place
	// Reads counts the documents read, for tests.
	reads int
}

// schemaKeys are the keywords whose value is a schema; schemaLists and
// schemaMaps hold lists and maps of schemas.
var (
	schemaKeys = map[string]bool{
		"schema": true, "items": true, "additionalProperties": true, "not": true, "contains": true,
		"propertyNames": true, "if": true, "then": true, "else": true, "unevaluatedItems": true,
		"unevaluatedProperties": true, "additionalItems": true, "contentSchema": true,
	}
	schemaLists = map[string]bool{"allOf": true, "oneOf": true, "anyOf": true, "prefixItems": true}
	schemaMaps  = map[string]bool{
		"properties": true, "patternProperties": true, "$defs": true, "definitions": true, "dependentSchemas": true,
	}
)

// importExternal resolves every external reference of doc in place.
func (l *loader) importExternal(doc map[string]any, v2 bool) {
	if !hasExternalRef(doc, 0) {
		return
	}
	loc, err := filepath.Abs(l.res.File)
	if err != nil {
		loc = l.res.File
	}
	main := &extDoc{loc: loc, name: l.res.File, root: doc, lines: l.res.lines}
	im := &importer{
		l: l, main: main, v2: v2,
		docs:     map[string]*extDoc{loc: main},
		failed:   map[string]bool{},
		imports:  map[string]string{},
		sections: map[string]string{},
		inlining: map[string]bool{},
	}
	// First every component the document reaches, so that names are
	// chosen knowing all of them; then the copies.
	wanted := map[string]target{}
	im.discover(main, doc, "", false, wanted, map[string]bool{})
	im.name(doc, wanted)
	keys := make([]string, 0, len(wanted))
	for k := range wanted {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	im.rewrite(main, doc, "", false)
	for _, k := range keys {
		t := wanted[k]
		v, _ := resolve(t.doc.root, t.ptr)
		local := im.imports[k]
		lp, _ := refPointer(local)
		c := deepCopy(v)
		c = im.rewrite(t.doc, c, lp, im.sections[k] == "schemas")
		toks := pointerTokens(lp)
		parent := doc
		for _, tok := range toks[:len(toks)-1] {
			next, ok := parent[tok].(map[string]any)
			if !ok {
				next = map[string]any{}
				parent[tok] = next
			}
			parent = next
		}
		parent[toks[len(toks)-1]] = c
		l.res.origins = append(l.res.origins, originAt{lp, origin{t.doc.name, t.ptr, t.doc.lines}})
	}
	l.res.reads = im.reads
	for loc := range im.docs {
		if loc != main.loc {
			l.res.Files = append(l.res.Files, loc)
		}
	}
	slices.Sort(l.res.Files)
}

// hasExternalRef reports whether a $ref of v names another document.
func hasExternalRef(v any, depth int) bool {
	if depth > maxDepth {
		return false
	}
	switch x := v.(type) {
	case map[string]any:
		if r, ok := x["$ref"].(string); ok && !strings.HasPrefix(r, "#") {
			return true
		}
		for k, c := range x {
			if k == "example" || k == "value" || strings.HasPrefix(k, "x-") {
				continue
			}
			if hasExternalRef(c, depth+1) {
				return true
			}
		}
	case []any:
		for _, c := range x {
			if hasExternalRef(c, depth+1) {
				return true
			}
		}
	}
	return false
}

// literal reports whether the value under key is data (an example, a
// default, an extension) rather than part of the description, so that a
// "$ref" member in it is not a reference.
func literal(key string, schemaPos, schemaMap bool) bool {
	if schemaMap {
		return false // a property name
	}
	switch key {
	case "example", "value":
		return true
	case "examples", "default", "enum", "const":
		return schemaPos
	}
	return strings.HasPrefix(key, "x-")
}

// childIsSchema says whether the value under key of a node is a schema.
func childIsSchema(parentKey string, parentSchema, inSchemaMap bool) (schema, schemaMap bool) {
	switch {
	case inSchemaMap:
		return true, false
	case schemaKeys[parentKey]:
		return true, false
	case parentSchema && schemaMaps[parentKey]:
		return false, true
	case parentKey == "schemas" || parentKey == "definitions":
		return false, true
	}
	return false, false
}

// locate resolves ref, written in doc, to the document and pointer it
// names. ok is false (after a diagnostic) when it cannot be read.
func (im *importer) locate(doc *extDoc, ref, at string) (target, bool) {
	file, frag, _ := strings.Cut(ref, "#")
	ptr, _ := refPointer("#" + frag)
	if file == "" {
		return target{doc, ptr}, true
	}
	var loc string
	if u, err := url.Parse(doc.loc); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		r, err := url.Parse(file)
		if err != nil {
			im.fail(doc, at, "$ref %q: not a valid reference: %v", ref, err)
			return target{}, false
		}
		loc = u.ResolveReference(r).String()
	} else if u, err := url.Parse(file); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		loc = u.String()
	} else {
		if unescaped, err := url.PathUnescape(file); err == nil {
			file = unescaped
		}
		file = strings.TrimPrefix(file, "file://")
		if filepath.IsAbs(file) {
			loc = filepath.Clean(file)
		} else {
			loc = filepath.Join(filepath.Dir(doc.loc), filepath.FromSlash(file))
		}
	}
	d := im.read(doc, loc, ref, at)
	if d == nil {
		return target{}, false
	}
	return target{d, ptr}, true
}

// read returns the document at loc, reading it the first time.
func (im *importer) read(from *extDoc, loc, ref, at string) *extDoc {
	if d, ok := im.docs[loc]; ok {
		return d
	}
	if im.failed[loc] {
		return nil
	}
	remote := strings.HasPrefix(loc, "http://") || strings.HasPrefix(loc, "https://")
	var data []byte
	var err error
	name := loc
	switch {
	case remote && !im.l.opts.AllowRemote:
		im.failed[loc] = true
		im.fail(from, at, "$ref %q names a remote document (%s); remote references are fetched only with -allow-remote", ref, loc)
		return nil
	case remote:
		data, err = fetch(loc)
	default:
		if rel, e := filepath.Rel(filepath.Dir(im.main.loc), loc); e == nil {
			name = filepath.Join(filepath.Dir(im.main.name), rel)
		}
		data, err = os.ReadFile(loc)
	}
	if err != nil {
		im.failed[loc] = true
		im.fail(from, at, "$ref %q: cannot read %s: %v", ref, name, err)
		return nil
	}
	im.reads++
	root, idx, perr := parse(name, data)
	if perr != nil {
		im.failed[loc] = true
		if le, ok := perr.(*Error); ok {
			im.l.errs = append(im.l.errs, le.Diagnostics...)
		}
		return nil
	}
	base := filepath.Base(loc)
	if remote {
		base = loc[strings.LastIndexByte(loc, '/')+1:]
	}
	base = strings.TrimSuffix(base, filepath.Ext(base))
	d := &extDoc{loc: loc, name: name, root: root, lines: idx.index, base: base}
	im.docs[loc] = d
	return d
}

// fetch reads a remote document, with a bound on time and size.
func fetch(loc string) ([]byte, error) {
	c := &http.Client{Timeout: 30 * time.Second}
	resp, err := c.Get(loc)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %s", resp.Status)
	}
	const limit = 64 << 20
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if len(data) > limit {
		return nil, fmt.Errorf("larger than %d MiB", limit>>20)
	}
	return data, err
}

// fail records an error at pointer at of doc, naming doc's file and line.
func (im *importer) fail(doc *extDoc, at, format string, args ...any) {
	at += "/$ref" // every error is about a reference
	im.l.errs = append(im.l.errs, Diagnostic{File: doc.name, Line: lineIn(doc.lines, at), Pointer: at, Message: fmt.Sprintf(format, args...)})
}

// warn records a warning at pointer at of doc.
func (im *importer) warn(doc *extDoc, at, format string, args ...any) {
	im.l.res.Warnings = append(im.l.res.Warnings, Diagnostic{File: doc.name, Line: lineIn(doc.lines, at), Pointer: at, Message: fmt.Sprintf(format, args...)})
}

// componentOf returns the components section and name a target is
// copied to, or "" when it is copied in place.
func (im *importer) componentOf(t target, schemaPos bool) (section, name string) {
	toks := pointerTokens(t.ptr)
	switch {
	case len(toks) == 3 && toks[0] == "components":
		return toks[1], toks[2]
	case len(toks) == 2 && toks[0] == "definitions":
		return "schemas", toks[1]
	case len(toks) == 2 && (toks[0] == "parameters" || toks[0] == "responses") && isSwagger2(t.doc.root):
		return toks[0], toks[1]
	case schemaPos && len(toks) == 0:
		return "schemas", t.doc.base
	case schemaPos:
		return "schemas", toks[len(toks)-1]
	}
	return "", ""
}

func isSwagger2(root any) bool {
	m, _ := root.(map[string]any)
	_, ok := m["swagger"]
	return ok
}

// discover collects, into wanted, every component target reachable from
// v (written in doc) through references, following them into other
// documents. inlined guards copies in place against cycles.
func (im *importer) discover(doc *extDoc, v any, at string, schemaPos bool, wanted map[string]target, inlined map[string]bool) {
	im.walk(v, at, schemaPos, 0, func(ref, refAt string, refSchema bool) {
		if doc == im.main && strings.HasPrefix(ref, "#") {
			return
		}
		t, ok := im.locate(doc, ref, refAt)
		if !ok || t.doc == im.main {
			return
		}
		if _, found := resolve(t.doc.root, t.ptr); !found {
			im.fail(doc, refAt, "dangling $ref %q: %s has nothing at %q", ref, t.doc.name, t.ptr)
			im.failed[t.key()] = true
			return
		}
		section, _ := im.componentOf(t, refSchema)
		if section == "" || (im.v2 && section != "schemas" && section != "parameters" && section != "responses") {
			if inlined[t.key()] {
				return
			}
			inlined[t.key()] = true
			v, _ := resolve(t.doc.root, t.ptr)
			im.discover(t.doc, v, t.ptr, refSchema, wanted, inlined)
			return
		}
		if _, seen := wanted[t.key()]; seen {
			return
		}
		wanted[t.key()] = t
		im.sections[t.key()] = section
		v, _ := resolve(t.doc.root, t.ptr)
		im.discover(t.doc, v, t.ptr, section == "schemas", wanted, inlined)
	})
}

// walk calls visit for every $ref of v, with the pointer of the node that
// holds it and whether that node is in a schema position.
func (im *importer) walk(v any, at string, schemaPos bool, depth int, visit func(ref, at string, schema bool)) {
	im.walkIn(v, at, schemaPos, false, "", depth, visit)
}

func (im *importer) walkIn(v any, at string, schemaPos, schemaMap bool, key string, depth int, visit func(ref, at string, schema bool)) {
	if depth > maxDepth {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		if r, ok := x["$ref"].(string); ok {
			visit(r, at, schemaPos)
		}
		for _, k := range sortedKeys(x) {
			if k == "$ref" {
				continue
			}
			if literal(k, schemaPos, schemaMap) {
				continue
			}
			s, sm := childIsSchema(k, schemaPos, schemaMap)
			im.walkIn(x[k], at+"/"+escapeToken(k), s, sm, k, depth+1, visit)
		}
	case []any:
		for i, c := range x {
			im.walkIn(c, fmt.Sprintf("%s/%d", at, i), schemaLists[key], false, "", depth+1, visit)
		}
	}
}

// name chooses the local name of every wanted component: its own key when
// no other claims it, else prefixed by the file's base name, then by more
// of the file's path, then by the pointer.
func (im *importer) name(doc map[string]any, wanted map[string]target) {
	taken := func(section, name string) bool {
		var m map[string]any
		if im.v2 {
			m, _ = doc[v2Section(section)].(map[string]any)
		} else {
			comps, _ := doc["components"].(map[string]any)
			m, _ = comps[section].(map[string]any)
		}
		_, ok := m[name]
		return ok
	}
	candidates := func(t target, section string) []string {
		_, own := im.componentOf(t, section == "schemas")
		out := []string{own, t.doc.base + "_" + own}
		rel := strings.TrimSuffix(t.doc.name, filepath.Ext(t.doc.name))
		rel = strings.NewReplacer("/", "_", "\\", "_", ".", "").Replace(strings.TrimLeft(rel, "./"))
		out = append(out, rel+"_"+own)
		out = append(out, rel+strings.ReplaceAll(t.ptr, "/", "_"))
		return out
	}
	keys := make([]string, 0, len(wanted))
	for k := range wanted {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	chosen := map[string]int{} // key → candidate level
	for {
		claims := map[string][]string{} // section/name → keys
		for _, k := range keys {
			t := wanted[k]
			sec := im.sections[k]
			c := candidates(t, sec)
			n := c[min(chosen[k], len(c)-1)]
			claims[sec+"/"+n] = append(claims[sec+"/"+n], k)
		}
		changed := false
		for sn, ks := range claims {
			sec, n, _ := strings.Cut(sn, "/")
			if len(ks) < 2 && !taken(sec, n) {
				continue
			}
			for _, k := range ks {
				if chosen[k] < 3 {
					chosen[k]++
					changed = true
				}
			}
		}
		if !changed {
			break
		}
	}
	for _, k := range keys {
		t := wanted[k]
		sec := im.sections[k]
		c := candidates(t, sec)
		n := c[min(chosen[k], len(c)-1)]
		mapped := sec == "schemas" && slices.Contains(im.l.opts.Imports, t.doc.loc)
		if chosen[k] > 0 && !mapped { // a mapped schema keeps its own package's name
			im.warn(t.doc, t.ptr, "%s %q of %s is also the name of another; it is named %q here", singular(sec), c[0], t.doc.name, n)
		}
		if im.v2 {
			im.imports[k] = "#" + pointer(v2Section(sec), n)
		} else {
			im.imports[k] = "#" + pointer("components", sec, n)
		}
		if mapped {
			im.l.res.Imported = append(im.l.res.Imported, Imported{Schema: n, File: t.doc.loc, Pointer: t.ptr})
		}
	}
	slices.SortFunc(im.l.res.Imported, func(a, b Imported) int { return strings.Compare(a.Schema, b.Schema) })
}

func v2Section(section string) string {
	if section == "schemas" {
		return "definitions"
	}
	return section
}

func singular(section string) string {
	switch section {
	case "schemas":
		return "schema"
	case "requestBodies":
		return "request body"
	case "pathItems":
		return "path item"
	}
	return strings.TrimSuffix(section, "s")
}

// rewrite points the references of v (written in doc, to be placed at at
// in the document) at their local copies, copying in place what is not a
// component. It returns v, or its replacement when v itself is an
// in-place reference.
func (im *importer) rewrite(doc *extDoc, v any, at string, schemaPos bool) any {
	return im.rewriteIn(doc, v, at, schemaPos, false, "", 0)
}

func (im *importer) rewriteIn(doc *extDoc, v any, at string, schemaPos, schemaMap bool, key string, depth int) any {
	if depth > maxDepth {
		return v
	}
	switch x := v.(type) {
	case map[string]any:
		if r, ok := x["$ref"].(string); ok && !(doc == im.main && strings.HasPrefix(r, "#")) {
			if repl, replaced := im.resolveRef(doc, x, r, at, schemaPos); replaced {
				return repl
			}
		}
		for _, k := range sortedKeys(x) {
			if k == "$ref" {
				continue
			}
			if literal(k, schemaPos, schemaMap) {
				continue
			}
			s, sm := childIsSchema(k, schemaPos, schemaMap)
			x[k] = im.rewriteIn(doc, x[k], at+"/"+escapeToken(k), s, sm, k, depth+1)
		}
	case []any:
		for i, c := range x {
			x[i] = im.rewriteIn(doc, c, fmt.Sprintf("%s/%d", at, i), schemaLists[key], false, "", depth+1)
		}
	}
	return v
}

// resolveRef rewrites the reference node x in place, or returns the copy
// that replaces it.
func (im *importer) resolveRef(doc *extDoc, x map[string]any, ref, at string, schemaPos bool) (any, bool) {
	t, ok := im.locate(doc, ref, at)
	if !ok || im.failed[t.key()] {
		delete(x, "$ref") // reported already; the node is left without it
		return nil, false
	}
	if t.doc == im.main {
		x["$ref"] = "#" + escapePointer(t.ptr)
		return nil, false
	}
	if local, ok := im.imports[t.key()]; ok {
		x["$ref"] = local
		return nil, false
	}
	// Copied in place: a path item, a response written where it is used.
	if im.inlining[t.key()] {
		im.fail(doc, at, "$ref %q leads back to itself through other documents", ref)
		delete(x, "$ref")
		return nil, false
	}
	im.inlining[t.key()] = true
	defer delete(im.inlining, t.key())
	v, _ := resolve(t.doc.root, t.ptr)
	c := im.rewrite(t.doc, deepCopy(v), at, schemaPos)
	if m, ok := c.(map[string]any); ok {
		for k, sib := range x { // siblings of the reference win
			if k != "$ref" {
				m[k] = sib
			}
		}
	}
	im.l.res.origins = append(im.l.res.origins, originAt{at, origin{t.doc.name, t.ptr, t.doc.lines}})
	return c, true
}

// escapePointer re-escapes a pointer for use in a reference.
func escapePointer(ptr string) string {
	return pointer(pointerTokens(ptr)...)
}

// lineIn is the line of ptr in an index, or of its nearest ancestor.
func lineIn(lines map[string]int32, ptr string) int {
	for {
		if line, ok := lines[ptr]; ok {
			return int(line)
		}
		i := strings.LastIndexByte(ptr, '/')
		if i < 0 {
			return 0
		}
		ptr = ptr[:i]
	}
}

// originAt is an origin with the pointer of the copy in the document.
type originAt struct {
	at string
	origin
}

// locateOrigin returns the file and line of pointer: in the file a part
// was copied from when it lies in such a part, else in the description.
func (r *Result) locateOrigin(pointer string) (file string, line int, ptr string, ok bool) {
	best := -1
	for i, o := range r.origins {
		if (pointer == o.at || strings.HasPrefix(pointer, o.at+"/")) && (best < 0 || len(o.at) > len(r.origins[best].at)) {
			best = i
		}
	}
	if best < 0 {
		return "", 0, "", false
	}
	o := r.origins[best]
	ptr = o.ptr + pointer[len(o.at):]
	return o.file, lineIn(o.lines, ptr), ptr, true
}

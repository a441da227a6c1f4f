package load

import (
	"regexp"
	"slices"
	"strings"
)

// templateParam finds the "{name}" parts of a path template.
var templateParam = regexp.MustCompile(`\{([^{}]+)\}`)

// declared is a parameter as far as the checks need it.
type declared struct {
	name, in string
	p        *path
}

// checkOperations checks what makes generation impossible across
// operations, after the walk:
//
//   - every operationId is unique (the method names of the client come from
//     them); a duplicate is an error naming both operations;
//   - every parameter declared "in: path" appears in its path template, since
//     the client would have nowhere to put the value: an error;
//   - every "{name}" of a path template is declared. A missing declaration is
//     a warning, and a required string path parameter of that name is added
//     to the operation: the template alone says that the value is required
//     and part of the path, and a string can carry any value.
func (w *walker) checkOperations() {
	paths, _ := w.root["paths"].(map[string]any)
	type seen struct {
		op  string
		ptr string
	}
	ids := map[string]seen{}
	reported := map[string]bool{}
	for _, key := range sortedKeys(paths) {
		item, ok := paths[key].(map[string]any)
		if !ok {
			continue
		}
		ip := (*path)(nil).at("paths").at(key)
		var template []string
		for _, m := range templateParam.FindAllStringSubmatch(key, -1) {
			template = append(template, m[1])
		}
		pathLevel := w.declaredParams(item["parameters"], ip.at("parameters"))
		for _, method := range methods {
			op, ok := item[method].(map[string]any)
			if !ok {
				continue
			}
			op3 := ip.at(method)
			name := strings.ToUpper(method) + " " + key
			if id, ok := op["operationId"].(string); ok && id != "" {
				idp := op3.at("operationId")
				if first, dup := ids[id]; dup {
					w.fail(idp, "duplicate operationId %q: %s has it, and so does %s (%s, line %d)",
						id, name, first.op, first.ptr, w.l.res.Line(first.ptr))
				} else {
					ids[id] = seen{op: name, ptr: idp.String()}
				}
			}

			effective := map[string]declared{}
			for _, d := range pathLevel {
				effective[d.in+" "+d.name] = d
			}
			for _, d := range w.declaredParams(op["parameters"], op3.at("parameters")) {
				effective[d.in+" "+d.name] = d
			}
			inPath := map[string]bool{}
			for _, d := range effective {
				if d.in != "path" {
					continue
				}
				inPath[d.name] = true
				if !slices.Contains(template, d.name) {
					if ptr := d.p.String(); !reported[ptr] {
						reported[ptr] = true
						w.fail(d.p, "path parameter %q is not in the path template %q", d.name, key)
					}
				}
			}
			for _, t := range template {
				if inPath[t] {
					continue
				}
				inPath[t] = true
				w.warn(op3, "the path template %q has {%s}, which no parameter of %s declares; a required string path parameter %q is added", key, t, name, t)
				params, _ := op["parameters"].([]any)
				op["parameters"] = append(params, map[string]any{
					"name": t, "in": "path", "required": true, "schema": map[string]any{"type": "string"},
				})
			}
		}
	}
}

// declaredParams reads the names and locations of a parameter list,
// following local references.
func (w *walker) declaredParams(v any, p *path) []declared {
	list, _ := v.([]any)
	var out []declared
	for i, e := range list {
		m, _ := e.(map[string]any)
		for hops := 0; m != nil && hops < 16; hops++ {
			ref, ok := m["$ref"].(string)
			if !ok {
				break
			}
			ptr, _ := refPointer(ref)
			t, _ := resolve(w.root, ptr)
			m, _ = t.(map[string]any)
		}
		if m == nil {
			continue
		}
		name, _ := m["name"].(string)
		in, _ := m["in"].(string)
		out = append(out, declared{name: name, in: in, p: p.idx(i)})
	}
	return out
}

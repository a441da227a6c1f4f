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
	owner    map[string]any // the path item or operation whose list holds it
	i        int            // its index in that list
}

// checkOperations checks what makes generation impossible across
// operations, after the walk:
//
//   - every operationId is unique (the method names of the client come from
//     them); a duplicate is renamed from its method and path, with a
//     warning naming both operations, or an error when that name is taken;
//   - every parameter declared "in: path" appears in its path template; one
//     that does not is dropped with a warning, since the client would have
//     nowhere to put the value (Apache Superset's description has some);
//   - every "{name}" of a path template is declared. A missing declaration is
//     a warning, and a required string path parameter of that name is added
//     to the operation: the template alone says that the value is required
//     and part of the path, and a string can carry any value.
func (w *walker) checkOperations() {
	w.cleanTemplates()
	paths, _ := w.root["paths"].(map[string]any)
	type seen struct {
		op  string
		ptr string
	}
	ids := map[string]seen{}
	for _, item := range paths {
		if item, ok := item.(map[string]any); ok {
			for _, method := range methods {
				if op, ok := item[method].(map[string]any); ok {
					if id, ok := op["operationId"].(string); ok && id != "" {
						ids[id] = seen{}
					}
				}
			}
		}
	}
	reported := map[string]bool{}
	var drops []declared
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
		pathLevel := w.declaredParams(item, ip.at("parameters"))
		for _, method := range methods {
			op, ok := item[method].(map[string]any)
			if !ok {
				continue
			}
			op3 := ip.at(method)
			name := strings.ToUpper(method) + " " + key
			if id, ok := op["operationId"].(string); ok && id != "" {
				idp := op3.at("operationId")
				if first := ids[id]; first.op != "" {
					renamed := strings.ToLower(method) + key
					if _, taken := ids[renamed]; taken {
						w.fail(idp, "duplicate operationId %q: %s has it, and so does %s (%s, line %d)",
							id, name, first.op, first.ptr, w.l.res.Line(first.ptr))
					} else {
						w.warn(idp, "duplicate operationId %q: %s has it too (line %d); %s is renamed %q, from its method and path (a unique operationId or x-go-name chooses its name)",
							id, first.op, w.l.res.Line(first.ptr), name, renamed)
						op["operationId"] = renamed
						ids[renamed] = seen{op: name, ptr: idp.String()}
					}
				} else {
					ids[id] = seen{op: name, ptr: idp.String()}
				}
			}

			effective := map[string]declared{}
			for _, d := range pathLevel {
				effective[d.in+" "+d.name] = d
			}
			for _, d := range w.declaredParams(op, op3.at("parameters")) {
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
						w.warn(d.p, "path parameter %q is not in the path template %q; the client has nowhere to put it, so it is dropped", d.name, key)
						drops = append(drops, d)
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
	dropParams(drops)
}

// dropParams removes the listed parameters from their lists, last first
// so that the indexes of the others stay right.
func dropParams(drops []declared) {
	slices.SortFunc(drops, func(a, b declared) int { return b.i - a.i })
	for _, d := range drops {
		list, _ := d.owner["parameters"].([]any)
		if d.i < len(list) {
			d.owner["parameters"] = slices.Delete(slices.Clone(list), d.i, d.i+1)
		}
	}
}

// declaredParams reads the names and locations of owner's parameter list,
// following local references.
func (w *walker) declaredParams(owner map[string]any, p *path) []declared {
	list, _ := owner["parameters"].([]any)
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
		out = append(out, declared{name: name, in: in, p: p.idx(i), owner: owner, i: i})
	}
	return out
}

package load

import (
	"maps"
	"regexp"
	"strings"
)

// templateExpression finds the "{...}" parts of a path template with the
// RFC 6570 operator and modifiers some descriptions write in them:
// "{param*}", "{.param}", "{;id*}", "{+path}", "{name:3}".
var templateExpression = regexp.MustCompile(`\{([+#./;?&]?)([^{}*:]+)(\*|:[0-9]+)?\}`)

// cleanTemplates rewrites path templates that carry RFC 6570 operators or
// modifiers into plain "{name}" templates, with a warning: OpenAPI
// templates name variables only, and the parameter's style and explode
// already say how its value is written (oapi-codegen reads them the same
// way). A key that would collide with another path is left as written.
func (w *walker) cleanTemplates() {
	paths, _ := w.root["paths"].(map[string]any)
	for _, key := range sortedKeys(paths) {
		if strings.HasPrefix(key, "x-") {
			continue
		}
		clean := templateExpression.ReplaceAllStringFunc(key, func(expr string) string {
			m := templateExpression.FindStringSubmatch(expr)
			return "{" + m[2] + "}"
		})
		if clean == key {
			continue
		}
		p := (*path)(nil).at("paths").at(key)
		if _, taken := paths[clean]; taken {
			w.warn(p, "the path template %q has operators or modifiers in its variables, and %q is another path; left as written", key, clean)
			continue
		}
		w.warn(p, "the path template %q has operators or modifiers in its variables; read as %q (style and explode say how values are written)", key, clean)
		paths[clean] = paths[key]
		delete(paths, key)
		w.moveLines(p.String(), (*path)(nil).at("paths").at(clean).String())
	}
}

// moveLines gives the pointers under to the lines of those under from, so
// that diagnostics about a renamed node still name its line.
func (w *walker) moveLines(from, to string) {
	lines := w.l.res.lines
	moved := map[string]int32{}
	for k, line := range lines {
		if k == from || strings.HasPrefix(k, from+"/") {
			moved[to+k[len(from):]] = line
		}
	}
	maps.Copy(lines, moved)
}

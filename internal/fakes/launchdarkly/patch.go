package launchdarkly

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// errTestFailed marks a JSON-patch "test" that did not hold: a 409.
var errTestFailed = errors.New("test operation failed")

// patchFlag serves PATCH /api/v2/flags/{projectKey}/{featureFlagKey} in the
// three formats of §3.4 (see the package doc for how the format is chosen).
func (s *Server) patchFlag(w http.ResponseWriter, r *http.Request, p *project, key string, now time.Time) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		s.writeError(w, http.StatusBadRequest, "", "Unreadable request body")
		return
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		s.writeError(w, http.StatusBadRequest, "", "Content-Type must be application/json")
		return
	}
	var body any
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&body); err != nil {
		s.writeError(w, http.StatusBadRequest, "", "Invalid JSON body")
		return
	}

	cur := p.flags[key]
	var next map[string]any
	switch {
	case mt == "application/json" && params["domain-model"] == "launchdarkly.semanticpatch":
		next, err = s.semanticPatch(cur, body, now)
	case mt == "application/merge-patch+json":
		merge := body
		if m, ok := body.(map[string]any); ok {
			if inner, ok := m["merge"]; ok {
				merge = inner
			}
		}
		next, err = mergePatch(cur, merge)
	case mt == "application/json" || mt == "application/json-patch+json":
		switch b := body.(type) {
		case []any:
			next, err = jsonPatch(cur, b)
		case map[string]any:
			if ops, ok := b["patch"].([]any); ok {
				next, err = jsonPatch(cur, ops)
			} else if merge, ok := b["merge"]; ok {
				next, err = mergePatch(cur, merge)
			} else if _, ok := b["instructions"]; ok {
				err = errors.New("semantic patch instructions require Content-Type: application/json; domain-model=launchdarkly.semanticpatch")
			} else {
				err = errors.New("a JSON patch must be an array of operations")
			}
		default:
			err = errors.New("a JSON patch must be an array of operations")
		}
	default:
		err = fmt.Errorf("unsupported Content-Type %q", mt)
	}
	if err == nil {
		err = s.validateFlag(cur, next)
	}
	if errors.Is(err, errTestFailed) {
		s.writeError(w, http.StatusConflict, "", err.Error())
		return
	}
	if err != nil {
		s.writeError(w, http.StatusBadRequest, "", err.Error())
		return
	}
	bump(cur, next, now)
	p.flags[key] = next
	writeJSON(w, http.StatusOK, s.render(p.key, next, nil, false))
}

// validateFlag checks the patched flag: the read-only attributes are
// unchanged and the shape is still a flag.
func (s *Server) validateFlag(cur, next map[string]any) error {
	if next == nil {
		return errors.New("the patch must leave an object")
	}
	for _, k := range []string{"key", "version", "creationDate", "kind"} {
		if !reflect.DeepEqual(cur[k], next[k]) {
			return fmt.Errorf("%s cannot be changed", k)
		}
	}
	for k := range next {
		if strings.HasPrefix(k, "_") {
			return fmt.Errorf("%s is not editable", k)
		}
	}
	if name, ok := next["name"].(string); !ok || name == "" {
		return errors.New("name must be a non-empty string")
	}
	if _, ok := next["description"].(string); !ok {
		return errors.New("description must be a string")
	}
	tags, ok := next["tags"].([]any)
	if !ok {
		return errors.New("tags must be an array of strings")
	}
	for _, t := range tags {
		if _, ok := t.(string); !ok {
			return errors.New("tags must be an array of strings")
		}
	}
	vars, ok := next["variations"].([]any)
	if !ok || len(vars) < 2 {
		return errors.New("a flag needs at least two variations")
	}
	envs, ok := next["environments"].(map[string]any)
	if !ok {
		return errors.New("environments must be an object")
	}
	for name, e := range envs {
		if !slices.Contains(s.cfg.Environments, name) {
			return fmt.Errorf("unknown environment %q", name)
		}
		em, ok := e.(map[string]any)
		if !ok {
			return fmt.Errorf("environment %q must be an object", name)
		}
		if _, ok := em["on"].(bool); !ok {
			return fmt.Errorf("environments/%s/on must be a boolean", name)
		}
		for k := range em {
			if strings.HasPrefix(k, "_") {
				return fmt.Errorf("%s is not editable", k)
			}
		}
	}
	for _, k := range []string{"temporary", "archived", "deprecated"} {
		if _, ok := next[k].(bool); !ok {
			return fmt.Errorf("%s must be a boolean", k)
		}
	}
	return nil
}

// bump increments the flag's version, and the version and lastModified of
// every environment the patch changed.
func bump(cur, next map[string]any, now time.Time) {
	next["version"] = cur["version"].(float64) + 1
	ce := cur["environments"].(map[string]any)
	for name, e := range next["environments"].(map[string]any) {
		if !reflect.DeepEqual(ce[name], e) {
			em := e.(map[string]any)
			v, _ := em["version"].(float64)
			em["version"] = v + 1
			em["lastModified"] = float64(now.UnixMilli())
		}
	}
}

// --- JSON patch (RFC 6902) ---

func jsonPatch(doc map[string]any, ops []any) (map[string]any, error) {
	var cur any = deepCopy(doc)
	for i, o := range ops {
		op, ok := o.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("operation %d is not an object", i)
		}
		name, _ := op["op"].(string)
		path, ok := op["path"].(string)
		if !ok {
			return nil, fmt.Errorf("operation %d has no path", i)
		}
		tokens, err := parsePointer(path)
		if err != nil {
			return nil, err
		}
		if name != "test" && slices.ContainsFunc(tokens, func(t string) bool { return strings.HasPrefix(t, "_") }) {
			return nil, fmt.Errorf("%s is not editable", path)
		}
		value, hasValue := op["value"]
		switch name {
		case "add", "replace", "test":
			if !hasValue {
				return nil, fmt.Errorf("operation %d (%s) has no value", i, name)
			}
		}
		switch name {
		case "add":
			cur, err = addAt(cur, tokens, deepCopy(value))
		case "remove":
			cur, err = removeAt(cur, tokens)
		case "replace":
			if _, err = getAt(cur, tokens); err == nil {
				cur, err = removeAt(cur, tokens)
				if err == nil {
					cur, err = addAt(cur, tokens, deepCopy(value))
				}
			}
		case "move", "copy":
			from, ok := op["from"].(string)
			if !ok {
				return nil, fmt.Errorf("operation %d (%s) has no from", i, name)
			}
			ft, err2 := parsePointer(from)
			if err2 != nil {
				return nil, err2
			}
			var v any
			if v, err = getAt(cur, ft); err == nil {
				if name == "move" {
					if strings.HasPrefix(path+"/", from+"/") && path != from {
						return nil, fmt.Errorf("cannot move %s into itself", from)
					}
					cur, err = removeAt(cur, ft)
				}
				if err == nil {
					cur, err = addAt(cur, tokens, deepCopy(v))
				}
			}
		case "test":
			var v any
			if v, err = getAt(cur, tokens); err == nil && !jsonEqual(v, value) {
				err = fmt.Errorf("%w: %s is not %s", errTestFailed, path, compact(value))
			} else if err != nil {
				err = fmt.Errorf("%w: %v", errTestFailed, err)
			}
		default:
			return nil, fmt.Errorf("operation %d: unknown op %q", i, name)
		}
		if err != nil {
			return nil, err
		}
	}
	m, ok := cur.(map[string]any)
	if !ok {
		return nil, errors.New("the patch must leave an object")
	}
	return m, nil
}

func compact(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// jsonEqual compares decoded JSON values (numbers are float64).
func jsonEqual(a, b any) bool { return reflect.DeepEqual(a, b) }

// parsePointer splits an RFC 6901 JSON pointer.
func parsePointer(p string) ([]string, error) {
	if p == "" {
		return nil, nil
	}
	if !strings.HasPrefix(p, "/") {
		return nil, fmt.Errorf("invalid JSON pointer %q", p)
	}
	parts := strings.Split(p[1:], "/")
	for i, t := range parts {
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
	}
	return parts, nil
}

func index(tok string, n int, allowEnd bool) (int, error) {
	if allowEnd && tok == "-" {
		return n, nil
	}
	i, err := strconv.Atoi(tok)
	if err != nil || i < 0 || (tok != "0" && strings.HasPrefix(tok, "0")) {
		return 0, fmt.Errorf("invalid array index %q", tok)
	}
	limit := n - 1
	if allowEnd {
		limit = n
	}
	if i > limit {
		return 0, fmt.Errorf("array index %d out of range", i)
	}
	return i, nil
}

func getAt(doc any, tokens []string) (any, error) {
	cur := doc
	for _, t := range tokens {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[t]
			if !ok {
				return nil, fmt.Errorf("path member %q does not exist", t)
			}
			cur = v
		case []any:
			i, err := index(t, len(c), false)
			if err != nil {
				return nil, err
			}
			cur = c[i]
		default:
			return nil, fmt.Errorf("path member %q does not exist", t)
		}
	}
	return cur, nil
}

// updateParent walks to the parent of the last token and replaces it with
// f's result, rebuilding the containers on the way back.
func updateParent(doc any, tokens []string, f func(parent any, last string) (any, error)) (any, error) {
	if len(tokens) == 1 {
		return f(doc, tokens[0])
	}
	switch c := doc.(type) {
	case map[string]any:
		child, ok := c[tokens[0]]
		if !ok {
			return nil, fmt.Errorf("path member %q does not exist", tokens[0])
		}
		nc, err := updateParent(child, tokens[1:], f)
		if err != nil {
			return nil, err
		}
		c[tokens[0]] = nc
		return c, nil
	case []any:
		i, err := index(tokens[0], len(c), false)
		if err != nil {
			return nil, err
		}
		nc, err := updateParent(c[i], tokens[1:], f)
		if err != nil {
			return nil, err
		}
		c[i] = nc
		return c, nil
	}
	return nil, fmt.Errorf("path member %q does not exist", tokens[0])
}

func addAt(doc any, tokens []string, v any) (any, error) {
	if len(tokens) == 0 {
		return v, nil
	}
	return updateParent(doc, tokens, func(parent any, last string) (any, error) {
		switch c := parent.(type) {
		case map[string]any:
			c[last] = v
			return c, nil
		case []any:
			i, err := index(last, len(c), true)
			if err != nil {
				return nil, err
			}
			return slices.Insert(c, i, v), nil
		}
		return nil, fmt.Errorf("cannot add %q to a scalar", last)
	})
}

func removeAt(doc any, tokens []string) (any, error) {
	if len(tokens) == 0 {
		return nil, errors.New("cannot remove the whole document")
	}
	return updateParent(doc, tokens, func(parent any, last string) (any, error) {
		switch c := parent.(type) {
		case map[string]any:
			if _, ok := c[last]; !ok {
				return nil, fmt.Errorf("path member %q does not exist", last)
			}
			delete(c, last)
			return c, nil
		case []any:
			i, err := index(last, len(c), false)
			if err != nil {
				return nil, err
			}
			return slices.Delete(c, i, i+1), nil
		}
		return nil, fmt.Errorf("path member %q does not exist", last)
	})
}

// --- JSON merge patch (RFC 7386) ---

func mergePatch(doc map[string]any, patch any) (map[string]any, error) {
	pm, ok := patch.(map[string]any)
	if !ok {
		return nil, errors.New("a merge patch must be a JSON object")
	}
	for k := range pm {
		if strings.HasPrefix(k, "_") {
			return nil, fmt.Errorf("%s is not editable", k)
		}
	}
	out, _ := mergeValue(deepCopy(doc), pm).(map[string]any)
	return out, nil
}

func mergeValue(target, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return deepCopy(patch)
	}
	tm, ok := target.(map[string]any)
	if !ok {
		tm = map[string]any{}
	}
	for k, v := range pm {
		if v == nil {
			delete(tm, k)
		} else {
			tm[k] = mergeValue(tm[k], v)
		}
	}
	return tm
}

// --- semantic patch (§3.4) ---

// envInstructions need environmentKey.
var envInstructions = map[string]bool{
	"turnFlagOn": true, "turnFlagOff": true, "updateOffVariation": true,
	"updateFallthroughVariationOrRollout": true, "addTargets": true, "removeTargets": true,
}

// semanticPatch applies the instructions all-or-nothing. Supported kinds:
// turnFlagOn, turnFlagOff, updateOffVariation, updateFallthroughVariationOrRollout,
// addTargets, removeTargets (these need environmentKey), updateName,
// updateDescription, addTags, removeTags, archiveFlag, restoreFlag,
// deprecateFlag, restoreDeprecatedFlag, makeFlagPermanent,
// makeFlagTemporary, addVariation. Any other kind is a 400.
func (s *Server) semanticPatch(doc map[string]any, body any, now time.Time) (map[string]any, error) {
	b, ok := body.(map[string]any)
	if !ok {
		return nil, errors.New("a semantic patch must be an object with instructions")
	}
	ins, ok := b["instructions"].([]any)
	if !ok || len(ins) == 0 {
		return nil, errors.New("instructions is required and must be a non-empty array")
	}
	envKey, _ := b["environmentKey"].(string)
	f := deepCopy(doc).(map[string]any)
	for i, x := range ins {
		in, ok := x.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("instruction %d is not an object", i)
		}
		kind, _ := in["kind"].(string)
		var env map[string]any
		if envInstructions[kind] {
			if envKey == "" {
				return nil, fmt.Errorf("instruction %d (%s) requires environmentKey", i, kind)
			}
			env, ok = f["environments"].(map[string]any)[envKey].(map[string]any)
			if !ok {
				return nil, fmt.Errorf("unknown environment %q", envKey)
			}
		}
		str := func(k string) (string, error) {
			v, ok := in[k].(string)
			if !ok {
				return "", fmt.Errorf("instruction %d (%s) needs a string %s", i, kind, k)
			}
			return v, nil
		}
		strs := func(k string) ([]string, error) {
			arr, ok := in[k].([]any)
			if !ok {
				return nil, fmt.Errorf("instruction %d (%s) needs an array %s", i, kind, k)
			}
			var out []string
			for _, a := range arr {
				v, ok := a.(string)
				if !ok {
					return nil, fmt.Errorf("instruction %d (%s): %s must hold strings", i, kind, k)
				}
				out = append(out, v)
			}
			return out, nil
		}
		variation := func() (float64, error) {
			id, err := str("variationId")
			if err != nil {
				return 0, err
			}
			for j, v := range f["variations"].([]any) {
				if v.(map[string]any)["_id"] == id {
					return float64(j), nil
				}
			}
			return 0, fmt.Errorf("instruction %d (%s): unknown variationId %q", i, kind, id)
		}
		var err error
		switch kind {
		case "turnFlagOn", "turnFlagOff":
			env["on"] = kind == "turnFlagOn"
		case "updateOffVariation":
			var v float64
			if v, err = variation(); err == nil {
				env["offVariation"] = v
			}
		case "updateFallthroughVariationOrRollout":
			var v float64
			if v, err = variation(); err == nil {
				env["fallthrough"] = map[string]any{"variation": v}
			}
		case "addTargets", "removeTargets":
			err = s.editTargets(env, in, kind == "addTargets", variation, strs)
		case "updateName":
			var v string
			if v, err = str("value"); err == nil {
				f["name"] = v
			}
		case "updateDescription":
			var v string
			if v, err = str("value"); err == nil {
				f["description"] = v
			}
		case "addTags", "removeTags":
			var vs []string
			if vs, err = strs("values"); err == nil {
				tags := f["tags"].([]any)
				for _, v := range vs {
					has := slices.Contains(tags, any(v))
					if kind == "addTags" && !has {
						tags = append(tags, v)
					} else if kind == "removeTags" && has {
						tags = slices.DeleteFunc(tags, func(t any) bool { return t == v })
					}
				}
				f["tags"] = tags
			}
		case "archiveFlag", "restoreFlag":
			f["archived"] = kind == "archiveFlag"
		case "deprecateFlag", "restoreDeprecatedFlag":
			f["deprecated"] = kind == "deprecateFlag"
		case "makeFlagPermanent", "makeFlagTemporary":
			f["temporary"] = kind == "makeFlagTemporary"
		case "addVariation":
			v, ok := in["value"]
			if !ok {
				err = fmt.Errorf("instruction %d (addVariation) needs a value", i)
				break
			}
			nv := map[string]any{"_id": s.uuidLocked(), "value": deepCopy(v)}
			if name, ok := in["name"].(string); ok {
				nv["name"] = name
			}
			f["variations"] = append(f["variations"].([]any), nv)
		case "":
			err = fmt.Errorf("instruction %d has no kind", i)
		default:
			err = fmt.Errorf("instruction %d: unsupported kind %q", i, kind)
		}
		if err != nil {
			return nil, err
		}
	}
	return f, nil
}

// editTargets adds or removes context keys of one variation's targets.
func (s *Server) editTargets(env, in map[string]any, add bool, variation func() (float64, error), strs func(string) ([]string, error)) error {
	v, err := variation()
	if err != nil {
		return err
	}
	keys, err := strs("values")
	if err != nil {
		return err
	}
	kind, _ := in["contextKind"].(string)
	if kind == "" {
		kind = "user"
	}
	targets, _ := env["contextTargets"].([]any)
	idx := slices.IndexFunc(targets, func(t any) bool {
		m := t.(map[string]any)
		return m["variation"] == v && m["contextKind"] == kind
	})
	if idx < 0 {
		if !add {
			return nil
		}
		targets = append(targets, map[string]any{"variation": v, "contextKind": kind, "values": []any{}})
		idx = len(targets) - 1
	}
	t := targets[idx].(map[string]any)
	values := t["values"].([]any)
	for _, k := range keys {
		has := slices.Contains(values, any(k))
		if add && !has {
			// A key may be targeted by one variation only.
			for _, o := range targets {
				om := o.(map[string]any)
				if om["contextKind"] == kind && om["variation"] != v && slices.Contains(om["values"].([]any), any(k)) {
					return fmt.Errorf("context key %q is already targeted by another variation", k)
				}
			}
			values = append(values, k)
		} else if !add && has {
			values = slices.DeleteFunc(values, func(x any) bool { return x == k })
		}
	}
	t["values"] = values
	env["contextTargets"] = targets
	return nil
}

package launchdarkly

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// project holds the flags of one project, in creation order.
type project struct {
	key   string
	order []string
	flags map[string]map[string]any // stored representation, no "_" attributes
}

// FlagSeed describes a flag to create at start-up or through SeedFlags.
type FlagSeed struct {
	Key         string
	Name        string
	Description string
	Tags        []string
	Temporary   bool
	// On lists the environments in which targeting is on.
	On []string
}

// DefaultFlags returns the flags named in the seed's examples (§3.3, §3.7).
func DefaultFlags() []FlagSeed {
	return []FlagSeed{
		{Key: "engine.enable", Name: "New recommendations engine", Description: "This is the description", Tags: []string{"beta"}, Temporary: true},
		{Key: "sort.order", Name: "Sort order", Description: "Reverse the sort order", Tags: []string{"ui"}, On: []string{"production"}},
		{Key: "dark-mode", Name: "Dark mode", Tags: []string{"beta", "ui"}, Temporary: true, On: []string{"test"}},
	}
}

// SeedFlags creates flags in projectKey, skipping keys that exist.
func (s *Server) SeedFlags(projectKey string, flags ...FlagSeed) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.projects[projectKey]
	if p == nil {
		return
	}
	now := s.cfg.Clock.Now()
	for _, f := range flags {
		if p.flags[f.Key] != nil {
			continue
		}
		fl := s.newFlagLocked(f.Key, f.Name, f.Description, f.Tags, f.Temporary, nil, now)
		for _, env := range f.On {
			if e, ok := fl["environments"].(map[string]any)[env].(map[string]any); ok {
				e["on"] = true
			}
		}
		p.flags[f.Key] = fl
		p.order = append(p.order, f.Key)
	}
}

func (s *Server) uuidLocked() string {
	s.nextUUID++
	return fmt.Sprintf("%08x-0000-4000-9000-%012x", s.nextUUID, s.nextUUID)
}

// newFlagLocked builds a boolean flag (or one with the given variations)
// in its stored, JSON-normalised form.
func (s *Server) newFlagLocked(key, name, desc string, tags []string, temporary bool, variations []any, now time.Time) map[string]any {
	if tags == nil {
		tags = []string{}
	}
	var vars []map[string]any
	if len(variations) == 0 {
		variations = []any{true, false}
	}
	for _, v := range variations {
		vars = append(vars, map[string]any{"_id": s.uuidLocked(), "value": v})
	}
	envs := map[string]any{}
	for _, e := range s.cfg.Environments {
		envs[e] = map[string]any{
			"on": false, "archived": false, "version": 1, "lastModified": now.UnixMilli(),
			"salt": "salt-" + key, "sel": "sel-" + key,
			"targets": []any{}, "contextTargets": []any{}, "rules": []any{}, "prerequisites": []any{},
			"fallthrough": map[string]any{"variation": 0}, "offVariation": len(vars) - 1,
			"trackEvents": false, "trackEventsFallthrough": false,
		}
	}
	return normalize(map[string]any{
		"key": key, "name": name, "description": desc, "kind": "boolean",
		"version": 1, "creationDate": now.UnixMilli(),
		"tags": tags, "temporary": temporary, "archived": false, "deprecated": false,
		"variations":             vars,
		"defaults":               map[string]any{"onVariation": 0, "offVariation": len(vars) - 1},
		"clientSideAvailability": map[string]any{"usingEnvironmentId": false, "usingMobileKey": false},
		"customProperties":       map[string]any{},
		"environments":           envs,
	})
}

// normalize round-trips v through encoding/json so that stored values have
// the same types as decoded request bodies (float64, []any, map[string]any).
func normalize(v any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		panic(err)
	}
	return m
}

func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[k] = deepCopy(x)
		}
		return m
	case []any:
		a := make([]any, len(v))
		for i, x := range v {
			a[i] = deepCopy(x)
		}
		return a
	}
	return v
}

func link(href string) map[string]any {
	return map[string]any{"href": href, "type": "application/json"}
}

// render adds the read-only underscore attributes (§3.3) and selects the
// environments: envs nil means all; summary drops targets, rules and
// prerequisites.
func (s *Server) render(projectKey string, f map[string]any, envs []string, summary bool) map[string]any {
	out := deepCopy(f).(map[string]any)
	key := f["key"].(string)
	out["_links"] = map[string]any{
		"parent": link("/api/v2/flags/" + projectKey),
		"self":   link("/api/v2/flags/" + projectKey + "/" + key),
	}
	out["_site"] = map[string]any{"href": "/" + projectKey + "/" + s.cfg.Environments[0] + "/features/" + key, "type": "text/html"}
	all := out["environments"].(map[string]any)
	sel := map[string]any{}
	for name, e := range all {
		if envs != nil && !slices.Contains(envs, name) {
			continue
		}
		em := e.(map[string]any)
		em["_site"] = map[string]any{"href": "/" + projectKey + "/" + name + "/features/" + key + "/targeting", "type": "text/html"}
		em["_environmentName"] = name
		if summary {
			for _, k := range []string{"targets", "contextTargets", "rules", "prerequisites"} {
				delete(em, k)
			}
			em["_summary"] = map[string]any{"prerequisites": 0}
		}
		sel[name] = em
	}
	if envs != nil && len(envs) == 0 {
		delete(out, "environments") // 20240415: only when filtered (§3.1)
	} else {
		out["environments"] = sel
	}
	return out
}

// serve runs the matched route.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, rt route, method string, version int, now time.Time) {
	p := s.projects[rt.params["projectKey"]]
	if p == nil {
		s.writeError(w, http.StatusNotFound, "", "Unknown project "+strconv.Quote(rt.params["projectKey"]))
		return
	}
	if rt.op == "list" {
		s.listFlags(w, r, p, version)
		return
	}
	if rt.op == "create" {
		s.createFlag(w, r, p, now)
		return
	}
	key := rt.params["featureFlagKey"]
	f := p.flags[key]
	if f == nil {
		s.writeError(w, http.StatusNotFound, "", "Unknown feature flag "+strconv.Quote(key))
		return
	}
	switch rt.op {
	case "get":
		envs, err := s.envSelection(r.URL.Query(), false)
		if err != nil {
			s.writeError(w, http.StatusBadRequest, "", err.Error())
			return
		}
		writeJSON(w, http.StatusOK, s.render(p.key, f, envs, false))
	case "delete":
		delete(p.flags, key)
		p.order = slices.DeleteFunc(p.order, func(k string) bool { return k == key })
		w.WriteHeader(http.StatusNoContent)
	case "patch":
		s.patchFlag(w, r, p, key, now)
	case "dependents":
		writeJSON(w, http.StatusOK, map[string]any{
			"items":  []any{},
			"_links": map[string]any{"self": link(r.URL.Path)},
		})
	}
}

// envSelection reads filterEnv (comma-separated or repeated), env and
// filter=filterEnv:x; more than three environments is a 400 (§3.7).
func (s *Server) envSelection(q url.Values, limitThree bool) ([]string, error) {
	var envs []string
	add := func(v string) {
		for _, e := range strings.Split(v, ",") {
			if e = strings.TrimSpace(e); e != "" && !slices.Contains(envs, e) {
				envs = append(envs, e)
			}
		}
	}
	for _, v := range q["filterEnv"] {
		add(v)
	}
	for _, v := range q["env"] {
		add(v)
	}
	for _, f := range splitFilter(q.Get("filter")) {
		if f[0] == "filterEnv" {
			add(f[1])
		}
	}
	if limitThree && len(envs) > 3 {
		return nil, fmt.Errorf("filterEnv accepts at most 3 environments")
	}
	for _, e := range envs {
		if !slices.Contains(s.cfg.Environments, e) {
			return nil, fmt.Errorf("Unknown environment %q", e)
		}
	}
	return envs, nil
}

// splitFilter parses "field:value,field:value" (§3.7).
func splitFilter(f string) [][2]string {
	var out [][2]string
	if f == "" {
		return nil
	}
	for _, part := range strings.Split(f, ",") {
		k, v, _ := strings.Cut(part, ":")
		out = append(out, [2]string{strings.TrimSpace(k), strings.TrimSpace(v)})
	}
	return out
}

// listFlags serves GET /api/v2/flags/{projectKey} (§3.3, §3.7).
func (s *Server) listFlags(w http.ResponseWriter, r *http.Request, p *project, version int) {
	q := r.URL.Query()
	bad := func(msg string) { s.writeError(w, http.StatusBadRequest, "", msg) }

	limit := -1 // all
	if version >= 20240415 {
		limit = 20
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			bad("limit must be a positive integer")
			return
		}
		if n > s.cfg.MaxPageSize {
			bad(fmt.Sprintf("limit must not exceed %d", s.cfg.MaxPageSize))
			return
		}
		limit = n
	}
	offset := 0
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			bad("offset must be a non-negative integer")
			return
		}
		offset = n
	}
	summary := version >= 20191212
	if v := q.Get("summary"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			bad("summary must be a boolean")
			return
		}
		summary = b
	}
	envs, err := s.envSelection(q, version >= 20240415)
	if err != nil {
		bad(err.Error())
		return
	}
	if version >= 20240415 && envs == nil {
		envs = []string{} // environments only when filtered
	}

	var keep []map[string]any
	filters := splitFilter(q.Get("filter"))
	if tag := q.Get("tag"); tag != "" {
		filters = append(filters, [2]string{"tags", tag})
	}
	for _, key := range p.order {
		f := p.flags[key]
		ok, err := matchFilters(f, filters)
		if err != nil {
			bad(err.Error())
			return
		}
		if ok {
			keep = append(keep, f)
		}
	}
	if sortKey := q.Get("sort"); sortKey != "" {
		desc := strings.HasPrefix(sortKey, "-")
		field := strings.TrimPrefix(sortKey, "-")
		if !slices.Contains([]string{"creationDate", "key", "name", "tags", "type"}, field) {
			bad("Unsupported sort field " + strconv.Quote(field))
			return
		}
		slices.SortStableFunc(keep, func(a, b map[string]any) int {
			c := cmp.Compare(sortValue(a, field), sortValue(b, field))
			if desc {
				c = -c
			}
			return c
		})
	}

	total := len(keep)
	lo := min(offset, total)
	hi := total
	if limit >= 0 {
		hi = min(total, lo+limit)
	}
	items := make([]any, 0, hi-lo)
	for _, f := range keep[lo:hi] {
		items = append(items, s.render(p.key, f, envs, summary))
	}
	links := map[string]any{"self": link(pageHref(r.URL, offset, limit))}
	if limit >= 0 {
		links["first"] = link(pageHref(r.URL, 0, limit))
		links["last"] = link(pageHref(r.URL, max(0, (total-1)/limit*limit), limit))
		if offset > 0 {
			links["prev"] = link(pageHref(r.URL, max(0, offset-limit), limit))
		}
		if offset+limit < total {
			links["next"] = link(pageHref(r.URL, offset+limit, limit))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "totalCount": total, "_links": links})
}

// pageHref is the relative link to another page of the same query.
func pageHref(u *url.URL, offset, limit int) string {
	q := u.Query()
	if limit >= 0 {
		q.Set("limit", strconv.Itoa(limit))
		q.Set("offset", strconv.Itoa(offset))
	}
	if enc := q.Encode(); enc != "" {
		return u.Path + "?" + enc
	}
	return u.Path
}

func sortValue(f map[string]any, field string) string {
	switch field {
	case "creationDate":
		return fmt.Sprintf("%020.0f", f["creationDate"])
	case "tags":
		b, _ := json.Marshal(f["tags"])
		return string(b)
	case "type":
		if f["temporary"] == true {
			return "temporary"
		}
		return "permanent"
	}
	v, _ := f[field].(string)
	return v
}

// matchFilters applies the filter arguments the fake supports: query,
// tags (+-separated, all required), state, type (§3.7).
func matchFilters(f map[string]any, filters [][2]string) (bool, error) {
	for _, fl := range filters {
		k, v := fl[0], fl[1]
		switch k {
		case "query":
			q := strings.ToLower(v)
			if !strings.Contains(strings.ToLower(f["key"].(string)), q) && !strings.Contains(strings.ToLower(fmt.Sprint(f["name"])), q) {
				return false, nil
			}
		case "tags":
			tags, _ := f["tags"].([]any)
			for _, want := range strings.FieldsFunc(v, func(r rune) bool { return r == '+' || r == ' ' }) {
				if !slices.Contains(tags, any(want)) {
					return false, nil
				}
			}
		case "state":
			state := "live"
			if f["archived"] == true {
				state = "archived"
			} else if f["deprecated"] == true {
				state = "deprecated"
			}
			if state != v {
				return false, nil
			}
		case "type":
			typ := "permanent"
			if f["temporary"] == true {
				typ = "temporary"
			}
			if typ != v {
				return false, nil
			}
		case "filterEnv":
		default:
			return false, fmt.Errorf("Unsupported filter field %q", k)
		}
	}
	return true, nil
}

// createFlag serves POST /api/v2/flags/{projectKey}.
func (s *Server) createFlag(w http.ResponseWriter, r *http.Request, p *project, now time.Time) {
	var body struct {
		Key         string   `json:"key"`
		Name        string   `json:"name"`
		Description string   `json:"description"`
		Tags        []string `json:"tags"`
		Temporary   bool     `json:"temporary"`
		Variations  []struct {
			Value any `json:"value"`
		} `json:"variations"`
	}
	raw, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(raw, &body); err != nil {
		s.writeError(w, http.StatusBadRequest, "", "Invalid request body")
		return
	}
	if body.Key == "" || body.Name == "" {
		s.writeError(w, http.StatusBadRequest, "", "key and name are required")
		return
	}
	if p.flags[body.Key] != nil {
		s.writeError(w, http.StatusConflict, "invalid_request", "A feature with that key already exists")
		return
	}
	var vars []any
	for _, v := range body.Variations {
		vars = append(vars, v.Value)
	}
	f := s.newFlagLocked(body.Key, body.Name, body.Description, body.Tags, body.Temporary, vars, now)
	p.flags[body.Key] = f
	p.order = append(p.order, body.Key)
	writeJSON(w, http.StatusCreated, s.render(p.key, f, nil, false))
}

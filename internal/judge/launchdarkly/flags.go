package launchdarkly

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// link is the documented link form: href (relative) and type.
type link struct {
	Href string `json:"href"`
	Type string `json:"type"`
}

func (s *Server) dispatch(rw *recorder, r *http.Request, method, rt string) {
	if m := reFlags.FindStringSubmatch(r.URL.Path); m != nil {
		switch method {
		case http.MethodGet:
			s.list(rw, r, m[1], rt)
		case http.MethodPost:
			s.create(rw, r, m[1], rt)
		default:
			rw.error(http.StatusMethodNotAllowed, "method_not_allowed", "Method not allowed")
		}
		return
	}
	if m := reFlag.FindStringSubmatch(r.URL.Path); m != nil {
		id := m[1] + "/" + m[2]
		f := s.flags[id]
		if f == nil {
			rw.error(http.StatusNotFound, "not_found", "Unknown resource identifier")
			return
		}
		switch method {
		case http.MethodGet:
			mustQuery(s, r, rt, "env", "expand")
			rw.json(http.StatusOK, s.rep(m[1], f))
		case http.MethodPatch:
			s.patch(rw, r, m[1], f, rt)
		case http.MethodDelete:
			delete(s.flags, id)
			rw.json(http.StatusNoContent, nil)
		default:
			rw.error(http.StatusMethodNotAllowed, "method_not_allowed", "Method not allowed")
		}
		return
	}
	s.Violate("%s: not a documented resource", rt)
	rw.error(http.StatusNotFound, "not_found", "Unknown resource identifier")
}

func (s *Server) rep(project string, f *flag) map[string]any {
	self := "/api/v2/flags/" + project + "/" + f.Key
	return map[string]any{
		"key": f.Key, "name": f.Name, "description": f.Description, "version": f.Version,
		"temporary": f.Temporary, "kind": "boolean",
		"_links": map[string]link{
			"parent": {"/api/v2/flags/" + project, "application/json"},
			"self":   {self, "application/json"},
		},
		"_site": link{"/" + project + "/features/" + f.Key, "text/html"},
	}
}

// list pages with limit/offset (default 20) and first/prev/next/last links.
func (s *Server) list(rw *recorder, r *http.Request, project, rt string) {
	if !mustQuery(s, r, rt, "limit", "offset", "filterEnv", "env", "tag", "summary", "filter", "sort", "expand") {
		rw.error(http.StatusBadRequest, "invalid_request", "Unknown query parameter")
		return
	}
	q := r.URL.Query()
	limit, offset := 20, 0
	if v := q.Get("limit"); v != "" {
		limit, _ = strconv.Atoi(v)
	}
	if v := q.Get("offset"); v != "" {
		offset, _ = strconv.Atoi(v)
	}
	if limit < 1 || limit > 100 || offset < 0 {
		rw.error(http.StatusBadRequest, "invalid_request", "limit must be 1..100 and offset >= 0")
		return
	}
	if len(q["filterEnv"]) > 3 {
		rw.error(http.StatusBadRequest, "invalid_request", "filterEnv supports a maximum of three environments")
		return
	}
	var all []*flag
	for _, id := range s.order {
		if f := s.flags[id]; f != nil && strings.HasPrefix(id, project+"/") {
			all = append(all, f)
		}
	}
	items := []map[string]any{}
	for i := offset; i < len(all) && i < offset+limit; i++ {
		items = append(items, s.rep(project, all[i]))
	}
	page := func(off int) link {
		return link{fmt.Sprintf("/api/v2/flags/%s?limit=%d&offset=%d", project, limit, off), "application/json"}
	}
	last := 0
	if len(all) > 0 {
		last = (len(all) - 1) / limit * limit
	}
	links := map[string]link{"first": page(0), "last": page(last), "self": page(offset)}
	if offset+limit < len(all) {
		links["next"] = page(offset + limit)
	}
	if offset > 0 {
		links["prev"] = page(max(offset-limit, 0))
	}
	rw.json(http.StatusOK, map[string]any{"items": items, "totalCount": len(all), "_links": links})
}

func (s *Server) create(rw *recorder, r *http.Request, project, rt string) {
	if _, ok := s.bodyType(r, rt); !ok {
		rw.error(http.StatusBadRequest, "invalid_request", "Content-Type must be application/json")
		return
	}
	var body map[string]json.RawMessage
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		rw.error(http.StatusBadRequest, "invalid_request", "Invalid JSON")
		return
	}
	var f flag
	_ = json.Unmarshal(body["key"], &f.Key)
	_ = json.Unmarshal(body["name"], &f.Name)
	_ = json.Unmarshal(body["description"], &f.Description)
	_ = json.Unmarshal(body["temporary"], &f.Temporary)
	if f.Key == "" || f.Name == "" {
		rw.error(http.StatusBadRequest, "invalid_request", "key and name are required")
		return
	}
	if s.flags[project+"/"+f.Key] != nil {
		rw.error(http.StatusConflict, "invalid_request", "A feature with that key already exists")
		return
	}
	f.Version = 1
	s.put(project, &f)
	rw.json(http.StatusCreated, s.rep(project, &f))
}

type op struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value"`
}

// patch accepts the documented forms: a JSON patch array, {comment, patch},
// {comment, merge}, a bare merge document, and (with the domain-model
// parameter) a semantic patch; all or nothing.
func (s *Server) patch(rw *recorder, r *http.Request, project string, f *flag, rt string) {
	semantic, ok := s.bodyType(r, rt)
	if !ok {
		rw.error(http.StatusBadRequest, "invalid_request", "Content-Type must be application/json")
		return
	}
	raw, _ := io.ReadAll(r.Body)
	next := *f
	var err error
	switch {
	case semantic:
		err = semanticPatch(&next, raw)
	case strings.HasPrefix(strings.TrimSpace(string(raw)), "["):
		err = jsonPatch(&next, raw)
	default:
		var obj map[string]json.RawMessage
		if err = json.Unmarshal(raw, &obj); err != nil {
			break
		}
		switch {
		case obj["instructions"] != nil:
			// "you will receive a 400 response because your semantic patch
			// will be interpreted as a JSON patch"
			err = fmt.Errorf("semantic patch without domain-model is read as a JSON patch")
		case obj["patch"] != nil:
			err = jsonPatch(&next, obj["patch"])
		case obj["merge"] != nil:
			err = mergePatch(&next, obj["merge"])
		default:
			err = mergePatch(&next, raw)
		}
	}
	if err != nil {
		rw.error(http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	next.Version++
	*f = next
	rw.json(http.StatusOK, s.rep(project, f))
}

func jsonPatch(f *flag, raw []byte) error {
	var ops []op
	if err := json.Unmarshal(raw, &ops); err != nil {
		return fmt.Errorf("invalid JSON patch: %v", err)
	}
	for _, o := range ops {
		switch {
		case o.Op == "test" && o.Path == "/version":
			var v int64
			if json.Unmarshal(o.Value, &v) != nil || v != f.Version {
				return fmt.Errorf("test failed: version is %d", f.Version)
			}
		case o.Op == "replace" && o.Path == "/description":
			if json.Unmarshal(o.Value, &f.Description) != nil {
				return fmt.Errorf("description must be a string")
			}
		case o.Op == "replace" && o.Path == "/name":
			if json.Unmarshal(o.Value, &f.Name) != nil {
				return fmt.Errorf("name must be a string")
			}
		default:
			return fmt.Errorf("unsupported operation %s %s", o.Op, o.Path)
		}
	}
	return nil
}

func mergePatch(f *flag, raw []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("invalid merge patch: %v", err)
	}
	for k, v := range m {
		var err error
		switch k {
		case "description":
			err = json.Unmarshal(v, &f.Description)
		case "name":
			err = json.Unmarshal(v, &f.Name)
		case "temporary":
			err = json.Unmarshal(v, &f.Temporary)
		default:
			if strings.HasPrefix(k, "_") {
				return fmt.Errorf("%s is not editable", k)
			}
		}
		if err != nil {
			return fmt.Errorf("%s: %v", k, err)
		}
	}
	return nil
}

func semanticPatch(f *flag, raw []byte) error {
	var sp struct {
		Comment        string                       `json:"comment"`
		EnvironmentKey string                       `json:"environmentKey"`
		Instructions   []map[string]json.RawMessage `json:"instructions"`
	}
	if err := json.Unmarshal(raw, &sp); err != nil || len(sp.Instructions) == 0 {
		return fmt.Errorf("instructions are required")
	}
	for _, in := range sp.Instructions {
		var kind string
		_ = json.Unmarshal(in["kind"], &kind)
		switch kind {
		case "turnFlagOn", "turnFlagOff":
			if sp.EnvironmentKey == "" {
				return fmt.Errorf("%s needs environmentKey", kind)
			}
			f.On = kind == "turnFlagOn"
		case "updateDescription":
			if json.Unmarshal(in["value"], &f.Description) != nil {
				return fmt.Errorf("updateDescription needs a string value")
			}
		case "updateName":
			if json.Unmarshal(in["value"], &f.Name) != nil {
				return fmt.Errorf("updateName needs a string value")
			}
		default:
			return fmt.Errorf("unknown instruction kind %q", kind)
		}
	}
	return nil
}

package pdfgenerator

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apigen-go/apigen/internal/fakes/fakeutil"
)

const basePath = "/api/v4"

const tsLayout = "2006-01-02 15:04:05"

// route dispatches authenticated /api/v4 requests.
func (s *Server) route(w http.ResponseWriter, r *http.Request, ws *Workspace, now time.Time) {
	rest, ok := strings.CutPrefix(r.URL.Path, basePath+"/")
	if !ok {
		s.writeError(w, http.StatusNotFound, MsgResourceNotFound, nil)
		return
	}
	p := strings.Split(strings.Trim(rest, "/"), "/")
	switch {
	case len(p) == 1 && p[0] == "templates" && r.Method == http.MethodGet:
		s.listTemplates(w, r, ws)
	case len(p) == 2 && p[0] == "templates" && r.Method == http.MethodGet:
		s.getTemplate(w, p[1], ws)
	case len(p) == 2 && p[0] == "documents" && p[1] == "generate" && r.Method == http.MethodPost:
		s.generate(w, r, ws, now)
	case len(p) == 1 && p[0] == "documents" && r.Method == http.MethodGet:
		s.listDocuments(w, r, ws, now)
	case len(p) == 2 && p[0] == "documents" && (r.Method == http.MethodGet || r.Method == http.MethodDelete):
		s.document(w, r, p[1], ws, now)
	case len(p) == 1 && p[0] == "workspaces" && r.Method == http.MethodGet:
		s.listWorkspaces(w, r)
	case len(p) == 1 && p[0] == "workspaces" && r.Method == http.MethodPost:
		s.createWorkspace(w, r, now)
	case len(p) == 2 && p[0] == "workspaces" && (r.Method == http.MethodGet || r.Method == http.MethodDelete):
		s.workspace(w, r, p[1])
	default:
		s.writeError(w, http.StatusNotFound, MsgResourceNotFound, nil)
	}
}

// paging reads page (1-based) and per_page (default 15) and returns the
// slice bounds plus the meta object of the provider's list responses.
func paging(r *http.Request, n int) (lo, hi int, meta map[string]any, err error) {
	page, perPage := 1, 15
	if v := r.URL.Query().Get("page"); v != "" {
		if page, err = strconv.Atoi(v); err != nil || page < 1 {
			return 0, 0, nil, fmt.Errorf("page")
		}
	}
	if v := r.URL.Query().Get("per_page"); v != "" {
		if perPage, err = strconv.Atoi(v); err != nil || perPage < 1 {
			return 0, 0, nil, fmt.Errorf("per_page")
		}
	}
	last := max(1, (n+perPage-1)/perPage)
	lo = min(n, (page-1)*perPage)
	hi = min(n, lo+perPage)
	return lo, hi, map[string]any{"current_page": page, "last_page": last, "per_page": perPage}, nil
}

func (s *Server) visible(t *Template, ws *Workspace) bool {
	return !t.Foreign && (t.Workspace == "" || t.Workspace == ws.Identifier)
}

func templateJSON(t *Template, ws *Workspace) map[string]any {
	tags := t.Tags
	if tags == nil {
		tags = []string{}
	}
	return map[string]any{
		"id": t.ID, "name": t.Name, "owner": t.Workspace == ws.Identifier, "tags": tags,
		"created_at": t.CreatedAt.UTC().Format(tsLayout), "updated_at": t.UpdatedAt.UTC().Format(tsLayout),
	}
}

// listTemplates serves GET /templates with the name, tags, access, page and
// per_page parameters; 404 when the workspace can use no template (§2.4).
func (s *Server) listTemplates(w http.ResponseWriter, r *http.Request, ws *Workspace) {
	q := r.URL.Query()
	name := strings.ToLower(q.Get("name"))
	var tags []string
	if v := q.Get("tags"); v != "" {
		tags = strings.Split(v, ",")
	}
	access := q.Get("access")
	if access != "" && access != "organization" && access != "private" {
		s.writeError(w, http.StatusUnprocessableEntity, MsgIncorrectParam, map[string][]string{"access": {"must be organization or private"}})
		return
	}
	var list []map[string]any
	anyVisible := false
	for i := range s.templates {
		t := &s.templates[i]
		if !s.visible(t, ws) {
			continue
		}
		anyVisible = true
		if name != "" && !strings.Contains(strings.ToLower(t.Name), name) {
			continue
		}
		if !containsAll(t.Tags, tags) {
			continue
		}
		if (access == "organization" && t.Workspace != "") || (access == "private" && t.Workspace == "") {
			continue
		}
		list = append(list, templateJSON(t, ws))
	}
	if !anyVisible {
		s.writeError(w, http.StatusNotFound, MsgNoTemplates, nil)
		return
	}
	lo, hi, meta, err := paging(r, len(list))
	if err != nil {
		s.writeError(w, http.StatusUnprocessableEntity, MsgIncorrectParam, map[string][]string{err.Error(): {"must be a positive integer"}})
		return
	}
	page := list[lo:hi]
	if page == nil {
		page = []map[string]any{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"response": page, "meta": meta})
}

func containsAll(have, want []string) bool {
	for _, x := range want {
		if !slices.Contains(have, strings.TrimSpace(x)) {
			return false
		}
	}
	return true
}

// findTemplate resolves a template id for ws, or the status and message
// to answer with.
func (s *Server) findTemplate(id string, ws *Workspace) (*Template, int, string) {
	n, err := strconv.Atoi(id)
	if err != nil {
		return nil, http.StatusNotFound, MsgEntityNotFound
	}
	for i := range s.templates {
		t := &s.templates[i]
		if t.ID != n {
			continue
		}
		if t.Foreign {
			return nil, http.StatusForbidden, MsgTemplateForeign
		}
		if !s.visible(t, ws) {
			return nil, http.StatusNotFound, MsgEntityNotFound
		}
		return t, 0, ""
	}
	return nil, http.StatusNotFound, MsgEntityNotFound
}

// getTemplate serves GET /templates/{id} with a template definition.
func (s *Server) getTemplate(w http.ResponseWriter, id string, ws *Workspace) {
	t, status, msg := s.findTemplate(id, ws)
	if t == nil {
		s.writeError(w, status, msg, nil)
		return
	}
	def := templateJSON(t, ws)
	def["isDraft"] = false
	def["layout"] = map[string]any{
		"format": "A4", "unit": "cm", "orientation": "portrait", "rotation": 0,
		"width": 21, "height": 29.7, "emptyLabels": 0,
		"margins": map[string]any{"top": 0.5, "right": 0.5, "bottom": 0.5, "left": 0.5},
	}
	def["pages"] = []any{map[string]any{"width": 21, "height": 29.7, "components": []any{
		map[string]any{"cls": "labelComponent", "value": t.Body},
	}}}
	def["dataSettings"] = map[string]any{"sortBy": []any{}, "filterBy": []any{}}
	def["editor"] = map[string]any{"heightMultiplier": 1}
	writeJSON(w, http.StatusOK, map[string]any{"response": def, "meta": map[string]any{}})
}

type generateRequest struct {
	Template *struct {
		ID   json.RawMessage `json:"id"`
		Data json.RawMessage `json:"data"`
	} `json:"template"`
	Format  string `json:"format"`
	Output  string `json:"output"`
	Name    string `json:"name"`
	Testing bool   `json:"testing"`
}

// generate serves POST /documents/generate.
func (s *Server) generate(w http.ResponseWriter, r *http.Request, ws *Workspace, now time.Time) {
	var req generateRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		s.writeError(w, http.StatusUnprocessableEntity, MsgBadJSON, nil)
		return
	}
	if req.Template == nil || len(req.Template.ID) == 0 || string(req.Template.ID) == "null" {
		s.writeError(w, http.StatusUnprocessableEntity, MsgTemplateNotDefined, nil)
		return
	}
	format, output := req.Format, req.Output
	if format == "" {
		format = "pdf"
	}
	if output == "" {
		output = "base64"
	}
	fields := map[string][]string{}
	if format != "pdf" && format != "html" {
		fields["format"] = []string{"must be one of pdf, html"}
	}
	if !slices.Contains([]string{"base64", "url", "file", "viewer"}, output) {
		fields["output"] = []string{"must be one of base64, url, file, viewer"}
	}
	if len(fields) > 0 {
		s.writeError(w, http.StatusUnprocessableEntity, MsgIncorrectParam, fields)
		return
	}
	id := strings.Trim(string(req.Template.ID), `"`)
	t, status, msg := s.findTemplate(id, ws)
	if t == nil {
		s.writeError(w, status, msg, nil)
		return
	}
	var records []any
	data := bytes.TrimSpace(req.Template.Data)
	switch {
	case len(data) == 0 || string(data) == "null":
		records = []any{map[string]any{}}
	case data[0] == '[':
		if err := json.Unmarshal(data, &records); err != nil {
			s.writeError(w, http.StatusUnprocessableEntity, MsgBadJSON, nil)
			return
		}
	case data[0] == '{':
		var one map[string]any
		if err := json.Unmarshal(data, &one); err != nil {
			s.writeError(w, http.StatusUnprocessableEntity, MsgBadJSON, nil)
			return
		}
		records = []any{one}
	default:
		s.writeError(w, http.StatusUnprocessableEntity, MsgIncorrectParam, map[string][]string{"template.data": {"must be an object or an array of objects"}})
		return
	}
	month := monthKey(now)
	if !req.Testing && s.cfg.MonthlyDocumentLimit > 0 && s.generated[month] >= s.cfg.MonthlyDocumentLimit {
		s.writeError(w, http.StatusForbidden, MsgMonthlyLimit, nil)
		return
	}
	if !req.Testing {
		s.generated[month]++
	}

	var pages [][]string
	for _, rec := range records {
		lines := strings.Split(renderFields(t.Body, rec), "\n")
		if req.Testing {
			lines = append([]string{"PREVIEW"}, lines...)
		}
		pages = append(pages, lines)
	}
	s.nextDocID++
	publicID := fmt.Sprintf("%032x", s.nextDocID)
	display := req.Name
	if display == "" {
		display = publicID
	}
	var body []byte
	contentType := "application/pdf"
	if format == "html" {
		contentType = "text/html"
		body = renderHTML(t.Name, pages)
	} else {
		body = fakeutil.RenderPDF(t.Name, pages)
	}
	fileName := display + "." + format
	meta := map[string]any{"name": fileName, "display_name": display, "content-type": contentType}

	switch output {
	case "file":
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Content-Disposition", fmt.Sprintf("inline; filename=%q", fileName))
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write(body)
	case "base64":
		meta["encoding"] = "base64"
		writeJSON(w, http.StatusCreated, map[string]any{"response": base64.StdEncoding.EncodeToString(body), "meta": meta})
	default: // url, viewer
		doc := &document{publicID: publicID, name: fileName, contentType: contentType, data: body,
			templateID: t.ID, workspace: ws.Identifier, created: now, expires: now.Add(s.cfg.DocumentTTL)}
		s.documents = append(s.documents, doc)
		meta["encoding"] = "binary"
		meta["public_id"] = publicID
		link := s.publicURL(r, publicID, "share")
		if output == "viewer" {
			link = s.publicURL(r, publicID, "viewer")
		}
		writeJSON(w, http.StatusCreated, map[string]any{"response": link, "meta": meta})
	}
}

var dataField = regexp.MustCompile(`\{([A-Za-z0-9_]+(?:::[A-Za-z0-9_]+)*)\}`)

// renderFields replaces {a::b} data fields with values from rec (§2.5).
func renderFields(body string, rec any) string {
	return dataField.ReplaceAllStringFunc(body, func(m string) string {
		var v = rec
		for _, k := range strings.Split(m[1:len(m)-1], "::") {
			obj, ok := v.(map[string]any)
			if !ok {
				return ""
			}
			v = obj[k]
		}
		switch v := v.(type) {
		case nil:
			return ""
		case string:
			return v
		case float64:
			return strconv.FormatFloat(v, 'f', -1, 64)
		default:
			b, _ := json.Marshal(v)
			return string(b)
		}
	})
}

func renderHTML(title string, pages [][]string) []byte {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>")
	b.WriteString(html.EscapeString(title))
	b.WriteString("</title></head><body>\n")
	for _, p := range pages {
		b.WriteString("<section><pre>")
		b.WriteString(html.EscapeString(strings.Join(p, "\n")))
		b.WriteString("</pre></section>\n")
	}
	b.WriteString("</body></html>\n")
	return []byte(b.String())
}

func (s *Server) publicURL(r *http.Request, id, kind string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + basePath + "/documents/" + id + "/" + kind
}

// publicDocPath matches /api/v4/documents/{id}/share and …/viewer.
func publicDocPath(path string) (id, kind string, ok bool) {
	rest, ok := strings.CutPrefix(path, basePath+"/documents/")
	if !ok {
		return "", "", false
	}
	id, kind, ok = strings.Cut(rest, "/")
	if !ok || id == "" || (kind != "share" && kind != "viewer") {
		return "", "", false
	}
	return id, kind, true
}

func (s *Server) liveDocLocked(id string, now time.Time) *document {
	s.documents = slices.DeleteFunc(s.documents, func(d *document) bool { return !now.Before(d.expires) })
	for _, d := range s.documents {
		if d.publicID == id {
			return d
		}
	}
	return nil
}

func (s *Server) servePublicDoc(w http.ResponseWriter, id, kind string, now time.Time) {
	d := s.liveDocLocked(id, now)
	if d == nil {
		s.writeError(w, http.StatusNotFound, MsgResourceNotFound, nil)
		return
	}
	if kind == "viewer" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<!DOCTYPE html>\n<html><body><iframe src=\"share\" title=%q></iframe></body></html>\n", d.name)
		return
	}
	w.Header().Set("Content-Type", d.contentType)
	w.Header().Set("Content-Disposition", fmt.Sprintf("inline; filename=%q", d.name))
	w.Header().Set("Content-Length", strconv.Itoa(len(d.data)))
	_, _ = w.Write(d.data)
}

func (s *Server) documentJSON(r *http.Request, d *document) map[string]any {
	return map[string]any{
		"public_id": d.publicID, "public_url": s.publicURL(r, d.publicID, "share"), "template_id": d.templateID,
		"created_at": d.created.UTC().Format(tsLayout), "expires_at": d.expires.UTC().Format(tsLayout),
	}
}

// listDocuments serves GET /documents: the workspace's stored documents.
func (s *Server) listDocuments(w http.ResponseWriter, r *http.Request, ws *Workspace, now time.Time) {
	s.liveDocLocked("", now)
	list := []map[string]any{}
	for _, d := range s.documents {
		if d.workspace == ws.Identifier {
			list = append(list, s.documentJSON(r, d))
		}
	}
	lo, hi, meta, err := paging(r, len(list))
	if err != nil {
		s.writeError(w, http.StatusUnprocessableEntity, MsgIncorrectParam, map[string][]string{err.Error(): {"must be a positive integer"}})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"response": list[lo:hi], "meta": meta})
}

// document serves GET and DELETE /documents/{publicId}.
func (s *Server) document(w http.ResponseWriter, r *http.Request, id string, ws *Workspace, now time.Time) {
	d := s.liveDocLocked(id, now)
	if d == nil || d.workspace != ws.Identifier {
		s.writeError(w, http.StatusNotFound, MsgEntityNotFound, nil)
		return
	}
	if r.Method == http.MethodDelete {
		s.documents = slices.DeleteFunc(s.documents, func(x *document) bool { return x == d })
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"response": s.documentJSON(r, d)})
}

func workspaceJSON(ws *Workspace) map[string]any {
	return map[string]any{"id": ws.ID, "identifier": ws.Identifier, "is_master_workspace": ws.Master,
		"created_at": ws.CreatedAt.UTC().Format(tsLayout)}
}

// listWorkspaces serves GET /workspaces.
func (s *Server) listWorkspaces(w http.ResponseWriter, r *http.Request) {
	list := make([]map[string]any, 0, len(s.workspaces))
	for _, ws := range s.workspaces {
		list = append(list, workspaceJSON(ws))
	}
	lo, hi, meta, err := paging(r, len(list))
	if err != nil {
		s.writeError(w, http.StatusUnprocessableEntity, MsgIncorrectParam, map[string][]string{err.Error(): {"must be a positive integer"}})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"response": list[lo:hi], "meta": meta})
}

// createWorkspace serves POST /workspaces {"identifier": "…"}.
func (s *Server) createWorkspace(w http.ResponseWriter, r *http.Request, now time.Time) {
	var req struct {
		Identifier *string `json:"identifier"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		s.writeError(w, http.StatusUnprocessableEntity, MsgBadJSON, nil)
		return
	}
	if req.Identifier == nil || *req.Identifier == "" {
		s.writeError(w, http.StatusUnprocessableEntity, MsgParamMissing, map[string][]string{"identifier": {"is required"}})
		return
	}
	if s.workspaceLocked(*req.Identifier) != nil {
		s.writeError(w, http.StatusUnprocessableEntity, MsgIncorrectParam, map[string][]string{"identifier": {"already exists"}})
		return
	}
	ws := s.addWorkspaceLocked(*req.Identifier, false, now)
	writeJSON(w, http.StatusCreated, map[string]any{"response": workspaceJSON(ws)})
}

// workspace serves GET and DELETE /workspaces/{identifier}; the master
// workspace cannot be deleted (§2.4).
func (s *Server) workspace(w http.ResponseWriter, r *http.Request, identifier string) {
	ws := s.workspaceLocked(identifier)
	if ws == nil {
		s.writeError(w, http.StatusNotFound, MsgEntityNotFound, nil)
		return
	}
	if r.Method == http.MethodGet {
		writeJSON(w, http.StatusOK, map[string]any{"response": workspaceJSON(ws)})
		return
	}
	if ws.Master {
		s.writeError(w, http.StatusForbidden, MsgDeleteMaster, nil)
		return
	}
	s.workspaces = slices.DeleteFunc(s.workspaces, func(x *Workspace) bool { return x == ws })
	w.WriteHeader(http.StatusNoContent)
}

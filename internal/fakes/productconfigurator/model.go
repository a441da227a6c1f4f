package productconfigurator

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

type tenant struct {
	id            string
	configurators []*configurator
	steps         map[string]*step
	options       map[string]*option
	deps          map[string]*dependency
	matrices      map[string]*matrix
	props         map[string]*property
}

func newTenant(id string) *tenant {
	return &tenant{id: id, steps: map[string]*step{}, options: map[string]*option{},
		deps: map[string]*dependency{}, matrices: map[string]*matrix{}, props: map[string]*property{}}
}

type stamps struct {
	created, updated time.Time
}

type configurator struct {
	stamps
	id, productID, label, status string
	steps                        []string
}

type step struct {
	stamps
	id, configuratorID, position string
	label                        json.RawMessage
	options                      []string
}

type option struct {
	stamps
	id, stepID, position, externalRef string
	label                             json.RawMessage
}

// condition is a dependency condition (see the package doc).
type condition struct {
	OptionIDs  []string    `json:"optionIds,omitempty"`
	Conditions []condition `json:"conditions,omitempty"`
	Type       string      `json:"type"`
}

func (c condition) valid() bool {
	if c.Type != "AND" && c.Type != "OR" {
		return false
	}
	for _, n := range c.Conditions {
		if !n.valid() {
			return false
		}
	}
	return len(c.OptionIDs)+len(c.Conditions) > 0
}

func (c condition) holds(sel map[string]bool) bool {
	var results []bool
	for _, id := range c.OptionIDs {
		results = append(results, sel[id])
	}
	for _, n := range c.Conditions {
		results = append(results, n.holds(sel))
	}
	if c.Type == "AND" {
		return !slices.Contains(results, false)
	}
	return slices.Contains(results, true)
}

type dependency struct {
	stamps
	id, stepID string
	optionIDs  []string
	cond       condition
}

type matrix struct {
	stamps
	id, configuratorID, label string
	kind                      string // PRICE or WEIGHT
	typeInfo                  json.RawMessage
}

type property struct {
	stamps
	id, matrixID, key, value, mode string
	optionIDs                      []string
	micros                         int64
}

func (s *Server) newID() string {
	s.nextID++
	return fmt.Sprintf("%08x-0000-4000-a000-%012x", s.nextID, s.nextID)
}

func grn(t *tenant, kind, id string) string {
	return "grn:gogemini:productconfigurator:" + t.id + ":" + kind + "/" + id
}

const tsLayout = time.RFC3339Nano

func (st stamps) put(m map[string]any) map[string]any {
	m["createdAt"] = st.created.UTC().Format(tsLayout)
	m["updatedAt"] = st.updated.UTC().Format(tsLayout)
	return m
}

func rawOr(r json.RawMessage) any {
	if len(r) == 0 {
		return nil
	}
	return r
}

func (t *tenant) optionJSON(o *option) map[string]any {
	return o.put(map[string]any{"id": o.id, "grn": grn(t, "option", o.id), "stepId": o.stepID,
		"label": rawOr(o.label), "position": o.position, "externalReferenceId": o.externalRef})
}

func (t *tenant) stepJSON(st *step) map[string]any {
	opts := []any{}
	for _, id := range st.options {
		opts = append(opts, t.optionJSON(t.options[id]))
	}
	return st.put(map[string]any{"id": st.id, "grn": grn(t, "step", st.id), "configuratorId": st.configuratorID,
		"label": rawOr(st.label), "position": st.position, "options": opts})
}

func (t *tenant) configuratorJSON(c *configurator) map[string]any {
	steps := []any{}
	for _, id := range c.steps {
		steps = append(steps, t.stepJSON(t.steps[id]))
	}
	return c.put(map[string]any{"id": c.id, "grn": grn(t, "configurator", c.id), "productId": c.productID,
		"label": c.label, "status": c.status, "steps": steps})
}

func (t *tenant) dependencyJSON(d *dependency) map[string]any {
	return d.put(map[string]any{"id": d.id, "grn": grn(t, "dependency", d.id), "stepId": d.stepID,
		"optionIds": d.optionIDs, "condition": d.cond})
}

func (t *tenant) matrixJSON(m *matrix) map[string]any {
	out := m.put(map[string]any{"id": m.id, "grn": grn(t, "matrix", m.id), "configuratorId": m.configuratorID, "label": m.label})
	if m.kind == "PRICE" {
		out["priceType"] = rawOr(m.typeInfo)
	} else {
		out["weightType"] = rawOr(m.typeInfo)
	}
	var props []any
	for _, p := range t.sortedProps() {
		if p.matrixID == m.id {
			props = append(props, t.propertyJSON(p))
		}
	}
	out["properties"] = props
	return out
}

func (t *tenant) propertyJSON(p *property) map[string]any {
	kind := t.matrices[p.matrixID].kind
	return p.put(map[string]any{"id": p.id, "grn": grn(t, "property", p.id), "matrixId": p.matrixID,
		"optionIds": p.optionIDs, "propertyKey": p.key, "propertyValue": p.value,
		"propertyType": kind, "propertyMode": p.mode})
}

func (t *tenant) sortedProps() []*property {
	out := make([]*property, 0, len(t.props))
	for _, p := range t.props {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b *property) int { return strings.Compare(a.id, b.id) })
	return out
}

// apiErr is an error answer. field, when set, names the request field an
// INVALID_ARGUMENT concerns; it is reported as a google.rpc.BadRequest
// field violation in details.
type apiErr struct {
	status, code int
	msg          string
	field        string
}

// fieldError is an INVALID_ARGUMENT about one request field.
func fieldError(field, format string, args ...any) *apiErr {
	e := badRequest(format, args...)
	e.field = field
	return e
}

// details renders the error's google.rpc.Status details.
func (e *apiErr) details() []any {
	if e.field == "" {
		return nil
	}
	return []any{map[string]any{
		"@type":           "type.googleapis.com/google.rpc.BadRequest",
		"fieldViolations": []any{map[string]any{"field": e.field, "description": e.msg}},
	}}
}

func badRequest(format string, args ...any) *apiErr {
	return &apiErr{status: http.StatusBadRequest, code: codeInvalidArgument, msg: fmt.Sprintf(format, args...)}
}

func notFound(kind, id string) *apiErr {
	return &apiErr{status: http.StatusNotFound, code: codeNotFound, msg: kind + " " + strconv.Quote(id) + " not found"}
}

func precondition(format string, args ...any) *apiErr {
	return &apiErr{status: http.StatusBadRequest, code: codeFailedPrecondition, msg: fmt.Sprintf(format, args...)}
}

func decodeBody(r *http.Request, v any) *apiErr {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return badRequest("unreadable body")
	}
	if len(strings.TrimSpace(string(raw))) == 0 {
		raw = []byte("{}")
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return badRequest("invalid JSON body: %v", err)
	}
	return nil
}

// routes maps "METHOD pattern" to handlers; {x} segments are parameters.
var routes = []struct {
	method, pattern string
	h               func(s *Server, t *tenant, r *http.Request, p map[string]string, now time.Time) (int, any, *apiErr)
}{
	{http.MethodPost, "product/{productId}/create", (*Server).createConfigurator},
	{http.MethodGet, "product/{productId}", (*Server).activeConfigurator},
	{http.MethodGet, "product/{productId}/status/{status}", (*Server).configuratorByStatus},
	{http.MethodPost, "product/{productId}/page-size/{pageSize}/configurators", (*Server).listConfigurators},
	{http.MethodGet, "product/{productId}/configuration", (*Server).availableConfiguration},
	{http.MethodPost, "product/{productId}/configuration-from-selections", (*Server).configurationFromSelections},
	{http.MethodPut, "configurator/{configuratorId}", (*Server).updateConfigurator},
	{http.MethodDelete, "configurator/{configuratorId}", (*Server).deleteConfigurator},
	{http.MethodPost, "configurator/{configuratorId}/step/create", (*Server).createStep},
	{http.MethodPost, "configurator/{configuratorId}/step/create/bulk", (*Server).bulkCreateSteps},
	{http.MethodPut, "step/{stepId}", (*Server).updateStep},
	{http.MethodDelete, "step/{stepId}", (*Server).deleteStep},
	{http.MethodPost, "step/{stepId}/option/create", (*Server).createOption},
	{http.MethodPost, "step/{stepId}/option/create/bulk", (*Server).bulkCreateOptions},
	{http.MethodPut, "option/{optionId}", (*Server).updateOption},
	{http.MethodDelete, "option/{optionId}", (*Server).deleteOption},
	{http.MethodPost, "step/{stepId}/dependency/create", (*Server).createDependency},
	{http.MethodDelete, "dependency/{dependencyId}", (*Server).deleteDependency},
	{http.MethodPost, "matrix/create", (*Server).createMatrix},
	{http.MethodGet, "matrix/{matrixId}", (*Server).getMatrix},
	{http.MethodDelete, "matrix/{matrixId}", (*Server).deleteMatrix},
	{http.MethodPost, "property/create", (*Server).createProperty},
}

func matchSegs(pattern string, seg []string) (map[string]string, bool) {
	pp := strings.Split(pattern, "/")
	if len(pp) != len(seg) {
		return nil, false
	}
	params := map[string]string{}
	for i, p := range pp {
		if strings.HasPrefix(p, "{") {
			if seg[i] == "" {
				return nil, false
			}
			params[p[1:len(p)-1]] = seg[i]
		} else if p != seg[i] {
			return nil, false
		}
	}
	return params, true
}

func (s *Server) route(w http.ResponseWriter, r *http.Request, t *tenant, seg []string, now time.Time) {
	pathKnown := false
	for _, rt := range routes {
		params, ok := matchSegs(rt.pattern, seg)
		if !ok {
			continue
		}
		pathKnown = true
		if rt.method != r.Method {
			continue
		}
		status, body, err := rt.h(s, t, r, params, now)
		if err != nil {
			writeStatus(w, err.status, err.code, err.msg, err.details()...)
			return
		}
		writeJSON(w, status, body)
		return
	}
	if pathKnown {
		writeStatus(w, http.StatusMethodNotAllowed, codeUnimplemented, "Method Not Allowed")
		return
	}
	writeStatus(w, http.StatusNotFound, codeNotFound, "Not Found")
}

// --- configurators ---

func (t *tenant) configurator(id string) (*configurator, *apiErr) {
	for _, c := range t.configurators {
		if c.id == id {
			return c, nil
		}
	}
	return nil, notFound("configurator", id)
}

func (s *Server) createConfigurator(t *tenant, r *http.Request, p map[string]string, now time.Time) (int, any, *apiErr) {
	var req struct {
		Label string `json:"label"`
	}
	if err := decodeBody(r, &req); err != nil {
		return 0, nil, err
	}
	c := &configurator{stamps: stamps{now, now}, id: s.newID(), productID: p["productId"], label: req.Label, status: "DRAFT"}
	t.configurators = append(t.configurators, c)
	return http.StatusOK, t.configuratorJSON(c), nil
}

func (t *tenant) byStatus(productID, status string) *configurator {
	for _, c := range t.configurators {
		if c.productID == productID && c.status == status {
			return c
		}
	}
	return nil
}

func (s *Server) activeConfigurator(t *tenant, _ *http.Request, p map[string]string, _ time.Time) (int, any, *apiErr) {
	c := t.byStatus(p["productId"], "ACTIVE")
	if c == nil {
		return 0, nil, notFound("active configurator for product", p["productId"])
	}
	return http.StatusOK, t.configuratorJSON(c), nil
}

var statuses = []string{"DRAFT", "ACTIVE", "DISABLED"}

func (s *Server) configuratorByStatus(t *tenant, _ *http.Request, p map[string]string, _ time.Time) (int, any, *apiErr) {
	if !slices.Contains(statuses, p["status"]) {
		return 0, nil, fieldError("status", "status must be one of %s", strings.Join(statuses, ", "))
	}
	c := t.byStatus(p["productId"], p["status"])
	if c == nil {
		return 0, nil, notFound(strings.ToLower(p["status"])+" configurator for product", p["productId"])
	}
	return http.StatusOK, t.configuratorJSON(c), nil
}

func (s *Server) listConfigurators(t *tenant, r *http.Request, p map[string]string, _ time.Time) (int, any, *apiErr) {
	size, err := strconv.ParseUint(p["pageSize"], 10, 32)
	if err != nil {
		return 0, nil, fieldError("pageSize", "pageSize must be an unsigned integer")
	}
	var req struct {
		PageToken string `json:"pageToken"`
	}
	if err := decodeBody(r, &req); err != nil {
		return 0, nil, err
	}
	offset := 0
	if req.PageToken != "" {
		b, err := base64.RawURLEncoding.DecodeString(req.PageToken)
		v, ok := strings.CutPrefix(string(b), "offset:")
		n, err2 := strconv.Atoi(v)
		if err != nil || !ok || err2 != nil || n < 0 {
			return 0, nil, fieldError("pageToken", "invalid pageToken")
		}
		offset = n
	}
	var all []*configurator
	for _, c := range t.configurators {
		if c.productID == p["productId"] {
			all = append(all, c)
		}
	}
	lo := min(offset, len(all))
	hi := len(all)
	if size > 0 {
		hi = min(len(all), lo+int(size))
	}
	items := []any{}
	for _, c := range all[lo:hi] {
		items = append(items, t.configuratorJSON(c))
	}
	next := ""
	if hi < len(all) {
		next = base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(hi)))
	}
	return http.StatusOK, map[string]any{"configurators": items, "nextPageToken": next}, nil
}

func (s *Server) updateConfigurator(t *tenant, r *http.Request, p map[string]string, now time.Time) (int, any, *apiErr) {
	c, aerr := t.configurator(p["configuratorId"])
	if aerr != nil {
		return 0, nil, aerr
	}
	var req struct {
		Payload struct {
			Label  *string `json:"label"`
			Status *string `json:"status"`
		} `json:"payload"`
		PayloadMask string `json:"payloadMask"`
	}
	if err := decodeBody(r, &req); err != nil {
		return 0, nil, err
	}
	mask := map[string]bool{}
	for _, f := range strings.Split(req.PayloadMask, ",") {
		if f = strings.TrimSpace(f); f != "" {
			if f != "label" && f != "status" {
				return 0, nil, fieldError("payloadMask", "unknown field %q in payloadMask", f)
			}
			mask[f] = true
		}
	}
	use := func(field string, set bool) bool { return (len(mask) == 0 && set) || mask[field] }
	if use("status", req.Payload.Status != nil) {
		to := ""
		if req.Payload.Status != nil {
			to = *req.Payload.Status
		}
		if err := t.transition(c, to, now); err != nil {
			return 0, nil, err
		}
	}
	if use("label", req.Payload.Label != nil) {
		c.label = ""
		if req.Payload.Label != nil {
			c.label = *req.Payload.Label
		}
	}
	c.updated = now
	return http.StatusOK, t.configuratorJSON(c), nil
}

// transition applies the lifecycle rules of the package doc.
func (t *tenant) transition(c *configurator, to string, now time.Time) *apiErr {
	if !slices.Contains(statuses, to) {
		return fieldError("payload.status", "status must be one of %s", strings.Join(statuses, ", "))
	}
	if to == c.status {
		return nil
	}
	switch to {
	case "DRAFT":
		return precondition("a %s configurator cannot go back to DRAFT", c.status)
	case "ACTIVE":
		ready := slices.ContainsFunc(c.steps, func(id string) bool { return len(t.steps[id].options) > 0 })
		if !ready {
			return precondition("a configurator needs at least one step with an option to become ACTIVE")
		}
		if old := t.byStatus(c.productID, "ACTIVE"); old != nil {
			old.status, old.updated = "DISABLED", now
		}
	case "DISABLED":
		if c.status == "DRAFT" {
			return precondition("a DRAFT configurator cannot be DISABLED; activate it or delete it")
		}
	}
	c.status = to
	return nil
}

func (s *Server) deleteConfigurator(t *tenant, _ *http.Request, p map[string]string, _ time.Time) (int, any, *apiErr) {
	c, aerr := t.configurator(p["configuratorId"])
	if aerr != nil {
		return 0, nil, aerr
	}
	for _, id := range slices.Clone(c.steps) {
		t.removeStep(id)
	}
	for id, m := range t.matrices {
		if m.configuratorID == c.id {
			t.removeMatrix(id)
		}
	}
	t.configurators = slices.DeleteFunc(t.configurators, func(x *configurator) bool { return x == c })
	return http.StatusOK, map[string]any{}, nil
}

// --- steps and options ---

func (s *Server) createStep(t *tenant, r *http.Request, p map[string]string, now time.Time) (int, any, *apiErr) {
	c, aerr := t.configurator(p["configuratorId"])
	if aerr != nil {
		return 0, nil, aerr
	}
	var req struct {
		Label    json.RawMessage `json:"label"`
		Position string          `json:"position"`
	}
	if err := decodeBody(r, &req); err != nil {
		return 0, nil, err
	}
	st := &step{stamps: stamps{now, now}, id: s.newID(), configuratorID: c.id, label: req.Label, position: req.Position}
	t.steps[st.id] = st
	c.steps = append(c.steps, st.id)
	c.updated = now
	return http.StatusOK, t.stepJSON(st), nil
}

// bulkCreateSteps adds several steps at once: {"steps": [{label, position}]}.
func (s *Server) bulkCreateSteps(t *tenant, r *http.Request, p map[string]string, now time.Time) (int, any, *apiErr) {
	c, aerr := t.configurator(p["configuratorId"])
	if aerr != nil {
		return 0, nil, aerr
	}
	var req struct {
		Steps []struct {
			Label    json.RawMessage `json:"label"`
			Position string          `json:"position"`
		} `json:"steps"`
	}
	if err := decodeBody(r, &req); err != nil {
		return 0, nil, err
	}
	if len(req.Steps) == 0 {
		return 0, nil, fieldError("steps", "steps must not be empty")
	}
	out := []any{}
	for _, in := range req.Steps {
		st := &step{stamps: stamps{now, now}, id: s.newID(), configuratorID: c.id, label: in.Label, position: in.Position}
		t.steps[st.id] = st
		c.steps = append(c.steps, st.id)
		out = append(out, t.stepJSON(st))
	}
	c.updated = now
	return http.StatusOK, map[string]any{"steps": out}, nil
}

func (t *tenant) step(id string) (*step, *apiErr) {
	if st := t.steps[id]; st != nil {
		return st, nil
	}
	return nil, notFound("step", id)
}

func (s *Server) updateStep(t *tenant, r *http.Request, p map[string]string, now time.Time) (int, any, *apiErr) {
	st, aerr := t.step(p["stepId"])
	if aerr != nil {
		return 0, nil, aerr
	}
	var req struct {
		Payload struct {
			Label    json.RawMessage `json:"label"`
			Position *string         `json:"position"`
		} `json:"payload"`
	}
	if err := decodeBody(r, &req); err != nil {
		return 0, nil, err
	}
	if len(req.Payload.Label) > 0 {
		st.label = req.Payload.Label
	}
	if req.Payload.Position != nil {
		st.position = *req.Payload.Position
	}
	st.updated = now
	return http.StatusOK, t.stepJSON(st), nil
}

func (s *Server) deleteStep(t *tenant, _ *http.Request, p map[string]string, _ time.Time) (int, any, *apiErr) {
	if _, aerr := t.step(p["stepId"]); aerr != nil {
		return 0, nil, aerr
	}
	t.removeStep(p["stepId"])
	return http.StatusOK, map[string]any{}, nil
}

func (t *tenant) removeStep(id string) {
	st := t.steps[id]
	for _, o := range slices.Clone(st.options) {
		t.removeOption(o)
	}
	for did, d := range t.deps {
		if d.stepID == id {
			delete(t.deps, did)
		}
	}
	if c, err := t.configurator(st.configuratorID); err == nil {
		c.steps = slices.DeleteFunc(c.steps, func(x string) bool { return x == id })
	}
	delete(t.steps, id)
}

func (s *Server) createOption(t *tenant, r *http.Request, p map[string]string, now time.Time) (int, any, *apiErr) {
	st, aerr := t.step(p["stepId"])
	if aerr != nil {
		return 0, nil, aerr
	}
	var req struct {
		Label               json.RawMessage `json:"label"`
		Position            string          `json:"position"`
		ExternalReferenceID string          `json:"externalReferenceId"`
	}
	if err := decodeBody(r, &req); err != nil {
		return 0, nil, err
	}
	o := &option{stamps: stamps{now, now}, id: s.newID(), stepID: st.id, label: req.Label, position: req.Position, externalRef: req.ExternalReferenceID}
	t.options[o.id] = o
	st.options = append(st.options, o.id)
	st.updated = now
	return http.StatusOK, t.optionJSON(o), nil
}

// bulkCreateOptions adds several options to a step at once:
// {"options": [{label, position, externalReferenceId}]}.
func (s *Server) bulkCreateOptions(t *tenant, r *http.Request, p map[string]string, now time.Time) (int, any, *apiErr) {
	st, aerr := t.step(p["stepId"])
	if aerr != nil {
		return 0, nil, aerr
	}
	var req struct {
		Options []struct {
			Label               json.RawMessage `json:"label"`
			Position            string          `json:"position"`
			ExternalReferenceID string          `json:"externalReferenceId"`
		} `json:"options"`
	}
	if err := decodeBody(r, &req); err != nil {
		return 0, nil, err
	}
	if len(req.Options) == 0 {
		return 0, nil, fieldError("options", "options must not be empty")
	}
	out := []any{}
	for _, in := range req.Options {
		o := &option{stamps: stamps{now, now}, id: s.newID(), stepID: st.id, label: in.Label, position: in.Position, externalRef: in.ExternalReferenceID}
		t.options[o.id] = o
		st.options = append(st.options, o.id)
		out = append(out, t.optionJSON(o))
	}
	st.updated = now
	return http.StatusOK, map[string]any{"options": out}, nil
}

func (s *Server) updateOption(t *tenant, r *http.Request, p map[string]string, now time.Time) (int, any, *apiErr) {
	o := t.options[p["optionId"]]
	if o == nil {
		return 0, nil, notFound("option", p["optionId"])
	}
	var req struct {
		Payload struct {
			Label               json.RawMessage `json:"label"`
			Position            *string         `json:"position"`
			ExternalReferenceID *string         `json:"externalReferenceId"`
		} `json:"payload"`
	}
	if err := decodeBody(r, &req); err != nil {
		return 0, nil, err
	}
	if len(req.Payload.Label) > 0 {
		o.label = req.Payload.Label
	}
	if req.Payload.Position != nil {
		o.position = *req.Payload.Position
	}
	if req.Payload.ExternalReferenceID != nil {
		o.externalRef = *req.Payload.ExternalReferenceID
	}
	o.updated = now
	return http.StatusOK, t.optionJSON(o), nil
}

func (s *Server) deleteOption(t *tenant, _ *http.Request, p map[string]string, _ time.Time) (int, any, *apiErr) {
	if t.options[p["optionId"]] == nil {
		return 0, nil, notFound("option", p["optionId"])
	}
	t.removeOption(p["optionId"])
	return http.StatusOK, map[string]any{}, nil
}

// removeOption deletes an option, the matrix cells that use it, and its
// id from dependencies.
func (t *tenant) removeOption(id string) {
	o := t.options[id]
	if st := t.steps[o.stepID]; st != nil {
		st.options = slices.DeleteFunc(st.options, func(x string) bool { return x == id })
	}
	for pid, p := range t.props {
		if slices.Contains(p.optionIDs, id) {
			delete(t.props, pid)
		}
	}
	for _, d := range t.deps {
		d.optionIDs = slices.DeleteFunc(d.optionIDs, func(x string) bool { return x == id })
	}
	delete(t.options, id)
}

// --- dependencies ---

func (s *Server) createDependency(t *tenant, r *http.Request, p map[string]string, now time.Time) (int, any, *apiErr) {
	st, aerr := t.step(p["stepId"])
	if aerr != nil {
		return 0, nil, aerr
	}
	var req struct {
		OptionIDs []string   `json:"optionIds"`
		Condition *condition `json:"condition"`
	}
	if err := decodeBody(r, &req); err != nil {
		return 0, nil, err
	}
	if len(req.OptionIDs) == 0 {
		return 0, nil, fieldError("optionIds", "optionIds must name options of step %s", st.id)
	}
	for _, id := range req.OptionIDs {
		if !slices.Contains(st.options, id) {
			return 0, nil, fieldError("optionIds", "option %s is not an option of step %s", id, st.id)
		}
	}
	if req.Condition == nil || !req.Condition.valid() {
		return 0, nil, fieldError("condition", "condition needs type AND or OR and at least one option or condition")
	}
	var check func(c condition) *apiErr
	check = func(c condition) *apiErr {
		for _, id := range c.OptionIDs {
			if t.options[id] == nil {
				return fieldError("condition.optionIds", "condition names unknown option %s", id)
			}
		}
		for _, n := range c.Conditions {
			if err := check(n); err != nil {
				return err
			}
		}
		return nil
	}
	if err := check(*req.Condition); err != nil {
		return 0, nil, err
	}
	d := &dependency{stamps: stamps{now, now}, id: s.newID(), stepID: st.id, optionIDs: req.OptionIDs, cond: *req.Condition}
	t.deps[d.id] = d
	return http.StatusOK, t.dependencyJSON(d), nil
}

func (s *Server) deleteDependency(t *tenant, _ *http.Request, p map[string]string, _ time.Time) (int, any, *apiErr) {
	if t.deps[p["dependencyId"]] == nil {
		return 0, nil, notFound("dependency", p["dependencyId"])
	}
	delete(t.deps, p["dependencyId"])
	return http.StatusOK, map[string]any{}, nil
}

// --- matrices and properties ---

func (s *Server) createMatrix(t *tenant, r *http.Request, _ map[string]string, now time.Time) (int, any, *apiErr) {
	var req struct {
		ConfiguratorID string          `json:"configuratorId"`
		Label          string          `json:"label"`
		PriceType      json.RawMessage `json:"priceType"`
		WeightType     json.RawMessage `json:"weightType"`
	}
	if err := decodeBody(r, &req); err != nil {
		return 0, nil, err
	}
	if _, aerr := t.configurator(req.ConfiguratorID); aerr != nil {
		return 0, nil, aerr
	}
	m := &matrix{stamps: stamps{now, now}, id: s.newID(), configuratorID: req.ConfiguratorID, label: req.Label}
	switch {
	case len(req.PriceType) > 0 && len(req.WeightType) == 0:
		m.kind, m.typeInfo = "PRICE", req.PriceType
	case len(req.WeightType) > 0 && len(req.PriceType) == 0:
		m.kind, m.typeInfo = "WEIGHT", req.WeightType
	default:
		return 0, nil, fieldError("priceType", "a matrix has exactly one of priceType or weightType")
	}
	t.matrices[m.id] = m
	return http.StatusOK, t.matrixJSON(m), nil
}

func (s *Server) getMatrix(t *tenant, _ *http.Request, p map[string]string, _ time.Time) (int, any, *apiErr) {
	m := t.matrices[p["matrixId"]]
	if m == nil {
		return 0, nil, notFound("matrix", p["matrixId"])
	}
	return http.StatusOK, t.matrixJSON(m), nil
}

func (s *Server) deleteMatrix(t *tenant, _ *http.Request, p map[string]string, _ time.Time) (int, any, *apiErr) {
	if t.matrices[p["matrixId"]] == nil {
		return 0, nil, notFound("matrix", p["matrixId"])
	}
	t.removeMatrix(p["matrixId"])
	return http.StatusOK, map[string]any{}, nil
}

func (t *tenant) removeMatrix(id string) {
	for pid, p := range t.props {
		if p.matrixID == id {
			delete(t.props, pid)
		}
	}
	delete(t.matrices, id)
}

func (s *Server) createProperty(t *tenant, r *http.Request, _ map[string]string, now time.Time) (int, any, *apiErr) {
	var req struct {
		MatrixID      string   `json:"matrixId"`
		OptionIDs     []string `json:"optionIds"`
		PropertyKey   string   `json:"propertyKey"`
		PropertyValue string   `json:"propertyValue"`
		PropertyMode  string   `json:"propertyMode"`
	}
	if err := decodeBody(r, &req); err != nil {
		return 0, nil, err
	}
	m := t.matrices[req.MatrixID]
	if m == nil {
		return 0, nil, notFound("matrix", req.MatrixID)
	}
	c, _ := t.configurator(m.configuratorID)
	for _, id := range req.OptionIDs {
		o := t.options[id]
		if o == nil || t.steps[o.stepID].configuratorID != c.id {
			return 0, nil, fieldError("optionIds", "option %s is not an option of configurator %s", id, c.id)
		}
	}
	micros, err := parseMicros(req.PropertyValue)
	if err != nil {
		return 0, nil, fieldError("propertyValue", "propertyValue must be a decimal number: %v", err)
	}
	mode := req.PropertyMode
	if mode == "" {
		mode = "FIXED"
	}
	if mode != "FIXED" && mode != "INCREMENTAL" {
		return 0, nil, fieldError("propertyMode", "propertyMode must be FIXED or INCREMENTAL")
	}
	key := req.PropertyKey
	if key == "" {
		key = strings.ToLower(m.kind)
	}
	p := &property{stamps: stamps{now, now}, id: s.newID(), matrixID: m.id, key: key, value: req.PropertyValue,
		mode: mode, optionIDs: req.OptionIDs, micros: micros}
	t.props[p.id] = p
	return http.StatusOK, t.propertyJSON(p), nil
}

// parseMicros parses a decimal string with at most six decimals into
// millionths, without floating point.
func parseMicros(v string) (int64, error) {
	neg := strings.HasPrefix(v, "-")
	v = strings.TrimPrefix(v, "-")
	whole, frac, _ := strings.Cut(v, ".")
	if whole == "" || len(frac) > 6 {
		return 0, fmt.Errorf("%q", v)
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q", v)
	}
	var f int64
	if frac != "" {
		if f, err = strconv.ParseInt((frac + "000000")[:6], 10, 64); err != nil {
			return 0, fmt.Errorf("%q", v)
		}
	}
	n := w*1e6 + f
	if neg {
		n = -n
	}
	return n, nil
}

func formatMicros(n int64) string {
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	s := fmt.Sprintf("%s%d.%06d", sign, n/1e6, n%1e6)
	s = strings.TrimRight(s, "0")
	if strings.HasSuffix(s, ".") {
		s += "00"
	} else if i := strings.IndexByte(s, '.'); len(s)-i-1 == 1 {
		s += "0"
	}
	return s
}

// --- configurations ---

type selection struct {
	StepID    string   `json:"stepId"`
	OptionIDs []string `json:"optionIds"`
}

func (s *Server) availableConfiguration(t *tenant, _ *http.Request, p map[string]string, _ time.Time) (int, any, *apiErr) {
	return t.configuration(p["productId"], nil)
}

func (s *Server) configurationFromSelections(t *tenant, r *http.Request, p map[string]string, _ time.Time) (int, any, *apiErr) {
	var req struct {
		Selections []selection `json:"selections"`
	}
	if err := decodeBody(r, &req); err != nil {
		return 0, nil, err
	}
	return t.configuration(p["productId"], req.Selections)
}

// configuration evaluates sels against the product's active configurator:
// availability from dependencies, matched matrix cells, price and weight.
func (t *tenant) configuration(productID string, sels []selection) (int, any, *apiErr) {
	c := t.byStatus(productID, "ACTIVE")
	if c == nil {
		return 0, nil, notFound("active configurator for product", productID)
	}
	selected := map[string]bool{}
	for _, sel := range sels {
		st := t.steps[sel.StepID]
		if st == nil || st.configuratorID != c.id {
			return 0, nil, fieldError("selections.stepId", "step %s is not a step of configurator %s", sel.StepID, c.id)
		}
		for _, id := range sel.OptionIDs {
			if !slices.Contains(st.options, id) {
				return 0, nil, fieldError("selections.optionIds", "option %s is not an option of step %s", id, st.id)
			}
			selected[id] = true
		}
	}
	available := func(optID string) bool {
		for _, d := range t.deps {
			if slices.Contains(d.optionIDs, optID) && !d.cond.holds(selected) {
				return false
			}
		}
		return true
	}
	for id := range selected {
		if !available(id) {
			return 0, nil, fieldError("selections.optionIds", "option %s is not available with the current selections", id)
		}
	}
	steps := []any{}
	for _, sid := range c.steps {
		st := t.steps[sid]
		opts := []any{}
		for _, oid := range st.options {
			o := t.optionJSON(t.options[oid])
			o["available"] = available(oid)
			o["selected"] = selected[oid]
			opts = append(opts, o)
		}
		steps = append(steps, map[string]any{"id": st.id, "label": rawOr(st.label), "position": st.position, "options": opts})
	}
	matched := []any{}
	totals := map[string]int64{}
	for _, kind := range []string{"PRICE", "WEIGHT"} {
		var base *property
		var extra int64
		for _, p := range t.sortedProps() {
			m := t.matrices[p.matrixID]
			if m.configuratorID != c.id || m.kind != kind {
				continue
			}
			if !allSelected(p.optionIDs, selected) {
				continue
			}
			matched = append(matched, t.propertyJSON(p))
			if p.mode == "INCREMENTAL" {
				extra += p.micros
			} else if base == nil || len(p.optionIDs) > len(base.optionIDs) {
				base = p
			}
		}
		if base != nil {
			extra += base.micros
		}
		totals[kind] = extra
	}
	price := totals["PRICE"]
	return http.StatusOK, map[string]any{
		"configurator":      map[string]any{"id": c.id, "productId": c.productID, "label": c.label, "status": c.status},
		"steps":             steps,
		"matchedProperties": matched,
		"price":             map[string]any{"units": strconv.FormatInt(price/1e6, 10), "micros": price % 1e6},
		"weight":            formatMicros(totals["WEIGHT"]),
	}, nil
}

func allSelected(ids []string, selected map[string]bool) bool {
	for _, id := range ids {
		if !selected[id] {
			return false
		}
	}
	return true
}

package raynet

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Company is a client record ("klient") of the company API (§1.8). Only the
// attributes the fake filters, sorts or validates on are modelled; the
// provider has many more.
type Company struct {
	ID        int64
	Name      string
	Person    bool
	FirstName string
	LastName  string
	RegNumber string // IČ
	TaxNumber string // DIČ
	Rating    string // A, B, C
	State     string // A_POTENTIAL, B_ACTUAL, C_DEFERRED, D_UNATTRACTIVE
	Role      string // A_SUBSCRIBER, B_PARTNER, C_SUPPLIER, D_RIVAL
	OwnerID   int64  // reference to a person; 0 = none
	Category  int64  // reference to CompanyCategory; 0 = none
	Notice    string
	Birthday  string // date, yyyy-MM-dd; "" = none
	Tags      []string
	CreatedAt time.Time
	CreatedBy string // login of the creating user; "" = none
	UpdatedAt time.Time
	UpdatedBy string // login of the last updating user; "" = none
	Invalid   bool   // rowInfo.rowAccess = "INVALID"
	Version   int
}

// DefaultCompanies is a small deterministic data set with values chosen to
// exercise every filter operator.
func DefaultCompanies() []Company {
	at := func(s string) time.Time {
		t, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			panic(err)
		}
		return t
	}
	return []Company{
		{ID: 1, Name: "RAYNET s.r.o.", RegNumber: "26843820", TaxNumber: "CZ26843820", Rating: "A", State: "B_ACTUAL", Role: "B_PARTNER", OwnerID: 1, Category: 15, Tags: []string{"crm", "partner"}, Notice: "software vendor", CreatedAt: at("2014-05-20 09:00"), UpdatedAt: at("2022-09-22 14:17")},
		{ID: 2, Name: "Test s.r.o.", RegNumber: "123456789", TaxNumber: "CZ123456789", Rating: "B", State: "A_POTENTIAL", Role: "A_SUBSCRIBER", OwnerID: 2, Category: 15, Tags: []string{"stitek1"}, CreatedAt: at("2014-06-05 10:30"), UpdatedAt: at("2014-06-05 10:30")},
		{ID: 3, Name: "Rayban Optics a.s.", RegNumber: "", Rating: "C", State: "C_DEFERRED", Role: "C_SUPPLIER", OwnerID: 1, Category: 16, Notice: "glasses", CreatedAt: at("2014-06-09 08:00"), UpdatedAt: at("2020-01-01 00:00")},
		{ID: 4, Name: "Jan Novák", Person: true, FirstName: "Jan", LastName: "Novák", Rating: "A", State: "B_ACTUAL", Role: "A_SUBSCRIBER", Birthday: "1980-02-29", CreatedAt: at("2018-03-01 12:00"), UpdatedAt: at("2018-03-01 12:00")},
		{ID: 5, Name: "Konkurence a.s.", RegNumber: "99999999", Rating: "C", State: "D_UNATTRACTIVE", Role: "D_RIVAL", OwnerID: 2, Category: 17, Tags: []string{"rival"}, CreatedAt: at("2021-11-11 11:11"), UpdatedAt: at("2023-01-15 16:45")},
	}
}

var (
	ratings = []string{"A", "B", "C"}
	states  = []string{"A_POTENTIAL", "B_ACTUAL", "C_DEFERRED", "D_UNATTRACTIVE"}
	roles   = []string{"A_SUBSCRIBER", "B_PARTNER", "C_SUPPLIER", "D_RIVAL"}
	owners  = map[int64]string{1: "RAYNET CRM", 2: "Jana Dvořáková"}
	cats    = map[int64]string{15: "Zákazník", 16: "Dodavatel", 17: "Konkurent"}
)

const (
	dateLayout     = "2006-01-02"
	dateTimeLayout = "2006-01-02 15:04"
	isoLayout      = "2006-01-02T15:04:05.000-07:00"
)

// route dispatches /api/v2/… requests (§1.8).
func (s *Server) route(w http.ResponseWriter, r *http.Request, inst *instance, user string, now time.Time) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/api/v2/")
	if !ok {
		writeError(w, http.StatusNotFound, "NotFound", "Resource not found.")
		return
	}
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	if len(parts) == 0 || parts[0] != "company" || len(parts) > 2 {
		writeError(w, http.StatusNotFound, "NotFound", "Resource not found.")
		return
	}
	if len(parts) == 1 {
		switch r.Method {
		case http.MethodGet:
			s.listCompanies(w, r, inst)
		case http.MethodPut: // PUT creates ([EXT] §1.8)
			s.createCompany(w, r, inst, user, now)
		default:
			w.Header().Set("Allow", "GET, PUT")
			writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "Method "+r.Method+" is not allowed here; records are created with PUT.")
		}
		return
	}
	id, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		writeError(w, http.StatusNotFound, "NotFound", "Resource not found.")
		return
	}
	idx := slices.IndexFunc(inst.companies, func(c *Company) bool { return c.ID == id })
	if idx < 0 {
		writeError(w, http.StatusNotFound, "EntityNotFound", fmt.Sprintf("Company #%d not found.", id))
		return
	}
	c := inst.companies[idx]
	switch r.Method {
	case http.MethodGet:
		if r.URL.Query().Get("view") != "" {
			badRequest(w, "Unsupported parameter view on a single record")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"success": true, "data": s.companyJSON(c, isISO(r), false)})
	case http.MethodPost: // POST updates ([EXT] §1.8)
		s.updateCompany(w, r, c, user, now)
	case http.MethodDelete:
		inst.companies = slices.Delete(inst.companies, idx, idx+1)
		w.WriteHeader(http.StatusOK) // the published spec documents no body
	default:
		w.Header().Set("Allow", "GET, POST, DELETE")
		writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "Method "+r.Method+" is not allowed here; records are updated with POST.")
	}
}

func isISO(r *http.Request) bool { return r.URL.Query().Get("dateFormat") == "ISO8601" }

// companyJSON renders c the way the provider's published examples do,
// formatting date-times as "yyyy-MM-dd HH:mm" in the user's zone or, with
// dateFormat=ISO8601, as "2022-01-01T12:00:00.000+01:00" (§1.5). The status
// information is a set of flat keys named "rowInfo.…", not a nested object;
// rowOnly (view=rowInfo) sends only id, those keys and _version.
func (s *Server) companyJSON(c *Company, iso, rowOnly bool) map[string]any {
	dt := func(t time.Time) string {
		t = t.In(s.cfg.Location)
		if iso {
			return t.Format(isoLayout)
		}
		return t.Format(dateTimeLayout)
	}
	ref := func(id int64, names map[int64]string, key string) any {
		if id == 0 {
			return nil
		}
		return map[string]any{"id": id, key: names[id]}
	}
	str := func(v string) any {
		if v == "" {
			return nil
		}
		return v
	}
	access := ""
	if c.Invalid {
		access = "INVALID"
	}
	row := map[string]any{
		"id":                c.ID,
		"rowInfo.createdAt": dt(c.CreatedAt),
		"rowInfo.createdBy": str(c.CreatedBy),
		"rowInfo.updatedAt": dt(c.UpdatedAt),
		"rowInfo.updatedBy": str(c.UpdatedBy),
		"rowInfo.rowAccess": str(access),
		"rowInfo.rowState":  nil,
		"_version":          c.Version,
	}
	if rowOnly {
		return row
	}
	tags := c.Tags
	if tags == nil {
		tags = []string{}
	}
	full := map[string]any{
		"id":        c.ID,
		"name":      c.Name,
		"person":    c.Person,
		"firstName": str(c.FirstName),
		"lastName":  str(c.LastName),
		"regNumber": str(c.RegNumber),
		"taxNumber": str(c.TaxNumber),
		"rating":    c.Rating,
		"state":     c.State,
		"role":      c.Role,
		"owner":     ref(c.OwnerID, owners, "fullName"),
		"category":  ref(c.Category, cats, "value"),
		"notice":    str(c.Notice),
		"birthday":  str(c.Birthday),
		"tags":      tags,
	}
	maps.Copy(full, row)
	return full
}

// attrKind is the data type of a filterable attribute (§1.5).
type attrKind int

const (
	kString attrKind = iota
	kNumber
	kBool
	kDate
	kDateTime
	kList
)

// attr reads one filterable attribute; ok=false means empty (null).
type attr struct {
	kind attrKind
	get  func(*Company) (v any, ok bool)
}

func strAttr(f func(*Company) string) attr {
	return attr{kString, func(c *Company) (any, bool) { v := f(c); return v, v != "" }}
}

func numAttr(f func(*Company) int64) attr {
	return attr{kNumber, func(c *Company) (any, bool) { v := f(c); return float64(v), v != 0 }}
}

func timeAttr(f func(*Company) time.Time) attr {
	return attr{kDateTime, func(c *Company) (any, bool) { v := f(c); return v, !v.IsZero() }}
}

var companyAttrs = map[string]attr{
	"id":                     numAttr(func(c *Company) int64 { return c.ID }),
	"name":                   strAttr(func(c *Company) string { return c.Name }),
	"firstName":              strAttr(func(c *Company) string { return c.FirstName }),
	"lastName":               strAttr(func(c *Company) string { return c.LastName }),
	"regNumber":              strAttr(func(c *Company) string { return c.RegNumber }),
	"taxNumber":              strAttr(func(c *Company) string { return c.TaxNumber }),
	"rating":                 strAttr(func(c *Company) string { return c.Rating }),
	"state":                  strAttr(func(c *Company) string { return c.State }),
	"role":                   strAttr(func(c *Company) string { return c.Role }),
	"notice":                 strAttr(func(c *Company) string { return c.Notice }),
	"owner":                  numAttr(func(c *Company) int64 { return c.OwnerID }),
	"category":               numAttr(func(c *Company) int64 { return c.Category }),
	"person":                 {kBool, func(c *Company) (any, bool) { return c.Person, true }},
	"birthday":               {kDate, func(c *Company) (any, bool) { return c.Birthday, c.Birthday != "" }},
	"tags":                   {kList, func(c *Company) (any, bool) { return c.Tags, len(c.Tags) > 0 }},
	"rowInfo.createdAt":      timeAttr(func(c *Company) time.Time { return c.CreatedAt }),
	"rowInfo.updatedAt":      timeAttr(func(c *Company) time.Time { return c.UpdatedAt }),
	"rowInfo.lastModifiedAt": timeAttr(func(c *Company) time.Time { return c.UpdatedAt }),
	"rowInfo.rowAccess": strAttr(func(c *Company) string {
		if c.Invalid {
			return "INVALID"
		}
		return ""
	}),
}

// filterOps lists the filter columns the published spec documents for the
// company list, each with the operators it names ("Lze využít operátoru
// …"); nil means it names none, so any operator of §1.6 is taken. Other
// columns are "Unsupported filter column …" (the documented 400) and other
// operators are refused. gdprTemplate and withoutGdpr take only CUSTOM,
// whose behaviour is not documented, so they are refused too.
var filterOps = map[string][]string{
	"name":                   {"EQ", "NE", "LIKE", "LIKE_NOCASE"},
	"lastName":               {"EQ", "NE", "LIKE", "LIKE_NOCASE"},
	"person":                 nil,
	"regNumber":              {"EQ", "NE"},
	"owner":                  nil,
	"rating":                 nil,
	"role":                   nil,
	"state":                  nil,
	"category":               {"EQ", "NE", "IN"},
	"rowInfo.createdAt":      {"GT", "GE", "LT", "LE"},
	"rowInfo.updatedAt":      {"GT", "GE", "LT", "LE"},
	"rowInfo.lastModifiedAt": {"GT", "GE", "LT", "LE"},
	"rowInfo.rowAccess":      {"EQ", "NE", "EQ_OR_NULL", "NE_OR_NULL"},
	"tags":                   nil,
}

// sortable lists the sortColumn values the provider's company list accepts.
var sortable = []string{"id", "rowInfo.createdAt", "rowInfo.updatedAt", "rowInfo.lastModifiedAt", "name", "regNumber"}

// controlParams are query parameters that are not filters (§1.5, §1.7).
var controlParams = map[string]bool{
	"offset": true, "limit": true, "sortColumn": true, "sortDirection": true,
	"fulltext": true, "dateFormat": true, "view": true,
}

type criterion struct {
	attr  string
	a     attr
	op    string
	value string
}

var filterKey = regexp.MustCompile(`^([A-Za-z0-9_.\-]+)(?:\[([A-Z_]*)\])?$`)

var operators = map[string]bool{
	"EQ": true, "EQ_OR_NULL": true, "NE": true, "NE_OR_NULL": true,
	"LT": true, "LE": true, "GT": true, "GE": true,
	"LIKE": true, "LIKE_NOCASE": true, "IN": true, "NOT_IN": true,
}

// parseCriteria turns attr[OP]=value parameters into criteria (§1.6).
// url.ParseQuery already decodes %5B/%5D, so both spellings arrive here as
// brackets.
func parseCriteria(q url.Values) ([]criterion, error) {
	var out []criterion
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if controlParams[k] {
			continue
		}
		m := filterKey.FindStringSubmatch(k)
		if m == nil {
			return nil, apiErrorf("Unsupported filter column %s", k)
		}
		ops, documented := filterOps[m[1]]
		a, ok := companyAttrs[m[1]]
		if !ok || !documented {
			return nil, apiErrorf("Unsupported filter column %s", m[1])
		}
		op := m[2]
		if op == "" {
			op = "EQ"
		}
		if op == "CUSTOM" {
			return nil, apiErrorf("Unsupported filter operator CUSTOM for column %s", m[1])
		}
		if !operators[op] {
			return nil, apiErrorf("Unknown filter operator %s", op)
		}
		if ops != nil && !slices.Contains(ops, op) {
			return nil, apiErrorf("Unsupported filter operator %s for column %s", op, m[1])
		}
		for _, v := range q[k] {
			c := criterion{attr: m[1], a: a, op: op, value: unquote(v)}
			if err := c.validate(); err != nil {
				return nil, err
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// apiError is an error whose text is sent to the client as is.
type apiError string

func (e apiError) Error() string { return string(e) }

func apiErrorf(format string, args ...any) error { return apiError(fmt.Sprintf(format, args...)) }

// unquote strips one pair of surrounding double quotes (§1.6 [AMBIGUOUS]).
func unquote(v string) string {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		return v[1 : len(v)-1]
	}
	return v
}

func (c criterion) values() []string {
	if c.op == "IN" || c.op == "NOT_IN" {
		vs := strings.Split(c.value, ",")
		for i := range vs {
			vs[i] = unquote(strings.TrimSpace(vs[i]))
		}
		return vs
	}
	return []string{c.value}
}

// validate checks that every value parses as the attribute's type.
func (c criterion) validate() error {
	for _, v := range c.values() {
		if v == "" || v == "null" {
			continue
		}
		if c.op == "LIKE" || c.op == "LIKE_NOCASE" {
			continue
		}
		if _, err := parseValue(c.a.kind, v, time.UTC); err != nil {
			return apiErrorf("Invalid value %q for filter column %s: %v", v, c.attr, err)
		}
	}
	return nil
}

// parseValue parses a filter value as kind. Date-times accept
// "yyyy-MM-dd HH:mm" in loc and ISO 8601 (§1.5).
func parseValue(kind attrKind, v string, loc *time.Location) (any, error) {
	switch kind {
	case kNumber:
		return strconv.ParseFloat(v, 64)
	case kBool:
		return parseBool(v)
	case kDate:
		if _, err := time.Parse(dateLayout, v); err != nil {
			return nil, apiErrorf("expected yyyy-MM-dd")
		}
		return v, nil
	case kDateTime:
		return parseDateTime(v, loc)
	default:
		return v, nil
	}
}

// parseBool accepts the documented spellings (§1.5).
func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true", "on", "yes", "1":
		return true, nil
	case "false", "off", "no", "0":
		return false, nil
	}
	return false, apiErrorf("expected true/on/yes/1 or false/off/no/0")
}

func parseDateTime(v string, loc *time.Location) (time.Time, error) {
	if t, err := time.ParseInLocation(dateTimeLayout, v, loc); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse(isoLayout, v); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation(dateLayout, v, loc); err == nil {
		return t, nil
	}
	return time.Time{}, apiErrorf("expected yyyy-MM-dd HH:mm or ISO 8601")
}

// match reports whether company c satisfies the criterion (§1.6).
func (s *Server) match(c *Company, cr criterion) bool {
	v, present := cr.a.get(c)
	if cr.a.kind == kList {
		return matchList(v.([]string), cr)
	}
	if (cr.value == "" || cr.value == "null") && (cr.op == "EQ" || cr.op == "NE") {
		// §1.6: the empty string with EQ / NE tests for empty / non-empty;
		// the published spec spells it null ("regNumber[NE]=null").
		return present == (cr.op == "NE")
	}
	switch cr.op {
	case "EQ":
		return present && s.cmp(cr.a.kind, v, cr.value) == 0
	case "EQ_OR_NULL":
		return !present || s.cmp(cr.a.kind, v, cr.value) == 0
	case "NE":
		return present && s.cmp(cr.a.kind, v, cr.value) != 0
	case "NE_OR_NULL":
		return !present || s.cmp(cr.a.kind, v, cr.value) != 0
	case "LT", "LE", "GT", "GE":
		if !present || cr.a.kind == kBool {
			return false // booleans have no order
		}
		c := s.cmp(cr.a.kind, v, cr.value)
		switch cr.op {
		case "LT":
			return c < 0
		case "LE":
			return c <= 0
		case "GT":
			return c > 0
		}
		return c >= 0
	case "LIKE", "LIKE_NOCASE":
		return present && like(fmt.Sprint(display(v)), cr.value, cr.op == "LIKE_NOCASE")
	case "IN":
		if !present {
			return false
		}
		for _, x := range cr.values() {
			if s.cmp(cr.a.kind, v, x) == 0 {
				return true
			}
		}
		return false
	case "NOT_IN":
		if !present {
			return true
		}
		for _, x := range cr.values() {
			if s.cmp(cr.a.kind, v, x) == 0 {
				return false
			}
		}
		return true
	}
	return false
}

func display(v any) any {
	if f, ok := v.(float64); ok {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return v
}

// cmp compares the stored value v with the filter text x, which validate
// has already checked parses as kind. Booleans compare as 0 (equal) or 1.
func (s *Server) cmp(kind attrKind, v any, x string) int {
	pv, err := parseValue(kind, x, s.cfg.Location)
	if err != nil {
		return 1
	}
	switch kind {
	case kNumber:
		a, b := v.(float64), pv.(float64)
		return cmp.Compare(a, b)
	case kBool:
		if v.(bool) == pv.(bool) {
			return 0
		}
		return 1
	case kDateTime:
		return v.(time.Time).Compare(pv.(time.Time))
	default: // strings and dates (yyyy-MM-dd sorts lexically)
		return strings.Compare(v.(string), pv.(string))
	}
}

// matchList applies an operator to a list attribute (tags): EQ means
// "contains", IN "contains any", NOT_IN "contains none".
func matchList(tags []string, cr criterion) bool {
	has := func(x string) bool { return slices.Contains(tags, x) }
	switch cr.op {
	case "EQ": // "tag1,tag2": the record carries at least one of them
		if cr.value == "" || cr.value == "null" {
			return len(tags) == 0
		}
		return slices.ContainsFunc(strings.Split(cr.value, ","), func(x string) bool { return has(strings.TrimSpace(x)) })
	case "NE":
		if cr.value == "" {
			return len(tags) > 0
		}
		return !has(cr.value)
	case "EQ_OR_NULL":
		return len(tags) == 0 || has(cr.value)
	case "NE_OR_NULL":
		return len(tags) == 0 || !has(cr.value)
	case "IN":
		return slices.ContainsFunc(cr.values(), has)
	case "NOT_IN":
		return !slices.ContainsFunc(cr.values(), has)
	case "LIKE", "LIKE_NOCASE":
		return slices.ContainsFunc(tags, func(t string) bool { return like(t, cr.value, cr.op == "LIKE_NOCASE") })
	}
	return false
}

// like implements SQL LIKE: % matches any run, _ one character.
func like(s, pattern string, nocase bool) bool {
	var b strings.Builder
	b.WriteString("^")
	if nocase {
		b.WriteString("(?i)")
	}
	for _, r := range pattern {
		switch r {
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	return err == nil && re.MatchString(s)
}

// listCompanies serves GET /api/v2/company/ (§1.6, §1.7).
func (s *Server) listCompanies(w http.ResponseWriter, r *http.Request, inst *instance) {
	q := r.URL.Query()
	offset, limit := 0, s.cfg.MaxPageSize
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			badRequest(w, "Invalid offset "+strconv.Quote(v)+".")
			return
		}
		offset = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			badRequest(w, "Invalid limit "+strconv.Quote(v)+".")
			return
		}
		if n > s.cfg.MaxPageSize {
			badRequest(w, fmt.Sprintf("Limit %d exceeds the maximum page size of %d records.", n, s.cfg.MaxPageSize))
			return
		}
		limit = n
	}
	col := q.Get("sortColumn")
	if col != "" && !slices.Contains(sortable, col) {
		badRequest(w, "Unsupported sort column "+col)
		return
	}
	dir := q.Get("sortDirection")
	if dir != "" && dir != "ASC" && dir != "DESC" {
		badRequest(w, "sortDirection must be ASC or DESC")
		return
	}
	criteria, err := parseCriteria(q)
	if err != nil {
		badRequest(w, err.Error())
		return
	}
	view := q.Get("view")
	if view != "" && view != "rowInfo" {
		badRequest(w, "Unsupported view "+strconv.Quote(view))
		return
	}
	fulltext := strings.ToLower(q.Get("fulltext"))

	var hits []*Company
	for _, c := range inst.companies {
		ok := true
		for _, cr := range criteria {
			if !s.match(c, cr) {
				ok = false
				break
			}
		}
		if ok && fulltext != "" {
			text := strings.ToLower(strings.Join(append([]string{c.Name, c.FirstName, c.LastName, c.RegNumber, c.TaxNumber, c.Notice}, c.Tags...), "\x00"))
			ok = strings.Contains(text, fulltext)
		}
		if ok {
			hits = append(hits, c)
		}
	}
	if col == "" {
		col = "id"
	}
	a := companyAttrs[col]
	slices.SortStableFunc(hits, func(x, y *Company) int {
		vx, _ := a.get(x)
		vy, _ := a.get(y)
		var c int
		switch vx := vx.(type) {
		case float64:
			c = cmp.Compare(vx, vy.(float64))
		case string:
			c = strings.Compare(vx, vy.(string))
		case time.Time:
			c = vx.Compare(vy.(time.Time))
		}
		if c == 0 {
			c = cmp.Compare(x.ID, y.ID)
		}
		if dir == "DESC" {
			c = -c
		}
		return c
	})
	total := len(hits)
	page := hits[min(offset, total):min(offset+limit, total)]
	data := make([]map[string]any, 0, len(page))
	for _, c := range page {
		data = append(data, s.companyJSON(c, isISO(r), view == "rowInfo"))
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "totalCount": total, "data": data})
}

// companyInput is the writable part of a company (CompanyInsertDto /
// CompanyEditDto of the provider's spec). Booleans accept the documented
// spellings true/on/yes/1 and false/off/no/0 as strings too (§1.5).
type companyInput struct {
	Name      *string   `json:"name"`
	Person    *flexBool `json:"person"`
	FirstName *string   `json:"firstName"`
	LastName  *string   `json:"lastName"`
	RegNumber *string   `json:"regNumber"`
	TaxNumber *string   `json:"taxNumber"`
	Rating    *string   `json:"rating"`
	State     *string   `json:"state"`
	Role      *string   `json:"role"`
	Owner     *int64    `json:"owner"`
	Category  *int64    `json:"category"`
	Notice    *string   `json:"notice"`
	Birthday  *string   `json:"birthday"`
	Tags      []string  `json:"tags"`
}

type flexBool bool

func (b *flexBool) UnmarshalJSON(data []byte) error {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	switch v := v.(type) {
	case bool:
		*b = flexBool(v)
		return nil
	case float64:
		if v == 0 || v == 1 {
			*b = v == 1
			return nil
		}
	case string:
		x, err := parseBool(v)
		if err == nil {
			*b = flexBool(x)
			return nil
		}
	}
	return fmt.Errorf("invalid boolean %s", data)
}

func decodeInput(r *http.Request) (companyInput, error) {
	var in companyInput
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(&in); err != nil {
		return in, apiErrorf("Invalid JSON body: %v", err)
	}
	return in, nil
}

func (in companyInput) validate() error {
	check := func(field string, v *string, allowed []string) error {
		if v != nil && !slices.Contains(allowed, *v) {
			return apiErrorf("Invalid value %q of %s; allowed: %s", *v, field, strings.Join(allowed, ", "))
		}
		return nil
	}
	if err := check("rating", in.Rating, ratings); err != nil {
		return err
	}
	if err := check("state", in.State, states); err != nil {
		return err
	}
	if err := check("role", in.Role, roles); err != nil {
		return err
	}
	if in.Birthday != nil && *in.Birthday != "" {
		if _, err := time.Parse(dateLayout, *in.Birthday); err != nil {
			return apiErrorf("Invalid birthday %q; expected yyyy-MM-dd", *in.Birthday)
		}
	}
	if in.Owner != nil && *in.Owner != 0 && owners[*in.Owner] == "" {
		return apiErrorf("Unknown owner #%d", *in.Owner)
	}
	if in.Category != nil && *in.Category != 0 && cats[*in.Category] == "" {
		return apiErrorf("Unknown category #%d", *in.Category)
	}
	return nil
}

func (in companyInput) apply(c *Company) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&c.Name, in.Name)
	set(&c.FirstName, in.FirstName)
	set(&c.LastName, in.LastName)
	set(&c.RegNumber, in.RegNumber)
	set(&c.TaxNumber, in.TaxNumber)
	set(&c.Rating, in.Rating)
	set(&c.State, in.State)
	set(&c.Role, in.Role)
	set(&c.Notice, in.Notice)
	set(&c.Birthday, in.Birthday)
	if in.Person != nil {
		c.Person = bool(*in.Person)
	}
	if in.Owner != nil {
		c.OwnerID = *in.Owner
	}
	if in.Category != nil {
		c.Category = *in.Category
	}
	if in.Tags != nil {
		c.Tags = append([]string(nil), in.Tags...)
	}
}

// createCompany serves PUT /api/v2/company/: name, rating, state and role
// are required, as in the provider's CompanyInsertDto. The answer is 201
// {"success":true,"data":{"id":N}}.
func (s *Server) createCompany(w http.ResponseWriter, r *http.Request, inst *instance, user string, now time.Time) {
	in, err := decodeInput(r)
	if err != nil {
		badRequest(w, err.Error())
		return
	}
	var missing []string
	if in.Name == nil || *in.Name == "" {
		missing = append(missing, "name")
	}
	if in.Rating == nil {
		missing = append(missing, "rating")
	}
	if in.State == nil {
		missing = append(missing, "state")
	}
	if in.Role == nil {
		missing = append(missing, "role")
	}
	if len(missing) > 0 {
		badRequest(w, "Missing required attributes: "+strings.Join(missing, ", "))
		return
	}
	if err := in.validate(); err != nil {
		badRequest(w, err.Error())
		return
	}
	c := &Company{ID: inst.nextID, CreatedAt: now, CreatedBy: user, UpdatedAt: now, UpdatedBy: user, Version: 1}
	in.apply(c)
	if c.Person && c.LastName == "" {
		badRequest(w, lastNameRequired)
		return
	}
	inst.nextID++
	inst.companies = append(inst.companies, c)
	writeJSON(w, http.StatusCreated, map[string]any{"success": true, "data": map[string]any{"id": c.ID}})
}

// lastNameRequired is the refusal of a natural person without a last name:
// CompanyInsertDto and CompanyEditDto both make lastName mandatory when
// person is set.
const lastNameRequired = "lastName is required for a natural person"

// updateCompany serves POST /api/v2/company/{id}/: a partial update
// (CompanyEditDto requires no attribute; those left out keep their value).
// The answer is 200 with no body, as the published spec documents.
func (s *Server) updateCompany(w http.ResponseWriter, r *http.Request, c *Company, user string, now time.Time) {
	in, err := decodeInput(r)
	if err != nil {
		badRequest(w, err.Error())
		return
	}
	if err := in.validate(); err != nil {
		badRequest(w, err.Error())
		return
	}
	if in.Name != nil && *in.Name == "" {
		badRequest(w, "name must not be empty")
		return
	}
	next := *c
	in.apply(&next)
	if next.Person && next.LastName == "" {
		badRequest(w, lastNameRequired)
		return
	}
	next.UpdatedAt, next.UpdatedBy = now, user
	next.Version++
	*c = next
	w.WriteHeader(http.StatusOK)
}

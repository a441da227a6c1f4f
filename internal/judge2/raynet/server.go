// Package raynet is an independent conformance server for the RAYNET CRM
// API, written from the provider's documentation only (PROVIDERS.md §1, seed
// 000 and the published spec raynet.json), not from our spec or fakes, so
// that it does not share their readings. It records as a violation anything
// the client sends that the documentation does not allow.
package raynet

import (
	"encoding/json"
	"fmt"
	"github.com/apigen-go/apigen/internal/judge2/record"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Documented limits: 24 000 requests per UTC day per instance by default
// (higher on request), and 20 bad logins lock the IP out for 60 minutes.
const (
	DefaultDailyQuota = 24000
	lockoutFailures   = 20
	maxLimit          = 1000
)

// Server is the judge. Create it with New and serve it with httptest.
type Server struct {
	User, APIKey, Instance string
	// Now is the clock for quota windows (real arrival times by default).
	Now func() time.Time

	record.Log
	mu         sync.Mutex
	quota      int
	used       map[string]int // UTC day -> requests
	failures   map[string]int // remote IP -> bad logins
	companies  map[int64]map[string]any
	nextID     int64
	lastUpdate map[string]any
}

// New returns a judge with the documented default quota and the given
// number of seeded companies (ids 1..n).
func New(user, apiKey, instance string, companies int) *Server {
	s := &Server{User: user, APIKey: apiKey, Instance: instance, Now: time.Now,
		quota: DefaultDailyQuota, used: map[string]int{},
		failures: map[string]int{}, companies: map[int64]map[string]any{}}
	for i := 1; i <= companies; i++ {
		s.nextID = int64(i)
		s.companies[s.nextID] = newCompany(s.nextID, fmt.Sprintf("Firma %02d s.r.o.", i))
	}
	return s
}

// SetQuota sets the instance's daily quota (the docs say support can raise it,
// so a client must read it from X-Ratelimit-Limit, not assume 24 000).
func (s *Server) SetQuota(n int) { s.mu.Lock(); s.quota = n; s.mu.Unlock() }

// newCompany builds a company shaped like the published example: references are
// maps with id, status information sits in flat "rowInfo.*" keys.
func newCompany(id int64, name string) map[string]any {
	return map[string]any{
		"id": id, "name": name, "titleBefore": nil, "firstName": nil, "lastName": nil,
		"person": false, "role": "B_PARTNER", "state": "B_ACTUAL", "rating": "A",
		"owner": map[string]any{"id": 1, "fullName": "RAYNET CRM"}, "regNumber": fmt.Sprintf("%08d", id),
		"taxNumber": nil, "category": map[string]any{"id": 15, "value": "Zákazník"},
		"notice": "poznamka", "tags": []string{"stitek1"}, "customFields": map[string]any{},
		"rowInfo.createdAt": "2022-06-18 13:19", "rowInfo.createdBy": "demo@raynet.cz",
		"rowInfo.updatedAt": nil, "rowInfo.updatedBy": nil, "rowInfo.rowAccess": nil,
		"rowInfo.rowState": nil, "_version": 1,
	}
}

// LastUpdate returns the body of the last update (POST) request.
func (s *Server) LastUpdate() map[string]any { s.mu.Lock(); defer s.mu.Unlock(); return s.lastUpdate }

// Company returns a stored company.
func (s *Server) Company(id int64) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.companies[id]
}

// ServeHTTP enforces auth, the daily quota and the documented endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Handle(w, r, func() (int, any) { return s.serve(w, r) })
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) (int, any) {
	ip := r.RemoteAddr[:strings.LastIndex(r.RemoteAddr, ":")]
	if s.failures[ip] > lockoutFailures {
		s.Violate("request from an IP locked out after %d bad logins", s.failures[ip])
		return http.StatusUnauthorized, nil
	}
	user, key, ok := r.BasicAuth()
	if !ok || user != s.User || key != s.APIKey || r.Header.Get("X-Instance-Name") != s.Instance {
		s.failures[ip]++
		if !ok {
			s.Violate("%s %s without Basic credentials", r.Method, r.URL.Path)
		}
		if r.Header.Get("X-Instance-Name") == "" {
			s.Violate("%s %s without X-Instance-Name", r.Method, r.URL.Path)
		}
		return http.StatusUnauthorized, nil
	}
	now := s.Now().UTC()
	day := now.Format(time.DateOnly)
	reset := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC)
	h := w.Header()
	h.Set("X-Ratelimit-Limit", strconv.Itoa(s.quota))
	h.Set("X-Ratelimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	if s.used[day] >= s.quota {
		h.Set("X-Ratelimit-Remaining", "0")
		return http.StatusTooManyRequests, map[string]any{"type": "RequestLimitReached",
			"message": "API request limit reached. See the X-RateLimit-* headers and check out the API documentation for more details."}
	}
	s.used[day]++
	h.Set("X-Ratelimit-Remaining", strconv.Itoa(s.quota-s.used[day]))

	rest, found := strings.CutPrefix(r.URL.Path, "/api/v2/company/")
	if !found {
		s.Violate("%s %s: not a documented path (base /api/v2/, company/ with trailing slash)", r.Method, r.URL.Path)
		return http.StatusNotFound, nil
	}
	if rest == "" {
		switch r.Method {
		case http.MethodGet:
			return s.list(r)
		case http.MethodPut:
			return s.create(r)
		}
		s.Violate("%s /company/ is not documented (PUT creates, GET lists)", r.Method)
		return http.StatusMethodNotAllowed, nil
	}
	idText, slash := strings.CutSuffix(rest, "/")
	id, err := strconv.ParseInt(idText, 10, 64)
	if !slash || err != nil {
		s.Violate("%s %s: the documented path is /company/{companyId}/", r.Method, r.URL.Path)
		return http.StatusNotFound, nil
	}
	switch r.Method {
	case http.MethodGet:
		s.checkQuery(r.URL.Query(), map[string]bool{"dateFormat": true}, nil)
		if id == DeniedID {
			return http.StatusInternalServerError, map[string]any{"message": "AttributeAccessDeniedException",
				"translatedMessage": "Nemáte dostatečná oprávnění pro ..."}
		}
		c, ok := s.companies[id]
		if !ok {
			return http.StatusBadRequest, map[string]any{"message": "Entity not found"}
		}
		return http.StatusOK, map[string]any{"success": "true", "data": formatDates(c, r.URL.Query())}
	case http.MethodPost:
		return s.update(r, id)
	case http.MethodDelete:
		delete(s.companies, id)
		return http.StatusOK, nil
	}
	s.Violate("%s /company/{id}/ is not documented", r.Method)
	return http.StatusMethodNotAllowed, nil
}

// DeniedID is a company whose detail answers the documented 500
// AttributeAccessDeniedException envelope.
const DeniedID = 666

// filterOps are the list's filter columns and the operators the published
// spec names for each ("Lze využít operátoru ..."); nil = only the default EQ.
var filterOps = map[string][]string{
	"name": {"EQ", "NE", "LIKE", "LIKE_NOCASE"}, "lastName": {"EQ", "NE", "LIKE", "LIKE_NOCASE"},
	"person": nil, "regNumber": {"EQ", "NE"}, "owner": nil, "rating": nil, "role": nil, "state": nil,
	"category": {"EQ", "NE", "IN"}, "economyActivity": {"EQ", "NE", "IN"},
	"companyClassification1": {"EQ", "NE", "IN"}, "companyClassification2": {"EQ", "NE", "IN"},
	"companyClassification3":            {"EQ", "NE", "IN"},
	"primaryAddress-contactInfo.email":  {"EQ", "NE", "LIKE", "LIKE_NOCASE"},
	"primaryAddress-contactInfo.email2": {"EQ", "NE", "LIKE", "LIKE_NOCASE"},
	"rowInfo.createdAt":                 {"GT", "GE", "LT", "LE"}, "rowInfo.updatedAt": {"GT", "GE", "LT", "LE"},
	"rowInfo.lastModifiedAt": {"GT", "GE", "LT", "LE"},
	"rowInfo.rowAccess":      {"EQ", "NE", "EQ_OR_NULL", "NE_OR_NULL"},
	"gdprTemplate":           {"CUSTOM"}, "withoutGdpr": {"CUSTOM"},
}

var listParams = map[string]bool{"offset": true, "limit": true, "sortColumn": true, "sortDirection": true,
	"fulltext": true, "dateFormat": true, "view": true, "tags": true}

// checkQuery records parameters the docs do not name and returns the
// filters as column -> operator -> value.
func (s *Server) checkQuery(q url.Values, plain map[string]bool, ops map[string][]string) map[string]map[string]string {
	filters := map[string]map[string]string{}
	for key, vals := range q {
		if len(vals) != 1 {
			s.Violate("query %s sent %d times", key, len(vals))
		}
		if plain[key] {
			continue
		}
		col, op := key, "EQ"
		if i := strings.IndexByte(key, '['); i > 0 && strings.HasSuffix(key, "]") {
			col, op = key[:i], key[i+1:len(key)-1]
		}
		allowed, known := ops[col]
		if !known {
			s.Violate("undocumented query parameter %q", key)
			continue
		}
		if op != "EQ" || allowed != nil {
			ok := false
			for _, a := range allowed {
				ok = ok || a == op
			}
			if !ok && !(op == "EQ" && col == key) {
				s.Violate("filter %q: operator %s is not one the docs name for %s %v", key, op, col, allowed)
			}
		}
		if filters[col] == nil {
			filters[col] = map[string]string{}
		}
		filters[col][op] = strings.TrimSuffix(strings.TrimPrefix(vals[0], `"`), `"`)
	}
	return filters
}

func (s *Server) list(r *http.Request) (int, any) {
	q := r.URL.Query()
	filters := s.checkQuery(q, listParams, filterOps)
	offset, limit := record.Int(q, "offset", 0), record.Int(q, "limit", maxLimit)
	if limit > maxLimit || limit < 1 || offset < 0 {
		s.Violate("list with offset=%d limit=%d (the docs allow at most 1000)", offset, limit)
		return http.StatusBadRequest, map[string]any{"message": "Invalid limit"}
	}
	var matched []map[string]any
	for id := int64(1); id <= s.nextID; id++ {
		c, ok := s.companies[id]
		if ok && matches(c, filters) {
			matched = append(matched, c)
		}
	}
	page := []map[string]any{}
	for i := offset; i < len(matched) && i < offset+limit; i++ {
		page = append(page, formatDates(matched[i], q))
	}
	return http.StatusOK, map[string]any{"success": "true", "totalCount": len(matched), "data": page}
}

// matches applies the name[LIKE] filter (prefix with %) and EQ on strings;
// other filters are accepted and ignored.
func matches(c map[string]any, filters map[string]map[string]string) bool {
	for col, ops := range filters {
		v, _ := c[col].(string)
		for op, want := range ops {
			switch op {
			case "LIKE":
				if strings.HasSuffix(want, "%") && !strings.HasPrefix(v, strings.TrimSuffix(want, "%")) {
					return false
				}
			case "EQ":
				if _, isString := c[col].(string); isString && v != want {
					return false
				}
			}
		}
	}
	return true
}

// formatDates honours dateFormat=ISO8601 on the record's date-time keys.
func formatDates(c map[string]any, q url.Values) map[string]any {
	out := map[string]any{}
	for k, v := range c {
		out[k] = v
	}
	if q.Get("dateFormat") == "ISO8601" {
		if t, err := time.Parse("2006-01-02 15:04", out["rowInfo.createdAt"].(string)); err == nil {
			out["rowInfo.createdAt"] = t.Format("2006-01-02T15:04:05.000+01:00")
		}
	}
	return out
}

// writable are the CompanyInsertDto / CompanyEditDto properties of the
// published spec (addresses only on insert).
var writable = map[string]bool{"bankAccount": true, "birthday": true, "category": true,
	"companyClassification1": true, "companyClassification2": true, "companyClassification3": true,
	"contactSource": true, "court": true, "customFields": true, "databox": true, "economyActivity": true,
	"employeesNumber": true, "firstName": true, "lastName": true, "legalForm": true, "name": true,
	"notice": true, "originLead": true, "owner": true, "paymentTerm": true, "person": true, "rating": true,
	"regNumber": true, "role": true, "salutation": true, "securityLevel": true, "socialNetworkContact": true,
	"state": true, "taxNumber": true, "taxNumber2": true, "taxPayer": true, "titleAfter": true,
	"titleBefore": true, "turnover": true}

var enums = map[string]map[string]bool{
	"rating": {"A": true, "B": true, "C": true},
	"state":  {"A_POTENTIAL": true, "B_ACTUAL": true, "C_DEFERRED": true, "D_UNATTRACTIVE": true},
	"role":   {"A_SUBSCRIBER": true, "B_PARTNER": true, "C_SUPPLIER": true, "D_RIVAL": true},
}

func (s *Server) body(r *http.Request, insert bool) (map[string]any, bool) {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		s.Violate("%s %s with Content-Type %q (the docs name application/json)", r.Method, r.URL.Path, ct)
	}
	var b map[string]any
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
		s.Violate("%s %s: body is not a JSON object: %v", r.Method, r.URL.Path, err)
		return nil, false
	}
	for k, v := range b {
		if !writable[k] && !(insert && (k == "addresses" || k == "tags")) {
			s.Violate("%s %s: property %q is not in the published DTO", r.Method, r.URL.Path, k)
		}
		if e, ok := enums[k]; ok && !e[fmt.Sprint(v)] {
			s.Violate("%s %s: %s=%v is not a documented value", r.Method, r.URL.Path, k, v)
		}
	}
	if p, _ := b["person"].(bool); p && b["lastName"] == nil {
		s.Violate("%s %s: person without lastName (the docs make it mandatory)", r.Method, r.URL.Path)
		return b, false
	}
	return b, true
}

func (s *Server) create(r *http.Request) (int, any) {
	s.checkQuery(r.URL.Query(), nil, nil)
	b, ok := s.body(r, true)
	if !ok {
		return http.StatusBadRequest, map[string]any{"message": "Invalid request body"}
	}
	for _, k := range []string{"name", "rating", "state", "role"} {
		if _, ok := b[k]; !ok {
			s.Violate("create without required %q", k)
		}
	}
	s.nextID++
	c := newCompany(s.nextID, "")
	for k, v := range b {
		c[k] = v
	}
	s.companies[s.nextID] = c
	return http.StatusCreated, map[string]any{"success": true, "data": map[string]any{"id": s.nextID}}
}

func (s *Server) update(r *http.Request, id int64) (int, any) {
	s.checkQuery(r.URL.Query(), nil, nil)
	b, ok := s.body(r, false)
	if !ok {
		return http.StatusBadRequest, map[string]any{"message": "Invalid request body"}
	}
	s.lastUpdate = b
	c, found := s.companies[id]
	if !found {
		return http.StatusBadRequest, map[string]any{"message": "Entity not found"}
	}
	for k, v := range b {
		c[k] = v
	}
	c["_version"] = c["_version"].(int) + 1
	return http.StatusOK, nil
}

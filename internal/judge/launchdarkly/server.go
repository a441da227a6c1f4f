// Package launchdarkly is an independent conformance server for the
// LaunchDarkly REST API, written from the provider's documentation alone
// (PROVIDERS.md §3, seed 001 and the published OpenAPI document), not from
// our spec or fakes, so that it does not share their misreadings.
//
// It enforces what the documentation states and records every request that
// the documentation does not allow as a violation; tests assert the list is
// empty.
package launchdarkly

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apigen-go/apigen/internal/judge/verdict"
)

// Config sets what the documentation leaves to the account: the numbers of
// the limits are "deliberately not published".
type Config struct {
	Token string
	// GlobalLimit is the per-account budget of one window (0: no global limit).
	GlobalLimit int
	// RouteLimits maps "METHOD /pattern" to its per-window budget.
	RouteLimits map[string]int
	// Window is the length of a rate-limit window; the docs say ten seconds.
	Window time.Duration
	// IPLimited routes ("METHOD /pattern") answer their first call with 429
	// and Retry-After: IPRetryAfter seconds.
	IPLimited    map[string]bool
	IPRetryAfter int
}

// Server is the judge. Its methods are safe for concurrent use.
type Server struct {
	*httptest.Server
	cfg Config
	verdict.Log
	verdict.Stats

	mu      sync.Mutex
	flags   map[string]*flag // projectKey/flagKey
	order   []string
	global  window
	routes  map[string]*window
	ipUntil map[string]time.Time
	ipHit   map[string]bool
}

type flag struct {
	Key         string `json:"key"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Version     int64  `json:"version"`
	On          bool   `json:"-"`
	Temporary   bool   `json:"temporary"`
}

// window is one fixed rate-limit window, started by its first request.
type window struct {
	start   time.Time
	used    int
	limited time.Time // when a 429 for this window was written; zero if none
}

// New starts the judge on 127.0.0.1.
func New(cfg Config) *Server {
	if cfg.Window == 0 {
		cfg.Window = 10 * time.Second
	}
	s := &Server{cfg: cfg, flags: map[string]*flag{}, routes: map[string]*window{},
		ipUntil: map[string]time.Time{}, ipHit: map[string]bool{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// AddFlag seeds a flag.
func (s *Server) AddFlag(project, key, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.put(project, &flag{Key: key, Name: name, Version: 1})
}

func (s *Server) put(project string, f *flag) {
	id := project + "/" + f.Key
	if _, ok := s.flags[id]; !ok {
		s.order = append(s.order, id)
	}
	s.flags[id] = f
}

var (
	reFlags = regexp.MustCompile(`^/api/v2/flags/([^/]+)$`)
	reFlag  = regexp.MustCompile(`^/api/v2/flags/([^/]+)/([^/]+)$`)
	reDate  = regexp.MustCompile(`^\d{8}$`)
)

// route names the request as the docs do: URL pattern + verb.
func route(method, path string) string {
	switch {
	case reFlags.MatchString(path):
		return method + " /api/v2/flags/{projectKey}"
	case reFlag.MatchString(path):
		return method + " /api/v2/flags/{projectKey}/{featureFlagKey}"
	}
	return method + " " + path
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Arrived(r.Method + " " + r.URL.RequestURI())
	rw := &recorder{ResponseWriter: w, s: s}
	method := r.Method
	if o := r.Header.Get("X-HTTP-Method-Override"); o != "" {
		// "tunnel DELETE, PATCH and PUT requests using a POST request"
		if r.Method != http.MethodPost || (o != "DELETE" && o != "PATCH" && o != "PUT") {
			s.Violate("%s %s: X-HTTP-Method-Override %q is only for POST tunnelling DELETE, PATCH, PUT", r.Method, r.URL.Path, o)
		}
		method = o
	}
	rt := route(method, r.URL.Path)

	// Authentication: "The value of the Authorization header must be your
	// access token."
	if got := r.Header.Get("Authorization"); got != s.cfg.Token {
		if strings.HasSuffix(got, s.cfg.Token) && got != "" {
			s.Violate("%s: Authorization %q is not the bare access token", rt, redact(got, s.cfg.Token))
		}
		rw.error(http.StatusUnauthorized, "unauthorized", "Invalid access token")
		return
	}
	// Versioning: "set the API version header explicitly in any client".
	if v := r.Header.Get("LD-API-Version"); v == "" {
		s.Violate("%s: no LD-API-Version header", rt)
	} else if v != "beta" && !reDate.MatchString(v) {
		s.Violate("%s: LD-API-Version %q is neither yyyymmdd nor beta", rt, v)
	}
	if s.limited(rw, rt, now) {
		return
	}
	s.dispatch(rw, r, method, rt)
}

// limited applies the three documented strategies and writes their headers.
func (s *Server) limited(rw *recorder, rt string, now time.Time) bool {
	if s.cfg.IPLimited[rt] {
		if until, ok := s.ipUntil[rt]; ok && now.Before(until) {
			s.Violate("%s: arrived %v before Retry-After elapsed (\"Clients must wait at least Retry-After seconds\")", rt, until.Sub(now).Round(time.Millisecond))
		}
		if !s.ipHit[rt] {
			s.ipHit[rt] = true
			s.ipUntil[rt] = now.Add(time.Duration(s.cfg.IPRetryAfter) * time.Second)
			rw.Header().Set("Retry-After", strconv.Itoa(s.cfg.IPRetryAfter))
			rw.error(http.StatusTooManyRequests, "rate_limited", "You've exceeded the API rate limit. Try again later.")
			return true
		}
	}
	type lim struct {
		name   string
		w      *window
		budget int
	}
	var ls []lim
	if s.cfg.GlobalLimit > 0 {
		ls = append(ls, lim{"X-Ratelimit-Global-Remaining", &s.global, s.cfg.GlobalLimit})
	}
	if b, ok := s.cfg.RouteLimits[rt]; ok {
		if s.routes[rt] == nil {
			s.routes[rt] = &window{}
		}
		ls = append(ls, lim{"X-Ratelimit-Route-Remaining", s.routes[rt], b})
	}
	over := false
	var reset time.Time
	for _, l := range ls {
		if l.w.start.IsZero() || !now.Before(l.w.start.Add(s.cfg.Window)) {
			*l.w = window{start: now}
		}
		if !l.w.limited.IsZero() && now.Sub(l.w.limited) > 100*time.Millisecond {
			s.Violate("%s: sent %v after a 429 in the same window, before X-Ratelimit-Reset", rt, now.Sub(l.w.limited).Round(time.Millisecond))
		}
		if l.w.used >= l.budget {
			over = true
		}
		end := l.w.start.Add(s.cfg.Window)
		if end.After(reset) {
			reset = end
		}
	}
	for _, l := range ls {
		if !over {
			l.w.used++
		}
		rw.Header().Set(l.name, strconv.Itoa(max(l.budget-l.w.used, 0)))
	}
	if len(ls) > 0 {
		rw.Header().Set("X-Ratelimit-Reset", strconv.FormatInt(reset.UnixMilli(), 10))
	}
	if over {
		for _, l := range ls {
			if l.w.used >= l.budget && l.w.limited.IsZero() {
				l.w.limited = time.Now()
			}
		}
		rw.error(http.StatusTooManyRequests, "rate_limited", "You've exceeded the API rate limit. Try again later.")
		return true
	}
	return false
}

func redact(v, tok string) string { return strings.Replace(v, tok, "<token>", 1) }

// recorder writes the documented envelope and counts statuses.
type recorder struct {
	http.ResponseWriter
	s *Server
}

func (rw *recorder) json(status int, v any) {
	rw.s.Answered(status)
	rw.Header().Set("Content-Type", "application/json")
	rw.WriteHeader(status)
	if v != nil {
		_ = json.NewEncoder(rw).Encode(v)
	}
}

func (rw *recorder) error(status int, code, msg string) {
	id := fmt.Sprintf("judge-%d-%d", status, len(rw.s.Requests()))
	rw.json(status, map[string]string{"code": code, "message": msg, "id": id})
}

// bodyType checks the documented request content types: "request bodies for
// PATCH, POST, and PUT requests must be encoded as JSON with a Content-Type
// header set to application/json", semantic patch adding
// "domain-model=launchdarkly.semanticpatch". It reports whether the body is a
// semantic patch.
func (s *Server) bodyType(r *http.Request, rt string) (semantic, ok bool) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		s.Violate("%s: Content-Type %q; the docs require application/json", rt, r.Header.Get("Content-Type"))
		return false, false
	}
	dm, has := params["domain-model"]
	if has && dm != "launchdarkly.semanticpatch" {
		s.Violate("%s: unknown domain-model %q", rt, dm)
		return false, false
	}
	return has, true
}

func mustQuery(s *Server, r *http.Request, rt string, allowed ...string) bool {
	for k, vs := range r.URL.Query() {
		if !contains(allowed, k) {
			s.Violate("%s: undocumented query parameter %q", rt, k)
			return false
		}
		if k == "expand" && len(vs) > 1 {
			s.Violate("%s: expand sent %d times; the docs want one comma-separated list", rt, len(vs))
		}
	}
	return true
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

// Flag returns a flag's state as the server holds it.
func (s *Server) Flag(project, key string) (name, description string, on bool, version int64, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.flags[project+"/"+key]
	if f == nil {
		return "", "", false, 0, false
	}
	return f.Name, f.Description, f.On, f.Version, true
}

// Package launchdarkly is a faithful fake of the LaunchDarkly REST API v2
// feature-flag resources, built from PROVIDERS.md §3 (the digest of the
// seed documentation).
//
// What it enforces, each with the section it comes from:
//
//   - Authentication by an access token that is the whole value of the
//     Authorization header, with no scheme word (§3.2): "Bearer <token>" is
//     an invalid token, as is any SDK or mobile key.
//   - API versioning through LD-API-Version (§3.1): a request without it
//     gets its token's default version; the versions in the changelog
//     change the flag list as documented (below); "beta" is required on
//     beta resources, which answer 403 without it.
//   - Global (per account) and route (per account, URL pattern and verb)
//     rate limits over ten-second windows, reported on every response with
//     X-Ratelimit-Global-Remaining, X-Ratelimit-Route-Remaining and
//     X-Ratelimit-Reset in epoch milliseconds, and an optional IP-based
//     limit whose 429s carry Retry-After in seconds (§3.6).
//   - Feature flags: list (summaries, limit/offset pagination with
//     first/prev/next/last links, filter, sort, environments), get
//     (detailed), create, delete, and PATCH in all three documented formats,
//     each applied for real to the stored flag (§3.3, §3.4, §3.7).
//   - The error envelope {"code","message","id"} (§3.5) with the codes of
//     the provider's spec (invalid_request, unauthorized, forbidden,
//     not_found, method_not_allowed, optimistic_locking_error,
//     rate_limited), Content-Type application/json on every response, the
//     CORS headers of §3.6 and X-HTTP-Method-Override on POST (§3.4).
//
// Decisions taken where the docs are silent or [AMBIGUOUS]:
//
//   - Patch formats by Content-Type (§3.4): "application/json;
//     domain-model=launchdarkly.semanticpatch" is a semantic patch;
//     "application/merge-patch+json" is a JSON merge patch (RFC 7386), bare
//     or wrapped as {"comment","merge"}; "application/json" (or
//     "application/json-patch+json") is a JSON patch (RFC 6902), bare array
//     or wrapped as {"comment","patch"}, and also accepts the documented
//     {"comment","merge"} wrapper. An object that is neither — a semantic
//     patch sent without the domain-model parameter in particular — is a 400,
//     as the docs warn. Other content types are a 400 too.
//   - Every patch is all-or-nothing. A failing JSON-patch "test" answers 409
//     optimistic_locking_error (the spec's conflict representation); any
//     other bad patch or instruction answers 400 invalid_request. Paths into
//     attributes starting with "_" (§3.3) and changes to key, version or
//     creationDate are refused. A successful patch increments version, and
//     the version of each environment it changed.
//   - Rate-limit numbers are not published; the defaults (Config) are
//     arbitrary and meant to be scaled. Windows are fixed: each starts with
//     the first request after the previous one ended and lasts ten seconds.
//     X-Ratelimit-Global-Remaining is the remaining count (§3.6
//     [AMBIGUOUS]); X-Ratelimit-Reset is the reset of the window with fewer
//     requests left. Only authenticated requests count; 429s do not.
//   - Versions: only the five documented dates and "beta" are accepted,
//     anything else is a 400. "beta" behaves as the newest version on
//     non-beta routes (§3.1 [AMBIGUOUS]). From 20240415 the flag list is
//     paginated with a default limit of 20 and shows environments only when
//     filterEnv (or env) names at most three; before it the list returns
//     every flag unless limit is given, with all environments. From
//     20191212 the list defaults to summary=true (no targets, rules or
//     prerequisites in environments). The maximum page size of 100
//     (§3.1 [AMBIGUOUS] scope) applies to the flag list: a larger limit is
//     a 400.
//   - Creating a flag whose key exists answers 409 with the seed's own
//     example body: code invalid_request, "A feature with that key already
//     exists".
//   - Error ids are deterministic UUID-shaped counters.
package launchdarkly

import (
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apigen-go/apigen/internal/fakes/fakeutil"
	"github.com/apigen-go/apigen/runtime/clock"
)

// Known LD-API-Version values (§3.1), oldest first.
var knownVersions = []int{20160426, 20191212, 20210729, 20220603, 20240415}

const latestVersion = 20240415

// Token is an access token the fake accepts and the API version it
// defaults to when a request has no LD-API-Version header (§3.1).
type Token struct {
	Value      string
	APIVersion int
}

// Config configures a Server. Start from DefaultConfig; zero numeric
// fields fall back to the defaults.
type Config struct {
	// Tokens lists the accepted access tokens. Default: one token
	// "api-fake-token" defaulting to 20240415.
	Tokens []Token

	// Projects are the project keys; each has the same Environments.
	// Defaults: ["default"], ["production", "test"].
	Projects     []string
	Environments []string

	// Flags are seeded into the first project. DefaultConfig sets
	// DefaultFlags().
	Flags []FlagSeed

	// GlobalLimit requests per GlobalWindow for the account, RouteLimit
	// per RouteWindow for each route (§3.6). Defaults 200 and 50 per 10 s.
	GlobalLimit  int
	GlobalWindow time.Duration
	RouteLimit   int
	RouteWindow  time.Duration
	// IPLimit requests per IPWindow per client IP (sliding); 0 disables
	// this limit, which is the default.
	IPLimit  int
	IPWindow time.Duration

	// MaxPageSize is the largest accepted limit. Default 100.
	MaxPageSize int

	// TrustForwardedFor takes the client IP from X-Forwarded-For.
	TrustForwardedFor bool

	// Clock is the time source; nil means the real clock.
	Clock clock.Clock
}

// DefaultConfig returns the fake's defaults.
func DefaultConfig() Config {
	return Config{
		Tokens:       []Token{{Value: "api-fake-token", APIVersion: latestVersion}},
		Projects:     []string{"default"},
		Environments: []string{"production", "test"},
		Flags:        DefaultFlags(),
		GlobalLimit:  200,
		GlobalWindow: 10 * time.Second,
		RouteLimit:   50,
		RouteWindow:  10 * time.Second,
		IPWindow:     10 * time.Second,
		MaxPageSize:  100,
	}
}

func (c *Config) fill() {
	d := DefaultConfig()
	if len(c.Projects) == 0 {
		c.Projects = d.Projects
	}
	if len(c.Environments) == 0 {
		c.Environments = d.Environments
	}
	if c.GlobalLimit <= 0 {
		c.GlobalLimit = d.GlobalLimit
	}
	if c.GlobalWindow <= 0 {
		c.GlobalWindow = d.GlobalWindow
	}
	if c.RouteLimit <= 0 {
		c.RouteLimit = d.RouteLimit
	}
	if c.RouteWindow <= 0 {
		c.RouteWindow = d.RouteWindow
	}
	if c.IPWindow <= 0 {
		c.IPWindow = d.IPWindow
	}
	if c.MaxPageSize <= 0 {
		c.MaxPageSize = d.MaxPageSize
	}
	c.Clock = clock.Or(c.Clock)
}

// Server is the fake LaunchDarkly API. It implements http.Handler and is
// safe for concurrent use.
type Server struct {
	cfg Config
	rec fakeutil.Recorder

	mu       sync.Mutex
	projects map[string]*project
	global   window
	routes   map[string]*window
	ipHits   map[string][]time.Time
	nextID   int // error ids
	nextUUID int // variation ids
	injected []injection
}

type window struct {
	start time.Time
	count int
}

type injection struct {
	status int
	header http.Header
}

// New returns a Server for cfg.
func New(cfg Config) *Server {
	cfg.fill()
	s := &Server{
		cfg:      cfg,
		projects: map[string]*project{},
		routes:   map[string]*window{},
		ipHits:   map[string][]time.Time{},
	}
	for _, p := range cfg.Projects {
		s.projects[p] = &project{key: p, flags: map[string]map[string]any{}}
	}
	s.SeedFlags(cfg.Projects[0], cfg.Flags...)
	return s
}

// Requests returns every request received so far.
func (s *Server) Requests() []fakeutil.Request { return s.rec.Requests() }

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() { s.rec.Reset() }

// InjectStatus makes the next count requests fail with status before any
// other processing, carrying header, with the error envelope as body.
func (s *Server) InjectStatus(count, status int, header http.Header) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range count {
		s.injected = append(s.injected, injection{status: status, header: header.Clone()})
	}
}

// Flag returns the stored representation of a flag (without the
// underscore attributes), or nil.
func (s *Server) Flag(projectKey, flagKey string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.projects[projectKey]
	if p == nil || p.flags[flagKey] == nil {
		return nil
	}
	return deepCopy(p.flags[flagKey]).(map[string]any)
}

// errorCodes maps statuses to the codes of the provider's error
// representations.
var errorCodes = map[int]string{
	http.StatusBadRequest:          "invalid_request",
	http.StatusUnauthorized:        "unauthorized",
	http.StatusForbidden:           "forbidden",
	http.StatusNotFound:            "not_found",
	http.StatusMethodNotAllowed:    "method_not_allowed",
	http.StatusConflict:            "optimistic_locking_error",
	http.StatusUnprocessableEntity: "invalid_request",
	http.StatusTooManyRequests:     "rate_limited",
}

// writeError writes the §3.5 envelope; code "" picks the status's code.
func (s *Server) writeError(w http.ResponseWriter, status int, code, msg string) {
	if code == "" {
		code = errorCodes[status]
		if code == "" {
			code = "internal_server_error"
		}
	}
	s.nextID++
	id := fmt.Sprintf("%08x-0000-4000-8000-%012x", s.nextID, s.nextID)
	writeJSON(w, status, map[string]any{"code": code, "message": msg, "id": id})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// setCORS adds the headers of the seed's CORS example (§3.6).
func setCORS(h http.Header) {
	h.Set("Access-Control-Allow-Headers", "Accept, Content-Type, Content-Length, Accept-Encoding, Authorization")
	h.Set("Access-Control-Allow-Methods", "OPTIONS, GET, DELETE, PATCH")
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Max-Age", "300")
}

const rateLimitedMsg = "You've exceeded the API rate limit. Try again later."

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := s.cfg.Clock.Now()
	s.rec.Record(r, now)
	setCORS(w.Header())

	s.mu.Lock()
	defer s.mu.Unlock()

	if len(s.injected) > 0 {
		inj := s.injected[0]
		s.injected = s.injected[1:]
		for k, v := range inj.header {
			w.Header()[k] = v
		}
		msg := http.StatusText(inj.status)
		if inj.status == http.StatusTooManyRequests {
			msg = rateLimitedMsg
		}
		s.writeError(w, inj.status, "", msg)
		return
	}
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusOK)
		return
	}

	// §3.6: IP-based limits on "some routes" (all, when enabled).
	if s.cfg.IPLimit > 0 && !s.allowIPLocked(w, s.clientIP(r), now) {
		return
	}

	// §3.2: the header value is the token itself.
	tok, ok := s.token(r.Header.Get("Authorization"))
	if !ok {
		s.writeError(w, http.StatusUnauthorized, "", "Invalid access token")
		return
	}

	// §3.4: POST may tunnel DELETE, PATCH and PUT.
	method := r.Method
	if o := strings.ToUpper(r.Header.Get("X-HTTP-Method-Override")); o != "" && method == http.MethodPost {
		if o != http.MethodDelete && o != http.MethodPatch && o != http.MethodPut {
			s.writeError(w, http.StatusBadRequest, "", "X-HTTP-Method-Override must be DELETE, PATCH or PUT")
			return
		}
		method = o
	}

	version, beta, err := s.apiVersion(r.Header.Get("LD-API-Version"), tok)
	if err != nil {
		s.writeError(w, http.StatusBadRequest, "", err.Error())
		return
	}

	rt, ok := matchRoute(method, r.URL.Path)
	if !ok {
		if _, pathOK := matchRouteAnyMethod(r.URL.Path); pathOK {
			s.writeError(w, http.StatusMethodNotAllowed, "", "Method not allowed")
			return
		}
		s.writeError(w, http.StatusNotFound, "", "Invalid resource identifier")
		return
	}
	if rt.beta && !beta {
		s.writeError(w, http.StatusForbidden, "", "This is a beta resource: send LD-API-Version: beta to use it")
		return
	}
	if !s.allowLocked(w, method+" "+rt.pattern, now) {
		return
	}
	s.serve(w, r, rt, method, version, now)
}

func (s *Server) token(h string) (Token, bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return Token{}, false
	}
	for _, t := range s.cfg.Tokens {
		if t.Value == h {
			return t, true
		}
	}
	return Token{}, false
}

// apiVersion resolves LD-API-Version (§3.1).
func (s *Server) apiVersion(h string, tok Token) (version int, beta bool, err error) {
	switch {
	case h == "":
		if tok.APIVersion == 0 {
			return knownVersions[0], false, nil // tokens from before versioning
		}
		return tok.APIVersion, false, nil
	case h == "beta":
		return latestVersion, true, nil
	}
	v, err := strconv.Atoi(h)
	if err == nil {
		for _, k := range knownVersions {
			if k == v {
				return v, false, nil
			}
		}
	}
	return 0, false, fmt.Errorf("Invalid LD-API-Version %q: use one of 20240415, 20220603, 20210729, 20191212, 20160426 or beta", h)
}

// allowLocked applies the global and route windows (§3.6) and sets their
// headers; it writes the 429 when either is exhausted.
func (s *Server) allowLocked(w http.ResponseWriter, route string, now time.Time) bool {
	roll := func(win *window, d time.Duration) {
		if win.start.IsZero() || !now.Before(win.start.Add(d)) {
			win.start, win.count = now, 0
		}
	}
	rw := s.routes[route]
	if rw == nil {
		rw = &window{}
		s.routes[route] = rw
	}
	roll(&s.global, s.cfg.GlobalWindow)
	roll(rw, s.cfg.RouteWindow)
	limited := s.global.count >= s.cfg.GlobalLimit || rw.count >= s.cfg.RouteLimit
	if !limited {
		s.global.count++
		rw.count++
	}
	gRem := s.cfg.GlobalLimit - s.global.count
	rRem := s.cfg.RouteLimit - rw.count
	gReset := s.global.start.Add(s.cfg.GlobalWindow)
	rReset := rw.start.Add(s.cfg.RouteWindow)
	reset := gReset
	switch {
	case gRem <= 0 && rRem <= 0:
		reset = later(gReset, rReset)
	case rRem < gRem:
		reset = rReset
	}
	h := w.Header()
	h.Set("X-Ratelimit-Global-Remaining", strconv.Itoa(max(0, gRem)))
	h.Set("X-Ratelimit-Route-Remaining", strconv.Itoa(max(0, rRem)))
	h.Set("X-Ratelimit-Reset", strconv.FormatInt(reset.UnixMilli(), 10))
	if limited {
		s.writeError(w, http.StatusTooManyRequests, "", rateLimitedMsg)
	}
	return !limited
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// allowIPLocked applies the IP-based sliding limit; its 429 carries
// Retry-After in seconds (§3.6).
func (s *Server) allowIPLocked(w http.ResponseWriter, ip string, now time.Time) bool {
	log := s.ipHits[ip]
	i := 0
	for i < len(log) && !log[i].After(now.Add(-s.cfg.IPWindow)) {
		i++
	}
	log = log[i:]
	if len(log) >= s.cfg.IPLimit {
		s.ipHits[ip] = log
		wait := log[len(log)-s.cfg.IPLimit].Add(s.cfg.IPWindow).Sub(now)
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
		s.writeError(w, http.StatusTooManyRequests, "", rateLimitedMsg)
		return false
	}
	s.ipHits[ip] = append(log, now)
	return true
}

func (s *Server) clientIP(r *http.Request) string {
	if s.cfg.TrustForwardedFor {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			first, _, _ := strings.Cut(xff, ",")
			return strings.TrimSpace(first)
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// route is one URL pattern + verb (the unit of route rate limiting).
type route struct {
	pattern string
	op      string
	beta    bool
	params  map[string]string
}

var routeTable = []struct {
	method, pattern, op string
	beta                bool
}{
	{http.MethodGet, "/api/v2/flags/{projectKey}", "list", false},
	{http.MethodPost, "/api/v2/flags/{projectKey}", "create", false},
	{http.MethodGet, "/api/v2/flags/{projectKey}/{featureFlagKey}", "get", false},
	{http.MethodPatch, "/api/v2/flags/{projectKey}/{featureFlagKey}", "patch", false},
	{http.MethodDelete, "/api/v2/flags/{projectKey}/{featureFlagKey}", "delete", false},
	{http.MethodGet, "/api/v2/flags/{projectKey}/{featureFlagKey}/dependent-flags", "dependents", true},
}

func matchPattern(pattern, path string) (map[string]string, bool) {
	pp := strings.Split(strings.Trim(pattern, "/"), "/")
	xs := strings.Split(strings.Trim(path, "/"), "/")
	if len(pp) != len(xs) {
		return nil, false
	}
	params := map[string]string{}
	for i, p := range pp {
		if strings.HasPrefix(p, "{") {
			if xs[i] == "" {
				return nil, false
			}
			params[p[1:len(p)-1]] = xs[i]
		} else if p != xs[i] {
			return nil, false
		}
	}
	return params, true
}

func matchRoute(method, path string) (route, bool) {
	for _, e := range routeTable {
		if e.method != method {
			continue
		}
		if params, ok := matchPattern(e.pattern, path); ok {
			return route{pattern: e.pattern, op: e.op, beta: e.beta, params: params}, true
		}
	}
	return route{}, false
}

func matchRouteAnyMethod(path string) (route, bool) {
	for _, e := range routeTable {
		if _, ok := matchPattern(e.pattern, path); ok {
			return route{pattern: e.pattern}, true
		}
	}
	return route{}, false
}

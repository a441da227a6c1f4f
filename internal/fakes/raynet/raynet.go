// Package raynet is a faithful fake of the RAYNET CRM Cloud REST API (v2),
// built from PROVIDERS.md §1 (the digest of the Czech seed documentation).
//
// What it enforces, each with the section it comes from:
//
//   - HTTP Basic authentication with the CRM user's login and API key, plus
//     the X-Instance-Name header on every request (§1.2).
//   - The bad-login lockout: requests with wrong credentials are counted per
//     client IP, and after Config.MaxFailedLogins (20) of them the IP is
//     blocked for Config.BlockDuration (60 minutes) (§1.2).
//   - The per-instance daily quota (24 000 requests per UTC day) with the
//     X-Ratelimit-Limit / -Remaining / -Reset headers on every response and
//     the documented 429 body once it is exhausted (§1.3).
//   - The company list with attr[OP]=value filters, sortColumn and
//     sortDirection, fulltext, offset/limit (limit at most 1000) and
//     dateFormat=ISO8601 (§1.5–§1.7), and the company record operations where
//     PUT creates and POST updates (§1.8).
//
// Decisions taken where the digest says [AMBIGUOUS] (§1.2, §1.4–§1.7):
//
//   - Lockout window and response. Failed logins are counted in a sliding
//     window of Config.FailureWindow (default 60 minutes); a successful login
//     does not reset the count, because the docs count "requests with wrong
//     credentials", not consecutive ones. Failed logins 1..20 get 401; the
//     20th also blocks the IP, so the 21st request ("more than 20") and every
//     other request from that IP, even with good credentials, gets
//     403 Forbidden with body
//     {"type":"IpAddressBlocked","message":"…"} until the block ends.
//     Requests refused while blocked do not extend the block.
//   - What counts as a failed login: a missing or malformed Authorization
//     header, an unknown user or wrong API key, and a missing or unknown
//     X-Instance-Name (credentials are per instance, so they cannot be
//     verified without it).
//   - Error envelope. The published spec documents 400 as {"message":"…"}
//     and the digest documents the 429 body; both are sent verbatim. Other
//     errors (401, 403, 404, 405, not documented) use the 429 shape plus
//     the [EXT] success flag: {"success":false,"type":"…","message":"…"}.
//   - Records follow the published examples: the status information is a
//     set of flat keys ("rowInfo.createdAt", "rowInfo.createdBy", …) plus
//     "_version", not a nested object; view=rowInfo sends only those and
//     id. Updates (POST) are partial and answer 200 with no body, as does
//     DELETE; a natural person (person=true) needs a lastName on create
//     and update alike.
//   - Quota. Only authenticated requests count against their instance; the
//     window is fixed and anchored at multiples of Config.QuotaWindow since
//     the Unix epoch, which for the default 24 h is UTC midnight. Responses
//     to unauthenticated requests still carry the headers of the named
//     instance (without consuming quota), so every response has them.
//   - Paging. limit defaults to Config.MaxPageSize (1000, the documented
//     maximum); limit > 1000, limit < 1 or a negative offset is a 400.
//   - Filter values: one pair of surrounding double quotes is stripped; both
//     the literal "[OP]" and the percent-encoded "%5BOP%5D" forms are
//     understood; CUSTOM (behaviour not in the seed) and unknown operators
//     are a 400, as is a filter on an attribute the fake does not know
//     ("Unsupported filter column …", the wording of the provider's spec).
//   - Date-times without a zone are in Config.Location, the API user's time
//     zone (default UTC, so tests are deterministic).
//   - Paths are served with and without the trailing slash the docs show.
package raynet

import (
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apigen-go/apigen/internal/fakes/fakeutil"
	"github.com/apigen-go/apigen/runtime/clock"
)

// Account is one set of credentials the fake accepts: a user of a CRM
// instance and that user's API key (§1.2).
type Account struct {
	Instance string // value of X-Instance-Name, e.g. "moje-crm"
	User     string // Basic user name (the CRM login)
	APIKey   string // Basic password
}

// Config configures a Server. Start from DefaultConfig; zero numeric fields
// fall back to the documented defaults.
type Config struct {
	// Accounts lists the accepted credentials. Default: the seed's example
	// {"moje-crm", "uzivatel", "api-klic"}.
	Accounts []Account

	// DailyLimit is the request quota per instance and window (§1.3).
	// Default 24000.
	DailyLimit int
	// QuotaWindow is the quota window, anchored at multiples of itself since
	// the Unix epoch (UTC midnight for the default 24h). Tests may scale it.
	QuotaWindow time.Duration

	// MaxFailedLogins is how many failed logins an IP may make before it is
	// blocked (§1.2). Default 20.
	MaxFailedLogins int
	// FailureWindow is the sliding window in which failed logins are
	// counted. Default 60 minutes. [AMBIGUOUS] in the docs.
	FailureWindow time.Duration
	// BlockDuration is how long an IP stays blocked. Default 60 minutes.
	BlockDuration time.Duration

	// MaxPageSize is the largest accepted limit (§1.7). Default 1000.
	MaxPageSize int

	// Location is the API user's time zone, used for "yyyy-MM-dd HH:mm"
	// date-times (§1.5). Default UTC.
	Location *time.Location

	// Companies are seeded into every instance (each gets its own copy).
	// DefaultConfig sets DefaultCompanies().
	Companies []Company

	// TrustForwardedFor makes the fake take the client IP from the first
	// X-Forwarded-For entry, so tests can simulate several IPs.
	TrustForwardedFor bool

	// Clock is the time source; nil means the real clock.
	Clock clock.Clock
}

// DefaultConfig returns the documented defaults and the seed's example
// credentials.
func DefaultConfig() Config {
	return Config{
		Accounts:        []Account{{Instance: "moje-crm", User: "uzivatel", APIKey: "api-klic"}},
		DailyLimit:      24000,
		QuotaWindow:     24 * time.Hour,
		MaxFailedLogins: 20,
		FailureWindow:   60 * time.Minute,
		BlockDuration:   60 * time.Minute,
		MaxPageSize:     1000,
		Location:        time.UTC,
		Companies:       DefaultCompanies(),
	}
}

func (c *Config) fill() {
	d := DefaultConfig()
	if c.DailyLimit <= 0 {
		c.DailyLimit = d.DailyLimit
	}
	if c.QuotaWindow <= 0 {
		c.QuotaWindow = d.QuotaWindow
	}
	if c.MaxFailedLogins <= 0 {
		c.MaxFailedLogins = d.MaxFailedLogins
	}
	if c.FailureWindow <= 0 {
		c.FailureWindow = d.FailureWindow
	}
	if c.BlockDuration <= 0 {
		c.BlockDuration = d.BlockDuration
	}
	if c.MaxPageSize <= 0 {
		c.MaxPageSize = d.MaxPageSize
	}
	if c.Location == nil {
		c.Location = time.UTC
	}
	c.Clock = clock.Or(c.Clock)
}

// Server is the fake RAYNET API. It implements http.Handler and is safe for
// concurrent use.
type Server struct {
	cfg Config
	rec fakeutil.Recorder

	mu        sync.Mutex
	instances map[string]*instance
	failures  map[string][]time.Time // IP -> times of failed logins in window
	blocked   map[string]time.Time   // IP -> end of block
	injected  []injection
}

type instance struct {
	companies   []*Company
	nextID      int64
	windowStart time.Time
	used        int
}

type injection struct {
	status int
	header http.Header
}

// New returns a Server for cfg.
func New(cfg Config) *Server {
	cfg.fill()
	s := &Server{
		cfg:       cfg,
		instances: map[string]*instance{},
		failures:  map[string][]time.Time{},
		blocked:   map[string]time.Time{},
	}
	for _, a := range cfg.Accounts {
		if _, ok := s.instances[a.Instance]; !ok {
			inst := &instance{nextID: 1}
			s.instances[a.Instance] = inst
			s.seedLocked(inst, cfg.Companies...)
		}
	}
	return s
}

// Requests returns every request received so far.
func (s *Server) Requests() []fakeutil.Request { return s.rec.Requests() }

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() { s.rec.Reset() }

// InjectStatus makes the next count requests fail with status before any
// other processing (no auth, no quota), carrying header. A 429 carries the
// documented RequestLimitReached body; other statuses the error envelope.
func (s *Server) InjectStatus(count, status int, header http.Header) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range count {
		s.injected = append(s.injected, injection{status: status, header: header.Clone()})
	}
}

// FailedLogins reports how many failed logins from ip are currently counted.
func (s *Server) FailedLogins(ip string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pruneFailuresLocked(ip, s.cfg.Clock.Now()))
}

// Blocked reports whether ip is currently blocked.
func (s *Server) Blocked(ip string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	until, ok := s.blocked[ip]
	return ok && s.cfg.Clock.Now().Before(until)
}

// ResetLockouts forgets all failed logins and blocks.
func (s *Server) ResetLockouts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = map[string][]time.Time{}
	s.blocked = map[string]time.Time{}
}

// SetUsage sets how many requests instance has used in the current quota
// window, so tests can reach exhaustion without sending 24 000 requests.
func (s *Server) SetUsage(instanceName string, used int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	inst := s.instances[instanceName]
	if inst == nil {
		return
	}
	s.rollWindowLocked(inst, s.cfg.Clock.Now())
	inst.used = used
}

// Usage reports how many requests instance has used in the current window.
func (s *Server) Usage(instanceName string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	inst := s.instances[instanceName]
	if inst == nil {
		return 0
	}
	s.rollWindowLocked(inst, s.cfg.Clock.Now())
	return inst.used
}

// Seed adds companies to instance; companies with ID 0 get the next free
// ID. It returns the IDs.
func (s *Server) Seed(instanceName string, companies ...Company) []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	inst := s.instances[instanceName]
	if inst == nil {
		inst = &instance{nextID: 1}
		s.instances[instanceName] = inst
	}
	return s.seedLocked(inst, companies...)
}

func (s *Server) seedLocked(inst *instance, companies ...Company) []int64 {
	var ids []int64
	now := s.cfg.Clock.Now()
	for _, c := range companies {
		c.Tags = append([]string(nil), c.Tags...)
		if c.ID == 0 {
			c.ID = inst.nextID
		}
		if c.ID >= inst.nextID {
			inst.nextID = c.ID + 1
		}
		if c.CreatedAt.IsZero() {
			c.CreatedAt = now
		}
		if c.UpdatedAt.IsZero() {
			c.UpdatedAt = c.CreatedAt
		}
		if c.Version == 0 {
			c.Version = 1
		}
		inst.companies = append(inst.companies, &c)
		ids = append(ids, c.ID)
	}
	return ids
}

// Companies returns a copy of the companies of instance, in ID order.
func (s *Server) Companies(instanceName string) []Company {
	s.mu.Lock()
	defer s.mu.Unlock()
	inst := s.instances[instanceName]
	if inst == nil {
		return nil
	}
	out := make([]Company, 0, len(inst.companies))
	for _, c := range inst.companies {
		cc := *c
		cc.Tags = append([]string(nil), c.Tags...)
		out = append(out, cc)
	}
	return out
}

// The documented 429 body (§1.3), verbatim.
const (
	limitType    = "RequestLimitReached"
	limitMessage = "API request limit reached. See the X-RateLimit-* headers and check out the API documentation for more details."
)

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := s.cfg.Clock.Now()
	s.rec.Record(r, now)

	s.mu.Lock()
	defer s.mu.Unlock()

	if len(s.injected) > 0 {
		inj := s.injected[0]
		s.injected = s.injected[1:]
		for k, v := range inj.header {
			w.Header()[k] = v
		}
		if inj.status == http.StatusTooManyRequests {
			writeJSON(w, inj.status, map[string]any{"type": limitType, "message": limitMessage})
		} else {
			writeError(w, inj.status, "Injected", http.StatusText(inj.status))
		}
		return
	}

	instName := r.Header.Get("X-Instance-Name")
	ip := s.clientIP(r)

	// §1.2: a blocked IP is refused whatever the credentials.
	if until, ok := s.blocked[ip]; ok {
		if now.Before(until) {
			s.quotaHeadersLocked(w, instName, now)
			writeError(w, http.StatusForbidden, "IpAddressBlocked",
				"Too many requests with invalid credentials. Access from this IP address is blocked for "+
					strconv.Itoa(int(s.cfg.BlockDuration/time.Minute))+" minutes.")
			return
		}
		delete(s.blocked, ip)
	}

	inst, user, ok := s.authenticateLocked(r)
	if !ok {
		s.recordFailureLocked(ip, now)
		s.quotaHeadersLocked(w, instName, now)
		w.Header().Set("WWW-Authenticate", `Basic realm="RAYNET CRM"`)
		writeError(w, http.StatusUnauthorized, "Unauthorized", "Invalid credentials or instance name.")
		return
	}

	// §1.3: the per-instance quota.
	s.rollWindowLocked(inst, now)
	if inst.used >= s.cfg.DailyLimit {
		s.setQuotaHeaders(w, inst)
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"type": limitType, "message": limitMessage})
		return
	}
	inst.used++
	s.setQuotaHeaders(w, inst)

	s.route(w, r, inst, user, now)
}

// authenticateLocked checks Basic user:apikey against X-Instance-Name (§1.2).
// It returns the instance and the user's login.
func (s *Server) authenticateLocked(r *http.Request) (*instance, string, bool) {
	instName := r.Header.Get("X-Instance-Name")
	if instName == "" {
		return nil, "", false
	}
	user, key, ok := parseBasic(r.Header.Get("Authorization"))
	if !ok {
		return nil, "", false
	}
	for _, a := range s.cfg.Accounts {
		if a.Instance == instName && a.User == user && a.APIKey == key {
			return s.instances[instName], user, true
		}
	}
	return nil, "", false
}

// parseBasic decodes "Basic base64(user:password)" with a case-insensitive
// scheme, as RFC 7617 allows.
func parseBasic(h string) (user, pass string, ok bool) {
	scheme, cred, found := strings.Cut(h, " ")
	if !found || !strings.EqualFold(scheme, "Basic") {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
	if err != nil {
		return "", "", false
	}
	return strings.Cut(string(raw), ":")
}

func (s *Server) recordFailureLocked(ip string, now time.Time) {
	f := append(s.pruneFailuresLocked(ip, now), now)
	s.failures[ip] = f
	if len(f) >= s.cfg.MaxFailedLogins {
		s.blocked[ip] = now.Add(s.cfg.BlockDuration)
		delete(s.failures, ip)
	}
}

func (s *Server) pruneFailuresLocked(ip string, now time.Time) []time.Time {
	f := s.failures[ip]
	i := 0
	for i < len(f) && !f[i].After(now.Add(-s.cfg.FailureWindow)) {
		i++
	}
	f = f[i:]
	if len(f) == 0 {
		delete(s.failures, ip)
		return nil
	}
	s.failures[ip] = f
	return f
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

// windowStart returns the start of the fixed quota window containing now.
func (s *Server) windowStart(now time.Time) time.Time {
	return now.UTC().Truncate(s.cfg.QuotaWindow)
}

func (s *Server) rollWindowLocked(inst *instance, now time.Time) {
	if ws := s.windowStart(now); !ws.Equal(inst.windowStart) {
		inst.windowStart = ws
		inst.used = 0
	}
}

func (s *Server) setQuotaHeaders(w http.ResponseWriter, inst *instance) {
	h := w.Header()
	h.Set("X-Ratelimit-Limit", strconv.Itoa(s.cfg.DailyLimit))
	h.Set("X-Ratelimit-Remaining", strconv.Itoa(max(0, s.cfg.DailyLimit-inst.used)))
	h.Set("X-Ratelimit-Reset", strconv.FormatInt(inst.windowStart.Add(s.cfg.QuotaWindow).Unix(), 10))
}

// quotaHeadersLocked emits the quota headers of the named instance without
// consuming quota, for responses to requests that failed authentication.
func (s *Server) quotaHeadersLocked(w http.ResponseWriter, instName string, now time.Time) {
	if instName == "" {
		return
	}
	inst := s.instances[instName]
	if inst == nil {
		inst = &instance{}
	}
	s.rollWindowLocked(inst, now)
	s.setQuotaHeaders(w, inst)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	// The seed's example response carries a CGI-style Status line (§1.3).
	w.Header().Set("Status", strconv.Itoa(status)+" "+http.StatusText(status))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeError writes the error envelope (see the package doc).
func writeError(w http.ResponseWriter, status int, typ, msg string) {
	writeJSON(w, status, map[string]any{"success": false, "type": typ, "message": msg})
}

// badRequest writes a 400 with the body the published spec documents for
// it: {"message": "Unsupported filter column ..."}, nothing else.
func badRequest(w http.ResponseWriter, msg string) {
	writeJSON(w, http.StatusBadRequest, map[string]any{"message": msg})
}

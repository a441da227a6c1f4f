// Package pdfgenerator is a faithful fake of PDF Generator API v4, built from
// PROVIDERS.md §2 (the digest of the seed documentation).
//
// What it enforces, each with the section it comes from:
//
//   - A per-request HS256 JWT in "Authorization: Bearer <jwt>" whose iss is
//     the API key, sub the workspace identifier and exp a short expiry in
//     epoch seconds, signed with the API secret (§2.2). Failures answer 401
//     with the verbatim messages of §2.4.
//   - IP-based rate limits of 2 requests per second and 60 per minute, with
//     X-RateLimit-Limit (per minute), X-RateLimit-Remaining (in the current
//     minute) and, on 429, Retry-After in seconds and the documented message
//     (§2.3).
//   - Templates (a workspace sees its own and the organization's default
//     templates), document generation with the base64, url, file and viewer
//     outputs and the pdf and html formats, stored documents, and workspaces
//     whose master cannot be deleted (§2.4, §2.5, [EXT] v4 paths).
//   - 402 for a suspended account and 403 once the monthly document
//     generation limit is used up (§2.4).
//
// Decisions taken where the docs are silent or [AMBIGUOUS]:
//
//   - Base path: /api/v4 ([EXT] §2.1).
//   - Error body: {"message":"<verbatim §2.4 message>"} (the v4 shape);
//     Config.LegacyErrors switches to the v3 shape {"error":"…","status":N}
//     so that both decoders can be tested. 422 validation errors add
//     "errors": {field: [reasons]}.
//   - 401 message per failure: no Authorization header or no Bearer token →
//     "key missing"; a token without a signature → "signature or secret
//     missing"; an undecodable token → "Authentication failed"; alg other
//     than HS256 (typ, when present, must be JWT) or a bad signature →
//     "incorrect signature"; absent iss/sub/exp claims → the "property …
//     missing in JWT" messages (checked in that order); an empty iss → "key
//     missing"; an iss that is not the API key → "invalid 'iss' (issuer)";
//     an empty or unknown sub → "workspace missing" (unless
//     Config.AutoCreateWorkspaces); exp not after now (minus
//     Config.ClockSkew) → "request expired".
//   - exp is mandatory even though the seed's example JWT lacks it (§2.2).
//   - "Too long" tokens: the docs only ask for a short exp. The fake rejects
//     an exp more than Config.MaxTokenLifetime in the future (default 15
//     minutes, the lifetime of the provider's own temporary JWTs; 0 turns
//     the check off) with the generic "Authentication failed".
//   - Rate limits use sliding windows (a sliding log per IP), the strictest
//     reading; 429s do not count. Every request counts, authenticated or
//     not, because the limit is per IP. Retry-After is the whole number of
//     seconds, rounded up, until a request would fit in both windows.
//   - Document generation answers 201 for every output (the status the
//     provider's spec gives the operation); output=file carries the bytes
//     with Content-Type application/pdf or text/html. output=url and viewer
//     return an absolute URL on this server ("/api/v4/documents/{id}/share"
//     and ".../viewer", no auth needed) valid for Config.DocumentTTL (30
//     days). testing=true documents do not count against the monthly limit
//     and carry a PREVIEW stamp.
//   - Data fields {a::b} in a template's body are replaced from the data
//     (§2.5); an array of data renders one page per element.
//   - Templates owned by another workspace of the organization are 404
//     "Entity not found"; templates of another organization are 403
//     "Access not granted: Template is not accessible by this organization".
package pdfgenerator

import (
	"encoding/json"
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

// The verbatim messages of §2.4 (and the [EXT] v4 variants listed there).
const (
	MsgRequestExpired   = "Authentication failed: request expired"
	MsgWorkspaceMissing = "Authentication failed: workspace missing"
	MsgKeyMissing       = "Authentication failed: key missing"
	MsgIssMissing       = "Authentication failed: property 'iss' (issuer) missing in JWT"
	MsgSubMissing       = "Authentication failed: property 'sub' (subject) missing in JWT"
	MsgExpMissing       = "Authentication failed: property 'exp' (expiration time) missing in JWT"
	MsgBadSignature     = "Authentication failed: incorrect signature"
	MsgSignatureMissing = "Authentication failed: signature or secret missing"
	MsgInvalidIss       = "Authentication failed: invalid 'iss' (issuer)"
	MsgAuthFailed       = "Authentication failed"

	MsgSuspended          = "Your account is suspended, please upgrade your account"
	MsgMonthlyLimit       = "Your account has exceeded the monthly document generation limit."
	MsgDeleteMaster       = "Access not granted: You cannot delete master workspace via API"
	MsgTemplateForeign    = "Access not granted: Template is not accessible by this organization"
	MsgEntityNotFound     = "Entity not found"
	MsgResourceNotFound   = "Resource not found"
	MsgNoTemplates        = "None of the templates is available for the workspace."
	MsgBadJSON            = "Unable to parse JSON, please check formatting"
	MsgParamMissing       = "Required parameter missing"
	MsgTemplateNotDefined = "Required parameter missing: template not defined"
	MsgIncorrectParam     = "Incorrect parameter value"
	MsgRateLimited        = "You can make up to 2 requests per second and 60 requests per minute."
)

// Config configures a Server. Start from DefaultConfig; zero numeric fields
// fall back to the documented defaults.
type Config struct {
	// APIKey and APISecret are the account's credentials (§2.2): the JWT's
	// iss and its HS256 signing key.
	APIKey    string
	APISecret string
	// MasterWorkspace is the master workspace identifier, the sign-up
	// e-mail (§2.2, §2.5).
	MasterWorkspace string
	// Workspaces are further workspaces that exist from the start.
	Workspaces []string
	// AutoCreateWorkspaces makes an unknown sub create its workspace
	// instead of failing with "workspace missing".
	AutoCreateWorkspaces bool

	// MaxTokenLifetime is the longest accepted exp - now; 0 disables the
	// check. Default 15 minutes.
	MaxTokenLifetime time.Duration
	// ClockSkew is the leeway applied to exp in both directions. Default 0.
	ClockSkew time.Duration

	// PerSecond requests per SecondWindow and PerMinute per MinuteWindow,
	// per client IP (§2.3). Defaults 2 per 1 s and 60 per 1 min; tests may
	// scale the windows.
	PerSecond    int
	SecondWindow time.Duration
	PerMinute    int
	MinuteWindow time.Duration

	// Templates are the templates of the organization. DefaultConfig sets
	// DefaultTemplates(MasterWorkspace).
	Templates []Template

	// MonthlyDocumentLimit caps non-testing generations per calendar month
	// (UTC); 0 means unlimited.
	MonthlyDocumentLimit int
	// Suspended makes every authenticated request fail with 402.
	Suspended bool
	// DocumentTTL is how long url/viewer documents are kept. Default 30 days.
	DocumentTTL time.Duration

	// LegacyErrors selects the v3 error body {"error","status"}.
	LegacyErrors bool

	// TrustForwardedFor takes the client IP from X-Forwarded-For.
	TrustForwardedFor bool

	// Clock is the time source; nil means the real clock.
	Clock clock.Clock
}

// DefaultConfig returns the documented defaults with fake credentials.
func DefaultConfig() Config {
	const master = "demo@example.com"
	return Config{
		APIKey:           "fake-api-key",
		APISecret:        "fake-api-secret",
		MasterWorkspace:  master,
		MaxTokenLifetime: 15 * time.Minute,
		PerSecond:        2,
		SecondWindow:     time.Second,
		PerMinute:        60,
		MinuteWindow:     time.Minute,
		Templates:        DefaultTemplates(master),
		DocumentTTL:      30 * 24 * time.Hour,
	}
}

func (c *Config) fill() {
	d := DefaultConfig()
	if c.MasterWorkspace == "" {
		c.MasterWorkspace = d.MasterWorkspace
	}
	if c.PerSecond <= 0 {
		c.PerSecond = d.PerSecond
	}
	if c.SecondWindow <= 0 {
		c.SecondWindow = d.SecondWindow
	}
	if c.PerMinute <= 0 {
		c.PerMinute = d.PerMinute
	}
	if c.MinuteWindow <= 0 {
		c.MinuteWindow = d.MinuteWindow
	}
	if c.DocumentTTL <= 0 {
		c.DocumentTTL = d.DocumentTTL
	}
	c.Clock = clock.Or(c.Clock)
}

// Template is a document template (§2.5).
type Template struct {
	ID   int
	Name string
	Tags []string
	// Workspace owns the template; "" makes it an organization default
	// template, available to every workspace.
	Workspace string
	// Foreign marks a template of another organization.
	Foreign bool
	// Body is the template's text; data fields such as
	// {paymentDetails::buyerName} are replaced on generation.
	Body      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// DefaultTemplates returns three templates: an invoice owned by master, an
// organization default label, and a template of another organization.
func DefaultTemplates(master string) []Template {
	at := time.Date(2022, 1, 21, 11, 49, 28, 0, time.UTC)
	return []Template{
		{ID: 19375, Name: "Invoice template", Tags: []string{"invoice", "orders"}, Workspace: master,
			Body: "Invoice {documentNumber}\nBuyer: {paymentDetails::buyerName}\nPaid by: {paymentDetails::method}", CreatedAt: at, UpdatedAt: at},
		{ID: 19376, Name: "Shipping label", Tags: []string{"label"},
			Body: "Ship to: {name}", CreatedAt: at, UpdatedAt: at},
		{ID: 20000, Name: "Other organization's template", Foreign: true, Body: "secret", CreatedAt: at, UpdatedAt: at},
	}
}

// Workspace is one workspace of the organization (§2.5).
type Workspace struct {
	ID         int
	Identifier string
	Master     bool
	CreatedAt  time.Time
}

type document struct {
	publicID    string
	name        string
	contentType string
	data        []byte
	templateID  int
	workspace   string
	created     time.Time
	expires     time.Time
}

// Server is the fake PDF Generator API. It implements http.Handler and is
// safe for concurrent use.
type Server struct {
	cfg Config
	rec fakeutil.Recorder

	mu         sync.Mutex
	templates  []Template
	workspaces []*Workspace
	nextWSID   int
	documents  []*document
	nextDocID  int
	generated  map[string]int         // "2006-01" -> non-testing generations
	hits       map[string][]time.Time // IP -> accepted request times
	suspended  bool
	injected   []injection
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
		templates: append([]Template(nil), cfg.Templates...),
		generated: map[string]int{},
		hits:      map[string][]time.Time{},
		suspended: cfg.Suspended,
		nextWSID:  1,
	}
	now := cfg.Clock.Now()
	s.addWorkspaceLocked(cfg.MasterWorkspace, true, now)
	for _, id := range cfg.Workspaces {
		s.addWorkspaceLocked(id, false, now)
	}
	return s
}

func (s *Server) addWorkspaceLocked(identifier string, master bool, now time.Time) *Workspace {
	ws := &Workspace{ID: s.nextWSID, Identifier: identifier, Master: master, CreatedAt: now}
	s.nextWSID++
	s.workspaces = append(s.workspaces, ws)
	return ws
}

func (s *Server) workspaceLocked(identifier string) *Workspace {
	for _, ws := range s.workspaces {
		if ws.Identifier == identifier {
			return ws
		}
	}
	return nil
}

// Requests returns every request received so far.
func (s *Server) Requests() []fakeutil.Request { return s.rec.Requests() }

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() { s.rec.Reset() }

// InjectStatus makes the next count requests fail with status before any
// other processing, carrying header (e.g. a 429 with Retry-After). The body
// is the error body for status (the documented message for 429).
func (s *Server) InjectStatus(count, status int, header http.Header) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range count {
		s.injected = append(s.injected, injection{status: status, header: header.Clone()})
	}
}

// SetSuspended suspends or reinstates the account (402, §2.4).
func (s *Server) SetSuspended(v bool) {
	s.mu.Lock()
	s.suspended = v
	s.mu.Unlock()
}

// DocumentsGenerated reports the non-testing generations in the current
// calendar month.
func (s *Server) DocumentsGenerated() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.generated[monthKey(s.cfg.Clock.Now())]
}

// Workspaces returns a copy of the workspaces.
func (s *Server) Workspaces() []Workspace {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Workspace, 0, len(s.workspaces))
	for _, ws := range s.workspaces {
		out = append(out, *ws)
	}
	return out
}

func monthKey(t time.Time) string { return t.UTC().Format("2006-01") }

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
		msg := http.StatusText(inj.status)
		if inj.status == http.StatusTooManyRequests {
			msg = MsgRateLimited
		}
		s.writeError(w, inj.status, msg, nil)
		return
	}

	// §2.3: IP-based limits, before authentication.
	if !s.allowLocked(w, s.clientIP(r), now) {
		return
	}

	// Stored documents are public links (output=url / viewer).
	if id, kind, ok := publicDocPath(r.URL.Path); ok && r.Method == http.MethodGet {
		s.servePublicDoc(w, id, kind, now)
		return
	}

	ws, msg := s.authenticateLocked(r, now)
	if msg != "" {
		s.writeError(w, http.StatusUnauthorized, msg, nil)
		return
	}
	if s.suspended {
		s.writeError(w, http.StatusPaymentRequired, MsgSuspended, nil)
		return
	}
	s.route(w, r, ws, now)
}

// allowLocked applies the two sliding windows to ip and writes the 429
// when either is full (§2.3). It sets the rate-limit headers either way.
func (s *Server) allowLocked(w http.ResponseWriter, ip string, now time.Time) bool {
	log := s.hits[ip]
	i := 0
	for i < len(log) && !log[i].After(now.Add(-s.cfg.MinuteWindow)) {
		i++
	}
	log = log[i:]
	inSecond := 0
	for _, t := range log {
		if t.After(now.Add(-s.cfg.SecondWindow)) {
			inSecond++
		}
	}
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(s.cfg.PerMinute))
	if len(log) >= s.cfg.PerMinute || inSecond >= s.cfg.PerSecond {
		// The earliest instant at which both windows have room again.
		var wait time.Duration
		if len(log) >= s.cfg.PerMinute {
			wait = max(wait, log[len(log)-s.cfg.PerMinute].Add(s.cfg.MinuteWindow).Sub(now))
		}
		if inSecond >= s.cfg.PerSecond {
			wait = max(wait, log[len(log)-s.cfg.PerSecond].Add(s.cfg.SecondWindow).Sub(now))
		}
		s.hits[ip] = log
		h.Set("X-RateLimit-Remaining", strconv.Itoa(max(0, s.cfg.PerMinute-len(log))))
		h.Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
		s.writeError(w, http.StatusTooManyRequests, MsgRateLimited, nil)
		return false
	}
	log = append(log, now)
	s.hits[ip] = log
	h.Set("X-RateLimit-Remaining", strconv.Itoa(s.cfg.PerMinute-len(log)))
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

// writeError writes the error body chosen by Config.LegacyErrors.
func (s *Server) writeError(w http.ResponseWriter, status int, msg string, fields map[string][]string) {
	body := map[string]any{"message": msg}
	if s.cfg.LegacyErrors {
		body = map[string]any{"error": msg, "status": status}
	}
	if fields != nil {
		body["errors"] = fields
	}
	writeJSON(w, status, body)
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

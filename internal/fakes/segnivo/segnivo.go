// Package segnivo is a faithful fake of the Segnivo messaging API v1
// (API version 1.7), built from PROVIDERS.md §5 (the digest of the seed
// documentation).
//
// What it enforces, each with the section it comes from:
//
//   - HTTPS only: a plain-HTTP request gets a 301 to the same resource on
//     https (Config.RedirectHTTP, on by default; serve the fake with
//     httptest.NewTLSServer).
//   - The X-API-KEY header on every request; a missing, malformed or
//     invalid key is a 401.
//   - Rate limits per API endpoint per unit of time: 10 000 requests per
//     hour for most endpoints and 1 000 000 per hour for the relay
//     (transactional) sending endpoints, answering 429 without any
//     rate-limit header (none is documented); sending credits, whose
//     exhaustion answers 403.
//   - The request headers: a body must be JSON (Content-Type
//     application/json) and have a Content-Length (no chunked bodies).
//   - Errors as JSON carrying both an "error" key and a "message" key.
//   - A few resources named in the docs ([EXT] paths under /v1): relay
//     sending and fetching, e-mail address validation, e-mail campaigns
//     (/messages), mailing lists and contacts.
//
// Decisions taken where the digest says [AMBIGUOUS] or the docs are
// marketing-level:
//
//   - Error body: {"error":"<code>","message":"<details>"} with codes
//     unauthorized, not_found, method_not_allowed, validation_failed (422,
//     plus "errors": {field: [reasons]}), unsupported_media_type (415),
//     length_required (411), not_acceptable (406), too_many_requests (429),
//     credits_exhausted (403). Both keys are always present so that either
//     documented way of reading an error works.
//   - "Per API endpoint": limits are counted per API key and per route
//     (method and path pattern) over a sliding Config.Window (default one
//     hour). Only authenticated requests count; 429s do not.
//   - Accept: not enforced when absent (Go's client sends none); when
//     present it must allow application/json, otherwise 406.
//   - Credits: every recipient of a relay send uses one credit;
//     Config.SendingCredits < 0 means unlimited (the default). A send that
//     needs more credits than are left is refused whole with 403.
//   - Validation of e-mail addresses is deterministic: an address that does
//     not parse, has no dotted domain or uses a reserved domain (RFC 2606:
//     example.com/.net/.org, .test, .invalid, .example, .localhost) is
//     "undeliverable", anything else "deliverable"; SetVerification
//     overrides single addresses.
//   - The 503 of a traffic spike is not simulated by itself; InjectStatus
//     produces it.
//   - Identifiers are deterministic counters ("em_000001", "lst_000001",
//     "sub_000001", "cmp_000001").
//   - Campaigns (/messages): creating one needs mail_list_uid (an existing
//     list, else 404), name, subject, from_email and from_name; it answers
//     201 with {"status":1,"message","attributes":campaign}. A new campaign
//     is "new" with zeroed statistics; nothing is ever sent.
package segnivo

import (
	"encoding/json"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/apigen-go/apigen/internal/fakes/fakeutil"
	"github.com/apigen-go/apigen/runtime/clock"
)

// Config configures a Server. Start from DefaultConfig; zero numeric
// fields fall back to the documented defaults.
type Config struct {
	// APIKeys are the accepted X-API-KEY values. Default:
	// ["fake-segnivo-key"].
	APIKeys []string

	// RedirectHTTP answers plain-HTTP requests with a 301 to https, as the
	// provider does. DefaultConfig turns it on.
	RedirectHTTP bool
	// HTTPSHost is the host[:port] the 301 points to; "" means the
	// request's own host, as the provider does. Tests that serve the same
	// fake on a plain and a TLS listener set it to the TLS listener.
	HTTPSHost string

	// Window is the rate-limit unit of time. Default one hour.
	Window time.Duration
	// EndpointLimit is the limit per endpoint and Window. Default 10 000.
	EndpointLimit int
	// RelayLimit is the limit of the relay sending endpoints per Window.
	// Default 1 000 000.
	RelayLimit int

	// SendingCredits is how many recipients may be sent to; negative means
	// unlimited (DefaultConfig: -1).
	SendingCredits int

	// MaxRecipients per relay send and MaxValidate addresses per
	// validation request. Defaults 50 and 50.
	MaxRecipients int
	MaxValidate   int

	// Clock is the time source; nil means the real clock.
	Clock clock.Clock
}

// DefaultConfig returns the documented defaults with a fake key.
func DefaultConfig() Config {
	return Config{
		APIKeys:        []string{"fake-segnivo-key"},
		RedirectHTTP:   true,
		Window:         time.Hour,
		EndpointLimit:  10000,
		RelayLimit:     1000000,
		SendingCredits: -1,
		MaxRecipients:  50,
		MaxValidate:    50,
	}
}

func (c *Config) fill() {
	d := DefaultConfig()
	if c.Window <= 0 {
		c.Window = d.Window
	}
	if c.EndpointLimit <= 0 {
		c.EndpointLimit = d.EndpointLimit
	}
	if c.RelayLimit <= 0 {
		c.RelayLimit = d.RelayLimit
	}
	if c.MaxRecipients <= 0 {
		c.MaxRecipients = d.MaxRecipients
	}
	if c.MaxValidate <= 0 {
		c.MaxValidate = d.MaxValidate
	}
	c.Clock = clock.Or(c.Clock)
}

// Server is the fake Segnivo API. It implements http.Handler and is safe
// for concurrent use.
type Server struct {
	cfg Config
	rec fakeutil.Recorder

	mu        sync.Mutex
	hits      map[string][]time.Time // key + route -> accepted request times
	credits   int
	emails    []*email
	lists     []*mailingList
	contacts  []*contact
	campaigns []*campaign
	verify    map[string]string
	next      map[string]int
	injected  []injection
}

type injection struct {
	status int
	header http.Header
}

// New returns a Server for cfg.
func New(cfg Config) *Server {
	cfg.fill()
	return &Server{
		cfg:     cfg,
		hits:    map[string][]time.Time{},
		credits: cfg.SendingCredits,
		verify:  map[string]string{},
		next:    map[string]int{},
	}
}

// Requests returns every request received so far.
func (s *Server) Requests() []fakeutil.Request { return s.rec.Requests() }

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() { s.rec.Reset() }

// InjectStatus makes the next count requests fail with status (e.g. the
// 503 of a traffic spike), carrying header, before any other processing.
func (s *Server) InjectStatus(count, status int, header http.Header) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range count {
		s.injected = append(s.injected, injection{status: status, header: header.Clone()})
	}
}

// SetCredits sets the remaining sending credits (negative: unlimited).
func (s *Server) SetCredits(n int) {
	s.mu.Lock()
	s.credits = n
	s.mu.Unlock()
}

// Credits reports the remaining sending credits.
func (s *Server) Credits() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.credits
}

// SetVerification fixes the validation status of one address
// ("deliverable", "undeliverable", "risky", "unknown").
func (s *Server) SetVerification(address, status string) {
	s.mu.Lock()
	s.verify[strings.ToLower(address)] = status
	s.mu.Unlock()
}

// SentEmails returns the ids of the e-mails accepted for sending.
func (s *Server) SentEmails() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for _, e := range s.emails {
		ids = append(ids, e.ID)
	}
	return ids
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": code, "message": msg})
}

func writeValidation(w http.ResponseWriter, fields map[string][]string) {
	var parts []string
	for _, k := range sortedKeys(fields) {
		parts = append(parts, k+": "+strings.Join(fields[k], "; "))
	}
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
		"error": "validation_failed", "message": "The given data was invalid. " + strings.Join(parts, " "), "errors": fields,
	})
}

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
		writeError(w, inj.status, strings.ReplaceAll(strings.ToLower(http.StatusText(inj.status)), " ", "_"), http.StatusText(inj.status))
		return
	}

	// §5: "Any requests sent via HTTP return an HTTP 301 redirect to the
	// corresponding HTTPS resources."
	if s.cfg.RedirectHTTP && r.TLS == nil {
		host := r.Host
		if s.cfg.HTTPSHost != "" {
			host = s.cfg.HTTPSHost
		}
		target := "https://" + host + r.URL.RequestURI()
		w.Header().Set("Location", target)
		w.WriteHeader(http.StatusMovedPermanently)
		return
	}

	key := r.Header.Get("X-API-KEY")
	if !s.validKey(key) {
		writeError(w, http.StatusUnauthorized, "unauthorized", "Unauthenticated: the X-API-KEY header is missing, malformed or invalid.")
		return
	}

	rt, ok := matchRoute(r.Method, r.URL.Path)
	if !ok {
		if pathKnown(r.URL.Path) {
			writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "Method "+r.Method+" is not allowed on "+r.URL.Path)
			return
		}
		writeError(w, http.StatusNotFound, "not_found", "The requested resource does not exist.")
		return
	}

	if !s.allowLocked(key, rt, now) {
		writeError(w, http.StatusTooManyRequests, "too_many_requests", "Too many requests: the rate limit of this endpoint has been exceeded.")
		return
	}

	if acc := r.Header.Get("Accept"); acc != "" && !acceptsJSON(acc) {
		writeError(w, http.StatusNotAcceptable, "not_acceptable", "The API responds with application/json only.")
		return
	}
	if hasBody(r) {
		if r.ContentLength < 0 {
			writeError(w, http.StatusLengthRequired, "length_required", "Content-Length is required for requests with a body.")
			return
		}
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
			writeError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "Content-Type must be application/json.")
			return
		}
	}
	s.serve(w, r, rt, now)
}

func (s *Server) validKey(k string) bool {
	if k == "" {
		return false
	}
	for _, v := range s.cfg.APIKeys {
		if v == k {
			return true
		}
	}
	return false
}

// hasBody reports whether r carries a body (unknown length counts).
func hasBody(r *http.Request) bool {
	switch r.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
		return r.ContentLength != 0
	}
	return false
}

func acceptsJSON(accept string) bool {
	for _, part := range strings.Split(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "application/json", "application/*", "*/*":
			return true
		}
	}
	return false
}

// allowLocked applies the sliding per-key, per-endpoint limit (§5).
func (s *Server) allowLocked(key string, rt route, now time.Time) bool {
	limit := s.cfg.EndpointLimit
	if rt.relay {
		limit = s.cfg.RelayLimit
	}
	k := key + " " + rt.method + " " + rt.pattern
	log := s.hits[k]
	i := 0
	for i < len(log) && !log[i].After(now.Add(-s.cfg.Window)) {
		i++
	}
	log = log[i:]
	if len(log) >= limit {
		s.hits[k] = log
		return false
	}
	s.hits[k] = append(log, now)
	return true
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

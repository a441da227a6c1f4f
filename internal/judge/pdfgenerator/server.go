// Package pdfgenerator is an independent conformance server for PDF
// Generator API v4, written from the provider's documentation alone
// (PROVIDERS.md §2, seed 001 and the published OpenAPI document): per-request
// HS256 JWTs, IP-based limits of 2 per second and 60 per minute on real
// arrival times, and the documented error messages verbatim.
package pdfgenerator

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apigen-go/apigen/internal/judge/verdict"
)

// Documented messages, verbatim from the published v4 document.
const (
	MsgExpired     = "Authentication failed: request expired"
	MsgSignature   = "Authentication failed: incorrect signature"
	MsgIssMissing  = "Authentication failed: property iss (issuer) missing in JWT"
	MsgSubMissing  = "Authentication failed: property sub (subject) missing in JWT"
	MsgExpMissing  = "Authentication failed: property exp (expiration time) missing in JWT"
	MsgInvalidIss  = "Authentication failed: invalid iss (issuer)"
	MsgAuth        = "Authentication failed"
	MsgRateLimited = "You can make up to 2 requests per second and 60 requests per minute."
	MsgMaster      = "Access not granted: You cannot delete master workspace via API"
	MsgNotFound    = "Entity not found"
)

// jitter is how much earlier than a full second a third request may arrive
// and still count as in the next second: the client spaces what it sends, the
// server sees arrivals, and loopback scheduling moves them by microseconds.
const jitter = 20 * time.Millisecond

// maxTTL is the longest exp the judge accepts as "a matter of seconds".
const maxTTL = 60 * time.Second

// Config holds the account.
type Config struct {
	APIKey, APISecret, Master string
	Templates                 []Template
}

// Template is a template as listed.
type Template struct {
	ID   int64    `json:"id"`
	Name string   `json:"name"`
	Tags []string `json:"tags"`
}

// Server is the judge.
type Server struct {
	*httptest.Server
	cfg Config
	verdict.Log
	verdict.Stats

	mu       sync.Mutex
	accepted []time.Time
}

// New starts the judge on 127.0.0.1.
func New(cfg Config) *Server {
	s := &Server{cfg: cfg}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

func (s *Server) reply(w http.ResponseWriter, status int, v any) {
	s.Answered(status)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) fail(w http.ResponseWriter, status int, msg string) {
	s.reply(w, status, map[string]string{"message": msg})
}

var reWorkspace = regexp.MustCompile(`^/api/v4/workspaces/([^/]+)$`)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Arrived(r.Method + " " + r.URL.RequestURI())
	if msg := s.auth(r, now); msg != "" {
		s.fail(w, http.StatusUnauthorized, msg)
		return
	}
	if s.limited(w, now) {
		return
	}
	switch m := reWorkspace.FindStringSubmatch(r.URL.Path); {
	case r.Method == http.MethodGet && r.URL.Path == "/api/v4/templates":
		s.list(w, r)
	case m != nil && r.Method == http.MethodGet:
		s.reply(w, http.StatusOK, map[string]any{"response": map[string]any{
			"id": 1, "identifier": m[1], "is_master_workspace": m[1] == s.cfg.Master,
			"created_at": "2022-01-21 11:49:28"}})
	case m != nil && r.Method == http.MethodDelete:
		if m[1] == s.cfg.Master {
			s.fail(w, http.StatusForbidden, MsgMaster)
			return
		}
		s.reply(w, http.StatusOK, map[string]any{"response": map[string]any{"success": true}})
	default:
		s.fail(w, http.StatusNotFound, MsgNotFound)
	}
}

// auth checks "Authorization: Bearer <JWT>" as documented; it returns the
// documented 401 message, or "".
func (s *Server) auth(r *http.Request, now time.Time) string {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		s.Violate("%s %s: no Bearer JWT", r.Method, r.URL.Path)
		return MsgAuth
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		s.Violate("%s %s: not a three-part JWT", r.Method, r.URL.Path)
		return MsgAuth
	}
	var hdr struct{ Alg, Typ string }
	var claims map[string]any
	if decode(parts[0], &hdr) != nil || decode(parts[1], &claims) != nil {
		s.Violate("%s %s: JWT header or payload is not base64url JSON", r.Method, r.URL.Path)
		return MsgAuth
	}
	if hdr.Alg != "HS256" || hdr.Typ != "JWT" {
		s.Violate("%s %s: JWT header %+v; the docs want alg HS256, typ JWT", r.Method, r.URL.Path, hdr)
	}
	mac := hmac.New(sha256.New, []byte(s.cfg.APISecret))
	mac.Write([]byte(parts[0] + "." + parts[1]))
	if sig, err := base64.RawURLEncoding.DecodeString(parts[2]); err != nil || !hmac.Equal(sig, mac.Sum(nil)) {
		return MsgSignature
	}
	iss, _ := claims["iss"].(string)
	sub, _ := claims["sub"].(string)
	switch {
	case claims["iss"] == nil:
		s.Violate("%s %s: no iss claim", r.Method, r.URL.Path)
		return MsgIssMissing
	case claims["sub"] == nil || sub == "":
		s.Violate("%s %s: no sub claim", r.Method, r.URL.Path)
		return MsgSubMissing
	case claims["exp"] == nil:
		s.Violate("%s %s: no exp claim (mandatory)", r.Method, r.URL.Path)
		return MsgExpMissing
	case iss != s.cfg.APIKey:
		return MsgInvalidIss
	}
	exp, ok := claims["exp"].(float64)
	if !ok || exp != float64(int64(exp)) {
		s.Violate("%s %s: exp %v is not a Unix time in whole seconds", r.Method, r.URL.Path, claims["exp"])
		return MsgAuth
	}
	at := time.Unix(int64(exp), 0)
	if !at.After(now) {
		return MsgExpired
	}
	if at.Sub(now) > maxTTL {
		s.Violate("%s %s: exp is %v ahead; the docs ask for \"a matter of seconds\"", r.Method, r.URL.Path, at.Sub(now).Round(time.Second))
	}
	return ""
}

func decode(part string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// limited enforces 2 per second and 60 per minute over the accepted
// requests' arrival times (any second, any minute) and writes the headers.
func (s *Server) limited(w http.ResponseWriter, now time.Time) bool {
	inSecond, inMinute := 0, 0
	for _, t := range s.accepted {
		if now.Sub(t) < time.Second-jitter {
			inSecond++
		}
		if now.Sub(t) < time.Minute-jitter {
			inMinute++
		}
	}
	w.Header().Set("X-RateLimit-Limit", "60")
	if inSecond >= 2 || inMinute >= 60 {
		s.Violate("request arrived with %d accepted in the last second and %d in the last minute", inSecond, inMinute)
		w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(max(60-inMinute, 0)))
		w.Header().Set("Retry-After", "1")
		s.fail(w, http.StatusTooManyRequests, MsgRateLimited)
		return true
	}
	s.accepted = append(s.accepted, now)
	w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(60-inMinute-1))
	return false
}

// list pages with page (from 1) and per_page (default 15), items in
// response and the paging state in meta, as the published document shows.
func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for k := range q {
		switch k {
		case "name", "tags", "access", "page", "per_page":
		default:
			s.Violate("GET /templates: undocumented query parameter %q", k)
		}
	}
	page, per := 1, 15
	if v := q.Get("page"); v != "" {
		page, _ = strconv.Atoi(v)
	}
	if v := q.Get("per_page"); v != "" {
		per, _ = strconv.Atoi(v)
	}
	if page < 1 || per < 1 {
		s.fail(w, http.StatusUnprocessableEntity, "Required parameter missing")
		return
	}
	last := max((len(s.cfg.Templates)+per-1)/per, 1)
	if page > last {
		s.Violate("GET /templates: page %d asked after last_page %d", page, last)
	}
	items := []Template{}
	for i := (page - 1) * per; i < len(s.cfg.Templates) && i < page*per; i++ {
		items = append(items, s.cfg.Templates[i])
	}
	s.reply(w, http.StatusOK, map[string]any{"response": items,
		"meta": map[string]int{"current_page": page, "last_page": last, "per_page": per}})
}

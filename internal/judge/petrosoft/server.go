// Package petrosoft is an independent conformance server for the Petrosoft
// CStoreOffice Authorization API, written from the provider's documentation
// alone (PROVIDERS.md §11, seed 004): a JSON login, a refresh that returns a
// new refresh token, a session that refreshing does not extend, 401
// OAuth-style login errors and the 500 Petrosoft envelope for a refused
// refresh.
package petrosoft

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"mime"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/apigen-go/apigen/internal/judge/verdict"
)

// Config holds the API user and the lifetimes (the docs' examples: 86400 s
// for both).
type Config struct {
	Login, Password string
	Access, Session time.Duration
}

// Server is the judge.
type Server struct {
	*httptest.Server
	cfg Config
	verdict.Log

	mu        sync.Mutex
	access    map[string]time.Time // token → expiry
	refresh   map[string]time.Time // live refresh token → session end
	spent     map[string]bool      // refresh tokens already exchanged
	logins    int
	refreshes int
}

// New starts the judge on 127.0.0.1.
func New(cfg Config) *Server {
	s := &Server{cfg: cfg, access: map[string]time.Time{}, refresh: map[string]time.Time{}, spent: map[string]bool{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Counts returns the logins and refreshes answered with 200.
func (s *Server) Counts() (logins, refreshes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logins, s.refreshes
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// envelope is the documented 500 body.
func envelope(w http.ResponseWriter, msg string) {
	reply(w, http.StatusInternalServerError, map[string]any{"success": false, "data": []any{}, "message": msg,
		"http_code": 500, "errors": []any{}, "total": nil})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.URL.Path {
	case "/v1/auth/token":
		s.login(w, r, now)
		return
	case "/v1/auth/refresh_token":
		s.refreshToken(w, r, now)
		return
	}
	tok := r.Header.Get("Authorization")
	exp, ok := s.access[tok]
	switch {
	case !ok:
		s.Violate("%s %s: Authorization %q is no issued Bearer token", r.Method, r.URL.Path, tok)
		reply(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token"})
		return
	case !now.Before(exp):
		s.Violate("%s %s: access token used %v after expires_in", r.Method, r.URL.Path, now.Sub(exp).Round(time.Millisecond))
		reply(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token"})
		return
	}
	reply(w, http.StatusOK, map[string]any{"upc": r.URL.Query().Get("upc"), "retail": 2.49, "onhandQty": 12})
}

func (s *Server) body(r *http.Request, name string, allowed ...string) map[string]any {
	if r.Method != http.MethodPost {
		s.Violate("%s: %s; the Authorization API uses POST only", name, r.Method)
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		s.Violate("%s: Content-Type %q; the examples are JSON", name, r.Header.Get("Content-Type"))
	}
	var b map[string]any
	_ = json.NewDecoder(r.Body).Decode(&b)
	for k := range b {
		ok := false
		for _, a := range allowed {
			ok = ok || k == a
		}
		if !ok {
			s.Violate("%s: undocumented member %q", name, k)
		}
	}
	return b
}

func (s *Server) login(w http.ResponseWriter, r *http.Request, now time.Time) {
	b := s.body(r, "token", "login", "password")
	if b["login"] != s.cfg.Login || b["password"] != s.cfg.Password {
		reply(w, http.StatusUnauthorized, map[string]string{"error": "invalid_grant", "error_description": "Invalid user credentials"})
		return
	}
	s.logins++
	s.issue(w, now, now.Add(s.cfg.Session), hex.EncodeToString(rnd()))
}

// refreshToken exchanges a live refresh token once. Whether an exchanged one
// stays valid is not documented; the judge refuses it, so a client that does
// not store the newest token fails here.
func (s *Server) refreshToken(w http.ResponseWriter, r *http.Request, now time.Time) {
	b := s.body(r, "refresh_token", "refresh_token")
	rt, _ := b["refresh_token"].(string)
	end, live := s.refresh[rt]
	switch {
	case s.spent[rt]:
		s.Violate("refresh_token: a refresh token already exchanged was sent again (store the newest)")
		envelope(w, "Token is not active")
		return
	case !live:
		envelope(w, "JWT missing parts. Total number of parts: 1 Token: "+rt)
		return
	case !now.Before(end):
		envelope(w, "Token is not active")
		return
	}
	delete(s.refresh, rt)
	s.spent[rt] = true
	s.refreshes++
	s.issue(w, now, end, "")
}

// issue answers a token response; the session (refresh token) ends at end,
// and the access token never outlives it.
func (s *Server) issue(w http.ResponseWriter, now, end time.Time, state string) {
	access, rt := "Bearer "+hex.EncodeToString(rnd()), hex.EncodeToString(rnd())
	exp := min(now.Add(s.cfg.Access).UnixNano(), end.UnixNano())
	s.access[access] = time.Unix(0, exp)
	s.refresh[rt] = end
	reply(w, http.StatusOK, map[string]any{"access_token": access[len("Bearer "):],
		"expires_in": int(time.Unix(0, exp).Sub(now) / time.Second), "refresh_expires_in": int(end.Sub(now) / time.Second),
		"refresh_token": rt, "token_type": "bearer", "not-before-policy": 0, "session_state": state, "scope": ""})
}

func rnd() []byte {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return b
}

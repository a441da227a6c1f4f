// Package foxdeli is an independent conformance server for the Foxdeli REST
// API and its OAuth 2.0 server, written from the provider's documentation
// alone (PROVIDERS.md §9, seed 002): HTTPS only, client authentication by
// HTTP Basic only, 40-character authorization codes valid 90 seconds, a
// token answer of 200 and a refresh answer of 201 without a new refresh
// token, expires_in as a string, gzip when asked for, and the
// {code, status, message} envelope.
package foxdeli

import (
	"compress/gzip"
	"crypto/rand"
	"encoding/json"
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

// Config holds the registered OAuth client.
type Config struct {
	ClientID, ClientSecret, RedirectURI string
	// AccessLifetime is the access token's life; the docs say 60 minutes.
	AccessLifetime time.Duration
}

// Server is the judge; it serves TLS on 127.0.0.1.
type Server struct {
	*httptest.Server
	cfg Config
	verdict.Log

	mu        sync.Mutex
	codes     map[string]time.Time // code → issued
	used      map[string]bool
	refresh   map[string]bool
	access    map[string]time.Time // token → expiry
	refreshes int
	exchanges int
}

// New starts the judge.
func New(cfg Config) *Server {
	s := &Server{cfg: cfg, codes: map[string]time.Time{}, used: map[string]bool{},
		refresh: map[string]bool{}, access: map[string]time.Time{}}
	s.Server = httptest.NewTLSServer(http.HandlerFunc(s.serve))
	return s
}

// Refreshes returns how many refresh grants were answered.
func (s *Server) Refreshes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refreshes
}

// IssueCode is what the authorization page redirects with: 40 characters,
// lowercase letters and digits.
func (s *Server) IssueCode() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := token40()
	s.codes[c] = time.Now()
	return c
}

func token40() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 40)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// CheckAuthorizeURL checks an authorization URL against step 2: response_type
// code, client_id, scope joined with "+", state, and redirect_uri, if
// present, exactly the registered one.
func (s *Server) CheckAuthorizeURL(raw, state string) []string {
	var out []string
	q := raw[strings.IndexByte(raw, '?')+1:]
	for _, want := range []string{"response_type=code", "client_id=" + s.cfg.ClientID, "state=" + state} {
		if !strings.Contains("&"+q+"&", "&"+want+"&") {
			out = append(out, "authorize URL lacks "+want)
		}
	}
	if !regexp.MustCompile(`(^|&)scope=[a-z-]+(\+[a-z-]+)*(&|$)`).MatchString(q) {
		out = append(out, "authorize URL scope is not joined with +: "+q)
	}
	return out
}

var reDelivery = regexp.MustCompile(`^/v4/deliveries/(\d+)$`)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.URL.Path == "/oauth/token" || r.URL.Path == "/oauth/token/" {
		s.token(w, r, now)
		return
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	exp, known := s.access[tok]
	if r.URL.Query().Has("access_token") {
		s.Violate("%s %s: token in the query (not supported)", r.Method, r.URL.Path)
	}
	if !ok || !known {
		s.Violate("%s %s: no Bearer token this server issued", r.Method, r.URL.Path)
		s.envelope(w, r, http.StatusUnauthorized, map[string]any{"code": "401", "status": "error", "message": "Unauthorized", "errors": []any{}})
		return
	}
	if !now.Before(exp) {
		s.Violate("%s %s: access token used %v after expires_in", r.Method, r.URL.Path, now.Sub(exp).Round(time.Millisecond))
		w.Header().Set("WWW-Authenticate", `Bearer realm="ClientApi", error="invalid_token", error_description="The access token provided has expired"`)
		s.envelope(w, r, http.StatusUnauthorized, map[string]any{"code": "401", "status": "error", "message": "The access token provided has expired", "errors": []any{}})
		return
	}
	switch m := reDelivery.FindStringSubmatch(r.URL.Path); {
	case r.Method == http.MethodGet && r.URL.Path == "/v4/deliveries":
		w.Header().Set("ETag", `"judge-list"`)
		s.envelope(w, r, http.StatusOK, map[string]any{"code": 200, "status": "success", "message": "OK",
			"data": []map[string]any{{"id": 15023456, "orderNumber": "A1", "status": "new", "value": 330.5, "valueCurrency": "CZK"}}})
	case m != nil && r.Method == http.MethodGet:
		s.envelope(w, r, http.StatusNotFound, map[string]any{"code": 404, "status": "error", "message": "Delivery " + m[1] + " not found"})
	default:
		s.Violate("%s %s: not a route of this judge", r.Method, r.URL.Path)
		s.envelope(w, r, http.StatusNotFound, map[string]any{"code": 404, "status": "error", "message": "Not found"})
	}
}

// envelope writes JSON, gzip-compressed when the client accepts gzip ("we
// strongly recommend using compression always and everywhere").
func (s *Server) envelope(w http.ResponseWriter, r *http.Request, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
		return
	}
	w.Header().Set("Content-Encoding", "gzip")
	w.WriteHeader(status)
	zw := gzip.NewWriter(w)
	_ = json.NewEncoder(zw).Encode(v)
	_ = zw.Close()
}

func (s *Server) oauthError(w http.ResponseWriter, r *http.Request, status int, code, desc string) {
	s.envelope(w, r, status, map[string]string{"error": code, "error_description": desc})
}

// token is steps 3 and 5.
func (s *Server) token(w http.ResponseWriter, r *http.Request, now time.Time) {
	if r.Method != http.MethodPost {
		s.Violate("token endpoint called with %s", r.Method)
		s.oauthError(w, r, http.StatusMethodNotAllowed, "invalid_request", "POST only")
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		s.Violate("token request Content-Type %q; the docs say application/x-www-form-urlencoded, always", r.Header.Get("Content-Type"))
	}
	id, secret, ok := r.BasicAuth()
	if err := r.ParseForm(); err != nil {
		s.oauthError(w, r, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	if r.PostForm.Has("client_id") || r.PostForm.Has("client_secret") || r.URL.Query().Has("client_secret") {
		s.Violate("client credentials in the body or query (\"NOT supported\")")
	}
	if !ok || id != s.cfg.ClientID || secret != s.cfg.ClientSecret {
		s.oauthError(w, r, http.StatusUnauthorized, "invalid_client", "Client authentication failed")
		return
	}
	f := r.PostForm
	if f.Get("redirect_uri") != s.cfg.RedirectURI {
		s.Violate("token request (%s) redirect_uri %q, want the registered %q", f.Get("grant_type"), f.Get("redirect_uri"), s.cfg.RedirectURI)
	}
	if f.Get("scope") == "" || strings.Contains(f.Get("scope"), "+") {
		s.Violate("token request (%s) scope %q: required, space-separated", f.Get("grant_type"), f.Get("scope"))
	}
	exp := strconv.Itoa(int(s.cfg.AccessLifetime / time.Second))
	access := token40()
	switch f.Get("grant_type") {
	case "authorization_code":
		issued, known := s.codes[f.Get("code")]
		switch {
		case !known:
			s.oauthError(w, r, http.StatusBadRequest, "invalid_grant", "Authorization code doesn't exist or is invalid for the client")
			return
		case s.used[f.Get("code")]:
			s.oauthError(w, r, http.StatusBadRequest, "invalid_grant", "Authorization code has already been used")
			return
		case now.Sub(issued) > 90*time.Second:
			s.oauthError(w, r, http.StatusBadRequest, "invalid_grant", "The authorization code has expired")
			return
		}
		s.used[f.Get("code")] = true
		s.exchanges++
		rt := token40()
		s.refresh[rt] = true
		s.access[access] = now.Add(s.cfg.AccessLifetime)
		s.envelope(w, r, http.StatusOK, map[string]string{"access_token": access, "expires_in": exp,
			"token_type": "bearer", "scope": f.Get("scope"), "refresh_token": rt})
	case "refresh_token":
		if !s.refresh[f.Get("refresh_token")] {
			s.Violate("refresh with a refresh token this server did not issue")
			s.oauthError(w, r, http.StatusBadRequest, "invalid_grant", "Invalid refresh token")
			return
		}
		s.refreshes++
		s.access[access] = now.Add(s.cfg.AccessLifetime)
		s.envelope(w, r, http.StatusCreated, map[string]string{"access_token": access, "expires_in": exp,
			"token_type": "bearer", "scope": f.Get("scope")})
	default:
		s.Violate("grant_type %q", f.Get("grant_type"))
		s.oauthError(w, r, http.StatusBadRequest, "unsupported_grant_type", "authorization_code or refresh_token")
	}
}

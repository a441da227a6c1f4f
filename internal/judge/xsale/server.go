// Package xsale is an independent conformance server for xSale's Auth0
// password grant and REST API, written from the provider's documentation
// alone (PROVIDERS.md §10, seed 003 and xSale's companion page): a JSON
// password grant returning an access token and an id token with no refresh
// token, both sent on every call (Authorization: Bearer and x-id-token).
package xsale

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

// Config holds the Auth0 application and the enabled user.
type Config struct {
	ClientID, ClientSecret, Username, Password string
	// Lifetime is expires_in; the docs' example is 86400 s.
	Lifetime time.Duration
}

// Server is the judge: the token endpoint and the API on one host.
type Server struct {
	*httptest.Server
	cfg Config
	verdict.Log

	mu     sync.Mutex
	pairs  map[string]pair // access token → its id token and expiry
	grants int
}

type pair struct {
	id  string
	exp time.Time
}

// New starts the judge on 127.0.0.1.
func New(cfg Config) *Server {
	s := &Server{cfg: cfg, pairs: map[string]pair{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Grants returns how many token pairs were issued.
func (s *Server) Grants() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.grants
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.URL.Path == "/oauth/token" {
		s.token(w, r, now)
		return
	}
	access := r.Header.Get("Authorization")
	p, ok := s.pairs[access]
	switch {
	case !ok:
		s.Violate("%s %s: Authorization %q is no issued Bearer access token", r.Method, r.URL.Path, access)
		reply(w, http.StatusUnauthorized, map[string]string{"Message": "Authorization has been denied for this request."})
		return
	case r.Header.Get("x-id-token") != p.id:
		s.Violate("%s %s: x-id-token is not the id token issued with the access token", r.Method, r.URL.Path)
		reply(w, http.StatusUnauthorized, map[string]string{"Message": "Authorization has been denied for this request."})
		return
	case !now.Before(p.exp):
		s.Violate("%s %s: tokens used %v after expires_in", r.Method, r.URL.Path, now.Sub(p.exp).Round(time.Millisecond))
		reply(w, http.StatusUnauthorized, map[string]string{"Message": "Authorization has been denied for this request."})
		return
	}
	if r.Method == http.MethodGet && r.URL.Path == "/me" {
		reply(w, http.StatusOK, map[string]any{"Id": 7, "Name": "Jan Kowalski", "Nickname": "jan", "Email": s.cfg.Username,
			"EmailVerified": true, "Organizations": []map[string]any{{"Id": 1, "ShortName": "acme", "Name": "acme-sp-z-o-o"}}})
		return
	}
	s.Violate("%s %s: not a documented route", r.Method, r.URL.Path)
	reply(w, http.StatusNotFound, map[string]string{"Message": "Not found"})
}

// token is the documented password grant, JSON in and out.
func (s *Server) token(w http.ResponseWriter, r *http.Request, now time.Time) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); r.Method != http.MethodPost || mt != "application/json" {
		s.Violate("token: %s with Content-Type %q; the docs POST application/json", r.Method, r.Header.Get("Content-Type"))
	}
	if a := r.Header.Get("Accept"); a != "" && a != "application/json" && a != "*/*" {
		s.Violate("token: Accept %q; the docs send application/json", a)
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		reply(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": err.Error()})
		return
	}
	want := map[string]string{"client_id": s.cfg.ClientID, "client_secret": s.cfg.ClientSecret,
		"audience": "https://api.xsale.ai", "grant_type": "password", "scope": "openid profile email xsale production"}
	for k, v := range body {
		switch k {
		case "username", "password":
		default:
			if wv, ok := want[k]; !ok {
				s.Violate("token: undocumented member %q", k)
			} else if v != wv {
				s.Violate("token: %s is %v, the docs say %q", k, v, wv)
			}
		}
	}
	for k := range want {
		if _, ok := body[k]; !ok {
			s.Violate("token: member %q missing", k)
		}
	}
	if body["username"] != s.cfg.Username || body["password"] != s.cfg.Password {
		reply(w, http.StatusForbidden, map[string]string{"error": "invalid_grant", "error_description": "Wrong email or password."})
		return
	}
	access, id := "Bearer "+random(), random()
	s.pairs[access] = pair{id: id, exp: now.Add(s.cfg.Lifetime)}
	s.grants++
	reply(w, http.StatusOK, map[string]any{"access_token": access[len("Bearer "):], "id_token": id,
		"scope": want["scope"], "expires_in": int(s.cfg.Lifetime / time.Second), "token_type": "Bearer"})
}

func random() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

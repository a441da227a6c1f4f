// Package boxnow is an independent conformance server for the BOX NOW
// partner API, written from the provider's documentation alone
// (PROVIDERS.md §4, seed 001 and the published Partner API document): a
// client-credentials session at /api/v1/auth-sessions, bearer tokens that
// expire after expires_in seconds, and {"code": "Pxxx"} errors.
package boxnow

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"time"

	"github.com/apigen-go/apigen/internal/judge/verdict"
)

// Config holds the partner account.
type Config struct {
	ClientID, ClientSecret string
	// TokenLifetime is expires_in; the docs' example token lives 3600 s.
	TokenLifetime time.Duration
}

// Server is the judge.
type Server struct {
	*httptest.Server
	cfg Config
	verdict.Log
	verdict.Stats

	mu       sync.Mutex
	tokens   map[string]time.Time // token → expiry
	sessions int
	orders   map[string]bool
	parcels  map[string]bool
}

// New starts the judge on 127.0.0.1.
func New(cfg Config) *Server {
	s := &Server{cfg: cfg, tokens: map[string]time.Time{}, orders: map[string]bool{},
		parcels: map[string]bool{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Sessions returns how many tokens were issued.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

func (s *Server) reply(w http.ResponseWriter, status int, v any) {
	s.Answered(status)
	if v == nil {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

var (
	reCancel = regexp.MustCompile(`^/api/v1/parcels/([^/]+):cancel$`)
	types    = map[string]bool{"apm": true, "any-apm": true, "warehouse": true, "depot": true}
)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.URL.Path == "/api/v1/auth-sessions" && r.Method == http.MethodPost {
		s.session(w, r, now)
		return
	}
	var tok string
	if h := r.Header.Get("Authorization"); len(h) > 7 && h[:7] == "Bearer " {
		tok = h[7:]
	}
	exp, ok := s.tokens[tok]
	switch {
	case !ok:
		s.Violate("%s %s: no token this server issued", r.Method, r.URL.Path)
		s.reply(w, http.StatusUnauthorized, nil)
		return
	case !now.Before(exp):
		// The client was told expires_in; using the token after it is the
		// client's fault, and the docs answer 401.
		s.Violate("%s %s: token used %v after it expired (expires_in was given)", r.Method, r.URL.Path, now.Sub(exp).Round(time.Millisecond))
		s.reply(w, http.StatusUnauthorized, nil)
		return
	}
	switch m := reCancel.FindStringSubmatch(r.URL.Path); {
	case r.Method == http.MethodGet && r.URL.Path == "/api/v1/destinations":
		s.destinations(w, r)
	case r.Method == http.MethodPost && r.URL.Path == "/api/v1/delivery-requests":
		s.create(w, r)
	case m != nil && r.Method == http.MethodPost:
		if !s.parcels[m[1]] {
			s.reply(w, http.StatusNotFound, nil)
			return
		}
		s.reply(w, http.StatusOK, nil)
	default:
		s.Violate("%s %s: not a documented route", r.Method, r.URL.Path)
		s.reply(w, http.StatusNotFound, nil)
	}
}

// session is the documented client-credentials exchange: a JSON body with
// grant_type, client_id and client_secret.
func (s *Server) session(w http.ResponseWriter, r *http.Request, now time.Time) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		s.Violate("auth-sessions: Content-Type %q; the docs send application/json", r.Header.Get("Content-Type"))
		s.reply(w, http.StatusBadRequest, map[string]string{"code": "P400"})
		return
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		s.Violate("auth-sessions: body is not JSON: %v", err)
		s.reply(w, http.StatusBadRequest, map[string]string{"code": "P400"})
		return
	}
	for k := range body {
		if k != "grant_type" && k != "client_id" && k != "client_secret" {
			s.Violate("auth-sessions: undocumented member %q", k)
		}
	}
	if body["grant_type"] != "client_credentials" {
		s.Violate("auth-sessions: grant_type %v", body["grant_type"])
		s.reply(w, http.StatusBadRequest, map[string]string{"code": "P400"})
		return
	}
	if body["client_id"] != s.cfg.ClientID || body["client_secret"] != s.cfg.ClientSecret {
		s.reply(w, http.StatusUnauthorized, nil)
		return
	}
	exp := now.Add(s.cfg.TokenLifetime)
	tok := jwt(now, exp)
	s.tokens[tok] = exp
	s.sessions++
	s.reply(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer",
		"expires_in": int(s.cfg.TokenLifetime / time.Second)})
}

// jwt makes an access token shaped like the docs' example (iat, exp).
func jwt(iat, exp time.Time) string {
	enc := base64.RawURLEncoding.EncodeToString
	nonce := make([]byte, 8)
	_, _ = rand.Read(nonce)
	payload, _ := json.Marshal(map[string]any{"iat": iat.Unix(), "exp": exp.Unix(), "jti": hex.EncodeToString(nonce)})
	return enc([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + enc(payload) + "." + enc(nonce)
}

func (s *Server) destinations(w http.ResponseWriter, r *http.Request) {
	for k, vs := range r.URL.Query() {
		switch k {
		case "latlng", "radius", "requiredSize", "name", "regionLanguageTag", "limit":
		case "locationType":
			for _, v := range vs {
				if !types[v] {
					s.Violate("destinations: locationType %q (repeated form values of apm, any-apm, warehouse, depot)", v)
				}
			}
		default:
			s.Violate("destinations: undocumented query parameter %q", k)
		}
	}
	s.reply(w, http.StatusOK, map[string]any{"data": []map[string]any{
		{"id": "2", "type": "apm", "name": "Athens APM", "lat": "37.98", "lng": "23.72", "country": "GR", "region": "el-GR"},
		{"id": "9", "type": "apm", "name": "Piraeus APM", "lat": "37.94", "lng": "23.64", "country": "GR", "region": "el-GR"},
	}})
}

// create checks the members the published document requires and answers
// P410 for a reused order number.
func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	var body map[string]json.RawMessage
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		s.reply(w, http.StatusBadRequest, map[string]string{"code": "P400", "message": "Invalid request data"})
		return
	}
	for _, k := range []string{"orderNumber", "invoiceValue", "paymentMode", "amountToBeCollected", "origin", "destination", "items"} {
		if body[k] == nil {
			s.Violate("delivery-requests: required member %q missing", k)
			s.reply(w, http.StatusBadRequest, map[string]string{"code": "P400", "message": "Invalid request data"})
			return
		}
	}
	var order string
	_ = json.Unmarshal(body["orderNumber"], &order)
	if s.orders[order] {
		s.reply(w, http.StatusBadRequest, map[string]string{"code": "P410", "message": "Order number conflict"})
		return
	}
	s.orders[order] = true
	parcel := fmt.Sprintf("%010d", len(s.orders))
	s.parcels[parcel] = true
	s.reply(w, http.StatusOK, map[string]any{"id": "ord-" + order, "parcels": []map[string]string{{"id": parcel}}})
}

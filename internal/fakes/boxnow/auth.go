package boxnow

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// authSession serves POST /api/v1/auth-sessions, the client-credentials
// grant of §4.2.
func (s *Server) authSession(w http.ResponseWriter, r *http.Request, now time.Time) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/json" {
		s.writeCode(w, "P400", "the body must be JSON (Content-Type: application/json)")
		return
	}
	var req struct {
		GrantType    string `json:"grant_type"`
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		s.writeCode(w, "P400", "malformed JSON")
		return
	}
	if req.GrantType != "client_credentials" {
		s.writeCode(w, "P400", "grant_type must be client_credentials")
		return
	}
	if req.ClientID == "" || req.ClientSecret == "" {
		s.writeCode(w, "P400", "client_id and client_secret are required")
		return
	}
	c := s.clients[req.ClientID]
	if c == nil || c.Secret != req.ClientSecret {
		writeMessage(w, http.StatusUnauthorized, "Not Authorized. Invalid client credentials.")
		return
	}
	if c.Disabled {
		s.writeCode(w, "X403", "")
		return
	}
	s.issued++
	jti := fmt.Sprintf("tok-%d", s.issued)
	exp := now.Add(s.cfg.TokenTTL)
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"iat":                now.Unix(),
		"exp":                exp.Unix(),
		"sub":                c.ID,
		"jti":                jti,
		s.cfg.TokenNamespace: map[string]any{"permission": c.Permissions},
	})
	signed, err := tok.SignedString(s.signingKey)
	if err != nil {
		writeMessage(w, http.StatusInternalServerError, err.Error())
		return
	}
	s.tokens[jti] = issuedToken{client: c.ID, expires: exp}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": signed,
		"token_type":   "Bearer",
		"expires_in":   int(s.cfg.TokenTTL / time.Second),
	})
}

// authenticateLocked checks "Authorization: Bearer <access_token>" (§4.2):
// a token this server issued, not revoked and not expired by the clock.
// /ui/v1/parcels.csv and the CSV imports' labels also accept the token in
// ?authorization=, as the X-export-url-csv and X-labels-url-pdf links
// carry it.
func (s *Server) authenticateLocked(r *http.Request, now time.Time) (*Client, bool) {
	raw := ""
	if scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
		raw = strings.TrimSpace(tok)
	} else if r.URL.Path == "/ui/v1/parcels.csv" || strings.HasPrefix(r.URL.Path, "/ui/v1/delivery-requests/") {
		raw = r.URL.Query().Get("authorization")
	}
	if raw == "" {
		return nil, false
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(*jwt.Token) (any, error) { return s.signingKey, nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithoutClaimsValidation())
	if err != nil {
		return nil, false
	}
	jti, _ := claims["jti"].(string)
	it, ok := s.tokens[jti]
	if !ok || !now.Before(it.expires) {
		return nil, false
	}
	c := s.clients[it.client]
	return c, c != nil
}

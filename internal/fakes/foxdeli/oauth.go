package foxdeli

import (
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

func (s *Server) client(id string) (Client, bool) {
	for _, c := range s.cfg.Clients {
		if c.ID == id {
			return c, true
		}
	}
	return Client{}, false
}

// authorize is the authorization endpoint of §9.3 step 2
// (app.foxdeli.com/oauth/authorize/). The fake plays a logged-in user who
// approves, unless DenyAuthorization is on.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		writeOAuthError(w, r, http.StatusMethodNotAllowed, "invalid_request", "The request method must be GET")
		return
	}
	q := r.URL.Query()
	cl, ok := s.client(q.Get("client_id"))
	if !ok {
		// RFC 6749 §4.1.2.1: never redirect for an unknown client or a
		// mismatching redirect URI.
		writeOAuthError(w, r, http.StatusBadRequest, "invalid_client", "No client id supplied or the client id is unknown")
		return
	}
	if ru := q.Get("redirect_uri"); ru != "" && ru != cl.RedirectURI {
		writeOAuthError(w, r, http.StatusBadRequest, "redirect_uri_mismatch", "The redirect URI provided does not match the registered one")
		return
	}
	state := q.Get("state")
	back := func(params url.Values) {
		if state != "" {
			params.Set("state", state)
		}
		sep := "?"
		if strings.Contains(cl.RedirectURI, "?") {
			sep = "&"
		}
		http.Redirect(w, r, cl.RedirectURI+sep+params.Encode(), http.StatusFound)
	}
	if q.Get("response_type") != "code" {
		back(url.Values{"error": {"unsupported_response_type"}, "error_description": {"The response_type must be code"}})
		return
	}
	if state == "" {
		// §9.3: state is required.
		back(url.Values{"error": {"invalid_request"}, "error_description": {"The state parameter is required"}})
		return
	}
	// §9.3: scopes are joined with "+", which the query decodes to spaces.
	scopes := strings.Fields(q.Get("scope"))
	if len(scopes) == 0 || slices.ContainsFunc(scopes, func(sc string) bool { return !slices.Contains(s.cfg.Scopes, sc) }) {
		back(url.Values{"error": {"invalid_scope"}, "error_description": {"An unsupported scope was requested"}})
		return
	}
	s.mu.Lock()
	deny := s.deny
	code := ""
	if !deny {
		code = s.secret40("code")
		s.codes[code] = &authCode{client: cl.ID, redirectURI: cl.RedirectURI, scopes: scopes, expires: s.clk.Now().Add(s.cfg.CodeTTL)}
	}
	s.mu.Unlock()
	if deny {
		back(url.Values{"error": {"access_denied"}, "error_description": {"The user denied access to your application"}})
		return
	}
	back(url.Values{"code": {code}})
}

// token is the token endpoint of §9.3 steps 3 and 5.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.tokenReqs++
	s.mu.Unlock()
	w.Header().Set("X-Frame-Options", "SAMEORIGIN")
	w.Header().Set("Cache-Control", "no-store")
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		writeOAuthError(w, r, http.StatusMethodNotAllowed, "invalid_request", "The request method must be POST when requesting an access token")
		return
	}
	// §9.3 step 1: client authentication by HTTP Basic only, never in the
	// query or the body.
	id, secret, ok := r.BasicAuth()
	cl, known := s.client(id)
	if !ok || !known || cl.Secret != secret {
		w.Header().Set("WWW-Authenticate", `Basic realm="ClientApi"`)
		writeOAuthError(w, r, http.StatusUnauthorized, "invalid_client", "The client credentials are invalid")
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		writeOAuthError(w, r, http.StatusBadRequest, "invalid_request", "The content type for POST requests must be application/x-www-form-urlencoded")
		return
	}
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, r, http.StatusBadRequest, "invalid_request", "Malformed form body")
		return
	}
	f := r.PostForm
	if f.Has("client_id") || f.Has("client_secret") {
		writeOAuthError(w, r, http.StatusBadRequest, "invalid_request", "Client credentials in the request body are not supported")
		return
	}
	// Both grants want redirect_uri and scope (§9.3 steps 3 and 5).
	if f.Get("redirect_uri") != cl.RedirectURI {
		writeOAuthError(w, r, http.StatusBadRequest, "redirect_uri_mismatch", "The redirect URI is missing or does not match the registered one")
		return
	}
	scopes := strings.Fields(f.Get("scope"))
	if len(scopes) == 0 {
		writeOAuthError(w, r, http.StatusBadRequest, "invalid_request", "The scope parameter is required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clk.Now()
	var granted []string
	status := http.StatusOK
	withRefresh := true
	spend := "" // the code to delete once the request succeeds (single use)
	switch f.Get("grant_type") {
	case "authorization_code":
		code := f.Get("code")
		c, ok := s.codes[code]
		if !ok || c.client != cl.ID {
			writeOAuthError(w, r, http.StatusBadRequest, "invalid_grant", "Authorization code doesn't exist or is invalid for the client")
			return
		}
		if !now.Before(c.expires) {
			delete(s.codes, code)
			writeOAuthError(w, r, http.StatusBadRequest, "invalid_grant", "The authorization code has expired")
			return
		}
		granted, spend = c.scopes, code
	case "refresh_token":
		rt, ok := s.refresh[f.Get("refresh_token")]
		if !ok || rt.client != cl.ID {
			writeOAuthError(w, r, http.StatusBadRequest, "invalid_grant", "Invalid refresh token")
			return
		}
		// §9.3 step 5: 201 and no refresh_token; the old one stays valid.
		granted, status, withRefresh = rt.scopes, http.StatusCreated, false
	case "":
		writeOAuthError(w, r, http.StatusBadRequest, "invalid_request", "The grant type was not specified in the request")
		return
	default:
		writeOAuthError(w, r, http.StatusBadRequest, "unsupported_grant_type", "Grant type "+strconv.Quote(f.Get("grant_type"))+" not supported")
		return
	}
	for _, sc := range scopes {
		if !slices.Contains(granted, sc) {
			writeOAuthError(w, r, http.StatusBadRequest, "invalid_scope", "The scope requested is invalid for this request")
			return
		}
	}
	delete(s.codes, spend)
	at := s.secret40("access")
	s.access[at] = &accessToken{client: cl.ID, scopes: scopes, expires: now.Add(s.cfg.AccessTokenTTL)}
	resp := map[string]string{
		"access_token": at,
		"expires_in":   strconv.FormatInt(int64(s.cfg.AccessTokenTTL.Seconds()), 10), // a string (§9.3)
		"token_type":   "bearer",
		"scope":        strings.Join(scopes, " "),
	}
	if withRefresh {
		rt := s.secret40("refresh")
		s.refresh[rt] = &refreshToken{client: cl.ID, scopes: granted}
		resp["refresh_token"] = rt
	}
	b, _ := json.Marshal(resp)
	writeBody(w, r, status, "application/json", b)
}

// writeOAuthError writes an RFC 6749 §5.2 error body, gzip-compressed when
// accepted like every response of the token endpoint.
func writeOAuthError(w http.ResponseWriter, r *http.Request, status int, code, desc string) {
	b, _ := json.Marshal(map[string]string{"error": code, "error_description": desc})
	writeBody(w, r, status, "application/json", b)
}

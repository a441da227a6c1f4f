// Package jtlffn is an independent conformance server for JTL-FFN: its
// OAuth2 server (authorization code grant with single-use, rotating refresh
// tokens) and a slice of the Fulfiller API, written from the provider's
// documentation only (PROVIDERS.md §7, seeds 000/001 and the published
// Fulfiller spec), not from our spec or fakes. It records as a violation
// anything the client sends that the documentation does not allow.
package jtlffn

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"github.com/apigen-go/apigen/internal/judge2/record"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Server is the judge. Serve it with httptest; the client's API base is
// URL+"/api", its OAuth server URL itself (/authorize, /token).
type Server struct {
	ClientID, ClientSecret, RedirectURI string
	// Lifetime is expires_in of issued access tokens (the docs show 1800 s).
	Lifetime time.Duration
	// TotalIsPages writes _page.total as the published description says,
	// "Total pages in the response", instead of the number of items.
	TotalIsPages bool

	record.Log
	mu         sync.Mutex
	codes      map[string][]string   // unspent code -> scopes
	refresh    map[string][]string   // live refresh token -> scopes
	spent      map[string]bool       // refresh tokens already used once
	access     map[string]accessInfo // access token -> scopes, expiry
	refreshes  int
	warehouses []map[string]any
}

type accessInfo struct {
	scopes []string
	expiry time.Time
}

// New returns a judge holding n warehouses.
func New(clientID, clientSecret, redirectURI string, n int) *Server {
	s := &Server{ClientID: clientID, ClientSecret: clientSecret, RedirectURI: redirectURI,
		Lifetime: 1800 * time.Second, codes: map[string][]string{},
		refresh: map[string][]string{}, spent: map[string]bool{}, access: map[string]accessInfo{}}
	for i := 1; i <= n; i++ {
		s.warehouses = append(s.warehouses, warehouse(fmt.Sprintf("FULF04XX-12345-%04d", i), fmt.Sprintf("Lager %02d", i)))
	}
	return s
}

func warehouse(id, name string) map[string]any {
	return map[string]any{"warehouseId": id, "fulfillerId": "FULF", "name": name,
		"address":          map[string]any{"street": "Mortystreet 1", "city": "Mortytown", "country": "DE", "zip": "12345"},
		"modificationInfo": map[string]any{"createdAt": "2024-01-01T00:00:00Z", "updatedAt": "2024-01-01T00:00:00Z", "state": "Modified"}}
}

// Refreshes returns how many refresh grants succeeded.
func (s *Server) Refreshes() int { s.mu.Lock(); defer s.mu.Unlock(); return s.refreshes }

// LiveRefreshTokens returns the refresh tokens not yet spent.
func (s *Server) LiveRefreshTokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for t := range s.refresh {
		out = append(out, t)
	}
	return out
}

// Login stands for the user's consent in the browser: it checks the
// authorize URL the client built and returns the code the callback gets.
func (s *Server) Login(authorizeURL string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := strings.Index(authorizeURL, "/authorize?")
	if i < 0 {
		return "", fmt.Errorf("not an /authorize URL: %s", authorizeURL)
	}
	q, err := url.ParseQuery(authorizeURL[i+len("/authorize?"):])
	if err != nil {
		return "", err
	}
	if q.Get("response_type") != "code" || q.Get("client_id") != s.ClientID || q.Get("redirect_uri") != s.RedirectURI {
		s.Violate("authorize URL %s: want response_type=code, client_id and the registered redirect_uri", authorizeURL)
	}
	if q.Get("state") == "" {
		s.Violate("authorize URL without state (recommended)")
	}
	scopes := strings.Fields(q.Get("scope"))
	for _, sc := range scopes {
		if !strings.HasPrefix(sc, "ffn.") {
			s.Violate("authorize scope %q is not a documented one (scopes are space-delimited)", sc)
		}
	}
	code := token("code")
	s.codes[code] = scopes
	return code, nil
}

func token(prefix string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

// ServeHTTP serves /token and the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	s.Handle(w, r, func() (int, any) { return s.serve(w, r) })
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) (int, any) {
	switch {
	case r.URL.Path == "/token":
		return s.token(r)
	case strings.HasPrefix(r.URL.Path, "/api/v1/"):
		return s.api(w, r)
	}
	s.Violate("%s %s is not a documented endpoint", r.Method, r.URL.Path)
	return http.StatusNotFound, nil
}

func oauthError(code string) map[string]string { return map[string]string{"error": code} }

func (s *Server) token(r *http.Request) (int, any) {
	if r.Method != http.MethodPost {
		s.Violate("%s /token (the docs say POST)", r.Method)
		return http.StatusMethodNotAllowed, nil
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		s.Violate("/token with Content-Type %q (the docs say application/x-www-form-urlencoded)", ct)
	}
	id, secret, ok := r.BasicAuth()
	if !ok || id != s.ClientID || secret != s.ClientSecret {
		s.Violate("/token without Basic client_id:client_secret")
		return http.StatusUnauthorized, oauthError("invalid_client")
	}
	if err := r.ParseForm(); err != nil {
		s.Violate("/token body is not a form: %v", err)
		return http.StatusBadRequest, oauthError("invalid_request")
	}
	f := r.PostForm
	if f.Get("client_secret") != "" {
		s.Violate("/token carries client_secret in the body besides the Basic header")
	}
	var scopes []string
	switch f.Get("grant_type") {
	case "authorization_code":
		if f.Get("redirect_uri") != s.RedirectURI {
			s.Violate("code exchange with redirect_uri %q, want the registered %q", f.Get("redirect_uri"), s.RedirectURI)
		}
		var live bool
		scopes, live = s.codes[f.Get("code")]
		if !live {
			s.Violate("code exchange with an unknown or spent code")
			return http.StatusBadRequest, oauthError("invalid_grant")
		}
		delete(s.codes, f.Get("code"))
	case "refresh_token":
		rt := f.Get("refresh_token")
		if s.spent[rt] {
			s.Violate("refresh token spent twice (refresh tokens are valid for a single refresh only)")
			return http.StatusBadRequest, oauthError("invalid_grant")
		}
		var live bool
		if scopes, live = s.refresh[rt]; !live {
			s.Violate("refresh with an unknown refresh token")
			return http.StatusBadRequest, oauthError("invalid_grant")
		}
		delete(s.refresh, rt)
		s.spent[rt] = true
		s.refreshes++
	default:
		s.Violate("grant_type %q (only authorization_code and refresh_token are documented)", f.Get("grant_type"))
		return http.StatusUnauthorized, oauthError("unsupported_grant_type")
	}
	at, rt := token("at"), token("rt")
	s.access[at] = accessInfo{scopes: scopes, expiry: time.Now().Add(s.Lifetime)}
	s.refresh[rt] = scopes
	return http.StatusOK, map[string]any{"token_type": "Bearer", "expires_in": int(s.Lifetime / time.Second),
		"access_token": at, "refresh_token": rt}
}

func (s *Server) api(w http.ResponseWriter, r *http.Request) (int, any) {
	at, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	info, known := s.access[at]
	if !ok || !known {
		s.Violate("%s %s without a token the judge issued", r.Method, r.URL.Path)
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		return http.StatusUnauthorized, nil
	}
	if time.Now().After(info.expiry) {
		s.Violate("%s %s with an access token past its expires_in", r.Method, r.URL.Path)
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		return http.StatusUnauthorized, nil
	}
	has := func(scope string) bool {
		for _, sc := range info.scopes {
			if sc == scope {
				return true
			}
		}
		return false
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/api/v1/users/current":
		return http.StatusOK, map[string]any{"userId": "FULF", "role": "Fulfiller"}
	case r.Method == http.MethodGet && r.URL.Path == "/api/v1/fulfiller/warehouses":
		if !has("ffn.fulfiller.read") {
			return http.StatusForbidden, nil
		}
		return s.list(r)
	case r.Method == http.MethodPost && r.URL.Path == "/api/v1/fulfiller/warehouses":
		if !has("ffn.fulfiller.write") {
			return http.StatusForbidden, nil
		}
		var req map[string]any
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req["name"] == nil || req["address"] == nil {
			s.Violate("create warehouse body %v (%v): name and address are required", req, err)
			return http.StatusBadRequest, nil
		}
		wh := warehouse(fmt.Sprintf("FULF04XX-12345-%04d", len(s.warehouses)+1), fmt.Sprint(req["name"]))
		wh["address"] = req["address"]
		s.warehouses = append(s.warehouses, wh)
		return http.StatusCreated, wh
	}
	s.Violate("%s %s is outside what the judge exercises", r.Method, r.URL.Path)
	return http.StatusNotFound, nil
}

// list pages with $top (default 50) and $skip, answering _page, count and
// the next-page links.
func (s *Server) list(r *http.Request) (int, any) {
	q := r.URL.Query()
	for k := range q {
		switch k {
		case "$top", "$skip", "$filter", "$select", "$orderBy":
		default:
			s.Violate("GET warehouses: undocumented query parameter %q", k)
		}
	}
	top, skip := record.Int(q, "$top", 50), record.Int(q, "$skip", 0)
	if top < 1 || skip < 0 {
		s.Violate("GET warehouses with $top=%d $skip=%d", top, skip)
		return http.StatusBadRequest, nil
	}
	items := []map[string]any{}
	for i := skip; i < len(s.warehouses) && i < skip+top; i++ {
		items = append(items, s.warehouses[i])
	}
	total := len(s.warehouses)
	if s.TotalIsPages {
		total = (len(s.warehouses) + top - 1) / top
	}
	out := map[string]any{"items": items, "count": len(items),
		"_page": map[string]any{"total": total, "limit": top, "offset": skip}}
	links := map[string]any{}
	if skip > 0 {
		links["previous"] = fmt.Sprintf("?$top=%d&$skip=%d", top, max(skip-top, 0))
	}
	if skip+top < len(s.warehouses) {
		next := fmt.Sprintf("?$top=%d&$skip=%d", top, skip+top)
		links["next"] = next
		out["nextPageLink"] = next
	}
	out["_links"] = links
	return http.StatusOK, out
}

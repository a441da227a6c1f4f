// Package petrosoft is a faithful fake of Petrosoft CStoreOffice's
// Authorization API (/work/shared/PROVIDERS.md §11) and of one endpoint of
// the Inventory Level API its tokens are for, served by one http.Handler.
//
// What it enforces:
//
//   - POST /v1/auth/token with a JSON body {"login","password"} (§11.2)
//     returns Keycloak-style tokens: access_token (an RS256-shaped JWT),
//     expires_in, refresh_expires_in, refresh_token (an HS256-shaped JWT of
//     typ "Refresh"), token_type "bearer", not-before-policy, session_state
//     and scope "". Wrong credentials answer 401
//     {"error":"invalid_grant","error_description":"Invalid user credentials"};
//     a user whose account is restricted answers the documented 500
//     envelope.
//   - POST /v1/auth/refresh_token with {"refresh_token"} (§11.3) returns the
//     same fields with a new refresh token. Refreshing never extends the
//     session: the new tokens expire at the session's end (§11.3
//     [INFERRED]), after which only a new login helps. A malformed refresh
//     token answers 500 "JWT missing parts. Total number of parts: N Token:
//     …" (§11.3), never 401.
//   - The API wants Authorization: Bearer <access_token> (§11.2 "token_type
//     implies"); a missing, unknown or expired token answers 401.
//
// Decisions on [AMBIGUOUS] points:
//   - expires_in and refresh_expires_in are documented in minutes, but the
//     example values are seconds (§11.2): the fake reports seconds, the
//     real remaining lifetime. AccessTokenTTL and SessionTTL set that
//     lifetime (86400 s each by default, as in the example).
//   - EarlyExpiry makes the server stop accepting access tokens that long
//     before the expires_in it reported, so a client that trusts expires_in
//     gets a 401 and must refresh and retry.
//   - Whether a refresh invalidates the refresh token it used is not
//     documented (§11.3); by default it does not (Keycloak's default), and
//     Config.RevokeUsedRefreshTokens makes it single-use.
//   - A well-formed but unknown, used-up or expired refresh token answers
//     500 with Keycloak's message "Token is not active" in the Petrosoft
//     envelope (the seed shows that a bad refresh token is a 500).
//   - The request Content-Type is not stated (§11.2): any is accepted as
//     long as the body is a JSON object. A body that is not answers 400 in
//     the Petrosoft envelope; so do missing fields.
//   - not-before-policy is the integer 0; session_state is a UUID.
//   - The API endpoint is GET /app.php/api/inventory/item?station_id=&upc=
//     [EXT: Petrosoft's "Calling API for Getting Item Details"], answering
//     {"upc","retail","onhandQty"}. Its errors (401, 400, 403 for a station
//     outside the token's locationIds, 404 for an unknown item) use the
//     Petrosoft envelope with http_code.
package petrosoft

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/apigen-go/apigen/internal/fakes/fakeutil"
	"github.com/apigen-go/apigen/runtime/clock"
)

// User is a CStoreOffice API user.
type User struct {
	Login     string // e-mail
	Password  string
	Name      string
	AccountID int
	// LocationIDs are the stations the user may see (the token's
	// locationIds claim).
	LocationIDs []string
	// Restricted makes login answer the documented 500 "can't implement
	// operation due restrictions".
	Restricted bool
}

// Item is one inventory item at a station.
type Item struct {
	StationID string
	UPC       string
	Retail    float64
	OnhandQty float64
}

// Config configures the fake. DefaultConfig holds the documented values;
// tests may scale the TTLs.
type Config struct {
	Users []User
	// AccessTokenTTL is the access token's lifetime (86400 s), capped by the
	// session's end.
	AccessTokenTTL time.Duration
	// SessionTTL is how long a login lasts, refreshes included: the refresh
	// token's lifetime (86400 s).
	SessionTTL time.Duration
	// EarlyExpiry: access tokens stop working this long before the expiry
	// reported in expires_in. 0 means exactly at expiry.
	EarlyExpiry time.Duration
	// RevokeUsedRefreshTokens makes refresh tokens single-use.
	RevokeUsedRefreshTokens bool
	// Issuer is the tokens' iss claim (§11.1 [INFERRED]).
	Issuer string
	// Items seeds the inventory endpoint.
	Items []Item
	// Clock supplies time; nil means clock.Real.
	Clock clock.Clock
}

// DefaultConfig returns the documented defaults and a demo user.
func DefaultConfig() Config {
	return Config{
		Users: []User{{
			Login: "APIUser@petrosoftinc.com", Password: "Password_01", Name: "API User",
			AccountID: 46, LocationIDs: []string{"1529"},
		}},
		AccessTokenTTL: 86400 * time.Second,
		SessionTTL:     86400 * time.Second,
		Issuer:         "https://kc.petrosoft.cloud/auth/realms/cid",
		Items: []Item{
			{StationID: "1529", UPC: "4900002890", Retail: 2.49, OnhandQty: 36},
			{StationID: "1529", UPC: "1200000123", Retail: 1.99, OnhandQty: 0},
		},
	}
}

type sessionState struct {
	id      string
	user    User
	expires time.Time
}

type accessToken struct {
	session *sessionState
	expires time.Time // what expires_in reported
}

type refreshToken struct {
	session *sessionState
	used    bool
}

// Server is the fake; it implements http.Handler and is safe for
// concurrent use.
type Server struct {
	cfg Config
	clk clock.Clock
	rec fakeutil.Recorder
	mux *http.ServeMux

	mu          sync.Mutex
	seq         int
	access      map[string]*accessToken
	refresh     map[string]*refreshToken
	sessions    []*sessionState
	loginReqs   int
	refreshReqs int
	inject      fakeutil.Injections
}

// New returns a fake configured by cfg.
func New(cfg Config) *Server {
	s := &Server{cfg: cfg, clk: clock.Or(cfg.Clock), access: map[string]*accessToken{}, refresh: map[string]*refreshToken{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/auth/token", s.login)
	mux.HandleFunc("POST /v1/auth/refresh_token", s.refreshToken)
	mux.HandleFunc("GET /app.php/api/inventory/item", s.item)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeEnvelope(w, http.StatusNotFound, "Not Found")
	})
	s.mux = mux
	return s
}

// ServeHTTP records the request, then serves it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.rec.Record(r, s.clk.Now())
	if s.inject.Serve(w, r, s.writeStatusError) {
		return
	}
	s.mux.ServeHTTP(w, r)
}

// Requests returns every request received so far.
func (s *Server) Requests() []fakeutil.Request { return s.rec.Requests() }

// TokenRequests counts POST /v1/auth/token requests (logins).
func (s *Server) TokenRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.loginReqs
}

// RefreshRequests counts POST /v1/auth/refresh_token requests.
func (s *Server) RefreshRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refreshReqs
}

// ExpireTokens makes every access token issued so far invalid; refresh
// tokens and sessions stay usable.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.access)
}

// ExpireSessions ends every session: access and refresh tokens stop
// working and a new login is needed.
func (s *Server) ExpireSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clk.Now()
	for _, ss := range s.sessions {
		ss.expires = now
	}
}

// InjectStatus makes the next count requests fail with status before any
// other processing (no authentication, no limits), carrying header (e.g.
// Retry-After), with the Petrosoft envelope (§11.2 500 shape) with http_code.
func (s *Server) InjectStatus(count, status int, header http.Header) {
	s.inject.Status(count, status, header)
}

// InjectResponse queues one canned response: the next request whose path
// starts with path ("" matches any) gets status, header and body verbatim
// (e.g. an HTML error page) before any other processing.
func (s *Server) InjectResponse(path string, status int, header http.Header, body string) {
	s.inject.Response(path, status, header, body)
}

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() { s.rec.Reset() }

// writeStatusError writes the Petrosoft envelope for status (InjectStatus).
func (s *Server) writeStatusError(w http.ResponseWriter, _ *http.Request, status int) {
	writeEnvelope(w, status, http.StatusText(status))
}

// TokenResponse is the 200 body of both auth endpoints (§11.2, §11.3).
type TokenResponse struct {
	AccessToken      string `json:"access_token"`
	ExpiresIn        int64  `json:"expires_in"`
	RefreshExpiresIn int64  `json:"refresh_expires_in"`
	RefreshToken     string `json:"refresh_token"`
	TokenType        string `json:"token_type"`
	NotBeforePolicy  int64  `json:"not-before-policy"`
	SessionState     string `json:"session_state"`
	Scope            string `json:"scope"`
}

// Envelope is Petrosoft's error envelope (§11.2 500).
type Envelope struct {
	Success  bool   `json:"success"`
	Data     []any  `json:"data"`
	Message  string `json:"message"`
	HTTPCode int    `json:"http_code"`
	Errors   []any  `json:"errors"`
	Total    *int   `json:"total"`
}

func writeEnvelope(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, Envelope{Data: []any{}, Message: msg, HTTPCode: status, Errors: []any{}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// decodeBody reads a JSON object into v, answering 400 itself.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		writeEnvelope(w, http.StatusBadRequest, "Request body must be a JSON object.")
		return false
	}
	return true
}

// login is POST /v1/auth/token (§11.2).
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.loginReqs++
	s.mu.Unlock()
	var req struct {
		Login    string `json:"login"`
		Password string `json:"password"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	if req.Login == "" || req.Password == "" {
		writeEnvelope(w, http.StatusBadRequest, "Fields login and password are required.")
		return
	}
	i := slices.IndexFunc(s.cfg.Users, func(u User) bool { return strings.EqualFold(u.Login, req.Login) && u.Password == req.Password })
	if i < 0 {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_grant", "error_description": "Invalid user credentials"})
		return
	}
	u := s.cfg.Users[i]
	if u.Restricted {
		writeEnvelope(w, http.StatusInternalServerError, `Provider App\Application\TokenProvider\CredentialsTokenProvider can't implement operation due restrictions.`)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clk.Now()
	s.seq++
	ss := &sessionState{id: uuid(fmt.Sprintf("session/%d", s.seq)), user: u, expires: now.Add(s.cfg.SessionTTL)}
	s.sessions = append(s.sessions, ss)
	writeJSON(w, http.StatusOK, s.issue(ss, now))
}

// refreshToken is POST /v1/auth/refresh_token (§11.3).
func (s *Server) refreshToken(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.refreshReqs++
	s.mu.Unlock()
	var req struct {
		RefreshToken string `json:"refresh_token"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	if n := len(strings.Split(req.RefreshToken, ".")); n != 3 {
		writeEnvelope(w, http.StatusInternalServerError, fmt.Sprintf("JWT missing parts. Total number of parts: %d Token: %s", n, req.RefreshToken))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clk.Now()
	rt, ok := s.refresh[req.RefreshToken]
	if !ok || rt.used || !now.Before(rt.session.expires) {
		writeEnvelope(w, http.StatusInternalServerError, "Token is not active")
		return
	}
	if s.cfg.RevokeUsedRefreshTokens {
		rt.used = true
	}
	writeJSON(w, http.StatusOK, s.issue(rt.session, now))
}

// issue mints an access and a refresh token for the session; s.mu is held.
func (s *Server) issue(ss *sessionState, now time.Time) TokenResponse {
	exp := now.Add(s.cfg.AccessTokenTTL)
	if exp.After(ss.expires) {
		exp = ss.expires
	}
	s.seq++
	u := ss.user
	at := jwtShaped("RS256", map[string]any{
		"jti": uuid(fmt.Sprintf("access/%d", s.seq)), "exp": exp.Unix(), "nbf": 0, "iat": now.Unix(),
		"iss": s.cfg.Issuer, "aud": "account", "sub": uuid("user/" + u.Login), "typ": "Bearer", "azp": "oidc",
		"auth_time": 0, "session_state": ss.id, "acr": "1",
		"realm_access":    map[string]any{"roles": []string{"offline_access", "uma_authorization"}},
		"resource_access": map[string]any{"account": map[string]any{"roles": []string{"manage-account", "view-profile"}}},
		"scope":           "", "accountId": u.AccountID, "locationIds": strings.Join(u.LocationIDs, ","),
		"name": u.Name, "preferred_username": strings.ToLower(u.Login), "email": strings.ToLower(u.Login),
	})
	rt := jwtShaped("HS256", map[string]any{
		"jti": uuid(fmt.Sprintf("refresh/%d", s.seq)), "exp": ss.expires.Unix(), "nbf": 0, "iat": now.Unix(),
		"iss": s.cfg.Issuer, "aud": s.cfg.Issuer, "sub": uuid("user/" + u.Login), "typ": "Refresh", "azp": "oidc",
		"auth_time": 0, "session_state": ss.id, "scope": "",
	})
	s.access[at] = &accessToken{session: ss, expires: exp}
	s.refresh[rt] = &refreshToken{session: ss}
	return TokenResponse{
		AccessToken: at, ExpiresIn: secondsUntil(now, exp),
		RefreshExpiresIn: secondsUntil(now, ss.expires), RefreshToken: rt,
		TokenType: "bearer", NotBeforePolicy: 0, SessionState: ss.id, Scope: "",
	}
}

func secondsUntil(now, t time.Time) int64 { return int64(t.Sub(now) / time.Second) }

// uuid derives a deterministic UUID-formatted string from seed.
func uuid(seed string) string {
	h := sha256.Sum256([]byte("petrosoft/" + seed))
	x := hex.EncodeToString(h[:16])
	return x[0:8] + "-" + x[8:12] + "-4" + x[13:16] + "-8" + x[17:20] + "-" + x[20:32]
}

// jwtShaped builds a JWT-looking token. The signature is a hash, not a
// real signature: the fake validates tokens by lookup, and clients must
// treat them as opaque.
func jwtShaped(alg string, claims map[string]any) string {
	enc := base64.RawURLEncoding
	h, _ := json.Marshal(map[string]string{"alg": alg, "typ": "JWT"})
	c, _ := json.Marshal(claims)
	in := enc.EncodeToString(h) + "." + enc.EncodeToString(c)
	sig := sha256.Sum256([]byte("petrosoft-fake-signature/" + in))
	return in + "." + enc.EncodeToString(sig[:])
}

// ItemDetails is the body of GET /app.php/api/inventory/item.
type ItemDetails struct {
	UPC       string  `json:"upc"`
	Retail    float64 `json:"retail"`
	OnhandQty float64 `json:"onhandQty"`
}

// item is GET /app.php/api/inventory/item (see the package doc).
func (s *Server) item(w http.ResponseWriter, r *http.Request) {
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	s.mu.Lock()
	at, ok := s.access[tok]
	var u User
	valid := ok && strings.EqualFold(scheme, "Bearer")
	if valid {
		now := s.clk.Now()
		// EarlyExpiry: refuse before the reported expiry; a session that
		// ended ends its tokens too.
		valid = now.Before(at.expires.Add(-s.cfg.EarlyExpiry)) && now.Before(at.session.expires)
		u = at.session.user
	}
	s.mu.Unlock()
	if !valid {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeEnvelope(w, http.StatusUnauthorized, "Unauthorized: the access token is missing, invalid or expired.")
		return
	}
	q := r.URL.Query()
	station, upc := q.Get("station_id"), q.Get("upc")
	if station == "" || upc == "" {
		writeEnvelope(w, http.StatusBadRequest, "Parameters station_id and upc are required.")
		return
	}
	if !slices.Contains(u.LocationIDs, station) {
		writeEnvelope(w, http.StatusForbidden, "Access to station "+station+" is denied.")
		return
	}
	for _, it := range s.cfg.Items {
		if it.StationID == station && it.UPC == upc {
			writeJSON(w, http.StatusOK, ItemDetails{it.UPC, it.Retail, it.OnhandQty})
			return
		}
	}
	writeEnvelope(w, http.StatusNotFound, "Item "+upc+" not found at station "+station+".")
}

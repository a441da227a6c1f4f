// Package jtlffn is a faithful fake of JTL-FFN (the JTL Fulfillment
// Network): its OAuth2 server (oauth2.api.jtl-software.com) and a few
// endpoints of its REST API (ffn2.api.jtl-software.com/api), served by one
// http.Handler.
//
// What it enforces, each from /work/shared/PROVIDERS.md §7:
//
//   - GET /authorize (§7.2): response_type=code, the registered client_id,
//     redirect_uri equal to the registered callback_uri, a space-delimited
//     scope of known scopes, optional state. On success it answers 302 to
//     redirect_uri?code=…&state=…, as the user's browser would see after
//     logging in and approving; errors after a valid client and redirect URI
//     go back on the redirect (RFC 6749 §4.1.2.1), the others are a 400.
//   - POST /token (§7.2): client authentication by HTTP Basic only
//     (client_id:client_secret), form-encoded body, grant_type
//     authorization_code (code, redirect_uri) or refresh_token. Codes are
//     single-use and short-lived; refresh tokens are single-use and rotate;
//     a spent refresh token is invalid_grant. Errors are RFC 6749 §5.2 JSON.
//     The client_credentials and password grants answer 401 (§7.2 "Not
//     supported", §7.3 "401: wrong OAuth method").
//   - The API (§7.1, §7.3) wants Authorization: Bearer <access_token>:
//     missing/unknown/expired → 401; a user who never logged into the portal
//     → 404 Users_UserNotFound; missing scope or role → 403.
//
// Time comes from Config.Clock, so expiry is tested without sleeping; every
// request is recorded. Token values are deterministic (derived from a
// counter), never random.
package jtlffn

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apigen-go/apigen/internal/fakes/fakeutil"
	"github.com/apigen-go/apigen/runtime/clock"
)

// The global scopes of §7.2. [AMBIGUOUS] The seed's Step 1 list swaps the
// descriptions of the merchant and fulfiller scopes; this fake trusts the
// first list: ffn.fulfiller.* guards the Fulfiller API, ffn.merchant.* the
// Merchant API.
const (
	ScopeFulfillerRead  = "ffn.fulfiller.read"
	ScopeFulfillerWrite = "ffn.fulfiller.write"
	ScopeMerchantRead   = "ffn.merchant.read"
	ScopeMerchantWrite  = "ffn.merchant.write"
)

// KnownScopes are the scopes /authorize accepts.
var KnownScopes = []string{ScopeFulfillerRead, ScopeFulfillerWrite, ScopeMerchantRead, ScopeMerchantWrite}

// Role is an FFN user's role (§7.1: the Fulfiller API is for role
// Fulfiller only, the Merchant API for role Merchant only).
type Role string

// The two roles of §7.1.
const (
	RoleFulfiller Role = "Fulfiller"
	RoleMerchant  Role = "Merchant"
)

// User is the JTL customer-center user who logs in at /authorize and
// approves the requested scopes.
type User struct {
	// ID is the four-letter FFN user id (e.g. "FULF"), as in the API's
	// userId fields.
	ID string
	// Subject is the customer-center id, the access token's "sub" claim
	// (§7.2 [INFERRED], e.g. "46209").
	Subject string
	Role    Role
	// NeverLoggedIntoPortal makes every API call answer 404 NotFound, as for
	// a user who never logged into the FFN portal (§7.3 troubleshooting).
	NeverLoggedIntoPortal bool
	Address               Address
}

// Config is the fake's configuration. DefaultConfig holds the documented
// values; tests may scale the TTLs.
type Config struct {
	// ClientID, ClientSecret and RedirectURI are the application
	// credentials JTL hands out (§7.2: client_id, client_secret,
	// callback_uri).
	ClientID     string
	ClientSecret string
	RedirectURI  string

	// User is who logs in and approves at /authorize.
	User User

	// AccessTokenTTL is the access token lifetime; expires_in reports it in
	// whole seconds (§7.2: 1800).
	AccessTokenTTL time.Duration
	// CodeTTL is how long an authorization code may be exchanged.
	// [AMBIGUOUS] not documented; 10 minutes, the maximum RFC 6749 §4.1.2
	// recommends.
	CodeTTL time.Duration
	// RefreshTokenTTL bounds an unused refresh token's life; 0 means no
	// expiry. [AMBIGUOUS] not documented: only single use is (§7.2).
	RefreshTokenTTL time.Duration
	// RevokeAccessTokenOnRefresh makes a refresh also revoke the access
	// token issued with the spent refresh token. Off by default: the docs
	// don't say (§7.2).
	RevokeAccessTokenOnRefresh bool

	// Merchants and Warehouses seed the Fulfiller API.
	Merchants  []Merchant
	Warehouses []Warehouse

	// Clock supplies time; nil means clock.Real.
	Clock clock.Clock
}

// DefaultConfig returns the documented defaults (§7.2) with demo
// credentials and a fulfiller user that has logged into the portal.
func DefaultConfig() Config {
	created := time.Date(2024, 1, 15, 9, 30, 0, 0, time.UTC)
	return Config{
		ClientID:     "jtlffn-demo-client",
		ClientSecret: "jtlffn-demo-secret",
		RedirectURI:  "http://localhost:53972/ffn/sso",
		User: User{
			ID: "FULF", Subject: "46209", Role: RoleFulfiller,
			Address: Address{Company: "Fulfiller GmbH", Street: "Rheinstraße 7", City: "Hückelhoven", Zip: "41836", Country: "DE"},
		},
		AccessTokenTTL: 1800 * time.Second,
		CodeTTL:        10 * time.Minute,
		Merchants: []Merchant{
			{UserID: "MERC", IsActive: true, Address: Address{Company: "Rickcorp LLC", Street: "Mortystreet 1", City: "Mortytown", Zip: "12345", Country: "DE"}, ModificationInfo: ModificationInfo{CreatedAt: created}},
			{UserID: "MER2", IsActive: true, Address: Address{Lastname: "Sanchez", Street: "Portal Road 2", City: "Citadel", Zip: "54321", Country: "AT"}, ModificationInfo: ModificationInfo{CreatedAt: created.Add(time.Hour)}},
			{UserID: "MER3", IsActive: false, Address: Address{Company: "Plumbus AG", Street: "Fleeb 3", City: "Zurich", Zip: "8001", Country: "CH"}, ModificationInfo: ModificationInfo{CreatedAt: created.Add(2 * time.Hour)}},
		},
		Warehouses: []Warehouse{
			{WarehouseID: "FULF04XX-12345-0001", FulfillerID: "FULF", Name: "Garage laboratory", Address: Address{Company: "Fulfiller GmbH", Street: "Rheinstraße 7", City: "Hückelhoven", Country: "DE"}, ModificationInfo: ModificationInfo{CreatedAt: created}},
		},
	}
}

// authCode is an issued authorization code (§7.2, RFC 6749 §4.1.2).
type authCode struct {
	grant       int // the grant every token from this code belongs to
	clientID    string
	redirectURI string
	scopes      []string
	user        User
	expires     time.Time
	used        bool
}

type accessToken struct {
	grant   int
	user    User
	scopes  []string
	expires time.Time
	revoked bool
}

type refreshToken struct {
	grant   int
	user    User
	scopes  []string
	access  string // the access token issued alongside
	expires time.Time
	used    bool
}

// Server is the fake; it implements http.Handler. It is safe for
// concurrent use.
type Server struct {
	cfg Config
	clk clock.Clock
	rec fakeutil.Recorder
	mux *http.ServeMux

	mu            sync.Mutex
	seq           int // feeds nextSecret
	grants        int // numbers authorization grants
	codes         map[string]*authCode
	access        map[string]*accessToken
	refresh       map[string]*refreshToken
	revokedGrants map[int]bool
	warehouses    []Warehouse
	tokenReqs     int
	authorizeReqs int
	deny          bool
	inject        fakeutil.Injections
}

// New returns a fake configured by cfg.
func New(cfg Config) *Server {
	s := &Server{
		cfg:           cfg,
		clk:           clock.Or(cfg.Clock),
		codes:         map[string]*authCode{},
		access:        map[string]*accessToken{},
		refresh:       map[string]*refreshToken{},
		revokedGrants: map[int]bool{},
		warehouses:    slices.Clone(cfg.Warehouses),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /authorize", s.authorize)
	mux.HandleFunc("POST /token", s.token)
	mux.HandleFunc("GET /api/v1/users/current", s.api(s.currentUser))
	mux.HandleFunc("GET /api/v1/fulfiller/merchants", s.api(s.listMerchants))
	mux.HandleFunc("GET /api/v1/fulfiller/merchants/{merchantId}", s.api(s.getMerchant))
	mux.HandleFunc("GET /api/v1/fulfiller/warehouses", s.api(s.listWarehouses))
	mux.HandleFunc("POST /api/v1/fulfiller/warehouses", s.api(s.createWarehouse))
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

// TokenRequests counts POST /token requests, successful or not.
func (s *Server) TokenRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenReqs
}

// AuthorizeRequests counts GET /authorize requests.
func (s *Server) AuthorizeRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.authorizeReqs
}

// ExpireTokens makes every access token issued so far expired, as if
// AccessTokenTTL had passed; refresh tokens stay usable.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clk.Now()
	for _, t := range s.access {
		t.expires = now
	}
}

// DenyAuthorization makes /authorize behave as if the user clicked "deny"
// (redirect with error=access_denied) while on is true.
func (s *Server) DenyAuthorization(on bool) {
	s.mu.Lock()
	s.deny = on
	s.mu.Unlock()
}

// SetUser changes who logs in at the next /authorize; tokens already issued
// keep their user.
func (s *Server) SetUser(u User) {
	s.mu.Lock()
	s.cfg.User = u
	s.mu.Unlock()
}

// InjectStatus makes the next count requests fail with status before any
// other processing (no authentication, no limits), carrying header (e.g.
// Retry-After), with the API's error body for it (401 and 403: empty, with a
// Bearer challenge; others: an ErrorResponse).
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

// nextSecret returns a deterministic opaque value for kind; s.mu is held.
func (s *Server) nextSecret(kind string) string {
	s.seq++
	sum := sha256.Sum256([]byte(fmt.Sprintf("jtlffn/%s/%d", kind, s.seq)))
	return hex.EncodeToString(sum[:])
}

// authorize is GET /authorize (§7.2, RFC 6749 §4.1.1).
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.authorizeReqs++
	q := r.URL.Query()
	// Errors with the client or its redirect URI must not redirect
	// (RFC 6749 §4.1.2.1): the user would see an error page.
	if q.Get("client_id") != s.cfg.ClientID {
		writeOAuthError(w, http.StatusBadRequest, "invalid_client", "Client authentication failed: unknown client_id")
		return
	}
	if q.Get("redirect_uri") != s.cfg.RedirectURI {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "redirect_uri does not match the registered callback_uri")
		return
	}
	state := q.Get("state")
	back := func(params url.Values) {
		if state != "" {
			params.Set("state", state)
		}
		http.Redirect(w, r, s.cfg.RedirectURI+sep(s.cfg.RedirectURI)+params.Encode(), http.StatusFound)
	}
	if q.Get("response_type") != "code" {
		back(url.Values{"error": {"unsupported_response_type"}, "error_description": {"response_type must be code"}})
		return
	}
	// §7.2: the scope is space-delimited; url.Query has already turned %20
	// and + into spaces. Any other separator yields an unknown scope.
	scopes := strings.Fields(q.Get("scope"))
	if len(scopes) == 0 {
		back(url.Values{"error": {"invalid_scope"}, "error_description": {"scope is required"}})
		return
	}
	for _, sc := range scopes {
		if !slices.Contains(KnownScopes, sc) {
			back(url.Values{"error": {"invalid_scope"}, "error_description": {"unknown scope " + sc}})
			return
		}
	}
	if s.deny {
		back(url.Values{"error": {"access_denied"}, "error_description": {"The resource owner denied the request"}})
		return
	}
	code := "def50200" + s.nextSecret("code")
	s.grants++
	s.codes[code] = &authCode{
		grant: s.grants, clientID: s.cfg.ClientID, redirectURI: q.Get("redirect_uri"),
		scopes: scopes, user: s.cfg.User, expires: s.clk.Now().Add(s.cfg.CodeTTL),
	}
	back(url.Values{"code": {code}})
}

func sep(u string) string {
	if strings.Contains(u, "?") {
		return "&"
	}
	return "?"
}

// token is POST /token (§7.2, RFC 6749 §4.1.3, §6).
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenReqs++
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")

	id, secret, ok := r.BasicAuth()
	if !ok {
		// §7.2: client authentication is HTTP Basic only; credentials in
		// the body are not accepted.
		w.Header().Set("WWW-Authenticate", `Basic realm="oauth2"`)
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "Client authentication failed: HTTP Basic authentication required")
		return
	}
	if id != s.cfg.ClientID || secret != s.cfg.ClientSecret {
		w.Header().Set("WWW-Authenticate", `Basic realm="oauth2"`)
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "Client authentication failed")
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "Content-Type must be application/x-www-form-urlencoded")
		return
	}
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "malformed form body")
		return
	}
	f := r.PostForm
	if f.Has("client_secret") {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "use exactly one client authentication method (HTTP Basic)")
		return
	}
	now := s.clk.Now()
	switch gt := f.Get("grant_type"); gt {
	case "authorization_code":
		code := f.Get("code")
		c, ok := s.codes[code]
		switch {
		case code == "":
			writeOAuthError(w, http.StatusBadRequest, "invalid_request", "code is required")
		case !ok || c.clientID != id:
			writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "Authorization code is invalid")
		case c.used:
			// RFC 6749 §4.1.2: a reused code is refused, and the tokens
			// issued from it are revoked.
			s.revokedGrants[c.grant] = true
			writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "Authorization code has been used")
		case !now.Before(c.expires):
			writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "Authorization code has expired")
		case f.Get("redirect_uri") != c.redirectURI:
			writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri does not match the authorization request")
		default:
			c.used = true
			s.issue(w, c.grant, c.user, c.scopes, now)
		}
	case "refresh_token":
		rt := f.Get("refresh_token")
		t, ok := s.refresh[rt]
		switch {
		case rt == "":
			writeOAuthError(w, http.StatusBadRequest, "invalid_request", "refresh_token is required")
		case !ok || s.revokedGrants[t.grant]:
			writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "The refresh token is invalid")
		case t.used:
			// §7.2: refresh tokens are valid for a single refresh only.
			writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "The refresh token has already been used")
		case !t.expires.IsZero() && !now.Before(t.expires):
			writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "The refresh token has expired")
		default:
			scopes := t.scopes
			if sc := f.Get("scope"); sc != "" {
				// RFC 6749 §6: a narrower scope may be asked for, never a wider.
				scopes = strings.Fields(sc)
				for _, x := range scopes {
					if !slices.Contains(t.scopes, x) {
						writeOAuthError(w, http.StatusBadRequest, "invalid_scope", "scope exceeds the original grant")
						return
					}
				}
			}
			t.used = true
			if s.cfg.RevokeAccessTokenOnRefresh {
				if a := s.access[t.access]; a != nil {
					a.revoked = true
				}
			}
			s.issue(w, t.grant, t.user, scopes, now)
		}
	case "client_credentials", "password":
		// §7.2/§7.3: only the authorization code grant with a user works;
		// another OAuth method gives 401.
		writeOAuthError(w, http.StatusUnauthorized, "unauthorized_client", "The grant type "+gt+" is not supported; use the authorization code grant")
	case "":
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "grant_type is required")
	default:
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "The authorization grant type is not supported")
	}
}

// issue writes a token response (§7.2) and stores the new tokens; s.mu is
// held.
func (s *Server) issue(w http.ResponseWriter, grant int, u User, scopes []string, now time.Time) {
	exp := now.Add(s.cfg.AccessTokenTTL)
	jti := s.nextSecret("jti")
	at := jwtShaped(map[string]any{
		"aud": s.cfg.ClientID, "jti": jti, "iat": now.Unix(), "nbf": now.Unix(),
		"exp": exp.Unix(), "sub": u.Subject, "scopes": scopes,
	})
	rt := "def50200" + s.nextSecret("refresh") + s.nextSecret("refresh")
	s.access[at] = &accessToken{grant: grant, user: u, scopes: scopes, expires: exp}
	var rexp time.Time
	if s.cfg.RefreshTokenTTL > 0 {
		rexp = now.Add(s.cfg.RefreshTokenTTL)
	}
	s.refresh[rt] = &refreshToken{grant: grant, user: u, scopes: scopes, access: at, expires: rexp}
	writeJSON(w, http.StatusOK, map[string]any{
		"token_type":    "Bearer",
		"expires_in":    int64(s.cfg.AccessTokenTTL / time.Second),
		"access_token":  at,
		"refresh_token": rt,
	})
}

// jwtShaped builds an RS256-looking JWT with the given claims (§7.2
// [INFERRED]). The signature is a hash, not an RSA signature: the fake
// validates tokens by lookup, and clients must treat them as opaque.
func jwtShaped(claims map[string]any) string {
	enc := base64.RawURLEncoding
	h, _ := json.Marshal(map[string]string{"typ": "JWT", "alg": "RS256"})
	c, _ := json.Marshal(claims)
	in := enc.EncodeToString(h) + "." + enc.EncodeToString(c)
	sig := sha256.Sum256([]byte("jtlffn-fake-signature/" + in))
	return in + "." + enc.EncodeToString(sig[:])
}

// writeStatusError writes the API's error body for status (InjectStatus).
func (s *Server) writeStatusError(w http.ResponseWriter, _ *http.Request, status int) {
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden:
		if w.Header().Get("WWW-Authenticate") == "" {
			w.Header().Set("WWW-Authenticate", `Bearer`)
		}
		w.WriteHeader(status)
	default:
		text := http.StatusText(status)
		writeError(w, status, strings.ReplaceAll(text, " ", ""), text, text, nil)
	}
}

// writeOAuthError writes an RFC 6749 §5.2 error body.
func writeOAuthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// ---- API ----

// caller is the authenticated user and scopes of an API request.
type caller struct {
	user   User
	scopes []string
}

// api wraps an API handler with bearer authentication (§7.2 "API calls")
// and the portal check of §7.3.
func (s *Server) api(h func(http.ResponseWriter, *http.Request, caller)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "Bearer") || tok == "" {
			// RFC 6750 §3.1: no error code when the request had no token.
			w.Header().Set("WWW-Authenticate", `Bearer`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		s.mu.Lock()
		t, ok := s.access[tok]
		valid := ok && !t.revoked && !s.revokedGrants[t.grant] && s.clk.Now().Before(t.expires)
		var c caller
		if valid {
			c = caller{user: t.user, scopes: t.scopes}
		}
		s.mu.Unlock()
		if !valid {
			// [AMBIGUOUS] The error body is not documented (§7.3); the
			// published spec declares 401 without content, so this is an
			// empty body with the RFC 6750 challenge.
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="The access token is invalid or has expired"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if c.user.NeverLoggedIntoPortal {
			writeError(w, http.StatusNotFound, "Users_UserNotFound", "The user does not exist",
				fmt.Sprintf("User '%s' not found", c.user.ID), map[string]string{"UserId": c.user.ID})
			return
		}
		h(w, r, c)
	}
}

// need enforces a role and a scope (§7.1, §7.3 "403 Forbidden: missing
// scopes"). [AMBIGUOUS] The 403 body is not documented; it is empty, with
// an RFC 6750 insufficient_scope challenge when a scope is missing.
func need(w http.ResponseWriter, c caller, role Role, scope string) bool {
	if c.user.Role != role {
		w.WriteHeader(http.StatusForbidden)
		return false
	}
	if !slices.Contains(c.scopes, scope) {
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer error="insufficient_scope", scope="%s"`, scope))
		w.WriteHeader(http.StatusForbidden)
		return false
	}
	return true
}

// ErrorResponse is the API's error body, in the shape the published spec
// (jtl-ffn-fulfiller.json, ErrorResponse) and its examples use.
// [AMBIGUOUS] The schema lists "errorMetaData" as required while its
// examples spell "errorMetadata"; the fake writes what the examples show.
type ErrorResponse struct {
	ErrorCode     ErrorCode         `json:"errorCode"`
	ErrorMessages []ErrorMessage    `json:"errorMessages"`
	ErrorMetadata map[string]string `json:"errorMetadata"`
}

// ErrorCode is ErrorResponse.errorCode.
type ErrorCode struct {
	Code        string `json:"code"`
	Description string `json:"description,omitempty"`
}

// ErrorMessage is one entry of ErrorResponse.errorMessages.
type ErrorMessage struct {
	Message string `json:"message"`
}

func writeError(w http.ResponseWriter, status int, code, desc, msg string, meta map[string]string) {
	if meta == nil {
		meta = map[string]string{}
	}
	writeJSON(w, status, ErrorResponse{ErrorCode{code, desc}, []ErrorMessage{{msg}}, meta})
}

// CurrentUser is the body of GET /api/v1/users/current. [INFERRED] §7.3
// names the endpoint but not its shape; this follows the Merchant schema's
// naming (userId, address) and adds the role.
type CurrentUser struct {
	UserID  string  `json:"userId"`
	Role    Role    `json:"role"`
	Address Address `json:"address"`
}

func (s *Server) currentUser(w http.ResponseWriter, _ *http.Request, c caller) {
	writeJSON(w, http.StatusOK, CurrentUser{UserID: c.user.ID, Role: c.user.Role, Address: c.user.Address})
}

// Address is the published spec's Address.
type Address struct {
	Salutation string `json:"salutation,omitempty"`
	Firstname  string `json:"firstname,omitempty"`
	Lastname   string `json:"lastname,omitempty"`
	Company    string `json:"company,omitempty"`
	Street     string `json:"street"`
	City       string `json:"city"`
	Zip        string `json:"zip,omitempty"`
	Country    string `json:"country"`
	Email      string `json:"email,omitempty"`
	Phone      string `json:"phone,omitempty"`
}

// ModificationInfo is the published spec's ModificationInfo.
type ModificationInfo struct {
	CreatedAt time.Time  `json:"createdAt"`
	UpdatedAt *time.Time `json:"updatedAt,omitempty"`
}

// Merchant is the published spec's Merchant.
type Merchant struct {
	UserID           string           `json:"userId"`
	IsActive         bool             `json:"isActive"`
	Address          Address          `json:"address"`
	ModificationInfo ModificationInfo `json:"modificationInfo"`
}

// Warehouse is the published spec's Warehouse.
type Warehouse struct {
	WarehouseID      string           `json:"warehouseId"`
	FulfillerID      string           `json:"fulfillerId"`
	Name             string           `json:"name"`
	Address          Address          `json:"address"`
	ModificationInfo ModificationInfo `json:"modificationInfo"`
}

// Page is the published spec's Page. Its "total" is described there as
// "Total pages in the response", and the fake reports exactly that: the
// number of pages of limit items. A client that read it as an item count
// would stop early, so our spec does not read it at all and stops at the
// first short page.
type Page struct {
	Total  int `json:"total"`
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
}

// PageLinks is the published spec's PageLinks.
type PageLinks struct {
	Previous string `json:"previous,omitempty"`
	Next     string `json:"next,omitempty"`
}

// Paged is the shape of every Paged*Response in the published spec.
type Paged[T any] struct {
	Items        []T       `json:"items"`
	Page         Page      `json:"_page"`
	Links        PageLinks `json:"_links"`
	NextPageLink string    `json:"nextPageLink,omitempty"`
	Count        int       `json:"count"`
}

// paginate applies the OData-style $top (default 50) and $skip parameters
// of the published spec.
func paginate[T any](w http.ResponseWriter, r *http.Request, all []T) (Paged[T], bool) {
	q := r.URL.Query()
	top, skip := 50, 0
	for _, p := range []struct {
		name string
		dst  *int
	}{{"$top", &top}, {"$skip", &skip}} {
		name, dst := p.name, p.dst
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || (name == "$top" && n == 0) {
				writeError(w, http.StatusBadRequest, "Validation_InvalidParameter", "A parameter is invalid",
					fmt.Sprintf("'%s' must be a positive integer", name), map[string]string{"Parameter": name})
				return Paged[T]{}, false
			}
			*dst = n
		}
	}
	lo := min(skip, len(all))
	hi := min(lo+top, len(all))
	pages := (len(all) + top - 1) / top
	p := Paged[T]{Items: all[lo:hi], Page: Page{Total: pages, Limit: top, Offset: skip}, Count: hi - lo}
	if p.Items == nil {
		p.Items = []T{}
	}
	if hi < len(all) {
		p.Links.Next = fmt.Sprintf("?$top=%d&$skip=%d", top, hi)
		p.NextPageLink = p.Links.Next
	}
	if skip > 0 {
		p.Links.Previous = fmt.Sprintf("?$top=%d&$skip=%d", top, max(skip-top, 0))
	}
	return p, true
}

func (s *Server) listMerchants(w http.ResponseWriter, r *http.Request, c caller) {
	if !need(w, c, RoleFulfiller, ScopeFulfillerRead) {
		return
	}
	if p, ok := paginate(w, r, s.cfg.Merchants); ok {
		writeJSON(w, http.StatusOK, p)
	}
}

func (s *Server) getMerchant(w http.ResponseWriter, r *http.Request, c caller) {
	if !need(w, c, RoleFulfiller, ScopeFulfillerRead) {
		return
	}
	id := r.PathValue("merchantId")
	for _, m := range s.cfg.Merchants {
		if m.UserID == id {
			writeJSON(w, http.StatusOK, m)
			return
		}
	}
	writeError(w, http.StatusNotFound, "Authorizations_AuthorizationNotFound", "The authorization does not exist",
		fmt.Sprintf("Authorization for fulfiller '%s' does not exist", c.user.ID),
		map[string]string{"MerchantId": id, "FulfillerId": c.user.ID})
}

func (s *Server) listWarehouses(w http.ResponseWriter, r *http.Request, c caller) {
	if !need(w, c, RoleFulfiller, ScopeFulfillerRead) {
		return
	}
	s.mu.Lock()
	all := slices.Clone(s.warehouses)
	s.mu.Unlock()
	if p, ok := paginate(w, r, all); ok {
		writeJSON(w, http.StatusOK, p)
	}
}

// CreateWarehouseRequest is the published spec's CreateWarehouseRequest.
type CreateWarehouseRequest struct {
	Name    string   `json:"name"`
	Address *Address `json:"address"`
}

// createWarehouse is POST /api/v1/fulfiller/warehouses. [AMBIGUOUS] The
// validation error body is not documented; it is an ErrorResponse with
// code "Validation_Failed" and one message per problem.
func (s *Server) createWarehouse(w http.ResponseWriter, r *http.Request, c caller) {
	if !need(w, c, RoleFulfiller, ScopeFulfillerWrite) {
		return
	}
	var req CreateWarehouseRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "Validation_Failed", "The request is invalid", "The request body is not valid JSON", nil)
		return
	}
	var msgs []ErrorMessage
	if req.Name == "" {
		msgs = append(msgs, ErrorMessage{"'name' must not be empty"})
	}
	if a := req.Address; a == nil {
		msgs = append(msgs, ErrorMessage{"'address' must not be empty"})
	} else {
		if a.Street == "" {
			msgs = append(msgs, ErrorMessage{"'address.street' must not be empty"})
		}
		if a.City == "" {
			msgs = append(msgs, ErrorMessage{"'address.city' must not be empty"})
		}
		if len(a.Country) != 2 {
			msgs = append(msgs, ErrorMessage{"'address.country' must be an ISO 3166 alpha-2 code"})
		}
		if a.Company == "" && a.Lastname == "" {
			msgs = append(msgs, ErrorMessage{"One of 'address.company' or 'address.lastname' must be given"})
		}
	}
	if len(msgs) > 0 {
		writeJSON(w, http.StatusBadRequest, ErrorResponse{ErrorCode{"Validation_Failed", "The request is invalid"}, msgs, map[string]string{}})
		return
	}
	s.mu.Lock()
	wh := Warehouse{
		WarehouseID: fmt.Sprintf("%s04XX-%05d-%04d", c.user.ID, 12345, len(s.warehouses)+1),
		FulfillerID: c.user.ID, Name: req.Name, Address: *req.Address,
		ModificationInfo: ModificationInfo{CreatedAt: s.clk.Now().UTC()},
	}
	s.warehouses = append(s.warehouses, wh)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, wh)
}

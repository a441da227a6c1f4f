// Package xsale is a faithful fake of xSale's "Backend API" access
// (/work/shared/PROVIDERS.md §10): the Auth0 tenant at login.futuriti.pl
// (POST /oauth/token) and the xSale REST API at api.xsale.ai, served by one
// http.Handler.
//
// What it enforces:
//
//   - The token request of §10.1: a JSON body with client_id,
//     client_secret, audience, username, password, grant_type "password"
//     and scope. The response carries access_token, id_token (when the
//     scope asks for openid), scope, expires_in (86400 s) and token_type
//     "Bearer", and no refresh_token.
//   - The warning of §10.2: the fake counts token requests (TokenRequests)
//     and refuses more than Config.TokenLimit per Config.TokenWindow per
//     client with 429 too_many_requests.
//   - Both tokens on every API call (§10.2 [EXT]): Authorization: Bearer
//     <access_token> and x-id-token: <id_token>, issued together and not
//     expired; otherwise 401.
//   - GET /me returns the user and their organizations (PascalCase, §10.2
//     [EXT]); Organizations[].Name is the {organizationName} path parameter
//     of the organization endpoints: a name that is not one of the user's
//     answers 403, an unknown one 404.
//
// Decisions on [AMBIGUOUS] points:
//   - The issuance limit has no documented number: 10 token requests per
//     client per sliding hour by default. Every request to /oauth/token
//     counts, successful or not; 429 answers also carry Auth0's
//     x-ratelimit-limit / -remaining / -reset (epoch seconds) headers [EXT],
//     as do all token responses.
//   - Token errors use Auth0's {"error","error_description"} [EXT], with
//     Auth0's statuses: 401 access_denied for bad client credentials, 403
//     invalid_grant for a wrong e-mail or password, 403 access_denied for
//     an unknown audience, 403 unauthorized_client for another grant type.
//   - Only a JSON body is accepted (§10.1 shows JSON).
//   - A request without audience gets tokens whose access token is not
//     valid for the xSale API (as with Auth0, which then issues a token for
//     its own /userinfo only): the API answers 401.
//   - The API's error body is not documented; it is ASP.NET's
//     {"Message": "…"} (the API speaks PascalCase).
//   - No organization-scoped endpoint is named in the docs; the fake serves
//     GET /{organizationName}/orders and /{organizationName}/orders/{id}
//     as stand-ins, with an invented Order shape.
package xsale

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apigen-go/apigen/internal/fakes/fakeutil"
	"github.com/apigen-go/apigen/runtime/clock"
)

// Organization is one of a user's organizations (GET /me).
type Organization struct {
	ID        int    `json:"Id"`
	ShortName string `json:"ShortName"`
	Name      string `json:"Name"`
}

// User is an xSale user allowed API access (§10.1: xSale is given the list
// of e-mails).
type User struct {
	ID            int
	Name          string
	Nickname      string
	Email         string
	Password      string
	EmailVerified bool
	Organizations []Organization
}

// Order is the stand-in resource of the organization endpoints.
type Order struct {
	ID           int       `json:"Id"`
	Number       string    `json:"Number"`
	Status       string    `json:"Status"`
	CreatedAt    time.Time `json:"CreatedAt"`
	TotalGross   float64   `json:"TotalGross"`
	CurrencyCode string    `json:"CurrencyCode"`
}

// Config configures the fake. DefaultConfig holds the documented values;
// tests may scale the TTL and the issuance limit.
type Config struct {
	// ClientID and ClientSecret are the application's Auth0 credentials.
	ClientID     string
	ClientSecret string
	// Audience is the API identifier (§10.1: "https://api.xsale.ai").
	Audience string
	// Issuer is the Auth0 tenant URL put into the tokens' iss claim.
	Issuer string
	// Users are the users with API access.
	Users []User
	// TokenTTL is the tokens' lifetime (§10.1: 86400 s).
	TokenTTL time.Duration
	// TokenLimit and TokenWindow bound token requests per client (§10.2;
	// see the package doc).
	TokenLimit  int
	TokenWindow time.Duration
	// Orders seeds the stand-in organization endpoints, by organization
	// name.
	Orders map[string][]Order
	// Clock supplies time; nil means clock.Real.
	Clock clock.Clock
}

// DemoOrganization is the organization of the demo user.
const DemoOrganization = "Futuriti_bb7b2a13-84e7-4261-8550-0250op0f9b55"

// DefaultConfig returns the documented defaults and a demo user shaped
// like the §10.2 example.
func DefaultConfig() Config {
	return Config{
		ClientID:     "xsale-demo-client",
		ClientSecret: "xsale-demo-secret",
		Audience:     "https://api.xsale.ai",
		Issuer:       "https://login.futuriti.pl/",
		Users: []User{{
			ID: 1, Name: "Lorem Ipsum", Nickname: "loremipsum", Email: "loremipsum@futuriti.pl", Password: "MyPass",
			EmailVerified: true, Organizations: []Organization{{ID: 1, ShortName: "Futuriti", Name: DemoOrganization}},
		}},
		TokenTTL:    86400 * time.Second,
		TokenLimit:  10,
		TokenWindow: time.Hour,
		Orders: map[string][]Order{DemoOrganization: {
			{ID: 101, Number: "ZAM/1/2025", Status: "New", CreatedAt: time.Date(2025, 1, 2, 10, 0, 0, 0, time.UTC), TotalGross: 199.99, CurrencyCode: "PLN"},
			{ID: 102, Number: "ZAM/2/2025", Status: "Sent", CreatedAt: time.Date(2025, 1, 3, 11, 30, 0, 0, time.UTC), TotalGross: 49.5, CurrencyCode: "PLN"},
		}},
	}
}

// session is one successful token response: the two tokens belong
// together.
type session struct {
	user     User
	idToken  string
	audience string
	expires  time.Time
}

// Server is the fake; it implements http.Handler and is safe for
// concurrent use.
type Server struct {
	cfg Config
	clk clock.Clock
	rec fakeutil.Recorder
	mux *http.ServeMux

	mu        sync.Mutex
	seq       int
	sessions  map[string]*session // by access token
	tokenReqs int
	issued    int
	window    map[string][]time.Time // client_id → token request times
	inject    fakeutil.Injections
}

// New returns a fake configured by cfg.
func New(cfg Config) *Server {
	s := &Server{cfg: cfg, clk: clock.Or(cfg.Clock), sessions: map[string]*session{}, window: map[string][]time.Time{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/token", s.token)
	mux.HandleFunc("GET /me", s.api(s.me))
	mux.HandleFunc("GET /{organizationName}/orders", s.api(s.orders))
	mux.HandleFunc("GET /{organizationName}/orders/{orderId}", s.api(s.order))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, apiError{"No HTTP resource was found that matches the request URI."})
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

// TokenRequests counts requests to /oauth/token, whatever their outcome.
func (s *Server) TokenRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenReqs
}

// TokensIssued counts successful token responses.
func (s *Server) TokensIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issued
}

// ExpireTokens makes every token issued so far expired.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clk.Now()
	for _, ss := range s.sessions {
		ss.expires = now
	}
}

// InjectStatus makes the next count requests fail with status before any
// other processing (no authentication, no limits), carrying header (e.g.
// Retry-After), with Auth0's {"error","error_description"} under /oauth/ and the API's
// {"Message"} elsewhere.
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

// writeStatusError writes the error body for status (InjectStatus): Auth0's
// under /oauth/, the API's elsewhere.
func (s *Server) writeStatusError(w http.ResponseWriter, r *http.Request, status int) {
	if !strings.HasPrefix(r.URL.Path, "/oauth/") {
		writeJSON(w, status, apiError{http.StatusText(status)})
		return
	}
	code := map[int]string{
		http.StatusBadRequest: "invalid_request", http.StatusUnauthorized: "access_denied",
		http.StatusForbidden: "access_denied", http.StatusTooManyRequests: "too_many_requests",
	}[status]
	if code == "" {
		code = "server_error"
	}
	writeOAuthError(w, status, code, http.StatusText(status))
}

// tokenRequest is the JSON body of §10.1.
type tokenRequest struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	Audience     string `json:"audience"`
	Username     string `json:"username"`
	Password     string `json:"password"`
	GrantType    string `json:"grant_type"`
	Scope        string `json:"scope"`
}

// token is POST /oauth/token (§10.1).
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	body, _ := io.ReadAll(r.Body)
	var req tokenRequest
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	jsonErr := json.Unmarshal(body, &req)

	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenReqs++
	now := s.clk.Now()
	// §10.2: the authorization server limits token issuance.
	key := req.ClientID
	hits := s.window[key]
	for len(hits) > 0 && now.Sub(hits[0]) >= s.cfg.TokenWindow {
		hits = hits[1:]
	}
	over := len(hits) >= s.cfg.TokenLimit
	if !over {
		hits = append(hits, now)
	}
	s.window[key] = hits
	reset := now.Add(s.cfg.TokenWindow)
	if len(hits) > 0 {
		reset = hits[0].Add(s.cfg.TokenWindow)
	}
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(s.cfg.TokenLimit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(max(s.cfg.TokenLimit-len(hits), 0)))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	if over {
		writeOAuthError(w, http.StatusTooManyRequests, "too_many_requests",
			"Too many requests. Check the X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset headers.")
		return
	}

	switch {
	case mt != "application/json" || jsonErr != nil:
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "The request body must be a JSON object (Content-Type: application/json).")
		return
	case req.GrantType == "":
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "Missing required parameter: grant_type")
		return
	case req.GrantType != "password":
		writeOAuthError(w, http.StatusForbidden, "unauthorized_client", fmt.Sprintf("Grant type '%s' not allowed for the client.", req.GrantType))
		return
	case req.ClientID != s.cfg.ClientID || req.ClientSecret != s.cfg.ClientSecret:
		writeOAuthError(w, http.StatusUnauthorized, "access_denied", "Unauthorized")
		return
	case req.Audience != "" && req.Audience != s.cfg.Audience:
		writeOAuthError(w, http.StatusForbidden, "access_denied", "Service not found: "+req.Audience)
		return
	case req.Username == "" || req.Password == "":
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "Missing required parameter: username and password")
		return
	}
	i := slices.IndexFunc(s.cfg.Users, func(u User) bool { return strings.EqualFold(u.Email, req.Username) && u.Password == req.Password })
	if i < 0 {
		writeOAuthError(w, http.StatusForbidden, "invalid_grant", "Wrong email or password.")
		return
	}
	u := s.cfg.Users[i]
	exp := now.Add(s.cfg.TokenTTL)
	scopes := strings.Fields(req.Scope)
	s.seq++
	sub := fmt.Sprintf("auth0|%d", u.ID)
	var at string
	if req.Audience == "" {
		// Auth0 without audience: an opaque token, not for the API.
		sum := sha256.Sum256([]byte(fmt.Sprintf("xsale/opaque/%d", s.seq)))
		at = base64.RawURLEncoding.EncodeToString(sum[:])
	} else {
		at = jwtShaped(claims("", nil, map[string]any{
			"iss": s.cfg.Issuer, "sub": sub, "aud": []string{req.Audience, s.cfg.Issuer + "userinfo"},
			"iat": now.Unix(), "exp": exp.Unix(), "azp": req.ClientID, "scope": req.Scope,
			"gty": "password", "jti": strconv.Itoa(s.seq),
		}))
	}
	resp := map[string]any{"access_token": at, "scope": req.Scope, "expires_in": int64(s.cfg.TokenTTL / time.Second), "token_type": "Bearer"}
	idt := ""
	if slices.Contains(scopes, "openid") {
		// [INFERRED] §10.1: the payload begins with a namespaced claim.
		idt = jwtShaped(claims("https://futuriti.pl/user_metadata", map[string]any{"organizations": u.Organizations}, map[string]any{
			"nickname": u.Nickname, "name": u.Name, "email": u.Email, "email_verified": u.EmailVerified,
			"iss": s.cfg.Issuer, "sub": sub, "aud": req.ClientID, "iat": now.Unix(), "exp": exp.Unix(),
			"jti": strconv.Itoa(s.seq),
		}))
		resp["id_token"] = idt
	}
	s.sessions[at] = &session{user: u, idToken: idt, audience: req.Audience, expires: exp}
	s.issued++
	writeJSON(w, http.StatusOK, resp)
}

// jwtShaped builds an RS256-looking JWT around a JSON payload. The
// signature is a hash, not an RSA signature: the fake validates tokens by
// lookup, and clients must treat them as opaque.
func jwtShaped(payload []byte) string {
	enc := base64.RawURLEncoding
	h, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT"})
	in := enc.EncodeToString(h) + "." + enc.EncodeToString(payload)
	sig := sha256.Sum256([]byte("xsale-fake-signature/" + in))
	return in + "." + enc.EncodeToString(sig[:])
}

// claims encodes a JWT payload; first, when given, is a claim name put
// before the others (which encoding/json sorts).
func claims(first string, firstValue any, rest map[string]any) []byte {
	b, _ := json.Marshal(rest)
	if first == "" {
		return b
	}
	k, _ := json.Marshal(first)
	v, _ := json.Marshal(firstValue)
	out := append([]byte{'{'}, k...)
	out = append(append(out, ':'), v...)
	if len(rest) > 0 {
		out = append(out, ',')
	}
	return append(out, b[1:]...)
}

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

// apiError is the API's error body (see the package doc).
type apiError struct {
	Message string `json:"Message"`
}

// api wraps an API handler with the two-token check of §10.2.
func (s *Server) api(h func(http.ResponseWriter, *http.Request, User)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		scheme, at, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		idt := r.Header.Get("x-id-token")
		s.mu.Lock()
		ss, ok := s.sessions[at]
		valid := strings.EqualFold(scheme, "Bearer") && ok && ss.audience == s.cfg.Audience &&
			ss.idToken != "" && idt == ss.idToken && s.clk.Now().Before(ss.expires)
		var u User
		if valid {
			u = ss.user
		}
		s.mu.Unlock()
		if !valid {
			w.Header().Set("WWW-Authenticate", `Bearer realm="api.xsale.ai"`)
			writeJSON(w, http.StatusUnauthorized, apiError{"Authorization has been denied for this request."})
			return
		}
		h(w, r, u)
	}
}

// Me is the body of GET /me (§10.2 [EXT]).
type Me struct {
	ID            int            `json:"Id"`
	Name          string         `json:"Name"`
	Nickname      string         `json:"Nickname"`
	Email         string         `json:"Email"`
	EmailVerified bool           `json:"EmailVerified"`
	Organizations []Organization `json:"Organizations"`
}

func (s *Server) me(w http.ResponseWriter, _ *http.Request, u User) {
	orgs := u.Organizations
	if orgs == nil {
		orgs = []Organization{}
	}
	writeJSON(w, http.StatusOK, Me{u.ID, u.Name, u.Nickname, u.Email, u.EmailVerified, orgs})
}

// organization checks {organizationName} against the user's
// organizations: 403 for another user's, 404 for an unknown one.
func (s *Server) organization(w http.ResponseWriter, r *http.Request, u User) (string, bool) {
	name := r.PathValue("organizationName")
	if slices.ContainsFunc(u.Organizations, func(o Organization) bool { return o.Name == name }) {
		return name, true
	}
	for _, other := range s.cfg.Users {
		if slices.ContainsFunc(other.Organizations, func(o Organization) bool { return o.Name == name }) {
			writeJSON(w, http.StatusForbidden, apiError{"You do not have access to organization " + name + "."})
			return "", false
		}
	}
	writeJSON(w, http.StatusNotFound, apiError{"Organization " + name + " was not found."})
	return "", false
}

func (s *Server) orders(w http.ResponseWriter, r *http.Request, u User) {
	org, ok := s.organization(w, r, u)
	if !ok {
		return
	}
	out := s.cfg.Orders[org]
	if out == nil {
		out = []Order{}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) order(w http.ResponseWriter, r *http.Request, u User) {
	org, ok := s.organization(w, r, u)
	if !ok {
		return
	}
	id, err := strconv.Atoi(r.PathValue("orderId"))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{"The request is invalid."})
		return
	}
	for _, o := range s.cfg.Orders[org] {
		if o.ID == id {
			writeJSON(w, http.StatusOK, o)
			return
		}
	}
	writeJSON(w, http.StatusNotFound, apiError{"Order " + strconv.Itoa(id) + " was not found."})
}

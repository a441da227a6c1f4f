// Package foxdeli is a faithful fake of the Foxdeli REST API and its
// OAuth 2.0 server (/work/shared/PROVIDERS.md §9, doc version 1.63), served
// by one http.Handler: rest.foxdeli.com (API and /oauth/token) and the
// app's /oauth/authorize/ page.
//
// What it enforces:
//
//   - HTTPS only (§9.1, §9.4): a request over plain HTTP answers
//     426 Upgrade Required, whatever its path. Serve it with
//     httptest.NewTLSServer, or set Config.RequireHTTPS to false.
//   - Two authentications (§9.2, §9.3): a static token sent verbatim as
//     "Authorization: Basic <token>" (not base64, exactly one space), or an
//     OAuth 2.0 bearer token from the authorization code flow. The root URL
//     "/" needs none.
//   - The OAuth flow of §9.3: /oauth/authorize/ wants response_type=code,
//     client_id, scope (joined with "+") and state, and an optional
//     redirect_uri equal to the registered one; codes are 40 characters of
//     [a-z0-9] valid 90 s and single-use. /oauth/token (with or without the
//     trailing slash) wants HTTP Basic client authentication and a form
//     body; the token response has expires_in as a JSON string ("3600") and
//     token_type "bearer"; the refresh response is 201 without a
//     refresh_token, and the refresh token stays valid (no rotation, no
//     expiry) until RevokeAll. Access tokens live 60 minutes; an expired one
//     is answered exactly as §9.3 step 4 shows.
//   - Content negotiation (§9.6): JSON by default and for */*, XML (root
//     element <root>) for application/xml, anything else 406 in JSON;
//     Accept-Language cs gives Czech messages; ?prettyPrint=false turns
//     indentation off.
//   - Compression (§9.6): gzip responses when Accept-Encoding allows gzip
//     (token responses too), gzip request bodies with Content-Encoding: gzip.
//   - HTTP cache (§9.6): every GET 200 has a strong ETag (a hash of the
//     body); a matching If-None-Match answers 304 with an empty body.
//   - Method override (§9.6): a POST with X-HTTP-Method-Override PUT or
//     DELETE is served as that method; GET cannot be tunnelled.
//   - The status codes of §9.4 and the envelope of §9.5:
//     {"code","status","message","data"} on success and
//     {"code","status","message","errors":[{"message","field","value"}]} on
//     error, with field errors on 422 validation failures.
//   - Old API versions (Config.GoneVersions) answer 410 Gone (§9.1, §9.4).
//
// Decisions on [AMBIGUOUS] points:
//   - §9.1 "/v4/ or /api/v4/": Config.APIPrefix, default "/v4" (the
//     example request of §9.3 step 4).
//   - §9.2 header name "Authentication": a typo; only Authorization is
//     accepted unless Config.AcceptAuthenticationHeader is set.
//   - §9.3 token endpoint slash: both /oauth/token and /oauth/token/.
//   - §9.5 "code" type: the OAuth layer's 401 (and 403) bodies carry it as
//     a string ("401", as in §9.3 step 4), every other body as a number (as
//     in the 422 example).
//   - §9.4 405: the valid methods are listed in the Allow header.
//   - §9.4 412: PUT honours If-Match against the resource's current ETag.
//   - Scope enforcement: a bearer token without the resource's scope gets
//     403 with error="insufficient_scope" (RFC 6750 §3.1); Basic tokens have
//     no scopes and may use everything (§9.2).
//   - Token endpoint errors use the RFC 6749 §5.2 body
//     {"error","error_description"}: the seed shows none.
//   - ETags are computed on the uncompressed body, so the gzip and identity
//     representations share one.
//   - Request bodies must be JSON (UTF-8); the XML and form-urlencoded
//     request formats, "being discontinued", answer 415 in this fake.
//   - The deliveries resource's fields are not in the seed (they live in
//     the Balíkonoš docs); the fake's Delivery is modelled on the 422
//     example: the create body is a JSON array (§9.5 [INFERRED]), each item
//     with packages[].weight and valueCurrency.
//   - Decimals (§9.6): JSON numbers, or strings with a decimal comma or dot
//     and no thousands separator.
package foxdeli

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apigen-go/apigen/internal/fakes/fakeutil"
	"github.com/apigen-go/apigen/runtime/clock"
)

// Client is a registered OAuth client (§9.3 step 1).
type Client struct {
	ID          string
	Secret      string
	RedirectURI string
}

// Config configures the fake. DefaultConfig holds the documented values;
// tests may scale the TTLs.
type Config struct {
	// APIPrefix is where the current API lives ("/v4"; see the package doc).
	APIPrefix string
	// GoneVersions are versions answered with 410 Gone under /<v>/ and
	// /api/<v>/ (§9.1: v1 is no longer supported).
	GoneVersions []string
	// RequireHTTPS answers 426 to plain-HTTP requests (§9.4).
	RequireHTTPS bool

	// BasicTokens are the static API tokens (§9.2).
	BasicTokens []string
	// AcceptAuthenticationHeader also reads the token from the seed's
	// misspelt "Authentication" header (§9.2 [AMBIGUOUS]).
	AcceptAuthenticationHeader bool

	// Clients are the registered OAuth clients.
	Clients []Client
	// Scopes are the scopes /oauth/authorize accepts (§9.3).
	Scopes []string
	// AccessTokenTTL is the bearer token lifetime (§9.3: 60 minutes).
	AccessTokenTTL time.Duration
	// CodeTTL is the authorization code lifetime (§9.3: 90 seconds).
	CodeTTL time.Duration

	// MaxURILength answers 414 to longer request URIs (§9.4; the limit is
	// not documented).
	MaxURILength int

	// Deliveries seeds the deliveries resource.
	Deliveries []Delivery

	// Clock supplies time; nil means clock.Real.
	Clock clock.Clock
}

// DefaultConfig returns the documented defaults with a demo Basic token and
// the OAuth client of the seed's examples.
func DefaultConfig() Config {
	created := time.Date(2024, 5, 2, 10, 15, 0, 0, time.FixedZone("CEST", 2*3600))
	return Config{
		APIPrefix:      "/v4",
		GoneVersions:   []string{"v1"},
		RequireHTTPS:   true,
		BasicTokens:    []string{"684v98fd84vfd9845df55616d5f7d10d54ce9798ccd391735387ea2f6d9c64ce7d5"},
		Clients:        []Client{{ID: "zjhygknkfk", Secret: "abcd1234", RedirectURI: "https://mujeshopik.cz/foxdeli-endpoint/"}},
		Scopes:         []string{"deliveries", "collection-places", "collection-protocols"},
		AccessTokenTTL: 60 * time.Minute,
		CodeTTL:        90 * time.Second,
		MaxURILength:   8192,
		Deliveries: []Delivery{{
			ID: 15023456, OrderNumber: "2021-0001", Carrier: "zasilkovna", Value: 1250.5, ValueCurrency: "CZK",
			Packages: []Package{{Weight: 1.5}}, Recipient: &Recipient{Name: "Jan Novák", City: "Praha", Country: "CZ"},
			Status: "new", CreatedAt: created, UpdatedAt: created,
		}},
	}
}

type authCode struct {
	client      string
	redirectURI string
	scopes      []string
	expires     time.Time
}

type accessToken struct {
	client  string
	scopes  []string
	expires time.Time
}

type refreshToken struct {
	client string
	scopes []string
}

// Server is the fake; it implements http.Handler and is safe for
// concurrent use.
type Server struct {
	cfg Config
	clk clock.Clock
	rec fakeutil.Recorder

	mu         sync.Mutex
	seq        int
	codes      map[string]*authCode
	access     map[string]*accessToken
	refresh    map[string]*refreshToken
	deliveries []Delivery
	nextID     int64
	tokenReqs  int
	deny       bool
	inject     fakeutil.Injections
}

// New returns a fake configured by cfg.
func New(cfg Config) *Server {
	s := &Server{
		cfg: cfg, clk: clock.Or(cfg.Clock),
		codes: map[string]*authCode{}, access: map[string]*accessToken{}, refresh: map[string]*refreshToken{},
		deliveries: slices.Clone(cfg.Deliveries), nextID: 15023456,
	}
	for _, d := range s.deliveries {
		s.nextID = max(s.nextID, d.ID)
	}
	return s
}

// ServeHTTP records the request, then serves it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.rec.Record(r, s.clk.Now())
	if s.inject.Serve(w, r, s.writeStatusError) {
		return
	}
	c := newCall(w, r)
	if s.cfg.RequireHTTPS && r.TLS == nil {
		// §9.4: 426 when insecure HTTP was used; RFC 9110 §15.5.22 wants
		// the Upgrade header.
		w.Header().Set("Upgrade", "TLS/1.2, HTTP/1.1")
		w.Header().Set("Connection", "Upgrade")
		c.fail(http.StatusUpgradeRequired, "HTTPS is required", nil)
		return
	}
	if s.cfg.MaxURILength > 0 && len(r.RequestURI) > s.cfg.MaxURILength {
		// §9.4: the body of a 414 may not be in the requested format.
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusRequestURITooLong)
		_, _ = io.WriteString(w, "<html><body><h1>414 Request-URI Too Large</h1></body></html>\n")
		return
	}
	switch strings.TrimSuffix(r.URL.Path, "/") {
	case "/oauth/authorize":
		s.authorize(w, r)
	case "/oauth/token":
		s.token(w, r)
	default:
		s.api(c)
	}
}

// Requests returns every request received so far.
func (s *Server) Requests() []fakeutil.Request { return s.rec.Requests() }

// TokenRequests counts requests to /oauth/token, successful or not.
func (s *Server) TokenRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenReqs
}

// ExpireTokens makes every access token issued so far expired; refresh
// tokens stay valid.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clk.Now()
	for _, t := range s.access {
		t.expires = now
	}
}

// RevokeAll deletes every OAuth token and code, as when the user revokes
// the application's access (§9.3): refreshing then fails and the
// authorization step must be repeated.
func (s *Server) RevokeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.codes)
	clear(s.access)
	clear(s.refresh)
}

// DenyAuthorization makes /oauth/authorize/ behave as if the user denied
// access while on is true (§9.3 step 2, error=access_denied).
func (s *Server) DenyAuthorization(on bool) {
	s.mu.Lock()
	s.deny = on
	s.mu.Unlock()
}

// InjectStatus makes the next count requests fail with status before any
// other processing (no authentication, no limits), carrying header (e.g.
// Retry-After), with the §9.5 error envelope in JSON.
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

// writeStatusError writes the §9.5 envelope for status (InjectStatus);
// 401 and 403 carry the code as a string, like the OAuth layer's.
func (s *Server) writeStatusError(w http.ResponseWriter, r *http.Request, status int) {
	c := newCall(w, r)
	c.negotiate()
	env := Envelope{Code: status, Status: "error", Message: http.StatusText(status)}
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		env.Code, env.Errors = strconv.Itoa(status), []FieldError{}
	}
	c.send(status, env)
}

// secret40 returns a deterministic 40-character [a-z0-9] value (§9.3:
// codes and tokens); s.mu is held.
func (s *Server) secret40(kind string) string {
	s.seq++
	sum := sha256.Sum256([]byte(fmt.Sprintf("foxdeli/%s/%d", kind, s.seq)))
	return hex.EncodeToString(sum[:])[:40]
}

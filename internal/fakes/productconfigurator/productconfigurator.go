// Package productconfigurator is a fake of the Product Configurator API
// (Gemini Commerce), built from PROVIDERS.md §6. The seed documentation is
// marketing-level, so the fake implements what it names — integration-JWT
// authentication, the configurator lifecycle "from draft to active and
// deleted", steps and options with dependencies, price and weight
// matrices, and prices ranging "from fixed prices to incremental
// structures" — on the [EXT] paths of the provider's published client
// (/v1/{tenantId}/…), with google.rpc.Status errors.
//
// Endpoints (all under /v1/{tenantId}):
//
//	POST   /product/{productId}/create                               create a configurator (DRAFT)
//	GET    /product/{productId}                                      the product's ACTIVE configurator
//	GET    /product/{productId}/status/{status}                      the product's configurator in status
//	POST   /product/{productId}/page-size/{pageSize}/configurators   list, body {"pageToken"}
//	PUT    /configurator/{configuratorId}                            update {"payload":{label,status},"payloadMask"}
//	DELETE /configurator/{configuratorId}                            delete
//	POST   /configurator/{configuratorId}/step/create                create a step
//	POST   /configurator/{configuratorId}/step/create/bulk           create several steps {"steps":[…]}
//	PUT    /step/{stepId}, DELETE /step/{stepId}                     update / delete a step
//	POST   /step/{stepId}/option/create                              create an option
//	POST   /step/{stepId}/option/create/bulk                         create several options {"options":[…]}
//	PUT    /option/{optionId}, DELETE /option/{optionId}             update / delete an option
//	POST   /step/{stepId}/dependency/create                          create a dependency
//	DELETE /dependency/{dependencyId}                                delete a dependency
//	POST   /matrix/create, GET|DELETE /matrix/{matrixId}             price or weight matrices
//	POST   /property/create                                          a matrix cell
//	GET    /product/{productId}/configuration                        available configuration
//	POST   /product/{productId}/configuration-from-selections        price and weight of selections
//
// Decisions, since the seed documents none of this:
//
//   - Authentication: "Authorization: Bearer <integration JWT>". The fake
//     treats the token as opaque and accepts the values of Config.Tokens,
//     each limited to its tenants (any tenant when the list is empty); a
//     token that decodes as a JWT with an exp in the past is refused too.
//     No token or an unknown one is 401 UNAUTHENTICATED (code 16); a token
//     used for another tenant is 403 PERMISSION_DENIED (code 7).
//   - Errors: {"code": <gRPC code>, "message": "…", "details": […]} with the
//     usual gRPC-gateway statuses: 400 INVALID_ARGUMENT (3) and
//     FAILED_PRECONDITION (9), 401 (16), 403 (7), 404 NOT_FOUND (5), 405
//     UNIMPLEMENTED (12), and whatever InjectStatus asks for (429 → 8
//     RESOURCE_EXHAUSTED, 503 → 14 UNAVAILABLE). details is empty, except
//     for an INVALID_ARGUMENT about one request field, which carries one
//     google.rpc.BadRequest ({"@type": "type.googleapis.com/google.rpc.BadRequest",
//     "fieldViolations": [{"field", "description"}]}), as gRPC-gateway does.
//   - Lifecycle ([AMBIGUOUS]: the seed says draft/active/deleted, the [EXT]
//     enum UNKNOWN/ACTIVE/DRAFT/DISABLED). New configurators are DRAFT.
//     DRAFT → ACTIVE needs at least one step with at least one option
//     (else FAILED_PRECONDITION); activating one disables the product's
//     previously ACTIVE configurator (one active per product); ACTIVE ↔
//     DISABLED; nothing goes back to DRAFT. "Deleted" is DELETE: the
//     configurator and everything in it are gone (404 afterwards).
//   - Dependencies: the dependency's optionIds (options of its step) are
//     available only while its condition holds over the selected options:
//     AND needs every condition option (and nested condition) selected, OR
//     any of them.
//   - Matrices: a matrix is PRICE (body has "priceType") or WEIGHT ("weightType").
//     A property is a cell: the optionIds it applies to, a decimal
//     propertyValue and a propertyMode. For each matrix kind the most
//     specific matching FIXED cell (the one with most options, all selected)
//     sets the base, and every matching INCREMENTAL cell adds to it. Prices
//     are returned as google.type.Money-like {"units": "12", "micros":
//     500000}, weights as decimal strings.
//   - Selections must name existing steps of the active configurator and
//     options of those steps that are available (INVALID_ARGUMENT otherwise).
//   - No rate limits are documented, so none are enforced.
//   - Ids are deterministic UUID-shaped counters; GRNs are
//     "grn:gogemini:productconfigurator:<tenant>:<kind>/<id>".
package productconfigurator

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/apigen-go/apigen/internal/fakes/fakeutil"
	"github.com/apigen-go/apigen/runtime/clock"
)

// Token is an integration JWT the fake accepts.
type Token struct {
	Value string
	// Tenants the token may access; empty means any.
	Tenants []string
}

// Config configures a Server. Start from DefaultConfig.
type Config struct {
	// Tokens are the accepted bearer tokens. Default: one token
	// "fake-integration-jwt" for tenant "tenant-1".
	Tokens []Token
	// Clock is the time source; nil means the real clock.
	Clock clock.Clock
}

// DefaultConfig returns a config with one fake token.
func DefaultConfig() Config {
	return Config{Tokens: []Token{{Value: "fake-integration-jwt", Tenants: []string{"tenant-1"}}}}
}

// gRPC status codes used in error bodies.
const (
	codeInvalidArgument    = 3
	codeNotFound           = 5
	codePermissionDenied   = 7
	codeResourceExhausted  = 8
	codeFailedPrecondition = 9
	codeUnimplemented      = 12
	codeInternal           = 13
	codeUnavailable        = 14
	codeUnauthenticated    = 16
)

// Server is the fake Product Configurator API. It implements http.Handler
// and is safe for concurrent use.
type Server struct {
	cfg Config
	rec fakeutil.Recorder

	mu       sync.Mutex
	tenants  map[string]*tenant
	nextID   int
	injected []injection
}

type injection struct {
	status int
	header http.Header
}

// New returns a Server for cfg.
func New(cfg Config) *Server {
	cfg.Clock = clock.Or(cfg.Clock)
	return &Server{cfg: cfg, tenants: map[string]*tenant{}}
}

// Requests returns every request received so far.
func (s *Server) Requests() []fakeutil.Request { return s.rec.Requests() }

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() { s.rec.Reset() }

// InjectStatus makes the next count requests fail with status, carrying
// header, with a google.rpc.Status body.
func (s *Server) InjectStatus(count, status int, header http.Header) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range count {
		s.injected = append(s.injected, injection{status: status, header: header.Clone()})
	}
}

func grpcCode(status int) int {
	switch status {
	case http.StatusBadRequest:
		return codeInvalidArgument
	case http.StatusUnauthorized:
		return codeUnauthenticated
	case http.StatusForbidden:
		return codePermissionDenied
	case http.StatusNotFound:
		return codeNotFound
	case http.StatusTooManyRequests:
		return codeResourceExhausted
	case http.StatusServiceUnavailable:
		return codeUnavailable
	case http.StatusMethodNotAllowed, http.StatusNotImplemented:
		return codeUnimplemented
	}
	return codeInternal
}

// writeStatus writes a google.rpc.Status body; details are google.protobuf.Any
// messages (objects with "@type").
func writeStatus(w http.ResponseWriter, status, code int, msg string, details ...any) {
	if details == nil {
		details = []any{}
	}
	writeJSON(w, status, map[string]any{"code": code, "message": msg, "details": details})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := s.cfg.Clock.Now()
	s.rec.Record(r, now)

	s.mu.Lock()
	defer s.mu.Unlock()

	if len(s.injected) > 0 {
		inj := s.injected[0]
		s.injected = s.injected[1:]
		for k, v := range inj.header {
			w.Header()[k] = v
		}
		writeStatus(w, inj.status, grpcCode(inj.status), http.StatusText(inj.status))
		return
	}

	seg := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(seg) < 3 || seg[0] != "v1" || seg[1] == "" {
		writeStatus(w, http.StatusNotFound, codeNotFound, "Not Found")
		return
	}
	tenantID := seg[1]

	tok, ok := s.token(r.Header.Get("Authorization"), now)
	if !ok {
		writeStatus(w, http.StatusUnauthorized, codeUnauthenticated, "invalid or expired integration token")
		return
	}
	if len(tok.Tenants) > 0 && !contains(tok.Tenants, tenantID) {
		writeStatus(w, http.StatusForbidden, codePermissionDenied, "the token has no access to tenant "+tenantID)
		return
	}
	t := s.tenants[tenantID]
	if t == nil {
		t = newTenant(tenantID)
		s.tenants[tenantID] = t
	}
	s.route(w, r, t, seg[2:], now)
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// token checks "Authorization: Bearer <token>" (see the package doc).
func (s *Server) token(h string, now time.Time) (Token, bool) {
	scheme, raw, ok := strings.Cut(h, " ")
	raw = strings.TrimSpace(raw)
	if !ok || !strings.EqualFold(scheme, "Bearer") || raw == "" {
		return Token{}, false
	}
	for _, t := range s.cfg.Tokens {
		if t.Value != raw {
			continue
		}
		if exp, ok := jwtExp(raw); ok && !now.Before(exp) {
			return Token{}, false
		}
		return t, true
	}
	return Token{}, false
}

// jwtExp reads the exp claim of a JWT-shaped token without verifying it.
func jwtExp(tok string) (time.Time, bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return time.Time{}, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return time.Time{}, false
	}
	var claims struct {
		Exp *float64 `json:"exp"`
	}
	if json.Unmarshal(payload, &claims) != nil || claims.Exp == nil {
		return time.Time{}, false
	}
	return time.Unix(int64(*claims.Exp), 0), true
}

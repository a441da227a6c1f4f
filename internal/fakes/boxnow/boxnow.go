// Package boxnow is a faithful fake of the BOX NOW partner API (v1), built
// from PROVIDERS.md §4 (the digest of the seed documentation).
//
// What it enforces, each with the section it comes from:
//
//   - The OAuth2 client-credentials grant at POST /api/v1/auth-sessions with
//     the JSON body {"grant_type":"client_credentials","client_id",
//     "client_secret"}, answering {"access_token","token_type":"Bearer",
//     "expires_in":3600}; the access token is a JWT with iat, exp and the
//     partner's permissions under a namespace claim, and every other call
//     needs "Authorization: Bearer <access_token>" until it expires (§4.2).
//   - The workflow of §4.3: origins and destinations with their filters,
//     delivery requests (creation with the validations behind the error
//     codes of §4.4, update, customer returns), parcels (list with filters and
//     page tokens, the X-export-url-csv header), labels as PDF or ZPL bytes
//     for a parcel or a whole order, and parcel cancellation.
//   - The error codes of §4.4 with their HTTP statuses (400, 403, 503).
//
// Decisions taken where the digest says [AMBIGUOUS] or the docs are silent:
//
//   - Error body: {"code":"P4xx","message":"<meaning from §4.4>"}, the shape
//     of the provider's published BadRequest and Forbidden responses (the
//     [EXT] "status" member is not sent). The "400 Unprocessable entity"
//     heading of §4.4 is read as HTTP 400. A 401 (missing, malformed,
//     expired or revoked token, or bad client credentials) and a 404 carry
//     no code: {"message":"…"}.
//   - The token endpoint accepts JSON only; a form-encoded body is P400.
//   - The namespace key of the custom claims was stripped from the seed;
//     the fake uses Config.TokenNamespace (default "https://boxnow.gr/").
//   - Validation order and rules: P400 for malformed JSON, missing required
//     members (orderNumber, paymentMode, invoiceValue, amountToBeCollected,
//     origin, destination with contactNumber/contactEmail/contactName, and a
//     non-empty items list) and money values that are not digits with
//     exactly two decimals; P405 for phone numbers not in international
//     format (+ and country code); P407 for country codes outside ISO 3166-1
//     alpha-2; P401/P402 for origin/destination location ids that are not
//     in /origins or /destinations, or addresses without addressLine1,
//     postalCode and country; P403 for an any-apm origin when the partner
//     lacks the anyApmAsOrigin permission; P406 for a compartmentSize other
//     than 1, 2 or 3, or a missing one when sending from an APM; P408 for a
//     cod amountToBeCollected outside (0, 5000]; P409 for an unknown
//     deliveryPartnerId; P410 for an order number already used by the
//     partner; P411 for cod when the partner is not eligible; P412 for
//     customer returns when not allowed; P413 for a returnLocation that is
//     not a warehouse from /origins.
//   - Money: strings with two decimals, in the account's currency (units are
//     [AMBIGUOUS]); amounts are not converted.
//   - The fake never fails with P600/P610 by itself; InjectError produces
//     them (and any other code) for tests of transient failures.
//   - Parcel ids are 10-digit strings, order ids 7-digit strings, both from
//     counters, so runs are deterministic. Cancelling a canceled parcel has
//     no effect (200); only "new" parcels can be cancelled, others are P420.
//   - /labels:search takes {"parcelIds","orderNumbers","paperSize":"A4"|"A6",
//     "perPage":1|2|4} and answers one PDF with a page per matching parcel of
//     the partner; naming another partner's parcel is P414, matching nothing
//     is a 404. The label-data endpoints (…/label without an extension)
//     answer {"data": ParcelLabelData} for a parcel, or {"data": [...]} for
//     an order.
//   - ZPL labels are served as "x-application/zpl", the provider's spec's
//     media type; dpi must be 200 or 300 (P400 otherwise).
package boxnow

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/apigen-go/apigen/internal/fakes/fakeutil"
	"github.com/apigen-go/apigen/runtime/clock"
)

// Permissions are the custom claims of the access token (§4.2).
type Permissions struct {
	WarehouseAsOrigin                          bool `json:"warehouseAsOrigin"`
	AnyApmAsOrigin                             bool `json:"anyApmAsOrigin"`
	AnyApmToSameApmDelivery                    bool `json:"anyApmToSameApmDelivery"`
	AnyApmToSameApmDeliveryWithoutConfirmation bool `json:"anyApmToSameApmDeliveryWithoutConfirmation"`
	DepotAsOrigin                              bool `json:"depotAsOrigin"`
}

// AllPermissions grants everything.
func AllPermissions() Permissions {
	return Permissions{true, true, true, true, true}
}

// Client is a partner's OAuth client (§4.1).
type Client struct {
	ID, Secret     string
	Permissions    Permissions
	CODEligible    bool // may use the cod payment mode (else P411)
	ReturnsAllowed bool // may create customer returns (else P412)
	Disabled       bool // account disabled: X403
}

// Location is an origin or destination (§4.3).
type Location struct {
	ID           string `json:"id"`
	Type         string `json:"type"` // apm, any-apm, warehouse, depot
	Name         string `json:"name"`
	Title        string `json:"title,omitempty"`
	AddressLine1 string `json:"addressLine1,omitempty"`
	AddressLine2 string `json:"addressLine2,omitempty"`
	PostalCode   string `json:"postalCode,omitempty"`
	Country      string `json:"country,omitempty"`
	Note         string `json:"note,omitempty"`
	Lat          string `json:"lat,omitempty"`
	Lng          string `json:"lng,omitempty"`
	Region       string `json:"region,omitempty"`
}

// DeliveryPartner is a third-party carrier (§4.3).
type DeliveryPartner struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Config configures a Server. Start from DefaultConfig.
type Config struct {
	// Clients are the accepted OAuth clients. Default: one client
	// "fake-client-id"/"fake-client-secret" with every permission.
	Clients []Client
	// TokenTTL is the access-token lifetime. Default 3600 s (§4.2).
	TokenTTL time.Duration
	// TokenNamespace is the claim key holding the permissions.
	TokenNamespace string

	// Origins and Destinations are the locations of /origins and
	// /destinations. Defaults: DefaultOrigins(), DefaultDestinations().
	Origins      []Location
	Destinations []Location
	// DeliveryPartners are the valid deliveryPartnerId values.
	DeliveryPartners []DeliveryPartner

	// DefaultPageSize and MaxPageSize bound /parcels limit. Defaults 50
	// and 100, as in the provider's spec.
	DefaultPageSize int
	MaxPageSize     int

	// Clock is the time source; nil means the real clock.
	Clock clock.Clock
}

// DefaultOrigins returns a warehouse, the any-APM origin and a depot.
func DefaultOrigins() []Location {
	return []Location{
		{ID: "1", Type: "warehouse", Name: "Partner warehouse", AddressLine1: "Leoforos Irinis 28", PostalCode: "15121", Country: "GR", Lat: "38.0312", Lng: "23.7905", Region: "el-GR"},
		{ID: "2", Type: "any-apm", Name: "Any APM"},
		{ID: "3", Type: "depot", Name: "BOX NOW depot Athens", AddressLine1: "Thivon 210", PostalCode: "18233", Country: "GR", Lat: "37.9786", Lng: "23.6578", Region: "el-GR"},
	}
}

// DefaultDestinations returns three APMs, two in Athens and one in
// Thessaloniki.
func DefaultDestinations() []Location {
	return []Location{
		{ID: "4", Type: "apm", Name: "Pantelogloy Dimitris", AddressLine1: "Leoforos Irinis 30", PostalCode: "15121", Country: "GR", Lat: "38.0315", Lng: "23.7910", Region: "el-GR", Note: "Behind the pet shop"},
		{ID: "5", Type: "apm", Name: "Syntagma Square", AddressLine1: "Amalias 2", PostalCode: "10557", Country: "GR", Lat: "37.9755", Lng: "23.7348", Region: "el-GR"},
		{ID: "6", Type: "apm", Name: "Thessaloniki Center", AddressLine1: "Egnatia 100", PostalCode: "54623", Country: "GR", Lat: "40.6401", Lng: "22.9444", Region: "el-GR"},
	}
}

// DefaultConfig returns the documented defaults with fake credentials.
func DefaultConfig() Config {
	return Config{
		Clients: []Client{{ID: "fake-client-id", Secret: "fake-client-secret", Permissions: AllPermissions(),
			CODEligible: true, ReturnsAllowed: true}},
		TokenTTL:         3600 * time.Second,
		TokenNamespace:   "https://boxnow.gr/",
		Origins:          DefaultOrigins(),
		Destinations:     DefaultDestinations(),
		DeliveryPartners: []DeliveryPartner{{ID: "7983", Name: "ELTA Courier"}},
		DefaultPageSize:  50,
		MaxPageSize:      100,
	}
}

func (c *Config) fill() {
	d := DefaultConfig()
	if c.TokenTTL <= 0 {
		c.TokenTTL = d.TokenTTL
	}
	if c.TokenNamespace == "" {
		c.TokenNamespace = d.TokenNamespace
	}
	if c.DefaultPageSize <= 0 {
		c.DefaultPageSize = d.DefaultPageSize
	}
	if c.MaxPageSize <= 0 {
		c.MaxPageSize = d.MaxPageSize
	}
	c.Clock = clock.Or(c.Clock)
}

// Server is the fake BOX NOW API. It implements http.Handler and is safe
// for concurrent use.
type Server struct {
	cfg Config
	rec fakeutil.Recorder

	mu         sync.Mutex
	clients    map[string]*Client
	tokens     map[string]issuedToken // jti -> token
	issued     int
	orders     []*order
	parcels    []*parcel
	nextOrder  int
	nextParcel int64
	imports    [][]*parcel // the parcels of each CSV import, by import number - 1
	uploads    []Upload
	injected   []injection
	signingKey []byte
}

type issuedToken struct {
	client  string
	expires time.Time
}

type injection struct {
	status int
	code   string
	header http.Header
}

// New returns a Server for cfg.
func New(cfg Config) *Server {
	cfg.fill()
	s := &Server{
		cfg:        cfg,
		clients:    map[string]*Client{},
		tokens:     map[string]issuedToken{},
		nextOrder:  1000001,
		nextParcel: 9219700001,
		signingKey: []byte("boxnow-fake-signing-key"),
	}
	for i := range cfg.Clients {
		c := cfg.Clients[i]
		s.clients[c.ID] = &c
	}
	return s
}

// Requests returns every request received so far.
func (s *Server) Requests() []fakeutil.Request { return s.rec.Requests() }

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() { s.rec.Reset() }

// ErrorCodes maps every documented code to its HTTP status (§4.4).
var ErrorCodes = map[string]int{
	"P400": 400, "P401": 400, "P402": 400, "P403": 400, "P404": 400, "P405": 400,
	"P406": 400, "P407": 400, "P408": 400, "P409": 400, "P410": 400, "P411": 400,
	"P412": 400, "P413": 400, "P420": 400, "P430": 400,
	"X403": 403, "P414": 403,
	"P600": 503, "P610": 503,
}

// errorMessages are the meanings of §4.4.
var errorMessages = map[string]string{
	"P400": "Invalid request data",
	"P401": "Invalid request origin location reference",
	"P402": "Invalid request destination location reference",
	"P403": "Not allowed to use AnyAPM-SameAPM delivery",
	"P404": "Invalid import CSV",
	"P405": "Invalid phone number. Must be full international format",
	"P406": "Invalid compartment/parcel size. Must be 1, 2 or 3",
	"P407": "Invalid country code. Must be ISO 3166-1 alpha-2",
	"P408": "Invalid amountToBeCollected. Must be in range (0, 5000>",
	"P409": "Invalid delivery partner reference",
	"P410": "Order number conflict. A delivery request for this order ID already exists",
	"P411": "Not eligible for Cash-on-delivery payment type",
	"P412": "Not allowed to create customer returns deliveries",
	"P413": "Invalid return location reference",
	"P420": "Parcel not ready for cancel. Only new, undelivered, not returned or lost parcels can be cancelled",
	"P430": "Parcel not ready for AnyAPM confirmation",
	"X403": "Account disabled. Your account had been disabled, contact support.",
	"P414": "Unauthorized parcel access",
	"P600": "Locker bridge communication failed",
	"P610": "Geolocation API failed",
}

// InjectError makes the next count requests fail with code (e.g. "P600"),
// with its documented status and message, before any other processing.
func (s *Server) InjectError(count int, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	status := ErrorCodes[code]
	if status == 0 {
		status = http.StatusBadRequest
	}
	for range count {
		s.injected = append(s.injected, injection{status: status, code: code})
	}
}

// InjectStatus makes the next count requests fail with status, carrying
// header, with body {"message": status text}.
func (s *Server) InjectStatus(count, status int, header http.Header) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range count {
		s.injected = append(s.injected, injection{status: status, header: header.Clone()})
	}
}

// TokensIssued reports how many access tokens the token endpoint issued.
func (s *Server) TokensIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issued
}

// RevokeTokens invalidates every issued access token, so the next call
// with one gets 401 (to test re-authentication).
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	s.tokens = map[string]issuedToken{}
	s.mu.Unlock()
}

// SetAccountDisabled disables or enables a client's account (X403).
func (s *Server) SetAccountDisabled(clientID string, disabled bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.clients[clientID]; c != nil {
		c.Disabled = disabled
	}
}

func (s *Server) writeCode(w http.ResponseWriter, code string, detail string) {
	msg := errorMessages[code]
	if detail != "" {
		msg += ": " + detail
	}
	status := ErrorCodes[code]
	if status == 0 {
		status = http.StatusBadRequest
	}
	writeJSON(w, status, map[string]any{"code": code, "message": msg})
}

func writeMessage(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"message": msg})
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
		if inj.code != "" {
			s.writeCode(w, inj.code, "")
		} else {
			writeMessage(w, inj.status, http.StatusText(inj.status))
		}
		return
	}

	if r.URL.Path == "/api/v1/auth-sessions" {
		if r.Method != http.MethodPost {
			writeMessage(w, http.StatusMethodNotAllowed, "Method not allowed")
			return
		}
		s.authSession(w, r, now)
		return
	}

	client, ok := s.authenticateLocked(r, now)
	if !ok {
		writeMessage(w, http.StatusUnauthorized, "Not Authorized. You are either using an expired Access token or an invalid one.")
		return
	}
	if client.Disabled {
		s.writeCode(w, "X403", "")
		return
	}
	s.route(w, r, client, now)
}

// route dispatches authenticated requests (§4.3).
func (s *Server) route(w http.ResponseWriter, r *http.Request, c *Client, now time.Time) {
	path := r.URL.Path
	seg := strings.Split(strings.Trim(path, "/"), "/")
	get, post, put := r.Method == http.MethodGet, r.Method == http.MethodPost, r.Method == http.MethodPut
	switch {
	case get && path == "/api/v1/origins":
		s.locations(w, r, s.cfg.Origins, false)
	case get && path == "/api/v1/destinations":
		s.locations(w, r, s.cfg.Destinations, true)
	case get && path == "/api/v1/delivery-partners":
		writeJSON(w, http.StatusOK, map[string]any{"data": s.cfg.DeliveryPartners})
	case post && path == "/api/v1/delivery-requests":
		s.createDeliveryRequest(w, r, c, now, false)
	case post && path == "/api/v1/delivery-requests:fromCsv":
		s.importCSV(w, r, c, now)
	case len(seg) == 5 && seg[0] == "ui" && seg[1] == "v1" && seg[2] == "delivery-requests" && get && seg[4] == "label.pdf":
		s.importLabels(w, r, c, seg[3])
	case post && path == "/api/v1/delivery-requests:customerReturns":
		s.createDeliveryRequest(w, r, c, now, true)
	case get && path == "/api/v1/parcels":
		s.listParcels(w, r, c)
	case get && path == "/ui/v1/parcels.csv":
		s.parcelsCSV(w, r, c)
	case len(seg) == 4 && seg[0] == "api" && seg[1] == "v1" && seg[2] == "delivery-requests" && put:
		s.updateDeliveryRequest(w, r, c, seg[3], now)
	case len(seg) == 5 && seg[0] == "api" && seg[1] == "v1" && seg[2] == "delivery-requests" && get && strings.HasPrefix(seg[4], "label."):
		s.orderLabel(w, r, c, seg[3], strings.TrimPrefix(seg[4], "label."))
	case len(seg) == 5 && seg[0] == "api" && seg[1] == "v1" && seg[2] == "parcels" && get && strings.HasPrefix(seg[4], "label."):
		s.parcelLabel(w, r, c, seg[3], strings.TrimPrefix(seg[4], "label."))
	case post && path == "/api/v1/labels:search":
		s.searchLabels(w, r, c)
	case len(seg) == 5 && seg[0] == "api" && seg[1] == "v1" && seg[2] == "parcels" && get && seg[4] == "label":
		s.parcelLabelData(w, r, c, seg[3])
	case len(seg) == 5 && seg[0] == "api" && seg[1] == "v1" && seg[2] == "delivery-requests" && get && seg[4] == "label":
		s.orderLabelData(w, r, c, seg[3])
	case len(seg) == 4 && seg[0] == "api" && seg[1] == "v1" && seg[2] == "parcels" && post && strings.HasSuffix(seg[3], ":cancel"):
		s.cancelParcel(w, c, strings.TrimSuffix(seg[3], ":cancel"), now)
	default:
		writeMessage(w, http.StatusNotFound, "Resource not found. Make sure the requested URL is correct.")
	}
}

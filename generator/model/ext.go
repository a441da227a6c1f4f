package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// SecurityScheme is a components/securitySchemes entry with its
// x-apigen-auth extension folded in.
type SecurityScheme struct {
	Key    string // name in components/securitySchemes
	Name   string // Go-style name, e.g. "BasicAuth"
	Type   string // apiKey, http, oauth2, openIdConnect, mutualTLS
	Scheme string // for http: basic, bearer, ...
	In     string // for apiKey: header, query, cookie
	Param  string // for apiKey: header/query/cookie name
	// OAuth2 flow URLs from the spec, when declared.
	TokenURL, AuthorizationURL, RefreshURL string
	Scopes                                 []string
	Doc                                    string
	Auth                                   *Auth // x-apigen-auth, or derived from the scheme
}

// Auth is the x-apigen-auth extension: how the client gets and sends its
// credential. See docs/extensions.md.
type Auth struct {
	Flow string `json:"flow"` // basic, apiKey, bearer, rawToken, clientCredentials, authorizationCode, password, jsonLogin, signedJWT, mtls

	TokenURL      string `json:"tokenUrl,omitempty"`
	RefreshURL    string `json:"refreshUrl,omitempty"`
	AuthorizeURL  string `json:"authorizeUrl,omitempty"`
	BodyFormat    string `json:"bodyFormat,omitempty"`    // form (default) or json
	ClientAuth    string `json:"clientAuth,omitempty"`    // basic (default) or body
	SuccessStatus []int  `json:"successStatus,omitempty"` // token endpoint statuses that mean success (default 200, 201)
	// ScopeOnTokenRequests (authorizationCode) sends the client's scopes
	// as "scope" in the code exchange and every refresh.
	ScopeOnTokenRequests bool `json:"scopeOnTokenRequests,omitempty"`

	// Field names in the token request and response.
	Fields map[string]string `json:"fields,omitempty"`
	// ExtraParams are fixed parameters sent to the token endpoint (e.g. audience).
	ExtraParams map[string]string `json:"extraParams,omitempty"`
	// ExtraParamsFromCredentials are token-endpoint parameters filled from
	// Credentials fields: parameter name → credentials field.
	ExtraParamsFromCredentials map[string]string `json:"extraParamsFromCredentials,omitempty"`
	// ExtraTokens are extra returned tokens (e.g. id_token) and the header each is sent in.
	ExtraTokens []ExtraToken `json:"extraTokens,omitempty"`
	// ExpiresInUnit overrides the unit of expires_in: s (default), ms, min.
	ExpiresInUnit string `json:"expiresInUnit,omitempty"`

	// Scheme is the word before the token in Authorization (rawToken:
	// e.g. "Basic" sent verbatim; empty = bare token).
	Scheme string `json:"scheme,omitempty"`
	// Header carries the credential when not Authorization.
	Header string `json:"header,omitempty"`
	// FixedHeaders are sent with every request, values from Credentials
	// fields: header name → credentials field (e.g. X-Instance-Name → instance).
	Headers map[string]string `json:"headers,omitempty"`

	// Credentials lists the Credentials fields this flow needs, in order.
	Credentials []CredentialField `json:"credentials,omitempty"`

	// JWT settings for signedJWT.
	JWT *JWTSettings `json:"jwt,omitempty"`

	OnUnauthorized string `json:"onUnauthorized,omitempty"` // refresh (default for token flows) or fail
}

// ExtraToken is a token returned beside the access token.
type ExtraToken struct {
	Field  string `json:"field"`  // response field, e.g. id_token
	Header string `json:"header"` // request header it is sent in
	Scheme string `json:"scheme,omitempty"`
}

// CredentialField is one field of the generated Credentials struct.
type CredentialField struct {
	Name   string `json:"name"`             // lower camel in the spec, e.g. apiKey
	Secret bool   `json:"secret,omitempty"` // held as secret.Secret
	Doc    string `json:"description,omitempty"`
	// Optional fields may be empty.
	Optional bool `json:"optional,omitempty"`
}

// JWTSettings configures per-request signed JWTs.
type JWTSettings struct {
	Algorithm string   `json:"algorithm,omitempty"` // HS256
	Issuer    string   `json:"issuer"`              // credentials field for iss
	Subject   string   `json:"subject,omitempty"`   // credentials field for sub
	Key       string   `json:"key"`                 // credentials field holding the signing key
	TTL       Duration `json:"ttl,omitempty"`
}

// RateLimit is x-apigen-ratelimit.
type RateLimit struct {
	Windows []Window        `json:"windows,omitempty"`
	Headers *RateLimitHeads `json:"headers,omitempty"`
	MaxWait Duration        `json:"maxWait,omitempty"`
	Margin  Duration        `json:"margin,omitempty"`
	// Key names a per-operation bucket; operations sharing a key share limits.
	Key string `json:"key,omitempty"`
	// Scope of the root windows: global (default: one budget for all
	// operations) or route (each operation has its own).
	Scope string `json:"scope,omitempty"`
}

// Window is one rate-limit window.
type Window struct {
	Limit  int      `json:"limit"`
	Per    Duration `json:"per"`
	Kind   string   `json:"kind,omitempty"`   // sliding (default) or fixed
	Anchor string   `json:"anchor,omitempty"` // utc-midnight for fixed daily windows
}

// RateLimitHeads maps the server's rate-limit headers.
type RateLimitHeads struct {
	Limit      string `json:"limit,omitempty"`
	Remaining  string `json:"remaining,omitempty"`
	Reset      string `json:"reset,omitempty"`
	ResetUnit  string `json:"resetUnit,omitempty"` // epoch-s, epoch-ms, delta-s
	Scope      string `json:"scope,omitempty"`     // global or route
	RetryAfter string `json:"retryAfter,omitempty"`
	// Per is the window the limit/remaining headers count over, for header
	// sets without a reset header (e.g. X-RateLimit-Remaining-Day).
	Per Duration `json:"per,omitempty"`
	// Buckets lists further header sets (e.g. per-second and per-day, or
	// global and route) with the same fields.
	Buckets []RateLimitHeads `json:"buckets,omitempty"`
}

// Retry is x-apigen-retry.
type Retry struct {
	Idempotent  *bool `json:"idempotent,omitempty"`
	Statuses    []int `json:"statuses,omitempty"`
	MaxAttempts int   `json:"maxAttempts,omitempty"`
}

// Pagination is x-apigen-pagination.
type Pagination struct {
	Style  string `json:"style"`            // offset, page, links, cursor
	Offset string `json:"offset,omitempty"` // query parameter names
	Limit  string `json:"limit,omitempty"`
	Page   string `json:"page,omitempty"`
	Size   string `json:"size,omitempty"`
	Cursor string `json:"cursor,omitempty"`
	// CursorIn is where the cursor goes: query (default) or body.
	CursorIn string `json:"cursorIn,omitempty"`
	// Items is the dot path of the item list in the response ("" = the body is the list).
	Items string `json:"items,omitempty"`
	// Next is the dot path of the next link or cursor in the response.
	Next string `json:"next,omitempty"`
	// Total is the dot path of the total count, if any.
	Total string `json:"total,omitempty"`
	// Last is the dot path of what marks the last page (page style): a
	// boolean true on it, or the integer number of the last page.
	Last string `json:"last,omitempty"`
	// Start is the first offset or page number (default 0 for offset, 1 for page).
	Start *int `json:"start,omitempty"`

	// Resolved by the builder: the Go path to the items, next, total.
	ItemType  *Type    `json:"-"`
	ItemPath  []*Field `json:"-"`
	NextPath  []*Field `json:"-"`
	TotalPath []*Field `json:"-"`
	LastPath  []*Field `json:"-"`
	// AllName is the Go name of the iterator method (usually OpAll).
	AllName string `json:"-"`
	// OffsetParam, LimitParam... point into the operation's Params.
	OffsetParam, LimitParam, PageParam, SizeParam, CursorParam *Param `json:"-"`
	// CursorField is the request body field of a body cursor.
	CursorField *Field `json:"-"`
}

// Errors is x-apigen-errors.
type Errors struct {
	Schema           string   `json:"schema,omitempty"` // $ref of the envelope schema
	Code             string   `json:"code,omitempty"`
	Message          string   `json:"message,omitempty"`
	FieldErrors      string   `json:"fieldErrors,omitempty"`
	FieldName        string   `json:"fieldName,omitempty"`
	FieldMessage     string   `json:"fieldMessage,omitempty"`
	FieldValue       string   `json:"fieldValue,omitempty"`
	RequestIDHeaders []string `json:"requestIdHeaders,omitempty"`
}

// Duration reads "1s", "1m", "24h", "1d" or a number of seconds.
type Duration time.Duration

// UnmarshalJSON implements json.Unmarshaler.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var n float64
	if err := json.Unmarshal(b, &n); err == nil {
		*d = Duration(n * float64(time.Second))
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration: want a string like \"1m\" or seconds, got %s", b)
	}
	v, err := ParseDuration(s)
	*d = Duration(v)
	return err
}

// ParseDuration is time.ParseDuration plus the unit "d" (24h).
func ParseDuration(s string) (time.Duration, error) {
	if n := len(s); n > 1 && s[n-1] == 'd' {
		var days float64
		if _, err := fmt.Sscanf(s[:n-1], "%g", &days); err != nil {
			return 0, fmt.Errorf("duration %q: %v", s, err)
		}
		return time.Duration(days * 24 * float64(time.Hour)), nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("duration %q: %v", s, err)
	}
	return v, nil
}

// DecodeExtension decodes an extension value (as kin-openapi leaves it:
// any JSON-like value) into out, strictly: unknown fields are errors so
// spec authors learn about typos.
func DecodeExtension(v any, out any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(out)
}

// Package rest is the small engine behind every generated operation:
// build a request from a path template and parameters, encode the body,
// send it through the client's middleware chain, decode the response or
// turn it into an *apierror.APIError. Generated methods stay a few lines
// each; everything repeated lives here once.
//
// A generated method reads:
//
//	r := c.rest.NewRequest(ctx, opGetPet, opts)
//	r.Path("petId", petID, rest.Simple, false)
//	if params != nil {
//		r.Query("fields", params.Fields, rest.Form, false)
//		r.Header("X-Tenant", params.Tenant)
//	}
//	r.ErrorModel(getPetErrorModel)
//	var out Pet
//	if err := c.rest.Do(r, &out); err != nil {
//		return nil, err
//	}
//	return &out, nil
//
// # Serialisation
//
// Parameters follow the OpenAPI 3.0.3 styles ("Style Examples" table).
// Values may be strings, bools, any integer or float kind (named types
// such as enums included), time.Time (RFC 3339 with fractional seconds
// when present), []byte (standard base64), encoding.TextMarshaler,
// fmt.Stringer, pointers to these (nil is absent), opt.Opt and
// opt.Nullable, slices and arrays of these, maps (keys sorted) and
// structs (json tag names, declaration order, omitempty/omitzero
// honoured). An absent opt value, a nil pointer, slice or map is not sent.
// A null opt.Nullable is sent as an empty value in queries and bodies and
// not at all in headers and cookies.
//
// Query parameters keep the order in which they were added (the spec's
// order in generated code); WithQuery options come last. Nothing is
// sorted except map keys, so a request's URL is deterministic.
package rest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/apigen-go/apigen/runtime/apierror"
	"github.com/apigen-go/apigen/runtime/transport"
)

// Doer sends a request; *http.Client implements it.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// Client holds what every request of one generated client shares.
// It is safe for concurrent use once configured; do not change its fields
// while requests are in flight.
type Client struct {
	BaseURL  *url.URL // server URL; the operation path is appended to its path
	HTTP     Doer     // nil = http.DefaultClient
	Envelope *apierror.Envelope
	Header   http.Header // sent with every request (WithDefaultHeader, WithAPIVersion); header parameters replace it
	// OperationServer maps an operation's own server (transport.Operation.
	// Server) to the base URL to use; nil resolves it against BaseURL.
	OperationServer func(server string) (*url.URL, error)
	// StrictDecoding makes a value the decoder would tolerate (left zero
	// and reported, see jsonx) an error of the call.
	StrictDecoding bool
	// Logger, if set, receives at debug level the values decoding left zero.
	Logger *slog.Logger
	// MaxResponseBytes bounds a 2xx body read by Do or DoResponse, counted
	// after gzip decoding: past it the call fails with a
	// *ResponseTooLargeError. Zero means DefaultMaxResponseBytes, a
	// negative value no limit. DoDownload streams and is never limited.
	MaxResponseBytes int64
	// Timeout is the deadline of a call whose context has none and that
	// has no WithTimeout: the whole call for Do and DoResponse, until the
	// response headers for DoDownload (a download is never cut). Zero
	// means none.
	Timeout time.Duration
}

// operationBase is the base URL of a request: its operation's own server
// or the client's.
func (c *Client) operationBase(r *Request) (*url.URL, error) {
	if r.op == nil || r.op.Server == "" {
		if c.BaseURL == nil {
			return nil, errNoBaseURL
		}
		return c.BaseURL, nil
	}
	if c.OperationServer != nil {
		return c.OperationServer(r.op.Server)
	}
	if c.BaseURL == nil {
		return url.Parse(r.op.Server)
	}
	return c.BaseURL.Parse(r.op.Server)
}

// Style is an OpenAPI parameter serialisation style.
type Style uint8

const (
	Form   Style = iota // default for query and cookie
	Simple              // default for path and header
	Label
	Matrix
	SpaceDelimited
	PipeDelimited
	DeepObject
)

// String returns the style's name as OpenAPI spells it.
func (s Style) String() string {
	switch s {
	case Form:
		return "form"
	case Simple:
		return "simple"
	case Label:
		return "label"
	case Matrix:
		return "matrix"
	case SpaceDelimited:
		return "spaceDelimited"
	case PipeDelimited:
		return "pipeDelimited"
	case DeepObject:
		return "deepObject"
	}
	return fmt.Sprintf("Style(%d)", uint8(s))
}

// RequestOption changes one call: extra headers, timeout, idempotency key.
type RequestOption func(*Request)

// WithHeader sets a header on the request, replacing any value set by the
// client or by a header parameter.
func WithHeader(name, value string) RequestOption {
	return func(r *Request) {
		if r.optHeader == nil {
			r.optHeader = make(http.Header, 1)
		}
		r.optHeader.Set(name, value)
	}
}

// WithQuery adds a query parameter after the operation's own.
func WithQuery(name, value string) RequestOption {
	return func(r *Request) {
		r.optQuery = appendPair(r.optQuery, escapeString(name, escQuery), value)
	}
}

// WithIdempotencyKey sets the Idempotency-Key header and marks the context
// with transport.WithIdempotencyKey, so that retry middleware may retry
// the request whatever its method.
//
// A key names one request, and the retries of that request (the retry
// middleware resends it unchanged) carry it as given. An option value may
// build several requests, though: an OpAll iterator passes its options to
// every page. A server that replays the answer stored for a key would
// then return page 1 for every page, so each further request built from
// the same option value gets a key of its own derived from key: the first
// sends key, the second key+"-2", the third key+"-3", and so on. To retry
// a call yourself under the same key, pass a fresh WithIdempotencyKey(key).
func WithIdempotencyKey(key string) RequestOption {
	var uses atomic.Int64
	return func(r *Request) {
		if key == "" {
			return
		}
		k := key
		if n := uses.Add(1); n > 1 {
			k += "-" + strconv.FormatInt(n, 10)
		}
		WithHeader("Idempotency-Key", k)(r)
		r.ctx = transport.WithIdempotencyKey(r.ctx, k)
	}
}

// WithTimeout bounds the whole call, reading the response included, with
// context.WithTimeout. For DoDownload the deadline covers reading the body
// and is released when the body is closed.
func WithTimeout(d time.Duration) RequestOption {
	return func(r *Request) { r.timeout = d }
}

// Request is one request being built. Its methods record the first
// encoding error and turn into no-ops after it; Do returns that error
// before any I/O.
//
// A Request is sent once; it is not safe for concurrent use.
type Request struct {
	ctx    context.Context
	op     *transport.Operation
	method string
	tmpl   string
	url    *url.URL // preset by Next instead of tmpl
	path   []pathParam
	query  []byte
	header http.Header
	// defaultHeader holds spec defaults of header parameters, which the
	// client's Header replaces.
	defaultHeader http.Header
	cookies       []byte
	body          body
	errFn         func(status int) any
	err           error

	optHeader     http.Header
	optQuery      []byte
	timeout       time.Duration
	stream        bool // DoDownload: the body outlives the call
	defaultAccept string

	// Inline storage so that typical requests do not allocate for these.
	pathBuf  [2]pathParam
	queryBuf [96]byte
}

type pathParam struct{ name, raw string }

// NewRequest starts a request for op (op.Method, op.PathTemplate); the
// operation is attached to ctx with transport.WithOperation.
//
// A nil op makes a GET of the base URL with no operation attached. nil
// options are skipped.
func (c *Client) NewRequest(ctx context.Context, op *transport.Operation, opts []RequestOption) *Request {
	if ctx == nil {
		ctx = context.Background()
	}
	r := &Request{ctx: ctx, method: http.MethodGet}
	r.path = r.pathBuf[:0]
	r.query = r.queryBuf[:0]
	if op != nil {
		r.op = op
		if op.Method != "" {
			r.method = op.Method
		}
		r.tmpl = op.PathTemplate
		r.ctx = transport.WithOperation(ctx, op)
	}
	for _, o := range opts {
		if o != nil {
			o(r)
		}
	}
	return r
}

// Err returns the first error recorded while building r.
func (r *Request) Err() error { return r.err }

// fail records err unless an error is already recorded.
func (r *Request) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

// Path substitutes {name} in the template. v may be string, bool, any int
// or float kind, time.Time, fmt.Stringer, a slice (simple: comma-joined)
// or a struct/map (simple style object). An empty string is an error
// naming the parameter (checked before I/O). Values are escaped.
//
// Label and Matrix render as the OpenAPI table shows (".blue",
// ";color=blue"); escaping matches url.PathEscape, so "/" in a value
// cannot add a path segment. An absent or empty value (including an empty
// list or object) is an error.
func (r *Request) Path(name string, v any, style Style, explode bool) {
	if r.err != nil {
		return
	}
	// Fast path: a plain scalar in the default style.
	if s, st, handled := fastScalar(v); handled && style == Simple {
		switch {
		case st != present:
			r.fail(fmt.Errorf("rest: path parameter %q is required", name))
		case s == "":
			r.fail(fmt.Errorf("rest: path parameter %q is empty", name))
		default:
			r.path = append(r.path, pathParam{name, escapeString(s, escPath)})
		}
		return
	}
	f, err := flatten(v)
	switch {
	case err != nil:
		r.fail(fmt.Errorf("rest: path parameter %q: %w", name, err))
		return
	case f.state != present:
		r.fail(fmt.Errorf("rest: path parameter %q is required", name))
		return
	case f.shape == scalarShape && f.s == "",
		f.shape == listShape && len(f.list) == 0,
		f.shape == objectShape && len(f.obj) == 0:
		r.fail(fmt.Errorf("rest: path parameter %q is empty", name))
		return
	}
	r.path = append(r.path, pathParam{name, string(appendPathStyle(nil, name, f, style, explode))})
}

// Require fails the request when the required parameter name (in is
// "query", "header" or "cookie") has no value: v is nil, an absent opt, a
// nil pointer, slice or map, or an empty string. The error names the
// parameter; nothing is sent.
func (r *Request) Require(in, name string, v any) {
	if r.err != nil {
		return
	}
	x, st := resolve(v)
	empty := st == absent
	if rv := reflect.ValueOf(x); st == present && rv.Kind() == reflect.String && rv.Len() == 0 {
		empty = true
	}
	if empty {
		r.fail(fmt.Errorf("rest: required %s parameter %q is not set", in, name))
	}
}

// NewRequestID returns a fresh random (version 4) UUID, for header
// parameters that identify each request (x-apigen-request-id).
func NewRequestID() string { return uuid.NewString() }

// Range fails the request when the numeric parameter v (a number or an
// opt of one; absent passes) lies outside [min, max]: a limit the API
// caps (RAYNET's limit ≤ 1000) fails before sending, with a clear error.
func (r *Request) Range(name string, v any, min, max float64) {
	if r.err != nil {
		return
	}
	x, st := resolve(v)
	if st != present {
		return
	}
	var f float64
	switch rv := reflect.ValueOf(x); rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		f = float64(rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		f = float64(rv.Uint())
	case reflect.Float32, reflect.Float64:
		f = rv.Float()
	default:
		return
	}
	switch {
	case f < min:
		r.fail(fmt.Errorf("rest: parameter %q is %v, below the minimum %v", name, x, min))
	case f > max:
		r.fail(fmt.Errorf("rest: parameter %q is %v, above the maximum %v", name, x, max))
	}
}

// Query adds a query parameter. v may be anything Path accepts plus
// opt.Valuer (absent → skipped), slices (form explode → repeated; form
// non-explode → comma; space/pipe delimited), structs (json tags) and maps
// (deepObject → name[key]=v, form explode → key=v). Nil slices/maps skipped.
//
// Values and names are percent-encoded keeping only RFC 3986 unreserved
// characters (a space is %20); the separators the style adds (",", "|",
// "%20", and the brackets of deepObject) are written as the OpenAPI table
// shows them. A null opt.Nullable is sent as "name="; empty lists and
// objects add nothing. deepObject nests: name[a][b]=v, arrays indexed
// name[a][0]=v.
func (r *Request) Query(name string, v any, style Style, explode bool) {
	if r.err != nil {
		return
	}
	if s, st, handled := fastScalar(v); handled {
		if st != absent {
			r.query = appendEscaped(appendAmp(r.query), name, escQuery)
			r.query = append(r.query, '=')
			r.query = appendEscaped(r.query, s, escQuery)
		}
		return
	}
	key := escapeString(name, escQuery)
	if style == DeepObject {
		q, err := appendNested(r.query, key, v, false, 0)
		if err != nil {
			r.fail(fmt.Errorf("rest: query parameter %q: %w", name, err))
			return
		}
		r.query = q
		return
	}
	f, err := flatten(v)
	if err != nil {
		r.fail(fmt.Errorf("rest: query parameter %q: %w", name, err))
		return
	}
	switch f.state {
	case absent:
		return
	case null:
		r.query = appendPair(r.query, key, "")
		return
	}
	r.query = appendQueryStyle(r.query, key, f, style, explode)
}

func appendAmp(b []byte) []byte {
	if len(b) > 0 {
		b = append(b, '&')
	}
	return b
}

// Header sets a header parameter (simple style); absent opt values skipped.
//
// Lists are comma-joined and objects written "k,v,k,v" (explode false,
// the default for headers). A value containing CR, LF or NUL is an error.
func (r *Request) Header(name string, v any) {
	if r.err != nil {
		return
	}
	s, st, handled := fastScalar(v)
	if !handled {
		f, err := flatten(v)
		if err != nil {
			r.fail(fmt.Errorf("rest: header parameter %q: %w", name, err))
			return
		}
		st = f.state
		if st == present {
			s = string(appendSimple(nil, f, false, noEscape))
		}
	}
	if st != present {
		return
	}
	if !validHeaderValue(s) {
		r.fail(fmt.Errorf("rest: header parameter %q has an invalid value", name))
		return
	}
	if r.header == nil {
		r.header = make(http.Header, 4)
	}
	r.header.Set(name, s)
}

// HeaderDefault sets the spec's default value of a header parameter: it
// is sent unless the client's Header (a client-wide default) or the
// call's own parameter sets that header.
func (r *Request) HeaderDefault(name, value string) {
	if r.err != nil {
		return
	}
	if r.defaultHeader == nil {
		r.defaultHeader = make(http.Header, 1)
	}
	r.defaultHeader.Set(name, value)
}

func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '\r' || c == '\n' || c == 0 {
			return false
		}
	}
	return true
}

// Cookie adds a cookie parameter (form style); absent opt values skipped.
//
// Lists and objects are written with explode false ("a,b", "k,v,k,v"):
// repeated cookies of one name are not reliably read by servers. Bytes
// outside RFC 6265 cookie-octets, and '%', are percent-encoded.
func (r *Request) Cookie(name string, v any) {
	if r.err != nil {
		return
	}
	s, st, handled := fastScalar(v)
	var f flat
	if !handled {
		var err error
		f, err = flatten(v)
		if err != nil {
			r.fail(fmt.Errorf("rest: cookie parameter %q: %w", name, err))
			return
		}
		st = f.state
	} else {
		f = flat{state: st, s: s}
	}
	if st != present {
		return
	}
	if len(r.cookies) > 0 {
		r.cookies = append(r.cookies, "; "...)
	}
	r.cookies = appendEscaped(r.cookies, name, escCookie)
	r.cookies = append(r.cookies, '=')
	r.cookies = appendSimple(r.cookies, f, false, escCookie)
}

// ErrorModel sets the function giving, per status, a pointer to a new
// value of the error schema the spec declares for it (nil if none).
func (r *Request) ErrorModel(f func(status int) any) { r.errFn = f }

// File is a file part of a multipart body: its bytes with the filename
// and part Content-Type to send. It is itself an io.Reader (reading Body),
// so it fits the io.Reader fields generated for binary members.
type File struct {
	Name        string // filename; "" = the base name of an *os.File, else the field name
	ContentType string // "" = application/octet-stream
	Body        io.Reader
}

// Read reads from Body.
func (f File) Read(p []byte) (int, error) {
	if f.Body == nil {
		return 0, io.EOF
	}
	return f.Body.Read(p)
}

// Download is a streamed binary response. The caller must Close Body.
type Download struct {
	Body        io.ReadCloser
	ContentType string
	Filename    string // from Content-Disposition, if any
	Size        int64  // -1 if unknown
}

// Do sends r and, on a 2xx, decodes a JSON (or text into *string) body into out
// (out nil: body discarded). Non-2xx → *apierror.APIError. Bodies are always closed.
//
// JSON is decoded when the response's media type is application/json,
// */json or *+json, or when it has no Content-Type (or text/plain) and the
// body looks like JSON; any other type, and an empty body other than a
// 202's, is a *DecodeError naming the operation and status. A *string receives
// the body as text, except that a JSON string under a JSON media type is
// decoded; a *[]byte receives the raw body. A 204 or 205 leaves out
// untouched, as an empty body does a *string or *[]byte.
//
// Values the generated decoders tolerate (a member that is not required,
// of the wrong type: left zero, see jsonx) are logged at debug level, and
// are the call's error with StrictDecoding. Unless the request already has one, an
// "Accept: application/json" header is added when out is neither *string
// nor *[]byte.
func (c *Client) Do(r *Request, out any) error {
	switch out.(type) {
	case *string, *[]byte:
	default:
		r.defaultAccept = "application/json"
	}
	return c.do(r, func(resp *http.Response) error { return decode(resp, out) })
}

// DoResponse sends r and, on a 2xx, calls decode with the response (body
// open; Do closes it afterwards). Used for several 2xx bodies.
func (c *Client) DoResponse(r *Request, decode func(*http.Response) error) error {
	return c.do(r, func(resp *http.Response) error {
		if decode == nil {
			return nil
		}
		return decode(resp)
	})
}

// DoDownload sends r and returns the 2xx body unread.
//
// Filename is the filename parameter of Content-Disposition (RFC 2231
// encodings decoded) stripped of any directory part, Size the response's
// Content-Length.
func (c *Client) DoDownload(r *Request) (*Download, error) {
	r.stream = true
	resp, u, cancel, err := c.send(r)
	if err != nil {
		return nil, err
	}
	if !success(resp.StatusCode) {
		defer cancel()
		defer drainClose(resp.Body)
		return nil, c.apiError(r, resp, u)
	}
	body := CancelOnClose(resp.Body, cancel)
	return &Download{
		Body:        body,
		ContentType: resp.Header.Get("Content-Type"),
		Filename:    dispositionFilename(resp.Header.Get("Content-Disposition")),
		Size:        resp.ContentLength,
	}, nil
}

// DecodeJSON decodes resp's body into out (helper for DoResponse decoders).
// It follows Do's rules (content types, *string, *[]byte, empty bodies)
// and does not close the body.
func DecodeJSON(resp *http.Response, out any) error { return decode(resp, out) }

// Next fetches an absolute or base-relative link (links pagination) with
// GET through the same chain, decoding into out.
//
// href may be an absolute URL on BaseURL's host (an https base refuses an
// http link), a path that already includes BaseURL's path
// ("/api/v2/pets?page=2" under "https://h/api/v2"), a path relative to it
// ("/pets?page=2" or "pets?page=2"), or a query alone ("?page=2", resolved
// against the base URL). A link to another host is an error: following it
// would hand the client's credentials to that host.
//
// prepare adds what the link cannot carry: the operation's header and
// cookie parameters.
func (c *Client) Next(ctx context.Context, op *transport.Operation, href string, out any, opts []RequestOption, prepare ...func(*Request)) error {
	r := c.NewRequest(ctx, op, opts)
	r.method = http.MethodGet
	for _, p := range prepare {
		p(r)
	}
	u, err := c.resolveLink(href)
	if err != nil {
		r.fail(err)
	}
	r.url = u
	return c.Do(r, out)
}

var errNoBaseURL = errors.New("rest: client has no BaseURL")

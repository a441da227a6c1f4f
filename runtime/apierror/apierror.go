// Package apierror defines the one error type every generated client returns
// for a non-2xx response.
package apierror

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/apigen-go/apigen/runtime/secret"
)

// APIError is a non-2xx response, decoded as far as the spec allows.
// Match it with errors.As(err, &apiErr) through any wrapping.
type APIError struct {
	StatusCode  int
	Method      string
	URL         string // without query string (it may carry secrets)
	Operation   string // operationId
	Code        string // provider's error code, from the envelope
	Message     string // provider's message, from the envelope
	FieldErrors []FieldError
	RequestID   string
	Header      http.Header // response headers (Set-Cookie redacted)
	Body        []byte      // raw body, truncated to MaxBody
	Model       any         // decoded error model when the spec declares one for the status
}

// FieldError is one validation error on one input field.
type FieldError struct {
	Field   string
	Message string
	// Value is the rejected value as the provider echoed it, decoded from
	// JSON (numbers are json.Number). It never appears in Error().
	Value any
}

// MaxBody caps how much of an error body is kept.
const MaxBody = 64 << 10

// Envelope says where code, message and field errors sit in a provider's
// error body (x-apigen-errors). Paths are dot-separated keys into the JSON
// body ("error.code"); empty paths fall back to common names (code, error,
// message, error_description, detail, title, errors).
//
// A path that is set but finds nothing also falls back to the common names,
// so that bodies from gateways in front of the API still yield a message.
// A numeric path segment indexes an array ("errors.0.message").
type Envelope struct {
	Code, Message, FieldErrors     string
	FieldName, FieldMessage, Value string // inside each field error
	RequestIDHeaders               []string
}

// maxErrorText caps the message and field-error text shown by Error().
const maxErrorText = 1024

// maxFieldErrorsShown caps how many field errors Error() lists.
const maxFieldErrorsShown = 10

// Error formats "<op>: <METHOD> <URL>: <status> <code>: <message>" plus field errors; never includes headers or secrets.
//
// Parts that are empty are left out; when the response carried neither a
// code nor a message, the status text stands in ("404 Not Found"). Field
// errors follow in parentheses as "field: message" without their values
// (a rejected value may be a password).
func (e *APIError) Error() string {
	if e == nil {
		return "<nil>"
	}
	var b strings.Builder
	if e.Operation != "" {
		b.WriteString(e.Operation)
		b.WriteString(": ")
	}
	if u := safeURL(e.URL); e.Method != "" || u != "" {
		b.WriteString(e.Method)
		if e.Method != "" && u != "" {
			b.WriteByte(' ')
		}
		b.WriteString(u)
		b.WriteString(": ")
	}
	b.WriteString(strconv.Itoa(e.StatusCode))
	if e.Code == "" && e.Message == "" {
		if t := http.StatusText(e.StatusCode); t != "" {
			b.WriteByte(' ')
			b.WriteString(t)
		}
	}
	if e.Code != "" {
		b.WriteByte(' ')
		b.WriteString(clip(e.Code))
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(clip(e.Message))
	}
	shown := 0
	for i, fe := range e.FieldErrors {
		if fe.Field == "" && fe.Message == e.Message {
			continue // already shown as the message
		}
		if shown == 0 {
			b.WriteString(" (")
		} else {
			b.WriteString("; ")
		}
		if shown == maxFieldErrorsShown {
			b.WriteString("and ")
			b.WriteString(strconv.Itoa(len(e.FieldErrors) - i))
			b.WriteString(" more")
			break
		}
		shown++
		switch {
		case fe.Field != "" && fe.Message != "":
			b.WriteString(clip(fe.Field))
			b.WriteString(": ")
			b.WriteString(clip(fe.Message))
		case fe.Field != "":
			b.WriteString(clip(fe.Field))
			b.WriteString(": invalid")
		default:
			b.WriteString(clip(fe.Message))
		}
	}
	if shown > 0 {
		b.WriteByte(')')
	}
	return b.String()
}

// clip shortens s to maxErrorText bytes (on a rune boundary) and keeps it
// on one line.
func clip(s string) string {
	if len(s) > maxErrorText {
		cut := maxErrorText
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		s = s[:cut] + "…"
	}
	if strings.ContainsAny(s, "\r\n") {
		s = strings.Join(strings.Fields(s), " ")
	}
	return s
}

// safeURL drops the query string, fragment and any user information from
// raw, whatever put them there.
func safeURL(raw string) string {
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		raw = raw[:i]
	}
	if strings.Contains(raw, "@") {
		if u, err := url.Parse(raw); err == nil && u.User != nil {
			u.User = nil
			return u.String()
		}
	}
	return raw
}

// StripURL returns u as a string without query, fragment or user
// information: the form APIError.URL holds.
func StripURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.User = nil
	c.RawQuery = ""
	c.ForceQuery = false
	c.Fragment = ""
	c.RawFragment = ""
	return c.String()
}

// defaultRequestIDHeaders are consulted after Envelope.RequestIDHeaders.
var defaultRequestIDHeaders = []string{"X-Request-Id", "Request-Id", "X-Correlation-Id", "X-Amzn-Requestid", "X-Trace-Id"}

// New builds an APIError from a response whose body has been read into body:
// fills code/message/field errors from the envelope, request id from the headers
// (X-Request-Id, X-Request-ID, Request-Id, X-Correlation-Id, plus env.RequestIDHeaders),
// and Model by unmarshalling body into model when model is non-nil.
//
// Method and URL come from resp.Request when it is set (the URL without its
// query); callers that know better (the operation, the URL as built)
// overwrite them. Headers named in env.RequestIDHeaders are consulted
// before the common ones. Model stays nil when body is empty or does not
// decode into model. env may be nil.
func New(resp *http.Response, body []byte, env *Envelope, model any) *APIError {
	if env == nil {
		env = &Envelope{}
	}
	if len(body) > MaxBody {
		body = body[:MaxBody]
	}
	e := &APIError{Body: body}
	if resp != nil {
		e.StatusCode = resp.StatusCode
		e.Header = redactHeader(resp.Header)
		if req := resp.Request; req != nil {
			e.Method = req.Method
			e.URL = StripURL(req.URL)
		}
		e.RequestID = requestID(resp.Header, env.RequestIDHeaders)
	}
	e.extract(body, contentType(resp), env)
	if model != nil && len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, model); err == nil {
			e.Model = model
		}
	}
	return e
}

func contentType(resp *http.Response) string {
	if resp == nil {
		return ""
	}
	return resp.Header.Get("Content-Type")
}

// redactHeader clones h with every Set-Cookie value replaced.
func redactHeader(h http.Header) http.Header {
	if h == nil {
		return nil
	}
	c := h.Clone()
	for _, k := range []string{"Set-Cookie", "Set-Cookie2"} {
		if vs, ok := c[k]; ok {
			r := make([]string, len(vs))
			for i := range r {
				r[i] = secret.Redacted
			}
			c[k] = r
		}
	}
	return c
}

func requestID(h http.Header, extra []string) string {
	for _, k := range extra {
		if v := h.Get(k); v != "" {
			return v
		}
	}
	for _, k := range defaultRequestIDHeaders {
		if v := h.Get(k); v != "" {
			return v
		}
	}
	return ""
}

// Common names tried, in order, when an Envelope path is empty or finds
// nothing.
var (
	codeNames        = []string{"code", "error_code", "errorCode", "error.code", "error.type"}
	messageNames     = []string{"message", "error.message", "error_description", "detail", "title", "error_message", "errorMessage", "msg", "description", "error.description"}
	fieldErrorsNames = []string{"errors", "error.errors", "error.details", "details", "detail", "fieldErrors", "field_errors", "validationErrors", "validation_errors", "invalid_params", "invalid-params", "violations"}
	fieldNameNames   = []string{"field", "name", "param", "parameter", "path", "property", "propertyPath", "pointer", "source.pointer", "source.parameter", "loc", "key", "attribute"}
	fieldMsgNames    = []string{"message", "msg", "detail", "reason", "description", "title", "error", "code"}
	fieldValueNames  = []string{"value", "rejectedValue", "rejected_value", "invalidValue", "input"}
	requestIDNames   = []string{"request_id", "requestId", "error.request_id", "error.requestId"}
)

// extract fills Code, Message and FieldErrors from a JSON body, or Message
// from a short text/plain body.
func (e *APIError) extract(body []byte, ct string, env *Envelope) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return
	}
	if trimmed[0] != '{' && trimmed[0] != '[' {
		if isPlainText(ct) {
			e.Message = firstLine(trimmed)
		}
		return
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	var root any
	if err := dec.Decode(&root); err != nil {
		return
	}
	if arr, ok := root.([]any); ok {
		// A bare array of errors.
		e.FieldErrors = fieldErrors(arr, env)
		return
	}
	if _, ok := root.(map[string]any); !ok {
		return
	}

	e.Code = scalarAt(root, env.Code, codeNames, formatCode)
	e.Message = scalarAt(root, env.Message, messageNames, formatMessage)
	if e.Code == "" || e.Message == "" {
		// OAuth 2 style: {"error": "invalid_grant", "error_description": "..."}.
		// A one-word "error" is a code when a message exists elsewhere, the
		// message otherwise; a phrase ("Bad Request") is never a code.
		if s, ok := lookup(root, "error").(string); ok && s != "" {
			switch {
			case e.Code == "" && e.Message != "" && !strings.ContainsAny(s, " \t"):
				e.Code = s
			case e.Message == "":
				e.Message = s
			}
		}
	}
	if fe := valueAt(root, env.FieldErrors, fieldErrorsNames, isFieldErrors); fe != nil {
		e.FieldErrors = fieldErrors(fe, env)
	}
	if e.Message == "" && len(e.FieldErrors) > 0 && e.FieldErrors[0].Field == "" {
		// {"errors": [{"message": "..."}]}: the first error is the message.
		e.Message = e.FieldErrors[0].Message
	}
	if e.RequestID == "" {
		e.RequestID = scalarAt(root, "", requestIDNames, formatCode)
	}
}

func isPlainText(ct string) bool {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	ct = strings.TrimSpace(ct)
	return ct == "" || strings.EqualFold(ct, "text/plain")
}

// firstLine returns the first non-empty line of b, capped at 512 bytes.
func firstLine(b []byte) string {
	if i := bytes.IndexAny(b, "\r\n"); i >= 0 {
		b = b[:i]
	}
	s := strings.TrimSpace(string(b))
	if len(s) > 512 {
		s = clip(s[:512])
	}
	return s
}

// lookup follows a dotted path through maps and arrays. At each level it
// first tries the remaining path as one key, so keys that contain dots work.
func lookup(v any, path string) any {
	for path != "" {
		switch n := v.(type) {
		case map[string]any:
			if x, ok := n[path]; ok {
				return x
			}
			key, rest, _ := strings.Cut(path, ".")
			x, ok := n[key]
			if !ok {
				return nil
			}
			v, path = x, rest
		case []any:
			key, rest, _ := strings.Cut(path, ".")
			i, err := strconv.Atoi(key)
			if err != nil || i < 0 || i >= len(n) {
				return nil
			}
			v, path = n[i], rest
		default:
			return nil
		}
	}
	return v
}

// scalarAt formats the value at path, or at the first fallback name that
// yields a non-empty result.
func scalarAt(root any, path string, fallbacks []string, format func(any) string) string {
	if path != "" {
		if s := format(lookup(root, path)); s != "" {
			return s
		}
	}
	for _, name := range fallbacks {
		if s := format(lookup(root, name)); s != "" {
			return s
		}
	}
	return ""
}

// valueAt returns the value at path, or at the first fallback name whose
// value passes ok.
func valueAt(root any, path string, fallbacks []string, ok func(any) bool) any {
	if path != "" {
		if v := lookup(root, path); ok(v) {
			return v
		}
	}
	for _, name := range fallbacks {
		if v := lookup(root, name); ok(v) {
			return v
		}
	}
	return nil
}

// formatCode renders a code: a string as is, a number without exponent.
func formatCode(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return formatNumber(x)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// formatNumber renders n without an exponent ("1e3" → "1000", "40.0" → "40").
func formatNumber(n json.Number) string {
	s := string(n)
	if !strings.ContainsAny(s, ".eE") {
		return s
	}
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return strconv.FormatInt(i, 10)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// formatMessage renders a message: a string, a number, or an array of
// strings joined with "; " (NestJS sends messages as arrays).
func formatMessage(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return formatNumber(x)
	case []any:
		parts := make([]string, 0, len(x))
		for _, it := range x {
			s, ok := it.(string)
			if !ok {
				return ""
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, "; ")
	}
	return ""
}

func isFieldErrors(v any) bool {
	switch x := v.(type) {
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	}
	return false
}

// fieldErrors turns a list of error objects (or strings), or a map from
// field to message(s), into FieldErrors. Map keys are sorted.
func fieldErrors(v any, env *Envelope) []FieldError {
	switch x := v.(type) {
	case []any:
		out := make([]FieldError, 0, len(x))
		for _, it := range x {
			switch item := it.(type) {
			case map[string]any:
				out = append(out, FieldError{
					Field:   scalarAt(item, env.FieldName, fieldNameNames, formatField),
					Message: scalarAt(item, env.FieldMessage, fieldMsgNames, formatMessage),
					Value:   valueAt(item, env.Value, fieldValueNames, present),
				})
			case string:
				out = append(out, FieldError{Message: item})
			}
		}
		return out
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var out []FieldError
		for _, k := range keys {
			switch m := x[k].(type) {
			case []any:
				for _, it := range m {
					if obj, ok := it.(map[string]any); ok {
						out = append(out, FieldError{
							Field:   k,
							Message: scalarAt(obj, env.FieldMessage, fieldMsgNames, formatMessage),
							Value:   valueAt(obj, env.Value, fieldValueNames, present),
						})
						continue
					}
					out = append(out, FieldError{Field: k, Message: formatMessage(it)})
				}
			case map[string]any:
				out = append(out, FieldError{
					Field:   k,
					Message: scalarAt(m, env.FieldMessage, fieldMsgNames, formatMessage),
					Value:   valueAt(m, env.Value, fieldValueNames, present),
				})
			default:
				out = append(out, FieldError{Field: k, Message: formatMessage(m)})
			}
		}
		return out
	}
	return nil
}

// formatField renders a field name; a location array (FastAPI's
// ["body", "email"]) is joined with dots.
func formatField(v any) string {
	if arr, ok := v.([]any); ok {
		parts := make([]string, 0, len(arr))
		for _, it := range arr {
			s := formatCode(it)
			if s == "" {
				return ""
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, ".")
	}
	return formatCode(v)
}

func present(v any) bool { return v != nil }

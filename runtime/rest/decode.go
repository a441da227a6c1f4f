package rest

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/apigen-go/apigen/runtime/auth"
	"github.com/apigen-go/apigen/runtime/jsonx"
	"github.com/apigen-go/apigen/runtime/secret"
	"github.com/apigen-go/apigen/runtime/transport"
)

// DecodeError is a 2xx response whose body is not the JSON the operation
// promised: empty, of another media type, malformed, or missing or
// mistyping a required member. Err is a *jsonx.Error (JSON path, expected
// and found) when the JSON itself did not fit, a *jsonx.IssuesError
// under WithStrictDecoding.
//
// Text quoted from the body (Excerpt, and the values Err quotes in
// Error()) has the request's credentials replaced as failed responses have
// (auth.RedactSent), and the value of any credential-like key
// ("access_token": …, password=…) masked.
type DecodeError struct {
	Operation   string // operationId, "" for a request without one
	Status      int
	ContentType string
	Excerpt     string // the start of the body, for a body that is not JSON
	Err         error

	sent func(string) string // auth.RedactSent for the response
}

func (e *DecodeError) Error() string {
	var b strings.Builder
	b.WriteString("rest: ")
	if e.Operation != "" {
		b.WriteString(e.Operation)
		b.WriteString(": ")
	}
	msg := fmt.Sprint(e.Err)
	if e.sent != nil {
		msg = maskIssueValues(e.sent(msg))
	}
	fmt.Fprintf(&b, "decode %d response: %s", e.Status, msg)
	if e.Excerpt != "" {
		fmt.Fprintf(&b, " (body: %q)", e.Excerpt)
	}
	return b.String()
}

func (e *DecodeError) Unwrap() error { return e.Err }

// maxBodyExcerpt bounds the part of a body a DecodeError quotes.
const maxBodyExcerpt = 120

// newDecodeError describes a body that could not be decoded. The body
// is quoted only when it is not JSON at all: a JSON error already quotes
// the value at fault.
func newDecodeError(resp *http.Response, data []byte, err error) *DecodeError {
	e := &DecodeError{Operation: opOf(resp), Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Err: err,
		sent: sentRedactor(resp)}
	var je *jsonx.Error
	if !errors.As(err, &je) || je.Path == "$" {
		// Redact before cutting, so that a secret across the cut is
		// not half shown.
		head := string(data[:min(len(data), redactWindow)])
		e.Excerpt = bodyExcerpt([]byte(secretInBody.ReplaceAllString(e.sent(head), "${1}"+secret.Redacted)))
	}
	return e
}

// redactWindow is how much of a body is redacted to quote its start.
const redactWindow = 4 * maxBodyExcerpt

// sentRedactor replaces the credentials sent for resp (auth.RedactSent).
func sentRedactor(resp *http.Response) func(string) string {
	return func(s string) string { return auth.RedactSent(resp, s) }
}

// secretKey is a member or parameter name that holds a credential:
// access_token, refresh_token, password, client_secret, api_key, X-API-KEY…
const secretKey = `(?:token|password|passwd|secret|api[_-]?key|authorization)`

var (
	// secretInBody: the value after a credential-like key in body text,
	// JSON ("password": "…") or form (password=…).
	secretInBody = regexp.MustCompile(`(?i)(` + secretKey + `"?\s*[:=]\s*"?)([^"&,;\s}]+)`)
	// secretInIssue: the raw value a decode issue quotes for a
	// credential-like member ($.access_token: expected string, got 42).
	secretInIssue = regexp.MustCompile(`(?i)(` + secretKey + `[\w-]*: expected [^;]*?, got )("(?:[^"\\]|\\.)*"|[^;]+)`)
	// secretMember: a JSON path ending in a credential-like member.
	secretMember = regexp.MustCompile(`(?i)` + secretKey + `[\w-]*$`)
)

// maskIssueValues hides the raw values decode issues quote for
// credential-like members.
func maskIssueValues(s string) string {
	return secretInIssue.ReplaceAllString(s, "${1}"+secret.Redacted)
}

// bodyExcerpt is the start of a body as printable text.
func bodyExcerpt(data []byte) string {
	if len(data) > maxBodyExcerpt {
		cut := maxBodyExcerpt
		for cut > 0 && !utf8.RuneStart(data[cut]) {
			cut--
		}
		data = data[:cut]
	}
	return strings.Map(func(r rune) rune {
		if r == utf8.RuneError || !unicode.IsPrint(r) && r != ' ' {
			return '.'
		}
		return r
	}, strings.TrimSpace(string(data)))
}

func opOf(resp *http.Response) string {
	if resp.Request == nil {
		return ""
	}
	if op := transport.OperationFrom(resp.Request.Context()); op != nil {
		return op.ID
	}
	return ""
}

func mediaType(ct string) string {
	mt, _, _ := strings.Cut(ct, ";")
	return strings.TrimSpace(mt)
}

// tolerated handles the outcome of decoding a 2xx body: values the
// decoder left zero (a *jsonx.IssuesError) are logged at debug level and
// the call succeeds, or, with StrictDecoding, they are its error.
func (c *Client) tolerated(r *Request, resp *http.Response, err error) error {
	var issues *jsonx.IssuesError
	if err == nil || !errors.As(err, &issues) {
		return err
	}
	name := ""
	if r.op != nil {
		name = r.op.ID
	}
	if c.StrictDecoding {
		return &DecodeError{Operation: name, Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Err: issues,
			sent: sentRedactor(resp)}
	}
	if c.Logger != nil && c.Logger.Enabled(r.ctx, slog.LevelDebug) {
		for _, is := range issues.Issues {
			raw := auth.RedactSent(resp, is.Raw)
			if secretMember.MatchString(is.Path) {
				raw = secret.Redacted
			}
			c.Logger.LogAttrs(r.ctx, slog.LevelDebug, "value left zero: it does not match the schema",
				slog.String("operation", name), slog.Int("status", resp.StatusCode),
				slog.String("path", is.Path), slog.String("expected", is.Expected), slog.String("raw", raw))
		}
	}
	return nil
}

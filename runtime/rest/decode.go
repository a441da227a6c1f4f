package rest

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/apigen-go/apigen/runtime/jsonx"
	"github.com/apigen-go/apigen/runtime/transport"
)

// DecodeError is a 2xx response whose body is not the JSON the operation
// promised: empty, of another media type, malformed, or missing or
// mistyping a required member. Err is a *jsonx.Error (JSON path, expected
// and found) when the JSON itself did not fit, a *jsonx.IssuesError
// under WithStrictDecoding.
type DecodeError struct {
	Operation   string // operationId, "" for a request without one
	Status      int
	ContentType string
	Excerpt     string // the start of the body, for a body that is not JSON
	Err         error
}

func (e *DecodeError) Error() string {
	var b strings.Builder
	b.WriteString("rest: ")
	if e.Operation != "" {
		b.WriteString(e.Operation)
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "decode %d response: %v", e.Status, e.Err)
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
	e := &DecodeError{Operation: opOf(resp), Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Err: err}
	var je *jsonx.Error
	if !errors.As(err, &je) || je.Path == "$" {
		e.Excerpt = bodyExcerpt(data)
	}
	return e
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
		return &DecodeError{Operation: name, Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Err: issues}
	}
	if c.Logger != nil && c.Logger.Enabled(r.ctx, slog.LevelDebug) {
		for _, is := range issues.Issues {
			c.Logger.LogAttrs(r.ctx, slog.LevelDebug, "value left zero: it does not match the schema",
				slog.String("operation", name), slog.Int("status", resp.StatusCode),
				slog.String("path", is.Path), slog.String("expected", is.Expected), slog.String("raw", is.Raw))
		}
	}
	return nil
}

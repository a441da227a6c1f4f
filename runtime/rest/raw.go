package rest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/apigen-go/apigen/runtime/transport"
)

// Send sends a request the spec does not describe through the client's
// chain (auth, rate limits, retries, logging) and decodes it as Do does:
// a 2xx body into out, anything else into an *apierror.APIError.
//
// path is resolved as Next resolves links: a path relative to the base
// URL ("/companies/?limit=5" under "https://h/api/v2" is
// "https://h/api/v2/companies/?limit=5"; a path already under the base
// path is kept), or an absolute URL on the base URL's host; another host
// is an error, since the client's credentials would go there.
//
// body is sent as JSON unless it is nil (no body), url.Values (a form),
// []byte or an io.Reader (raw, application/octet-stream unless a File or
// a WithHeader Content-Type says otherwise). out may be nil (body
// discarded), *string, *[]byte, *Download (the body is handed over
// unread: close it) or anything encoding/json decodes into.
//
// The request carries an operation named "<METHOD> <path>" whose
// security is security (nil: the client's first scheme applies; an empty
// list: no credentials) and which is idempotent as its method is
// (CONTRACT §5), so retries and per-operation middleware treat it like a
// generated call.
func (c *Client) Send(ctx context.Context, method, path string, body, out any, security [][]string, opts []RequestOption) error {
	if method == "" {
		method = http.MethodGet
	}
	p, _, _ := strings.Cut(path, "?")
	op := &transport.Operation{ID: method + " " + p, Method: method, PathTemplate: p,
		Idempotent: transport.MethodIdempotent(method), Security: security}
	r := c.NewRequest(ctx, op, opts)
	u, err := c.resolveRef(path, "path")
	if err != nil {
		r.fail(err)
	}
	r.url = u
	switch b := body.(type) {
	case nil:
	case url.Values:
		r.Form(b)
	case []byte:
		r.Raw("", bytes.NewReader(b))
	case io.Reader:
		r.Raw("", b)
	default:
		r.JSON("", b)
	}
	if d, ok := out.(*Download); ok {
		if d == nil {
			return errors.New("rest: Send: nil *Download")
		}
		got, err := c.DoDownload(r)
		if err != nil {
			return err
		}
		*d = *got
		return nil
	}
	return c.Do(r, out)
}

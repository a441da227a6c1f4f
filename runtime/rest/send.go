package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/apigen-go/apigen/runtime/apierror"
	"github.com/apigen-go/apigen/runtime/jsonx"
)

// maxDrain bounds how much of an unread response body is discarded before
// closing it, so that the connection can be reused without reading an
// endless stream.
const maxDrain = 256 << 10

func success(status int) bool { return status >= 200 && status <= 299 }

func noCancel() {}

// do sends r and hands a 2xx response to onSuccess; the body is drained
// and closed, and any timeout released, before do returns.
func (c *Client) do(r *Request, onSuccess func(*http.Response) error) error {
	resp, u, cancel, err := c.send(r)
	if err != nil {
		return err
	}
	defer cancel()
	defer drainClose(resp.Body)
	if !success(resp.StatusCode) {
		return c.apiError(r, resp, u)
	}
	if err := c.limitBody(r, resp); err != nil {
		return err
	}
	return c.tolerated(r, resp, onSuccess(resp))
}

// send builds the *http.Request and sends it. On success the caller owns
// resp.Body and must call cancel once done with it.
func (c *Client) send(r *Request) (resp *http.Response, u *url.URL, cancel context.CancelFunc, err error) {
	if r.err != nil {
		return nil, nil, nil, r.err
	}
	u, err = c.buildURL(r)
	if err != nil {
		return nil, nil, nil, err
	}
	rc, getBody, n, err := r.body.open()
	if err != nil {
		return nil, nil, nil, err
	}
	ctx, cancel := r.ctx, context.CancelFunc(noCancel)
	var headersOnly *time.Timer
	if r.timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, r.timeout)
	} else if _, has := ctx.Deadline(); c.Timeout > 0 && !has {
		if r.stream {
			// A download's default deadline ends with its headers: the
			// body streams as long as the caller reads.
			ctx, cancel = context.WithCancel(ctx)
			headersOnly = time.AfterFunc(c.Timeout, cancel)
		} else {
			ctx, cancel = context.WithTimeout(ctx, c.Timeout)
		}
	}
	req, err := http.NewRequestWithContext(ctx, r.method, "", nil)
	if err != nil {
		cancel()
		if rc != nil {
			rc.Close()
		}
		return nil, nil, nil, fmt.Errorf("rest: %w", err)
	}
	req.URL = u
	req.Host = u.Host
	if rc != nil {
		req.Body, req.GetBody, req.ContentLength = rc, getBody, n
	}
	c.header(r, req.Header)

	doer := c.HTTP
	if doer == nil {
		doer = http.DefaultClient
	}
	resp, err = doer.Do(req)
	if headersOnly != nil {
		headersOnly.Stop()
	}
	if err != nil {
		cancel()
		return nil, nil, nil, c.transportError(r, err)
	}
	return resp, u, cancel, nil
}

// header assembles the request headers into h: the spec's defaults of
// header parameters, the client's, then header parameters, Content-Type, cookies, then per-call options, each later one
// replacing an earlier one of the same name.
func (c *Client) header(r *Request, h http.Header) {
	for k, vs := range r.defaultHeader {
		h[k] = vs
	}
	for k, vs := range c.Header {
		h[k] = append([]string(nil), vs...)
	}
	for k, vs := range r.header {
		h[k] = vs
	}
	if r.body.set {
		h["Content-Type"] = []string{r.body.contentType}
	}
	for k, vs := range r.optHeader {
		h[k] = vs
	}
	if len(r.cookies) > 0 {
		if prev := h.Get("Cookie"); prev != "" {
			h.Set("Cookie", prev+"; "+string(r.cookies))
		} else {
			h["Cookie"] = []string{string(r.cookies)}
		}
	}
	if r.defaultAccept != "" {
		if _, ok := h["Accept"]; !ok {
			h["Accept"] = []string{r.defaultAccept}
		}
	}
}

// transportError names the operation and keeps the query string (which
// may carry an API key) out of the message; errors.Is and errors.As see
// the original error.
func (c *Client) transportError(r *Request, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if i := strings.IndexAny(ue.URL, "?#"); i >= 0 {
			stripped := *ue
			stripped.URL = ue.URL[:i]
			if err == error(ue) {
				err = &stripped
			} else {
				// Wrapped by a custom Doer: say it again without the query.
				err = &wrapped{msg: strings.ReplaceAll(err.Error(), ue.URL, stripped.URL), err: err}
			}
		}
	}
	if r.op != nil && r.op.ID != "" {
		return fmt.Errorf("rest: %s: %w", r.op.ID, err)
	}
	return fmt.Errorf("rest: %w", err)
}

// wrapped replaces an error's message and keeps its chain.
type wrapped struct {
	msg string
	err error
}

func (w *wrapped) Error() string { return w.msg }
func (w *wrapped) Unwrap() error { return w.err }

// apiError reads up to apierror.MaxBody of a non-2xx response and builds
// the *apierror.APIError.
func (c *Client) apiError(r *Request, resp *http.Response, u *url.URL) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, apierror.MaxBody))
	var model any
	if r.errFn != nil {
		model = r.errFn(resp.StatusCode)
	}
	e := apierror.New(resp, body, c.Envelope, model)
	e.Method = r.method
	e.URL = apierror.StripURL(u)
	if r.op != nil {
		e.Operation = r.op.ID
	}
	return e
}

// drainClose discards up to maxDrain bytes of body and closes it.
func drainClose(body io.ReadCloser) {
	bp := drainPool.Get().(*[]byte)
	buf := *bp
	for n := 0; n < maxDrain; {
		m, err := body.Read(buf)
		n += m
		if err != nil {
			break
		}
	}
	drainPool.Put(bp)
	_ = body.Close()
}

var drainPool = sync.Pool{New: func() any { b := make([]byte, 4<<10); return &b }}

// CancelOnClose returns body that calls cancel (once) when it is closed:
// a deadline that must outlive the call, covering the body being read.
func CancelOnClose(body io.ReadCloser, cancel context.CancelFunc) io.ReadCloser {
	return &cancelBody{ReadCloser: body, cancel: cancel}
}

// cancelBody releases a call's timeout when the body is closed.
type cancelBody struct {
	io.ReadCloser
	cancel  context.CancelFunc
	release sync.Once
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.release.Do(b.cancel)
	return err
}

// dispositionFilename returns the filename parameter of a
// Content-Disposition value without any directory part.
func dispositionFilename(cd string) string {
	if cd == "" {
		return ""
	}
	_, params, err := mime.ParseMediaType(cd)
	if err != nil {
		return ""
	}
	name := params["filename"]
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	if name == "." || name == ".." {
		return ""
	}
	return name
}

// bufPool holds buffers for reading JSON responses; encoding/json copies
// what it keeps, so a buffer is reused once Unmarshal returns.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooled keeps very large buffers out of the pool.
const maxPooled = 1 << 20

// maxPrealloc bounds the buffer allocated up front from a response's
// Content-Length; a larger body still reads, growing as it arrives.
const maxPrealloc = 64 << 20

// decode implements Do's and DecodeJSON's response decoding. A body
// that is not the JSON promised (empty, another media type, malformed) is
// a *DecodeError naming the operation and status; values tolerated come
// back as the decoder's *jsonx.IssuesError, for Client.tolerated.
func decode(resp *http.Response, out any) error {
	if out == nil || resp.Body == nil ||
		resp.StatusCode == http.StatusNoContent || resp.StatusCode == http.StatusResetContent {
		return nil
	}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= maxPooled {
			bufPool.Put(buf)
		}
	}()
	if resp.ContentLength > 0 && resp.ContentLength <= maxPrealloc {
		// One allocation of the announced size (MinRead spare so that
		// reading EOF does not grow it), instead of doubling from 512 B:
		// for a 1 MB body that saves a dozen copies and 2 MB of garbage.
		buf.Grow(int(resp.ContentLength) + bytes.MinRead)
	}
	if resp.ContentLength != 0 {
		if _, err := buf.ReadFrom(resp.Body); err != nil {
			return fmt.Errorf("rest: read response: %w", err)
		}
	}
	data := buf.Bytes()
	ct := resp.Header.Get("Content-Type")
	switch o := out.(type) {
	case *[]byte:
		if len(data) > 0 {
			*o = bytes.Clone(data)
		}
		return nil
	case *string:
		if len(bytes.TrimSpace(data)) == 0 {
			return nil
		}
		if isJSON(ct) && firstNonSpace(data) == '"' {
			break
		}
		*o = string(data)
		return nil
	}
	if len(bytes.TrimSpace(data)) == 0 {
		if resp.StatusCode == http.StatusAccepted {
			return nil // accepted for later processing: often nothing yet
		}
		return newDecodeError(resp, data, errors.New("empty body where JSON was expected"))
	}
	if !isJSON(ct) && !(sniffable(ct) && looksJSON(data)) {
		return newDecodeError(resp, data, fmt.Errorf("Content-Type %q is not JSON", mediaType(ct)))
	}
	var err error
	switch o := out.(type) {
	case DecodeFunc:
		if o == nil {
			return nil
		}
		err = o(data)
	case json.Unmarshaler:
		// Generated types decode themselves; calling them directly saves
		// encoding/json's validating pass over the whole body.
		err = o.UnmarshalJSON(data)
	default:
		err = json.Unmarshal(data, out)
	}
	var issues *jsonx.IssuesError
	if err == nil || errors.As(err, &issues) {
		return err
	}
	return newDecodeError(resp, data, err)
}

// DecodeFunc, passed to Do, DecodeJSON or Next as out, decodes a JSON
// response body itself instead of encoding/json: the hook for generated
// decoders (encoding/json is several times slower than a decoder that
// knows the type). Do's rules stay as they are: the Accept header, the
// content types accepted, and empty, 204 and 205 bodies (f is not
// called). An *jsonx.IssuesError from f is a tolerated decode (see Do).
// data is only valid during the call, since its buffer is reused: f must
// copy what it keeps.
type DecodeFunc func(data []byte) error

// isJSON reports whether the media type of ct is application/json,
// */json or */*+json.
func isJSON(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.TrimSpace(mt)
	_, sub, ok := strings.Cut(mt, "/")
	if !ok {
		return false
	}
	return strings.EqualFold(sub, "json") || (len(sub) > 5 && strings.EqualFold(sub[len(sub)-5:], "+json"))
}

// sniffable reports whether a body of type ct may be JSON sent with a
// careless Content-Type: none at all, or text/plain (what net/http's
// sniffing picks for a handler that forgot to set one).
func sniffable(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.TrimSpace(mt)
	return mt == "" || strings.EqualFold(mt, "text/plain")
}

func firstNonSpace(b []byte) byte {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c
	}
	return 0
}

func looksJSON(b []byte) bool {
	switch firstNonSpace(b) {
	case '{', '[', '"':
		return true
	}
	return false
}

// buildURL joins the base URL's path and the expanded template, and sets
// the query string.
func (c *Client) buildURL(r *Request) (*url.URL, error) {
	u := new(url.URL)
	if r.url != nil {
		*u = *r.url
	} else {
		base, err := c.operationBase(r)
		if err != nil {
			return nil, err
		}
		*u = *base
		u.Fragment, u.RawFragment = "", ""
		if r.tmpl != "" {
			raw, err := expandPath(basePath(base), r.tmpl, r.path)
			if err != nil {
				return nil, err
			}
			if strings.IndexByte(raw, '%') < 0 {
				u.Path, u.RawPath = raw, ""
			} else {
				p, err := url.PathUnescape(raw)
				if err != nil {
					return nil, fmt.Errorf("rest: path %q: %w", raw, err)
				}
				u.Path, u.RawPath = p, raw
			}
		} else if len(r.path) > 0 {
			return nil, fmt.Errorf("rest: path parameter %q not in the path template", r.path[0].name)
		}
	}
	if len(r.query) > 0 || len(r.optQuery) > 0 {
		q := make([]byte, 0, len(u.RawQuery)+len(r.query)+len(r.optQuery)+2)
		q = append(q, u.RawQuery...)
		if len(r.query) > 0 {
			q = appendAmp(q)
			q = append(q, r.query...)
		}
		if len(r.optQuery) > 0 {
			q = appendAmp(q)
			q = append(q, r.optQuery...)
		}
		u.RawQuery = string(q)
	}
	return u, nil
}

// basePath returns the base URL's escaped path without a trailing slash.
func basePath(base *url.URL) string {
	p := base.RawPath
	if p == "" {
		p = base.Path
		if needsPathEscape(p) {
			p = base.EscapedPath()
		}
	}
	return strings.TrimSuffix(p, "/")
}

func needsPathEscape(p string) bool {
	for i := 0; i < len(p); i++ {
		if c := p[i]; c != '/' && escTable[escPath][c] {
			return true
		}
	}
	return false
}

// expandPath appends the template to base, substituting each {name} with
// its escaped value. A template variable without a value is an error.
func expandPath(base, tmpl string, params []pathParam) (string, error) {
	n := len(base) + len(tmpl) + 1
	for _, p := range params {
		n += len(p.raw)
	}
	b := make([]byte, 0, n)
	b = append(b, base...)
	if !strings.HasPrefix(tmpl, "/") {
		b = append(b, '/')
	}
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			b = append(b, tmpl...)
			break
		}
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			return "", fmt.Errorf("rest: unterminated variable in path template %q", tmpl)
		}
		b = append(b, tmpl[:i]...)
		name := tmpl[i+1 : i+j]
		found := false
		for _, p := range params {
			if p.name == name {
				b = append(b, p.raw...)
				found = true
				break
			}
		}
		if !found {
			return "", fmt.Errorf("rest: path parameter %q is required", name)
		}
		tmpl = tmpl[i+j+1:]
	}
	return string(b), nil
}

// resolveLink resolves a next link against the base URL (see Next).
func (c *Client) resolveLink(href string) (*url.URL, error) { return c.resolveRef(href, "next link") }

// resolveRef resolves href, a next link or a raw request's path (what
// names it in errors), against the base URL.
func (c *Client) resolveRef(href, what string) (*url.URL, error) {
	if href == "" {
		return nil, errors.New("rest: empty " + what)
	}
	ref, err := url.Parse(href)
	if err != nil {
		return nil, errors.New("rest: invalid " + what)
	}
	ref.Fragment, ref.RawFragment = "", ""
	base := c.BaseURL
	if base == nil {
		if !ref.IsAbs() {
			return nil, errNoBaseURL
		}
		return ref, nil
	}
	if ref.IsAbs() || ref.Host != "" {
		if ref.Scheme == "" {
			ref.Scheme = base.Scheme
		}
		if !strings.EqualFold(ref.Host, base.Host) {
			return nil, fmt.Errorf("rest: %s leads to another host (%s)", what, ref.Host)
		}
		if strings.EqualFold(base.Scheme, "https") && !strings.EqualFold(ref.Scheme, "https") {
			return nil, errors.New("rest: " + what + " downgrades https to " + ref.Scheme)
		}
		if ref.User == nil {
			ref.User = base.User
		}
		return ref, nil
	}
	bp := basePath(base)
	dir := *base
	dir.RawQuery, dir.Fragment, dir.RawFragment = "", "", ""
	switch {
	case strings.HasPrefix(ref.Path, "/"):
		rp := ref.EscapedPath()
		if bp != "" && rp != bp && !strings.HasPrefix(rp, bp+"/") {
			if err := setRawPath(ref, bp+rp, what); err != nil {
				return nil, err
			}
		}
	case ref.Path == "":
		// A query alone: the base URL with that query.
	default:
		if err := setRawPath(&dir, bp+"/", what); err != nil {
			return nil, err
		}
	}
	return dir.ResolveReference(ref), nil
}

func setRawPath(u *url.URL, raw, what string) error {
	p, err := url.PathUnescape(raw)
	if err != nil {
		return fmt.Errorf("rest: %s path: %w", what, err)
	}
	u.Path, u.RawPath = p, raw
	return nil
}

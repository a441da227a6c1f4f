// Package httpcache holds the two middlewares that save bandwidth on the
// wire: Gzip (compressed responses) and ETag (conditional GETs answered by
// 304 Not Modified). Foxdeli, for one, "strongly recommends compression
// always and everywhere" and tags every GET response with an ETag; its PDF
// labels are where both pay off most.
//
// In a chain both sit inside auth, with ETag outside Gzip, so that the
// cache sees the credentials it partitions by and stores decoded bodies:
//
//	transport.Chain(base, ..., auth, httpcache.ETag(cache), httpcache.Gzip())
package httpcache

import (
	"compress/gzip"
	"io"
	"net/http"
	"strings"

	"github.com/apigen-go/apigen/runtime/transport"
)

// GzipTransport asks for gzip-compressed responses and decompresses them.
//
// Go's http.Transport decompresses on its own only when it added
// Accept-Encoding itself; a caller that sets the header, or a base
// RoundTripper that is not an *http.Transport (a test double, an HTTP/3
// client, one with DisableCompression), hands the compressed bytes up. This
// middleware therefore always sets the header itself when the caller did
// not, and always decodes a "Content-Encoding: gzip" response, whoever asked
// for it: callers of a generated client decode JSON or save documents and
// never want the transfer coding.
//
// A decoded response has no Content-Encoding and no Content-Length header,
// ContentLength -1 and Uncompressed true, exactly like one decoded by
// http.Transport. Decompression starts at the first Read, so RoundTrip does
// not block on the body. A GzipTransport is safe for concurrent use.
type GzipTransport struct {
	// Base sends the request; nil means http.DefaultTransport.
	Base http.RoundTripper
}

// Gzip returns a transport.Middleware wrapping its next RoundTripper in a
// GzipTransport.
func Gzip() transport.Middleware {
	return func(next http.RoundTripper) http.RoundTripper { return &GzipTransport{Base: next} }
}

// RoundTrip implements http.RoundTripper.
func (g *GzipTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := g.Base
	if base == nil {
		base = http.DefaultTransport
	}
	// Like http.Transport, leave range requests alone: a byte range of a
	// gzip stream cannot be decoded on its own.
	if _, set := req.Header["Accept-Encoding"]; !set && req.Header.Get("Range") == "" {
		r2 := req.Clone(req.Context())
		r2.Header.Set("Accept-Encoding", "gzip")
		req = r2
	}
	resp, err := base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	if !isGzip(resp.Header.Get("Content-Encoding")) || !hasBody(req, resp) {
		return resp, nil
	}
	resp.Body = &gzipBody{body: resp.Body}
	resp.Header.Del("Content-Encoding")
	resp.Header.Del("Content-Length")
	resp.ContentLength = -1
	resp.Uncompressed = true
	return resp, nil
}

// isGzip reports whether a Content-Encoding value is a single gzip coding.
// Stacked codings ("gzip, br") are passed through untouched: decoding only
// the outer one would leave a body labelled as nothing that is still encoded.
func isGzip(ce string) bool {
	ce = strings.TrimSpace(ce)
	return strings.EqualFold(ce, "gzip") || strings.EqualFold(ce, "x-gzip")
}

// hasBody reports whether resp can carry a body at all; HEAD, 204 and 304
// responses keep their Content-Encoding header, which then describes the
// representation rather than bytes in hand.
func hasBody(req *http.Request, resp *http.Response) bool {
	if req.Method == http.MethodHead || resp.Body == nil || resp.Body == http.NoBody || resp.ContentLength == 0 {
		return false
	}
	return resp.StatusCode != http.StatusNoContent && resp.StatusCode != http.StatusNotModified
}

// gzipBody decompresses lazily, on the first Read.
type gzipBody struct {
	body io.ReadCloser
	zr   *gzip.Reader
	err  error
}

func (b *gzipBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.zr == nil {
		zr, err := gzip.NewReader(b.body)
		if err != nil {
			if err != io.EOF {
				err = &decodeError{err}
			}
			b.err = err
			return 0, err
		}
		b.zr = zr
	}
	n, err := b.zr.Read(p)
	if err != nil && err != io.EOF {
		err = &decodeError{err}
		b.err = err
	}
	return n, err
}

func (b *gzipBody) Close() error { return b.body.Close() }

// decodeError marks an error met while decoding a gzip body (corrupt data
// or a failed read underneath), keeping the cause for errors.Is.
type decodeError struct{ err error }

func (e *decodeError) Error() string { return "httpcache: reading gzip response: " + e.err.Error() }
func (e *decodeError) Unwrap() error { return e.err }

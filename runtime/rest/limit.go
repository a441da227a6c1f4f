package rest

import (
	"fmt"
	"io"
	"net/http"
)

// DefaultMaxResponseBytes is the largest decoded response body Do and
// DoResponse read when Client.MaxResponseBytes is zero: far above any JSON
// page an API sends, far below what would take a service down. DoDownload
// streams and is not limited.
const DefaultMaxResponseBytes = 64 << 20

// ResponseTooLargeError means a response body was longer than the limit
// (Client.MaxResponseBytes, after any gzip decoding). Reading stopped at
// the limit; nothing was decoded.
type ResponseTooLargeError struct {
	Operation string // operationId, when known
	Limit     int64
}

func (e *ResponseTooLargeError) Error() string {
	return fmt.Sprintf("%s: response body exceeds the limit of %d bytes (WithMaxResponseBytes)", opOrResponse(e.Operation), e.Limit)
}

func opOrResponse(id string) string {
	if id == "" {
		return "response"
	}
	return id
}

// maxResponseBytes is the limit in force; negative means none.
func (c *Client) maxResponseBytes() int64 {
	if c.MaxResponseBytes == 0 {
		return DefaultMaxResponseBytes
	}
	return c.MaxResponseBytes
}

// limitBody replaces resp.Body with one that fails past the limit and
// names the operation in its read errors. A Content-Length already over
// the limit fails before anything is read.
func (c *Client) limitBody(r *Request, resp *http.Response) error {
	op := ""
	if r.op != nil {
		op = r.op.ID
	}
	limit := c.maxResponseBytes()
	if limit > 0 && resp.ContentLength > limit {
		return fmt.Errorf("rest: %w", &ResponseTooLargeError{Operation: op, Limit: limit})
	}
	if resp.Body != nil && resp.Body != http.NoBody {
		resp.Body = &limitedBody{ReadCloser: resp.Body, left: limit, limit: limit, op: op}
	}
	return nil
}

// limitedBody reads at most limit bytes (limit < 0: no limit); its read
// errors say which operation's response broke off.
type limitedBody struct {
	io.ReadCloser
	left, limit int64
	op          string
	err         error
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.limit >= 0 && int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.ReadCloser.Read(p)
	if b.limit >= 0 {
		if int64(n) > b.left {
			n, b.left = int(b.left), 0
			b.err = &ResponseTooLargeError{Operation: b.op, Limit: b.limit}
			return n, b.err
		}
		b.left -= int64(n)
	}
	if err != nil && err != io.EOF {
		b.err = fmt.Errorf("%s: %w", opOrResponse(b.op), err)
		return n, b.err
	}
	return n, err
}

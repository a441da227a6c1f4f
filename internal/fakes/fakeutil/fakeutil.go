// Package fakeutil holds what every fake provider server shares: a
// recorder of the requests it saw, so tests can assert on the wire.
package fakeutil

import (
	"bytes"
	"io"
	"net/http"
	"sync"
	"time"
)

// Request is one request as the fake received it.
type Request struct {
	Time   time.Time
	Method string
	Path   string
	Query  string
	Header http.Header
	Body   []byte
	// ContentLength is the request's Content-Length, -1 when it was sent
	// chunked.
	ContentLength int64
}

// Recorder keeps every request it is handed. The zero value is ready.
type Recorder struct {
	mu   sync.Mutex
	reqs []Request
}

// Record reads r's body (restoring it for the handler) and keeps a copy.
func (rec *Recorder) Record(r *http.Request, now time.Time) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, Request{
		Time: now, Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
		Header: r.Header.Clone(), Body: body, ContentLength: r.ContentLength,
	})
	rec.mu.Unlock()
}

// Requests returns a copy of what was recorded so far.
func (rec *Recorder) Requests() []Request {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]Request(nil), rec.reqs...)
}

// Reset forgets every recorded request.
func (rec *Recorder) Reset() {
	rec.mu.Lock()
	rec.reqs = nil
	rec.mu.Unlock()
}

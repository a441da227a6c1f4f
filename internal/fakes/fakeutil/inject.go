package fakeutil

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// Injections is a queue of canned responses that a fake answers before
// any other processing (no authentication, no limits), so that tests can
// make a provider fail in ways it rarely does. The zero value is ready.
type Injections struct {
	mu sync.Mutex
	q  []injection
}

type injection struct {
	path   string // the request path must start with it; "" matches any
	status int
	header http.Header
	body   *string // nil: the provider's error body for status
}

// Status queues count answers with status and header and the provider's
// error body for status.
func (in *Injections) Status(count, status int, header http.Header) {
	in.mu.Lock()
	defer in.mu.Unlock()
	for range count {
		in.q = append(in.q, injection{status: status, header: header.Clone()})
	}
}

// Response queues one answer for the next request whose path starts with
// path ("" matches any): status, header and body verbatim.
func (in *Injections) Response(path string, status int, header http.Header, body string) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.q = append(in.q, injection{path: path, status: status, header: header.Clone(), body: &body})
}

// Serve answers r with the first queued injection matching its path and
// reports whether it did; writeError writes the provider's error body for
// an injection queued by Status.
func (in *Injections) Serve(w http.ResponseWriter, r *http.Request, writeError func(http.ResponseWriter, *http.Request, int)) bool {
	inj, ok := in.take(r.URL.Path)
	if !ok {
		return false
	}
	for k, v := range inj.header {
		w.Header()[k] = slices.Clone(v)
	}
	if inj.body == nil {
		writeError(w, r, inj.status)
		return true
	}
	if w.Header().Get("Content-Type") == "" && strings.HasPrefix(*inj.body, "{") {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(inj.status)
	_, _ = io.WriteString(w, *inj.body)
	return true
}

func (in *Injections) take(path string) (injection, bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	for i, inj := range in.q {
		if strings.HasPrefix(path, inj.path) {
			in.q = slices.Delete(in.q, i, i+1)
			return inj, true
		}
	}
	return injection{}, false
}

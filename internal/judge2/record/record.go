// Package record is what every judge server under internal/judge2 keeps:
// the violations of the provider's documentation it saw, the requests in
// arrival order and the statuses it answered.
package record

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
)

// Log is safe for concurrent use; embed it in a judge server.
type Log struct {
	mu         sync.Mutex
	violations []string
	requests   []string
	statuses   map[int]int
}

// Violate records something the client sent that the docs do not allow.
func (l *Log) Violate(format string, a ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.violations = append(l.violations, fmt.Sprintf(format, a...))
}

// Violations returns the violations recorded so far.
func (l *Log) Violations() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.violations...)
}

// Arrived records a request as "METHOD path?query".
func (l *Log) Arrived(r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.requests = append(l.requests, r.Method+" "+r.URL.RequestURI())
}

// Requests returns every request, in arrival order.
func (l *Log) Requests() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.requests...)
}

// Answered counts a response status.
func (l *Log) Answered(status int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.statuses == nil {
		l.statuses = map[int]int{}
	}
	l.statuses[status]++
}

// Count returns how many responses had the status.
func (l *Log) Count(status int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.statuses[status]
}

// Reply counts the status and writes body as JSON (nil: no body).
func (l *Log) Reply(w http.ResponseWriter, status int, body any) {
	l.Answered(status)
	if body == nil {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// Int reads an integer query parameter: def when it is absent, -1 when it
// is not a number (which every judge refuses as out of range).
func Int(q url.Values, name string, def int) int {
	v := q.Get(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return -1
	}
	return n
}

// Handle records the request's arrival, runs serve and writes its answer.
func (l *Log) Handle(w http.ResponseWriter, r *http.Request, serve func() (int, any)) {
	l.Arrived(r)
	status, body := serve()
	l.Reply(w, status, body)
}

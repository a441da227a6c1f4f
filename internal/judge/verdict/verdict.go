// Package verdict records what a client sent that the provider's
// documentation does not allow, for the judge servers under internal/judge.
package verdict

import (
	"fmt"
	"sync"
)

// Log is a concurrency-safe list of violations; embed it in a judge server.
type Log struct {
	mu   sync.Mutex
	list []string
}

// Violate records one violation.
func (l *Log) Violate(format string, a ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.list = append(l.list, fmt.Sprintf(format, a...))
}

// Violations returns the violations recorded so far.
func (l *Log) Violations() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.list...)
}

// Stats counts a judge's traffic: requests in arrival order and responses
// by status. Embed it beside Log.
type Stats struct {
	mu       sync.Mutex
	requests []string
	statuses map[int]int
}

// Arrived records a request as "METHOD path?query".
func (s *Stats) Arrived(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, line)
}

// Answered counts a response status.
func (s *Stats) Answered(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.statuses == nil {
		s.statuses = map[int]int{}
	}
	s.statuses[status]++
}

// Requests returns every request, in arrival order.
func (s *Stats) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

// Count returns how many responses had the status.
func (s *Stats) Count(status int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.statuses[status]
}

// Package segnivo is an independent conformance server for the Segnivo
// Developer API 1.7, written from the provider's documentation only
// (PROVIDERS.md §5, seed 001 and the published spec segnivo.yaml), not from
// our spec or fakes. It records as a violation anything the client sends
// that the documentation does not allow.
package segnivo

import (
	"encoding/json"
	"fmt"
	"github.com/apigen-go/apigen/internal/judge2/record"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Documented hourly limits per endpoint: 10k for most, 1m for relay sending.
const (
	hourlyLimit      = 10_000
	relayHourlyLimit = 1_000_000
)

// Server is the judge; serve it with httptest (TLS: the API is HTTPS only).
type Server struct {
	APIKey string
	// OffsetPages reads the contacts `page` literally as "an offset on the
	// number of records returned" instead of a page number from 1.
	OffsetPages bool
	// StrictHeaders also demands Content-Type on a write sent without a
	// body: the header table says "Required" while its preamble says "some
	// or all of the following headers must be passed".
	StrictHeaders bool
	// CreditsLeft is how many e-mails relay sending still accepts; past it
	// the documented 403 answers.
	CreditsLeft int

	record.Log
	mu        sync.Mutex
	arrivals  map[string][]time.Time
	contacts  []map[string]any
	lastPatch map[string]any
}

// New returns a judge holding n contacts.
func New(apiKey string, n int) *Server {
	s := &Server{APIKey: apiKey, CreditsLeft: 1, arrivals: map[string][]time.Time{}}
	for i := 1; i <= n; i++ {
		s.contacts = append(s.contacts, map[string]any{"uid": fmt.Sprintf("c%02d", i),
			"email": fmt.Sprintf("user%02d@example.com", i), "first_name": "Jana", "last_name": "Nováková",
			"list_uid": "l1", "list": "Newsletter", "status": "subscribed", "verification_status": "deliverable"})
	}
	return s
}

// LastPatch returns the body of the last contact update.
func (s *Server) LastPatch() map[string]any { s.mu.Lock(); defer s.mu.Unlock(); return s.lastPatch }

// ServeHTTP checks the documented headers and limits, then answers.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Handle(w, r, func() (int, any) { return s.serve(r) })
}

func (s *Server) serve(r *http.Request) (int, any) {
	if r.TLS == nil {
		s.Violate("%s %s over plain HTTP (the API only answers HTTPS)", r.Method, r.URL.Path)
		return http.StatusMovedPermanently, nil
	}
	if r.Header.Get("X-API-KEY") != s.APIKey {
		if r.Header.Get("X-API-KEY") == "" {
			s.Violate("%s %s without X-API-KEY", r.Method, r.URL.Path)
		}
		return http.StatusUnauthorized, map[string]any{"message": "Unauthenticated."}
	}
	if a := r.Header.Get("Accept"); !strings.Contains(a, "application/json") {
		s.Violate("%s %s: Accept %q (required, application/json)", r.Method, r.URL.Path, a)
	}
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	if len(raw) > 0 || (s.StrictHeaders && r.Method != http.MethodGet) {
		s.checkBody(r, raw, &body)
	}
	route, arg := s.route(r.Method, r.URL.Path)
	if route == "" {
		s.Violate("%s %s is not a documented endpoint", r.Method, r.URL.Path)
		return http.StatusNotFound, map[string]any{"message": "Not found"}
	}
	if s.overLimit(route) {
		return http.StatusTooManyRequests, map[string]any{"message": "Too Many Attempts."}
	}
	return s.answer(route, arg, r, body)
}

// checkBody enforces Content-Type and a byte-exact Content-Length on writes.
func (s *Server) checkBody(r *http.Request, raw []byte, into *map[string]any) {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		s.Violate("%s %s: Content-Type %q (required, application/json)", r.Method, r.URL.Path, ct)
	}
	if len(raw) == 0 {
		return
	}
	if r.ContentLength != int64(len(raw)) || len(r.TransferEncoding) > 0 {
		s.Violate("%s %s: Content-Length %d for a %d-byte body (transfer encoding %v)", r.Method, r.URL.Path,
			r.ContentLength, len(raw), r.TransferEncoding)
	}
	if err := json.Unmarshal(raw, into); err != nil {
		s.Violate("%s %s: body is not a JSON object: %v", r.Method, r.URL.Path, err)
	}
}

// route names the documented endpoint and its path argument.
func (s *Server) route(method, path string) (string, string) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) < 2 || parts[0] != "v1" {
		return "", ""
	}
	parts = parts[1:]
	key := method + " /" + parts[0]
	arg := ""
	if len(parts) > 1 {
		arg = parts[1]
		key += "/{}"
	}
	if len(parts) > 2 {
		key += "/" + strings.Join(parts[2:], "/")
	}
	switch key {
	case "POST /relay/{}":
		if arg == "send" {
			return "relaySend", ""
		}
	case "GET /contacts", "POST /contacts", "GET /contacts/{}", "PATCH /contacts/{}",
		"POST /contacts/{}/delete", "POST /validate-email", "GET /lists", "POST /lists", "GET /lists/{}":
		return key, arg
	}
	return "", ""
}

// overLimit applies the hourly per-endpoint window on real arrival times.
func (s *Server) overLimit(route string) bool {
	limit := hourlyLimit
	if route == "relaySend" {
		limit = relayHourlyLimit
	}
	now := time.Now()
	kept := s.arrivals[route][:0]
	for _, t := range s.arrivals[route] {
		if now.Sub(t) < time.Hour {
			kept = append(kept, t)
		}
	}
	s.arrivals[route] = kept
	if len(kept) >= limit {
		return true
	}
	s.arrivals[route] = append(kept, now)
	return false
}

func (s *Server) answer(route, uid string, r *http.Request, body map[string]any) (int, any) {
	switch route {
	case "relaySend":
		for _, k := range []string{"subject", "from_email", "recipients", "content"} {
			if _, ok := body[k]; !ok {
				s.Violate("relay send without required %q", k)
			}
		}
		if s.CreditsLeft <= 0 {
			return http.StatusForbidden, map[string]any{"error": "credits_exhausted",
				"message": "Your sending credits have been exhausted."}
		}
		s.CreditsLeft--
		return http.StatusOK, map[string]any{"status": "success", "id": "e-1"}
	case "GET /contacts":
		return s.list(r)
	case "POST /contacts":
		if body["list_uid"] == nil || body["email"] == nil {
			s.Violate("add contact without list_uid or email: %v", body)
		}
		uid := fmt.Sprintf("c%02d", len(s.contacts)+1)
		c := map[string]any{"uid": uid, "status": "subscribed"}
		for k, v := range body {
			c[k] = v
		}
		s.contacts = append(s.contacts, c)
		return http.StatusOK, map[string]any{"status": 1, "message": "Subscriber added", "subscriber_uid": uid}
	}
	i := s.find(uid)
	if i < 0 {
		return http.StatusNotFound, map[string]any{"error": "not_found", "message": "Subscriber not found"}
	}
	switch route {
	case "GET /contacts/{}":
		return http.StatusOK, s.contacts[i]
	case "PATCH /contacts/{}":
		s.lastPatch = body
		for k, v := range body {
			if k != "email" && k != "first_name" && k != "last_name" {
				s.Violate("update contact: %q is not in ContactUpdateRequest", k)
			}
			s.contacts[i][k] = v
		}
		return http.StatusOK, map[string]any{"status": 1, "message": "Subscriber updated", "subscriber_uid": uid}
	case "POST /contacts/{}/delete":
		s.contacts = append(s.contacts[:i], s.contacts[i+1:]...)
		return http.StatusOK, map[string]any{"status": 1, "message": "Subscriber deleted"}
	}
	s.Violate("%s is outside what the judge exercises", route)
	return http.StatusNotImplemented, map[string]any{"message": "not implemented"}
}

func (s *Server) find(uid string) int {
	for i, c := range s.contacts {
		if c["uid"] == uid {
			return i
		}
	}
	return -1
}

// list pages the contacts: per_page items, page a page number from 1 (or,
// with OffsetPages, an item offset). The answer is a bare array.
func (s *Server) list(r *http.Request) (int, any) {
	q := r.URL.Query()
	for k := range q {
		if k != "email" && k != "per_page" && k != "page" {
			s.Violate("GET /contacts: undocumented query parameter %q", k)
		}
	}
	per, page := record.Int(q, "per_page", 20), record.Int(q, "page", 1)
	if per < 1 || page < 0 {
		s.Violate("GET /contacts with per_page=%q page=%q", q.Get("per_page"), q.Get("page"))
		return http.StatusBadRequest, map[string]any{"message": "The given data was invalid."}
	}
	first := (page - 1) * per
	if s.OffsetPages {
		first = page
	}
	out := []map[string]any{}
	for i := max(first, 0); i < len(s.contacts) && len(out) < per; i++ {
		if e := q.Get("email"); e == "" || s.contacts[i]["email"] == e {
			out = append(out, s.contacts[i])
		}
	}
	return http.StatusOK, out
}

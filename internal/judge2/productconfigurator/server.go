// Package productconfigurator is an independent conformance server for the
// Gemini Commerce Product Configurator API, written from the provider's
// documentation only (PROVIDERS.md §6, seed 001 and the provider's published
// client docs it cites), not from our spec or fakes. It records as a
// violation anything the client sends that the documentation does not allow.
package productconfigurator

import (
	"encoding/json"
	"fmt"
	"github.com/apigen-go/apigen/internal/judge2/record"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// gRPC codes of the google.rpc.Status error bodies.
const (
	codeInvalidArgument  = 3
	codeNotFound         = 5
	codePermissionDenied = 7
	codeUnauthenticated  = 16
)

// Server is the judge; serve it with httptest.
type Server struct {
	// Token is the integration JWT; Tenant the one tenant it is granted.
	Token, Tenant string

	record.Log
	mu            sync.Mutex
	configurators []map[string]any
}

// New returns a judge holding n configurators of product "p1".
func New(token, tenant string, n int) *Server {
	s := &Server{Token: token, Tenant: tenant}
	for i := 1; i <= n; i++ {
		status := "DRAFT"
		if i == 1 {
			status = "ACTIVE"
		}
		s.configurators = append(s.configurators, map[string]any{"id": fmt.Sprintf("cfg-%02d", i),
			"grn": fmt.Sprintf("grn:%s:configurator:cfg-%02d", tenant, i), "productId": "p1",
			"label": fmt.Sprintf("Config %d", i), "status": status, "createdAt": "2024-05-01T10:00:00Z"})
	}
	return s
}

func rpcStatus(code int, message string) map[string]any {
	return map[string]any{"code": code, "message": message, "details": []any{}}
}

// ServeHTTP checks the bearer JWT and the tenant, then answers.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Handle(w, r, func() (int, any) { return s.serve(r) })
}

func (s *Server) serve(r *http.Request) (int, any) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok != s.Token {
		s.Violate("%s %s without the integration JWT as Bearer", r.Method, r.URL.Path)
		return http.StatusUnauthorized, rpcStatus(codeUnauthenticated, "unauthenticated")
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) < 3 || parts[0] != "v1" {
		s.Violate("%s %s: paths are /v1/{tenantId}/...", r.Method, r.URL.Path)
		return http.StatusNotFound, rpcStatus(codeNotFound, "not found")
	}
	if parts[1] != s.Tenant {
		return http.StatusForbidden, rpcStatus(codePermissionDenied, "tenant "+parts[1]+" is not granted to this token")
	}
	if r.Method == http.MethodPost || r.Method == http.MethodPut {
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			s.Violate("%s %s with Content-Type %q (the docs give application/json)", r.Method, r.URL.Path, ct)
		}
	}
	rest := parts[2:]
	switch {
	case r.Method == http.MethodPost && len(rest) == 5 && rest[0] == "product" && rest[2] == "page-size" && rest[4] == "configurators":
		return s.list(r, rest[1], rest[3])
	case r.Method == http.MethodPost && len(rest) == 3 && rest[0] == "product" && rest[2] == "create":
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			s.Violate("create: body is not a JSON object: %v", err)
		}
		for k := range body {
			if k != "label" {
				s.Violate("create: %q is not in CreateConfiguratorRequest (label)", k)
			}
		}
		c := map[string]any{"id": fmt.Sprintf("cfg-%02d", len(s.configurators)+1), "productId": rest[1],
			"label": body["label"], "status": "DRAFT", "createdAt": "2024-05-02T10:00:00Z"}
		s.configurators = append(s.configurators, c)
		return http.StatusOK, c
	case r.Method == http.MethodGet && len(rest) == 2 && rest[0] == "product":
		for _, c := range s.configurators {
			if c["productId"] == rest[1] && c["status"] == "ACTIVE" {
				return http.StatusOK, c
			}
		}
		return http.StatusNotFound, rpcStatus(codeNotFound, "no active configurator for product "+rest[1])
	case r.Method == http.MethodDelete && len(rest) == 2 && rest[0] == "configurator":
		for i, c := range s.configurators {
			if c["id"] == rest[1] {
				s.configurators = append(s.configurators[:i], s.configurators[i+1:]...)
				return http.StatusOK, map[string]any{}
			}
		}
		return http.StatusNotFound, rpcStatus(codeNotFound, "configurator "+rest[1]+" not found")
	}
	s.Violate("%s %s is outside what the judge exercises", r.Method, r.URL.Path)
	return http.StatusNotFound, rpcStatus(codeNotFound, "not found")
}

// list pages with the page size in the path and pageToken in the body; the
// token is the index of the next configurator.
func (s *Server) list(r *http.Request, product, size string) (int, any) {
	n, err := strconv.Atoi(size)
	if err != nil || n < 1 {
		return http.StatusBadRequest, rpcStatus(codeInvalidArgument, "invalid page size "+size)
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		s.Violate("list: body is not a JSON object: %v", err)
	}
	for k := range body {
		switch k {
		case "pageToken", "tenantId", "productId", "pageSize":
		default:
			s.Violate("list: %q is not in ConfiguratorListRequest", k)
		}
	}
	start := 0
	if tok, _ := body["pageToken"].(string); tok != "" {
		if start, err = strconv.Atoi(strings.TrimPrefix(tok, "after-")); err != nil {
			s.Violate("list: pageToken %q is not one the judge issued", tok)
			return http.StatusBadRequest, rpcStatus(codeInvalidArgument, "invalid page token")
		}
	}
	var mine []map[string]any
	for _, c := range s.configurators {
		if c["productId"] == product {
			mine = append(mine, c)
		}
	}
	out := map[string]any{"configurators": []any{}}
	page := []any{}
	for i := start; i < len(mine) && i < start+n; i++ {
		page = append(page, mine[i])
	}
	out["configurators"] = page
	if start+n < len(mine) {
		out["nextPageToken"] = fmt.Sprintf("after-%d", start+n)
	}
	return http.StatusOK, out
}

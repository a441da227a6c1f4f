package segnivo

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A chunked body, a missing Accept and an unknown key are caught.
func TestJudgeCatches(t *testing.T) {
	j := New("key", 1)
	srv := httptest.NewTLSServer(j)
	defer srv.Close()
	body := io.NopCloser(strings.NewReader(`{"list_uid":"l1","email":"a@example.com"}`))
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/contacts", body)
	req.Header.Set("X-API-KEY", "key")
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	req, _ = http.NewRequest(http.MethodGet, srv.URL+"/v1/contacts", nil)
	req.Header.Set("X-API-KEY", "nope")
	resp, err = srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong key: %d, want 401", resp.StatusCode)
	}
	v := strings.Join(j.Violations(), "\n")
	if !strings.Contains(v, "Accept") || !strings.Contains(v, "Content-Length") {
		t.Errorf("violations %q", v)
	}
}

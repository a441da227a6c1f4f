package raiffeisen

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A reused X-Request-Id, a call without the certificate and an eleventh call
// in one second are caught.
func TestJudgeCatches(t *testing.T) {
	pki, err := NewPKI(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	j := New("cid", 1, 1)
	srv := httptest.NewUnstartedServer(j)
	srv.TLS = pki.TLSConfig()
	srv.StartTLS()
	defer srv.Close()
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pki.Roots}}}
	for range 12 {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/rbcz/premium/api/fxrates", nil)
		req.Header.Set("X-IBM-Client-Id", "cid")
		req.Header.Set("X-Request-Id", "same")
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/rbcz/premium/api/accounts", nil)
	req.Header.Set("X-IBM-Client-Id", "cid")
	req.Header.Set("X-Request-Id", "other")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if j.Count(429) < 1 {
		t.Error("12 calls in a burst drew no 429")
	}
	v := strings.Join(j.Violations(), "\n")
	if !strings.Contains(v, "reused") || !strings.Contains(v, "without the client certificate") {
		t.Errorf("violations %q", v)
	}
}

package productconfigurator

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A missing Bearer token and a non-JSON create are caught.
func TestJudgeCatches(t *testing.T) {
	j := New("jwt", "acme", 1)
	srv := httptest.NewServer(j)
	defer srv.Close()
	for _, auth := range []string{"", "Bearer jwt"} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/acme/product/p1/create", strings.NewReader(`{"label":"x"}`))
		req.Header.Set("Authorization", auth)
		req.Header.Set("Content-Type", "text/plain")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	v := strings.Join(j.Violations(), "\n")
	if !strings.Contains(v, "without the integration JWT") || !strings.Contains(v, "Content-Type") || j.Count(401) != 1 {
		t.Errorf("violations %q, 401s %d", v, j.Count(401))
	}
}

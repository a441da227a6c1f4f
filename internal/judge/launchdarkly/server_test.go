package launchdarkly

import (
	"net/http"
	"strings"
	"testing"
)

// TestJudgeCatchesHeaderBlindClient: a client that ignores the rate-limit
// headers, sends "Bearer " and JSON patch as application/json-patch+json is
// caught; the judge is not vacuous.
func TestJudgeCatchesHeaderBlindClient(t *testing.T) {
	s := New(Config{Token: "api-x", GlobalLimit: 1})
	defer s.Close()
	s.AddFlag("p", "f", "F")
	send := func(method, auth, ct string) int {
		req, _ := http.NewRequest(method, s.URL+"/api/v2/flags/p/f", strings.NewReader(`[{"op":"replace","path":"/name","value":"G"}]`))
		req.Header.Set("Authorization", auth)
		req.Header.Set("LD-API-Version", "20240415")
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := send(http.MethodGet, "Bearer api-x", ""); got != http.StatusUnauthorized {
		t.Errorf("Bearer token: %d", got)
	}
	if got := send(http.MethodPatch, "api-x", "application/json-patch+json"); got != http.StatusBadRequest {
		t.Errorf("json-patch+json: %d", got)
	}
	if got := send(http.MethodGet, "api-x", ""); got != http.StatusTooManyRequests {
		t.Errorf("third request in the window: %d, want 429", got)
	}
	if v := s.Violations(); len(v) != 2 {
		t.Errorf("violations %q; want the Bearer prefix and the content type", v)
	}
}

package raynet

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The judge is not vacuous: it records what the documentation forbids.
func TestJudgeCatches(t *testing.T) {
	for _, tc := range []struct {
		name, query string
		instance    bool
		want        string
	}{
		{"no instance header", "", false, "without X-Instance-Name"},
		{"operator the column does not name", "?name%5BGT%5D=A", true, "operator GT"},
		{"page over 1000", "?limit=2000", true, "at most 1000"},
		{"unknown column", "?id%5BEQ%5D=1", true, "undocumented query parameter"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j := New("u", "k", "crm", 1)
			srv := httptest.NewServer(j)
			defer srv.Close()
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v2/company/"+tc.query, nil)
			req.SetBasicAuth("u", "k")
			if tc.instance {
				req.Header.Set("X-Instance-Name", "crm")
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if v := j.Violations(); len(v) != 1 || !strings.Contains(v[0], tc.want) {
				t.Errorf("violations %q, want one containing %q", v, tc.want)
			}
		})
	}
}

// Past the quota the judge answers the documented 429 body.
func TestJudgeQuota(t *testing.T) {
	j := New("u", "k", "crm", 1)
	j.SetQuota(1)
	srv := httptest.NewServer(j)
	defer srv.Close()
	for range 2 {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v2/company/1/", nil)
		req.SetBasicAuth("u", "k")
		req.Header.Set("X-Instance-Name", "crm")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Header.Get("X-Ratelimit-Reset") == "" {
			t.Error("no X-Ratelimit-Reset")
		}
	}
	if j.Count(429) != 1 {
		t.Errorf("429s: %d, want 1", j.Count(429))
	}
}

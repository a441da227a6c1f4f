package auth

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/apigen-go/apigen/runtime/secret"
)

// recordServer answers 200 and keeps the last request's headers and URL.
func recordServer(t *testing.T) (*httptest.Server, func() (http.Header, *url.URL)) {
	var h http.Header
	var u *url.URL
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, u = r.Header.Clone(), r.URL
	}))
	t.Cleanup(srv.Close)
	return srv, func() (http.Header, *url.URL) { return h, u }
}

func TestStaticSchemesExactHeaders(t *testing.T) {
	srv, last := recordServer(t)
	cases := []struct {
		name   string
		cred   Credential
		header http.Header
		check  func(http.Header, *url.URL) string
	}{
		{
			name:   "RAYNET basic user:apikey with instance",
			cred:   Basic{Username: "uzivatel", Password: secret.New("api-klic")},
			header: http.Header{"X-Instance-Name": {"moje-crm"}},
			check: func(h http.Header, _ *url.URL) string {
				if h.Get("Authorization") != "Basic dXppdmF0ZWw6YXBpLWtsaWM=" || h.Get("X-Instance-Name") != "moje-crm" {
					return h.Get("Authorization") + " / " + h.Get("X-Instance-Name")
				}
				return ""
			},
		},
		{
			name: "bearer",
			cred: Bearer{Token: secret.New("integration-jwt")},
			check: func(h http.Header, _ *url.URL) string {
				return want(h.Get("Authorization"), "Bearer integration-jwt")
			},
		},
		{
			name: "Segnivo API key header",
			cred: APIKey{Name: "X-API-KEY", Key: secret.New("segnivo-key")},
			check: func(h http.Header, _ *url.URL) string {
				return want(h.Get("X-Api-Key"), "segnivo-key") + want(h.Get("Authorization"), "")
			},
		},
		{
			name: "API key query",
			cred: APIKey{Name: "api_key", Key: secret.New("q-key"), In: InQuery},
			check: func(_ http.Header, u *url.URL) string {
				return want(u.Query().Get("api_key"), "q-key") + want(u.Query().Get("keep"), "1")
			},
		},
		{
			name: "Foxdeli raw Basic token, not base64",
			cred: RawToken{Scheme: "Basic", Token: secret.New("684v98fdtoken")},
			check: func(h http.Header, _ *url.URL) string {
				return want(h.Get("Authorization"), "Basic 684v98fdtoken")
			},
		},
		{
			name: "LaunchDarkly token without scheme",
			cred: RawToken{Token: secret.New("api-12345")},
			check: func(h http.Header, _ *url.URL) string {
				return want(h.Get("Authorization"), "api-12345")
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr := &Transport{Credential: c.cred, Header: c.header, AllowInsecureHTTP: true}
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/x?keep=1", nil)
			req.Header.Set("Accept", "application/json")
			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			h, u := last()
			if msg := c.check(h, u); msg != "" {
				t.Error(msg)
			}
			if h.Get("Accept") != "application/json" {
				t.Error("caller's header lost")
			}
			// The caller's request is never modified.
			if req.Header.Get("Authorization") != "" || req.URL.RawQuery != "keep=1" || len(req.Header) != 1 {
				t.Errorf("caller's request modified: %v %s", req.Header, req.URL)
			}
		})
	}
}

func want(got, want string) string {
	if got != want {
		return "got " + got + ", want " + want + "; "
	}
	return ""
}

func TestStaticSchemesRejectEmpty(t *testing.T) {
	for _, c := range []Credential{Basic{}, Bearer{}, APIKey{Key: secret.New("k")}, APIKey{Name: "X"}, RawToken{Scheme: "Basic"}, &SignedJWT{}} {
		req := httptest.NewRequest(http.MethodGet, "https://example.com/", nil)
		if err := c.Apply(req); err == nil {
			t.Errorf("%T with empty fields applied", c)
		}
	}
}

func TestAPIKeyQueryKeepsOrder(t *testing.T) {
	req := httptest.NewRequest(http.MethodGet, "https://example.com/x?z=1&a=2", nil)
	APIKey{Name: "api key", Key: secret.New("k&v"), In: InQuery}.Apply(req)
	if req.URL.RawQuery != "z=1&a=2&api+key=k%26v" {
		t.Errorf("query %q", req.URL.RawQuery)
	}
	req = httptest.NewRequest(http.MethodGet, "https://example.com/x?api_key=old", nil)
	APIKey{Name: "api_key", Key: secret.New("new"), In: InQuery}.Apply(req)
	if req.URL.RawQuery != "api_key=new" {
		t.Errorf("query %q", req.URL.RawQuery)
	}
}

package e2e

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apigen-go/apigen/generated/raynet"
	fake "github.com/apigen-go/apigen/internal/fakes/raynet"
	"github.com/apigen-go/apigen/runtime/auth"
)

// TestRawRequestGoesThroughTheChain: Do reaches an endpoint by path with
// the client's credentials and instance header, decodes the 2xx body,
// turns a non-2xx into *APIError, and refuses another host before sending.
func TestRawRequestGoesThroughTheChain(t *testing.T) {
	f, c := raynetSetup(t, raynetGood)
	ctx := context.Background()

	var out struct {
		Success    bool             `json:"success"`
		TotalCount int              `json:"totalCount"`
		Data       []map[string]any `json:"data"`
	}
	if err := c.Do(ctx, http.MethodGet, "/company/?limit=2&offset=1", nil, &out); err != nil {
		t.Fatal(err)
	}
	if !out.Success || len(out.Data) != 2 || out.TotalCount != len(f.Companies("moje-crm")) {
		t.Fatalf("out = %+v", out)
	}
	reqs := f.Requests()
	last := reqs[len(reqs)-1]
	if last.Path != "/api/v2/company/" || last.Query != "limit=2&offset=1" {
		t.Errorf("sent %s?%s, want /api/v2/company/?limit=2&offset=1", last.Path, last.Query)
	}
	if u, p, ok := raynetParseBasic(last.Header.Get("Authorization")); !ok || u != "uzivatel" || p != "api-klic" || last.Header.Get("X-Instance-Name") != "moje-crm" {
		t.Errorf("credentials not sent: %v", last.Header)
	}

	err := c.Do(ctx, http.MethodGet, "/company/999999/", nil, nil)
	var apiErr *raynet.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotFound {
		t.Errorf("unknown company: err = %v, want a 404 *APIError", err)
	}

	n := len(f.Requests())
	if err := c.Do(ctx, http.MethodGet, "https://elsewhere.example/api/v2/company/", nil, nil); err == nil || !strings.Contains(err.Error(), "another host") {
		t.Errorf("another host: err = %v", err)
	}
	if len(f.Requests()) != n {
		t.Error("a request to another host went out")
	}
	if c.HTTPClient() == nil || c.HTTPClient().Transport == nil {
		t.Error("HTTPClient has no chain")
	}
}

// TestRawRequestNeedsCredentials: without credentials, Do refuses a
// request the spec's security would authenticate, before sending.
func TestRawRequestNeedsCredentials(t *testing.T) {
	f := fake.New(fake.DefaultConfig())
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c, err := raynet.New(srv.URL+"/api/v2", raynet.WithInsecureHTTP())
	if err != nil {
		t.Fatal(err)
	}
	err = c.Do(context.Background(), http.MethodGet, "/company/", nil, nil)
	var missing *auth.MissingCredentialsError
	if !errors.As(err, &missing) || !strings.Contains(err.Error(), "RAYNET_API_KEY") {
		t.Fatalf("err = %v, want *auth.MissingCredentialsError naming RAYNET_API_KEY", err)
	}
	if len(f.Requests()) != 0 {
		t.Error("the request went out")
	}
}

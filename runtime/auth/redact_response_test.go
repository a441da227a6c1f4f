package auth

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/secret"
)

// staticSource hands out one token.
type staticSource struct{ tok *Token }

func (s staticSource) Token(context.Context) (*Token, error) { return s.tok, nil }

// An API that echoes the request's credentials in a 401 body and header
// (common in "invalid key ..." messages) must not make the client show
// them: the response above auth carries [REDACTED] instead, in every
// encoding the server may echo them in.
func TestTransportRedactsEchoedCredentials(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		echo := r.Header.Get("Authorization") + " " + r.Header.Get("X-API-KEY") + " " + r.Header.Get("X-Id-Token") + " " + r.URL.RawQuery
		if u, p, ok := r.BasicAuth(); ok {
			echo += " " + u + ":" + p
		}
		if k := r.URL.Query().Get("key"); k != "" {
			echo += " " + k + " " + url.QueryEscape(k)
		}
		w.Header().Set("X-Echo", echo)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `{"message":"invalid credentials: `+strings.ReplaceAll(echo, `"`, `\"`)+`"}`)
	}))
	defer srv.Close()
	tok := &Token{AccessToken: secret.New(leakToken), TokenType: "Bearer", RefreshToken: secret.New(leakRefresh),
		Extra: map[string]secret.Secret{"id_token": secret.New(leakIDToken)}}
	for name, tr := range map[string]*Transport{
		"Basic":        {Credential: Basic{Username: "user", Password: secret.New(leakAPIKey)}},
		"Bearer":       {Credential: Bearer{Token: secret.New(leakToken)}},
		"APIKey":       {Credential: APIKey{Name: "X-API-KEY", Key: secret.New(leakAPIKey)}},
		"APIKey query": {Credential: APIKey{Name: "key", Key: secret.New(leakAPIKey + " &/+"), In: InQuery}},
		"RawToken":     {Credential: RawToken{Token: secret.New(leakToken)}},
		"Source":       {Source: staticSource{tok}, ExtraTokens: []ExtraToken{{Field: "id_token", Header: "X-Id-Token"}}},
	} {
		tr.AllowInsecureHTTP = true
		tr.Header = http.Header{"X-Instance-Name": {"acme-instance"}}
		c := &http.Client{Transport: tr, Timeout: 5 * time.Second}
		resp, err := c.Get(srv.URL + "/things?page=2")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got := string(body) + " " + resp.Header.Get("X-Echo")
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(got, secret.Redacted) {
			t.Errorf("%s: status %d, body %s: want 403 with %s", name, resp.StatusCode, got, secret.Redacted)
		}
		assertNoLeak(t, name, got)
		if strings.Contains(got, leakAPIKey[:8]) {
			t.Errorf("%s: part of a secret left: %s", name, got)
		}
		if !strings.Contains(got, "page=2") {
			t.Errorf("%s: non-secret query lost: %s", name, got)
		}
	}
}

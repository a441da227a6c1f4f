package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/secret"
)

// Every secret below is distinctive so that any leak is found.
const (
	leakClientSecret = "LEAK-client-secret-1"
	leakPassword     = "LEAK-password-2"
	leakRefresh      = "LEAK-refresh-3"
	leakAPIKey       = "LEAK-api-key-4"
	leakJWTSecret    = "LEAK-jwt-secret-5"
	leakToken        = "LEAK-token-6"
	leakP12Pass      = "LEAK-p12-pass-7"
	leakCode         = "LEAK-code-8"
	leakIDToken      = "LEAK-id-token-9"
)

var leaks = []string{leakClientSecret, leakPassword, leakRefresh, leakAPIKey, leakJWTSecret, leakToken, leakP12Pass, leakCode, leakIDToken}

func assertNoLeak(t *testing.T, what, s string) {
	t.Helper()
	for _, l := range leaks {
		if strings.Contains(s, l) {
			t.Errorf("%s leaks %s:\n%s", what, l, s)
		}
	}
}

// formatAll renders v every way a log line or error message might.
func formatAll(v any) string {
	var b strings.Builder
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d", "%t", "%T"} {
		fmt.Fprintf(&b, verb+"\n", v)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "v", v)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "v", v)
	b.Write(buf.Bytes())
	if j, err := json.Marshal(v); err == nil {
		b.Write(j)
	}
	return b.String()
}

// echoServer is a token endpoint that echoes the whole request back in its
// error: the worst case of a careless provider.
func echoServer(t *testing.T, status int) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		echo := r.Header.Get("Authorization") + " " + string(body) + " " + r.URL.RawQuery
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{
			"error": "invalid_grant", "error_description": "rejected: " + echo, "message": echo,
		})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestSecretsNeverPrinted(t *testing.T) {
	srv := echoServer(t, 400)
	ep := Endpoint{TokenURL: srv.URL + "/token", RefreshURL: srv.URL + "/refresh", AllowInsecureHTTP: true}
	epJSON := ep
	epJSON.Format, epJSON.AuthStyle = JSONBody, AuthStyleInBody

	cc := &ClientCredentials{Endpoint: ep, ClientID: "id", ClientSecret: secret.New(leakClientSecret)}
	ccJSON := &ClientCredentials{Endpoint: epJSON, ClientID: "id", ClientSecret: secret.New(leakClientSecret)}
	ac := &AuthorizationCode{Endpoint: ep, ClientID: "id", ClientSecret: secret.New(leakClientSecret), AuthURL: "https://x/authorize"}
	pw := &PasswordGrant{Endpoint: epJSON, ClientID: "id", ClientSecret: secret.New(leakClientSecret), Username: "u", Password: secret.New(leakPassword)}
	jl := &JSONLogin{Endpoint: ep, Login: "u", Password: secret.New(leakPassword)}
	tok := &Token{AccessToken: secret.New(leakToken), RefreshToken: secret.New(leakRefresh), Expiry: t0,
		Extra: map[string]secret.Secret{"id_token": secret.New(leakIDToken)}}
	cache := &Cache{Flow: cc, Store: &MemoryStore{}}
	cache.SetToken(context.Background(), tok)
	configs := map[string]any{
		"ClientCredentials": cc, "ClientCredentials JSON": ccJSON, "AuthorizationCode": ac, "PasswordGrant": pw, "JSONLogin": jl,
		"SignedJWT":   &SignedJWT{APIKey: secret.New(leakAPIKey), Secret: secret.New(leakJWTSecret), Subject: "w"},
		"MTLS":        &MTLS{Data: secret.New("p12-bytes"), Password: secret.New(leakP12Pass), ClientID: secret.New(leakAPIKey)},
		"Basic":       Basic{Username: "u", Password: secret.New(leakAPIKey)},
		"Bearer":      Bearer{Token: secret.New(leakToken)},
		"APIKey":      APIKey{Name: "X-API-KEY", Key: secret.New(leakAPIKey)},
		"RawToken":    RawToken{Scheme: "Basic", Token: secret.New(leakToken)},
		"Token":       tok,
		"Token value": *tok,
		"Cache":       cache,
		"Transport":   &Transport{Credential: Basic{Username: "u", Password: secret.New(leakAPIKey)}, Source: cache},
		"MemoryStore": func() *MemoryStore {
			s := &MemoryStore{}
			s.Save(context.Background(), tok, NoVersion)
			return s
		}(),
	}
	// Pointers nested in a caller's struct meet fmt's bad-verb path under
	// %s, %d, %t: it prints them with all methods off.
	configs["nested pointers"] = struct {
		T  *Token
		C  *ClientCredentials
		P  *PasswordGrant
		B  *Basic
		K  *APIKey
		J  *SignedJWT
		M  *MTLS
		A  *AuthorizationCode
		L  *JSONLogin
		R  *RawToken
		BT *Bearer
		X  any
	}{tok, cc, pw, &Basic{Password: secret.New(leakAPIKey)}, &APIKey{Key: secret.New(leakAPIKey)},
		configs["SignedJWT"].(*SignedJWT), configs["MTLS"].(*MTLS), ac, jl,
		&RawToken{Token: secret.New(leakToken)}, &Bearer{Token: secret.New(leakToken)}, cache}
	for name, c := range configs {
		assertNoLeak(t, name, formatAll(c))
	}

	// Token endpoint errors, with the endpoint echoing every secret it got.
	ctx := context.Background()
	var errs []error
	for _, f := range []func() error{
		func() error { _, err := cc.Grant(ctx); return err },
		func() error { _, err := ccJSON.Grant(ctx); return err },
		func() error { _, err := cc.Refresh(ctx, secret.New(leakRefresh)); return err },
		func() error { _, err := ac.Exchange(ctx, leakCode, VerifierOption(leakPassword)); return err },
		func() error { _, err := ac.Refresh(ctx, secret.New(leakRefresh)); return err },
		func() error { _, err := pw.Grant(ctx); return err },
		func() error { _, err := jl.Grant(ctx); return err },
		func() error { _, err := jl.Refresh(ctx, secret.New(leakRefresh)); return err },
		func() error {
			// Through the cache: refresh refused, then the grant refused.
			s := &MemoryStore{}
			s.Save(ctx, &Token{AccessToken: secret.New(leakToken), RefreshToken: secret.New(leakRefresh), Expiry: t0}, NoVersion)
			_, err := (&Cache{Flow: pw, Store: s}).Token(ctx)
			return err
		},
		func() error {
			s := &MemoryStore{}
			s.Save(ctx, &Token{AccessToken: secret.New(leakToken), RefreshToken: secret.New(leakRefresh), Expiry: t0}, NoVersion)
			_, err := (&Cache{Flow: ac, Store: s}).Token(ctx)
			return err
		},
	} {
		err := f()
		if err == nil {
			t.Fatal("echoing endpoint accepted a request")
		}
		errs = append(errs, err)
	}
	for i, err := range errs {
		var re *RetrieveError
		if !errors.As(err, &re) {
			t.Errorf("error %d is not a RetrieveError: %v", i, err)
			continue
		}
		if re.StatusCode != 400 || re.ErrorCode != "invalid_grant" || !strings.Contains(re.ErrorDescription, secret.Redacted) {
			t.Errorf("error %d lost its fields: %+v", i, re)
		}
		assertNoLeak(t, fmt.Sprintf("error %d", i), formatAll(err)+err.Error()+string(re.Body)+re.ErrorDescription)
	}

	// Rejections and refusals.
	rej := &RejectedError{StatusCode: 401, Status: "401 Unauthorized", Sent: true}
	assertNoLeak(t, "RejectedError", formatAll(rej))
	req, _ := http.NewRequest(http.MethodGet, "http://example.com/?q=1", nil)
	_, err := (&Transport{Credential: APIKey{Name: "k", Key: secret.New(leakAPIKey), In: InQuery}}).RoundTrip(req)
	assertNoLeak(t, "ErrInsecureHTTP", formatAll(err))

	// Query API keys go on a clone, so a transport error that quotes the
	// caller's URL carries no key.
	req, _ = http.NewRequest(http.MethodGet, "https://127.0.0.1:1/x", nil)
	client := &http.Client{Transport: &Transport{Credential: APIKey{Name: "k", Key: secret.New(leakAPIKey), In: InQuery}}, Timeout: time.Second}
	_, err = client.Do(req)
	if err == nil {
		t.Fatal("request to a closed port succeeded")
	}
	assertNoLeak(t, "transport error", formatAll(err))
}

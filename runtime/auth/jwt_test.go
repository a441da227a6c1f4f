package auth

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/apigen-go/apigen/runtime/clock"
	"github.com/apigen-go/apigen/runtime/secret"
)

// pdfGeneratorFake verifies each request's JWT with the workspace secret,
// with the PDF Generator API's error messages.
func pdfGeneratorFake(t *testing.T, apiKey, apiSecret string, now func() time.Time) (*httptest.Server, func() []jwt.MapClaims) {
	var mu sync.Mutex
	var claims []jwt.MapClaims
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			http.Error(w, `{"message":"Authentication failed: key missing"}`, 401)
			return
		}
		c := jwt.MapClaims{}
		tok, err := jwt.ParseWithClaims(raw, c, func(*jwt.Token) (any, error) { return []byte(apiSecret), nil },
			jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired(), jwt.WithIssuer(apiKey),
			jwt.WithTimeFunc(now))
		switch {
		case err != nil && strings.Contains(err.Error(), "signature"):
			http.Error(w, `{"message":"Authentication failed: incorrect signature"}`, 401)
			return
		case err != nil:
			http.Error(w, fmt.Sprintf(`{"message":"Authentication failed: %v"}`, err), 401)
			return
		}
		if tok.Header["typ"] != "JWT" {
			http.Error(w, `{"message":"bad typ"}`, 401)
			return
		}
		if sub, _ := c.GetSubject(); sub == "" {
			http.Error(w, `{"message":"Authentication failed: property 'sub' (subject) missing in JWT"}`, 401)
			return
		}
		mu.Lock()
		claims = append(claims, c)
		mu.Unlock()
		fmt.Fprint(w, `{"response":[]}`)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []jwt.MapClaims { mu.Lock(); defer mu.Unlock(); return append([]jwt.MapClaims(nil), claims...) }
}

func TestSignedJWTPerRequest(t *testing.T) {
	clk := clock.NewFake(time.Now().Truncate(time.Second))
	srv, seen := pdfGeneratorFake(t, "pdf-api-key", "pdf-api-secret", clk.Now)
	signer := &SignedJWT{APIKey: secret.New("pdf-api-key"), Secret: secret.New("pdf-api-secret"), Subject: "owner@example.com", TTL: 30 * time.Second, Clock: clk}
	tr := &Transport{Credential: signer, AllowInsecureHTTP: true}
	for range 3 {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/templates", nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		clk.Advance(10 * time.Second) // each request gets its own exp
	}
	claims := seen()
	if len(claims) != 3 {
		t.Fatalf("accepted %d requests, want 3", len(claims))
	}
	for i, c := range claims {
		iss, _ := c.GetIssuer()
		sub, _ := c.GetSubject()
		exp, _ := c.GetExpirationTime()
		wantExp := clk.Now().Add(-time.Duration(3-i)*10*time.Second + 30*time.Second)
		if iss != "pdf-api-key" || sub != "owner@example.com" || !exp.Time.Equal(wantExp) {
			t.Errorf("request %d: iss %q sub %q exp %v (want %v)", i, iss, sub, exp.Time, wantExp)
		}
	}

	// A token signed with the wrong secret is refused by the fake.
	bad := &Transport{Credential: &SignedJWT{APIKey: secret.New("pdf-api-key"), Secret: secret.New("wrong"), Subject: "owner@example.com", Clock: clk}, AllowInsecureHTTP: true}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/templates", nil)
	resp, err := bad.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("wrong secret: status %d", resp.StatusCode)
	}
}

func TestSignedJWTDefaultTTLAndSource(t *testing.T) {
	clk := clock.NewFake(t0)
	s := &SignedJWT{APIKey: secret.New("k"), Secret: secret.New("s"), Subject: "w", Clock: clk}
	tok, err := s.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !tok.Expiry.Equal(t0.Add(60 * time.Second)) {
		t.Errorf("expiry %v", tok.Expiry)
	}
	parsed, _, err := jwt.NewParser().ParseUnverified(tok.AccessToken.Reveal(), jwt.MapClaims{})
	if err != nil {
		t.Fatal(err)
	}
	if parsed.Header["alg"] != "HS256" || parsed.Header["typ"] != "JWT" {
		t.Errorf("header %v", parsed.Header)
	}
	c := parsed.Claims.(jwt.MapClaims)
	if len(c) != 5 || c["exp"] != float64(t0.Unix()+60) || c["iat"] != float64(t0.Unix()) || c["jti"] == "" {
		t.Errorf("claims %v", c)
	}
}

// Tokens signed within one second are all distinct, each with a jti and
// an iat: a provider that refuses replays accepts every one.
func TestSignedJWTUniquePerRequest(t *testing.T) {
	clk := clock.NewFake(time.Date(2024, 6, 3, 12, 0, 0, 0, time.UTC))
	s := &SignedJWT{APIKey: secret.New("key"), Secret: secret.New("s3cret"), Subject: "ws", Clock: clk}
	seen := make(map[string]bool)
	jtis := make(map[string]bool)
	for range 1000 {
		tok, err := s.Token(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		raw := tok.AccessToken.Reveal()
		if seen[raw] {
			t.Fatal("two identical tokens signed in one second")
		}
		seen[raw] = true
		c := jwt.MapClaims{}
		if _, err := jwt.ParseWithClaims(raw, c, func(*jwt.Token) (any, error) { return []byte("s3cret"), nil },
			jwt.WithTimeFunc(clk.Now), jwt.WithIssuedAt()); err != nil {
			t.Fatal(err)
		}
		jti, _ := c["jti"].(string)
		iat, _ := c["iat"].(float64)
		if jti == "" || jtis[jti] || int64(iat) != clk.Now().Unix() {
			t.Fatalf("claims %v: want a fresh jti and iat = now", c)
		}
		jtis[jti] = true
	}
}

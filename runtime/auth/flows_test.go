package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/clock"
	"github.com/apigen-go/apigen/runtime/secret"
)

func TestClientCredentialsStandard(t *testing.T) {
	for _, bodyAuth := range []bool{false, true} {
		t.Run(fmt.Sprintf("bodyAuth=%v", bodyAuth), func(t *testing.T) {
			clk := clock.NewFake(t0)
			f := newFakeAS(t, func(f *fakeAS) { f.BodyAuth = bodyAuth; f.ExpiresIn = 1800 })
			flow := f.clientCredentials(clk)
			flow.Scopes = []string{"a", "b"}
			tok, err := flow.Grant(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if tok.AccessToken.Reveal() != "at-1" || tok.Type() != "Bearer" || !tok.Expiry.Equal(t0.Add(30*time.Minute)) {
				t.Errorf("token %+v (expiry %v)", tok, tok.Expiry)
			}
			if f.lastBody["scope"] != "a b" || f.lastBody["grant_type"] != "client_credentials" {
				t.Errorf("body %v", f.lastBody)
			}
			if f.lastHeader.Get("Accept") != "application/json" {
				t.Errorf("Accept = %q", f.lastHeader.Get("Accept"))
			}
		})
	}
	t.Run("wrong secret", func(t *testing.T) {
		f := newFakeAS(t, nil)
		flow := f.clientCredentials(nil)
		flow.ClientSecret = secret.New("wrong")
		_, err := flow.Grant(context.Background())
		var re *RetrieveError
		if !errors.As(err, &re) || re.StatusCode != 401 || re.ErrorCode != "invalid_client" || re.ErrorDescription != "bad client" {
			t.Fatalf("err = %#v", err)
		}
	})
	t.Run("client id and secret are form-encoded before Basic", func(t *testing.T) {
		f := newFakeAS(t, func(f *fakeAS) { f.ClientID = "id:with space"; f.ClientSecret = "s&c:r=t" })
		if _, err := f.clientCredentials(nil).Grant(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

// BOX NOW-style: JSON {"client_id","client_secret"} without grant_type to
// /auth-sessions, nested response fields, expires_in as a string.
func TestClientCredentialsCustomShape(t *testing.T) {
	var got map[string]any
	var gotCT string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/auth-sessions" || r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		gotCT = r.Header.Get("Content-Type")
		json.NewDecoder(r.Body).Decode(&got)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"data": {"token": "boxnow-token", "ttl": "120"}, "kind": "Bearer"}`)
	}))
	defer srv.Close()
	clk := clock.NewFake(t0)
	flow := &ClientCredentials{
		Endpoint: Endpoint{
			TokenURL: srv.URL + "/api/v1/auth-sessions", Format: JSONBody, AuthStyle: AuthStyleInBody, OmitGrantType: true,
			Response:          ResponseFields{AccessToken: "data.token", ExpiresIn: "data.ttl", TokenType: "kind"},
			AllowInsecureHTTP: true, Clock: clk,
		},
		ClientID: "box-id", ClientSecret: secret.New("box-secret"),
	}
	tok, err := flow.Grant(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"client_id": "box-id", "client_secret": "box-secret"}
	if gotCT != "application/json" || len(got) != 2 || got["client_id"] != want["client_id"] || got["client_secret"] != want["client_secret"] {
		t.Errorf("request %q %v, want exactly %v", gotCT, got, want)
	}
	if tok.AccessToken.Reveal() != "boxnow-token" || tok.TokenType != "Bearer" || !tok.Expiry.Equal(t0.Add(2*time.Minute)) {
		t.Errorf("token %+v expiry %v", tok, tok.Expiry)
	}
}

func TestExpiresInFormsAndUnits(t *testing.T) {
	cases := []struct {
		raw  string
		unit time.Duration
		want time.Duration
	}{
		{`3600`, 0, time.Hour},
		{`"3600"`, 0, time.Hour},
		{`" 90 "`, 0, 90 * time.Second},
		{`1.5`, 0, 1500 * time.Millisecond},
		{`5`, time.Minute, 5 * time.Minute},
		{`"86400"`, time.Second, 24 * time.Hour},
		{`2500`, time.Millisecond, 2500 * time.Millisecond},
		{`null`, 0, 0},
		{`"soon"`, 0, 0},
		{`0`, 0, 0},
		{`true`, 0, 0},
	}
	for _, c := range cases {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"access_token": "a", "expires_in": %s}`, c.raw)
		}))
		clk := clock.NewFake(t0)
		flow := &ClientCredentials{Endpoint: Endpoint{TokenURL: srv.URL, ExpiresInUnit: c.unit, AllowInsecureHTTP: true, Clock: clk}}
		tok, err := flow.Grant(context.Background())
		srv.Close()
		if err != nil {
			t.Errorf("%s: %v", c.raw, err)
			continue
		}
		var got time.Duration
		if !tok.Expiry.IsZero() {
			got = tok.Expiry.Sub(t0)
		}
		if got != c.want {
			t.Errorf("expires_in %s unit %v: lifetime %v, want %v", c.raw, c.unit, got, c.want)
		}
	}
}

// Older servers answer form-encoded; 200 answers carrying only an error
// are errors.
func TestTokenResponseVariants(t *testing.T) {
	reply := func(ct, body string, status int) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ct)
			w.WriteHeader(status)
			io.WriteString(w, body)
		}))
	}
	grant := func(srv *httptest.Server) (*Token, error) {
		defer srv.Close()
		return (&ClientCredentials{Endpoint: Endpoint{TokenURL: srv.URL, AllowInsecureHTTP: true}}).Grant(context.Background())
	}
	tok, err := grant(reply("application/x-www-form-urlencoded", "access_token=formtok&token_type=bearer&expires_in=60", 200))
	if err != nil || tok.AccessToken.Reveal() != "formtok" || tok.Expiry.IsZero() {
		t.Errorf("form answer: %+v %v", tok, err)
	}
	_, err = grant(reply("application/json", `{"error": "slow_down"}`, 200))
	var re *RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "slow_down" || re.StatusCode != 200 {
		t.Errorf("200 with error: %v", err)
	}
	_, err = grant(reply("application/json", `{"token": "x"}`, 200))
	if err == nil || !strings.Contains(err.Error(), `no "access_token" field`) {
		t.Errorf("200 without access_token: %v", err)
	}
	_, err = grant(reply("text/html", "<h1>Bad Gateway</h1>", 502))
	if !errors.As(err, &re) || re.StatusCode != 502 || string(re.Body) != "<h1>Bad Gateway</h1>" {
		t.Errorf("HTML 502: %v", err)
	}
}

func TestAuthorizationCodeURLAndPKCE(t *testing.T) {
	f := newFakeAS(t, nil)
	flow := f.authCode(nil)
	flow.AuthURL = "https://oauth2.example/authorize?tenant=x"
	flow.Scopes = []string{"ffn.merchant.read", "ffn.merchant.write"}
	verifier := GenerateVerifier()
	raw := flow.AuthCodeURL("state-123", S256ChallengeOption(verifier), SetAuthURLParam("prompt", "consent"))
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	want := map[string]string{
		"tenant": "x", "response_type": "code", "client_id": f.ClientID, "redirect_uri": "https://app.example/cb",
		"scope": "ffn.merchant.read ffn.merchant.write", "state": "state-123", "prompt": "consent",
		"code_challenge_method": "S256", "code_challenge": s256(verifier),
	}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
	if strings.Contains(raw, "client_secret") || strings.Contains(raw, f.ClientSecret) {
		t.Error("auth URL carries the client secret")
	}

	f.addCode("code-pkce", s256(verifier))
	if _, err := flow.Exchange(context.Background(), "code-pkce", VerifierOption("wrong-verifier")); !errors.Is(err, ErrInvalidGrant) {
		t.Fatalf("wrong verifier: %v", err)
	}
	f.addCode("code-pkce", s256(verifier))
	tok, err := flow.Exchange(context.Background(), "code-pkce", VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken.IsZero() {
		t.Error("no refresh token from the exchange")
	}
	// JTL-FFN: Basic client auth, form body with code and redirect_uri.
	if f.lastHeader.Get("Authorization") != basicHeader(f.ClientID, f.ClientSecret) {
		t.Errorf("Authorization = %q", f.lastHeader.Get("Authorization"))
	}
	if f.lastBody["grant_type"] != "authorization_code" || f.lastBody["redirect_uri"] != "https://app.example/cb" || f.lastBody["code"] != "code-pkce" {
		t.Errorf("body %v", f.lastBody)
	}
	if _, err := flow.Exchange(context.Background(), "code-pkce", VerifierOption(verifier)); !errors.Is(err, ErrInvalidGrant) {
		t.Errorf("reused code: %v", err)
	}
	// Refresh uses Basic too.
	if _, err := flow.Refresh(context.Background(), tok.RefreshToken); err != nil {
		t.Fatal(err)
	}
	if f.lastHeader.Get("Authorization") != basicHeader(f.ClientID, f.ClientSecret) || f.lastBody["grant_type"] != "refresh_token" {
		t.Errorf("refresh request %v %v", f.lastHeader, f.lastBody)
	}
	if _, err := flow.Refresh(context.Background(), secret.Secret{}); err == nil {
		t.Error("refresh without a token gave no error")
	}
}

// xSale: Auth0 password grant with a JSON body, client credentials in the
// body, an audience, and an id_token cached with the access token and sent
// as x-id-token.
func TestPasswordGrantXSale(t *testing.T) {
	f := newFakeAS(t, func(f *fakeAS) {
		f.JSON, f.BodyAuth = true, true
		f.ExpiresIn = 86400
		f.Users = map[string]string{"me@example.com": "USER-PASSWORD-1"}
		f.Extra = map[string]string{"id_token": "idt"}
	})
	flow := &PasswordGrant{
		Endpoint: f.endpoint(nil), ClientID: f.ClientID, ClientSecret: secret.New(f.ClientSecret),
		Username: "me@example.com", Password: secret.New("USER-PASSWORD-1"),
		Scopes: []string{"openid", "profile", "email", "xsale", "production"},
	}
	flow.Params = map[string]string{"audience": "https://api.xsale.ai"}
	flow.Response.Extra = []string{"id_token"}
	c := &Cache{Flow: flow}

	var mu sync.Mutex
	var seen []http.Header
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Clone())
		mu.Unlock()
	}))
	defer api.Close()
	tr := &Transport{Source: c, ExtraTokens: []ExtraToken{{Field: "id_token", Header: "x-id-token"}}, AllowInsecureHTTP: true}
	for range 3 {
		req, _ := http.NewRequest(http.MethodGet, api.URL+"/me", nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if req, _, _, _ := f.counts(); req != 1 {
		t.Errorf("token requests = %d, want 1 (cache both tokens)", req)
	}
	want := map[string]string{
		"client_id": f.ClientID, "client_secret": f.ClientSecret, "audience": "https://api.xsale.ai",
		"username": "me@example.com", "password": "USER-PASSWORD-1", "grant_type": "password",
		"scope": "openid profile email xsale production",
	}
	if fmt.Sprint(f.lastBody) != fmt.Sprint(want) {
		t.Errorf("body %v\nwant %v", f.lastBody, want)
	}
	for _, h := range seen {
		if h.Get("Authorization") != "Bearer at-1" || h.Get("X-Id-Token") != "idt-at-1" {
			t.Errorf("headers %v", h)
		}
	}

	flow.Password = secret.New("wrong")
	if _, err := flow.Grant(context.Background()); !errors.Is(err, ErrInvalidGrant) {
		t.Errorf("wrong password: %v", err)
	}
}

// petrosoftFake is Petrosoft's Authorization API: JSON login, JSON refresh,
// a 500 envelope (echoing the token) for a bad refresh token.
type petrosoftFake struct {
	mu               sync.Mutex
	logins, refreshs int
	live             map[string]bool
	seq              int
	srv              *httptest.Server
}

func newPetrosoft(t *testing.T) *petrosoftFake {
	p := &petrosoftFake{live: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/auth/token", func(w http.ResponseWriter, r *http.Request) {
		var in map[string]string
		json.NewDecoder(r.Body).Decode(&in)
		if in["login"] != "api.user@example.com" || in["password"] != "PETRO-PASS" || len(in) != 2 {
			w.WriteHeader(401)
			fmt.Fprint(w, `{"error":"invalid_grant","error_description":"Invalid user credentials"}`)
			return
		}
		p.mu.Lock()
		p.logins++
		p.mu.Unlock()
		p.issue(w)
	})
	mux.HandleFunc("POST /v1/auth/refresh_token", func(w http.ResponseWriter, r *http.Request) {
		var in map[string]string
		json.NewDecoder(r.Body).Decode(&in)
		rt := in["refresh_token"]
		p.mu.Lock()
		ok := p.live[rt] && len(in) == 1
		delete(p.live, rt)
		if ok {
			p.refreshs++
		}
		p.mu.Unlock()
		if !ok {
			w.WriteHeader(500)
			fmt.Fprintf(w, `{"success":false,"data":[],"message":"JWT missing parts. Total number of parts: 2 Token: %s","http_code":500,"errors":[],"total":null}`, rt)
			return
		}
		p.issue(w)
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *petrosoftFake) issue(w http.ResponseWriter) {
	p.mu.Lock()
	p.seq++
	rt := fmt.Sprintf("petro-rt-%d", p.seq)
	p.live[rt] = true
	n := p.seq
	p.mu.Unlock()
	fmt.Fprintf(w, `{"access_token":"petro-at-%d","expires_in":86400,"refresh_expires_in":86400,"refresh_token":"%s","token_type":"bearer","not-before-policy":0,"session_state":"x","scope":""}`, n, rt)
}

func TestJSONLoginPetrosoft(t *testing.T) {
	p := newPetrosoft(t)
	clk := clock.NewFake(t0)
	flow := &JSONLogin{
		Endpoint: Endpoint{TokenURL: p.srv.URL + "/v1/auth/token", RefreshURL: p.srv.URL + "/v1/auth/refresh_token", AllowInsecureHTTP: true, Clock: clk},
		Login:    "api.user@example.com", Password: secret.New("PETRO-PASS"),
	}
	store := &MemoryStore{}
	c := &Cache{Flow: flow, Store: store, Clock: clk}
	ctx := context.Background()
	tok, err := c.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken.Reveal() != "petro-at-1" || !tok.Expiry.Equal(t0.Add(24*time.Hour)) {
		t.Fatalf("token %+v expiry %v", tok, tok.Expiry)
	}
	clk.Advance(25 * time.Hour)
	if tok, err = c.Token(ctx); err != nil || tok.AccessToken.Reveal() != "petro-at-2" {
		t.Fatalf("refresh: %v %v", tok, err)
	}
	// The server forgets the refresh token (session over 24 h): its 500
	// means "log in again", which the cache does.
	p.mu.Lock()
	clear(p.live)
	p.mu.Unlock()
	clk.Advance(25 * time.Hour)
	if tok, err = c.Token(ctx); err != nil || tok.AccessToken.Reveal() != "petro-at-3" {
		t.Fatalf("re-login: %v %v", tok, err)
	}
	if p.logins != 2 || p.refreshs != 1 {
		t.Errorf("logins %d refreshes %d; want 2 and 1", p.logins, p.refreshs)
	}

	// The refresh error itself, as a caller would see it without a
	// fallback: status, message, and no echoed token.
	_, err = flow.Refresh(ctx, secret.New("petro-rt-bogus"))
	var re *RetrieveError
	if !errors.As(err, &re) || re.StatusCode != 500 || !strings.Contains(re.ErrorDescription, "JWT missing parts") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "petro-rt-bogus") || strings.Contains(string(re.Body), "petro-rt-bogus") {
		t.Errorf("error echoes the refresh token: %v / %s", err, re.Body)
	}

	flow.Password = secret.New("bad")
	if _, err := flow.Grant(ctx); !errors.Is(err, ErrInvalidGrant) {
		t.Errorf("bad login: %v", err)
	}
}

// Token URLs on plain http are refused before anything is sent.
func TestTokenEndpointRefusesPlainHTTP(t *testing.T) {
	f := newFakeAS(t, nil)
	flow := f.clientCredentials(nil)
	flow.AllowInsecureHTTP = false
	if _, err := flow.Grant(context.Background()); !errors.Is(err, ErrInsecureHTTP) {
		t.Fatalf("err = %v", err)
	}
	if req, _, _, _ := f.counts(); req != 0 {
		t.Errorf("token requests = %d, want 0", req)
	}
	for _, u := range []string{"", "ftp://x/token", "://bad"} {
		if _, err := (&ClientCredentials{Endpoint: Endpoint{TokenURL: u}}).Grant(context.Background()); err == nil {
			t.Errorf("token URL %q accepted", u)
		}
	}
}

// With an httptest TLS server no opt-in is needed.
func TestTokenEndpointOverTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"access_token":"tls-token","expires_in":60}`)
	}))
	defer srv.Close()
	flow := &ClientCredentials{Endpoint: Endpoint{TokenURL: srv.URL, HTTPClient: srv.Client()}}
	tok, err := flow.Grant(context.Background())
	if err != nil || tok.AccessToken.Reveal() != "tls-token" {
		t.Fatalf("%v %v", tok, err)
	}
}

func TestSuccessStatus(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprint(w, `{"access_token":"a"}`)
	}))
	defer srv.Close()
	flow := &ClientCredentials{Endpoint: Endpoint{TokenURL: srv.URL, AllowInsecureHTTP: true}}
	if _, err := flow.Grant(context.Background()); err != nil {
		t.Fatalf("any 2xx: %v", err)
	}
	flow.SuccessStatus = []int{200, 201}
	var re *RetrieveError
	if _, err := flow.Grant(context.Background()); !errors.As(err, &re) || re.StatusCode != 202 {
		t.Fatalf("202 outside SuccessStatus: %v", err)
	}
}

// ScopeOnTokenRequests sends the scopes on the exchange and on refreshes,
// overriding a fixed scope parameter; without it neither carries one.
func TestAuthorizationCodeScopeOnTokenRequests(t *testing.T) {
	var forms []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		forms = append(forms, r.PostForm.Get("grant_type")+" scope="+r.PostForm.Get("scope"))
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"a","refresh_token":"r","expires_in":60}`)
	}))
	defer srv.Close()
	for _, tc := range []struct {
		on   bool
		want []string
	}{
		{true, []string{"authorization_code scope=deliveries", "refresh_token scope=deliveries"}},
		{false, []string{"authorization_code scope=fixed", "refresh_token scope=fixed"}},
	} {
		forms = nil
		a := &AuthorizationCode{
			Endpoint: Endpoint{TokenURL: srv.URL, AllowInsecureHTTP: true, Params: map[string]string{"scope": "fixed"}},
			ClientID: "c", ClientSecret: secret.New("s"), Scopes: []string{"deliveries"}, ScopeOnTokenRequests: tc.on,
		}
		tok, err := a.Exchange(context.Background(), "code")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Refresh(context.Background(), tok.RefreshToken); err != nil {
			t.Fatal(err)
		}
		if strings.Join(forms, "|") != strings.Join(tc.want, "|") {
			t.Errorf("ScopeOnTokenRequests=%v: token requests %q, want %q", tc.on, forms, tc.want)
		}
	}
}

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigen-go/apigen/generated/xsale"
	"github.com/apigen-go/apigen/internal/fakes/fakeutil"
	fake "github.com/apigen-go/apigen/internal/fakes/xsale"
	"github.com/apigen-go/apigen/runtime/auth"
	"github.com/apigen-go/apigen/runtime/clock"
	"github.com/apigen-go/apigen/runtime/secret"
	"github.com/apigen-go/apigen/runtime/transport"
)

// xsaleEnv is one fake xSale (Auth0 tenant and API in one handler) served
// over TLS, and a transport that resolves the real hosts
// (login.futuriti.pl, api.xsale.ai) to it, so that the client is built
// exactly as in production: New("") with the spec's https URLs.
type xsaleEnv struct {
	fake *fake.Server
	hc   *http.Client

	mu    sync.Mutex
	hosts map[string]string // request path → Host header seen
	s401  atomic.Int64      // 401 answers the client's transport received
}

func xsaleSetup(t *testing.T, mutate func(*fake.Config)) *xsaleEnv {
	t.Helper()
	cfg := fake.DefaultConfig()
	if mutate != nil {
		mutate(&cfg)
	}
	e := &xsaleEnv{fake: fake.New(cfg), hosts: map[string]string{}}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.hosts[r.URL.Path] = r.Host
		e.mu.Unlock()
		e.fake.ServeHTTP(w, r)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // idle connections closed at cleanup
	srv.StartTLS()
	t.Cleanup(srv.Close)
	tr := srv.Client().Transport.(*http.Transport).Clone()
	addr := srv.Listener.Addr().String()
	tr.DialContext = func(ctx context.Context, network, hostport string) (net.Conn, error) {
		switch hostport {
		case "login.futuriti.pl:443", "api.xsale.ai:443":
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		}
		return nil, errors.New("xsale test: unexpected host " + hostport)
	}
	// httptest's certificate names example.com; the dialer has already
	// pinned the connection to the fake.
	tr.TLSClientConfig = tr.TLSClientConfig.Clone()
	tr.TLSClientConfig.ServerName = "example.com"
	e.hc = &http.Client{Transport: xsaleCount401(tr, &e.s401)}
	return e
}

// xsaleCount401 counts 401 answers at the bottom of the client's chain,
// where every attempt and token request passes.
func xsaleCount401(next http.RoundTripper, n *atomic.Int64) http.RoundTripper {
	return transport.RoundTripperFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(r)
		if err == nil && resp.StatusCode == http.StatusUnauthorized {
			n.Add(1)
		}
		return resp, err
	})
}

var xsaleCreds = xsale.Credentials{
	ClientID:     "xsale-demo-client",
	ClientSecret: secret.New("xsale-demo-secret"),
	Username:     "loremipsum@futuriti.pl",
	Password:     secret.New("MyPass"),
}

func (e *xsaleEnv) client(t *testing.T, opts ...xsale.Option) *xsale.Client {
	t.Helper()
	opts = append([]xsale.Option{xsale.WithCredentials(xsaleCreds), xsale.WithHTTPClient(e.hc)}, opts...)
	c, err := xsale.New("", opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (e *xsaleEnv) host(path string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.hosts[path]
}

// TestXSale_PasswordGrantBothTokensAndOrganization runs the documented
// flow: one password grant with audience and scope, then /me, then the
// organization name from /me as the path parameter of the next call, with
// both tokens on every API request.
func TestXSale_PasswordGrantBothTokensAndOrganization(t *testing.T) {
	const org2 = "Sklep Zoo & Syn/PL" // needs path escaping
	e := xsaleSetup(t, func(c *fake.Config) {
		c.Users[0].Organizations = append(c.Users[0].Organizations, fake.Organization{ID: 2, ShortName: "Zoo", Name: org2})
		c.Orders[org2] = []fake.Order{{ID: 7, Number: "ZOO/7/2025", Status: "New", CurrencyCode: "PLN"}}
	})
	c := e.client(t)
	ctx := context.Background()

	me, err := c.GetMe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if me.Email != "loremipsum@futuriti.pl" || len(me.Organizations) != 2 {
		t.Fatalf("/me = %+v", me)
	}
	for _, o := range me.Organizations {
		orders, err := c.ListOrders(ctx, o.Name)
		if err != nil {
			t.Fatalf("orders of %q: %v", o.Name, err)
		}
		if len(orders) == 0 {
			t.Fatalf("no orders for %q", o.Name)
		}
		one, err := c.GetOrder(ctx, o.Name, orders[0].ID)
		if err != nil || one.Number != orders[0].Number {
			t.Fatalf("order %d of %q: %+v, %v", orders[0].ID, o.Name, one, err)
		}
	}
	if got := e.fake.TokenRequests(); got != 1 {
		t.Fatalf("token requests = %d, want 1 for all calls", got)
	}

	// The token request is the documented JSON password grant, sent to
	// the Auth0 host.
	reqs := e.fake.Requests()
	var tokenReq map[string]string
	for _, r := range reqs {
		if r.Path == "/oauth/token" {
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("token request Content-Type = %q", ct)
			}
			if r.Header.Get("Authorization") != "" {
				t.Errorf("token request carries Authorization; client credentials belong in the body")
			}
			if err := json.Unmarshal(r.Body, &tokenReq); err != nil {
				t.Fatalf("token request body: %v", err)
			}
		}
	}
	want := map[string]string{
		"grant_type": "password", "client_id": "xsale-demo-client", "client_secret": "xsale-demo-secret",
		"audience": "https://api.xsale.ai", "username": "loremipsum@futuriti.pl", "password": "MyPass",
		"scope": "openid profile email xsale production",
	}
	for k, v := range want {
		if tokenReq[k] != v {
			t.Errorf("token request %s = %q, want %q", k, tokenReq[k], v)
		}
	}
	if h := e.host("/oauth/token"); h != "login.futuriti.pl" {
		t.Errorf("token request went to host %q", h)
	}
	if h := e.host("/me"); h != "api.xsale.ai" {
		t.Errorf("/me went to host %q", h)
	}

	// Every API call carried the cached pair: Bearer access token and
	// the id token issued with it.
	tok, err := c.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	idt := tok.Extra["id_token"]
	if tok.AccessToken.IsZero() || idt.IsZero() {
		t.Fatalf("cached token lacks a part: access %v, id %v", !tok.AccessToken.IsZero(), !idt.IsZero())
	}
	api := 0
	for _, r := range reqs {
		if r.Path == "/oauth/token" {
			continue
		}
		api++
		if got := r.Header.Get("Authorization"); got != "Bearer "+tok.AccessToken.Reveal() {
			t.Errorf("%s: Authorization is not the cached Bearer access token", r.Path)
		}
		if got := r.Header.Get("x-id-token"); got != idt.Reveal() {
			t.Errorf("%s: x-id-token is not the cached id token", r.Path)
		}
	}
	if api != 5 {
		t.Errorf("%d API requests, want 5", api)
	}
	// The name with a space, "&" and "/" reached the fake as one path
	// segment (ListOrders above would have failed otherwise).
	if !xsaleSawPath(reqs, "/"+org2+"/orders") {
		t.Errorf("no request for the orders of %q", org2)
	}
	if n := e.s401.Load(); n != 0 {
		t.Errorf("%d answers were 401", n)
	}
}

func xsaleSawPath(reqs []fakeutil.Request, p string) bool {
	for _, r := range reqs {
		if r.Path == p {
			return true
		}
	}
	return false
}

// TestXSale_ConcurrentFirstCallsOneTokenRequest: 100 calls that start
// together on a new client share one token request.
func TestXSale_ConcurrentFirstCallsOneTokenRequest(t *testing.T) {
	e := xsaleSetup(t, nil)
	c := e.client(t)
	ctx := context.Background()

	const n = 100
	start := make(chan struct{})
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := c.GetMe(ctx)
			errs <- err
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := e.fake.TokenRequests(); got != 1 {
		t.Fatalf("token requests = %d after %d concurrent first calls, want 1", got, n)
	}
	if got := len(e.fake.Requests()); got != n+1 {
		t.Fatalf("fake saw %d requests, want %d calls + 1 token request", got, n+1)
	}
}

// TestXSale_TokensRenewedShortlyBeforeExpiry: the pair is reused for its
// 24 h lifetime and renewed shortly before it lapses, so that no call
// meets an expired token. A fake clock drives the fake and the client.
func TestXSale_TokensRenewedShortlyBeforeExpiry(t *testing.T) {
	clk := clock.NewFake(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC))
	e := xsaleSetup(t, func(c *fake.Config) { c.Clock = clk })
	c := e.client(t, xsale.WithClock(clk))
	ctx := context.Background()

	if _, err := c.GetMe(ctx); err != nil {
		t.Fatal(err)
	}
	first, _ := c.Token(ctx)
	ttl := fake.DefaultConfig().TokenTTL // 86400 s, as documented
	if d := first.Expiry.Sub(clk.Now()); d != ttl {
		t.Fatalf("token expiry in %v, want %v (expires_in)", d, ttl)
	}

	// Most of a day later the tokens are still reused.
	clk.Advance(ttl - 5*time.Minute)
	if _, err := c.GetMe(ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.fake.TokenRequests(); got != 1 {
		t.Fatalf("token requests = %d, 5 minutes before expiry, want 1", got)
	}

	// Seconds before the expiry the pair is renewed, while the old one
	// would still work.
	clk.Advance(5*time.Minute - 10*time.Second)
	if _, err := c.GetMe(ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.fake.TokenRequests(); got != 2 {
		t.Fatalf("token requests = %d, 10 s before expiry, want 2 (renewed early)", got)
	}
	second, _ := c.Token(ctx)
	if second.AccessToken.Reveal() == first.AccessToken.Reveal() || second.Extra["id_token"].Reveal() == first.Extra["id_token"].Reveal() {
		t.Fatal("the renewal did not replace both tokens")
	}
	last := e.fake.Requests()[len(e.fake.Requests())-1]
	if last.Header.Get("x-id-token") != second.Extra["id_token"].Reveal() {
		t.Fatal("the call after the renewal did not send the new id token")
	}
	if n := e.s401.Load(); n != 0 {
		t.Fatalf("%d answers were 401: a call met an expired token", n)
	}
}

// TestXSale_RejectedTokensRenewedOnce: when the API refuses the pair
// anyway (revoked early), the client fetches one new pair and replays the
// call once.
func TestXSale_RejectedTokensRenewedOnce(t *testing.T) {
	e := xsaleSetup(t, nil)
	c := e.client(t)
	ctx := context.Background()
	if _, err := c.GetMe(ctx); err != nil {
		t.Fatal(err)
	}
	e.fake.ExpireTokens()
	if _, err := c.GetMe(ctx); err != nil {
		t.Fatalf("call after revocation: %v", err)
	}
	if got := e.fake.TokenRequests(); got != 2 {
		t.Fatalf("token requests = %d, want 2", got)
	}
	if n := e.s401.Load(); n != 1 {
		t.Fatalf("%d 401 answers, want exactly 1", n)
	}

	// Wrong user credentials: the Auth0 error surfaces, no loop.
	bad := xsaleCreds
	bad.Password = secret.New("wrong")
	cb, err := xsale.New("", xsale.WithCredentials(bad), xsale.WithHTTPClient(e.hc))
	if err != nil {
		t.Fatal(err)
	}
	before := e.fake.TokenRequests()
	_, err = cb.GetMe(ctx)
	var re *auth.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
		t.Fatalf("err = %v, want an invalid_grant RetrieveError", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Fatal("the error reveals the password")
	}
	if got := e.fake.TokenRequests() - before; got != 1 {
		t.Fatalf("%d token requests for a wrong password, want 1", got)
	}
}

// TestXSale_TokenStoreKeepsBothTokens: the pair survives a restart in a
// FileStore, so a new process makes no token request.
func TestXSale_TokenStoreKeepsBothTokens(t *testing.T) {
	e := xsaleSetup(t, nil)
	path := filepath.Join(t.TempDir(), "xsale-token.json")
	ctx := context.Background()
	c1 := e.client(t, xsale.WithTokenStore(&auth.FileStore{Path: path}))
	if _, err := c1.GetMe(ctx); err != nil {
		t.Fatal(err)
	}
	c2 := e.client(t, xsale.WithTokenStore(&auth.FileStore{Path: path}))
	if _, err := c2.GetMe(ctx); err != nil {
		t.Fatalf("second process: %v", err)
	}
	if got := e.fake.TokenRequests(); got != 1 {
		t.Fatalf("token requests = %d, want 1 (the second client reuses the stored pair)", got)
	}
}

// TestXSale_RequestTokenOperationUsesAuthHost: the token endpoint is also
// an operation of the spec, with its own server (the Auth0 tenant).
func TestXSale_RequestTokenOperationUsesAuthHost(t *testing.T) {
	e := xsaleSetup(t, nil)
	c, err := xsale.New("", xsale.WithHTTPClient(e.hc))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.RequestToken(context.Background(), &xsale.TokenRequest{
		ClientID: "xsale-demo-client", ClientSecret: "xsale-demo-secret", Audience: "https://api.xsale.ai",
		Username: "loremipsum@futuriti.pl", Password: "MyPass", GrantType: xsale.TokenRequestGrantType("password"),
		Scope: "openid profile email xsale production",
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.AccessToken == "" || resp.IDToken.Or("") == "" || resp.ExpiresIn != 86400 {
		t.Fatalf("token response: access %t, id %t, expires_in %d", resp.AccessToken != "", resp.IDToken.Or("") != "", resp.ExpiresIn)
	}
	if h := e.host("/oauth/token"); h != "login.futuriti.pl" {
		t.Fatalf("RequestToken went to host %q, want login.futuriti.pl", h)
	}
}

// TestXSale_LogsAndErrorsCarryNoSecrets: neither the tokens nor the
// credentials appear in the client's logs or in printed values.
func TestXSale_LogsAndErrorsCarryNoSecrets(t *testing.T) {
	e := xsaleSetup(t, nil)
	var buf bytes.Buffer
	c := e.client(t, xsale.WithLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	ctx := context.Background()
	if _, err := c.GetMe(ctx); err != nil {
		t.Fatal(err)
	}
	e.fake.InjectStatus(1, http.StatusForbidden, nil)
	_, apiErr := c.GetMe(ctx)
	if apiErr == nil {
		t.Fatal("the injected 403 did not surface")
	}
	tok, err := c.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	printed := buf.String() + apiErr.Error() + fmt.Sprintf("%v %+v %#v", tok, xsaleCreds, tok.Extra)
	for name, s := range map[string]string{
		"access token": tok.AccessToken.Reveal(), "id token": tok.Extra["id_token"].Reveal(),
		"password": xsaleCreds.Password.Reveal(), "client secret": xsaleCreds.ClientSecret.Reveal(),
	} {
		if strings.Contains(printed, s) {
			t.Errorf("the %s appears in logs or printed values", name)
		}
	}
	if !strings.Contains(buf.String(), "/me") {
		t.Errorf("the log has no record of the calls:\n%s", buf.String())
	}
}

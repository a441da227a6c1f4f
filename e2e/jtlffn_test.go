package e2e

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apigen-go/apigen/generated/jtlffn"
	fake "github.com/apigen-go/apigen/internal/fakes/jtlffn"
	"github.com/apigen-go/apigen/runtime/apierror"
	"github.com/apigen-go/apigen/runtime/auth"
	"github.com/apigen-go/apigen/runtime/clock"
	"github.com/apigen-go/apigen/runtime/opt"
	"github.com/apigen-go/apigen/runtime/secret"
)

// jtlffnOAuthHost is the OAuth2 server of the spec (authorize and token).
const jtlffnOAuthHost = "oauth2.api.jtl-software.com"

// jtlffnEnv is one fake JTL-FFN (API and OAuth server on one httptest
// server) with a shared fake clock and a log of the order in which tokens
// were saved and API requests arrived.
type jtlffnEnv struct {
	t    *testing.T
	cfg  fake.Config
	fake *fake.Server
	srv  *httptest.Server
	clk  *clock.Fake
	// hc follows no redirects: the test plays the user's browser at
	// /authorize.
	hc     *http.Client
	events *jtlffnEvents
}

// jtlffnEvents is an ordered log of "save <access>" and "api <access>".
type jtlffnEvents struct {
	mu  sync.Mutex
	log []string
}

func (e *jtlffnEvents) add(s string) {
	e.mu.Lock()
	e.log = append(e.log, s)
	e.mu.Unlock()
}

func (e *jtlffnEvents) all() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.log...)
}

func jtlffnSetup(t *testing.T, mutate func(*fake.Config)) *jtlffnEnv {
	t.Helper()
	clk := clock.NewFake(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC))
	cfg := fake.DefaultConfig()
	cfg.Clock = clk
	if mutate != nil {
		mutate(&cfg)
	}
	f := fake.New(cfg)
	ev := &jtlffnEvents{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			ev.add("api " + strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		}
		f.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &jtlffnEnv{t: t, cfg: cfg, fake: f, srv: srv, clk: clk, hc: hc, events: ev}
}

func (e *jtlffnEnv) creds() jtlffn.Credentials {
	return jtlffn.Credentials{
		ClientID:     e.cfg.ClientID,
		ClientSecret: secret.New(e.cfg.ClientSecret),
		RedirectURL:  e.cfg.RedirectURI,
	}
}

// client builds a client on store with the fulfiller scopes.
func (e *jtlffnEnv) client(store auth.TokenStore, opts ...jtlffn.Option) *jtlffn.Client {
	e.t.Helper()
	opts = append([]jtlffn.Option{
		jtlffn.WithCredentials(e.creds()),
		jtlffn.WithTokenStore(store),
		jtlffn.WithScopes(fake.ScopeFulfillerRead, fake.ScopeFulfillerWrite),
		jtlffn.WithAuthServer(e.srv.URL), // the fake serves /authorize and /token beside /api
		jtlffn.WithClock(e.clk),
		jtlffn.WithInsecureHTTP(),
	}, opts...)
	c, err := jtlffn.New(e.srv.URL+"/api", opts...)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// authorize plays the user: it opens the client's AuthCodeURL, checks the
// redirect back to the registered callback and its state, and returns the
// code.
func (e *jtlffnEnv) authorize(c *jtlffn.Client) string {
	e.t.Helper()
	const state = "st4te-xyz"
	u, err := c.AuthCodeURL(state)
	if err != nil {
		e.t.Fatal(err)
	}
	resp, err := e.hc.Get(u)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		e.t.Fatalf("GET AuthCodeURL: status %d, want 302", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		e.t.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != e.cfg.RedirectURI {
		e.t.Fatalf("redirected to %q, want the registered callback %q", got, e.cfg.RedirectURI)
	}
	q := loc.Query()
	if q.Get("error") != "" {
		e.t.Fatalf("authorization refused: %s: %s", q.Get("error"), q.Get("error_description"))
	}
	if q.Get("state") != state {
		e.t.Fatalf("state = %q, want %q", q.Get("state"), state)
	}
	if q.Get("code") == "" {
		e.t.Fatal("no code on the redirect")
	}
	return q.Get("code")
}

// login authorises c and exchanges the code.
func (e *jtlffnEnv) login(c *jtlffn.Client) {
	e.t.Helper()
	if err := c.Exchange(context.Background(), e.authorize(c)); err != nil {
		e.t.Fatalf("Exchange: %v", err)
	}
}

// tokenRequests returns the recorded POST /token requests.
func (e *jtlffnEnv) tokenRequests() []url.Values {
	var out []url.Values
	for _, r := range e.fake.Requests() {
		if r.Method == http.MethodPost && r.Path == "/token" {
			v, _ := url.ParseQuery(string(r.Body))
			out = append(out, v)
		}
	}
	return out
}

// postToken calls the fake's token endpoint directly, as a second party
// holding the same client credentials would.
func (e *jtlffnEnv) postToken(form url.Values) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/token", strings.NewReader(form.Encode()))
	req.SetBasicAuth(e.cfg.ClientID, e.cfg.ClientSecret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, b.String()
}

// jtlffnStored reads what a FileStore at path holds, through a fresh
// FileStore (as another process would).
func jtlffnStored(t *testing.T, path string) *auth.Token {
	t.Helper()
	tok, _, err := (&auth.FileStore{Path: path}).Load(context.Background())
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	return tok
}

// jtlffnLoggingStore wraps a store: it logs every successful Save and can
// be told to fail them.
type jtlffnLoggingStore struct {
	auth.TokenStore
	events *jtlffnEvents

	mu   sync.Mutex
	fail bool
}

func (s *jtlffnLoggingStore) setFail(on bool) {
	s.mu.Lock()
	s.fail = on
	s.mu.Unlock()
}

func (s *jtlffnLoggingStore) Save(ctx context.Context, tok *auth.Token, prev auth.Version) (auth.Version, error) {
	s.mu.Lock()
	fail := s.fail
	s.mu.Unlock()
	if fail {
		return auth.NoVersion, errors.New("disk full (injected)")
	}
	v, err := s.TokenStore.Save(ctx, tok, prev)
	if err == nil {
		s.events.add("save " + tok.AccessToken.Reveal())
	}
	return v, err
}

func TestJTLFFN_AuthorizationCodeFlow(t *testing.T) {
	e := jtlffnSetup(t, nil)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "jtlffn-token.json")
	c := e.client(&auth.FileStore{Path: path})

	// Before any authorisation there is nothing to call with, and nothing
	// is sent.
	if _, err := c.GetCurrentUser(ctx); !errors.Is(err, auth.ErrAuthorizationRequired) {
		t.Fatalf("call before authorisation: err = %v, want ErrAuthorizationRequired", err)
	}
	if n := len(e.fake.Requests()); n != 0 {
		t.Fatalf("the fake saw %d requests before authorisation", n)
	}

	// Without WithAuthServer the authorize URL is the spec's OAuth server.
	prod, err := jtlffn.New("", jtlffn.WithCredentials(e.creds()))
	if err != nil {
		t.Fatal(err)
	}
	if u, err := prod.AuthCodeURL("abc"); err != nil || !strings.HasPrefix(u, "https://"+jtlffnOAuthHost+"/authorize?") {
		t.Fatalf("default AuthCodeURL = %q, %v; want https://%s/authorize?…", u, err, jtlffnOAuthHost)
	}
	// The documented parameters; the scopes are space-delimited.
	u, err := c.AuthCodeURL("abc")
	if err != nil {
		t.Fatal(err)
	}
	au, _ := url.Parse(u)
	if au.Host != e.srv.Listener.Addr().String() || au.Path != "/authorize" {
		t.Fatalf("AuthCodeURL = %s, want the fake's /authorize", u)
	}
	q := au.Query()
	for k, want := range map[string]string{
		"response_type": "code", "client_id": e.cfg.ClientID, "redirect_uri": e.cfg.RedirectURI,
		"scope": fake.ScopeFulfillerRead + " " + fake.ScopeFulfillerWrite, "state": "abc",
	} {
		if q.Get(k) != want {
			t.Fatalf("AuthCodeURL %s = %q, want %q", k, q.Get(k), want)
		}
	}

	code := e.authorize(c)
	if err := c.Exchange(ctx, code); err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	// The token request: HTTP Basic client authentication, form body, no
	// client secret in the body.
	var tokReq *http.Request
	for _, r := range e.fake.Requests() {
		if r.Path == "/token" {
			tokReq = &http.Request{Header: r.Header}
			form, _ := url.ParseQuery(string(r.Body))
			if form.Get("grant_type") != "authorization_code" || form.Get("code") != code || form.Get("redirect_uri") != e.cfg.RedirectURI {
				t.Fatalf("token request body = %v", form)
			}
			if form.Has("client_secret") || form.Has("client_id") {
				t.Fatalf("client credentials in the token request body: %v", form)
			}
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
				t.Fatalf("token request Content-Type = %q", ct)
			}
		}
	}
	if tokReq == nil {
		t.Fatal("no token request reached the fake")
	}
	if id, sec, ok := tokReq.BasicAuth(); !ok || id != e.cfg.ClientID || sec != e.cfg.ClientSecret {
		t.Fatalf("token request Authorization = %q, want Basic client_id:client_secret", tokReq.Header.Get("Authorization"))
	}

	// Exchange saved the tokens in the file store.
	stored := jtlffnStored(t, path)
	if stored.AccessToken.IsZero() || stored.RefreshToken.IsZero() {
		t.Fatalf("stored token incomplete: access %v, refresh %v", !stored.AccessToken.IsZero(), !stored.RefreshToken.IsZero())
	}
	if want := e.clk.Now().Add(e.cfg.AccessTokenTTL); !stored.Expiry.Equal(want) {
		t.Fatalf("stored expiry = %v, want %v (expires_in seconds)", stored.Expiry, want)
	}

	me, err := c.GetCurrentUser(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if me.UserID != e.cfg.User.ID || me.Role.Or("") != jtlffn.Role(e.cfg.User.Role) {
		t.Fatalf("current user = %+v", me)
	}
	last := e.fake.Requests()[len(e.fake.Requests())-1]
	if got := last.Header.Get("Authorization"); got != "Bearer "+stored.AccessToken.Reveal() {
		t.Fatal("API request does not carry the stored access token as Bearer")
	}

	// Fulfiller API with offset paging over $skip/$top.
	var ids []string
	for m, err := range c.ListMerchantsAll(ctx, &jtlffn.ListMerchantsParams{Top: opt.Some(int64(2))}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.UserID)
	}
	if len(ids) != len(e.cfg.Merchants) {
		t.Fatalf("ListMerchantsAll yielded %v, the fake has %d merchants", ids, len(e.cfg.Merchants))
	}
	wh, err := c.CreateWarehouse(ctx, &jtlffn.CreateWarehouseRequest{
		Name:    "Second lab",
		Address: jtlffn.Address{Company: opt.Some("Fulfiller GmbH"), Street: "Hauptstraße 1", City: "Köln", Country: "DE"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if wh.WarehouseID == "" || wh.Name != "Second lab" {
		t.Fatalf("created warehouse = %+v", wh)
	}
	if n := len(e.tokenRequests()); n != 1 {
		t.Fatalf("%d token requests; one exchange and no refresh expected", n)
	}
}

func TestJTLFFN_RotatingRefreshPersistedBeforeUse(t *testing.T) {
	e := jtlffnSetup(t, nil)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "jtlffn-token.json")
	store := &jtlffnLoggingStore{TokenStore: &auth.FileStore{Path: path}, events: e.events}
	c := e.client(store)
	e.login(c)
	if _, err := c.GetCurrentUser(ctx); err != nil {
		t.Fatal(err)
	}
	first := jtlffnStored(t, path)

	// 1. The access token expires on the server before the client expects
	// it: the 401 makes the client refresh once and replay.
	e.fake.ExpireTokens()
	if _, err := c.GetCurrentUser(ctx); err != nil {
		t.Fatalf("call after server-side expiry: %v", err)
	}
	second := jtlffnStored(t, path)
	if second.RefreshToken.Reveal() == first.RefreshToken.Reveal() || second.AccessToken.Reveal() == first.AccessToken.Reveal() {
		t.Fatal("the refresh did not store the new (rotated) tokens")
	}
	reqs := e.tokenRequests()
	if len(reqs) != 2 || reqs[1].Get("grant_type") != "refresh_token" || reqs[1].Get("refresh_token") != first.RefreshToken.Reveal() {
		t.Fatalf("token requests = %d; want the exchange, then one refresh spending the first refresh token", len(reqs))
	}

	// The refresh token just spent is refused from now on (single use).
	status, body := e.postToken(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.RefreshToken.Reveal()}})
	if status != http.StatusBadRequest || !strings.Contains(body, "invalid_grant") {
		t.Fatalf("reusing a spent refresh token: %d %s, want 400 invalid_grant", status, body)
	}

	// 2. Proactive refresh: time passes beyond expires_in on both sides;
	// the client refreshes before sending, so the API sees no expired token.
	e.clk.Advance(e.cfg.AccessTokenTTL)
	e.fake.ResetRequests()
	if _, err := c.GetCurrentUser(ctx); err != nil {
		t.Fatalf("call after expiry: %v", err)
	}
	third := jtlffnStored(t, path)
	for _, r := range e.fake.Requests() {
		if strings.HasPrefix(r.Path, "/api/") && r.Header.Get("Authorization") != "Bearer "+third.AccessToken.Reveal() {
			t.Fatal("an API request went out with an expired access token; want a refresh first")
		}
	}
	if reqs := e.tokenRequests(); len(reqs) != 1 || reqs[0].Get("refresh_token") != second.RefreshToken.Reveal() {
		t.Fatal("want exactly one refresh, spending the rotated refresh token")
	}

	// Every access token was saved before the API saw it.
	saved := map[string]bool{}
	for _, ev := range e.events.all() {
		kind, tok, _ := strings.Cut(ev, " ")
		switch kind {
		case "save":
			saved[tok] = true
		case "api":
			if !saved[tok] {
				t.Fatalf("the API saw an access token before it was saved; events: %d", len(e.events.all()))
			}
		}
	}
	if len(saved) != 3 {
		t.Fatalf("%d tokens saved; want 3 (exchange and two refreshes)", len(saved))
	}

	// 3. When saving fails, the new access token is not used at all; once
	// the store works again the pending token is saved and used, without
	// spending another refresh token.
	e.clk.Advance(e.cfg.AccessTokenTTL)
	e.fake.ResetRequests()
	store.setFail(true)
	if _, err := c.GetCurrentUser(ctx); err == nil {
		t.Fatal("call succeeded although the rotated token could not be saved")
	}
	for _, r := range e.fake.Requests() {
		if strings.HasPrefix(r.Path, "/api/") {
			t.Fatal("an API request went out although the new token was not saved")
		}
	}
	if n := len(e.tokenRequests()); n != 1 {
		t.Fatalf("%d token requests, want 1 refresh", n)
	}
	if jtlffnStored(t, path).RefreshToken.Reveal() != third.RefreshToken.Reveal() {
		t.Fatal("the store changed although Save failed")
	}
	store.setFail(false)
	if _, err := c.GetCurrentUser(ctx); err != nil {
		t.Fatalf("call after the store recovered: %v", err)
	}
	if n := len(e.tokenRequests()); n != 1 {
		t.Fatalf("%d token requests; the pending token must be saved, not a spent refresh token retried", n)
	}
	fourth := jtlffnStored(t, path)
	if fourth.RefreshToken.Reveal() == third.RefreshToken.Reveal() {
		t.Fatal("the rotated refresh token was not saved after the store recovered")
	}
}

func TestJTLFFN_RestartContinuesFromFileStore(t *testing.T) {
	e := jtlffnSetup(t, nil)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state", "jtlffn-token.json")

	// First process: authorise, call, and rotate the refresh token once.
	a := e.client(&auth.FileStore{Path: path})
	e.login(a)
	if _, err := a.GetCurrentUser(ctx); err != nil {
		t.Fatal(err)
	}
	original := jtlffnStored(t, path)
	e.clk.Advance(e.cfg.AccessTokenTTL)
	if _, err := a.ListWarehouses(ctx, nil); err != nil {
		t.Fatal(err)
	}
	rotated := jtlffnStored(t, path)
	if rotated.RefreshToken.Reveal() == original.RefreshToken.Reveal() {
		t.Fatal("no rotation happened in the first process")
	}
	a = nil // "killed"

	// Second process, same file: it continues without the user.
	tokensBefore := len(e.tokenRequests())
	b := e.client(&auth.FileStore{Path: path})
	me, err := b.GetCurrentUser(ctx)
	if err != nil {
		t.Fatalf("restarted client: %v", err)
	}
	if me.UserID != e.cfg.User.ID {
		t.Fatalf("current user = %q", me.UserID)
	}
	if n := len(e.tokenRequests()); n != tokensBefore {
		t.Fatal("the restarted client requested a token although a valid one was stored")
	}
	// After expiry it refreshes with the refresh token the first process
	// rotated and persisted (the original one is spent).
	e.clk.Advance(e.cfg.AccessTokenTTL)
	if _, err := b.GetCurrentUser(ctx); err != nil {
		t.Fatalf("restarted client after expiry: %v", err)
	}
	reqs := e.tokenRequests()
	if len(reqs) != tokensBefore+1 || reqs[len(reqs)-1].Get("refresh_token") != rotated.RefreshToken.Reveal() {
		t.Fatal("the restarted client did not refresh with the persisted rotated refresh token")
	}
	if n := e.fake.AuthorizeRequests(); n != 1 {
		t.Fatalf("%d authorisations; the restart must not need the user again", n)
	}

	// A client that kept the stale (spent) refresh token instead cannot go
	// on: the server refuses it, and the user must authorise again.
	stale := &auth.MemoryStore{}
	old := original.Clone()
	old.Expiry = e.clk.Now().Add(-time.Minute)
	if _, err := stale.Save(ctx, old, auth.NoVersion); err != nil {
		t.Fatal(err)
	}
	cs := e.client(stale)
	_, err = cs.GetCurrentUser(ctx)
	if !errors.Is(err, auth.ErrAuthorizationRequired) || !errors.Is(err, auth.ErrInvalidGrant) {
		t.Fatalf("client with a spent refresh token: err = %v, want ErrAuthorizationRequired and invalid_grant", err)
	}
}

func TestJTLFFN_ConcurrentCallsRefreshOnce(t *testing.T) {
	e := jtlffnSetup(t, nil)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "jtlffn-token.json")
	c := e.client(&auth.FileStore{Path: path})
	e.login(c)
	e.clk.Advance(e.cfg.AccessTokenTTL)
	before := len(e.tokenRequests())

	const n = 12
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			if _, err := c.GetCurrentUser(ctx); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent call: %v", err)
	}
	if got := len(e.tokenRequests()) - before; got != 1 {
		t.Fatalf("%d refreshes for %d concurrent calls; want exactly 1 (single-flight)", got, n)
	}
}

func TestJTLFFN_ErrorsAreNotRefreshed(t *testing.T) {
	e := jtlffnSetup(t, nil)
	ctx := context.Background()
	store := &auth.MemoryStore{}
	// Only read access: writing is 403.
	c := e.client(store, jtlffn.WithScopes(fake.ScopeFulfillerRead))
	e.login(c)
	before := len(e.tokenRequests())

	_, err := c.CreateWarehouse(ctx, &jtlffn.CreateWarehouseRequest{
		Name: "x", Address: jtlffn.Address{Company: opt.Some("c"), Street: "s", City: "c", Country: "DE"},
	})
	var ae *apierror.APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusForbidden {
		t.Fatalf("write with a read-only token: err = %v, want 403 APIError", err)
	}
	if !strings.Contains(ae.Header.Get("WWW-Authenticate"), "insufficient_scope") {
		t.Fatalf("WWW-Authenticate = %q", ae.Header.Get("WWW-Authenticate"))
	}

	// Unknown merchant: the API's error body decoded into Code/Message.
	_, err = c.GetMerchant(ctx, "NOPE")
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusNotFound || ae.Code != "Authorizations_AuthorizationNotFound" || !strings.Contains(ae.Message, "does not exist") {
		t.Fatalf("unknown merchant: err = %v", err)
	}
	if m, ok := ae.Model.(*jtlffn.ErrorResponse); !ok || m.ErrorMetadata["MerchantId"] != "NOPE" {
		t.Fatalf("error model = %#v", ae.Model)
	}
	if n := len(e.tokenRequests()); n != before {
		t.Fatalf("403/404 caused %d token requests; only 401 may refresh", n-before)
	}

	// A user who never logged into the portal: 404 Users_UserNotFound.
	e.fake.SetUser(fake.User{ID: "NEWU", Subject: "1", Role: fake.RoleFulfiller, NeverLoggedIntoPortal: true})
	c2 := e.client(&auth.MemoryStore{})
	e.login(c2)
	_, err = c2.GetCurrentUser(ctx)
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusNotFound || ae.Code != "Users_UserNotFound" {
		t.Fatalf("user never in the portal: err = %v, want 404 Users_UserNotFound", err)
	}
}

// The published spec describes Page.total as "Total pages in the
// response", and the fake follows it: a client that read it as an item
// count (as our spec once did) stopped after two of three pages. The walk
// now stops at the first page shorter than $top, whatever total means.
func TestJTLFFN_MerchantsWalkEveryPage(t *testing.T) {
	e := jtlffnSetup(t, func(cfg *fake.Config) {
		base := cfg.Merchants[0]
		for _, id := range []string{"MER4", "MER5"} {
			m := base
			m.UserID = id
			cfg.Merchants = append(cfg.Merchants, m)
		}
	})
	c := e.client(&auth.MemoryStore{})
	e.login(c)
	var ids []string
	for m, err := range c.ListMerchantsAll(context.Background(), &jtlffn.ListMerchantsParams{Top: opt.Some(int64(2))}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.UserID)
	}
	if want := []string{"MERC", "MER2", "MER3", "MER4", "MER5"}; !slices.Equal(ids, want) {
		t.Fatalf("ListMerchantsAll yielded %v, want %v", ids, want)
	}
	pages := 0
	for _, r := range e.fake.Requests() {
		if strings.HasSuffix(r.Path, "/fulfiller/merchants") {
			pages++
		}
	}
	if pages != 3 {
		t.Fatalf("%d page requests, want 3 (2 + 2 + 1 merchants)", pages)
	}
}

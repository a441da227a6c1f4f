package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/apigen-go/apigen/generated/petrosoft"
	fake "github.com/apigen-go/apigen/internal/fakes/petrosoft"
	"github.com/apigen-go/apigen/runtime/apierror"
	"github.com/apigen-go/apigen/runtime/auth"
	"github.com/apigen-go/apigen/runtime/clock"
	"github.com/apigen-go/apigen/runtime/secret"
)

const (
	petrosoftLoginPath   = "/v1/auth/token"
	petrosoftRefreshPath = "/v1/auth/refresh_token"
	petrosoftItemPath    = "/app.php/api/inventory/item"
)

var petrosoftCreds = petrosoft.Credentials{Login: "APIUser@petrosoftinc.com", Password: secret.New("Password_01")}

// petrosoftEnv is a fake Petrosoft server on a fake clock with a client
// for it.
type petrosoftEnv struct {
	fake *fake.Server
	clk  *clock.Fake
	url  string
	c    *petrosoft.Client
}

// petrosoftSetup starts the fake with access tokens that live ttl (the
// fake reports expires_in in seconds) and stop working early before that.
func petrosoftSetup(t *testing.T, ttl, early time.Duration, mod func(*fake.Config)) *petrosoftEnv {
	t.Helper()
	clk := clock.NewFake(time.Date(2021, 3, 1, 8, 0, 0, 0, time.UTC))
	cfg := fake.DefaultConfig()
	cfg.Clock = clk
	cfg.AccessTokenTTL = ttl
	cfg.EarlyExpiry = early
	cfg.Users = append(cfg.Users, fake.User{Login: "restricted.api@example.com", Password: "pw", LocationIDs: []string{"1529"}, Restricted: true})
	if mod != nil {
		mod(&cfg)
	}
	f := fake.New(cfg)
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return &petrosoftEnv{fake: f, clk: clk, url: srv.URL, c: petrosoftClient(t, srv.URL, clk, petrosoftCreds)}
}

func petrosoftClient(t *testing.T, url string, clk *clock.Fake, creds petrosoft.Credentials) *petrosoft.Client {
	t.Helper()
	c, err := petrosoft.New(url, petrosoft.WithCredentials(creds), petrosoft.WithInsecureHTTP(), petrosoft.WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var petrosoftItem = &petrosoft.GetInventoryItemParams{StationID: "1529", Upc: "4900002890"}

// petrosoftCount counts the fake's requests by path.
func petrosoftCount(f *fake.Server) map[string]int {
	n := map[string]int{}
	for _, r := range f.Requests() {
		n[r.Path]++
	}
	return n
}

// petrosoftBodies returns the JSON bodies sent to path.
func petrosoftBodies(t *testing.T, f *fake.Server, path string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, r := range f.Requests() {
		if r.Path != path {
			continue
		}
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("%s sent with Content-Type %q", path, ct)
		}
		var m map[string]any
		if err := json.Unmarshal(r.Body, &m); err != nil {
			t.Fatalf("%s body %q: %v", path, r.Body, err)
		}
		out = append(out, m)
	}
	return out
}

func TestPetrosoft_JSONLoginTokensCachedAndSentAsBearer(t *testing.T) {
	env := petrosoftSetup(t, 86400*time.Second, 0, nil)
	ctx := context.Background()
	for range 3 {
		item, err := env.c.GetInventoryItem(ctx, petrosoftItem)
		if err != nil {
			t.Fatal(err)
		}
		if item.Upc != "4900002890" || item.Retail.Or(0) != 2.49 || item.OnhandQty.Or(0) != 36 {
			t.Fatalf("item = %+v", item)
		}
	}
	if n := env.fake.TokenRequests(); n != 1 {
		t.Fatalf("%d logins for 3 calls; want 1", n)
	}
	logins := petrosoftBodies(t, env.fake, petrosoftLoginPath)
	if len(logins) != 1 || logins[0]["login"] != "APIUser@petrosoftinc.com" || logins[0]["password"] != "Password_01" || len(logins[0]) != 2 {
		t.Fatalf("login body = %v; want exactly {login, password}", logins)
	}
	tok, err := env.c.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range env.fake.Requests() {
		if r.Path == petrosoftItemPath && r.Header.Get("Authorization") != "Bearer "+tok.AccessToken.Reveal() {
			t.Fatalf("API request sent Authorization %.20q…; want Bearer and the login's access token (token_type was lowercase bearer)", r.Header.Get("Authorization"))
		}
	}
	if tok.RefreshToken.IsZero() {
		t.Fatal("the refresh token of the login was not kept")
	}
}

func TestPetrosoft_ExpiresInIsSeconds(t *testing.T) {
	// The docs say minutes; the values are seconds. With expires_in = 100
	// the token must be good for 100 s, not 100 min.
	env := petrosoftSetup(t, 100*time.Second, 0, nil)
	ctx := context.Background()
	start := env.clk.Now()
	tok, err := env.c.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := tok.Expiry.Sub(start); got != 100*time.Second {
		t.Fatalf("token expiry %v after the login for expires_in 100; want 100s (seconds, not minutes)", got)
	}

	// Early in the lifetime: cached.
	env.clk.Advance(60 * time.Second)
	if _, err := env.c.GetInventoryItem(ctx, petrosoftItem); err != nil {
		t.Fatal(err)
	}
	if n := petrosoftCount(env.fake); n[petrosoftLoginPath] != 1 || n[petrosoftRefreshPath] != 0 {
		t.Fatalf("requests %v at 60 s of 100 s; want the cached token", n)
	}
	// Just before expiry the client refreshes by itself: no request is ever
	// sent with a token the server considers expired (a client that read
	// minutes would send the old token and get a 401).
	env.clk.Advance(35 * time.Second)
	if _, err := env.c.GetInventoryItem(ctx, petrosoftItem); err != nil {
		t.Fatal(err)
	}
	n := petrosoftCount(env.fake)
	if n[petrosoftRefreshPath] != 1 || n[petrosoftLoginPath] != 1 || n[petrosoftItemPath] != 2 {
		t.Fatalf("requests %v at 95 s of 100 s; want 1 login, 1 refresh, 2 API calls without a 401", n)
	}
	refreshes := petrosoftBodies(t, env.fake, petrosoftRefreshPath)
	if len(refreshes) != 1 || len(refreshes[0]) != 1 || refreshes[0]["refresh_token"] == "" || refreshes[0]["refresh_token"] == nil {
		t.Fatalf("refresh body = %v; want exactly {refresh_token}", refreshes)
	}
}

func TestPetrosoft_EarlyExpiry401RefreshesOnceAndRetriesOnce(t *testing.T) {
	// The server stops accepting access tokens 50 s before the expires_in
	// it reported: the client, trusting expires_in, meets a 401.
	env := petrosoftSetup(t, 100*time.Second, 50*time.Second, nil)
	ctx := context.Background()
	if _, err := env.c.GetInventoryItem(ctx, petrosoftItem); err != nil {
		t.Fatal(err)
	}
	first, _ := env.c.Token(ctx)
	env.fake.ResetRequests()

	env.clk.Advance(60 * time.Second) // client: valid until 90 s; server: refused since 50 s
	item, err := env.c.GetInventoryItem(ctx, petrosoftItem)
	if err != nil {
		t.Fatalf("after early expiry: %v", err)
	}
	if item.Upc != petrosoftItem.Upc {
		t.Fatalf("item = %+v", item)
	}
	reqs := env.fake.Requests()
	var paths []string
	for _, r := range reqs {
		paths = append(paths, r.Path)
	}
	want := []string{petrosoftItemPath, petrosoftRefreshPath, petrosoftItemPath}
	if strings.Join(paths, " ") != strings.Join(want, " ") {
		t.Fatalf("requests %v; want %v (401, one refresh, one replay)", paths, want)
	}
	if reqs[0].Header.Get("Authorization") != "Bearer "+first.AccessToken.Reveal() {
		t.Fatal("the first attempt did not use the cached token")
	}
	if reqs[2].Header.Get("Authorization") == reqs[0].Header.Get("Authorization") {
		t.Fatal("the replay reused the rejected token")
	}
	var rb map[string]any
	if err := json.Unmarshal(reqs[1].Body, &rb); err != nil || rb["refresh_token"] != first.RefreshToken.Reveal() {
		t.Fatalf("refresh body %q; want the login's refresh token", reqs[1].Body)
	}
	if env.fake.TokenRequests() != 1 {
		t.Fatalf("%d logins; a refresh was enough", env.fake.TokenRequests())
	}

	// The next call uses the refreshed token: nothing else happens.
	env.fake.ResetRequests()
	if _, err := env.c.GetInventoryItem(ctx, petrosoftItem); err != nil {
		t.Fatal(err)
	}
	if n := petrosoftCount(env.fake); n[petrosoftItemPath] != 1 || len(n) != 1 {
		t.Fatalf("requests after the refresh: %v; want one API call", n)
	}

	// Never a loop: if the replay is refused too, the 401 is returned after
	// exactly one refresh and one replay.
	env.fake.ResetRequests()
	body401 := `{"success":false,"data":[],"message":"Unauthorized","http_code":401,"errors":[],"total":null}`
	env.fake.InjectResponse(petrosoftItemPath, http.StatusUnauthorized, nil, body401)
	env.fake.InjectResponse(petrosoftItemPath, http.StatusUnauthorized, nil, body401)
	_, err = env.c.GetInventoryItem(ctx, petrosoftItem)
	var ae *apierror.APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusUnauthorized {
		t.Fatalf("two 401s: err = %v; want *apierror.APIError 401", err)
	}
	if n := petrosoftCount(env.fake); n[petrosoftItemPath] != 2 || n[petrosoftRefreshPath] != 1 || n[petrosoftLoginPath] != 0 {
		t.Fatalf("two 401s: requests %v; want 2 API calls and 1 refresh", n)
	}
}

func TestPetrosoft_SessionEndRefused500RefreshLogsInAgain(t *testing.T) {
	env := petrosoftSetup(t, 100*time.Second, 0, nil)
	ctx := context.Background()
	if _, err := env.c.GetInventoryItem(ctx, petrosoftItem); err != nil {
		t.Fatal(err)
	}
	// The session ends (refreshes never extend it past ~24 h): the access
	// token is refused, the refresh answers 500 "Token is not active", and
	// the client logs in again with login and password.
	env.fake.ExpireSessions()
	env.fake.ResetRequests()
	if _, err := env.c.GetInventoryItem(ctx, petrosoftItem); err != nil {
		t.Fatalf("after the session ended: %v", err)
	}
	var paths []string
	for _, r := range env.fake.Requests() {
		paths = append(paths, r.Path)
	}
	want := []string{petrosoftItemPath, petrosoftRefreshPath, petrosoftLoginPath, petrosoftItemPath}
	if strings.Join(paths, " ") != strings.Join(want, " ") {
		t.Fatalf("requests %v; want %v", paths, want)
	}
}

func TestPetrosoft_Errors(t *testing.T) {
	env := petrosoftSetup(t, 86400*time.Second, 0, nil)
	ctx := context.Background()

	// API errors come in the Petrosoft envelope: code = http_code.
	_, err := env.c.GetInventoryItem(ctx, &petrosoft.GetInventoryItemParams{StationID: "9999", Upc: "4900002890"})
	var ae *apierror.APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusForbidden || ae.Code != "403" || !strings.Contains(ae.Message, "9999") {
		t.Fatalf("foreign station: %v", err)
	}
	if m, ok := ae.Model.(*petrosoft.ErrorEnvelope); !ok || m.HTTPCode.Or(0) != 403 || m.Success.Or(true) {
		t.Fatalf("Model = %#v; want the decoded envelope", ae.Model)
	}
	_, err = env.c.GetInventoryItem(ctx, &petrosoft.GetInventoryItemParams{StationID: "1529", Upc: "0000"})
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusNotFound || ae.Code != "404" {
		t.Fatalf("unknown item: %v", err)
	}

	// A restricted user: the login's documented 500 envelope, with its message.
	restricted := petrosoftClient(t, env.url, env.clk, petrosoft.Credentials{Login: "restricted.api@example.com", Password: secret.New("pw")})
	_, err = restricted.GetInventoryItem(ctx, petrosoftItem)
	var re *auth.RetrieveError
	if !errors.As(err, &re) || re.StatusCode != http.StatusInternalServerError || !strings.Contains(re.ErrorDescription, "restrictions") {
		t.Fatalf("restricted user: err = %v; want *auth.RetrieveError 500 with the envelope message", err)
	}
}

func TestPetrosoft_WrongPasswordIsOneLogin(t *testing.T) {
	env := petrosoftSetup(t, 86400*time.Second, 0, nil)
	bad := petrosoftClient(t, env.url, env.clk, petrosoft.Credentials{Login: "APIUser@petrosoftinc.com", Password: secret.New("Wr0ngPassw0rd")})
	_, err := bad.GetInventoryItem(context.Background(), petrosoftItem)
	var re *auth.RetrieveError
	if !errors.As(err, &re) || re.StatusCode != http.StatusUnauthorized || !errors.Is(err, auth.ErrInvalidGrant) {
		t.Fatalf("wrong password: err = %v; want *auth.RetrieveError 401 invalid_grant", err)
	}
	if strings.Contains(err.Error(), "Wr0ngPassw0rd") {
		t.Fatalf("error leaks the password: %v", err)
	}
	if n := petrosoftCount(env.fake); n[petrosoftLoginPath] != 1 || n[petrosoftItemPath] != 0 {
		t.Fatalf("wrong password: requests %v; want exactly 1 login and no API call", n)
	}
}

// The README's raw request: Do reaches the inventory endpoint with the
// token the client logged in for, and without credentials it fails before
// sending with *auth.MissingCredentialsError naming the variables.
func TestPetrosoft_RawRequestAndMissingCredentials(t *testing.T) {
	env := petrosoftSetup(t, 86400*time.Second, 0, nil)
	ctx := context.Background()
	var out map[string]any
	if err := env.c.Do(ctx, http.MethodGet, petrosoftItemPath+"?station_id=1529&upc=4900002890", nil, &out); err != nil {
		t.Fatal(err)
	}
	if out["upc"] != "4900002890" {
		t.Errorf("out = %v", out)
	}
	if n := petrosoftCount(env.fake); n[petrosoftLoginPath] != 1 || n[petrosoftItemPath] != 1 {
		t.Errorf("requests %v, want one login and one item call", n)
	}
	bare, err := petrosoft.New(env.url, petrosoft.WithInsecureHTTP())
	if err != nil {
		t.Fatal(err)
	}
	err = bare.Do(ctx, http.MethodGet, petrosoftItemPath+"?station_id=1529&upc=4900002890", nil, &out)
	var mc *auth.MissingCredentialsError
	if !errors.As(err, &mc) || !strings.Contains(err.Error(), "PETROSOFT_PASSWORD") {
		t.Errorf("without credentials: err = %v", err)
	}
	if n := petrosoftCount(env.fake); n[petrosoftItemPath] != 1 {
		t.Errorf("a call without credentials was sent: %v", n)
	}
}

package auth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/secret"
	"github.com/apigen-go/apigen/runtime/transport"
)

// A 401 invalidates the token; one refresh, one replay.
func TestTransport401RefreshesOnceAndRetries(t *testing.T) {
	f := newFakeAS(t, nil)
	tr := &Transport{Source: &Cache{Flow: f.clientCredentials(nil)}, AllowInsecureHTTP: true}
	if code, err := f.get(t, tr); code != 200 || err != nil {
		t.Fatalf("%d %v", code, err)
	}
	f.revokeAccess() // the provider drops the token before its expiry
	if code, err := f.get(t, tr); code != 200 || err != nil {
		t.Fatalf("after revocation: %d %v", code, err)
	}
	if req, _, _, api := f.counts(); req != 2 || api != 3 {
		t.Fatalf("token requests %d api calls %d; want 2 and 3", req, api)
	}

	// Never a loop: if the new token is refused too, the 401 comes back.
	always401 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(401)
	}))
	defer always401.Close()
	before, _, _, _ := f.counts()
	req, _ := http.NewRequest(http.MethodGet, always401.URL, nil)
	resp, err := tr.RoundTrip(req)
	if err != nil || resp.StatusCode != 401 {
		t.Fatalf("%v %v", resp, err)
	}
	resp.Body.Close()
	if after, _, _, _ := f.counts(); after-before != 1 {
		t.Errorf("refreshes for a persistent 401: %d, want 1", after-before)
	}
}

// Many requests failing with the same token cause one refresh.
func TestTransportConcurrent401sOneRefresh(t *testing.T) {
	f := newFakeAS(t, nil)
	tr := &Transport{Source: &Cache{Flow: f.clientCredentials(nil)}, AllowInsecureHTTP: true}
	f.get(t, tr)
	f.revokeAccess()
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if code, err := f.get(t, tr); code != 200 || err != nil {
				t.Errorf("%d %v", code, err)
			}
		})
	}
	wg.Wait()
	if req, _, _, _ := f.counts(); req != 2 {
		t.Fatalf("token requests = %d, want 2", req)
	}
}

// A body that cannot be replayed is not sent twice; the 401 goes back to
// the caller and the next call uses a new token.
func TestTransport401ReplayOnlyWithGetBody(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	f := newFakeAS(t, nil)
	tr := &Transport{Source: &Cache{Flow: f.clientCredentials(nil)}, AllowInsecureHTTP: true}
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, r.Header.Get("Authorization")+"|"+string(b))
		mu.Unlock()
		if r.Header.Get("Authorization") == "Bearer at-1" {
			w.WriteHeader(401)
		}
	}))
	defer api.Close()

	// Replayable: http.NewRequest sets GetBody for a bytes.Reader.
	req, _ := http.NewRequest(http.MethodPost, api.URL, bytes.NewReader([]byte(`{"a":1}`)))
	resp, err := tr.RoundTrip(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v %v", resp, err)
	}
	resp.Body.Close()
	if want := []string{`Bearer at-1|{"a":1}`, `Bearer at-2|{"a":1}`}; fmt.Sprint(bodies) != fmt.Sprint(want) {
		t.Fatalf("bodies %q, want %q", bodies, want)
	}

	// Not replayable: a plain reader without GetBody.
	f2 := newFakeAS(t, nil)
	tr2 := &Transport{Source: &Cache{Flow: f2.clientCredentials(nil)}, AllowInsecureHTTP: true}
	bodies = nil
	req, _ = http.NewRequest(http.MethodPost, api.URL, io.MultiReader(strings.NewReader("stream")))
	resp, err = tr2.RoundTrip(req)
	if err != nil || resp.StatusCode != 401 {
		t.Fatalf("%v %v", resp, err)
	}
	resp.Body.Close()
	if len(bodies) != 1 {
		t.Fatalf("non-replayable body sent %d times", len(bodies))
	}
	req, _ = http.NewRequest(http.MethodGet, api.URL, nil)
	resp, _ = tr2.RoundTrip(req)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("next call after the 401 did not use a new token: %d", resp.StatusCode)
	}
}

// Static credentials cannot improve: the 401 goes back untouched.
func TestTransport401StaticNotRetried(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(401)
	}))
	defer srv.Close()
	tr := &Transport{Credential: Bearer{Token: secret.New("t")}, AllowInsecureHTTP: true}
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	resp, err := tr.RoundTrip(req)
	if err != nil || resp.StatusCode != 401 || calls.Load() != 1 {
		t.Fatalf("%v %v calls %d", resp, err, calls.Load())
	}
	resp.Body.Close()
}

// raynetFake answers 401 to wrong credentials and counts every request, as
// the IP lockout does.
func raynetFake(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		user, key, _ := r.BasicAuth()
		if user != "user@example.com" || key != "good-key" || r.Header.Get("X-Instance-Name") != "moje-crm" {
			w.WriteHeader(401)
			return
		}
		fmt.Fprint(w, `{"success":true}`)
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

// RAYNET: one rejected request per wrong key, then ErrCredentialsRejected
// without sending until new credentials arrive.
func TestTransportFailPolicyLockout(t *testing.T) {
	srv, calls := raynetFake(t)
	tr := &Transport{
		Credential:        Basic{Username: "user@example.com", Password: secret.New("wrong-key")},
		Header:            http.Header{"X-Instance-Name": {"moje-crm"}},
		OnUnauthorized:    UnauthorizedFail,
		AllowInsecureHTTP: true,
	}
	get := func() (*http.Response, error) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v2/company/", nil)
		resp, err := tr.RoundTrip(req)
		if resp != nil {
			resp.Body.Close()
		}
		return resp, err
	}
	_, err := get()
	var re *RejectedError
	if !errors.Is(err, ErrCredentialsRejected) || !errors.As(err, &re) || re.StatusCode != 401 || !re.Sent {
		t.Fatalf("first call: %v", err)
	}
	for range 30 {
		_, err = get()
		if !errors.Is(err, ErrCredentialsRejected) || !errors.As(err, &re) || re.Sent || re.StatusCode != 401 {
			t.Fatalf("later call: %v", err)
		}
	}
	if calls.Load() != 1 {
		t.Fatalf("server saw %d requests, want 1", calls.Load())
	}

	tr.SetCredential(Basic{Username: "user@example.com", Password: secret.New("good-key")})
	if resp, err := get(); err != nil || resp.StatusCode != 200 {
		t.Fatalf("with new credentials: %v %v", resp, err)
	}
	// Reset lifts a rejection too.
	tr.SetCredential(Basic{Username: "user@example.com", Password: secret.New("wrong-again")})
	get()
	tr.Reset()
	if _, err := get(); !errors.As(err, &re) || !re.Sent {
		t.Fatalf("after Reset the call was not sent: %v", err)
	}
	if calls.Load() != 4 {
		t.Errorf("server saw %d requests, want 4", calls.Load())
	}
}

// Many goroutines with one wrong key still cost one rejected request: until
// a key is accepted once, calls go one at a time.
func TestTransportFailPolicyConcurrentOneRequest(t *testing.T) {
	srv, calls := raynetFake(t)
	tr := &Transport{
		Credential:        Basic{Username: "user@example.com", Password: secret.New("wrong-key")},
		Header:            http.Header{"X-Instance-Name": {"moje-crm"}},
		OnUnauthorized:    UnauthorizedFail,
		AllowInsecureHTTP: true,
	}
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
			if _, err := tr.RoundTrip(req); !errors.Is(err, ErrCredentialsRejected) {
				t.Errorf("err = %v", err)
			}
		})
	}
	wg.Wait()
	if calls.Load() != 1 {
		t.Fatalf("server saw %d requests, want 1", calls.Load())
	}

	// Once accepted, calls run in parallel again.
	tr.SetCredential(Basic{Username: "user@example.com", Password: secret.New("good-key")})
	for range 20 {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
			resp, err := tr.RoundTrip(req)
			if err != nil || resp.StatusCode != 200 {
				t.Errorf("%v %v", resp, err)
				return
			}
			resp.Body.Close()
		})
	}
	wg.Wait()
}

// A caller waiting for the probe request gives up with its context.
func TestTransportFailPolicyWaitHonoursContext(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	tr := &Transport{Credential: Bearer{Token: secret.New("t")}, OnUnauthorized: UnauthorizedFail, AllowInsecureHTTP: true}
	go func() {
		req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
		if resp, err := tr.RoundTrip(req); err == nil {
			resp.Body.Close()
		}
	}()
	time.Sleep(20 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	if _, err := tr.RoundTrip(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
}

type trackingBody struct {
	io.Reader
	closed atomic.Bool
}

func (b *trackingBody) Close() error { b.closed.Store(true); return nil }

// Credentials never travel over plain http unless the caller opts in; the
// request body is closed on every refusal.
func TestTransportRefusesPlainHTTP(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls.Add(1) }))
	defer srv.Close()
	f := newFakeAS(t, nil)
	for name, tr := range map[string]*Transport{
		"static": {Credential: APIKey{Name: "X-API-KEY", Key: secret.New("k")}},
		"token":  {Source: &Cache{Flow: f.clientCredentials(nil)}},
	} {
		body := &trackingBody{Reader: strings.NewReader("x")}
		req, _ := http.NewRequest(http.MethodPost, srv.URL, body)
		_, err := tr.RoundTrip(req)
		if !errors.Is(err, ErrInsecureHTTP) {
			t.Errorf("%s: err = %v", name, err)
		} else if !strings.Contains(err.Error(), "WithInsecureHTTP()") {
			// Generated clients' users know the option, not the field.
			t.Errorf("%s: err = %q does not name the client option WithInsecureHTTP()", name, err)
		}
		if !body.closed.Load() {
			t.Errorf("%s: body not closed", name)
		}
	}
	if calls.Load() != 0 {
		t.Errorf("server saw %d requests", calls.Load())
	}
	if req, _, _, _ := f.counts(); req != 0 {
		t.Errorf("a token was fetched for a refused request")
	}
}

func TestTransportErrorsCloseBody(t *testing.T) {
	for name, tr := range map[string]*Transport{
		"neither": {},
		"both":    {Credential: Bearer{Token: secret.New("a")}, Source: StaticSource(&Token{AccessToken: secret.New("b")})},
		"source":  {Source: TokenSourceFunc(func(context.Context) (*Token, error) { return nil, errors.New("no token") })},
		"extra":   {Source: StaticSource(&Token{AccessToken: secret.New("b")}), ExtraTokens: []ExtraToken{{Field: "id_token", Header: "x-id-token"}}},
	} {
		body := &trackingBody{Reader: strings.NewReader("x")}
		req, _ := http.NewRequest(http.MethodPost, "https://example.invalid/", body)
		if _, err := tr.RoundTrip(req); err == nil {
			t.Errorf("%s: no error", name)
		}
		if !body.closed.Load() {
			t.Errorf("%s: body not closed", name)
		}
	}
}

// As a middleware in a chain, the next RoundTripper is the base.
func TestTransportMiddleware(t *testing.T) {
	var got atomic.Value
	base := transport.RoundTripperFunc(func(r *http.Request) (*http.Response, error) {
		got.Store(r.Header.Get("Authorization"))
		return &http.Response{StatusCode: 200, Body: http.NoBody, Request: r}, nil
	})
	a := &Transport{Credential: RawToken{Token: secret.New("ld-token")}}
	rt := transport.Chain(base, a.Middleware())
	req, _ := http.NewRequest(http.MethodGet, "https://app.launchdarkly.example/api/v2/flags", nil)
	if _, err := rt.RoundTrip(req); err != nil {
		t.Fatal(err)
	}
	if got.Load() != "ld-token" {
		t.Errorf("Authorization = %v", got.Load())
	}
}

// Following a redirect to another host, the client must not carry the
// credentials along; within the same origin it does.
func TestTransportRedirects(t *testing.T) {
	var elsewhere, home atomic.Value
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Store(r.Header.Get("X-Api-Key") + "|" + r.URL.RawQuery)
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, other.URL+"/landing", http.StatusFound)
		case "/move":
			http.Redirect(w, r, "/moved", http.StatusMovedPermanently)
		default:
			home.Store(r.Header.Get("X-Api-Key"))
		}
	}))
	defer srv.Close()
	for _, in := range []Location{InHeader, InQuery} {
		client := &http.Client{Transport: &Transport{Credential: APIKey{Name: "X-API-KEY", Key: secret.New("k"), In: in}, AllowInsecureHTTP: true}}
		resp, err := client.Get(srv.URL + "/away")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := elsewhere.Load(); got != "|" {
			t.Errorf("in %v: other host saw credentials %q", in, got)
		}
	}
	client := &http.Client{Transport: &Transport{Credential: APIKey{Name: "X-API-KEY", Key: secret.New("k")}, AllowInsecureHTTP: true}}
	resp, err := client.Get(srv.URL + "/move")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if home.Load() != "k" {
		t.Errorf("same-origin redirect lost the key: %q", home.Load())
	}
}

// A token endpoint redirect must not downgrade the credentials to http.
func TestTokenEndpointRedirectDowngrade(t *testing.T) {
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("credentials followed a redirect to http")
	}))
	defer plain.Close()
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plain.URL+"/token", http.StatusPermanentRedirect)
	}))
	defer secure.Close()
	flow := &ClientCredentials{Endpoint: Endpoint{TokenURL: secure.URL + "/token", HTTPClient: secure.Client()}, ClientID: "id", ClientSecret: secret.New("s")}
	if _, err := flow.Grant(context.Background()); !errors.Is(err, ErrInsecureHTTP) {
		t.Fatalf("err = %v", err)
	}
}

func TestTransportExtraTokenScheme(t *testing.T) {
	var got atomic.Value
	base := transport.RoundTripperFunc(func(r *http.Request) (*http.Response, error) {
		got.Store(r.Header.Get("Authorization") + "|" + r.Header.Get("X-Id-Token"))
		return &http.Response{StatusCode: 200, Body: http.NoBody, Request: r}, nil
	})
	tok := &Token{AccessToken: secret.New("acc"), TokenType: "bearer", Extra: map[string]secret.Secret{"id_token": secret.New("idt")}}
	tr := &Transport{Source: StaticSource(tok), ExtraTokens: []ExtraToken{{Field: "id_token", Header: "X-Id-Token", Scheme: "Bearer"}}, Base: base}
	req, _ := http.NewRequest(http.MethodGet, "https://api.example/me", nil)
	if _, err := tr.RoundTrip(req); err != nil {
		t.Fatal(err)
	}
	if got.Load() != "Bearer acc|Bearer idt" {
		t.Errorf("headers %v", got.Load())
	}
}

package auth

import (
	"encoding/base64"
	"encoding/json"
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

// fakeAS is an authorization server plus a protected API, faithful to the
// RFC 6749 semantics the providers use: client authentication, single-use
// rotating refresh tokens (reuse is invalid_grant, as JTL-FFN), Foxdeli's
// non-rotating 201 refresh answers, and a Bearer-checking API at /api.
type fakeAS struct {
	t *testing.T

	// Configuration, set before the first request.
	ClientID, ClientSecret string
	BodyAuth               bool              // client credentials in the body, not Basic
	JSON                   bool              // token requests are JSON, not form
	Rotate                 bool              // refresh answers rotate the refresh token
	GrantRefresh           bool              // grants return a refresh token
	ExpiresIn              any               // expires_in value; nil means 3600
	RefreshStatus          int               // status of refresh answers; 0 means 200
	RequireOnRefresh       map[string]string // params refresh requests must carry
	Users                  map[string]string // password grant: user → password
	Delay                  time.Duration     // token endpoint latency
	Extra                  map[string]string // extra fields of every token answer
	Events                 *eventLog         // "use <access>" on API calls, if set

	srv *httptest.Server

	mu          sync.Mutex
	requests    int
	grants      int
	refreshes   int
	apiCalls    int
	seq         int
	codes       map[string]string // code → PKCE challenge ("" without PKCE)
	liveRefresh map[string]bool
	seenRefresh map[string]int
	liveAccess  map[string]bool
	lastRefresh string
	lastBody    map[string]string
	lastHeader  http.Header
}

func newFakeAS(t *testing.T, configure func(*fakeAS)) *fakeAS {
	f := &fakeAS{
		t: t, ClientID: "client-1", ClientSecret: "CLIENT-SECRET-xyz",
		codes: map[string]string{}, liveRefresh: map[string]bool{}, seenRefresh: map[string]int{}, liveAccess: map[string]bool{},
	}
	if configure != nil {
		configure(f)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", f.token)
	mux.HandleFunc("/api", f.api)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAS) URL(path string) string { return f.srv.URL + path }

// addCode registers an authorization code, as the user's approval would.
func (f *fakeAS) addCode(code, challenge string) {
	f.mu.Lock()
	f.codes[code] = challenge
	f.mu.Unlock()
}

// revokeAccess makes every issued access token fail at the API.
func (f *fakeAS) revokeAccess() {
	f.mu.Lock()
	clear(f.liveAccess)
	f.mu.Unlock()
}

func (f *fakeAS) counts() (requests, grants, refreshes, api int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests, f.grants, f.refreshes, f.apiCalls
}

func (f *fakeAS) api(w http.ResponseWriter, r *http.Request) {
	at, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if r.Body != nil {
		io.Copy(io.Discard, r.Body)
	}
	f.mu.Lock()
	f.apiCalls++
	ok := f.liveAccess[at]
	f.mu.Unlock()
	if f.Events != nil {
		f.Events.add("use " + at)
	}
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		http.Error(w, `{"message":"expired"}`, http.StatusUnauthorized)
		return
	}
	fmt.Fprint(w, `{"ok":true}`)
}

func (f *fakeAS) token(w http.ResponseWriter, r *http.Request) {
	if f.Delay > 0 {
		time.Sleep(f.Delay)
	}
	params, err := f.readParams(r)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	f.lastBody, f.lastHeader = params, r.Header.Clone()
	if err != nil {
		oauthError(w, 400, "invalid_request", err.Error())
		return
	}
	if !f.clientOK(r, params) {
		oauthError(w, 401, "invalid_client", "bad client")
		return
	}
	switch gt := params["grant_type"]; gt {
	case "client_credentials":
		f.grants++
		f.issue(w, 200, f.GrantRefresh)
	case "password":
		if f.Users == nil || f.Users[params["username"]] != params["password"] || params["password"] == "" {
			oauthError(w, 403, "invalid_grant", "Wrong email or password.")
			return
		}
		f.grants++
		f.issue(w, 200, f.GrantRefresh)
	case "authorization_code":
		challenge, ok := f.codes[params["code"]]
		if !ok {
			oauthError(w, 400, "invalid_grant", "unknown code")
			return
		}
		delete(f.codes, params["code"])
		if challenge != "" && !pkceOK(challenge, params["code_verifier"]) {
			oauthError(w, 400, "invalid_grant", "PKCE verification failed")
			return
		}
		f.grants++
		f.issue(w, 200, true)
	case "refresh_token":
		rt := params["refresh_token"]
		f.seenRefresh[rt]++
		if f.seenRefresh[rt] > 1 && f.Rotate {
			f.t.Errorf("fake: refresh token %q presented %d times", rt, f.seenRefresh[rt])
		}
		if !f.liveRefresh[rt] {
			oauthError(w, 400, "invalid_grant", "refresh token is invalid or was already used")
			return
		}
		for k, v := range f.RequireOnRefresh {
			if params[k] != v {
				oauthError(w, 400, "invalid_request", "missing "+k)
				return
			}
		}
		if f.Rotate {
			delete(f.liveRefresh, rt)
		}
		f.refreshes++
		status := f.RefreshStatus
		if status == 0 {
			status = 200
		}
		f.issue(w, status, f.Rotate)
	default:
		oauthError(w, 400, "unsupported_grant_type", gt)
	}
}

// issue answers with a new access token (and refresh token). f.mu is held.
func (f *fakeAS) issue(w http.ResponseWriter, status int, withRefresh bool) {
	f.seq++
	at := fmt.Sprintf("at-%d", f.seq)
	f.liveAccess[at] = true
	body := map[string]any{"access_token": at, "token_type": "bearer"}
	if f.ExpiresIn != nil {
		body["expires_in"] = f.ExpiresIn
	} else {
		body["expires_in"] = 3600
	}
	if withRefresh {
		rt := fmt.Sprintf("rt-%d", f.seq)
		f.liveRefresh[rt] = true
		f.lastRefresh = rt
		body["refresh_token"] = rt
	}
	for k, v := range f.Extra {
		body[k] = v + "-" + at
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

func (f *fakeAS) readParams(r *http.Request) (map[string]string, error) {
	out := map[string]string{}
	ct := r.Header.Get("Content-Type")
	if f.JSON {
		if ct != "application/json" {
			return nil, fmt.Errorf("want JSON, got %q", ct)
		}
		if err := json.NewDecoder(r.Body).Decode(&out); err != nil {
			return nil, err
		}
		return out, nil
	}
	if ct != "application/x-www-form-urlencoded" {
		return nil, fmt.Errorf("want form, got %q", ct)
	}
	if err := r.ParseForm(); err != nil {
		return nil, err
	}
	for k := range r.PostForm {
		out[k] = r.PostForm.Get(k)
	}
	return out, nil
}

func (f *fakeAS) clientOK(r *http.Request, params map[string]string) bool {
	if f.BodyAuth {
		return params["client_id"] == f.ClientID && params["client_secret"] == f.ClientSecret && r.Header.Get("Authorization") == ""
	}
	user, pass, ok := r.BasicAuth()
	if !ok {
		return false
	}
	user, _ = url.QueryUnescape(user)
	pass, _ = url.QueryUnescape(pass)
	_, inBody := params["client_secret"]
	return user == f.ClientID && pass == f.ClientSecret && !inBody
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

func pkceOK(challenge, verifier string) bool {
	return verifier != "" && s256(verifier) == challenge
}

// endpoint returns an Endpoint for the fake, on plain loopback http.
func (f *fakeAS) endpoint(clk clock.Clock) Endpoint {
	e := Endpoint{TokenURL: f.URL("/token"), AllowInsecureHTTP: true, Clock: clk}
	if f.JSON {
		e.Format = JSONBody
	}
	if f.BodyAuth {
		e.AuthStyle = AuthStyleInBody
	}
	return e
}

func (f *fakeAS) clientCredentials(clk clock.Clock) *ClientCredentials {
	return &ClientCredentials{Endpoint: f.endpoint(clk), ClientID: f.ClientID, ClientSecret: secret.New(f.ClientSecret)}
}

func (f *fakeAS) authCode(clk clock.Clock) *AuthorizationCode {
	return &AuthorizationCode{
		Endpoint: f.endpoint(clk), AuthURL: f.URL("/authorize"),
		ClientID: f.ClientID, ClientSecret: secret.New(f.ClientSecret), RedirectURL: "https://app.example/cb",
	}
}

// get calls the fake API through rt.
func (f *fakeAS) get(t *testing.T, rt http.RoundTripper) (int, error) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, f.URL("/api"), nil)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// eventLog records an ordering across the store, the hooks and the fake.
type eventLog struct {
	mu     sync.Mutex
	events []string
}

func (l *eventLog) add(e string) {
	l.mu.Lock()
	l.events = append(l.events, e)
	l.mu.Unlock()
}

func (l *eventLog) list() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.events...)
}

func basicHeader(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

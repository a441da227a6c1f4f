package auth

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/apigen-go/apigen/runtime/secret"
)

// A token endpoint that redirects to another host must not get the
// request's credentials resent there: every flow fails with
// ErrRedirectRefused and the other host sees nothing.
func TestTokenEndpointRedirectToOtherHostRefused(t *testing.T) {
	var stolen atomic.Int32
	var leaked atomic.Value
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stolen.Add(1)
		b, _ := io.ReadAll(r.Body)
		leaked.Store(r.Header.Get("Authorization") + " " + string(b))
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"attacker-token","token_type":"Bearer"}`)
	}))
	defer other.Close()
	for _, code := range []int{http.StatusTemporaryRedirect, http.StatusPermanentRedirect, http.StatusFound} {
		tokenSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+"/token", code)
		}))
		ep := Endpoint{TokenURL: tokenSrv.URL + "/token", AllowInsecureHTTP: true}
		ctx := context.Background()
		flows := map[string]func() (*Token, error){
			"client credentials": func() (*Token, error) {
				return (&ClientCredentials{Endpoint: ep, ClientID: "id", ClientSecret: secret.New("client-secret-1")}).Grant(ctx)
			},
			"client credentials in body": func() (*Token, error) {
				e := ep
				e.AuthStyle = AuthStyleInBody
				return (&ClientCredentials{Endpoint: e, ClientID: "id", ClientSecret: secret.New("client-secret-1")}).Grant(ctx)
			},
			"password": func() (*Token, error) {
				return (&PasswordGrant{Endpoint: ep, ClientID: "id", ClientSecret: secret.New("client-secret-1"), Username: "u", Password: secret.New("pass-word-1")}).Grant(ctx)
			},
			"jsonLogin": func() (*Token, error) {
				return (&JSONLogin{Endpoint: ep, Login: "u", Password: secret.New("pass-word-1")}).Grant(ctx)
			},
			"jsonLogin refresh": func() (*Token, error) {
				return (&JSONLogin{Endpoint: ep}).Refresh(ctx, secret.New("refresh-token-1"))
			},
			"refresh": func() (*Token, error) {
				return (&ClientCredentials{Endpoint: ep, ClientID: "id", ClientSecret: secret.New("client-secret-1")}).Refresh(ctx, secret.New("refresh-token-1"))
			},
			"authorization code exchange": func() (*Token, error) {
				return (&AuthorizationCode{Endpoint: ep, ClientID: "id", ClientSecret: secret.New("client-secret-1")}).Exchange(ctx, "auth-code-1")
			},
			"authorization code refresh": func() (*Token, error) {
				return (&AuthorizationCode{Endpoint: ep, ClientID: "id", ClientSecret: secret.New("client-secret-1")}).Refresh(ctx, secret.New("refresh-token-1"))
			},
		}
		for name, grant := range flows {
			tok, err := grant()
			if !errors.Is(err, ErrRedirectRefused) {
				t.Errorf("%d %s: got token %v, err %v; want ErrRedirectRefused", code, name, tok, err)
			}
			if err != nil && strings.Contains(err.Error(), "secret-1") {
				t.Errorf("%s: error shows a secret: %v", name, err)
			}
			if n := stolen.Load(); n != 0 {
				t.Fatalf("%d %s: the other host received %d requests: %v", code, name, n, leaked.Load())
			}
		}
		tokenSrv.Close()
	}
}

// A redirect that stays on the token endpoint's host is still followed.
func TestTokenEndpointRedirectSameHostFollowed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old" {
			http.Redirect(w, r, "/token", http.StatusPermanentRedirect)
			return
		}
		if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"good","token_type":"Bearer"}`)
	}))
	defer srv.Close()
	cc := &ClientCredentials{Endpoint: Endpoint{TokenURL: srv.URL + "/old", AllowInsecureHTTP: true}, ClientID: "id", ClientSecret: secret.New("s")}
	tok, err := cc.Grant(context.Background())
	if err != nil || tok.AccessToken.Reveal() != "good" {
		t.Fatalf("got %v, %v", tok, err)
	}
}

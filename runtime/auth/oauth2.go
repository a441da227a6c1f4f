package auth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"maps"
	"net/url"
	"strings"

	"golang.org/x/oauth2"

	"github.com/apigen-go/apigen/runtime/secret"
)

// ClientCredentials is the OAuth2 client credentials grant (RFC 6749 §4.4),
// standard or in a provider's own shape: BOX NOW posts
// {"client_id","client_secret"} as JSON to /auth-sessions, which is
// Endpoint{Format: JSONBody, AuthStyle: AuthStyleInBody, OmitGrantType: true}.
type ClientCredentials struct {
	Endpoint
	ClientID     string
	ClientSecret secret.Secret
	// Scopes are sent space-separated in "scope" when not empty.
	Scopes []string
}

// Grant implements Flow.
func (c *ClientCredentials) Grant(ctx context.Context) (*Token, error) {
	return c.call(ctx, tokenCall{
		url:       c.TokenURL,
		grantType: "client_credentials",
		fields:    scopeField(c.Scopes),
		clientID:  c.ClientID,
		clientSec: c.ClientSecret,
	})
}

// Refresh implements Flow, for the servers that do issue refresh tokens to
// this grant.
func (c *ClientCredentials) Refresh(ctx context.Context, rt secret.Secret) (*Token, error) {
	return c.refresh(ctx, rt, c.ClientID, c.ClientSecret, nil)
}

// AuthorizationCode is the OAuth2 authorization code grant (RFC 6749 §4.1)
// with refresh, as JTL-FFN and Foxdeli use it: the user approves once in a
// browser, then refresh tokens keep the client going. Send the user to
// AuthCodeURL, pass the code from the callback to Exchange, and hand the
// token to Cache.SetToken.
type AuthorizationCode struct {
	Endpoint
	// AuthURL is the authorization endpoint the user's browser visits.
	AuthURL      string
	ClientID     string
	ClientSecret secret.Secret
	// RedirectURL must match the registered callback exactly.
	RedirectURL string
	Scopes      []string
	// ScopeOnTokenRequests also sends Scopes as "scope" in the code
	// exchange and every refresh, for providers that require it there
	// (Foxdeli): the token then carries exactly the scopes authorised.
	ScopeOnTokenRequests bool
}

// scopeField is the "scope" field of token requests, when they carry one.
func (a *AuthorizationCode) scopeField() map[string]string {
	if !a.ScopeOnTokenRequests || len(a.Scopes) == 0 {
		return nil
	}
	return map[string]string{"scope": strings.Join(a.Scopes, " ")}
}

// AuthCodeOption adds a parameter to AuthCodeURL or Exchange.
type AuthCodeOption func(url.Values)

// SetAuthURLParam sets any parameter, e.g. "prompt" or "access_type".
func SetAuthURLParam(key, value string) AuthCodeOption {
	return func(v url.Values) { v.Set(key, value) }
}

// GenerateVerifier returns a fresh PKCE code verifier (RFC 7636): keep it
// with the state between AuthCodeURL and Exchange.
func GenerateVerifier() string { return oauth2.GenerateVerifier() }

// S256ChallengeOption adds the PKCE challenge for verifier to AuthCodeURL.
func S256ChallengeOption(verifier string) AuthCodeOption {
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])
	return func(v url.Values) {
		v.Set("code_challenge_method", "S256")
		v.Set("code_challenge", challenge)
	}
}

// VerifierOption sends the PKCE verifier with Exchange.
func VerifierOption(verifier string) AuthCodeOption {
	return SetAuthURLParam("code_verifier", verifier)
}

// AuthCodeURL returns the URL to send the user to. state protects the
// callback against CSRF: check that it comes back unchanged.
func (a *AuthorizationCode) AuthCodeURL(state string, opts ...AuthCodeOption) string {
	v := url.Values{"response_type": {"code"}, "client_id": {a.ClientID}}
	if a.RedirectURL != "" {
		v.Set("redirect_uri", a.RedirectURL)
	}
	if len(a.Scopes) > 0 {
		v.Set("scope", strings.Join(a.Scopes, " "))
	}
	if state != "" {
		v.Set("state", state)
	}
	for _, o := range opts {
		o(v)
	}
	sep := "?"
	if strings.Contains(a.AuthURL, "?") {
		sep = "&"
	}
	return a.AuthURL + sep + v.Encode()
}

// Exchange trades the authorization code from the callback for a token.
func (a *AuthorizationCode) Exchange(ctx context.Context, code string, opts ...AuthCodeOption) (*Token, error) {
	extra := url.Values{}
	for _, o := range opts {
		o(extra)
	}
	secrets := map[string]secret.Secret{"code": secret.New(code)}
	for k := range extra {
		secrets[k] = secret.New(extra.Get(k))
	}
	fields := map[string]string{}
	if a.RedirectURL != "" {
		fields["redirect_uri"] = a.RedirectURL
	}
	maps.Copy(fields, a.scopeField())
	return a.call(ctx, tokenCall{
		url:       a.TokenURL,
		grantType: "authorization_code",
		fields:    fields,
		secrets:   secrets,
		clientID:  a.ClientID,
		clientSec: a.ClientSecret,
	})
}

// Grant implements Flow: without a refresh token only the user can help.
func (a *AuthorizationCode) Grant(context.Context) (*Token, error) {
	return nil, ErrAuthorizationRequired
}

// Refresh implements Flow.
func (a *AuthorizationCode) Refresh(ctx context.Context, rt secret.Secret) (*Token, error) {
	return a.refresh(ctx, rt, a.ClientID, a.ClientSecret, a.scopeField())
}

// PasswordGrant is the OAuth2 resource owner password grant (RFC 6749
// §4.3), e.g. xSale on Auth0: JSON body, client credentials in the body,
// Params{"audience": ...}, and Response.Extra = []string{"id_token"} so
// that the id token is cached with the access token.
type PasswordGrant struct {
	Endpoint
	ClientID     string
	ClientSecret secret.Secret
	Username     string
	Password     secret.Secret
	Scopes       []string
}

// Grant implements Flow.
func (p *PasswordGrant) Grant(ctx context.Context) (*Token, error) {
	fields := scopeField(p.Scopes)
	if fields == nil {
		fields = map[string]string{}
	}
	fields[or(p.Request.Username, "username")] = p.Username
	return p.call(ctx, tokenCall{
		url:       p.TokenURL,
		grantType: "password",
		fields:    fields,
		secrets:   map[string]secret.Secret{or(p.Request.Password, "password"): p.Password},
		clientID:  p.ClientID,
		clientSec: p.ClientSecret,
	})
}

// Refresh implements Flow.
func (p *PasswordGrant) Refresh(ctx context.Context, rt secret.Secret) (*Token, error) {
	return p.refresh(ctx, rt, p.ClientID, p.ClientSecret, nil)
}

func scopeField(scopes []string) map[string]string {
	if len(scopes) == 0 {
		return nil
	}
	return map[string]string{"scope": strings.Join(scopes, " ")}
}

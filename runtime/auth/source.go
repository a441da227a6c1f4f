package auth

import (
	"context"
	"errors"

	"golang.org/x/oauth2"

	"github.com/apigen-go/apigen/runtime/secret"
)

// TokenSource supplies the token for the next request. Implementations must
// be safe for concurrent use; the context bounds any network I/O.
type TokenSource interface {
	Token(ctx context.Context) (*Token, error)
}

// TokenInvalidator is implemented by token sources that cache, such as
// *Cache. Transport calls InvalidateToken with the token a 401 rejected, so
// that the next Token call fetches a new one.
type TokenInvalidator interface {
	InvalidateToken(rejected *Token)
}

// TokenSourceFunc adapts a function to TokenSource.
type TokenSourceFunc func(ctx context.Context) (*Token, error)

// Token implements TokenSource.
func (f TokenSourceFunc) Token(ctx context.Context) (*Token, error) { return f(ctx) }

// StaticSource always returns t: for a token obtained elsewhere that the
// caller renews itself.
func StaticSource(t *Token) TokenSource {
	return TokenSourceFunc(func(context.Context) (*Token, error) {
		if t == nil || t.AccessToken.IsZero() {
			return nil, errors.New("auth: static token is empty")
		}
		return t, nil
	})
}

// FromOAuth2 adapts an oauth2.TokenSource. Its Token method takes no
// context, so ctx cannot cancel it. extraKeys names response fields (such as
// "id_token") to copy into Token.Extra.
func FromOAuth2(ts oauth2.TokenSource, extraKeys ...string) TokenSource {
	return TokenSourceFunc(func(context.Context) (*Token, error) {
		t, err := ts.Token()
		if err != nil {
			return nil, err
		}
		return TokenFromOAuth2(t, extraKeys...), nil
	})
}

// ToOAuth2 adapts ts to an oauth2.TokenSource whose calls use ctx. Extra
// tokens are not carried over: oauth2.Token cannot hold them.
func ToOAuth2(ctx context.Context, ts TokenSource) oauth2.TokenSource {
	return oauth2TokenSource{ctx: ctx, ts: ts}
}

type oauth2TokenSource struct {
	ctx context.Context
	ts  TokenSource
}

func (s oauth2TokenSource) Token() (*oauth2.Token, error) {
	t, err := s.ts.Token(s.ctx)
	if err != nil {
		return nil, err
	}
	return t.OAuth2(), nil
}

// OAuth2 converts t to an oauth2.Token, revealing its secrets.
func (t *Token) OAuth2() *oauth2.Token {
	return &oauth2.Token{
		AccessToken:  t.AccessToken.Reveal(),
		TokenType:    t.TokenType,
		RefreshToken: t.RefreshToken.Reveal(),
		Expiry:       t.Expiry,
	}
}

// TokenFromOAuth2 converts an oauth2.Token, copying the named extra fields
// that are strings (oauth2.Token cannot list its extras).
func TokenFromOAuth2(t *oauth2.Token, extraKeys ...string) *Token {
	if t == nil {
		return nil
	}
	out := &Token{
		AccessToken:  secret.New(t.AccessToken),
		TokenType:    t.TokenType,
		RefreshToken: secret.New(t.RefreshToken),
		Expiry:       t.Expiry,
	}
	for _, k := range extraKeys {
		if v, ok := t.Extra(k).(string); ok && v != "" {
			if out.Extra == nil {
				out.Extra = map[string]secret.Secret{}
			}
			out.Extra[k] = secret.New(v)
		}
	}
	return out
}

package auth

import (
	"maps"
	"strings"
	"time"

	"github.com/apigen-go/apigen/runtime/secret"
)

// Token is what a token endpoint returned. Tokens handed out by a Cache are
// shared between goroutines and must not be modified; use Clone first.
type Token struct {
	// AccessToken is sent with every API request.
	AccessToken secret.Secret
	// TokenType is the scheme word as the server wrote it ("Bearer",
	// "bearer"); Type normalises it.
	TokenType string
	// RefreshToken, when set, obtains the next token without the user.
	RefreshToken secret.Secret
	// Expiry is when the access token stops working; zero means the server
	// did not say, and the token is used until the API rejects it.
	Expiry time.Time
	// Extra holds further tokens returned with the access token that callers
	// need too, keyed by response field: xSale's "id_token", for example.
	Extra map[string]secret.Secret
}

// Valid reports whether t can still be used at now, counting it expired
// skew early so that a request does not reach the server just after the
// token lapsed.
func (t *Token) Valid(now time.Time, skew time.Duration) bool {
	if t == nil || t.AccessToken.IsZero() {
		return false
	}
	if t.Expiry.IsZero() {
		return true
	}
	return now.Add(max(skew, 0)).Before(t.Expiry)
}

// Type returns the scheme word to send: "Bearer" for an empty or any-case
// "bearer" type (servers write "bearer", RFC 6750 resource servers expect
// "Bearer"), else TokenType unchanged.
func (t *Token) Type() string {
	if t.TokenType == "" || strings.EqualFold(t.TokenType, "bearer") {
		return "Bearer"
	}
	return t.TokenType
}

// Clone returns a copy of t that shares nothing with it.
func (t *Token) Clone() *Token {
	if t == nil {
		return nil
	}
	c := *t
	c.Extra = maps.Clone(t.Extra)
	return &c
}

// sameAccess reports whether a and b carry the same access token: the
// identity a Cache uses to tell a rejected token from its successor.
func sameAccess(a, b *Token) bool {
	return a != nil && b != nil && a.AccessToken.Reveal() == b.AccessToken.Reveal()
}

package auth

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/apigen-go/apigen/runtime/clock"
	"github.com/apigen-go/apigen/runtime/secret"
)

// SignedJWT signs a fresh, short-lived HS256 JWT for every request, as the
// PDF Generator API requires: iss = API key, sub = workspace, exp = now +
// TTL, plus iat = now and a random jti, signed with the API secret, sent as "Authorization: Bearer <jwt>".
// Signing per call (and per retry) means an expired token can never be
// replayed. It is both a Credential and a TokenSource; do not wrap it in a
// Cache.
type SignedJWT struct {
	// APIKey goes into "iss".
	APIKey secret.Secret
	// Secret is the HMAC-SHA256 key.
	Secret secret.Secret
	// Subject goes into "sub": the workspace identifier (for the master
	// workspace, the e-mail address of the account).
	Subject string
	// TTL is how long each token lives; zero means 60 s. Keep it short:
	// the provider asks for "a matter of seconds".
	TTL time.Duration
	// Clock sets exp; nil means the wall clock.
	Clock clock.Clock
}

var (
	_ Credential  = (*SignedJWT)(nil)
	_ TokenSource = (*SignedJWT)(nil)
)

const defaultJWTTTL = 60 * time.Second

// Token implements TokenSource with a newly signed token.
func (s *SignedJWT) Token(context.Context) (*Token, error) {
	if s.APIKey.IsZero() || s.Secret.IsZero() || s.Subject == "" {
		return nil, errors.New("auth: signed JWT needs APIKey, Secret and Subject")
	}
	ttl := s.TTL
	if ttl <= 0 {
		ttl = defaultJWTTTL
	}
	now := clock.Or(s.Clock).Now()
	exp := now.Add(ttl)
	// A random jti makes every token unique, even two signed in the same
	// second: a provider that refuses replays would refuse the second.
	claims := jwt.RegisteredClaims{
		Issuer:    s.APIKey.Reveal(),
		Subject:   s.Subject,
		ExpiresAt: jwt.NewNumericDate(exp),
		IssuedAt:  jwt.NewNumericDate(now),
		ID:        rand.Text(),
	}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(s.Secret.Reveal()))
	if err != nil {
		return nil, fmt.Errorf("auth: sign JWT: %w", err)
	}
	return &Token{AccessToken: secret.New(signed), TokenType: "Bearer", Expiry: exp}, nil
}

// Apply implements Credential.
func (s *SignedJWT) Apply(req *http.Request) error {
	t, err := s.Token(req.Context())
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+t.AccessToken.Reveal())
	return nil
}

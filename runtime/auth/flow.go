package auth

import (
	"context"

	"github.com/apigen-go/apigen/runtime/secret"
)

// Flow obtains tokens from an authorization server. A Cache drives it;
// flows themselves keep no state and may be called concurrently.
type Flow interface {
	// Grant obtains a new token from the flow's own credentials. Flows that
	// need the user (authorization code) return ErrAuthorizationRequired.
	Grant(ctx context.Context) (*Token, error)
	// Refresh spends refreshToken for a new token. The result's
	// RefreshToken is empty when the server did not rotate it.
	Refresh(ctx context.Context, refreshToken secret.Secret) (*Token, error)
}

var (
	_ Flow = (*ClientCredentials)(nil)
	_ Flow = (*AuthorizationCode)(nil)
	_ Flow = (*PasswordGrant)(nil)
	_ Flow = (*JSONLogin)(nil)
)

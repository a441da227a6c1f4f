package auth

import (
	"context"

	"github.com/apigen-go/apigen/runtime/secret"
)

// JSONLogin is a provider's own login API that returns OAuth2-shaped
// tokens, as Petrosoft's: POST TokenURL {"login","password"} for tokens,
// POST RefreshURL {"refresh_token"} for new ones. Bodies are always JSON
// without grant_type; field names come from Endpoint.Request and
// Endpoint.Response ("login" by default for the user name).
type JSONLogin struct {
	Endpoint
	Login    string
	Password secret.Secret
}

// Grant implements Flow.
func (j *JSONLogin) Grant(ctx context.Context) (*Token, error) {
	e := j.endpoint()
	return e.call(ctx, tokenCall{
		url:     e.TokenURL,
		fields:  map[string]string{or(e.Request.Username, "login"): j.Login},
		secrets: map[string]secret.Secret{or(e.Request.Password, "password"): j.Password},
	})
}

// Refresh implements Flow.
func (j *JSONLogin) Refresh(ctx context.Context, rt secret.Secret) (*Token, error) {
	e := j.endpoint()
	return e.refresh(ctx, rt, "", secret.Secret{}, nil)
}

func (j *JSONLogin) endpoint() *Endpoint {
	e := j.Endpoint
	e.Format = JSONBody
	e.OmitGrantType = true
	return &e
}

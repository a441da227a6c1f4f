package auth

import (
	"time"

	"github.com/apigen-go/apigen/runtime/secret"
)

// StoredToken is the layout token stores write (FileStore, the Redis
// store). Secrets are written through Reveal on purpose: secret.Secret
// marshals as "[REDACTED]".
type StoredToken struct {
	AccessToken  string            `json:"access_token"`
	TokenType    string            `json:"token_type,omitempty"`
	RefreshToken string            `json:"refresh_token,omitempty"`
	Expiry       *time.Time        `json:"expiry,omitempty"`
	Extra        map[string]string `json:"extra,omitempty"`
}

// NewStoredToken returns the stored form of t.
func NewStoredToken(t *Token) *StoredToken {
	st := &StoredToken{
		AccessToken:  t.AccessToken.Reveal(),
		TokenType:    t.TokenType,
		RefreshToken: t.RefreshToken.Reveal(),
	}
	if !t.Expiry.IsZero() {
		e := t.Expiry
		st.Expiry = &e
	}
	if len(t.Extra) > 0 {
		st.Extra = make(map[string]string, len(t.Extra))
		for k, v := range t.Extra {
			st.Extra[k] = v.Reveal()
		}
	}
	return st
}

// Token returns the token st stores.
func (st *StoredToken) Token() *Token {
	t := &Token{
		AccessToken:  secret.New(st.AccessToken),
		TokenType:    st.TokenType,
		RefreshToken: secret.New(st.RefreshToken),
	}
	if st.Expiry != nil {
		t.Expiry = *st.Expiry
	}
	if len(st.Extra) > 0 {
		t.Extra = make(map[string]secret.Secret, len(st.Extra))
		for k, v := range st.Extra {
			t.Extra[k] = secret.New(v)
		}
	}
	return t
}

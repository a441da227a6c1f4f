package auth

import (
	"fmt"
	"io"
	"strings"
)

// The types below hold secrets and implement fmt.Formatter for one reason:
// when fmt meets a verb that does not fit a value (%s or %d on a pointer,
// say), it prints that value's innards raw with every method switched off,
// secret.Secret's redaction included. Each Format therefore prints the
// type's fields through a method-less copy with %v, %+v or %#v, whatever
// verb was asked for, so that the bad-verb path is never taken.

type (
	tokenFields             Token
	clientCredentialsFields ClientCredentials
	authorizationCodeFields AuthorizationCode
	passwordGrantFields     PasswordGrant
	jsonLoginFields         JSONLogin
	signedJWTFields         SignedJWT
	mtlsFields              MTLS
	basicFields             Basic
	bearerFields            Bearer
	apiKeyFields            APIKey
	rawTokenFields          RawToken
)

// Format implements fmt.Formatter; secrets print as "[REDACTED]".
func (t *Token) Format(f fmt.State, verb rune) {
	formatFields(f, verb, "&auth.Token", t == nil, (*tokenFields)(t))
}

// Format implements fmt.Formatter; secrets print as "[REDACTED]".
func (c *ClientCredentials) Format(f fmt.State, verb rune) {
	formatFields(f, verb, "&auth.ClientCredentials", c == nil, (*clientCredentialsFields)(c))
}

// Format implements fmt.Formatter; secrets print as "[REDACTED]".
func (a *AuthorizationCode) Format(f fmt.State, verb rune) {
	formatFields(f, verb, "&auth.AuthorizationCode", a == nil, (*authorizationCodeFields)(a))
}

// Format implements fmt.Formatter; secrets print as "[REDACTED]".
func (p *PasswordGrant) Format(f fmt.State, verb rune) {
	formatFields(f, verb, "&auth.PasswordGrant", p == nil, (*passwordGrantFields)(p))
}

// Format implements fmt.Formatter; secrets print as "[REDACTED]".
func (j *JSONLogin) Format(f fmt.State, verb rune) {
	formatFields(f, verb, "&auth.JSONLogin", j == nil, (*jsonLoginFields)(j))
}

// Format implements fmt.Formatter; secrets print as "[REDACTED]".
func (s *SignedJWT) Format(f fmt.State, verb rune) {
	formatFields(f, verb, "&auth.SignedJWT", s == nil, (*signedJWTFields)(s))
}

// Format implements fmt.Formatter; secrets print as "[REDACTED]".
func (m *MTLS) Format(f fmt.State, verb rune) {
	formatFields(f, verb, "&auth.MTLS", m == nil, (*mtlsFields)(m))
}

// Format implements fmt.Formatter; secrets print as "[REDACTED]".
func (b Basic) Format(f fmt.State, verb rune) {
	formatFields(f, verb, "auth.Basic", false, basicFields(b))
}

// Format implements fmt.Formatter; secrets print as "[REDACTED]".
func (b Bearer) Format(f fmt.State, verb rune) {
	formatFields(f, verb, "auth.Bearer", false, bearerFields(b))
}

// Format implements fmt.Formatter; secrets print as "[REDACTED]".
func (k APIKey) Format(f fmt.State, verb rune) {
	formatFields(f, verb, "auth.APIKey", false, apiKeyFields(k))
}

// Format implements fmt.Formatter; secrets print as "[REDACTED]".
func (r RawToken) Format(f fmt.State, verb rune) {
	formatFields(f, verb, "auth.RawToken", false, rawTokenFields(r))
}

// formatFields prints fields (a method-less copy of a value of type
// typeName) with %v, %+v or %#v.
func formatFields(f fmt.State, verb rune, typeName string, isNil bool, fields any) {
	if isNil {
		if verb == 'v' && f.Flag('#') {
			io.WriteString(f, "(*"+strings.TrimPrefix(typeName, "&")+")(nil)")
		} else {
			io.WriteString(f, "<nil>")
		}
		return
	}
	switch {
	case verb == 'v' && f.Flag('#'):
		s := fmt.Sprintf("%#v", fields)
		if i := strings.IndexByte(s, '{'); i >= 0 {
			s = typeName + s[i:] // name the real type, not the copy
		}
		io.WriteString(f, s)
	case f.Flag('+'):
		fmt.Fprintf(f, "%+v", fields)
	default:
		fmt.Fprintf(f, "%v", fields)
	}
}

package auth

import (
	"errors"
	"fmt"
	"net/http"
)

var (
	// ErrCredentialsRejected means the API answered 401 to credentials whose
	// provider locks out repeated failures (Transport.OnUnauthorized is
	// UnauthorizedFail). Every later call with the same credentials fails
	// with it too, without being sent, until new ones are supplied.
	ErrCredentialsRejected error = permanentError("auth: credentials rejected")

	// ErrInsecureHTTP means credentials were about to travel over plain
	// http:// and AllowInsecureHTTP was not set. Nothing was sent.
	ErrInsecureHTTP error = permanentError("auth: refusing to send credentials over plain http")

	// ErrAuthorizationRequired means no usable token is left and the flow
	// cannot get one without the user: run the authorization code flow
	// again (AuthCodeURL, Exchange, Cache.SetToken).
	ErrAuthorizationRequired = errors.New("auth: user authorization required")

	// ErrRefreshTokenLost means the stored refresh token may have been spent
	// by a process that stopped before it saved the token it got back (see
	// Lease.MarkSpending). Sending it again would be a reuse, which makes
	// providers with rotating refresh tokens revoke the whole family, so
	// the user has to authorize again (Cache.SetToken with a new token
	// clears it). errors.Is(err, ErrAuthorizationRequired) holds as well.
	ErrRefreshTokenLost = fmt.Errorf("%w: the refresh token may have been spent by a process that stopped before saving its successor", ErrAuthorizationRequired)

	// ErrInvalidGrant matches a RetrieveError whose RFC 6749 error code is
	// "invalid_grant": the refresh token, code or password was refused.
	ErrInvalidGrant = errors.New("auth: invalid_grant")

	// ErrConflict is returned by TokenStore.Save when the stored token
	// changed since the version the caller passed was loaded.
	ErrConflict = errors.New("auth: token store conflict")

	// ErrTokenResponse means the token endpoint answered success with a
	// body that holds no access token (or does not parse): asking again
	// would get the same answer, so it is not retried.
	ErrTokenResponse error = permanentError("auth: unusable token response")

	// ErrNotFound is returned by TokenStore.Load when nothing is stored.
	ErrNotFound = errors.New("auth: no token stored")
)

// RetrieveError is a token endpoint's refusal. It keeps the RFC 6749 §5.2
// fields and the body, with every secret the request carried replaced by
// "[REDACTED]": servers do echo refresh tokens and passwords in their
// error descriptions.
type RetrieveError struct {
	// URL is the token endpoint, without query.
	URL string
	// StatusCode is the HTTP status (2xx when the body carried an "error").
	StatusCode int
	// ErrorCode is the RFC 6749 "error" field, e.g. "invalid_grant".
	ErrorCode string
	// ErrorDescription is "error_description", or a "message" field when
	// the server uses its own envelope (Petrosoft's 500s).
	ErrorDescription string
	// ErrorURI is "error_uri".
	ErrorURI string
	// Body is the response body, redacted and cut to 2 KiB.
	Body []byte
}

// Retryable reports whether sending the request again may succeed: not
// when the token endpoint refused it (4xx other than 408, 425 and 429, or
// an error code in a 2xx body). Retrying a refused password or client secret
// only spends the provider's token budget (xSale) or counts toward a
// lockout.
func (e *RetrieveError) Retryable() bool {
	switch {
	case e.StatusCode == http.StatusRequestTimeout, e.StatusCode == http.StatusTooEarly, e.StatusCode == http.StatusTooManyRequests:
		return true
	case e.StatusCode < 300, e.StatusCode >= 400 && e.StatusCode < 500:
		return false
	}
	return true
}

func (e *RetrieveError) Error() string {
	msg := fmt.Sprintf("auth: token endpoint %s answered %d %s", e.URL, e.StatusCode, http.StatusText(e.StatusCode))
	if e.ErrorCode != "" {
		msg += ": " + e.ErrorCode
	}
	if e.ErrorDescription != "" {
		msg += ": " + e.ErrorDescription
	}
	return msg
}

// Is makes errors.Is(err, ErrInvalidGrant) work.
func (e *RetrieveError) Is(target error) bool {
	return target == ErrInvalidGrant && e.ErrorCode == "invalid_grant"
}

// RejectedError is returned instead of a 401 response under
// UnauthorizedFail, and for every call refused afterwards. It matches
// ErrCredentialsRejected with errors.Is.
type RejectedError struct {
	// StatusCode and Status are those of the response that rejected the
	// credentials.
	StatusCode int
	Status     string
	// Sent is false when the call was refused locally because the same
	// credentials had been rejected before.
	Sent bool
}

func (e *RejectedError) Error() string {
	if e.Sent {
		return fmt.Sprintf("auth: credentials rejected (%s); fix them before the provider locks this client out", e.Status)
	}
	return fmt.Sprintf("auth: credentials were rejected earlier (%s); not sent again until new credentials are supplied", e.Status)
}

// Unwrap returns ErrCredentialsRejected.
func (e *RejectedError) Unwrap() error { return ErrCredentialsRejected }

// permanentError is an error that no retry can cure; it tells the retry
// middleware so through Retryable.
type permanentError string

func (e permanentError) Error() string { return string(e) }

// Retryable reports false: sending again would fail the same way.
func (permanentError) Retryable() bool { return false }

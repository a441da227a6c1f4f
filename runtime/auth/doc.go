// Package auth applies credentials to the requests of generated clients:
// static schemes (Basic, Bearer, API keys, raw tokens), OAuth2-style token
// flows with caching, refresh and persistence, per-request signed JWTs and
// mutual TLS.
//
// The pieces compose:
//
//   - A Flow (ClientCredentials, AuthorizationCode, Password, JSONLogin)
//     talks to a token endpoint.
//   - A Cache drives a Flow: it reuses a token until shortly before it
//     expires, lets exactly one fetch run at a time, persists every new token
//     to a TokenStore before handing it out, and forgets a token the API
//     rejected.
//   - A Transport puts a Credential or a TokenSource on every request and
//     decides what a 401 means: one refresh and one replay, or, for
//     providers that lock out repeated failures, ErrCredentialsRejected and
//     no further request until new credentials are supplied.
//
// Every credential is held as a secret.Secret, so configs, tokens and errors
// can be printed and logged without leaking them.
package auth

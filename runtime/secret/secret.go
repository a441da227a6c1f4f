// Package secret holds credentials so that they cannot leak by accident.
//
// A Secret prints as "[REDACTED]" through fmt (every verb), slog and
// encoding/json. Code that must send or persist the real value calls Reveal
// explicitly, which keeps every such place easy to find in review.
package secret

import (
	"fmt"
	"log/slog"
)

// Redacted is what a Secret shows instead of its value.
const Redacted = "[REDACTED]"

// Secret is a credential: a password, API key, token or private key.
// The zero value is the empty secret.
//
// The value sits behind a *string, so that even where fmt cannot call
// the methods below (a Secret inside an unexported struct field) it
// prints an address, never the value: fmt dereferences pointers to
// structs, slices and maps, not pointers to strings.
type Secret struct{ p *string }

// New wraps s. The empty string gives the zero Secret.
func New(s string) Secret {
	if s == "" {
		return Secret{}
	}
	return Secret{p: &s}
}

// Reveal returns the real value. Call it only where the value is sent or
// stored, never to log it.
func (s Secret) Reveal() string {
	if s.p == nil {
		return ""
	}
	return *s.p
}

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.p == nil || *s.p == "" }

// String implements fmt.Stringer.
func (s Secret) String() string {
	if s.IsZero() {
		return ""
	}
	return Redacted
}

// GoString implements fmt.GoStringer.
func (s Secret) GoString() string { return "secret.Secret(" + s.String() + ")" }

// Format implements fmt.Formatter so that no verb, %x and %q included,
// prints the value.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, s.GoString())
		return
	}
	fmt.Fprint(f, s.String())
}

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalText redacts, so that encoding/json, YAML and similar encoders
// never write the value. Stores serialise Reveal() explicitly.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

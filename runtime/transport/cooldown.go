package transport

import (
	"context"
	"sync/atomic"
)

// CooldownSignal lets a middleware that holds requests through a 429
// cooldown (the rate limiter) tell the retry middleware above it that the
// next attempt will wait for that cooldown: retry then resends at once
// instead of sleeping on a timer of its own, so that N callers that drew a
// 429 come back one probe at a time, not on N independent timers.
type CooldownSignal struct{ set atomic.Bool }

type cooldownKey struct{}

// WithCooldownSignal returns ctx carrying s for the middlewares below.
func WithCooldownSignal(ctx context.Context, s *CooldownSignal) context.Context {
	return context.WithValue(ctx, cooldownKey{}, s)
}

// CooldownSignalFrom returns the signal of ctx, or nil.
func CooldownSignalFrom(ctx context.Context) *CooldownSignal {
	s, _ := ctx.Value(cooldownKey{}).(*CooldownSignal)
	return s
}

// Set records that the attempt's 429 is in the hands of a cooldown. A nil
// signal ignores it.
func (s *CooldownSignal) Set() {
	if s != nil {
		s.set.Store(true)
	}
}

// IsSet reports whether Set was called.
func (s *CooldownSignal) IsSet() bool { return s != nil && s.set.Load() }

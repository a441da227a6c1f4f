package ratelimit

import "time"

// ParseCount, ParseReset and ParseRetryAfter read rate-limit headers the
// way Local does, so that limiters kept elsewhere (a Redis one) learn from
// the same responses the same things.

// ParseCount reads a non-negative request count ("12", "12.0").
func ParseCount(v string) (int, bool) { return parseCount(v) }

// ParseReset reads a reset header in the given unit (empty: guessed).
func ParseReset(v string, unit ResetUnit, now time.Time) (time.Time, bool) {
	return parseReset(v, unit, now)
}

// PeriodTolerance is how far apart two resets read from the reset header
// value v (empty: none, the period is Per from the answer) may lie and
// still be one period of the server's count, whose counts only go down.
func PeriodTolerance(v string, unit ResetUnit, margin time.Duration) time.Duration {
	return periodTolerance(v, unit, margin)
}

// ParseRetryAfter reads Retry-After as delay-seconds or an HTTP-date.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	return parseRetryAfter(v, now)
}

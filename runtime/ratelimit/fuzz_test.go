package ratelimit

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// The rate-limit header parsers read whatever a server or a proxy sends:
// they never panic, never return a negative count or wait, and a delta
// reset never lies in the past. Seeds: testdata/fuzz/FuzzHeaderParsers.
func FuzzHeaderParsers(f *testing.F) {
	for _, s := range []string{"0", "12", "12.0", "-3", "1e400", "NaN", "1700000000", "1700000000123", "Wed, 21 Oct 2015 07:28:00 GMT", " 7 ", "9223372036854775807"} {
		f.Add(s, uint8(0))
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	units := []ResetUnit{"", EpochSeconds, EpochMillis, DeltaSeconds}
	f.Fuzz(func(t *testing.T, v string, u uint8) {
		if n, ok := parseCount(v); ok && n < 0 {
			t.Errorf("parseCount(%q) = %d", v, n)
		}
		if d, ok := parseRetryAfter(v, now); ok && d < 0 {
			t.Errorf("parseRetryAfter(%q) = %s", v, d)
		}
		unit := units[int(u)%len(units)]
		// A number of delta-seconds never lies in the past (an HTTP-date,
		// also accepted, may: the window has then reset already).
		_, numErr := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if at, ok := parseReset(v, unit, now); ok && unit == DeltaSeconds && numErr == nil && at.Before(now) {
			t.Errorf("parseReset(%q, delta) = %s, before now", v, at)
		}
	})
}

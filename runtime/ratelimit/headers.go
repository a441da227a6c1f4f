package ratelimit

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// parseCount reads a non-negative request count. Some servers send
// "12.0"; a negative count or anything that is not a number is ignored
// rather than trusted.
func parseCount(v string) (int, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil {
		return n, n >= 0
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > math.MaxInt32 {
		return 0, false
	}
	return int(math.Floor(f)), true
}

// parseReset reads a reset header in the given unit. With no unit it
// guesses from the magnitude (a fallback only; PROVIDERS §13.2), and it
// also accepts an HTTP-date, which some servers send.
func parseReset(v string, unit ResetUnit, now time.Time) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, false
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
		if t, err := http.ParseTime(v); err == nil {
			return t, true
		}
		return time.Time{}, false
	}
	if unit == "" {
		switch {
		case f > 1e12:
			unit = EpochMillis
		case f > 1e9:
			unit = EpochSeconds
		default:
			unit = DeltaSeconds
		}
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		// Exact for the usual integer values.
		switch unit {
		case EpochSeconds:
			return time.Unix(n, 0).UTC(), true
		case EpochMillis:
			return time.UnixMilli(n).UTC(), true
		}
	}
	switch unit {
	case EpochSeconds:
		return time.Unix(0, int64(f*1e9)).UTC(), true
	case EpochMillis:
		return time.Unix(0, int64(f*1e6)).UTC(), true
	case DeltaSeconds:
		if f > float64(math.MaxInt64)/1e9 {
			return time.Time{}, false
		}
		return now.Add(time.Duration(f * 1e9)), true
	}
	return time.Time{}, false
}

// parseRetryAfter reads Retry-After as delay-seconds or an HTTP-date
// (RFC 9110 §10.2.3). A date in the past means no wait.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		if n > int64(math.MaxInt64/time.Second) {
			n = int64(math.MaxInt64 / time.Second)
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

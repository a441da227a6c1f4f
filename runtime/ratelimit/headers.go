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
	f, ok := resetNumber(v)
	if !ok {
		if t, err := http.ParseTime(v); err == nil {
			return t, true
		}
		return time.Time{}, false
	}
	unit = resetUnit(f, unit)
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

// resetNumber reads a trimmed reset header value as a number of the
// reset's unit: finite and not negative (anything else may be an
// HTTP-date).
func resetNumber(v string) (float64, bool) {
	f, err := strconv.ParseFloat(v, 64)
	return f, err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) && f >= 0
}

// resetUnit is unit, or when empty the unit guessed from the size of the
// number f.
func resetUnit(f float64, unit ResetUnit) ResetUnit {
	switch {
	case unit != "":
		return unit
	case f > 1e12:
		return EpochMillis
	case f > 1e9:
		return EpochSeconds
	default:
		return DeltaSeconds
	}
}

// answerSpread is how much longer one answer may take to come back than
// another: with a reset in seconds from now, or none (a count for Per from
// the answer), that much later its period seems to end.
const answerSpread = time.Second

// periodTolerance is how far apart the resets of two answers may lie and
// still be taken for one period of the server's count, for a reset header
// value v in unit (v empty: no reset, the period is Per from the answer).
// Within one period the count only goes down, so the answers' counts are
// merged (the lower one holds) rather than the later one replacing the
// other. Merging two periods that are really different is the safe error
// (fewer sends until the later reset, never a 429), splitting one period
// the unsafe one (a late answer's higher count is believed), so the
// tolerance errs on the wide side:
//   - seconds from now: the server rounds to a whole second and each
//     answer is read on its arrival, so one period's answers differ by up
//     to a second plus the spread of their return trips;
//   - epoch seconds or an HTTP-date: one period's answers are normally
//     equal, but a server that stamps each answer from its own clock
//     rounds them a second apart; margin, the jitter allowed between our
//     clock and the server's view, covers a fractional value;
//   - epoch milliseconds: one period's answers are equal but for that
//     jitter, margin;
//   - no reset: the spread of the answers' return trips.
func periodTolerance(v string, unit ResetUnit, margin time.Duration) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return answerSpread
	}
	f, ok := resetNumber(v)
	if !ok {
		return time.Second + margin // an HTTP-date
	}
	switch resetUnit(f, unit) {
	case EpochMillis:
		return margin
	case EpochSeconds:
		return time.Second + margin
	default:
		return time.Second + answerSpread
	}
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

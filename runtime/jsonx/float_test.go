package jsonx

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// parseFloat's fast path must give strconv.ParseFloat's result, bit for
// bit, for every number token: plain decimals of every length around its
// 15-digit limit, exponents, signed zeros, and values out of range.
func TestParseFloatMatchesStrconv(t *testing.T) {
	in := []string{"0", "-0", "0.0", "-0.0", "1", "-1", "0.1", "0.3", "1.5", "123.45", "99.99",
		"999999999999999", "9999999999999999", "0.000000000000001", "123456789012345.6",
		"1.23456789012345", "12345678901234.56", "1e2", "1E-7", "-2.5e+3", "1e400", "-1e400", "4.9e-324",
		"18446744073709551615", "0.30000000000000004", "-123456.789"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		m := r.Uint64N(1 << 60)
		s := strconv.FormatUint(m, 10)
		cut := r.IntN(len(s) + 1)
		s = s[:cut] + "." + s[cut:]
		if cut == 0 {
			s = "0" + s
		}
		if s[len(s)-1] == '.' {
			s += "0"
		}
		if r.IntN(2) == 0 {
			s = "-" + s
		}
		in = append(in, s)
	}
	for _, s := range in {
		want, wantErr := strconv.ParseFloat(s, 64)
		got, err := parseFloat([]byte(s))
		if math.Float64bits(got) != math.Float64bits(want) || (err == nil) != (wantErr == nil) {
			t.Fatalf("parseFloat(%q) = %v, %v; strconv: %v, %v", s, got, err, want, wantErr)
		}
	}
}

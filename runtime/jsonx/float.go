package jsonx

import "strconv"

// parseFloat parses a JSON number token (jx has checked its syntax) as
// strconv.ParseFloat does, faster for the common plain decimals
// (decimalPrefix), which is also strconv's first step, reached here
// without its general scanning.
func parseFloat(b []byte) (float64, error) {
	if f, ok := plainDecimal(b); ok {
		return f, nil
	}
	return strconv.ParseFloat(string(b), 64)
}

// pow10 are the powers of ten a float64 holds exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// plainDecimal is decimalPrefix over a whole token.
func plainDecimal(b []byte) (float64, bool) {
	f, n, ok := decimalPrefix(b)
	return f, ok && n == len(b)
}

package jsonx

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/apigen-go/apigen/runtime/opt"
)

type ints struct {
	A opt.Opt[int64]
	B int32
	L []int64
	F opt.Opt[float64]
	G []float64
}

func decodeInts(d *Decoder, s *ints) error {
	return Object(d, []string{"b"}, s, readIntsMember)
}

func readIntsMember(d *Decoder, s *ints, key []byte) (int, error) {
	switch string(key) {
	case "a":
		return Optional, OptInt64(d, &s.A)
	case "b":
		return 0, Int32(d, &s.B)
	case "l":
		return Optional, Slice(d, &s.L, Int64)
	case "f":
		return Optional, OptFloat64(d, &s.F)
	case "g":
		return Optional, Slice(d, &s.G, Float64)
	}
	return Unknown, nil
}

// agree decodes data into ints both ways (directAgreesWithJX).
func agree(t *testing.T, data string) {
	t.Helper()
	directAgreesWithJX(t, data, decodeInts)
}

// directAgreesWithJX decodes data with read twice, with the direct readers
// and with them turned off (jx alone, as before they existed), and
// requires the same value, error text and issues.
func directAgreesWithJX[T any](t *testing.T, data string, read func(*Decoder, *T) error) {
	t.Helper()
	var got, want T
	gotErr := Unmarshal([]byte(data), &got, read)
	layoutOK = false
	wantErr := Unmarshal([]byte(data), &want, read)
	layoutOK = true
	if len(data) > 200 {
		data = data[:100] + "…" + data[len(data)-100:] // a deep nesting, in the message
	}
	if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) || !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\n direct %+v, %v\n jx     %+v, %v", data, got, gotErr, want, wantErr)
	}
	var ge, we *Error
	if errors.As(gotErr, &ge) != errors.As(wantErr, &we) || ge != nil && (ge.Issue != we.Issue || ge.syntax != we.syntax) {
		t.Fatalf("%q: error %#v, jx %#v", data, ge, we)
	}
	var gi, wi *IssuesError
	if errors.As(gotErr, &gi) != errors.As(wantErr, &wi) || gi != nil && !reflect.DeepEqual(gi.Issues, wi.Issues) {
		t.Fatalf("%q: issues %+v, jx %+v", data, gi, wi)
	}
}

func TestLayoutMirrorsJX(t *testing.T) {
	if !layoutOK {
		t.Fatal("jx.Decoder's fields are not the ones jxFields mirrors: the direct readers are off")
	}
}

func TestPlainNumbersMatchJX(t *testing.T) {
	numbers := []string{
		"0.5", "-0.5", "0.0", "-0.0", "00.5", "1.", ".5", "-.5", "1.5e3", "1.5E-3", "0.1", "123456789012345", "1234567890123456",
		"12345678.9012345", "12345678.90123456", "0.000000000000001", "0.0000000000000001", "1.5x", "1..5", "1.5.5", "9007199254740993",
		"0", "-0", "7", "-7", "01", "-01", "00", "1.5", "1e3", "1E3", "1.0", "-", "--1", "1-", "1+",
		"2147483647", "2147483648", "-2147483648", "-2147483649",
		"999999999999999999", "1000000000000000000", "9223372036854775807", "9223372036854775808",
		"-9223372036854775808", "-9223372036854775809", "99999999999999999999", "1x", "1 ", " 1", "null", `"1"`, "true", "[1]", "{}",
	}
	for _, n := range numbers {
		agree(t, `{"b":`+n+`}`)
		agree(t, `{"b":1,"a":`+n+`}`)
		agree(t, `{"b":1,"l":[`+n+`,`+n+`]}`)
		agree(t, `{"b":1,"a":`+n+`  ,"l":[ `+n+` ]}`)
		agree(t, `{"b":1,"a":`+n)
		agree(t, `{"b":1,"f":`+n+`,"g":[`+n+` , `+n+`]}`)
	}
	r := rand.New(rand.NewPCG(19, 19))
	const alphabet = "0123456789-+.eE ,]}x"
	for range 20000 {
		var b strings.Builder
		for range 1 + r.IntN(22) {
			b.WriteByte(alphabet[r.IntN(len(alphabet))])
		}
		agree(t, `{"b":1,"a":`+b.String()+`,"l":[`+b.String()+`]}`)
		agree(t, `{"b":1,"f":`+b.String()+`,"g":[`+b.String()+`]}`)
		agree(t, `{"b":`+b.String()+`}`)
		n := fmt.Sprint(r.Int64N(1 << r.IntN(63)))
		if r.IntN(2) == 0 {
			n = "-" + n
		}
		if r.IntN(4) == 0 {
			n += string(alphabet[r.IntN(len(alphabet))]) + fmt.Sprint(r.IntN(100))
		}
		agree(t, `{"b":`+n+`,"a":`+n+`,"l":[`+n+`]}`)
		x := strconv.FormatFloat(r.NormFloat64()*math.Pow10(r.IntN(12)), 'f', r.IntN(10)-1, 64)
		agree(t, `{"b":1,"f":`+x+`,"g":[`+x+`,`+n+`]}`)
	}
}

// TestPlainRunFindsTheFirstStop: plainRun's eight-bytes-at-a-time test
// against endsPlainString byte by byte, on runs of every length with a
// stop (or none) at every position, among bytes either side of the stops.
func TestPlainRunFindsTheFirstStop(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	fill := []byte{' ', '!', '#', '[', ']', 'a', 0x7f, 0x80, 0xa0, 0xdc, 0xe2, 0xff}
	stops := []byte{'"', '\\', 0, 0x1f, '\n'}
	for n := range 40 {
		for stop := 0; stop <= n; stop++ {
			for range 20 {
				b := make([]byte, n)
				for i := range b {
					b[i] = fill[r.IntN(len(fill))]
				}
				if stop < n {
					b[stop] = stops[r.IntN(len(stops))]
					for i := stop + 1; i < n; i++ { // stops after the first
						if r.IntN(3) == 0 {
							b[i] = stops[r.IntN(len(stops))]
						}
					}
				}
				want := n
				for i, c := range b {
					if endsPlainString[c] {
						want = i
						break
					}
				}
				if got := plainRun(b); got != want {
					t.Fatalf("plainRun(%q) = %d, want %d", b, got, want)
				}
			}
		}
	}
}

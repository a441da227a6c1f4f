// Package bodies holds the response bodies the decoding benchmarks read
// (internal/bench/decode, and internal/bench/ogenvs beside ogen's
// decoders), so that every decoder is timed on the same bytes.
package bodies

import (
	"fmt"
	"strings"
)

// Payload is one benchmark body: an OrderPage, or a list of Pets.
type Payload struct {
	Name string
	Body []byte
	Pets bool
}

// Payloads are orders pages of about 0.4 KB, 58 KB and 1.2 MB, and a 1 MB
// list of pets (the shape of BenchmarkChain).
var Payloads = []Payload{
	{"small", Orders(1), false},
	{"medium", Orders(100), false},
	{"large", Orders(2000), false},
	{"pets1MB", Pets(16500), true},
}

// Orders renders a page of n orders with every field kind the schema
// has: optional, nullable, nested, arrays, maps, times, enums (one value
// the spec does not list), and one field the schema does not know
// (decoders must skip it).
func Orders(n int) []byte {
	var sb strings.Builder
	sb.WriteString(`{"items":[`)
	statuses := []string{"placed", "approved", "delivered", "returned"}
	for i := range n {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"id":"ord_%08d","status":%q,"createdAt":"2026-11-%02dT%02d:%02d:%02d.%03dZ","amount":%d.%02d,`,
			i, statuses[i%len(statuses)], 1+i%28, i%24, i%60, (i*7)%60, i%1000, 10+i%9000, i%100)
		if i%3 != 0 {
			fmt.Fprintf(&sb, `"currency":"EUR","paid":%t,`, i%2 == 0)
		}
		if i%4 == 0 {
			sb.WriteString(`"note":null,`)
		} else {
			fmt.Fprintf(&sb, `"note":"deliver to the back door, ring twice \u00e9 %d",`, i)
		}
		fmt.Fprintf(&sb, `"customer":{"id":%d,"email":"customer%d@example.com","name":"Customer Number %d","vip":%t,"since":"2020"},`,
			500000+i, i, i, i%5 == 0)
		sb.WriteString(`"lines":[`)
		for j := range 1 + i%4 {
			if j > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, `{"sku":"SKU-%05d-%d","quantity":%d,"unitPrice":%d.%02d,"description":"item %d of order %d"}`,
				i%10000, j, 1+j, 3+j*4, (i+j)%100, j, i)
		}
		sb.WriteString(`],"labels":{"channel":"web","region":"eu-central"},"extra":{"ignored":[1,2,3]}}`)
	}
	fmt.Fprintf(&sb, `],"nextCursor":"cur_%d","total":%d}`, n, n*10)
	return []byte(sb.String())
}

// Pets renders a list of n pets, every other one with a tag.
func Pets(n int) []byte {
	var sb strings.Builder
	sb.WriteByte('[')
	for i := range n {
		if i > 0 {
			sb.WriteByte(',')
		}
		if i%2 == 0 {
			fmt.Fprintf(&sb, `{"id":%d,"name":"pet number %d of the benchmark","tag":"tag-%d"}`, 1000000+i, i, i%17)
		} else {
			fmt.Fprintf(&sb, `{"id":%d,"name":"pet number %d of the benchmark"}`, 1000000+i, i)
		}
	}
	sb.WriteByte(']')
	return []byte(sb.String())
}

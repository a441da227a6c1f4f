// Package decode benchmarks JSON decoding of response bodies: the
// decoders apigen generates (go-faster/jx via runtime/jsonx, called the way
// runtime/rest calls them) against encoding/json into the plain shape a
// hand-written or oapi-codegen client uses (pointers for optional fields),
// encoding/json into the generated types (what a user's own json.Unmarshal
// does), and the hand-written jx prototype of internal/bench/jxproto.
//
//	go test -run '^$' -bench . -benchmem -count 5 ./internal/bench/decode/
package decode

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apigen-go/apigen/internal/bench/benchpets"
	"github.com/apigen-go/apigen/internal/bench/jxproto"
	"github.com/apigen-go/apigen/runtime/jsonx"
)

// decodeGenerated decodes body as runtime/rest does with the generated
// code: an object type's generated UnmarshalJSON is called directly, and a
// list operation decodes with jsonx.Slice over the element's generated
// reader. decodePet is unexported in benchpets, so readPet below is its
// copy (same calls, as generated).
func decodeGenerated(body []byte, pets bool) error {
	if pets {
		var out []benchpets.Pet
		return jsonx.Unmarshal(body, &out, func(d *jsonx.Decoder, v *[]benchpets.Pet) error {
			return jsonx.Slice(d, v, readPet)
		})
	}
	var out benchpets.OrderPage
	return out.UnmarshalJSON(body)
}

var requiredPet = []string{"id", "name"}

// readPet is benchpets' generated decodePet.
func readPet(d *jsonx.Decoder, s *benchpets.Pet) error {
	return jsonx.Object(d, requiredPet, func(d *jsonx.Decoder, key []byte) error {
		switch string(key) {
		case "id":
			d.Seen(0)
			return jsonx.Int64(d, &s.ID)
		case "name":
			d.Seen(1)
			return jsonx.String(d, &s.Name)
		case "tag":
			return d.Optional(jsonx.Opt(d, &s.Tag, jsonx.String))
		}
		return d.Skip()
	})
}

// The plain shape: what oapi-codegen generates for the same schemas.
type plainCustomer struct {
	Email string  `json:"email"`
	ID    int64   `json:"id"`
	Name  *string `json:"name,omitempty"`
	Vip   *bool   `json:"vip,omitempty"`
}

type plainOrderLine struct {
	Description *string `json:"description,omitempty"`
	Quantity    int32   `json:"quantity"`
	Sku         string  `json:"sku"`
	UnitPrice   float64 `json:"unitPrice"`
}

type plainOrder struct {
	Amount    float64            `json:"amount"`
	CreatedAt time.Time          `json:"createdAt"`
	Currency  *string            `json:"currency,omitempty"`
	Customer  *plainCustomer     `json:"customer,omitempty"`
	ID        string             `json:"id"`
	Labels    *map[string]string `json:"labels,omitempty"`
	Lines     []plainOrderLine   `json:"lines"`
	Note      *string            `json:"note"`
	Paid      *bool              `json:"paid,omitempty"`
	Status    string             `json:"status"`
}

type plainOrderPage struct {
	Items      []plainOrder `json:"items"`
	NextCursor *string      `json:"nextCursor,omitempty"`
	Total      *int64       `json:"total,omitempty"`
}

type plainPet struct {
	ID   int64   `json:"id"`
	Name string  `json:"name"`
	Tag  *string `json:"tag,omitempty"`
}

// ordersBody renders a page of n orders with every field kind the schema
// has: optional, nullable, nested, arrays, maps, times, enums, and one
// field the schema does not know (decoders must skip it).
func ordersBody(n int) []byte {
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

func petsBody(n int) []byte {
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

// payloads: orders pages of about 0.4 KB, 58 KB and 1.2 MB, and a 1 MB
// list of pets (the shape of BenchmarkChain).
var payloads = []struct {
	name string
	body []byte
	pets bool
}{
	{"small", ordersBody(1), false},
	{"medium", ordersBody(100), false},
	{"large", ordersBody(2000), false},
	{"pets1MB", petsBody(16500), true},
}

// TestDecodersAgree checks that the three decoders read the same values.
func TestDecodersAgree(t *testing.T) {
	for _, p := range payloads {
		if p.pets {
			var gen, proto, viaJSONX []benchpets.Pet
			if err := json.Unmarshal(p.body, &gen); err != nil {
				t.Fatal(err)
			}
			if err := jsonx.Unmarshal(p.body, &viaJSONX, func(d *jsonx.Decoder, v *[]benchpets.Pet) error {
				return jsonx.Slice(d, v, readPet)
			}); err != nil || !reflect.DeepEqual(gen, viaJSONX) {
				t.Fatalf("%s: generated decoder differs: %v", p.name, err)
			}
			if err := jxproto.DecodePets(p.body, &proto); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(gen, proto) {
				t.Fatalf("%s: jx decoder differs from encoding/json", p.name)
			}
			continue
		}
		var gen, proto benchpets.OrderPage
		var plain plainOrderPage
		if err := json.Unmarshal(p.body, &gen); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(p.body, &plain); err != nil {
			t.Fatal(err)
		}
		if err := jxproto.DecodeOrderPage(p.body, &proto); err != nil {
			t.Fatal(err)
		}
		var direct benchpets.OrderPage
		if err := direct.UnmarshalJSON(p.body); err != nil || !reflect.DeepEqual(gen, direct) {
			t.Fatalf("%s: generated UnmarshalJSON called directly differs from json.Unmarshal: %v", p.name, err)
		}
		if len(gen.Items) != len(plain.Items) || gen.Total.Value != *plain.Total {
			t.Fatalf("%s: generated and plain shapes differ", p.name)
		}
		for i := range gen.Items {
			g, q := gen.Items[i], proto.Items[i]
			if !g.CreatedAt.Equal(q.CreatedAt) {
				t.Fatalf("%s: item %d createdAt %v vs %v", p.name, i, g.CreatedAt, q.CreatedAt)
			}
			q.CreatedAt = g.CreatedAt
			if !reflect.DeepEqual(g, q) {
				t.Fatalf("%s: item %d: encoding/json %+v\njx %+v", p.name, i, g, q)
			}
		}
		if gen.NextCursor != proto.NextCursor || gen.Total != proto.Total {
			t.Fatalf("%s: page fields differ", p.name)
		}
	}
}

// BenchmarkDecode/size=<size>/dec={encoding_json,apigen,apigen_json,jx_proto}:
// encoding_json is encoding/json into the plain shape (the baseline),
// apigen the generated decoders called as runtime/rest calls them,
// apigen_json encoding/json.Unmarshal into the generated types (which then
// calls their generated UnmarshalJSON), and jx_proto the hand-written jx
// decoder of internal/bench/jxproto.
func BenchmarkDecode(b *testing.B) {
	for _, p := range payloads {
		b.Run("size="+p.name, func(b *testing.B) {
			b.Run("dec=encoding_json", func(b *testing.B) {
				b.SetBytes(int64(len(p.body)))
				b.ReportAllocs()
				for b.Loop() {
					var err error
					if p.pets {
						var out []plainPet
						err = json.Unmarshal(p.body, &out)
					} else {
						var out plainOrderPage
						err = json.Unmarshal(p.body, &out)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("dec=apigen", func(b *testing.B) {
				b.SetBytes(int64(len(p.body)))
				b.ReportAllocs()
				for b.Loop() {
					if err := decodeGenerated(p.body, p.pets); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("dec=apigen_json", func(b *testing.B) {
				b.SetBytes(int64(len(p.body)))
				b.ReportAllocs()
				for b.Loop() {
					var err error
					if p.pets {
						var out []benchpets.Pet
						err = json.Unmarshal(p.body, &out)
					} else {
						var out benchpets.OrderPage
						err = json.Unmarshal(p.body, &out)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("dec=jx_proto", func(b *testing.B) {
				b.SetBytes(int64(len(p.body)))
				b.ReportAllocs()
				for b.Loop() {
					var err error
					if p.pets {
						var out []benchpets.Pet
						err = jxproto.DecodePets(p.body, &out)
					} else {
						var out benchpets.OrderPage
						err = jxproto.DecodeOrderPage(p.body, &out)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

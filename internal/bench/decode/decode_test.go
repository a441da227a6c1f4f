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
	"reflect"
	"testing"
	"time"

	"github.com/apigen-go/apigen/internal/bench/benchpets"
	"github.com/apigen-go/apigen/internal/bench/bodies"
	"github.com/apigen-go/apigen/internal/bench/jxproto"
)

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

// TestDecodersAgree checks that the three decoders read the same values.
func TestDecodersAgree(t *testing.T) {
	for _, p := range bodies.Payloads {
		if p.Pets {
			var gen, proto, viaJSONX []benchpets.Pet
			if err := json.Unmarshal(p.Body, &gen); err != nil {
				t.Fatal(err)
			}
			if err := bodies.DecodePets(p.Body, &viaJSONX); err != nil || !reflect.DeepEqual(gen, viaJSONX) {
				t.Fatalf("%s: generated decoder differs: %v", p.Name, err)
			}
			if err := jxproto.DecodePets(p.Body, &proto); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(gen, proto) {
				t.Fatalf("%s: jx decoder differs from encoding/json", p.Name)
			}
			continue
		}
		var gen, proto benchpets.OrderPage
		var plain plainOrderPage
		if err := json.Unmarshal(p.Body, &gen); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(p.Body, &plain); err != nil {
			t.Fatal(err)
		}
		if err := jxproto.DecodeOrderPage(p.Body, &proto); err != nil {
			t.Fatal(err)
		}
		var direct benchpets.OrderPage
		if err := direct.UnmarshalJSON(p.Body); err != nil || !reflect.DeepEqual(gen, direct) {
			t.Fatalf("%s: generated UnmarshalJSON called directly differs from json.Unmarshal: %v", p.Name, err)
		}
		if len(gen.Items) != len(plain.Items) || gen.Total.Value != *plain.Total {
			t.Fatalf("%s: generated and plain shapes differ", p.Name)
		}
		for i := range gen.Items {
			g, q := gen.Items[i], proto.Items[i]
			if !g.CreatedAt.Equal(q.CreatedAt) {
				t.Fatalf("%s: item %d createdAt %v vs %v", p.Name, i, g.CreatedAt, q.CreatedAt)
			}
			q.CreatedAt = g.CreatedAt
			if !reflect.DeepEqual(g, q) {
				t.Fatalf("%s: item %d: encoding/json %+v\njx %+v", p.Name, i, g, q)
			}
		}
		if gen.NextCursor != proto.NextCursor || gen.Total != proto.Total {
			t.Fatalf("%s: page fields differ", p.Name)
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
	for _, p := range bodies.Payloads {
		b.Run("size="+p.Name, func(b *testing.B) {
			b.Run("dec=encoding_json", func(b *testing.B) {
				b.SetBytes(int64(len(p.Body)))
				b.ReportAllocs()
				for b.Loop() {
					var err error
					if p.Pets {
						var out []plainPet
						err = json.Unmarshal(p.Body, &out)
					} else {
						var out plainOrderPage
						err = json.Unmarshal(p.Body, &out)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("dec=apigen", func(b *testing.B) {
				b.SetBytes(int64(len(p.Body)))
				b.ReportAllocs()
				for b.Loop() {
					if err := bodies.DecodeApigen(p); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("dec=apigen_json", func(b *testing.B) {
				b.SetBytes(int64(len(p.Body)))
				b.ReportAllocs()
				for b.Loop() {
					var err error
					if p.Pets {
						var out []benchpets.Pet
						err = json.Unmarshal(p.Body, &out)
					} else {
						var out benchpets.OrderPage
						err = json.Unmarshal(p.Body, &out)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("dec=jx_proto", func(b *testing.B) {
				b.SetBytes(int64(len(p.Body)))
				b.ReportAllocs()
				for b.Loop() {
					var err error
					if p.Pets {
						var out []benchpets.Pet
						err = jxproto.DecodePets(p.Body, &out)
					} else {
						var out benchpets.OrderPage
						err = jxproto.DecodeOrderPage(p.Body, &out)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

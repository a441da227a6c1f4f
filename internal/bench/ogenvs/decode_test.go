package ogenvs

import (
	"errors"
	"io"
	"testing"

	"github.com/go-faster/jx"

	"github.com/apigen-go/apigen/internal/bench/benchpets"
	"github.com/apigen-go/apigen/internal/bench/bodies"
	"github.com/apigen-go/apigen/internal/bench/ogenvs/ogenpets"
)

// decodeOgen decodes p as ogen's generated response decoders do
// (decodeFindPetsResponse, decodeListOrdersResponse) once the body is
// read: jx.DecodeBytes, the generated Decode (or its loop over the array),
// then a check for trailing data. Their Validate step is left out: it is
// not decoding (and rejects the status the spec does not list).
func decodeOgen(p bodies.Payload) error {
	if p.Pets {
		var out []ogenpets.Pet
		return decodeOgenPets(jx.DecodeBytes(p.Body), &out)
	}
	_, err := decodeOgenOrderPage(p.Body)
	return err
}

// decodeOgenOrderPage is decodeListOrdersResponse's decoding: the page is
// returned by pointer, so it lives on the heap, as apigen's does
// (apigen's decoded value is the caller's, and escapes).
//
//go:noinline
func decodeOgenOrderPage(body []byte) (*ogenpets.OrderPage, error) {
	d := jx.DecodeBytes(body)
	var response ogenpets.OrderPage
	if err := response.Decode(d); err != nil {
		return nil, err
	}
	if err := d.Skip(); err != io.EOF {
		return nil, errors.New("unexpected trailing data")
	}
	return &response, nil
}

// decodeOgenPets is the array loop of ogen's decodeFindPetsResponse, with
// its check for trailing data.
func decodeOgenPets(d *jx.Decoder, out *[]ogenpets.Pet) error {
	response := make([]ogenpets.Pet, 0)
	err := d.Arr(func(d *jx.Decoder) error {
		var elem ogenpets.Pet
		if err := elem.Decode(d); err != nil {
			return err
		}
		response = append(response, elem)
		return nil
	})
	*out = response
	if err != nil {
		return err
	}
	if err := d.Skip(); err != io.EOF {
		return errors.New("unexpected trailing data")
	}
	return nil
}

// TestDecodersAgree checks that both decoders read the same values from
// every benchmark body.
func TestDecodersAgree(t *testing.T) {
	for _, p := range bodies.Payloads {
		d := jx.DecodeBytes(p.Body)
		if p.Pets {
			var a []benchpets.Pet
			var o []ogenpets.Pet
			if err := bodies.DecodePets(p.Body, &a); err != nil {
				t.Fatal(err)
			}
			if err := decodeOgenPets(d, &o); err != nil {
				t.Fatal(err)
			}
			if len(a) != len(o) {
				t.Fatalf("%s: %d pets vs ogen's %d", p.Name, len(a), len(o))
			}
			for i := range a {
				if a[i].ID != o[i].ID || a[i].Name != o[i].Name || a[i].Tag.Value != o[i].Tag.Value || a[i].Tag.Set != o[i].Tag.Set {
					t.Fatalf("%s: pet %d: %+v vs ogen's %+v", p.Name, i, a[i], o[i])
				}
			}
			continue
		}
		var a benchpets.OrderPage
		var o ogenpets.OrderPage
		if err := a.UnmarshalJSON(p.Body); err != nil {
			t.Fatal(err)
		}
		if err := o.Decode(d); err != nil {
			t.Fatal(err)
		}
		if a.NextCursor.Value != o.NextCursor.Value || a.Total.Value != o.Total.Value || len(a.Items) != len(o.Items) {
			t.Fatalf("%s: page fields differ", p.Name)
		}
		for i := range a.Items {
			if err := sameOrder(a.Items[i], o.Items[i]); err != "" {
				t.Fatalf("%s: item %d: %s", p.Name, i, err)
			}
		}
	}
}

// sameOrder compares an order as both decoders read it; "" when equal.
func sameOrder(a benchpets.Order, o ogenpets.Order) string {
	switch {
	case a.ID != o.ID || string(a.Status) != string(o.Status) || !a.CreatedAt.Equal(o.CreatedAt) || a.Amount != o.Amount:
		return "required members differ"
	case a.Currency.Value != o.Currency.Value || a.Paid.Value != o.Paid.Value || a.Paid.Set != o.Paid.Set:
		return "optional members differ"
	case a.Note.Null != o.Note.Null || a.Note.Value != o.Note.Value:
		return "note differs"
	case a.Customer == nil || a.Customer.ID != o.Customer.Value.ID || a.Customer.Email != o.Customer.Value.Email ||
		a.Customer.Name.Value != o.Customer.Value.Name.Value || a.Customer.Vip.Value != o.Customer.Value.Vip.Value:
		return "customer differs"
	case len(a.Labels) != len(o.Labels.Value) || a.Labels["region"] != o.Labels.Value["region"]:
		return "labels differ"
	case len(a.Lines) != len(o.Lines):
		return "lines differ"
	}
	for j, l := range a.Lines {
		ol := o.Lines[j]
		if l.Sku != ol.Sku || l.Quantity != ol.Quantity || l.UnitPrice != ol.UnitPrice || l.Description.Value != ol.Description.Value {
			return "a line differs"
		}
	}
	return ""
}

// BenchmarkVsOgen/size=<size>/vs={ogen,apigen}: each body decoded by
// ogen's generated decoders (the baseline) and by apigen's, called as
// each client calls them on a response body already read.
func BenchmarkVsOgen(b *testing.B) {
	for _, p := range bodies.Payloads {
		b.Run("size="+p.Name, func(b *testing.B) {
			for _, dec := range []struct {
				name   string
				decode func(bodies.Payload) error
			}{{"ogen", decodeOgen}, {"apigen", bodies.DecodeApigen}} {
				b.Run("vs="+dec.name, func(b *testing.B) {
					b.SetBytes(int64(len(p.Body)))
					b.ReportAllocs()
					for b.Loop() {
						if err := dec.decode(p); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}

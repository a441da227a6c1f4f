// Package jxproto is a hand-written go-faster/jx decoder for the generated
// benchpets types (one function per type, a switch on the key bytes, Skip
// for unknown keys, tolerant enums, opt.Opt/opt.Nullable set in place),
// plugged into runtime/rest with rest.DecodeFunc. Written as the prototype
// of the decoders the generator now emits (runtime/jsonx), it stays as
// their yardstick in the benchmarks; no client uses it.
package jxproto

import (
	"fmt"
	"time"

	"github.com/go-faster/jx"

	"github.com/apigen-go/apigen/internal/bench/benchpets"
	"github.com/apigen-go/apigen/runtime/opt"
)

// DecodeOrderPage decodes an OrderPage.
func DecodeOrderPage(data []byte, out *benchpets.OrderPage) error {
	d := jx.GetDecoder()
	defer jx.PutDecoder(d)
	d.ResetBytes(data)
	return readOrderPage(d, out)
}

// DecodePets decodes a list of pets, appending to out.
func DecodePets(data []byte, out *[]benchpets.Pet) error {
	d := jx.GetDecoder()
	defer jx.PutDecoder(d)
	d.ResetBytes(data)
	return d.Arr(func(d *jx.Decoder) error {
		*out = append(*out, benchpets.Pet{})
		return readPet(d, &(*out)[len(*out)-1])
	})
}

func readPet(d *jx.Decoder, p *benchpets.Pet) error {
	return d.ObjBytes(func(d *jx.Decoder, key []byte) (err error) {
		switch string(key) {
		case "id":
			p.ID, err = d.Int64()
		case "name":
			p.Name, err = d.Str()
		case "tag":
			err = readOptString(d, &p.Tag)
		default:
			err = d.Skip()
		}
		return err
	})
}

func readOrderPage(d *jx.Decoder, p *benchpets.OrderPage) error {
	return d.ObjBytes(func(d *jx.Decoder, key []byte) (err error) {
		switch string(key) {
		case "items":
			if d.Next() == jx.Null {
				return d.Null()
			}
			p.Items = p.Items[:0]
			return d.Arr(func(d *jx.Decoder) error {
				p.Items = append(p.Items, benchpets.Order{})
				return readOrder(d, &p.Items[len(p.Items)-1])
			})
		case "nextCursor":
			err = readOptString(d, &p.NextCursor)
		case "total":
			if d.Next() == jx.Null {
				p.Total = opt.Opt[int64]{}
				return d.Null()
			}
			var v int64
			v, err = d.Int64()
			p.Total = opt.Some(v)
		default:
			err = d.Skip()
		}
		return err
	})
}

func readOrder(d *jx.Decoder, o *benchpets.Order) error {
	return d.ObjBytes(func(d *jx.Decoder, key []byte) (err error) {
		switch string(key) {
		case "amount":
			o.Amount, err = d.Float64()
		case "createdAt":
			var b []byte
			if b, err = d.StrBytes(); err != nil {
				return err
			}
			o.CreatedAt, err = time.Parse(time.RFC3339, string(b))
		case "currency":
			err = readOptString(d, &o.Currency)
		case "customer":
			if d.Next() == jx.Null {
				o.Customer = nil
				return d.Null()
			}
			if o.Customer == nil {
				o.Customer = new(benchpets.Customer)
			}
			err = readCustomer(d, o.Customer)
		case "id":
			o.ID, err = d.Str()
		case "labels":
			if d.Next() == jx.Null {
				return d.Null()
			}
			if o.Labels == nil {
				o.Labels = map[string]string{}
			}
			err = d.ObjBytes(func(d *jx.Decoder, k []byte) error {
				v, err := d.Str()
				o.Labels[string(k)] = v
				return err
			})
		case "lines":
			if d.Next() == jx.Null {
				return d.Null()
			}
			o.Lines = o.Lines[:0]
			err = d.Arr(func(d *jx.Decoder) error {
				o.Lines = append(o.Lines, benchpets.OrderLine{})
				return readOrderLine(d, &o.Lines[len(o.Lines)-1])
			})
		case "note":
			if d.Next() == jx.Null {
				o.Note = opt.Null[string]()
				return d.Null()
			}
			var s string
			s, err = d.Str()
			o.Note = opt.Of(s)
		case "paid":
			if d.Next() == jx.Null {
				o.Paid = opt.Opt[bool]{}
				return d.Null()
			}
			var v bool
			v, err = d.Bool()
			o.Paid = opt.Some(v)
		case "status":
			var s string
			s, err = d.Str()
			o.Status = benchpets.OrderStatus(s) // tolerant: unknown values decode
		default:
			err = d.Skip()
		}
		if err != nil {
			return fmt.Errorf("Order.%s: %w", key, err)
		}
		return nil
	})
}

func readCustomer(d *jx.Decoder, c *benchpets.Customer) error {
	return d.ObjBytes(func(d *jx.Decoder, key []byte) (err error) {
		switch string(key) {
		case "email":
			c.Email, err = d.Str()
		case "id":
			c.ID, err = d.Int64()
		case "name":
			err = readOptString(d, &c.Name)
		case "vip":
			if d.Next() == jx.Null {
				c.Vip = opt.Opt[bool]{}
				return d.Null()
			}
			var v bool
			v, err = d.Bool()
			c.Vip = opt.Some(v)
		default:
			err = d.Skip()
		}
		return err
	})
}

func readOrderLine(d *jx.Decoder, l *benchpets.OrderLine) error {
	return d.ObjBytes(func(d *jx.Decoder, key []byte) (err error) {
		switch string(key) {
		case "description":
			err = readOptString(d, &l.Description)
		case "quantity":
			l.Quantity, err = d.Int32()
		case "sku":
			l.Sku, err = d.Str()
		case "unitPrice":
			l.UnitPrice, err = d.Float64()
		default:
			err = d.Skip()
		}
		return err
	})
}

func readOptString(d *jx.Decoder, o *opt.Opt[string]) error {
	if d.Next() == jx.Null {
		*o = opt.Opt[string]{}
		return d.Null()
	}
	s, err := d.Str()
	*o = opt.Some(s)
	return err
}

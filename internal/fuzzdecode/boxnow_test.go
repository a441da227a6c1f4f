// Package fuzzdecode fuzzes the generated decoders of one provider
// (BOX NOW): whatever a server sends, decoding never panics, and what
// decoded encodes and decodes again. Seeds: testdata/fuzz/FuzzBoxNowDecoders.
package fuzzdecode

import (
	"encoding/json"
	"testing"

	"github.com/apigen-go/apigen/generated/boxnow"
)

// targets are fresh values of the response types, each decoding itself.
var targets = []func() any{
	func() any { return new(boxnow.DeliveryRequestCreated) },
	func() any { return new(boxnow.DeliveryRequest) },
	func() any { return new(boxnow.ParcelPage) },
	func() any { return new(boxnow.Parcel) },
	func() any { return new(boxnow.DestinationList) },
	func() any { return new(boxnow.LocationList) },
	func() any { return new(boxnow.AuthSession) },
	func() any { return new(boxnow.Error) },
	func() any { return new(boxnow.ParcelLabelData) },
}

func FuzzBoxNowDecoders(f *testing.F) {
	f.Add(uint8(0), []byte(`{"id":"1","parcels":[{"id":"9219999999"}]}`))
	f.Add(uint8(2), []byte(`{"data":[{"id":"1","state":"new","events":[{"type":"x","createTime":"2026-01-02T03:04:05Z"}]}],"pagination":{"next":"abc"}}`))
	f.Add(uint8(6), []byte(`{"access_token":"t","expires_in":3600,"token_type":"Bearer"}`))
	f.Add(uint8(7), []byte(`{"code":"P400","message":"bad"}`))
	f.Add(uint8(1), []byte(`{"orderNumber":1e999,"items":[null,{}],"origin":{"locationId":"\ud800"}}`))
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		v := targets[int(which)%len(targets)]()
		// Called directly, as rest.Do does, without encoding/json's
		// validating pass in front.
		if err := v.(json.Unmarshaler).UnmarshalJSON(data); err != nil {
			return
		}
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%T decoded %q but does not encode: %v", v, data, err)
		}
		again := targets[int(which)%len(targets)]()
		if err := json.Unmarshal(out, again); err != nil {
			t.Fatalf("%T: %q decoded, encoded as %q, which does not decode: %v", v, data, out, err)
		}
	})
}

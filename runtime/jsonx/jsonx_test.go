package jsonx

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/opt"
)

type color string

type owner struct {
	Name string `json:"name"`
	Age  int64  `json:"age"`
}

// pet has one field of every shape generated decoders handle.
type pet struct {
	ID       int64                       `json:"id"`
	Name     string                      `json:"name"`
	Small    int32                       `json:"small"`
	Score    float64                     `json:"score"`
	Good     bool                        `json:"good"`
	Born     time.Time                   `json:"born"`
	Photo    []byte                      `json:"photo"`
	Extra    json.RawMessage             `json:"extra"`
	Color    color                       `json:"color"`
	Tag      opt.Opt[string]             `json:"tag,omitzero"`
	Shade    opt.Opt[color]              `json:"shade,omitzero"`
	Nick     opt.Nullable[string]        `json:"nick,omitzero"`
	Tags     []string                    `json:"tags,omitempty"`
	Owners   []owner                     `json:"owners,omitempty"`
	Friends  map[string]owner            `json:"friends,omitempty"`
	Best     opt.Opt[owner]              `json:"best,omitzero"`
	Next     *pet                        `json:"next,omitempty"`
	Matrix   [][]int64                   `json:"matrix,omitempty"`
	Counters map[string][]opt.Opt[int64] `json:"counters,omitempty"`
}

func decodeOwner(d *Decoder, s *owner) error {
	return Object(d, nil, s, readOwnerMember)
}

func readOwnerMember(d *Decoder, s *owner, key []byte) (int, error) {
	switch string(key) {
	case "name":
		return Optional, String(d, &s.Name)
	case "age":
		return Optional, Int64(d, &s.Age)
	}
	return Unknown, nil
}

func decodePet(d *Decoder, s *pet) error {
	return Object(d, nil, s, readPetMember)
}

func readPetMember(d *Decoder, s *pet, key []byte) (int, error) {
	switch string(key) {
	case "id":
		return Optional, Int64(d, &s.ID)
	case "name":
		return Optional, String(d, &s.Name)
	case "small":
		return Optional, Int32(d, &s.Small)
	case "score":
		return Optional, Float64(d, &s.Score)
	case "good":
		return Optional, Bool(d, &s.Good)
	case "born":
		return Optional, Time(d, &s.Born)
	case "photo":
		return Optional, Bytes(d, &s.Photo)
	case "extra":
		return Optional, Raw(d, &s.Extra)
	case "color":
		return Optional, StringAs(d, &s.Color)
	case "tag":
		return Optional, Opt(d, &s.Tag, String)
	case "shade":
		return Optional, Opt(d, &s.Shade, StringAs[color])
	case "nick":
		return Optional, Nullable(d, &s.Nick, String)
	case "tags":
		return Optional, Slice(d, &s.Tags, String)
	case "owners":
		return Optional, Slice(d, &s.Owners, decodeOwner)
	case "friends":
		return Optional, Map(d, &s.Friends, decodeOwner)
	case "best":
		return Optional, Opt(d, &s.Best, decodeOwner)
	case "next":
		return Optional, Ptr(d, &s.Next, decodePet)
	case "matrix":
		return Optional, Slice(d, &s.Matrix, func(d *Decoder, v *[]int64) error { return Slice(d, v, Int64) })
	case "counters":
		return Optional, Map(d, &s.Counters, func(d *Decoder, v *[]opt.Opt[int64]) error {
			return Slice(d, v, func(d *Decoder, v *opt.Opt[int64]) error { return Opt(d, v, Int64) })
		})
	}
	return Unknown, nil
}

// The readers decode every input the way encoding/json does.
func TestMatchesEncodingJSON(t *testing.T) {
	inputs := []string{
		`{}`,
		`null`,
		`{"id":7,"name":"Rex \u00e9\n\"q\"","small":-3,"score":1.5e3,"good":true,"born":"2024-02-29T12:30:00.123+02:00"}`,
		`{"photo":"aGVsbG8=","extra":{"a":[1,{"b":null}]},"color":"red","tag":"x","shade":"blue"}`,
		`{"tag":null,"shade":null,"nick":null}`,
		`{"nick":"n"}`,
		`{"tags":[],"owners":[{"name":"a","age":1},{"name":"b","unknown":{"deep":[1,2]}}]}`,
		`{"tags":null,"owners":null,"friends":null,"next":null,"best":null}`,
		`{"friends":{"x":{"name":"x"},"y":{}},"best":{"name":"b","age":2}}`,
		`{"next":{"id":2,"next":{"id":3}}}`,
		`{"matrix":[[1,2],[],[3]],"counters":{"a":[1,null,3],"b":[]}}`,
		`{"unknown":1,"more":[true,false,null],"name":"z","x":{"y":"z"}}`,
		`{"extra":null}`,
		`{"born":null,"photo":null,"id":null,"good":null}`,
		"  {\"id\": 1 }  \n",
	}
	for _, in := range inputs {
		var want, got pet
		wantErr := json.Unmarshal([]byte(in), &want)
		gotErr := Unmarshal([]byte(in), &got, decodePet)
		if (wantErr != nil) != (gotErr != nil) {
			t.Errorf("%s: encoding/json err %v, jsonx err %v", in, wantErr, gotErr)
			continue
		}
		if !reflect.DeepEqual(want, got) {
			t.Errorf("%s:\nencoding/json %+v\njsonx         %+v", in, want, got)
		}
	}
}

// Malformed and mistyped input is an error, as with encoding/json.
func TestErrors(t *testing.T) {
	for _, in := range []string{
		`{"id":"7"}`, `{"name":7}`, `{"small":4294967296}`, `{"good":"yes"}`, `{"born":"yesterday"}`,
		`{"tags":{}}`, `{"owners":[1]}`, `{"id":1`, `{"id":1} {}`, `[]`, `{"photo":"%%%"}`,
	} {
		var got pet
		if err := Unmarshal([]byte(in), &got, decodePet); err == nil {
			t.Errorf("%s: no error", in)
		}
		var want pet
		if err := json.Unmarshal([]byte(in), &want); err == nil {
			t.Errorf("%s: encoding/json accepts it; the case is wrong", in)
		}
	}
}

// Raw values are copies: the input buffer is reused by the caller.
func TestRawCopies(t *testing.T) {
	buf := []byte(`{"extra":{"k":"v"},"name":"n"}`)
	var p pet
	if err := Unmarshal(buf, &p, decodePet); err != nil {
		t.Fatal(err)
	}
	for i := range buf {
		buf[i] = 'x'
	}
	if string(p.Extra) != `{"k":"v"}` || p.Name != "n" {
		t.Errorf("decoded values changed with the input: %q %q", p.Extra, p.Name)
	}
}

func BenchmarkDecode(b *testing.B) {
	var list []map[string]any
	for i := range 100 {
		list = append(list, map[string]any{"id": i, "name": "Rex", "tags": []string{"a", "b"}, "tag": "t",
			"owners": []map[string]any{{"name": "Jane", "age": 30}}, "born": "2024-01-02T03:04:05Z", "unknown": map[string]any{"a": 1}})
	}
	data, _ := json.Marshal(list)
	b.Run("jsonx", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			var out []pet
			if err := Unmarshal(data, &out, func(d *Decoder, v *[]pet) error { return Slice(d, v, decodePet) }); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding_json", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			var out []pet
			if err := json.Unmarshal(data, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// Only whitespace may follow the value: a second value, or the start of
// one cut short (which jx's Skip reports with an io.EOF inside), is an
// error, read directly or through jx.
func TestDataAfterTheValueIsAnError(t *testing.T) {
	read := func(d *Decoder, v *[]int64) error { return Slice(d, v, Int64) }
	for _, in := range []string{`[] x`, `[] []`, `[]{"":`, `[] [`, `[] "`, `[] {`, `[]]`} {
		for _, direct := range []bool{true, false} {
			layoutOK = direct
			var v []int64
			err := Unmarshal([]byte(in), &v, read)
			layoutOK = true
			if err == nil || !strings.Contains(err.Error(), "after the top-level value") && !strings.Contains(err.Error(), "malformed") {
				t.Errorf("%q (direct %v): %v, want data after the top-level value", in, direct, err)
			}
		}
	}
	for _, in := range []string{"[]", "[] \n\t\r "} {
		var v []int64
		if err := Unmarshal([]byte(in), &v, read); err != nil {
			t.Errorf("%q: %v", in, err)
		}
	}
}

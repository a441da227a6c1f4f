package jsonx

import (
	"encoding/json"
	"reflect"
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

var membersOwner = NewMembers([]string{"name", "age"})

func decodeOwner(d *Decoder, s *owner) error {
	return Object(d, membersOwner, s, decodeOwnerMember)
}

func decodeOwnerMember(d *Decoder, s *owner, i int) error {
	switch i {
	case 0: // name
		return String(d, &s.Name)
	case 1: // age
		return Int64(d, &s.Age)
	}
	return d.Skip()
}

var membersPet = NewMembers([]string{"id", "name", "small", "score", "good", "born", "photo", "extra", "color", "tag", "shade", "nick", "tags", "owners", "friends", "best", "next", "matrix", "counters"})

func decodePet(d *Decoder, s *pet) error {
	return Object(d, membersPet, s, decodePetMember)
}

func decodePetMember(d *Decoder, s *pet, i int) error {
	switch i {
	case 0: // id
		return Int64(d, &s.ID)
	case 1: // name
		return String(d, &s.Name)
	case 2: // small
		return Int32(d, &s.Small)
	case 3: // score
		return Float64(d, &s.Score)
	case 4: // good
		return Bool(d, &s.Good)
	case 5: // born
		return Time(d, &s.Born)
	case 6: // photo
		return Bytes(d, &s.Photo)
	case 7: // extra
		return Raw(d, &s.Extra)
	case 8: // color
		return StringAs(d, &s.Color)
	case 9: // tag
		return Opt(d, &s.Tag, String)
	case 10: // shade
		return Opt(d, &s.Shade, StringAs[color])
	case 11: // nick
		return Nullable(d, &s.Nick, String)
	case 12: // tags
		return Slice(d, &s.Tags, String)
	case 13: // owners
		return Slice(d, &s.Owners, decodeOwner)
	case 14: // friends
		return Map(d, &s.Friends, decodeOwner)
	case 15: // best
		return Opt(d, &s.Best, decodeOwner)
	case 16: // next
		return Ptr(d, &s.Next, decodePet)
	case 17: // matrix
		return Slice(d, &s.Matrix, func(d *Decoder, v *[]int64) error { return Slice(d, v, Int64) })
	case 18: // counters
		return Map(d, &s.Counters, func(d *Decoder, v *[]opt.Opt[int64]) error {
			return Slice(d, v, func(d *Decoder, v *opt.Opt[int64]) error { return Opt(d, v, Int64) })
		})
	}
	return d.Skip()
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

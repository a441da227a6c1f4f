package rest

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/opt"
)

type reqTag struct {
	Name string `json:"name"`
}

type reqUnion struct {
	A *reqTag
	B *string
}

func (u reqUnion) MarshalJSON() ([]byte, error) { return json.Marshal(u.A) }

type reqPet struct {
	Name      string              `json:"name"`
	PhotoURLs []string            `json:"photoUrls"`
	Tags      []reqTagged         `json:"tags,omitempty"`
	Owner     opt.Opt[reqOwner]   `json:"owner,omitzero"`
	Extra     map[string]reqOwner `json:"extra,omitempty"`
	Kind      reqUnion            `json:"kind"`
	Born      time.Time           `json:"born"`
	Next      *reqPet             `json:"next,omitempty"`
}

type reqTagged struct {
	Labels []string `json:"labels"`
}

type reqOwner struct {
	Emails []string `json:"emails"`
}

func TestCheckRequired(t *testing.T) {
	ok := reqPet{PhotoURLs: []string{}}
	cases := []struct {
		name string
		v    any
		want string // "" = no error, else the path named
	}{
		{"all set", ok, ""},
		{"nil body", nil, ""},
		{"pointer to value", &ok, ""},
		{"map body", map[string]any{"a": nil}, ""},
		{"required slice nil", reqPet{}, "photoUrls"},
		{"nested in slice", reqPet{PhotoURLs: []string{}, Tags: []reqTagged{{Labels: []string{}}, {}}}, "tags[1].labels"},
		{"nested in opt", reqPet{PhotoURLs: []string{}, Owner: opt.Some(reqOwner{})}, "owner.emails"},
		{"absent opt", reqPet{PhotoURLs: []string{}, Owner: opt.Opt[reqOwner]{}}, ""},
		{"nested in map", reqPet{PhotoURLs: []string{}, Extra: map[string]reqOwner{"x": {}}}, "extra[x].emails"},
		{"through pointer", reqPet{PhotoURLs: []string{}, Next: &reqPet{}}, "next.photoUrls"},
	}
	for _, c := range cases {
		err := checkRequired(c.v)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), "required field "+c.want+" ")):
			t.Errorf("%s: err = %v, want it to name %s", c.name, err, c.want)
		}
	}
}

func TestJSONBodyRequiredFailsBeforeSending(t *testing.T) {
	c := Client{}
	r := c.NewRequest(context.Background(), nil, nil)
	r.JSON("", reqPet{})
	if err := r.Err(); err == nil || !strings.Contains(err.Error(), "photoUrls") {
		t.Fatalf("Err() = %v, want the missing photoUrls named", err)
	}
}

type reqColor string

func (c reqColor) IsKnown() bool { return c == "red" || c == "blue" }

func TestEnumParameterChecked(t *testing.T) {
	c := Client{}
	r := c.NewRequest(context.Background(), nil, nil)
	r.Query("color", reqColor("red"), Form, true)
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	r.Query("color", reqColor("green"), Form, true)
	if err := r.Err(); err == nil || !strings.Contains(err.Error(), "green") || !strings.Contains(err.Error(), `"color"`) {
		t.Fatalf("Err() = %v, want the unknown value and the parameter named", err)
	}
}

type reqOrder struct {
	Color  reqColor            `json:"color"`
	Colors []reqColor          `json:"colors,omitempty"`
	Maybe  opt.Opt[reqColor]   `json:"maybe,omitzero"`
	ByName map[string]reqColor `json:"byName,omitempty"`
}

func TestCheckRequiredEnums(t *testing.T) {
	ok := reqOrder{Color: "red", Colors: []reqColor{"blue"}, Maybe: opt.Some(reqColor("red")), ByName: map[string]reqColor{"a": "red"}}
	if err := checkRequired(ok); err != nil {
		t.Fatal(err)
	}
	for want, v := range map[string]reqOrder{
		"field color: green":     {Color: "green"},
		"field colors[1]: green": {Color: "red", Colors: []reqColor{"red", "green"}},
		"field maybe: green":     {Color: "red", Maybe: opt.Some(reqColor("green"))},
		"field byName[a]: green": {Color: "red", ByName: map[string]reqColor{"a": "green"}},
	} {
		err := checkRequired(v)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want it to contain %q", err, want)
		}
		// The field is named by its path: the Go type is not, since
		// enums with the same values share one declaration under aliases
		// and its name could be another field's.
		if err != nil && strings.Contains(err.Error(), "reqColor") {
			t.Errorf("err = %v names the Go type", err)
		}
	}
	if err := checkRequired(reqColor("green")); err == nil || !strings.Contains(err.Error(), "green") {
		t.Errorf("top-level enum: err = %v", err)
	}
}

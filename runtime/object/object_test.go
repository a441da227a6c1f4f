package object

import (
	"encoding/json"
	"testing"

	"github.com/apigen-go/apigen/runtime/opt"
)

type labels struct {
	Name  string           `json:"name"`
	Color opt.Opt[string]  `json:"color,omitzero"`
	Extra map[string]int64 `json:"-"`
}

func (l labels) MarshalJSON() ([]byte, error) {
	type plain labels
	return MarshalExtra(plain(l), l.Extra)
}

func (l *labels) UnmarshalJSON(b []byte) error {
	type plain labels
	return UnmarshalExtra(b, (*plain)(l), &l.Extra)
}

func TestRoundTrip(t *testing.T) {
	var l labels
	if err := json.Unmarshal([]byte(`{"name":"n","b":2,"a":1,"color":"red","bad":"x"}`), &l); err != nil {
		t.Fatal(err)
	}
	if l.Name != "n" || l.Color.Value != "red" || len(l.Extra) != 2 || l.Extra["a"] != 1 || l.Extra["b"] != 2 {
		t.Fatalf("decoded %+v", l)
	}
	b, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"name":"n","color":"red","a":1,"b":2}`; got != want {
		t.Errorf("encoded %s, want %s", got, want)
	}
	// A declared name in the map never overrides the field.
	l.Extra["name"] = 7
	if b, _ = json.Marshal(l); string(b) != `{"name":"n","color":"red","a":1,"b":2}` {
		t.Errorf("encoded %s", b)
	}
	// Nothing declared set, nothing extra: still a valid object.
	if b, _ = json.Marshal(labels{Extra: map[string]int64{"x": 1}}); string(b) != `{"name":"","x":1}` {
		t.Errorf("encoded %s", b)
	}
	var empty labels
	if err := json.Unmarshal([]byte(`{"name":"z"}`), &empty); err != nil || empty.Extra != nil {
		t.Errorf("no extras: %+v, %v", empty, err)
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

// docs/apigen.schema.json describes exactly the keys readConfig accepts,
// and the repository's own apigen.yaml is valid against it.
func TestConfigSchema(t *testing.T) {
	data, err := os.ReadFile("../../docs/apigen.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Properties map[string]any `json:"properties"`
		Defs       struct {
			Client struct {
				Properties map[string]any `json:"properties"`
			} `json:"client"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	keys := func(m map[string]any) []string {
		var out []string
		for k := range m {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	if got := keys(doc.Properties); !slices.Equal(got, configKeys) {
		t.Errorf("schema top-level keys %v, readConfig accepts %v", got, configKeys)
	}
	if got := keys(doc.Defs.Client.Properties); !slices.Equal(got, clientKeys) {
		t.Errorf("schema client keys %v, readConfig accepts %v", got, clientKeys)
	}

	schemaDoc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("apigen.schema.json", schemaDoc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("apigen.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"../../apigen.yaml", "../../examples/downstream/apigen.yaml"} {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := yaml.Unmarshal(raw, &v); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(v)
		inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err := sch.Validate(inst); err != nil {
			t.Errorf("%s: %v", path, err)
		}
		if _, err := readConfig(path); err != nil {
			t.Errorf("readConfig(%s): %v", path, err)
		}
	}
	bad := map[string]any{"clients": []any{map[string]any{"spec": "a.yaml", "out": "x", "pakage": "p"}}}
	b, _ := json.Marshal(bad)
	inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if sch.Validate(inst) == nil {
		t.Error("the schema accepts an unknown key")
	}
}

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/apigen-go/apigen/generator"
	"github.com/apigen-go/apigen/internal/suggest"
)

// The keys of apigen.yaml, as docs/apigen.schema.json describes them. The
// file is decoded strictly: an unknown key is an error with its line, so a
// typo ("pakage") never silently falls back to a default.
var (
	configKeys = []string{"clients"}
	clientKeys = []string{"envPrefix", "importMapping", "out", "package", "spec", "strict"}
)

// readConfig reads apigen.yaml; paths in it are relative to the file.
func readConfig(path string) ([]generator.Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	bad := func(n *yaml.Node, format string, args ...any) error {
		return fmt.Errorf("%s:%d: %s", path, n.Line, fmt.Sprintf(format, args...))
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s: no clients listed", path)
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, bad(root, "expected a mapping with a clients list")
	}
	var clients *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "clients":
			clients = v
		default:
			return nil, bad(k, "unknown key %q%s (known: %s)", k.Value, suggest.Hint(k.Value, configKeys), strings.Join(configKeys, ", "))
		}
	}
	if clients == nil || len(clients.Content) == 0 {
		return nil, fmt.Errorf("%s: no clients listed", path)
	}
	if clients.Kind != yaml.SequenceNode {
		return nil, bad(clients, "clients: expected a list of {spec, out, package}")
	}
	dir := filepath.Dir(path)
	var jobs []generator.Config
	for i, c := range clients.Content {
		if c.Kind != yaml.MappingNode {
			return nil, bad(c, "clients[%d]: expected a mapping {spec, out, package}", i)
		}
		var job generator.Config
		for j := 0; j+1 < len(c.Content); j += 2 {
			k, v := c.Content[j], c.Content[j+1]
			if !slices.Contains(clientKeys, k.Value) {
				return nil, bad(k, "clients[%d]: unknown key %q%s (known: %s)", i, k.Value, suggest.Hint(k.Value, clientKeys), strings.Join(clientKeys, ", "))
			}
			switch k.Value {
			case "strict":
				if err := v.Decode(&job.Strict); err != nil {
					return nil, bad(v, "clients[%d].strict: want true or false", i)
				}
				continue
			case "importMapping":
				if err := v.Decode(&job.ImportMapping); err != nil || v.Kind != yaml.MappingNode {
					return nil, bad(v, "clients[%d].importMapping: want a mapping of file: Go package path", i)
				}
				continue
			}
			if v.Kind != yaml.ScalarNode || v.Tag != "!!str" {
				return nil, bad(v, "clients[%d].%s: want a string", i, k.Value)
			}
			switch k.Value {
			case "spec":
				job.Spec = v.Value
			case "out":
				job.Out = v.Value
			case "package":
				job.Package = v.Value
			case "envPrefix":
				job.EnvPrefix = v.Value
			}
		}
		if job.Spec == "" || job.Out == "" {
			return nil, bad(c, "clients[%d] needs spec and out", i)
		}
		job.Spec, job.Out = relTo(dir, job.Spec), relTo(dir, job.Out)
		jobs = append(jobs, job)
	}
	return jobs, nil
}

// relTo resolves a path of the config file: relative paths are relative
// to the file's directory, absolute ones are used as given.
func relTo(dir, path string) string {
	if filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(dir, path)
}

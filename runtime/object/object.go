// Package object encodes JSON objects that declare some properties and
// allow others (additionalProperties beside properties): generated
// structs keep the undeclared members, typed, in a map field.
package object

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
)

// MarshalExtra encodes v (a struct without its own MarshalJSON) and adds
// the members of extra whose names no field of v claims, sorted by name.
func MarshalExtra[E any](v any, extra map[string]E) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil || len(extra) == 0 {
		return b, err
	}
	b = bytes.TrimRight(b, " \n")
	if len(b) < 2 || b[len(b)-1] != '}' {
		return nil, fmt.Errorf("object: %T does not encode as an object", v)
	}
	known := names(reflect.TypeOf(v))
	keys := make([]string, 0, len(extra))
	for k := range extra {
		if !known[k] {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	out := b[:len(b)-1]
	empty := len(out) == 1 // "{"
	for _, k := range keys {
		kb, _ := json.Marshal(k)
		vb, err := json.Marshal(extra[k])
		if err != nil {
			return nil, fmt.Errorf("object: member %s: %w", kb, err)
		}
		if !empty {
			out = append(out, ',')
		}
		empty = false
		out = append(out, kb...)
		out = append(out, ':')
		out = append(out, vb...)
	}
	return append(out, '}'), nil
}

// UnmarshalExtra decodes b into v (a pointer to a struct without its own
// UnmarshalJSON) and every member no field of v claims into *extra.
// Decoding is tolerant: a member whose value does not fit E is left out.
func UnmarshalExtra[E any](b []byte, v any, extra *map[string]E) error {
	if err := json.Unmarshal(b, v); err != nil {
		return err
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(b, &members); err != nil || members == nil {
		return err
	}
	known := names(reflect.TypeOf(v).Elem())
	*extra = nil
	for k, raw := range members {
		if known[k] {
			continue
		}
		var e E
		if json.Unmarshal(raw, &e) != nil {
			continue
		}
		if *extra == nil {
			*extra = make(map[string]E)
		}
		(*extra)[k] = e
	}
	return nil
}

var namesCache sync.Map // reflect.Type → map[string]bool

// names returns the JSON member names the fields of struct type t claim.
func names(t reflect.Type) map[string]bool {
	if m, ok := namesCache.Load(t); ok {
		return m.(map[string]bool)
	}
	m := map[string]bool{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag, ok := f.Tag.Lookup("json")
		if !f.IsExported() || tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if !ok || name == "" {
			name = f.Name
		}
		m[name] = true
	}
	namesCache.Store(t, m)
	return m
}

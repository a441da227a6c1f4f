package union

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
)

// Table describes a union's variants for Unmarshal: one Variant per field
// of the generated type, in the order of its fields. Generated code keeps
// one Table per union in a package-level variable, so that decoding builds
// nothing per call and each union's methods are one call each (a method
// that builds the table on every call costs the compiler as much as the
// decoding logic itself, and a big spec has a thousand unions).
type Table struct {
	Discriminator string // the property whose value names the variant, or ""
	Variants      []Candidate
}

// Unmarshal decodes b into the variant that matches it, in the order the
// generated UnmarshalJSON always used: the variant the discriminator
// names, then the one Pick chooses; a value no variant fits is copied to
// raw. Each element of variants is a pointer to the union's pointer field
// of that variant (a **T); the one that fits is set to a new T. Values
// the variant's decoder tolerated are returned, to be reported (see Fits).
func Unmarshal(b []byte, t *Table, raw *json.RawMessage, variants ...any) error {
	if t.Discriminator != "" {
		name := Discriminator(b, t.Discriminator)
		for i, v := range t.Variants {
			if slices.Contains(v.Match, name) {
				if ok, err := decode(b, variants[i]); ok {
					return err
				}
				break
			}
		}
	}
	if i := Pick(b, t.Variants); i >= 0 {
		if ok, err := decode(b, variants[i]); ok {
			return err
		}
	}
	*raw = append(json.RawMessage(nil), b...)
	return nil
}

// decode decodes b into a new value for the pointer *dst points to, and
// sets it when the value fits.
func decode(b []byte, dst any) (bool, error) {
	field := reflect.ValueOf(dst).Elem()
	v := reflect.New(field.Type().Elem())
	err := json.Unmarshal(b, v.Interface())
	if !Fits(err) {
		return false, nil
	}
	field.Set(v)
	return true, err
}

// Marshal encodes the first variant that is set (each element of variants
// is a union's pointer field), else raw; name is the union's type, for the
// error when nothing is set.
func Marshal(name string, raw json.RawMessage, variants ...any) ([]byte, error) {
	for _, v := range variants {
		if !reflect.ValueOf(v).IsNil() {
			return json.Marshal(v)
		}
	}
	if raw != nil {
		return raw, nil
	}
	return nil, errors.New(name + ": no variant set")
}

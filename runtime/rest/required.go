package rest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sync"

	"github.com/apigen-go/apigen/runtime/opt"
)

// checkRequired reports the first member of a request body that must not
// be sent: a required member that is nil (generated structs tag required
// fields without omitempty or omitzero, and a nil slice, map or pointer
// would be sent as null), or an enum value the spec does not list
// (generated enums have IsKnown). Values with their own MarshalJSON
// (unions, times) are not looked into.
func checkRequired(v any) error {
	if v == nil {
		return nil
	}
	rv := reflect.ValueOf(v)
	if !mayMiss(rv.Type()) {
		return nil
	}
	if path, bad := missing(rv, ""); path != "" || bad != nil {
		if bad != nil {
			if path == "" {
				return fmt.Errorf("%v is not a value the spec lists for %T", bad, bad)
			}
			return fmt.Errorf("field %s: %v is not one of the values the spec lists", path, bad)
		}
		return fmt.Errorf("required field %s is not set", path)
	}
	return nil
}

// knower is implemented by generated enums.
type knower interface{ IsKnown() bool }

var (
	marshalerType = reflect.TypeFor[json.Marshaler]()
	valuerType    = reflect.TypeFor[opt.Valuer]()
	knowerType    = reflect.TypeFor[knower]()
	mayMissCache  sync.Map // reflect.Type → bool
)

// mayMiss reports whether a value of t can hold a nil required field, so
// that bodies without any are checked at the cost of one map lookup.
func mayMiss(t reflect.Type) bool {
	if b, ok := mayMissCache.Load(t); ok {
		return b.(bool)
	}
	mayMissCache.Store(t, false) // breaks recursion; recursive fields are optional pointers
	b := computeMayMiss(t)
	mayMissCache.Store(t, b)
	return b
}

func computeMayMiss(t reflect.Type) bool {
	if t.Implements(knowerType) {
		return true
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		return mayMiss(t.Elem())
	case reflect.Interface:
		return true // decided by the dynamic value
	case reflect.Struct:
		if t.Implements(valuerType) {
			return true // opt wrappers: the held value decides
		}
		if t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType) {
			return false
		}
		for _, f := range structFields(t) {
			ft := t.FieldByIndex(f.index).Type
			if f.required() && nilKind(ft.Kind()) || mayMiss(ft) {
				return true
			}
		}
	}
	return false
}

// missing returns the JSON path of the first nil required member of v,
// or of the first unlisted enum value (returned as bad); "", nil if none.
func missing(v reflect.Value, path string) (string, any) {
	if v.Kind() != reflect.Pointer && v.Kind() != reflect.Interface && v.Type().Implements(knowerType) && v.CanInterface() {
		if k := v.Interface().(knower); !k.IsKnown() {
			return path, k
		}
		return "", nil
	}
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return "", nil
		}
		return missing(v.Elem(), path)
	case reflect.Slice, reflect.Array:
		if !mayMiss(v.Type().Elem()) {
			return "", nil
		}
		for i := range v.Len() {
			if p, bad := missing(v.Index(i), fmt.Sprintf("%s[%d]", path, i)); p != "" || bad != nil {
				return p, bad
			}
		}
	case reflect.Map:
		if !mayMiss(v.Type().Elem()) {
			return "", nil
		}
		iter := v.MapRange()
		for iter.Next() {
			if p, bad := missing(iter.Value(), fmt.Sprintf("%s[%v]", path, iter.Key())); p != "" || bad != nil {
				return p, bad
			}
		}
	case reflect.Struct:
		t := v.Type()
		if t.Implements(valuerType) {
			if x, ok := v.Interface().(opt.Valuer).Lookup(); ok && x != nil {
				return missing(reflect.ValueOf(x), path)
			}
			return "", nil
		}
		if !mayMiss(t) {
			return "", nil
		}
		for _, f := range structFields(t) {
			if !f.tagged {
				continue
			}
			fv, ok := fieldByIndex(v, f.index)
			if !ok {
				continue
			}
			fp := f.name
			if path != "" {
				fp = path + "." + f.name
			}
			if f.required() && nilKind(fv.Kind()) && fv.IsNil() {
				return fp, nil
			}
			if p, bad := missing(fv, fp); p != "" || bad != nil {
				return p, bad
			}
		}
	}
	return "", nil
}

func nilKind(k reflect.Kind) bool {
	switch k {
	case reflect.Slice, reflect.Map, reflect.Pointer, reflect.Interface:
		return true
	}
	return false
}

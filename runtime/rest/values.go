package rest

import (
	"encoding"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apigen-go/apigen/runtime/opt"
)

// state is what a parameter value amounts to once opt wrappers and
// pointers are looked through.
type state uint8

const (
	absent  state = iota // nil, nil pointer/slice/map, absent opt: not sent
	null                 // present and null (opt.Nullable): sent as an empty value where the location allows
	present              // a value
)

// shape is the serialisation shape of a present value.
type shape uint8

const (
	scalarShape shape = iota
	listShape
	objectShape
)

// kv is one member of an object value, already formatted.
type kv struct{ k, v string }

// flat is a parameter value reduced to what the OpenAPI styles need:
// a scalar, a list of scalars or an ordered list of key/value pairs.
type flat struct {
	state state
	shape shape
	s     string
	list  []string
	obj   []kv
}

// fastScalar formats the most common parameter types without reflection
// or boxing. handled is false when v needs the general path.
func fastScalar(v any) (s string, st state, handled bool) {
	switch x := v.(type) {
	case nil:
		return "", absent, true
	case string:
		return x, present, true
	case int:
		return strconv.Itoa(x), present, true
	case int64:
		return strconv.FormatInt(x, 10), present, true
	case int32:
		return strconv.FormatInt(int64(x), 10), present, true
	case bool:
		return strconv.FormatBool(x), present, true
	case float64:
		return formatFloat(x, 64), present, true
	case time.Time:
		return x.Format(time.RFC3339Nano), present, true
	case opt.Opt[string]:
		return x.Value, optState(x.Set), true
	case opt.Opt[int]:
		if !x.Set {
			return "", absent, true
		}
		return strconv.Itoa(x.Value), present, true
	case opt.Opt[int64]:
		if !x.Set {
			return "", absent, true
		}
		return strconv.FormatInt(x.Value, 10), present, true
	case opt.Opt[int32]:
		if !x.Set {
			return "", absent, true
		}
		return strconv.FormatInt(int64(x.Value), 10), present, true
	case opt.Opt[bool]:
		if !x.Set {
			return "", absent, true
		}
		return strconv.FormatBool(x.Value), present, true
	case opt.Opt[float64]:
		if !x.Set {
			return "", absent, true
		}
		return formatFloat(x.Value, 64), present, true
	case opt.Opt[time.Time]:
		if !x.Set {
			return "", absent, true
		}
		return x.Value.Format(time.RFC3339Nano), present, true
	}
	return "", absent, false
}

func optState(set bool) state {
	if set {
		return present
	}
	return absent
}

// formatFloat renders f without an exponent, as short as round-trips.
func formatFloat(f float64, bits int) string {
	return strconv.FormatFloat(f, 'f', -1, bits)
}

// resolve looks through opt wrappers and pointers. A pointer whose type
// has MarshalText is kept as is so that the method is used.
func resolve(v any) (any, state) {
	for {
		switch x := v.(type) {
		case nil:
			return nil, absent
		case string, bool, int, int64, float64, time.Time:
			return v, present
		case opt.Valuer:
			if rv := reflect.ValueOf(x); rv.Kind() == reflect.Pointer && rv.IsNil() {
				return nil, absent
			}
			inner, ok := x.Lookup()
			if !ok {
				return nil, absent
			}
			if inner == nil {
				return nil, null
			}
			v = inner
			continue
		}
		rv := reflect.ValueOf(v)
		switch rv.Kind() {
		case reflect.Pointer, reflect.Interface:
			if rv.IsNil() {
				return nil, absent
			}
			switch v.(type) {
			case encoding.TextMarshaler, io.Reader:
				// Keep the pointer: its methods matter (and a reader
				// must not be copied).
				return v, present
			}
			v = rv.Elem().Interface()
			continue
		case reflect.Slice, reflect.Map:
			if rv.IsNil() {
				return nil, absent
			}
		}
		return v, present
	}
}

// scalarString formats a resolved value that is a scalar: strings, bools,
// numbers (also named types such as enums), time.Time (RFC 3339), []byte
// (standard base64, as encoding/json does), encoding.TextMarshaler and,
// for other non-composite types, fmt.Stringer. ok is false for lists and
// objects.
func scalarString(v any) (s string, ok bool, err error) {
	if s, st, handled := fastScalar(v); handled && st == present {
		return s, true, nil
	}
	// Generated enums: a value the spec does not list fails before sending.
	if e, ok := v.(interface{ IsKnown() bool }); ok && !e.IsKnown() {
		return "", true, fmt.Errorf("%v is not one of the values the spec lists", v)
	}
	switch x := v.(type) {
	case int8:
		return strconv.FormatInt(int64(x), 10), true, nil
	case int16:
		return strconv.FormatInt(int64(x), 10), true, nil
	case uint:
		return strconv.FormatUint(uint64(x), 10), true, nil
	case uint8:
		return strconv.FormatUint(uint64(x), 10), true, nil
	case uint16:
		return strconv.FormatUint(uint64(x), 10), true, nil
	case uint32:
		return strconv.FormatUint(uint64(x), 10), true, nil
	case uint64:
		return strconv.FormatUint(x, 10), true, nil
	case float32:
		return formatFloat(float64(x), 32), true, nil
	case json.Number:
		return string(x), true, nil
	case []byte:
		return base64.StdEncoding.EncodeToString(x), true, nil
	case encoding.TextMarshaler:
		b, err := x.MarshalText()
		if err != nil {
			return "", true, err
		}
		return string(b), true, nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String:
		return rv.String(), true, nil
	case reflect.Bool:
		return strconv.FormatBool(rv.Bool()), true, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(rv.Int(), 10), true, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(rv.Uint(), 10), true, nil
	case reflect.Float32:
		return formatFloat(rv.Float(), 32), true, nil
	case reflect.Float64:
		return formatFloat(rv.Float(), 64), true, nil
	case reflect.Slice:
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			return base64.StdEncoding.EncodeToString(rv.Bytes()), true, nil
		}
		return "", false, nil
	case reflect.Array, reflect.Map:
		return "", false, nil
	case reflect.Struct:
		// A struct with a String method is an identifier of some kind
		// rather than an object.
		if st, ok := v.(fmt.Stringer); ok {
			return st.String(), true, nil
		}
		return "", false, nil
	}
	if st, ok := v.(fmt.Stringer); ok {
		return st.String(), true, nil
	}
	return "", false, fmt.Errorf("unsupported type %T", v)
}

// flatten reduces v to a scalar, a list of scalars or an object whose
// member values are scalars. Inside lists and objects, null members become
// "" and absent ones are dropped; a list nested in an object is
// comma-joined and anything deeper is written as JSON (OpenAPI leaves
// these cases undefined).
func flatten(v any) (flat, error) {
	if s, st, handled := fastScalar(v); handled {
		return flat{state: st, s: s}, nil
	}
	switch x := v.(type) {
	case []string:
		if x == nil {
			return flat{}, nil
		}
		return flat{state: present, shape: listShape, list: x}, nil
	case map[string]string:
		if x == nil {
			return flat{}, nil
		}
		keys := sortedKeys(x)
		obj := make([]kv, len(keys))
		for i, k := range keys {
			obj[i] = kv{k, x[k]}
		}
		return flat{state: present, shape: objectShape, obj: obj}, nil
	}
	v, st := resolve(v)
	if st != present {
		return flat{state: st}, nil
	}
	s, ok, err := scalarString(v)
	if err != nil {
		return flat{}, err
	}
	if ok {
		return flat{state: present, s: s}, nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		list := make([]string, 0, rv.Len())
		for i := range rv.Len() {
			s, st, err := member(rv.Index(i).Interface())
			if err != nil {
				return flat{}, err
			}
			if st != absent {
				list = append(list, s)
			}
		}
		return flat{state: present, shape: listShape, list: list}, nil
	case reflect.Map, reflect.Struct:
		var obj []kv
		err := eachMember(rv, func(k string, mv any) error {
			s, st, err := member(mv)
			if err != nil {
				return err
			}
			if st != absent {
				obj = append(obj, kv{k, s})
			}
			return nil
		})
		if err != nil {
			return flat{}, err
		}
		return flat{state: present, shape: objectShape, obj: obj}, nil
	}
	return flat{}, fmt.Errorf("unsupported type %T", v)
}

// member formats one element of a list or object.
func member(v any) (string, state, error) {
	if s, st, handled := fastScalar(v); handled {
		return s, st, nil
	}
	v, st := resolve(v)
	if st != present {
		return "", st, nil
	}
	s, ok, err := scalarString(v)
	if err != nil || ok {
		return s, present, err
	}
	rv := reflect.ValueOf(v)
	if k := rv.Kind(); k == reflect.Slice || k == reflect.Array {
		parts := make([]string, 0, rv.Len())
		scalars := true
		for i := range rv.Len() {
			ev, est := resolve(rv.Index(i).Interface())
			if est == absent {
				continue
			}
			es := ""
			if est == present {
				var eok bool
				es, eok, err = scalarString(ev)
				if err != nil {
					return "", present, err
				}
				if !eok {
					scalars = false
					break
				}
			}
			parts = append(parts, es)
		}
		if scalars {
			return strings.Join(parts, ","), present, nil
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", present, err
	}
	return string(b), present, nil
}

// eachMember calls f for each member of a map (sorted keys) or struct
// (field order, json names, embedded structs promoted) held in rv.
func eachMember(rv reflect.Value, f func(k string, v any) error) error {
	switch rv.Kind() {
	case reflect.Map:
		type entry struct {
			k string
			v reflect.Value
		}
		entries := make([]entry, 0, rv.Len())
		iter := rv.MapRange()
		for iter.Next() {
			k, ok, err := scalarString(iter.Key().Interface())
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("unsupported map key type %s", iter.Key().Type())
			}
			entries = append(entries, entry{k, iter.Value()})
		}
		slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.k, b.k) })
		for _, e := range entries {
			if err := f(e.k, e.v.Interface()); err != nil {
				return err
			}
		}
	case reflect.Struct:
		for _, fi := range structFields(rv.Type()) {
			fv, ok := fieldByIndex(rv, fi.index)
			if !ok || fi.omit(fv) {
				continue
			}
			if err := f(fi.name, fv.Interface()); err != nil {
				return err
			}
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// field is one encodable struct field.
type field struct {
	name      string
	index     []int
	omitEmpty bool
	omitZero  bool
	tagged    bool // has a json tag
}

// required reports whether generated code marks the field required: a
// json tag without omitempty or omitzero.
func (fi *field) required() bool { return fi.tagged && !fi.omitEmpty && !fi.omitZero }

func (fi *field) omit(v reflect.Value) bool {
	if fi.omitZero {
		if z, ok := v.Interface().(interface{ IsZero() bool }); ok {
			return z.IsZero()
		}
		if v.IsZero() {
			return true
		}
	}
	if fi.omitEmpty {
		switch v.Kind() {
		case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
			return v.Len() == 0
		case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
			reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
			return v.IsZero()
		}
	}
	return false
}

var fieldCache sync.Map // reflect.Type → []field

// structFields lists the fields of t as encoding/json names them: json tag
// names (or the Go name), "-" skipped, unexported fields skipped, fields of
// untagged embedded structs promoted. Field order is declaration order.
func structFields(t reflect.Type) []field {
	if f, ok := fieldCache.Load(t); ok {
		return f.([]field)
	}
	var fields []field
	var walk func(t reflect.Type, index []int, depth int)
	walk = func(t reflect.Type, index []int, depth int) {
		for i := range t.NumField() {
			sf := t.Field(i)
			tag := sf.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			idx := append(slices.Clip(index), i)
			if sf.Anonymous && name == "" {
				ft := sf.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct && depth < 8 {
					walk(ft, idx, depth+1)
					continue
				}
			}
			if !sf.IsExported() {
				continue
			}
			if name == "" {
				name = sf.Name
			}
			fi := field{name: name, index: idx, tagged: tag != ""}
			for o := range strings.SplitSeq(opts, ",") {
				switch o {
				case "omitempty":
					fi.omitEmpty = true
				case "omitzero":
					fi.omitZero = true
				}
			}
			fields = append(fields, fi)
		}
	}
	walk(t, nil, 0)
	f, _ := fieldCache.LoadOrStore(t, fields)
	return f.([]field)
}

// fieldByIndex is reflect.Value.FieldByIndex that reports false instead of
// panicking at a nil embedded pointer.
func fieldByIndex(v reflect.Value, index []int) (reflect.Value, bool) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, true
}

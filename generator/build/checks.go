package build

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/apigen-go/apigen/generator/model"
	"github.com/apigen-go/apigen/generator/naming"
	"github.com/apigen-go/apigen/internal/suggest"
)

// checkRequired warns about required names of s, or of the inline allOf
// branches of s, that no property declares across all the branches: the
// author meant a property that is not there, usually a typo, and no field
// will be required for it. Referenced branches are checked where they are
// declared. A schema that allows additional properties is left alone, since
// there a required name may be one of the extra keys.
func (b *builder) checkRequired(s *openapi3.Schema, ptr string) {
	parts := flattenAllOf(s)
	props := map[string]bool{}
	for _, p := range parts {
		if p.AdditionalProperties.Schema != nil || (p.AdditionalProperties.Has != nil && *p.AdditionalProperties.Has) {
			return
		}
		for name := range p.Properties {
			props[name] = true
		}
	}
	check := func(required []string, at string) {
		for j, r := range required {
			if !props[r] {
				b.warn(fmt.Sprintf("%s/required/%d", at, j), "required names %q, which no property declares%s; nothing is required for it",
					r, suggest.Hint(r, sortedKeys(props)))
			}
		}
	}
	check(s.Required, ptr)
	for i, br := range s.AllOf {
		if br != nil && br.Ref == "" && br.Value != nil {
			check(br.Value.Required, fmt.Sprintf("%s/allOf/%d", ptr, i))
		}
	}
}

// checkEnum warns about enum values that are not of the schema's type:
// they could never be sent or received, and they make the enum fall back
// to a plain value without constants.
func (b *builder) checkEnum(s *openapi3.Schema, ptr string) {
	if s.Type == nil || len(*s.Type) != 1 {
		return
	}
	typ := (*s.Type)[0]
	for i, v := range s.Enum {
		if v == nil || fitsType(v, typ) {
			continue
		}
		b.warn(fmt.Sprintf("%s/enum/%d", ptr, i), "enum value %v is %s, but the schema's type is %s", jsonText(v), jsonKind(v), typ)
	}
}

func fitsType(v any, typ string) bool {
	switch typ {
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "number":
		switch v.(type) {
		case float64, int, int64:
			return true
		}
	case "integer":
		switch x := v.(type) {
		case int, int64:
			return true
		case float64:
			return x == math.Trunc(x)
		}
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	default:
		return true
	}
	return false
}

func jsonKind(v any) string {
	switch x := v.(type) {
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case float64:
		if x == math.Trunc(x) {
			return "an integer"
		}
		return "a number"
	case int, int64:
		return "an integer"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	}
	return fmt.Sprintf("a %T", v)
}

func jsonText(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprint(v)
}

// registerEnums records the component schemas that are plain enums, by
// their values, before any schema is filled: an inline enum with the same
// base type and values is then the component's type, not a second
// declaration of it (RAYNET's Company.rating and CompanyRating).
func (b *builder) registerEnums() {
	b.enums = map[string]*model.Type{}
	if b.doc.Components == nil {
		return
	}
	for _, k := range sortedKeys(b.doc.Components.Schemas) {
		ref := b.doc.Components.Schemas[k]
		if ref == nil || ref.Value == nil || ref.Ref != "" {
			continue
		}
		if sig, ok := enumSig(ref.Value); ok {
			if _, dup := b.enums[sig]; !dup { // two identical components stay two types
				b.enums[sig] = b.byRef["#/components/schemas/"+k]
			}
		}
	}
}

// sameEnum returns the component enum an inline schema repeats, or nil.
func (b *builder) sameEnum(s *openapi3.Schema) *model.Type {
	if sig, ok := enumSig(s); ok && goName(s.Extensions) == "" {
		return b.enums[sig]
	}
	return nil
}

// enumSig is the identity of a plain enum schema: its base type,
// nullability and values in order. Schemas that are more than an enum
// (properties, compositions, their own constant names) have none.
func enumSig(s *openapi3.Schema) (string, bool) {
	if len(s.Enum) == 0 || len(s.Properties) > 0 || len(s.AllOf)+len(s.OneOf)+len(s.AnyOf) > 0 || s.Extensions["x-enum-varnames"] != nil {
		return "", false
	}
	base := enumBase(s)
	if base == model.Any {
		return "", false
	}
	b, err := json.Marshal(s.Enum)
	if err != nil {
		return "", false
	}
	return fmt.Sprintf("%v|%v|%s|%s", base, s.Nullable, s.Format, b), true
}

// fieldName is the Go name of a struct field: the property's x-go-name,
// else derived from its JSON name; a clash falls back to the JSON name
// itself made exportable ("pet_id" beside "petId": Pet_id).
func (b *builder) fieldName(fields *naming.Scope, name string, pr *openapi3.SchemaRef, ptr string) string {
	if pr != nil {
		// Beside a $ref the name is the reference's (kin keeps x- siblings
		// there); inline it is the schema's.
		n := goName(pr.Extensions)
		if n == "" && pr.Ref == "" && pr.Value != nil {
			n = goName(pr.Value.Extensions)
		}
		if n != "" {
			return b.claimChosen(fields, n, ptr)
		}
	}
	return fields.Claim(naming.Exported(name), ptr, rawExported(name))
}

// rawExported keeps a JSON name as it is spelled, changed only as far as
// a Go identifier needs: first letter upper case, other characters "_".
func rawExported(s string) string {
	var sb strings.Builder
	for i, r := range s {
		switch {
		case i == 0 && unicode.IsLetter(r):
			sb.WriteRune(unicode.ToUpper(r))
		case i == 0:
			sb.WriteString("X")
			if unicode.IsDigit(r) {
				sb.WriteRune(r)
			}
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			sb.WriteRune(r)
		default:
			sb.WriteByte('_')
		}
	}
	return sb.String()
}

package build

import (
	"fmt"
	"strings"

	"github.com/apigen-go/apigen/generator/model"
)

// dedupeStructs turns every inline struct type that is identical to
// another struct type (same fields, tags, docs and field types, nested
// types compared the same way) into an alias of one of them: big specs
// repeat the same inline objects in many places (Stripe: a quarter of its
// structs), and each distinct struct costs the compiler code and
// instantiations of opt.Opt. Names stay as they were, as aliases;
// component schemas keep their own declarations.
func dedupeStructs(types []*model.Type) {
	var structs []*model.Type
	class := map[*model.Type]int{}
	for _, t := range types {
		if t.Kind == model.Struct {
			structs = append(structs, t)
			class[t] = 0
		}
	}
	if len(structs) < 2 {
		return
	}
	// Partition refinement: split classes by signature, where a nested
	// struct is named by its class, until the partition is stable.
	classes := 1
	for {
		sigs := map[string]int{}
		next := make(map[*model.Type]int, len(structs))
		for _, t := range structs {
			sig := structSig(t, class)
			id, ok := sigs[sig]
			if !ok {
				id = len(sigs)
				sigs[sig] = id
			}
			next[t] = id
		}
		class = next
		if len(sigs) == classes {
			break
		}
		classes = len(sigs)
	}
	canonical := map[int]*model.Type{}
	for _, t := range structs { // types are sorted by name: the first of a class wins
		c := canonical[class[t]]
		if c == nil || (!isComponent(c) && isComponent(t)) {
			canonical[class[t]] = t
		}
	}
	for _, t := range structs {
		c := canonical[class[t]]
		if c == t || isComponent(t) {
			continue
		}
		*t = model.Type{Kind: model.Named, Name: t.Name, Doc: t.Doc, Pointer: t.Pointer, Ref: c}
	}
}

func isComponent(t *model.Type) bool {
	rest, ok := strings.CutPrefix(t.Pointer, "/components/schemas/")
	return ok && !strings.Contains(rest, "/")
}

// structSig describes a struct's declaration, nested structs by class.
func structSig(t *model.Type, class map[*model.Type]int) string {
	var b strings.Builder
	for _, f := range t.Fields {
		fmt.Fprintf(&b, "%s|%s|%t|%t|%t|%t|%t|%q|%s;", f.Name, f.JSONName, f.Required, f.Nullable, f.Pointer, f.ReadOnly, f.WriteOnly, f.Doc, typeSig(f.Type, class))
	}
	if t.AdditionalProperties {
		fmt.Fprintf(&b, "+%s|%s", t.ExtraField, typeSig(t.Elem, class))
	}
	return b.String()
}

func typeSig(t *model.Type, class map[*model.Type]int) string {
	switch {
	case t == nil:
		return "nil"
	case t.Kind == model.Named:
		if id, ok := class[t.Ref]; ok {
			return fmt.Sprintf("S%d", id)
		}
		if r := t.Ref; r.Kind == model.Named && r.EnumValues != nil {
			return "N." + r.Ref.Name // an enum made an alias by dedupeEnums (never foreign)
		}
		return "N" + t.Ref.Import + "." + t.Ref.Name // another package's Status is not ours
	case t.Kind == model.Array || t.Kind == model.Map:
		return fmt.Sprintf("%d(%s)", t.Kind, typeSig(t.Elem, class))
	case t.Name != "":
		return "N" + t.Name
	}
	return fmt.Sprintf("%d:%s:%d", t.Kind, t.Format, t.EnumBase)
}

// dedupeEnums turns every inline enum whose base type and values (in
// order) equal another enum's into an alias of it, as dedupeStructs does
// for structs: Stripe declares 2 270 enums with 433 distinct value lists,
// and each costs an IsKnown and instantiations of opt.Opt and
// opt.Nullable. The alias keeps its name, doc and constants (typed by the
// alias, so their names and values are unchanged); component schemas keep
// their own declarations.
func dedupeEnums(types []*model.Type) {
	canonical := map[string]*model.Type{}
	var enums []*model.Type
	for _, t := range types { // types are sorted by name: the first of a rank wins
		if t.Kind != model.Enum || len(t.EnumValues) == 0 {
			continue
		}
		enums = append(enums, t)
		sig := enumValuesSig(t)
		if c := canonical[sig]; c == nil || enumRank(t) < enumRank(c) {
			canonical[sig] = t
		}
	}
	for _, t := range enums {
		c := canonical[enumValuesSig(t)]
		if c == t || isComponent(t) {
			continue
		}
		*t = model.Type{Kind: model.Named, Name: t.Name, Doc: t.Doc, Pointer: t.Pointer, Ref: c, EnumValues: t.EnumValues}
	}
}

// enumRank orders the candidates for an enum's declaration: a component
// schema, then an enum inside one (Pet's status rather than a query
// parameter's), then the others.
func enumRank(t *model.Type) int {
	switch {
	case isComponent(t):
		return 0
	case strings.HasPrefix(t.Pointer, "/components/schemas/"):
		return 1
	}
	return 2
}

// enumValuesSig describes an enum's base type and values.
func enumValuesSig(t *model.Type) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d", t.EnumBase)
	for _, v := range t.EnumValues {
		fmt.Fprintf(&b, "|%T:%v", v.Value, v.Value)
	}
	return b.String()
}

package emit

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dave/jennifer/jen"

	"github.com/apigen-go/apigen/generator/model"
)

// TestIsKnownSharesOneHelper checks that IsKnown calls the one isKnown
// helper and that the helper is kept out of the inliner, which would copy
// it into every IsKnown (issue 19: ~50 MB of OpenAI's compile memory).
func TestIsKnownSharesOneHelper(t *testing.T) {
	api := &model.API{Types: []*model.Type{
		{Name: "Color", Kind: model.Enum, EnumBase: model.String, EnumValues: []model.EnumValue{{Name: "ColorRed", Value: "red"}}},
		{Name: "Size", Kind: model.Enum, EnumBase: model.Int64, EnumValues: []model.EnumValue{{Name: "Size1", Value: int64(1)}}},
	}}
	f := jen.NewFile("p")
	jsonMethods(f, api)
	src := fmt.Sprintf("%#v", f)
	for _, want := range []string{
		"return isKnown(knownColor, string(v))",
		"return isKnown(knownSize, int64(v))",
		"//go:noinline\nfunc isKnown[T comparable](list []T, v T) bool {",
	} {
		if !strings.Contains(src, want) {
			t.Errorf("missing %q in:\n%s", want, src)
		}
	}
	if n := strings.Count(src, "func isKnown"); n != 1 {
		t.Errorf("isKnown declared %d times, want once", n)
	}
}

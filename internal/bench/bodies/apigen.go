package bodies

import (
	"github.com/apigen-go/apigen/internal/bench/benchpets"
	"github.com/apigen-go/apigen/runtime/jsonx"
)

// DecodeApigen decodes p as runtime/rest does with benchpets' generated
// code: an OrderPage with its generated UnmarshalJSON, a list of pets with
// jsonx.Slice over the element's generated reader (what findPets does).
func DecodeApigen(p Payload) error {
	if p.Pets {
		var out []benchpets.Pet
		return DecodePets(p.Body, &out)
	}
	var out benchpets.OrderPage
	return out.UnmarshalJSON(p.Body)
}

// DecodePets is findPets' generated decoding of its body.
func DecodePets(body []byte, out *[]benchpets.Pet) error {
	return jsonx.Unmarshal(body, out, func(d *jsonx.Decoder, v *[]benchpets.Pet) error {
		return jsonx.Slice(d, v, readPet)
	})
}

var membersPet = jsonx.NewMembers([]string{"id", "name", "tag"}, "id", "name")

// readPet is benchpets' generated decodePet (unexported there): the same
// calls, to be kept as generated.
func readPet(d *jsonx.Decoder, s *benchpets.Pet) error {
	return jsonx.Object(d, membersPet, s, readPetMember)
}

func readPetMember(d *jsonx.Decoder, s *benchpets.Pet, i int) error {
	switch i {
	case 0: // id
		return jsonx.Int64(d, &s.ID)
	case 1: // name
		return jsonx.String(d, &s.Name)
	case 2: // tag
		return jsonx.OptString(d, &s.Tag)
	}
	return d.Skip()
}

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

var requiredPet = []string{"id", "name"}

// readPet is benchpets' generated decodePet (unexported there): the same
// calls, to be kept as generated.
func readPet(d *jsonx.Decoder, s *benchpets.Pet) error {
	return jsonx.Object(d, requiredPet, s, readPetMember)
}

func readPetMember(d *jsonx.Decoder, s *benchpets.Pet, key []byte) (int, error) {
	switch string(key) {
	case "id":
		return 0, jsonx.Int64(d, &s.ID)
	case "name":
		return 1, jsonx.String(d, &s.Name)
	case "tag":
		return jsonx.Optional, jsonx.OptString(d, &s.Tag)
	}
	return jsonx.Unknown, nil
}

package naming

import "testing"

func TestExported(t *testing.T) {
	for in, want := range map[string]string{
		"pet_id": "PetID", "optionIds": "OptionIDs", "image_urls": "ImageURLs", "status": "Status", "petId": "PetID", "PetID": "PetID", "HTTPServer": "HTTPServer",
		"repos/get-content": "ReposGetContent", "+1": "Plus1", "-1": "Minus1", "": "Empty",
		"2fa": "N2fa", "foo bar": "FooBar", "url": "URL", "x-rate-limit": "XRateLimit",
		"application/json": "ApplicationJSON", "<": "Lt", "type": "Type", "_links": "Links",
		"v1.2": "V12", "créé": "Créé",
	} {
		if got := Exported(in); got != want {
			t.Errorf("Exported(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestUnexported(t *testing.T) {
	for in, want := range map[string]string{
		"pet_id": "petID", "ID": "id", "type": "type_", "string": "string_", "URLPath": "urlPath",
		"HTTPServer": "httpServer", "ctx": "ctx",
	} {
		if got := Unexported(in); got != want {
			t.Errorf("Unexported(%q) = %q, want %q", in, got, want)
		}
	}
}

// A clash never produces a counter: the second name comes from the
// alternates, else from a hash of its own source, so it does not depend on
// what else was claimed before.
func TestScope(t *testing.T) {
	type rename struct{ want, got, holder, source string }
	var renames []rename
	s := NewScope("Client")
	s.Renamed = func(want, got, holder, source string) { renames = append(renames, rename{want, got, holder, source}) }
	if got := s.Claim("Pet", "/components/schemas/Pet"); got != "Pet" {
		t.Fatalf("got %q", got)
	}
	if got := s.Claim("Client", "/components/schemas/Client", "ClientSchema"); got != "ClientSchema" {
		t.Fatalf("got %q, want the alternate", got)
	}
	a := s.Claim("Pet", "/components/schemas/pet")
	if a == "Pet" || a == "Pet2" || a[:4] != "Pet_" {
		t.Fatalf("got %q, want Pet_<hash>", a)
	}
	// The same source gets the same name in another scope, whatever came
	// before it there.
	other := NewScope()
	other.Claim("Pet", "/components/schemas/Zebra")
	other.Claim("Pet_0000", "x")
	if b := other.Claim("Pet", "/components/schemas/pet"); b != a {
		t.Errorf("the derived name changed with the scope's history: %q vs %q", b, a)
	}
	want := []rename{
		{"Client", "ClientSchema", Reserved, "/components/schemas/Client"},
		{"Pet", a, "/components/schemas/Pet", "/components/schemas/pet"},
	}
	if len(renames) < 2 || renames[0] != want[0] || renames[1] != want[1] {
		t.Errorf("renames = %+v, want %+v first", renames, want)
	}
	if s.TryClaim("Pet", "y") || !s.TryClaim("Dog", "y") || s.Holder("Dog") != "y" {
		t.Error("TryClaim")
	}
}

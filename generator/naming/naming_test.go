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

func TestScope(t *testing.T) {
	s := NewScope("Client")
	if got := s.Claim("Client"); got != "Client2" {
		t.Fatalf("got %q", got)
	}
	if got := s.Claim("Pet"); got != "Pet" {
		t.Fatalf("got %q", got)
	}
	if got := s.Claim("Pet"); got != "Pet2" {
		t.Fatalf("got %q", got)
	}
}

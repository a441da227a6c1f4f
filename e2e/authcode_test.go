package e2e

import (
	"net/url"
	"testing"

	"github.com/apigen-go/apigen/generated/foxdeli"
	"github.com/apigen-go/apigen/generated/jtlffn"
	"github.com/apigen-go/apigen/runtime/secret"
)

// TestAuthCodeURLAsksForTheSpecsScopes: both providers require scope on
// the authorization URL; without WithScopes it is every scope the spec
// declares, and WithScopes narrows it.
func TestAuthCodeURLAsksForTheSpecsScopes(t *testing.T) {
	scope := func(t *testing.T, u string, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		pu, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		return pu.Query().Get("scope")
	}
	jc := jtlffn.Credentials{ClientID: "id", ClientSecret: secret.New("s"), RedirectURL: "https://app.example/cb"}
	c, err := jtlffn.New("", jtlffn.WithCredentials(jc))
	if err != nil {
		t.Fatal(err)
	}
	u, err := c.AuthCodeURL("st")
	if got, want := scope(t, u, err), "ffn.fulfiller.read ffn.fulfiller.write ffn.merchant.read ffn.merchant.write"; got != want {
		t.Errorf("JTL-FFN default scope = %q, want %q", got, want)
	}
	c, err = jtlffn.New("", jtlffn.WithCredentials(jc), jtlffn.WithScopes("ffn.fulfiller.read"))
	if err != nil {
		t.Fatal(err)
	}
	u, err = c.AuthCodeURL("st")
	if got := scope(t, u, err); got != "ffn.fulfiller.read" {
		t.Errorf("JTL-FFN WithScopes scope = %q", got)
	}

	fc, err := foxdeli.New("", foxdeli.WithCredentials(foxdeli.Credentials{ClientID: "id", ClientSecret: secret.New("s"), RedirectURL: "https://app.example/cb"}))
	if err != nil {
		t.Fatal(err)
	}
	u, err = fc.AuthCodeURL("st")
	if got := scope(t, u, err); got == "" {
		t.Error("Foxdeli AuthCodeURL has no scope")
	}
}

package e2e

import (
	"reflect"
	"regexp"
	"testing"

	"github.com/apigen-go/apigen/generated/boxnow"
	"github.com/apigen-go/apigen/generated/foxdeli"
	"github.com/apigen-go/apigen/generated/jtlffn"
	"github.com/apigen-go/apigen/generated/launchdarkly"
	"github.com/apigen-go/apigen/generated/pdfgenerator"
	"github.com/apigen-go/apigen/generated/petrosoft"
	"github.com/apigen-go/apigen/generated/productconfigurator"
	"github.com/apigen-go/apigen/generated/raiffeisen"
	"github.com/apigen-go/apigen/generated/raynet"
	"github.com/apigen-go/apigen/generated/segnivo"
	"github.com/apigen-go/apigen/generated/xsale"
	"github.com/apigen-go/apigen/runtime/secret"
)

// TestSecretCredentialsAreSecrets: in every provider's Credentials a field
// that holds a key, secret, password or token is a secret.Secret, which
// redacts itself in logs and fmt, never a plain string.
func TestSecretCredentialsAreSecrets(t *testing.T) {
	secretName := regexp.MustCompile(`Key|Secret|Password|Token`)
	secretType := reflect.TypeFor[secret.Secret]()
	for _, creds := range []any{
		raynet.Credentials{}, pdfgenerator.Credentials{}, launchdarkly.Credentials{}, boxnow.Credentials{},
		segnivo.Credentials{}, productconfigurator.Credentials{}, jtlffn.Credentials{}, raiffeisen.Credentials{},
		foxdeli.Credentials{}, xsale.Credentials{}, petrosoft.Credentials{},
	} {
		typ := reflect.TypeOf(creds)
		for i := range typ.NumField() {
			f := typ.Field(i)
			if secretName.MatchString(f.Name) && f.Type != secretType {
				t.Errorf("%s.%s is %s, want secret.Secret", typ, f.Name, f.Type)
			}
		}
	}
}

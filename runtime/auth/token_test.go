package auth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/apigen-go/apigen/runtime/secret"
)

func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func TestTokenValid(t *testing.T) {
	tok := &Token{AccessToken: secret.New("a"), Expiry: t0.Add(time.Minute)}
	cases := []struct {
		name string
		tok  *Token
		now  time.Time
		skew time.Duration
		want bool
	}{
		{"nil", nil, t0, 0, false},
		{"empty", &Token{}, t0, 0, false},
		{"no expiry", &Token{AccessToken: secret.New("a")}, t0.Add(1000 * time.Hour), time.Hour, true},
		{"fresh", tok, t0, 10 * time.Second, true},
		{"inside skew", tok, t0.Add(55 * time.Second), 10 * time.Second, false},
		{"expired", tok, t0.Add(time.Minute), 0, false},
		{"negative skew is none", tok, t0.Add(59 * time.Second), -time.Hour, true},
	}
	for _, c := range cases {
		if got := c.tok.Valid(c.now, c.skew); got != c.want {
			t.Errorf("%s: Valid = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestTokenTypeAndClone(t *testing.T) {
	for in, want := range map[string]string{"": "Bearer", "bearer": "Bearer", "BEARER": "Bearer", "MAC": "MAC"} {
		if got := (&Token{TokenType: in}).Type(); got != want {
			t.Errorf("Type(%q) = %q, want %q", in, got, want)
		}
	}
	tok := &Token{AccessToken: secret.New("a"), Extra: map[string]secret.Secret{"id_token": secret.New("i")}}
	c := tok.Clone()
	c.Extra["id_token"] = secret.New("changed")
	if tok.Extra["id_token"].Reveal() != "i" {
		t.Error("Clone shares Extra")
	}
	if (*Token)(nil).Clone() != nil {
		t.Error("Clone(nil) != nil")
	}
}

func TestOAuth2Adapters(t *testing.T) {
	exp := t0.Add(time.Hour)
	ot := (&oauth2.Token{AccessToken: "acc", TokenType: "Bearer", RefreshToken: "ref", Expiry: exp}).
		WithExtra(map[string]any{"id_token": "idt", "n": 3})
	ts := FromOAuth2(oauth2.StaticTokenSource(ot), "id_token", "n")
	tok, err := ts.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken.Reveal() != "acc" || tok.RefreshToken.Reveal() != "ref" || !tok.Expiry.Equal(exp) {
		t.Errorf("FromOAuth2 = %+v", tok)
	}
	if tok.Extra["id_token"].Reveal() != "idt" || len(tok.Extra) != 1 {
		t.Errorf("extras = %v", tok.Extra)
	}

	back, err := ToOAuth2(context.Background(), StaticSource(tok)).Token()
	if err != nil {
		t.Fatal(err)
	}
	if back.AccessToken != "acc" || back.RefreshToken != "ref" || !back.Expiry.Equal(exp) || back.TokenType != "Bearer" {
		t.Errorf("ToOAuth2 = %+v", back)
	}
	if _, err := StaticSource(nil).Token(context.Background()); err == nil {
		t.Error("StaticSource(nil) gave no error")
	}
	if TokenFromOAuth2(nil) != nil {
		t.Error("TokenFromOAuth2(nil) != nil")
	}
}

package e2e

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apigen-go/apigen/generated/xsale"
	judge "github.com/apigen-go/apigen/internal/judge/xsale"
	"github.com/apigen-go/apigen/runtime/secret"
)

// TestJudgeXSale drives the generated client against the independent judge
// (internal/judge/xsale), written from the documentation only.
//
// Decisions where the docs are open:
//   - Tokens live 2 s here instead of 86400 s so that the test sees an
//     expiry; the client learns it from expires_in, so using a pair after it
//     is a violation. "Generating a new token for every request ... may
//     exhaust the limit", so concurrent callers must share one grant.
//   - A wrong password is answered as Auth0 does: 403 invalid_grant.
func TestJudgeXSale(t *testing.T) {
	cfg := judge.Config{ClientID: "cid", ClientSecret: "csec", Username: "api@acme.pl", Password: "pw", Lifetime: 2 * time.Second}
	srv := judge.New(cfg)
	judged(t, srv)
	creds := xsale.Credentials{ClientID: "cid", ClientSecret: secret.New("csec"), Username: "api@acme.pl", Password: secret.New("pw")}
	c, err := xsale.New(srv.URL, xsale.WithCredentials(creds), xsale.WithInsecureHTTP())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	for round := 1; round <= 2; round++ {
		var wg sync.WaitGroup
		for range 5 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				me, err := c.GetMe(ctx)
				if err != nil {
					t.Errorf("round %d: %v", round, err)
					return
				}
				if me.ID != 7 || len(me.Organizations) != 1 || me.Organizations[0].Name != "acme-sp-z-o-o" {
					t.Errorf("me %+v", me)
				}
			}()
		}
		wg.Wait()
		if n := srv.Grants(); n != round {
			t.Errorf("round %d: %d grants; want %d (one per token lifetime)", round, n, round)
		}
		time.Sleep(2100 * time.Millisecond)
	}

	creds.Password = secret.New("wrong")
	bad, _ := xsale.New(srv.URL, xsale.WithCredentials(creds), xsale.WithInsecureHTTP())
	_, err = bad.GetMe(ctx)
	if err == nil || !strings.Contains(err.Error(), "403") || !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("wrong password: %v", err)
	}
}

package e2e

import (
	"context"
	"crypto/x509"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/apigen-go/apigen/generated/foxdeli"
	judge "github.com/apigen-go/apigen/internal/judge/foxdeli"
	"github.com/apigen-go/apigen/runtime/secret"
)

// TestJudgeFoxdeli drives the generated client's OAuth 2.0 authorization code
// flow against the independent judge (internal/judge/foxdeli), over TLS
// (plain HTTP is answered 426 by Foxdeli, so the judge speaks only TLS).
//
// Decisions where the docs are open:
//   - Access tokens live 2 s here instead of 60 minutes so that the test sees
//     two refreshes; the client learns it from expires_in ("2", a string as
//     documented), so using a token after it is a violation.
//   - Authorization codes are single-use (RFC 6749 §4.1.2, which the docs
//     cite); a second exchange of the same code is refused with invalid_grant.
//   - The refresh token is not rotated ("No refresh_token in the refresh
//     response"): both refreshes must send the original one.
func TestJudgeFoxdeli(t *testing.T) {
	const redirect = "https://mujeshopik.cz/foxdeli-endpoint/"
	srv := judge.New(judge.Config{ClientID: "zjhygknkfk", ClientSecret: "abcd1234", RedirectURI: redirect, AccessLifetime: 2 * time.Second})
	judged(t, srv)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	c, err := foxdeli.New(srv.URL+"/v4",
		foxdeli.WithCredentials(foxdeli.Credentials{ClientID: "zjhygknkfk", ClientSecret: secret.New("abcd1234"), RedirectURL: redirect}),
		foxdeli.WithRootCAs(pool))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	u, err := c.AuthCodeURL("csjkhd5b1")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range srv.CheckAuthorizeURL(u, "csjkhd5b1") {
		t.Error(v)
	}
	code := srv.IssueCode()
	if err := c.Exchange(ctx, code); err != nil {
		t.Fatalf("exchange: %v", err)
	}
	if err := c.Exchange(ctx, code); err == nil {
		t.Error("a used authorization code was accepted twice")
	}

	list, err := c.ListDeliveries(ctx, nil)
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if len(list.Data) != 1 || list.Data[0].ID != 15023456 || list.Data[0].Value.Value != 330.5 || list.Status.Value != "success" {
		t.Errorf("list %+v", list)
	}

	// Expired twice: each time, concurrent callers share one refresh (201, no
	// new refresh token), and the original refresh token keeps working.
	for round := 1; round <= 2; round++ {
		time.Sleep(2100 * time.Millisecond)
		var wg sync.WaitGroup
		for range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := c.ListDeliveries(ctx, nil); err != nil {
					t.Errorf("round %d: %v", round, err)
				}
			}()
		}
		wg.Wait()
		if n := srv.Refreshes(); n != round {
			t.Errorf("after expiry %d: %d refreshes; want %d", round, n, round)
		}
	}

	_, err = c.GetDelivery(ctx, 404, nil)
	wantAPIError(t, err, http.StatusNotFound, "getDelivery", "404", "Delivery 404 not found")
}

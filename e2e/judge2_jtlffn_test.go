package e2e

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/apigen-go/apigen/generated/jtlffn"
	judge "github.com/apigen-go/apigen/internal/judge2/jtlffn"
	"github.com/apigen-go/apigen/runtime/opt"
	"github.com/apigen-go/apigen/runtime/secret"
)

const judge2JTLRedirect = "https://shop.example/callback"

// judge2JTL starts the JTL-FFN judge (OAuth server and API on one loopback
// host) with n warehouses, and a client authorised for scopes through the
// authorization code flow.
func judge2JTL(t *testing.T, n int, lifetime time.Duration, scopes ...string) (*judge.Server, *jtlffn.Client) {
	t.Helper()
	j := judge.New("ffn-client", "ffn-secret", judge2JTLRedirect, n)
	j.Lifetime = lifetime
	srv := httptest.NewServer(j)
	t.Cleanup(srv.Close)
	c, err := jtlffn.New(srv.URL+"/api", jtlffn.WithInsecureHTTP(), jtlffn.WithScopes(scopes...),
		jtlffn.WithCredentials(jtlffn.Credentials{ClientID: "ffn-client", ClientSecret: secret.New("ffn-secret"), RedirectURL: judge2JTLRedirect}))
	if err != nil {
		t.Fatal(err)
	}
	judge2Verdict(t, j)
	u, err := c.AuthCodeURL("st-42")
	if err != nil {
		t.Fatal(err)
	}
	code, err := j.Login(u)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Exchange(context.Background(), code); err != nil {
		t.Fatal(err)
	}
	return j, c
}

func TestJudge2JTL_AuthCodePagingAndScopes(t *testing.T) {
	j, c := judge2JTL(t, 25, 1800*time.Second, "ffn.fulfiller.read")
	ctx := context.Background()

	me, err := c.GetCurrentUser(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if me.UserID != "FULF" || me.Role.Value != jtlffn.RoleFulfiller {
		t.Errorf("current user %+v", me)
	}

	// 25 warehouses, $top=10: three pages.
	var ids []string
	for wh, err := range c.ListWarehousesAll(ctx, &jtlffn.ListWarehousesParams{Top: opt.Some(int64(10))}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, wh.WarehouseID)
	}
	if len(ids) != 25 || ids[0] != "FULF04XX-12345-0001" || ids[24] != "FULF04XX-12345-0025" {
		t.Fatalf("iterated %d warehouses (%v...), want 25", len(ids), ids[:min(2, len(ids))])
	}
	if n := countPrefix(j.Requests(), "GET /api/v1/fulfiller/warehouses?"); n != 3 {
		t.Errorf("listing took %d requests, want 3", n)
	}

	// 403 Forbidden: missing scopes (only ffn.fulfiller.read was granted).
	_, err = c.CreateWarehouse(ctx, &jtlffn.CreateWarehouseRequest{Name: "Garage",
		Address: jtlffn.Address{Street: "Mortystreet 1", City: "Mortytown", Country: "DE"}})
	judge2WantAPIError(t, err, "CreateWarehouse", 403)
	if n := j.Count(403); n != 1 {
		t.Errorf("judge answered %d 403s, want 1 (missing scopes is not retried)", n)
	}
}

// Access tokens that expire at once force refreshes: every refresh token is
// spent once, concurrent callers share one refresh, and the client keeps the
// newest refresh token.
func TestJudge2JTL_SingleUseRotatingRefreshTokens(t *testing.T) {
	j, c := judge2JTL(t, 3, time.Second, "ffn.fulfiller.read", "ffn.fulfiller.write")
	ctx := context.Background()
	for round := range 3 {
		time.Sleep(1100 * time.Millisecond) // let the access token expire on the judge's clock
		var wg sync.WaitGroup
		for range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := c.GetCurrentUser(ctx); err != nil {
					t.Errorf("round %d: %v", round, err)
				}
			}()
		}
		wg.Wait()
	}
	wh, err := c.CreateWarehouse(ctx, &jtlffn.CreateWarehouseRequest{Name: "Garage",
		Address: jtlffn.Address{Street: "Mortystreet 1", City: "Mortytown", Country: "DE"}})
	if err != nil {
		t.Fatal(err)
	}
	if wh.WarehouseID != "FULF04XX-12345-0004" || wh.Name != "Garage" {
		t.Errorf("created %+v", wh)
	}
	if n := j.Refreshes(); n < 3 {
		t.Errorf("judge saw %d refreshes for 3 expiries, want at least 3", n)
	}
	tok, err := c.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	live := j.LiveRefreshTokens()
	if len(live) != 1 || tok.RefreshToken.Reveal() != live[0] {
		t.Errorf("client holds a refresh token that is not the one live token on the judge (%d live)", len(live))
	}
}

// The published Page schema describes `total` as "Total pages in the
// response", beside limit and offset that count items; whichever the bank
// means, the iterator must yield every warehouse once.
func TestJudge2JTL_PageTotalAsPages(t *testing.T) {
	j, c := judge2JTL(t, 25, 1800*time.Second, "ffn.fulfiller.read")
	j.TotalIsPages = true
	n := 0
	for _, err := range c.ListWarehousesAll(context.Background(), &jtlffn.ListWarehousesParams{Top: opt.Some(int64(10))}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 25 {
		t.Errorf("with _page.total as a page count the iterator yielded %d warehouses, want 25", n)
	}
}

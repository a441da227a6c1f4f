// Command xsale shows the xSale REST API client: it signs in with the
// Auth0 password grant (access token and id token, cached together), reads
// the current user with /me and lists the orders of the user's first
// organization, whose name is the path parameter of organization calls.
//
// With XSALE_CLIENT_ID, XSALE_CLIENT_SECRET, XSALE_USERNAME and
// XSALE_PASSWORD set it talks to api.xsale.ai (tokens from
// login.futuriti.pl); otherwise it starts a local fake of both and uses
// demo credentials.
package main

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/apigen-go/apigen/generated/xsale"
	fake "github.com/apigen-go/apigen/internal/fakes/xsale"
	"github.com/apigen-go/apigen/runtime/secret"
)

func main() {
	ctx := context.Background()
	serverURL := "" // the spec's https://api.xsale.ai
	var opts []xsale.Option
	creds, err := xsale.CredentialsFromEnv()
	if err != nil {
		log.Printf("%v; using a local fake xSale", err)
		cfg := fake.DefaultConfig()
		srv := httptest.NewServer(fake.New(cfg))
		defer srv.Close()
		serverURL = srv.URL
		u := cfg.Users[0]
		creds = xsale.Credentials{ClientID: cfg.ClientID, ClientSecret: secret.New(cfg.ClientSecret),
			Username: u.Email, Password: secret.New(u.Password)}
		opts = append(opts,
			xsale.WithAuthServer(srv.URL), // the fake also plays login.futuriti.pl
			xsale.WithInsecureHTTP())      // plain http on 127.0.0.1 only
	}
	client, err := xsale.New(serverURL, append(opts, xsale.WithCredentials(creds))...)
	if err != nil {
		log.Fatal(err)
	}

	// 1. Who am I? The first call fetches both tokens; later calls reuse them.
	me, err := client.GetMe(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("signed in as %s <%s>\n", me.Name.Or(me.Email), me.Email)
	if len(me.Organizations) == 0 {
		log.Fatal("the user belongs to no organization")
	}

	// 2. The organization's name from /me is the path parameter of the
	// organization endpoints.
	org := me.Organizations[0]
	orders, err := client.ListOrders(ctx, org.Name)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d orders in %s:\n", len(orders), org.ShortName.Or(org.Name))
	for _, o := range orders {
		fmt.Printf("  %s  %-5s %8.2f %s\n", o.Number, o.Status.Or("?"), o.TotalGross.Or(0), o.CurrencyCode.Or(""))
	}

	// 3. The cached tokens expire after 24 h; both are renewed together
	// shortly before.
	tok, err := client.Token(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("tokens valid until %s (id token cached: %t)\n", tok.Expiry.Format("2006-01-02 15:04 MST"), !tok.Extra["id_token"].IsZero())
}

// Command raynet shows the RAYNET CRM client: it lists companies with a
// filter, walks every page with the iterator, and creates and renames a
// company (RAYNET creates with PUT and updates with POST).
//
// With RAYNET_USER, RAYNET_API_KEY and RAYNET_INSTANCE set it talks to
// app.raynet.cz; otherwise it starts a local fake of the API with the
// documentation's demo account.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/apigen-go/apigen/generated/raynet"
	fake "github.com/apigen-go/apigen/internal/fakes/raynet"
	"github.com/apigen-go/apigen/runtime/auth"
	"github.com/apigen-go/apigen/runtime/opt"
	"github.com/apigen-go/apigen/runtime/ratelimit"
	"github.com/apigen-go/apigen/runtime/secret"
)

func main() {
	ctx := context.Background()
	serverURL := "" // the spec's server, https://app.raynet.cz/api/v2
	var opts []raynet.Option
	creds, err := raynet.CredentialsFromEnv()
	if err != nil {
		log.Printf("%v; using a local fake RAYNET API", err)
		srv := httptest.NewServer(fake.New(fake.DefaultConfig()))
		defer srv.Close()
		serverURL = srv.URL + "/api/v2"
		creds = raynet.Credentials{User: "uzivatel", APIKey: secret.New("api-klic"), Instance: "moje-crm"}
		opts = append(opts, raynet.WithInsecureHTTP()) // the fake is plain http on 127.0.0.1
	}
	client, err := raynet.New(serverURL, append(opts, raynet.WithCredentials(creds))...)
	if err != nil {
		log.Fatal(err)
	}

	// 1. Every company, sorted by name, in pages of 2.
	for co, err := range client.ListCompaniesAll(ctx, &raynet.ListCompaniesParams{
		Limit: opt.Some(int64(2)), SortColumn: opt.Some("name"),
	}) {
		if err != nil {
			explain(err)
		}
		fmt.Printf("%d %s\n", co.ID, co.Name.Or("(no name)"))
	}

	// 2. A filter: name[LIKE]=%a%.
	hits, err := client.ListCompanies(ctx, &raynet.ListCompaniesParams{Name: opt.Some(raynet.Filter{Like: opt.Some("%a%")})})
	if err != nil {
		explain(err)
	}
	fmt.Printf("%d companies have an a in their name\n", len(hits.Data))

	// 3. Create with PUT, rename with POST.
	created, err := client.CreateCompany(ctx, &raynet.CompanyCreate{
		Name: "Demo s.r.o.", State: raynet.CompanyStateAPotential, Rating: raynet.CompanyRatingA, Role: raynet.CompanyRoleASubscriber,
	})
	if err != nil {
		explain(err)
	}
	if created.Data == nil { // optional struct members are pointers: nil = absent
		log.Fatal("create company: the response has no data")
	}
	id := created.Data.ID.Value
	if err := client.UpdateCompany(ctx, id, &raynet.CompanyUpdate{Name: opt.Some("Demo a syn s.r.o.")}); err != nil { // partial: only name changes
		explain(err)
	}
	fmt.Printf("created and renamed company %d\n", id)
}

// explain stops with what went wrong, in the terms a user can act on.
func explain(err error) {
	var quota *ratelimit.QuotaExhaustedError
	switch {
	case errors.Is(err, auth.ErrCredentialsRejected):
		log.Fatal("RAYNET rejected the credentials; fix them before retrying (20 failures block the IP for an hour)")
	case errors.As(err, &quota):
		log.Fatalf("daily quota used up until %v", quota.ResetAt)
	}
	log.Fatal(err)
}

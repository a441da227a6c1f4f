// Command petrosoft shows the Petrosoft CStoreOffice client: it logs in as
// an API user (the client does that by itself, once, and refreshes the
// tokens as needed) and reads an item's price and stock at a station.
//
// With PETROSOFT_LOGIN and PETROSOFT_PASSWORD set it talks to
// PETROSOFT_API_URL (the host your account was given); otherwise it starts
// a local fake of the API and uses demo credentials.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http/httptest"
	"os"

	"github.com/apigen-go/apigen/generated/petrosoft"
	fake "github.com/apigen-go/apigen/internal/fakes/petrosoft"
	"github.com/apigen-go/apigen/runtime/apierror"
	"github.com/apigen-go/apigen/runtime/secret"
)

func main() {
	ctx := context.Background()
	var opts []petrosoft.Option
	serverURL := os.Getenv("PETROSOFT_API_URL") // "" = the spec's placeholder host
	station, upc := "1529", "4900002890"
	creds, err := petrosoft.CredentialsFromEnv()
	if err != nil {
		log.Printf("%v; using a local fake Petrosoft API", err)
		srv := httptest.NewServer(fake.New(fake.DefaultConfig()))
		defer srv.Close()
		serverURL = srv.URL
		creds = petrosoft.Credentials{Login: "APIUser@petrosoftinc.com", Password: secret.New("Password_01")}
		opts = append(opts, petrosoft.WithInsecureHTTP()) // plain http on 127.0.0.1 only
	}
	if v := os.Getenv("PETROSOFT_STATION_ID"); v != "" {
		station = v
	}
	if v := os.Getenv("PETROSOFT_UPC"); v != "" {
		upc = v
	}
	client, err := petrosoft.New(serverURL, append(opts, petrosoft.WithCredentials(creds))...)
	if err != nil {
		log.Fatal(err)
	}

	// The first call logs in (POST /v1/auth/token); later ones reuse the token.
	item, err := client.GetInventoryItem(ctx, &petrosoft.GetInventoryItemParams{StationID: station, Upc: upc})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("item %s at station %s: retail %.2f, on hand %.0f\n", item.Upc, station, item.Retail.Or(0), item.OnhandQty.Or(0))

	tok, err := client.Token(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("access token valid until %s\n", tok.Expiry.Format("2006-01-02 15:04:05 MST"))

	// Errors carry Petrosoft's envelope: Code is its http_code.
	_, err = client.GetInventoryItem(ctx, &petrosoft.GetInventoryItemParams{StationID: station, Upc: "0000000000"})
	var apiErr *apierror.APIError
	if errors.As(err, &apiErr) {
		fmt.Printf("unknown item: HTTP %d, code %s: %s\n", apiErr.StatusCode, apiErr.Code, apiErr.Message)
	} else if err != nil {
		log.Fatal(err)
	}
}

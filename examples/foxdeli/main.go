// Command foxdeli shows the Foxdeli client with either of its two
// authentications.
//
//   - FOXDELI_TOKEN: the static API token (sent as "Authorization: Basic
//     <token>", verbatim).
//   - FOXDELI_CLIENT_ID, FOXDELI_CLIENT_SECRET, FOXDELI_REDIRECT_URL: OAuth
//     2.0 authorization code. The token is kept in FOXDELI_TOKEN_FILE
//     (default: foxdeli-token.json in the user config directory); on the
//     first run the program prints the authorization URL and reads the
//     callback URL from stdin.
//
// FOXDELI_SERVER_URL overrides the API URL (e.g. the sandbox's). Without
// credentials in the environment it starts the fake provider on 127.0.0.1
// (over TLS: Foxdeli refuses plain HTTP) with its demo token.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/apigen-go/apigen/generated/foxdeli"
	fake "github.com/apigen-go/apigen/internal/fakes/foxdeli"
	"github.com/apigen-go/apigen/runtime/auth"
	"github.com/apigen-go/apigen/runtime/secret"
)

func main() {
	ctx := context.Background()
	var c *foxdeli.Client
	creds, err := foxdeli.CredentialsFromEnv()
	if err == nil {
		c, err = foxdeli.New(os.Getenv("FOXDELI_SERVER_URL"), // "" = https://rest.foxdeli.com/v4
			foxdeli.WithCredentials(creds),
			foxdeli.WithTokenStore(&auth.FileStore{Path: tokenFile()}),
			foxdeli.WithScopes("deliveries", "collection-places", "collection-protocols"))
		if err != nil {
			log.Fatal(err)
		}
		if creds.Token.IsZero() { // OAuth: authorise once
			if _, err := c.Token(ctx); errors.Is(err, auth.ErrAuthorizationRequired) {
				authorizeInteractively(ctx, c)
			}
		}
	} else {
		fmt.Printf("%v: using the fake provider\n", err)
		cfg := fake.DefaultConfig()
		srv := httptest.NewTLSServer(fake.New(cfg))
		defer srv.Close()
		c, err = foxdeli.New(srv.URL+"/v4",
			foxdeli.WithCredentials(foxdeli.Credentials{Token: secret.New(cfg.BasicTokens[0])}),
			foxdeli.WithHTTPClient(srv.Client()), // trusts the fake's test certificate
			foxdeli.WithAuthServer(srv.URL))      // the root and OAuth endpoints live there too
		if err != nil {
			log.Fatal(err)
		}
	}

	root, err := c.GetRoot(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	name := "?"
	if root.Data != nil { // optional struct members are pointers: nil = absent
		name = root.Data.Name.Or(name)
	}
	fmt.Println("API:", name)

	created, err := c.CreateDeliveries(ctx, nil, []foxdeli.DeliveryInput{{
		OrderNumber:   "example-0001",
		ValueCurrency: "CZK",
		Packages:      []foxdeli.Package{{Weight: 1.25}},
	}})
	var apiErr *foxdeli.APIError
	switch {
	case errors.As(err, &apiErr):
		fmt.Println("create refused:", apiErr.Message)
		for _, fe := range apiErr.FieldErrors {
			fmt.Printf("  %s: %s\n", fe.Field, fe.Message)
		}
	case err != nil:
		log.Fatal(err)
	default:
		for _, d := range created.Data {
			fmt.Printf("created delivery %d\n", d.ID)
		}
	}

	list, err := c.ListDeliveries(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range list.Data {
		fmt.Printf("delivery %d order %s status %s\n", d.ID, d.OrderNumber.Or("-"), d.Status.Or("-"))
	}
}

func tokenFile() string {
	if p := os.Getenv("FOXDELI_TOKEN_FILE"); p != "" {
		return p
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		dir = "."
	}
	return filepath.Join(dir, "apigen", "foxdeli-token.json")
}

// authorizeInteractively sends the user to Foxdeli and exchanges the code
// from the callback URL they paste back.
func authorizeInteractively(ctx context.Context, c *foxdeli.Client) {
	state := strings.ToLower(rand.Text())
	u, err := c.AuthCodeURL(state)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("Log into Foxdeli in your browser, then open:\n ", u)
	fmt.Print("Paste the URL you were redirected to: ")
	line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
	cb, err := url.Parse(strings.TrimSpace(line))
	if err != nil {
		log.Fatal(err)
	}
	q := cb.Query()
	if q.Get("state") != state {
		log.Fatal("state mismatch: the callback is not the answer to this request")
	}
	if e := q.Get("error"); e != "" {
		log.Fatalf("authorization refused: %s: %s", e, q.Get("error_description"))
	}
	if err := c.Exchange(ctx, q.Get("code")); err != nil {
		log.Fatal(err)
	}
}

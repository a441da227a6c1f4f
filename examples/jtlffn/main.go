// Command jtlffn shows the JTL-FFN client: OAuth2 authorization code once,
// then calls that refresh (and persist the rotating refresh token) on their
// own.
//
// With JTLFFN_CLIENT_ID, JTLFFN_CLIENT_SECRET and JTLFFN_REDIRECT_URL set it
// talks to the real API (JTLFFN_SANDBOX=1 for the sandbox); the token is
// kept in JTLFFN_TOKEN_FILE (default: jtlffn-token.json in the user config
// directory). On the first run it prints the authorization URL and reads
// the code from the callback URL on stdin. Without the variables it starts
// the fake provider on 127.0.0.1 and plays the user itself.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/apigen-go/apigen/generated/jtlffn"
	fake "github.com/apigen-go/apigen/internal/fakes/jtlffn"
	"github.com/apigen-go/apigen/runtime/auth"
	"github.com/apigen-go/apigen/runtime/secret"
)

func main() {
	ctx := context.Background()
	scopes := jtlffn.WithScopes("ffn.fulfiller.read", "ffn.fulfiller.write")

	var c *jtlffn.Client
	creds, err := jtlffn.CredentialsFromEnv()
	if err == nil {
		server := "" // production
		if os.Getenv("JTLFFN_SANDBOX") == "1" {
			server = "https://ffn-sbx.api.jtl-software.com/api"
		}
		c, err = jtlffn.New(server, jtlffn.WithCredentials(creds), jtlffn.WithTokenStore(&auth.FileStore{Path: tokenFile()}), scopes)
		if err != nil {
			log.Fatal(err)
		}
		if _, err := c.Token(ctx); errors.Is(err, auth.ErrAuthorizationRequired) {
			authorizeInteractively(ctx, c)
		}
	} else {
		fmt.Printf("%v: using the fake provider\n", err)
		c = demoClient(ctx, scopes)
	}

	me, err := c.GetCurrentUser(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("logged in as %s (%s)\n", me.UserID, me.Role.Or("?"))

	for m, err := range c.ListMerchantsAll(ctx, nil) {
		if err != nil {
			log.Fatal(err)
		}
		city := ""
		if m.Address != nil { // optional struct members are pointers: nil = absent
			city = m.Address.City
		}
		fmt.Printf("merchant %s active=%v %s\n", m.UserID, m.IsActive.Or(false), city)
	}
	whs, err := c.ListWarehouses(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, w := range whs.Items {
		fmt.Printf("warehouse %s %q\n", w.WarehouseID, w.Name)
	}
}

func tokenFile() string {
	if p := os.Getenv("JTLFFN_TOKEN_FILE"); p != "" {
		return p
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		dir = "."
	}
	return filepath.Join(dir, "apigen", "jtlffn-token.json")
}

// authorizeInteractively sends the user to JTL and exchanges the code they
// paste back (the full callback URL or just the code).
func authorizeInteractively(ctx context.Context, c *jtlffn.Client) {
	state := rand.Text()
	u, err := c.AuthCodeURL(state)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("Open this URL, log in and approve:\n ", u)
	fmt.Print("Paste the URL you were redirected to: ")
	line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
	line = strings.TrimSpace(line)
	code := line
	if cb, err := url.Parse(line); err == nil && cb.Query().Has("code") {
		if cb.Query().Get("state") != state {
			log.Fatal("state mismatch: the callback is not the answer to this request")
		}
		code = cb.Query().Get("code")
	}
	if err := c.Exchange(ctx, code); err != nil {
		log.Fatal(err)
	}
}

// demoClient starts the fake on 127.0.0.1 and authorises against it.
func demoClient(ctx context.Context, scopes jtlffn.Option) *jtlffn.Client {
	cfg := fake.DefaultConfig()
	srv := httptest.NewServer(fake.New(cfg))
	// The browser: it must not follow the redirect to the callback URL.
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	c, err := jtlffn.New(srv.URL+"/api",
		jtlffn.WithCredentials(jtlffn.Credentials{ClientID: cfg.ClientID, ClientSecret: secret.New(cfg.ClientSecret), RedirectURL: cfg.RedirectURI}),
		jtlffn.WithTokenStore(&auth.MemoryStore{}),
		jtlffn.WithAuthServer(srv.URL), // the fake serves /authorize and /token too
		jtlffn.WithInsecureHTTP(), scopes)
	if err != nil {
		log.Fatal(err)
	}
	// Play the user: open the authorization URL, take the code from the
	// redirect.
	u, _ := c.AuthCodeURL("demo-state")
	resp, err := hc.Get(u)
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("state") != "demo-state" {
		log.Fatalf("unexpected authorization answer %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if err := c.Exchange(ctx, loc.Query().Get("code")); err != nil {
		log.Fatal(err)
	}
	return c
}

// Command raiffeisen shows the Raiffeisenbank Premium API client: mutual
// TLS with the certificate Internet Banking issued (.p12 plus password),
// the app's ClientID in X-IBM-Client-Id, and a fresh X-Request-Id per call.
// It lists the accounts, prints their balances and today's EUR rate.
//
// With RAIFFEISEN_CERT_FILE, RAIFFEISEN_CERT_PASSWORD and
// RAIFFEISEN_CLIENT_ID set it talks to the bank (RAIFFEISEN_ENVIRONMENT=mock
// for the sandbox); otherwise it starts a local fake bank over mutual TLS,
// with a certificate authority and a .p12 generated on the spot.
package main

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/apigen-go/apigen/generated/raiffeisen"
	fake "github.com/apigen-go/apigen/internal/fakes/raiffeisen"
	"github.com/apigen-go/apigen/runtime/secret"
)

// requestID returns a fresh X-Request-Id (the bank wants one per request).
func requestID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func main() {
	ctx := context.Background()
	serverURL := "" // https://api.rb.cz/rbcz/premium/{environment}
	opts := []raiffeisen.Option{}
	if env := os.Getenv("RAIFFEISEN_ENVIRONMENT"); env != "" {
		opts = append(opts, raiffeisen.WithServerVariables(map[string]string{"environment": env}))
	}
	creds, err := raiffeisen.CredentialsFromEnv()
	if err != nil {
		log.Printf("%v; using a local fake bank", err)
		url, demo, pool, cleanup := startFakeBank()
		defer cleanup()
		serverURL, creds = url, demo
		opts = append(opts, raiffeisen.WithRootCAs(pool)) // the fake's CA
	}
	client, err := raiffeisen.New(serverURL, append(opts, raiffeisen.WithCredentials(creds))...)
	if err != nil {
		log.Fatal(err) // e.g. auth.ErrCertificateExpired, or a wrong .p12 password
	}

	// 1. Every account the certificate covers, page by page.
	for acc, err := range client.GetAccountsAll(ctx, &raiffeisen.GetAccountsParams{XRequestID: requestID()}) {
		if err != nil {
			log.Fatal(err) // errors.Is(err, auth.ErrCertificateRejected): unblock it in Internet Banking
		}
		// 2. Its balances.
		bal, err := client.GetBalance(ctx, acc.AccountNumber, &raiffeisen.GetBalanceParams{XRequestID: requestID()})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s/%s %s\n", acc.AccountNumber, acc.BankCode, acc.AccountName.Or(""))
		for _, f := range bal.CurrencyFolders {
			for _, b := range f.Balances {
				fmt.Printf("  %s %14.2f %s\n", b.BalanceType, b.Value, b.Currency)
			}
		}
	}

	// 3. FX rates (these two operations need no certificate).
	fx, err := client.GetFxRates(ctx, "EUR", &raiffeisen.GetFxRatesParams{XRequestID: requestID()})
	if err != nil {
		log.Fatal(err)
	}
	for _, l := range fx.ExchangeRateLists {
		for _, r := range l.ExchangeRates {
			fmt.Printf("EUR: buy %.3f, sell %.3f CZK\n", r.ExchangeRateBuy.Or(0), r.ExchangeRateSell.Or(0))
		}
	}
}

// startFakeBank serves the fake Premium API over mutual TLS on 127.0.0.1
// and writes a client certificate as a password-protected .p12, the way
// Internet Banking hands it out.
func startFakeBank() (url string, creds raiffeisen.Credentials, roots *x509.CertPool, cleanup func()) {
	now := time.Now()
	ca, err := fake.NewCA("Demo Bank CA", now.Add(-time.Hour))
	if err != nil {
		log.Fatal(err)
	}
	serverCert, err := ca.IssueServer(2, now.Add(-time.Hour))
	if err != nil {
		log.Fatal(err)
	}
	cfg := fake.DefaultConfig()
	srv := fake.NewTLSServer(fake.New(cfg), fake.TLSOptions{ClientCAs: ca.Pool(), Certificate: &serverCert})
	clientCert, err := ca.IssueClient("demo client", 100, now.Add(-time.Hour), now.AddDate(1, 0, 0))
	if err != nil {
		log.Fatal(err)
	}
	const password = "demo-p12-password"
	p12, err := pkcs12.Modern.Encode(clientCert.PrivateKey, clientCert.Leaf, []*x509.Certificate{ca.Cert}, password)
	if err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "raiffeisen-demo")
	if err != nil {
		log.Fatal(err)
	}
	file := filepath.Join(dir, "client.p12")
	if err := os.WriteFile(file, p12, 0o600); err != nil {
		log.Fatal(err)
	}
	creds = raiffeisen.Credentials{CertFile: file, CertPassword: secret.New(password), ClientID: secret.New(cfg.ClientIDs[0])}
	return srv.URL + cfg.BasePath, creds, ca.Pool(), func() { srv.Close(); os.RemoveAll(dir) }
}

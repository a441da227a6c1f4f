package e2e

import (
	"context"
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/apigen-go/apigen/generated/boxnow"
	"github.com/apigen-go/apigen/generated/raiffeisen"
	fake "github.com/apigen-go/apigen/internal/fakes/boxnow"
	"github.com/apigen-go/apigen/runtime/opt"
)

// countingTransport is a caller's own transport (as a proxy or tracing
// setup would be): it counts the connections it dials.
func countingTransport() (*http.Transport, *atomic.Int32) {
	var dials atomic.Int32
	tr := http.DefaultTransport.(*http.Transport).Clone()
	d := &net.Dialer{}
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return d.DialContext(ctx, network, addr)
	}
	return tr, &dials
}

// TestTokenRequestsUseTheCallersCAsAndTransport: the OAuth token request
// goes to a server only WithRootCAs trusts, through the caller's
// transport, like the API calls.
func TestTokenRequestsUseTheCallersCAsAndTransport(t *testing.T) {
	srv := httptest.NewTLSServer(fake.New(fake.DefaultConfig()))
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	ctx := context.Background()

	t.Run("default transport", func(t *testing.T) {
		c, err := boxnow.New(srv.URL, boxnow.WithCredentials(boxnowCreds), boxnow.WithRootCAs(pool))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.ListDeliveryPartners(ctx); err != nil {
			t.Fatalf("token and call over a private CA: %v", err)
		}
	})
	t.Run("caller's transport", func(t *testing.T) {
		tr, dials := countingTransport()
		c, err := boxnow.New(srv.URL, boxnow.WithCredentials(boxnowCreds), boxnow.WithRootCAs(pool),
			boxnow.WithHTTPClient(&http.Client{Transport: tr}))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Token(ctx); err != nil {
			t.Fatalf("token over a private CA: %v", err)
		}
		if dials.Load() == 0 {
			t.Fatal("the token request did not use the caller's transport")
		}
		if _, err := c.ListDeliveryPartners(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// TestMutualTLSKeepsTheCallersTransport: with a client certificate, the
// connection is still dialled by WithHTTPClient's transport (its proxy,
// dialer and tracing stay), which gains the certificate.
func TestMutualTLSKeepsTheCallersTransport(t *testing.T) {
	b := raiffeisenSetup(t, nil, 0)
	tr, dials := countingTransport()
	c := b.client(t, b.creds(), raiffeisen.WithHTTPClient(&http.Client{Transport: tr}))
	if _, err := c.GetAccounts(context.Background(), &raiffeisen.GetAccountsParams{XRequestID: raiffeisenReqID(), Size: opt.Some[int32](1)}); err != nil {
		t.Fatal(err)
	}
	if dials.Load() == 0 {
		t.Fatal("mTLS replaced the caller's transport")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.serials) == 0 || b.serials[len(b.serials)-1] == "" {
		t.Fatalf("the bank saw no client certificate: %v", b.serials)
	}
}

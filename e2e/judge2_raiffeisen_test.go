package e2e

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/apigen-go/apigen/generated/raiffeisen"
	judge "github.com/apigen-go/apigen/internal/judge2/raiffeisen"
	"github.com/apigen-go/apigen/runtime/opt"
	"github.com/apigen-go/apigen/runtime/secret"
)

// judge2Raiffeisen starts the independent bank judge over mutual TLS and
// returns it with a client; withCert false leaves the certificate out.
func judge2Raiffeisen(t *testing.T, withCert bool) (*judge.Server, *raiffeisen.Client) {
	t.Helper()
	pki, err := judge.NewPKI(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	j := judge.New("judge-client-id", 40, 25)
	srv := httptest.NewUnstartedServer(j)
	srv.TLS = pki.TLSConfig()
	srv.StartTLS()
	t.Cleanup(srv.Close)
	creds := raiffeisen.Credentials{ClientID: secret.New("judge-client-id")}
	if withCert {
		creds.CertFile, creds.CertPassword = pki.ClientP12, secret.New(pki.P12Password)
	}
	c, err := raiffeisen.New(srv.URL+"/rbcz/premium/api", raiffeisen.WithCredentials(creds), raiffeisen.WithRootCAs(pki.Roots))
	if err != nil {
		t.Fatal(err)
	}
	judge2Verdict(t, j)
	return j, c
}

func TestJudge2Raiffeisen_PagingAndErrors(t *testing.T) {
	j, c := judge2Raiffeisen(t, true)
	ctx := context.Background()

	// 40 accounts, 15 a page: 3 pages, the third says last.
	var accounts []string
	for a, err := range c.GetAccountsAll(ctx, &raiffeisen.GetAccountsParams{Size: opt.Some(int32(15))}) {
		if err != nil {
			t.Fatal(err)
		}
		accounts = append(accounts, a.AccountNumber)
	}
	if len(accounts) != 40 || accounts[0] != "1000000" || accounts[39] != "1000039" {
		t.Fatalf("got %d accounts (%v...), want 40", len(accounts), accounts[:min(3, len(accounts))])
	}
	if n := countPrefix(j.Requests(), "GET /rbcz/premium/api/accounts?"); n < 3 || n > 4 {
		t.Errorf("accounts iteration took %d requests, want 3 (or 4 with the 204 past the end)", n)
	}

	// A page past the end is 204 No Content: an empty page, not an error.
	past, err := c.GetAccounts(ctx, &raiffeisen.GetAccountsParams{Page: opt.Some(int32(9)), Size: opt.Some(int32(15))})
	if err != nil {
		t.Fatalf("page past the end (204): %v", err)
	}
	if past != nil && len(past.Accounts) != 0 {
		t.Errorf("page past the end has %d accounts", len(past.Accounts))
	}

	// 25 transactions, the bank's page size 10: 3 pages ending at lastPage.
	from := time.Now().AddDate(0, 0, -30).Format(time.DateOnly)
	to := time.Now().Format(time.DateOnly)
	n := 0
	for tx, err := range c.GetTransactionListAll(ctx, "1000000", "CZK", &raiffeisen.GetTransactionListParams{From: from, To: to}) {
		if err != nil {
			t.Fatal(err)
		}
		if tx.Amount.Currency != "CZK" || tx.Amount.Value != -1668.59 {
			t.Errorf("transaction amount %+v", tx.Amount)
		}
		n++
	}
	if n != 25 {
		t.Errorf("got %d transactions, want 25", n)
	}
	if got := countPrefix(j.Requests(), "GET /rbcz/premium/api/accounts/1000000/CZK/transactions?"); got < 3 || got > 4 {
		t.Errorf("transactions iteration took %d requests, want 3 (or 4 with the 204)", got)
	}

	// The documented 400 {"error": "DT01", ...}: from older than 90 days.
	old := time.Now().AddDate(0, 0, -100).Format(time.DateOnly)
	_, err = c.GetTransactionList(ctx, "1000000", "CZK", &raiffeisen.GetTransactionListParams{From: old, To: to})
	judge2WantAPIError(t, err, "GetTransactionList", 400, "DT01")
	if n := j.Count(429); n != 0 {
		t.Errorf("judge answered %d 429s", n)
	}
}

// Concurrent callers stay under 10 per sliding second per operation, which
// the documentation states, so the bank never answers 429.
func TestJudge2Raiffeisen_ConcurrentCallersUnderSecondLimit(t *testing.T) {
	j, c := judge2Raiffeisen(t, true)
	var wg sync.WaitGroup
	errs := make(chan error, 25)
	for range 25 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, err := c.GetBalance(context.Background(), "1000000", nil)
			if err == nil && (len(b.CurrencyFolders) != 1 || b.CurrencyFolders[0].Balances[0].Value != 1000.5) {
				t.Errorf("balance %+v", b)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := j.Count(429); n != 0 {
		t.Errorf("judge answered %d 429s to 25 concurrent GetBalance calls", n)
	}
}

// The two FX-rate operations work with the Client-Id alone; the others need
// the certificate, so a client without one must not send them.
func TestJudge2Raiffeisen_FxRatesWithoutCertificate(t *testing.T) {
	_, c := judge2Raiffeisen(t, false)
	rates, err := c.GetFxRatesList(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rates.ExchangeRateLists) != 1 || rates.ExchangeRateLists[0].ExchangeRates[0].CurrencyFrom.Value != "EUR" {
		t.Errorf("rates %+v", rates)
	}
	if _, err := c.GetAccounts(context.Background(), nil); err == nil {
		t.Error("GetAccounts without a certificate succeeded")
	}
}

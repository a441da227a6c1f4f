package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/apigen-go/apigen/generated/raiffeisen"
	fake "github.com/apigen-go/apigen/internal/fakes/raiffeisen"
	"github.com/apigen-go/apigen/runtime/opt"
)

// TestRequiredParametersCheckedBeforeSending: the transaction list needs
// from and to (query); leaving them out, or passing no params at all,
// fails with an error naming the parameter and sends nothing.
func TestRequiredParametersCheckedBeforeSending(t *testing.T) {
	b := raiffeisenSetup(t, nil, 0)
	c := b.client(t, b.creds())
	ctx := context.Background()
	for _, tc := range []struct {
		params *raiffeisen.GetTransactionListParams
		name   string
	}{
		{nil, `"from"`},
		{&raiffeisen.GetTransactionListParams{From: "2025-01-01"}, `"to"`},
	} {
		_, err := c.GetTransactionList(ctx, "123", "CZK", tc.params)
		if err == nil || !strings.Contains(err.Error(), "required query parameter "+tc.name) {
			t.Errorf("params %+v: err = %v, want one naming %s", tc.params, err, tc.name)
		}
	}
	if n := len(b.fake.Requests()); n != 0 {
		t.Errorf("the bank saw %d requests", n)
	}
}

// TestIteratorPagesGetFreshRequestIDs: each page is a request of its
// own, so only the first carries the caller's X-Request-Id and every
// other page a fresh one.
func TestIteratorPagesGetFreshRequestIDs(t *testing.T) {
	b := raiffeisenSetup(t, func(cfg *fake.Config) {
		// Three accounts, one per page: three requests.
		cfg.Accounts = fake.DemoAccounts(time.Now())
		extra := cfg.Accounts[0]
		extra.AccountID, extra.AccountNumber = 99, "9999999999"
		cfg.Accounts = append(cfg.Accounts, extra)
	}, 0)
	c := b.client(t, b.creds())
	const mine = "11111111-2222-4333-8444-555555555555"
	for _, err := range c.GetAccountsAll(context.Background(), &raiffeisen.GetAccountsParams{XRequestID: mine, Size: opt.Some[int32](1)}) {
		if err != nil {
			t.Fatal(err)
		}
	}
	reqs := b.fake.Requests()
	if len(reqs) < 3 {
		t.Fatalf("%d pages requested, want at least 3", len(reqs))
	}
	seen := map[string]bool{}
	for i, r := range reqs {
		id := r.Header.Get("X-Request-Id")
		if (i == 0) != (id == mine) || len(id) != 36 || seen[id] {
			t.Errorf("page %d: X-Request-Id %q (want the caller's only on the first, all distinct)", i+1, id)
		}
		seen[id] = true
	}
}

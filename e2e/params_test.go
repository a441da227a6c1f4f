package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/apigen-go/apigen/generated/raiffeisen"
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

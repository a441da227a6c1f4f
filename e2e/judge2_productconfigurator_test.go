package e2e

import (
	"context"
	"net/http/httptest"
	"testing"

	pc "github.com/apigen-go/apigen/generated/productconfigurator"
	judge "github.com/apigen-go/apigen/internal/judge2/productconfigurator"
	"github.com/apigen-go/apigen/runtime/opt"
	"github.com/apigen-go/apigen/runtime/secret"
)

const judge2PCToken = "eyJhbGciOiJIUzI1NiJ9.eyJ0ZW5hbnQiOiJhY21lIn0.c2ln"

func TestJudge2ProductConfigurator_PagingLifecycleAndErrors(t *testing.T) {
	j := judge.New(judge2PCToken, "acme", 7)
	srv := httptest.NewServer(j)
	t.Cleanup(srv.Close)
	c, err := pc.New(srv.URL, pc.WithInsecureHTTP(), pc.WithCredentials(pc.Credentials{Token: secret.New(judge2PCToken)}))
	if err != nil {
		t.Fatal(err)
	}
	judge2Verdict(t, j)
	ctx := context.Background()

	// 7 configurators, page size 3 (a path segment): 3 pages by pageToken.
	var ids []string
	for cfg, err := range c.ListConfiguratorsAll(ctx, "acme", "p1", 3, &pc.ListConfiguratorsRequest{}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, cfg.ID)
	}
	if len(ids) != 7 || ids[0] != "cfg-01" || ids[6] != "cfg-07" {
		t.Fatalf("iterated %v, want cfg-01..cfg-07", ids)
	}
	if n := countPrefix(j.Requests(), "POST /v1/acme/product/p1/page-size/3/configurators"); n != 3 {
		t.Errorf("listing took %d requests, want 3", n)
	}

	created, err := c.CreateConfigurator(ctx, "acme", "p1", &pc.CreateConfiguratorRequest{Label: opt.Some("Winter")})
	if err != nil {
		t.Fatal(err)
	}
	if created.ID != "cfg-08" || created.Status.Value != pc.ConfiguratorStatusDraft || created.Label.Value != "Winter" {
		t.Errorf("created %+v, want cfg-08 in DRAFT", created)
	}
	active, err := c.GetActiveConfigurator(ctx, "acme", "p1")
	if err != nil {
		t.Fatal(err)
	}
	if active.ID != "cfg-01" || active.Status.Value != pc.ConfiguratorStatusActive {
		t.Errorf("active %+v, want cfg-01", active)
	}
	if _, err := c.DeleteConfigurator(ctx, "acme", "cfg-08"); err != nil {
		t.Fatal(err)
	}

	// google.rpc.Status on a tenant the token was not granted.
	_, err = c.GetActiveConfigurator(ctx, "other", "p1")
	apiErr := judge2WantAPIError(t, err, "GetActiveConfigurator", 403, "not granted")
	if apiErr.Code != "7" {
		t.Errorf("APIError.Code %q, want the gRPC code 7", apiErr.Code)
	}
}

package e2e

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apigen-go/apigen/generated/raynet"
	fake "github.com/apigen-go/apigen/internal/fakes/raynet"
	"github.com/apigen-go/apigen/runtime/auth"
	"github.com/apigen-go/apigen/runtime/opt"
	"github.com/apigen-go/apigen/runtime/ratelimit"
	"github.com/apigen-go/apigen/runtime/secret"
)

// raynetSetup starts the fake and returns it with a client for creds.
func raynetSetup(t *testing.T, creds raynet.Credentials, opts ...raynet.Option) (*fake.Server, *raynet.Client) {
	t.Helper()
	f := fake.New(fake.DefaultConfig())
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	opts = append([]raynet.Option{raynet.WithCredentials(creds), raynet.WithInsecureHTTP()}, opts...)
	c, err := raynet.New(srv.URL+"/api/v2", opts...)
	if err != nil {
		t.Fatal(err)
	}
	return f, c
}

var raynetGood = raynet.Credentials{User: "uzivatel", APIKey: secret.New("api-klic"), Instance: "moje-crm"}

func TestRaynet_BasicAuthFiltersAndPaging(t *testing.T) {
	f, c := raynetSetup(t, raynetGood)
	ctx := context.Background()

	all := f.Companies("moje-crm")
	if len(all) < 3 {
		t.Fatalf("fake seeds %d companies; the test needs at least 3", len(all))
	}
	// Iterate with a page size of 2: every company, in as many pages as needed.
	var got []raynet.Company
	for co, err := range c.ListCompaniesAll(ctx, &raynet.ListCompaniesParams{Limit: opt.Some(int64(2)), SortColumn: opt.Some("id")}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, co)
	}
	if len(got) != len(all) {
		t.Fatalf("iterator yielded %d companies, the fake has %d", len(got), len(all))
	}
	reqs := f.Requests()
	if want := (len(all) + 1) / 2; len(reqs) < want {
		t.Fatalf("%d requests for %d companies in pages of 2", len(reqs), len(all))
	}
	for _, r := range reqs {
		if u, p, ok := raynetParseBasic(r.Header.Get("Authorization")); !ok || u != "uzivatel" || p != "api-klic" {
			t.Fatalf("Authorization = %q", r.Header.Get("Authorization"))
		}
		if r.Header.Get("X-Instance-Name") != "moje-crm" {
			t.Fatalf("X-Instance-Name = %q", r.Header.Get("X-Instance-Name"))
		}
	}

	// attr[OP]=value filters are deepObject parameters.
	name := all[0].Name
	list, err := c.ListCompanies(ctx, &raynet.ListCompaniesParams{Name: opt.Some(raynet.Filter{Eq: opt.Some(name)})})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Data) != 1 || list.Data[0].Name != name {
		t.Fatalf("name[EQ]=%s returned %+v", name, list.Data)
	}
	last := f.Requests()[len(f.Requests())-1]
	if want := "name[EQ]="; !strings.Contains(last.Query, want) {
		t.Fatalf("query %q lacks %q", last.Query, want)
	}
}

func TestRaynet_WrongKeyStopsBeforeLockout(t *testing.T) {
	bad := raynetGood
	bad.APIKey = secret.New("wrong")
	f, c := raynetSetup(t, bad)
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		_, err := c.ListCompanies(ctx, nil)
		if !errors.Is(err, auth.ErrCredentialsRejected) {
			t.Fatalf("call %d: err = %v, want ErrCredentialsRejected", i, err)
		}
	}
	if n := len(f.Requests()); n != 1 {
		t.Fatalf("the fake saw %d requests with a wrong key; want exactly 1 (no retry, no further attempts)", n)
	}
	if n := f.FailedLogins("127.0.0.1"); n != 1 {
		t.Fatalf("failed logins = %d, want 1", n)
	}
}

func TestRaynet_DailyQuotaHoursAwayFailsAtOnce(t *testing.T) {
	f, c := raynetSetup(t, raynetGood)
	ctx := context.Background()
	f.SetUsage("moje-crm", 23999) // one request left until UTC midnight
	if _, err := c.ListCompanies(ctx, nil); err != nil {
		t.Fatalf("last request of the day: %v", err)
	}
	_, err := c.ListCompanies(ctx, nil)
	var qe *ratelimit.QuotaExhaustedError
	if !errors.As(err, &qe) {
		t.Fatalf("err = %v, want *ratelimit.QuotaExhaustedError", err)
	}
	if n := len(f.Requests()); n != 1 {
		t.Fatalf("the fake saw %d requests; the exhausted call must not be sent", n)
	}
}

// raynetParseBasic decodes an "Authorization: Basic" header value.
func raynetParseBasic(h string) (user, pass string, ok bool) {
	enc, found := strings.CutPrefix(h, "Basic ")
	if !found {
		return "", "", false
	}
	b, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return "", "", false
	}
	return strings.Cut(string(b), ":")
}

package e2e

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

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

// The quota headers (reset in epoch seconds) make the client wait for a
// reset that is near instead of drawing a 429; the window is scaled to
// 2 s in the fake and, through the headers alone, in the client.
func TestRaynet_QuotaResetWithinMaxWaitIsWaitedFor(t *testing.T) {
	cfg := fake.DefaultConfig()
	cfg.DailyLimit, cfg.QuotaWindow = 3, 2*time.Second
	f := fake.New(cfg)
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	rc := raynet.RateLimitConfig()
	rc.Windows = nil // the fake's window is scaled; the headers say where it ends
	lim, err := ratelimit.New(rc)
	if err != nil {
		t.Fatal(err)
	}
	c, err := raynet.New(srv.URL+"/api/v2", raynet.WithCredentials(raynetGood), raynet.WithInsecureHTTP(), raynet.WithRateLimiter(lim))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	start := time.Now()
	for i := range 4 {
		if _, err := c.ListCompanies(ctx, nil); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
	if n := len(f.Requests()); n != 4 {
		t.Fatalf("the fake saw %d requests for 4 calls: a 429 was drawn and retried", n)
	}
	reqs := f.Requests()
	if reqs[3].Time.Sub(reqs[2].Time) <= 0 || time.Since(start) > 5*time.Second {
		t.Fatalf("timing: 3rd at %v, 4th at %v", reqs[2].Time, reqs[3].Time)
	}
	if reqs[3].Time.Unix()/2 == reqs[2].Time.Unix()/2 {
		t.Fatalf("the 4th request (%v) went in the same 2 s window as the 3rd (%v)", reqs[3].Time, reqs[2].Time)
	}
}

// The page size is capped at 1000 client-side, before anything is sent;
// sorting and fulltext travel as documented.
func TestRaynet_LimitCapSortingAndFulltext(t *testing.T) {
	f, c := raynetSetup(t, raynetGood)
	ctx := context.Background()
	_, err := c.ListCompanies(ctx, &raynet.ListCompaniesParams{Limit: opt.Some(int64(1001))})
	if err == nil || !strings.Contains(err.Error(), `"limit"`) || !strings.Contains(err.Error(), "1000") {
		t.Fatalf("limit 1001: err = %v, want a clear error naming limit and 1000", err)
	}
	if n := len(f.Requests()); n != 0 {
		t.Fatalf("limit 1001 was sent (%d requests)", n)
	}
	all := f.Companies("moje-crm")
	list, err := c.ListCompanies(ctx, &raynet.ListCompaniesParams{
		Limit: opt.Some(int64(1000)), SortColumn: opt.Some("name"), SortDirection: opt.Some(raynet.ListCompaniesSortDirectionDesc),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Data) != len(all) {
		t.Fatalf("%d companies, the fake has %d", len(list.Data), len(all))
	}
	for i := 1; i < len(list.Data); i++ {
		if list.Data[i-1].Name < list.Data[i].Name {
			t.Fatalf("not sorted by name descending: %q before %q", list.Data[i-1].Name, list.Data[i].Name)
		}
	}
	q := f.Requests()[0].Query
	for _, want := range []string{"limit=1000", "sortColumn=name", "sortDirection=DESC"} {
		if !strings.Contains(q, want) {
			t.Errorf("query %q lacks %q", q, want)
		}
	}
	word := all[0].Name
	hits, err := c.ListCompanies(ctx, &raynet.ListCompaniesParams{Fulltext: opt.Some(word)})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits.Data) == 0 || len(hits.Data) > len(all) {
		t.Fatalf("fulltext %q found %d of %d", word, len(hits.Data), len(all))
	}
}

// RAYNET creates with PUT and updates with POST (reversed REST verbs).
func TestRaynet_PutCreatesPostUpdates(t *testing.T) {
	f, c := raynetSetup(t, raynetGood)
	ctx := context.Background()
	created, err := c.CreateCompany(ctx, &raynet.CompanyCreate{
		Name: "Nová firma s.r.o.", State: raynet.CompanyStateAPotential, Rating: raynet.CompanyRatingA, Role: raynet.CompanyRoleASubscriber,
	})
	if err != nil {
		t.Fatal(err)
	}
	if created.Data == nil {
		t.Fatalf("created = %+v: no data", created)
	}
	id := created.Data.ID.Value
	if _, err := c.UpdateCompany(ctx, id, &raynet.CompanyInput{Name: "Přejmenovaná firma s.r.o."}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetCompany(ctx, id, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Data.Name != "Přejmenovaná firma s.r.o." {
		t.Fatalf("after update: %q", got.Data.Name)
	}
	reqs := f.Requests()
	if reqs[0].Method != http.MethodPut || reqs[1].Method != http.MethodPost {
		t.Fatalf("create sent %s, update sent %s; want PUT then POST", reqs[0].Method, reqs[1].Method)
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

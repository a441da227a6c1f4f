package e2e

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apigen-go/apigen/generated/raynet"
	judge "github.com/apigen-go/apigen/internal/judge2/raynet"
	"github.com/apigen-go/apigen/runtime/opt"
	"github.com/apigen-go/apigen/runtime/secret"
)

// judge2Raynet starts the independent RAYNET judge with n companies and a
// client for creds.
func judge2Raynet(t *testing.T, n int, creds raynet.Credentials) (*judge.Server, *raynet.Client) {
	t.Helper()
	j := judge.New("uzivatel", "api-klic", "moje-crm", n)
	srv := httptest.NewServer(j)
	t.Cleanup(srv.Close)
	c, err := raynet.New(srv.URL+"/api/v2", raynet.WithCredentials(creds), raynet.WithInsecureHTTP())
	if err != nil {
		t.Fatal(err)
	}
	judge2Verdict(t, j)
	return j, c
}

var judge2RaynetCreds = raynet.Credentials{User: "uzivatel", APIKey: secret.New("api-klic"), Instance: "moje-crm"}

func TestJudge2Raynet_ListFilterPageCreateUpdate(t *testing.T) {
	j, c := judge2Raynet(t, 10, judge2RaynetCreds)
	ctx := context.Background()

	// Paging: 10 companies at 4 a page is 3 pages; totalCount ends it.
	var ids []int64
	params := &raynet.ListCompaniesParams{Limit: opt.Some(int64(4)), SortColumn: opt.Some("id"),
		DateFormat: opt.Some(raynet.ListCompaniesDateFormatIso8601)}
	for co, err := range c.ListCompaniesAll(ctx, params) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, co.ID)
		if co.Owner == nil || co.Owner.ID != 1 {
			t.Errorf("company %d: owner reference %+v, want id 1", co.ID, co.Owner)
		}
		if got := co.RowInfoCreatedAt.Value; !strings.HasPrefix(got, "2022-06-18T13:19") {
			t.Errorf("company %d: rowInfo.createdAt %q, want ISO 8601 (dateFormat=ISO8601)", co.ID, got)
		}
	}
	if len(ids) != 10 || ids[0] != 1 || ids[9] != 10 {
		t.Fatalf("iterated ids %v, want 1..10", ids)
	}
	pages := 0
	for _, r := range j.Requests() {
		if strings.HasPrefix(r, "GET /api/v2/company/?") {
			pages++
		}
	}
	if pages != 3 {
		t.Errorf("listing took %d requests, want 3 (totalCount says 10, limit 4): %v", pages, j.Requests())
	}

	// Filter attribute[OPERATOR]=value.
	list, err := c.ListCompanies(ctx, &raynet.ListCompaniesParams{Name: opt.Some(raynet.Filter{Like: opt.Some("Firma 0%")})})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Data) != 9 || list.TotalCount.Value != 9 {
		t.Errorf("name[LIKE]=Firma 0%% gave %d (totalCount %d), want 9", len(list.Data), list.TotalCount.Value)
	}

	// Create with PUT, read it back, partially update with POST.
	created, err := c.CreateCompany(ctx, &raynet.CompanyCreate{Name: "Nova s.r.o.", Rating: raynet.CompanyRatingB,
		State: raynet.CompanyStateAPotential, Role: raynet.CompanyRoleASubscriber, Notice: opt.Some("first")})
	if err != nil {
		t.Fatal(err)
	}
	if created.Data == nil || created.Data.ID.Value != 11 {
		t.Fatalf("created %+v, want id 11", created)
	}
	if err := c.UpdateCompany(ctx, 11, &raynet.CompanyUpdate{Notice: opt.Some("second")}); err != nil {
		t.Fatal(err)
	}
	if sent := j.LastUpdate(); len(sent) != 1 || sent["notice"] != "second" {
		t.Errorf("update sent %v, want only notice (attributes left out keep their value)", sent)
	}
	got, err := c.GetCompany(ctx, 11, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Data.Name.Value != "Nova s.r.o." || got.Data.Notice.Value != "second" || got.Data.Rating.Value != raynet.CompanyRatingB {
		t.Errorf("after update: %+v", got.Data)
	}
	if err := c.DeleteCompany(ctx, 11); err != nil {
		t.Fatal(err)
	}

	// The documented 500 envelope {message, translatedMessage}; the operation
	// may be named by its operationId (getCompany) or its Go name.
	_, err = c.GetCompany(ctx, judge.DeniedID, nil)
	judge2WantAPIError(t, err, "GetCompany", 500, "AttributeAccessDeniedException")
	if n := j.Count(429); n != 0 {
		t.Errorf("judge answered %d 429s", n)
	}
}

// The quota is whatever X-Ratelimit-Limit says (support raises it on request);
// once X-Ratelimit-Remaining is 0 a client that reads the headers sends nothing
// until X-Ratelimit-Reset (next UTC midnight), so the server never answers 429.
func TestJudge2Raynet_DailyQuotaFromHeaders(t *testing.T) {
	j, c := judge2Raynet(t, 3, judge2RaynetCreds)
	j.SetQuota(6)
	ctx := context.Background()
	if _, err := c.GetCompany(ctx, 1, nil); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, failed := 0, 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			_, err := c.GetCompany(cctx, 2, nil)
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				ok++
			} else {
				failed++
				t.Logf("GetCompany: %v", err)
			}
		}()
	}
	wg.Wait()
	if ok != 5 || failed != 3 {
		t.Errorf("%d calls succeeded and %d failed, want 5 and 3 (quota 6, one used)", ok, failed)
	}
	if n := j.Count(429); n != 0 {
		t.Errorf("judge answered %d 429s; the client knew the quota from X-Ratelimit-* headers", n)
	}
}

// Wrong credentials: 401 is never retried, so a caller cannot burn the
// 20 bad logins that lock the IP out for 60 minutes.
func TestJudge2Raynet_BadCredentialsNotRetried(t *testing.T) {
	bad := judge2RaynetCreds
	bad.APIKey = secret.New("wrong")
	j, c := judge2Raynet(t, 1, bad)
	for range 25 {
		_, err := c.GetCompany(context.Background(), 1, nil)
		if err == nil || !strings.Contains(strings.ToLower(err.Error()), "getcompany") {
			t.Fatalf("GetCompany with a wrong key = %v, want an error naming the operation", err)
		}
	}
	if n := j.Count(401); n == 0 || n > 20 {
		t.Errorf("judge answered %d 401s for 25 calls with a wrong key; want between 1 and 20 (lockout after 20)", n)
	}
}

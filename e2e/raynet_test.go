package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apigen-go/apigen/generated/raynet"
	fake "github.com/apigen-go/apigen/internal/fakes/raynet"
	"github.com/apigen-go/apigen/runtime/auth"
	"github.com/apigen-go/apigen/runtime/opt"
	"github.com/apigen-go/apigen/runtime/ratelimit"
	"github.com/apigen-go/apigen/runtime/rest"
	"github.com/apigen-go/apigen/runtime/retry"
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
	// Five companies in pages of two: offsets 0, 2, 4, and the walk stops
	// when offset reaches totalCount (the published list metadata) without
	// asking for an empty fourth page.
	reqs := f.Requests()
	if len(all) != 5 || len(reqs) != 3 {
		t.Fatalf("%d requests for %d companies in pages of 2; want 3 for 5", len(reqs), len(all))
	}
	for i, r := range reqs {
		if want := "offset=" + strconv.Itoa(2*i); !strings.Contains(r.Query, want) || !strings.Contains(r.Query, "limit=2") {
			t.Errorf("page %d: query %q, want %s and limit=2", i+1, r.Query, want)
		}
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
	if len(list.Data) != 1 || list.Data[0].Name.Or("") != name {
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
		if list.Data[i-1].Name.Or("") < list.Data[i].Name.Or("") {
			t.Fatalf("not sorted by name descending: %q before %q", list.Data[i-1].Name.Or(""), list.Data[i].Name.Or(""))
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
	if err := c.UpdateCompany(ctx, id, &raynet.CompanyUpdate{Name: opt.Some("Přejmenovaná firma s.r.o.")}); err != nil {
		t.Fatal(err)
	}
	// An update is partial (CompanyEditDto requires nothing): a notice alone
	// is sent alone and leaves the name as it was.
	if err := c.UpdateCompany(ctx, id, &raynet.CompanyUpdate{Notice: opt.Some("jen poznámka")}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetCompany(ctx, id, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := got.Data
	if d.Name.Or("") != "Přejmenovaná firma s.r.o." || d.Notice.Or("") != "jen poznámka" || d.Version.Or(0) != 3 {
		t.Fatalf("after updates: name %q notice %q version %d", d.Name.Or(""), d.Notice.Or(""), d.Version.Or(0))
	}
	if d.RowInfoCreatedBy.Or("") != "uzivatel" || d.RowInfoUpdatedBy.Or("") != "uzivatel" || d.RowInfoUpdatedAt.Or("") == "" {
		t.Errorf("rowInfo keys not decoded: %+v", d)
	}
	reqs := f.Requests()
	if reqs[0].Method != http.MethodPut || reqs[1].Method != http.MethodPost {
		t.Fatalf("create sent %s, update sent %s; want PUT then POST", reqs[0].Method, reqs[1].Method)
	}
	if body := string(reqs[2].Body); body != `{"notice":"jen poznámka"}` {
		t.Errorf("partial update sent %s, want the notice alone", body)
	}
	// RAYNET refuses a natural person without lastName; the 400 body is
	// the documented {"message"} and reaches the caller.
	err = c.UpdateCompany(ctx, id, &raynet.CompanyUpdate{Person: opt.Some(true)})
	var apiErr *raynet.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadRequest || !strings.Contains(apiErr.Error(), "lastName") {
		t.Errorf("person without lastName: err = %v", err)
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

// view=rowInfo returns only id, the flat rowInfo.* keys and _version: the
// records decode although name and the rest are absent.
func TestRaynet_ViewRowInfoDecodes(t *testing.T) {
	f, c := raynetSetup(t, raynetGood, raynet.WithStrictDecoding())
	list, err := c.ListCompanies(context.Background(), &raynet.ListCompaniesParams{View: opt.Some(raynet.ListCompaniesViewRowInfo)})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Data) != len(f.Companies("moje-crm")) {
		t.Fatalf("%d records", len(list.Data))
	}
	for _, co := range list.Data {
		if co.ID == 0 || co.Name.Set || co.RowInfoCreatedAt.Or("") == "" || co.Version.Or(0) == 0 {
			t.Errorf("record %+v: want id, rowInfo.createdAt and _version only", co)
		}
	}
	// Change detection as the docs suggest: view=rowInfo with
	// rowInfo.lastModifiedAt[GT] finds the record changed since then.
	ctx := context.Background()
	if err := c.UpdateCompany(ctx, 3, &raynet.CompanyUpdate{Notice: opt.Some("changed")}); err != nil {
		t.Fatal(err)
	}
	changed, err := c.ListCompanies(ctx, &raynet.ListCompaniesParams{
		View: opt.Some(raynet.ListCompaniesViewRowInfo), RowInfoLastModifiedAt: opt.Some(raynet.Filter{Gt: opt.Some("2023-06-01 00:00")}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(changed.Data) != 1 || changed.Data[0].ID != 3 || changed.Data[0].Version.Or(0) != 2 {
		t.Errorf("changed since 2023-06-01: %+v", changed.Data)
	}
	if q := f.Requests()[len(f.Requests())-1].Query; !strings.Contains(q, "rowInfo.lastModifiedAt[GT]=") {
		t.Errorf("query %q lacks rowInfo.lastModifiedAt[GT]", q)
	}
}

// The published spec's list example, verbatim in its shape: "success" is
// the string "true" there. The call succeeds and the records decode.
func TestRaynet_PublishedListExampleDecodes(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"success":"true","totalCount":1,"data":[{"id":2,"name":"Test s.r.o.","titleBefore":null,` +
			`"person":false,"role":"B_PARTNER","state":"B_ACTUAL","rating":"A","owner":{"id":1,"fullName":"RAYNET CRM"},` +
			`"regNumber":"123456789","rowInfo.createdAt":"2022-06-18 13:19","rowInfo.createdBy":"demo@raynet.cz",` +
			`"rowInfo.updatedAt":"2022-01-23 09:50","rowInfo.updatedBy":"demo@raynet.cz","rowInfo.rowAccess":null,` +
			`"rowInfo.rowState":null,"_version":14}]}`))
	}))
	t.Cleanup(srv.Close)
	c, err := raynet.New(srv.URL, raynet.WithCredentials(raynetGood), raynet.WithInsecureHTTP())
	if err != nil {
		t.Fatal(err)
	}
	list, err := c.ListCompanies(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Data) != 1 || list.TotalCount.Or(0) != 1 {
		t.Fatalf("list = %+v", list)
	}
	d := list.Data[0]
	if d.Name.Or("") != "Test s.r.o." || d.RowInfoUpdatedBy.Or("") != "demo@raynet.cz" || d.Version.Or(0) != 14 || !d.RowInfoRowAccess.IsNull() {
		t.Errorf("record = %+v", d)
	}
}

// raynetReplayByKey stands in front of the fake as an idempotency layer
// does: the first answer to an Idempotency-Key is stored and replayed for
// every later request with that key, whatever it asks for.
func raynetReplayByKey(h http.Handler) http.Handler {
	var mu sync.Mutex
	seen := map[string]*httptest.ResponseRecorder{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		mu.Lock()
		rec, ok := seen[key]
		if !ok || key == "" {
			rec = httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if key != "" && rec.Code < 500 {
				seen[key] = rec
			}
		}
		mu.Unlock()
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

// An idempotency key given to an iterator: each page is its own request
// with its own key (derived from the caller's: k, k-2, k-3), so a server
// that replays by key still returns every page; the retry of a page after
// a 503 carries that page's key unchanged.
func TestRaynet_IteratorPagesGetOwnIdempotencyKeys(t *testing.T) {
	f := fake.New(fake.DefaultConfig())
	srv := httptest.NewServer(raynetReplayByKey(f))
	t.Cleanup(srv.Close)
	c, err := raynet.New(srv.URL+"/api/v2", raynet.WithCredentials(raynetGood), raynet.WithInsecureHTTP(),
		raynet.WithRetry(retry.Policy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for co, err := range c.ListCompaniesAll(context.Background(), &raynet.ListCompaniesParams{Limit: opt.Some(int64(2))}, raynet.WithIdempotencyKey("walk-7")) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, co.ID)
		if len(ids) == 2 {
			f.InjectStatus(1, http.StatusServiceUnavailable, http.Header{"Retry-After": {"0"}}) // page 2's first attempt
		}
	}
	if !slices.Equal(ids, []int64{1, 2, 3, 4, 5}) {
		t.Fatalf("walked %v, want 1..5 (a reused key replays page 1)", ids)
	}
	var keys []string
	for _, r := range f.Requests() {
		keys = append(keys, r.Header.Get("Idempotency-Key"))
	}
	if want := []string{"walk-7", "walk-7-2", "walk-7-2", "walk-7-3"}; !slices.Equal(keys, want) {
		t.Errorf("keys per request %v, want %v (page 2 sent twice: a 503, then its retry)", keys, want)
	}
}

// A 200 whose body is malformed JSON is a *rest.DecodeError naming the
// operation and status, with a body excerpt in which the API key the
// client sent and credential-like values (access_token, password) are
// redacted, as they are in non-2xx errors.
func TestRaynet_MalformedSuccessBodyIsRedacted(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"success":true,"echo":"api-klic","access_token":"tok-9f8e7d6c","password":"hunter22" oops`))
	}))
	t.Cleanup(srv.Close)
	c, err := raynet.New(srv.URL, raynet.WithCredentials(raynetGood), raynet.WithInsecureHTTP())
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListCompanies(context.Background(), nil)
	var de *rest.DecodeError
	if !errors.As(err, &de) {
		t.Fatalf("err = %v, want *rest.DecodeError", err)
	}
	msg := err.Error()
	for _, leak := range []string{"api-klic", "tok-9f8e7d6c", "hunter22"} {
		if strings.Contains(msg, leak) || strings.Contains(de.Excerpt, leak) {
			t.Errorf("error text leaks %q: %s", leak, msg)
		}
	}
	for _, want := range []string{"listCompanies", "200", "[REDACTED]", `\"success\":true`} {
		if !strings.Contains(msg, want) {
			t.Errorf("error text %s lacks %q", msg, want)
		}
	}
}

// totalCount is optional: a list answer without it (the optional count
// reads as 0) does not end the walk after the first page.
func TestRaynet_WalkWithoutTotalCount(t *testing.T) {
	f := fake.New(fake.DefaultConfig())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		f.ServeHTTP(rec, r)
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Error(err)
		}
		delete(body, "totalCount")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rec.Code)
		_ = json.NewEncoder(w).Encode(body)
	}))
	t.Cleanup(srv.Close)
	c, err := raynet.New(srv.URL+"/api/v2", raynet.WithCredentials(raynetGood), raynet.WithInsecureHTTP())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, err := range c.ListCompaniesAll(context.Background(), &raynet.ListCompaniesParams{Limit: opt.Some(int64(2))}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != len(f.Companies("moje-crm")) {
		t.Fatalf("walked %d companies, the fake has %d", n, len(f.Companies("moje-crm")))
	}
}

package raynet

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/clock"
)

// t0 is 2017-10-24 13:00 UTC: the seed's example reset, 1508889600, is the
// following UTC midnight.
var t0 = time.Date(2017, 10, 24, 13, 0, 0, 0, time.UTC)

type fixture struct {
	fake *Server
	srv  *httptest.Server
	clk  *clock.Fake
}

func newFixture(t *testing.T, mod func(*Config)) *fixture {
	t.Helper()
	clk := clock.NewFake(t0)
	cfg := DefaultConfig()
	cfg.Clock = clk
	if mod != nil {
		mod(&cfg)
	}
	fake := New(cfg)
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	return &fixture{fake: fake, srv: srv, clk: clk}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", r.body, err)
	}
	return m
}

// call sends one request; user/key "" means no Authorization header and
// instance "" no X-Instance-Name.
func (f *fixture) call(t *testing.T, method, path, user, key, instance, body string, hdr ...string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" || key != "" {
		req.SetBasicAuth(user, key)
	}
	if instance != "" {
		req.Header.Set("X-Instance-Name", instance)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

func (f *fixture) get(t *testing.T, path string) response {
	t.Helper()
	return f.call(t, http.MethodGet, path, "uzivatel", "api-klic", "moje-crm", "")
}

func TestAuthentication(t *testing.T) {
	f := newFixture(t, nil)
	cases := []struct {
		name                string
		user, key, instance string
		want                int
	}{
		{"no credentials", "", "", "moje-crm", http.StatusUnauthorized},
		{"wrong key", "uzivatel", "wrong", "moje-crm", http.StatusUnauthorized},
		{"unknown user", "someone", "api-klic", "moje-crm", http.StatusUnauthorized},
		{"missing instance", "uzivatel", "api-klic", "", http.StatusUnauthorized},
		{"unknown instance", "uzivatel", "api-klic", "other-crm", http.StatusUnauthorized},
		{"valid", "uzivatel", "api-klic", "moje-crm", http.StatusOK},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := f.call(t, http.MethodGet, "/api/v2/company/", c.user, c.key, c.instance, "")
			if r.status != c.want {
				t.Fatalf("status = %d, want %d; body %s", r.status, c.want, r.body)
			}
			if c.want == http.StatusUnauthorized {
				if got := r.json(t)["success"]; got != false {
					t.Errorf("success = %v, want false", got)
				}
				if r.header.Get("WWW-Authenticate") == "" {
					t.Error("401 without WWW-Authenticate")
				}
			}
		})
	}
	// Only the valid request used quota.
	if got := f.fake.Usage("moje-crm"); got != 1 {
		t.Errorf("usage = %d, want 1", got)
	}
	if got := f.fake.FailedLogins("127.0.0.1"); got != 5 {
		t.Errorf("FailedLogins = %d, want 5", got)
	}
}

func TestRateLimitHeadersOnEveryResponse(t *testing.T) {
	f := newFixture(t, nil)
	r := f.get(t, "/api/v2/company/")
	for k, want := range map[string]string{
		"X-Ratelimit-Limit":     "24000",
		"X-Ratelimit-Remaining": "23999",
		"X-Ratelimit-Reset":     "1508889600", // the seed's example: next UTC midnight, epoch seconds
	} {
		if got := r.header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	// Errors carry them too, 401s included (without consuming quota).
	for _, r := range []response{
		f.get(t, "/api/v2/company/999/"),
		f.call(t, http.MethodGet, "/api/v2/company/", "uzivatel", "bad", "moje-crm", ""),
	} {
		if r.header.Get("X-Ratelimit-Reset") != "1508889600" || r.header.Get("X-Ratelimit-Limit") != "24000" {
			t.Errorf("status %d response lacks the rate-limit headers: %v", r.status, r.header)
		}
	}
	if got := f.get(t, "/api/v2/company/").header.Get("X-Ratelimit-Remaining"); got != "23997" {
		t.Errorf("remaining after 3 counted requests = %s, want 23997", got)
	}
}

func TestQuotaExhaustedAndReset(t *testing.T) {
	// A scaled window: 3 requests per 10 s, anchored at multiples of 10 s.
	f := newFixture(t, func(c *Config) { c.DailyLimit = 3; c.QuotaWindow = 10 * time.Second })
	for i := range 3 {
		if r := f.get(t, "/api/v2/company/"); r.status != http.StatusOK {
			t.Fatalf("request %d: status %d", i, r.status)
		}
	}
	r := f.get(t, "/api/v2/company/")
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("status = %d, want 429", r.status)
	}
	want := `{"message":"API request limit reached. See the X-RateLimit-* headers and check out the API documentation for more details.","type":"RequestLimitReached"}`
	if string(r.body) != want {
		t.Errorf("429 body = %s, want %s", r.body, want)
	}
	if r.header.Get("X-Ratelimit-Remaining") != "0" {
		t.Errorf("remaining = %q, want 0", r.header.Get("X-Ratelimit-Remaining"))
	}
	reset, _ := strconv.ParseInt(r.header.Get("X-Ratelimit-Reset"), 10, 64)
	if want := t0.Truncate(10 * time.Second).Add(10 * time.Second).Unix(); reset != want {
		t.Errorf("reset = %d, want %d", reset, want)
	}
	if r.header.Get("Retry-After") != "" {
		t.Error("Retry-After is not documented for RAYNET")
	}
	f.clk.Advance(time.Unix(reset, 0).Sub(f.clk.Now())) // to the reset instant
	if r := f.get(t, "/api/v2/company/"); r.status != http.StatusOK || r.header.Get("X-Ratelimit-Remaining") != "2" {
		t.Fatalf("after reset: status %d remaining %q", r.status, r.header.Get("X-Ratelimit-Remaining"))
	}
}

func TestQuotaDailyWindowUTCMidnight(t *testing.T) {
	f := newFixture(t, nil)
	f.fake.SetUsage("moje-crm", 24000)
	if r := f.get(t, "/api/v2/company/"); r.status != http.StatusTooManyRequests {
		t.Fatalf("status = %d, want 429", r.status)
	}
	f.clk.Advance(11*time.Hour - time.Second) // 23:59:59 UTC
	if r := f.get(t, "/api/v2/company/"); r.status != http.StatusTooManyRequests {
		t.Fatalf("before midnight: status = %d, want 429", r.status)
	}
	f.clk.Advance(time.Second) // UTC midnight
	r := f.get(t, "/api/v2/company/")
	if r.status != http.StatusOK || r.header.Get("X-Ratelimit-Reset") != strconv.FormatInt(1508889600+86400, 10) {
		t.Fatalf("after midnight: status %d reset %s", r.status, r.header.Get("X-Ratelimit-Reset"))
	}
}

func TestLockoutAfter20FailedLogins(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.TrustForwardedFor = true })
	for i := 1; i <= 20; i++ {
		r := f.call(t, http.MethodGet, "/api/v2/company/", "uzivatel", "wrong", "moje-crm", "")
		if r.status != http.StatusUnauthorized {
			t.Fatalf("failed login %d: status %d, want 401", i, r.status)
		}
	}
	if !f.fake.Blocked("127.0.0.1") {
		t.Fatal("IP not blocked after 20 failed logins")
	}
	// The 21st request is refused even with good credentials.
	r := f.get(t, "/api/v2/company/")
	if r.status != http.StatusForbidden || r.json(t)["type"] != "IpAddressBlocked" {
		t.Fatalf("blocked request: status %d body %s", r.status, r.body)
	}
	// Another IP is unaffected.
	if r := f.call(t, http.MethodGet, "/api/v2/company/", "uzivatel", "api-klic", "moje-crm", "", "X-Forwarded-For", "10.0.0.7"); r.status != http.StatusOK {
		t.Fatalf("other IP: status %d", r.status)
	}
	f.clk.Advance(59 * time.Minute)
	if r := f.get(t, "/api/v2/company/"); r.status != http.StatusForbidden {
		t.Fatalf("after 59 min: status %d, want 403", r.status)
	}
	f.clk.Advance(time.Minute)
	if r := f.get(t, "/api/v2/company/"); r.status != http.StatusOK {
		t.Fatalf("after 60 min: status %d, want 200", r.status)
	}
	if f.fake.FailedLogins("127.0.0.1") != 0 {
		t.Error("failure count not cleared by the block")
	}
}

func TestFailedLoginsCountInSlidingWindow(t *testing.T) {
	f := newFixture(t, nil)
	for range 19 {
		f.call(t, http.MethodGet, "/api/v2/company/", "uzivatel", "wrong", "moje-crm", "")
	}
	f.clk.Advance(61 * time.Minute)
	for range 19 {
		f.call(t, http.MethodGet, "/api/v2/company/", "uzivatel", "wrong", "moje-crm", "")
	}
	if f.fake.Blocked("127.0.0.1") || f.fake.FailedLogins("127.0.0.1") != 19 {
		t.Fatalf("blocked=%v failures=%d; want not blocked, 19 counted", f.fake.Blocked("127.0.0.1"), f.fake.FailedLogins("127.0.0.1"))
	}
	// A success does not reset the count: one more failure blocks.
	f.get(t, "/api/v2/company/")
	f.call(t, http.MethodGet, "/api/v2/company/", "uzivatel", "wrong", "moje-crm", "")
	if !f.fake.Blocked("127.0.0.1") {
		t.Fatal("20th failure in the window did not block")
	}
}

func ids(t *testing.T, r response) []int {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var out []int
	for _, d := range r.json(t)["data"].([]any) {
		out = append(out, int(d.(map[string]any)["id"].(float64)))
	}
	return out
}

func TestListFilters(t *testing.T) {
	f := newFixture(t, nil)
	cases := []struct {
		query string
		want  []int
	}{
		{"", []int{1, 2, 3, 4, 5}},
		{"name[LIKE]=RAY%25", []int{1}},
		{"name[LIKE_NOCASE]=ray%25", []int{1, 3}},
		{"name%5BLIKE_NOCASE%5D=ray%25", []int{1, 3}}, // url.Values encoding of the brackets
		{"name=Test+s.r.o.", []int{2}},
		{"name[EQ]=%22Test+s.r.o.%22", []int{2}}, // quoted value
		{"name[NE]=Test+s.r.o.", []int{1, 3, 4, 5}},
		{"regNumber[EQ]=", []int{3, 4}}, // empty
		{"regNumber[NE]=", []int{1, 2, 5}},
		{"regNumber[NE]=null", []int{1, 2, 5}}, // the published spec's spelling
		{"category[IN]=15,17", []int{1, 2, 5}},
		{"category[NE]=15", []int{3, 5}},
		{"owner=1", []int{1, 3}},
		{"person=yes", []int{4}},
		{"person[EQ]=off", []int{1, 2, 3, 5}},
		{"rating[IN]=A,B", []int{1, 2, 4}},
		{"tags[EQ]=rival", []int{5}},
		{"tags[EQ]=", []int{3, 4}},
		{"tags=rival,stitek1", []int{2, 5}}, // at least one of them
		{"rowInfo.createdAt[GT]=2014-06-01&rowInfo.createdAt[LT]=2018-03-02", []int{2, 3, 4}}, // two criteria
		{"rowInfo.updatedAt[GE]=2022-01-01+00:00", []int{1, 5}},
		{"rowInfo.rowAccess[EQ_OR_NULL]=", []int{1, 2, 3, 4, 5}},
		{`rowInfo.createdAt[GT]="2014-06-01"&rowInfo.createdAt[LT]="2014-06-10"`, []int{2, 3}}, // the seed's example
		{"rowInfo.createdAt[GE]=2018-03-01+12:00", []int{4, 5}},
		{"rowInfo.createdAt[LT]=2014-06-05T11:30:00.000%2B01:00", []int{1}}, // ISO 8601 with offset = 10:30 UTC
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			q := strings.ReplaceAll(c.query, `"`, "%22")
			if got := ids(t, f.get(t, "/api/v2/company/?"+q)); !slices.Equal(got, c.want) {
				t.Errorf("ids = %v, want %v", got, c.want)
			}
		})
	}
}

func TestListErrors(t *testing.T) {
	f := newFixture(t, nil)
	for _, q := range []string{
		"limit=1001", "limit=0", "limit=x", "offset=-1",
		"sortColumn=notice", "sortDirection=UP",
		"nonsense=1", "name[CUSTOM]=x", "name[FOO]=x",
		"owner[GT]=abc", "person=maybe", "rowInfo.createdAt[GT]=yesterday", "view=all",
		// Columns the published spec does not list for filtering, and
		// operators outside a column's documented list.
		"id[IN]=1,2", "birthday[LT]=1990-01-01", "notice=x",
		"name[IN]=a,b", "regNumber[EQ_OR_NULL]=1", "category[GE]=16", "rowInfo.createdAt[EQ]=2014-06-05+10:30",
		"withoutGdpr[CUSTOM]=",
	} {
		r := f.get(t, "/api/v2/company/?"+q)
		if r.status != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", q, r.status)
			continue
		}
		// The published spec's 400 body: {"message": "..."} and nothing else.
		if m := r.json(t); len(m) != 1 || m["message"] == "" {
			t.Errorf("%s: body %s", q, r.body)
		}
	}
	if r := f.get(t, "/api/v2/company/?limit=1000"); r.status != http.StatusOK {
		t.Errorf("limit=1000: status %d", r.status)
	}
}

func TestSortPagingFulltext(t *testing.T) {
	f := newFixture(t, nil)
	if got := ids(t, f.get(t, "/api/v2/company/?sortColumn=name&sortDirection=DESC")); !slices.Equal(got, []int{2, 3, 1, 5, 4}) {
		t.Errorf("name DESC = %v", got)
	}
	if got := ids(t, f.get(t, "/api/v2/company/?sortColumn=rowInfo.updatedAt")); !slices.Equal(got, []int{2, 4, 3, 1, 5}) {
		t.Errorf("updatedAt ASC = %v", got)
	}
	r := f.get(t, "/api/v2/company/?offset=1&limit=2")
	if got := ids(t, r); !slices.Equal(got, []int{2, 3}) {
		t.Errorf("page = %v", got)
	}
	if tc := r.json(t)["totalCount"]; tc != float64(5) {
		t.Errorf("totalCount = %v, want 5", tc)
	}
	if got := ids(t, f.get(t, "/api/v2/company/?offset=10")); len(got) != 0 {
		t.Errorf("past the end = %v", got)
	}
	if got := ids(t, f.get(t, "/api/v2/company/?fulltext=GLASSES")); !slices.Equal(got, []int{3}) {
		t.Errorf("fulltext = %v", got)
	}
}

func TestDateFormat(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Location = time.FixedZone("CET", 3600) })
	d := f.get(t, "/api/v2/company/2/").json(t)["data"].(map[string]any)
	if got := d["rowInfo.createdAt"]; got != "2014-06-05 11:30" {
		t.Errorf("default format = %v", got)
	}
	d = f.get(t, "/api/v2/company/2/?dateFormat=ISO8601").json(t)["data"].(map[string]any)
	if got := d["rowInfo.createdAt"]; got != "2014-06-05T11:30:00.000+01:00" {
		t.Errorf("ISO8601 = %v", got)
	}
	// A zone-less filter value is in the user's zone: 11:30 CET = 10:30 UTC.
	if got := ids(t, f.get(t, "/api/v2/company/?rowInfo.createdAt[GE]=2014-06-05+11:30&rowInfo.createdAt[LE]=2014-06-05+11:30")); !slices.Equal(got, []int{2}) {
		t.Errorf("local filter = %v", got)
	}
}

func TestPutCreatesPostUpdates(t *testing.T) {
	f := newFixture(t, nil)
	auth := func(method, path, body string) response {
		return f.call(t, method, path, "uzivatel", "api-klic", "moje-crm", body)
	}
	r := auth(http.MethodPut, "/api/v2/company/", `{"name":"Nová firma","rating":"A","state":"A_POTENTIAL","role":"B_PARTNER","person":"no","tags":["new"]}`)
	if r.status != http.StatusCreated {
		t.Fatalf("PUT: status %d %s", r.status, r.body)
	}
	id := int(r.json(t)["data"].(map[string]any)["id"].(float64))
	if id != 6 {
		t.Errorf("new id = %d, want 6", id)
	}
	if r := auth(http.MethodPost, "/api/v2/company/", `{"name":"x","rating":"A","state":"A_POTENTIAL","role":"B_PARTNER"}`); r.status != http.StatusMethodNotAllowed {
		t.Errorf("POST to the collection: status %d, want 405", r.status)
	}
	if r := auth(http.MethodPut, "/api/v2/company/6/", `{"name":"x"}`); r.status != http.StatusMethodNotAllowed {
		t.Errorf("PUT to a record: status %d, want 405", r.status)
	}
	if r := auth(http.MethodPut, "/api/v2/company/", `{"name":"x"}`); r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "rating") {
		t.Errorf("missing required: status %d %s", r.status, r.body)
	}
	if r := auth(http.MethodPut, "/api/v2/company/", `{"name":"x","rating":"Z","state":"A_POTENTIAL","role":"B_PARTNER"}`); r.status != http.StatusBadRequest {
		t.Errorf("bad enum: status %d", r.status)
	}
	// A partial update without name (CompanyEditDto requires nothing)
	// answers 200 with no body.
	if r := auth(http.MethodPost, "/api/v2/company/6/", `{"notice":"updated","rating":"C"}`); r.status != http.StatusOK || len(r.body) != 0 {
		t.Fatalf("POST update: status %d %q", r.status, r.body)
	}
	// A natural person needs a lastName, on update as on create; a refused
	// update changes nothing.
	if r := auth(http.MethodPost, "/api/v2/company/6/", `{"person":true,"notice":"refused"}`); r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "lastName") {
		t.Errorf("person without lastName: status %d %s", r.status, r.body)
	}
	if r := auth(http.MethodPut, "/api/v2/company/", `{"name":"x","rating":"A","state":"A_POTENTIAL","role":"B_PARTNER","person":true}`); r.status != http.StatusBadRequest {
		t.Errorf("create person without lastName: status %d %s", r.status, r.body)
	}
	d := f.get(t, "/api/v2/company/6").json(t)["data"].(map[string]any) // no trailing slash works too
	if d["notice"] != "updated" || d["rating"] != "C" || d["name"] != "Nová firma" || d["_version"] != float64(2) ||
		d["rowInfo.createdBy"] != "uzivatel" || d["rowInfo.updatedBy"] != "uzivatel" {
		t.Errorf("after update: %v", d)
	}
	if got := ids(t, f.get(t, "/api/v2/company/?tags=new")); !slices.Equal(got, []int{6}) {
		t.Errorf("created company not listed: %v", got)
	}
	if r := auth(http.MethodDelete, "/api/v2/company/6/", ""); r.status != http.StatusOK {
		t.Fatalf("DELETE: status %d", r.status)
	}
	if r := f.get(t, "/api/v2/company/6/"); r.status != http.StatusNotFound {
		t.Errorf("after delete: status %d, want 404", r.status)
	}
}

func TestRecordsAndInjects(t *testing.T) {
	f := newFixture(t, nil)
	f.fake.InjectStatus(1, http.StatusServiceUnavailable, http.Header{"Retry-After": {"3"}})
	r := f.get(t, "/api/v2/company/?limit=2")
	if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") != "3" {
		t.Fatalf("injected: status %d", r.status)
	}
	if r := f.get(t, "/api/v2/company/?limit=2"); r.status != http.StatusOK {
		t.Fatalf("after injection: status %d", r.status)
	}
	reqs := f.fake.Requests()
	if len(reqs) != 2 || reqs[0].Path != "/api/v2/company/" || reqs[0].Query != "limit=2" ||
		reqs[0].Header.Get("X-Instance-Name") != "moje-crm" || !reqs[0].Time.Equal(t0) {
		t.Fatalf("recorded %+v", reqs)
	}
	if f.fake.Usage("moje-crm") != 1 {
		t.Errorf("injected request consumed quota")
	}
}

func TestConcurrentUse(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.DailyLimit = 50 })
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for range 60 {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/api/v2/company/", nil)
			req.SetBasicAuth("uzivatel", "api-klic")
			req.Header.Set("X-Instance-Name", "moje-crm")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			mu.Lock()
			codes[resp.StatusCode]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if codes[http.StatusOK] != 50 || codes[http.StatusTooManyRequests] != 10 {
		t.Fatalf("codes = %v, want 50×200 and 10×429", codes)
	}
}

// The status information is a set of flat "rowInfo.…" keys, as in the
// published examples; view=rowInfo sends only those, id and _version.
func TestRowInfoKeysAndView(t *testing.T) {
	f := newFixture(t, nil)
	var list struct {
		Data []map[string]any `json:"data"`
	}
	if err := json.Unmarshal(f.get(t, "/api/v2/company/?limit=1").body, &list); err != nil || len(list.Data) != 1 {
		t.Fatalf("list: %v %v", err, list)
	}
	rec := list.Data[0]
	for _, k := range []string{"rowInfo.createdAt", "rowInfo.createdBy", "rowInfo.updatedAt", "rowInfo.updatedBy", "rowInfo.rowAccess", "rowInfo.rowState", "_version", "name"} {
		if _, ok := rec[k]; !ok {
			t.Errorf("record lacks %q: %v", k, rec)
		}
	}
	if _, nested := rec["rowInfo"]; nested {
		t.Errorf("record has a nested rowInfo: %v", rec)
	}
	list.Data = nil
	if err := json.Unmarshal(f.get(t, "/api/v2/company/?limit=1&view=rowInfo").body, &list); err != nil || len(list.Data) != 1 {
		t.Fatalf("view=rowInfo: %v %v", err, list)
	}
	keys := slices.Sorted(maps.Keys(list.Data[0]))
	want := []string{"_version", "id", "rowInfo.createdAt", "rowInfo.createdBy", "rowInfo.rowAccess", "rowInfo.rowState", "rowInfo.updatedAt", "rowInfo.updatedBy"}
	if !slices.Equal(keys, want) {
		t.Errorf("view=rowInfo keys = %v, want %v", keys, want)
	}
}

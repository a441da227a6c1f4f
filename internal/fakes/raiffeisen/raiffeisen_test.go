package raiffeisen

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/clock"
)

const clientID = "raiffeisen-demo-client-id"

var t0 = time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)

type harness struct {
	t      *testing.T
	fake   *Server
	clk    *clock.Fake
	srv    *httptest.Server
	ca     *CA
	withMe *http.Client // presents the client certificate (serial 100)
	noCert *http.Client
}

func newHarness(t *testing.T, mutate func(*Config)) *harness {
	t.Helper()
	clk := clock.NewFake(t0)
	cfg := DefaultConfig()
	cfg.Clock = clk
	if mutate != nil {
		mutate(&cfg)
	}
	fake := New(cfg)
	ca, err := NewCA("Fake Bank Client CA", time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	srv := NewTLSServer(fake, TLSOptions{ClientCAs: ca.Pool()})
	t.Cleanup(srv.Close)
	cert, err := ca.IssueClient("client 100", 100, time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, fake: fake, clk: clk, srv: srv, ca: ca,
		withMe: clientWith(srv, &cert), noCert: clientWith(srv, nil)}
}

// clientWith returns a client trusting srv, presenting cert when non-nil.
func clientWith(srv *httptest.Server, cert *tls.Certificate) *http.Client {
	tr := srv.Client().Transport.(*http.Transport).Clone()
	if cert != nil {
		tr.TLSClientConfig.Certificates = []tls.Certificate{*cert}
	}
	return &http.Client{Transport: tr}
}

type result struct {
	status int
	header http.Header
	body   []byte
}

func (r result) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func (r result) errCode(t *testing.T) string {
	t.Helper()
	var e ErrorBody
	r.json(t, &e)
	return e.Error
}

var reqSeq int

func (h *harness) do(c *http.Client, method, path, body string, hdr map[string]string) result {
	h.t.Helper()
	req, _ := http.NewRequest(method, h.srv.URL+"/rbcz/premium/api"+path, strings.NewReader(body))
	req.Header.Set("X-IBM-Client-Id", clientID)
	reqSeq++
	req.Header.Set("X-Request-Id", fmt.Sprintf("req-%d", reqSeq))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := c.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return result{resp.StatusCode, resp.Header, b}
}

func (h *harness) get(path string) result { return h.do(h.withMe, "GET", path, "", nil) }

func TestMTLSRequiredExceptFX(t *testing.T) {
	h := newHarness(t, nil)
	if r := h.get("/accounts"); r.status != http.StatusOK {
		t.Fatalf("with certificate: %d %s", r.status, r.body)
	}
	r := h.do(h.noCert, "GET", "/accounts", "", nil)
	if r.status != http.StatusUnauthorized || r.errCode(t) != "UNAUTHORISED" {
		t.Fatalf("without certificate: %d %s", r.status, r.body)
	}
	for _, p := range []string{"/fxrates", "/fxrates/EUR"} {
		if r := h.do(h.noCert, "GET", p, "", nil); r.status != http.StatusOK {
			t.Errorf("FX %s without certificate: %d %s", p, r.status, r.body)
		}
	}
	// A certificate from another CA: Go's client does not even offer it
	// (the server names its acceptable CAs), so the bank sees none...
	other, _ := NewCA("Other CA", time.Now().Add(-time.Hour))
	cert, _ := other.IssueClient("intruder", 7, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if r := h.do(clientWith(h.srv, &cert), "GET", "/accounts", "", nil); r.status != http.StatusUnauthorized {
		t.Errorf("certificate from an unknown CA: %d", r.status)
	}
	// ...and one forced onto the handshake fails it.
	forced := clientWith(h.srv, nil)
	forced.Transport.(*http.Transport).TLSClientConfig.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
		return &cert, nil
	}
	req, _ := http.NewRequest("GET", h.srv.URL+"/rbcz/premium/api/fxrates", nil)
	if _, err := forced.Do(req); err == nil {
		t.Error("certificate from an unknown CA was accepted")
	}
	// An expired certificate fails the handshake too.
	old, _ := h.ca.IssueClient("old", 8, time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour))
	if _, err := clientWith(h.srv, &old).Do(req); err == nil {
		t.Error("expired certificate was accepted")
	}
}

func TestStrictHandshakeAndPlainHTTP(t *testing.T) {
	h := newHarness(t, nil)
	strict := NewTLSServer(h.fake, TLSOptions{ClientCAs: h.ca.Pool(), ClientAuth: tls.RequireAndVerifyClientCert})
	defer strict.Close()
	req, _ := http.NewRequest("GET", strict.URL+"/rbcz/premium/api/fxrates", nil)
	req.Header.Set("X-IBM-Client-Id", clientID)
	req.Header.Set("X-Request-Id", "strict-1")
	if _, err := clientWith(strict, nil).Do(req); err == nil {
		t.Error("RequireAndVerifyClientCert accepted a client without certificate")
	}

	plain := httptest.NewServer(h.fake)
	defer plain.Close()
	req, _ = http.NewRequest("GET", plain.URL+"/rbcz/premium/api/accounts", nil)
	req.Header.Set("X-IBM-Client-Id", clientID)
	req.Header.Set("X-Request-Id", "plain-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("plain HTTP: %d", resp.StatusCode)
	}
}

func TestClientIDAndRequestID(t *testing.T) {
	h := newHarness(t, nil)
	for _, id := range []string{"", "someone-else"} {
		r := h.do(h.withMe, "GET", "/accounts", "", map[string]string{"X-IBM-Client-Id": id})
		var g GatewayError
		r.json(t, &g)
		if r.status != http.StatusUnauthorized || g.HTTPCode != "401" || g.MoreInformation == "" {
			t.Errorf("client id %q: %d %s", id, r.status, r.body)
		}
		if r.header.Get("X-RateLimit-Limit-Second") != "" {
			t.Error("rate-limit headers before the client is known")
		}
	}
	for _, id := range []string{"", "has space", strings.Repeat("x", 61)} {
		r := h.do(h.withMe, "GET", "/accounts", "", map[string]string{"X-Request-Id": id})
		if r.status != http.StatusBadRequest {
			t.Errorf("X-Request-Id %q: %d", id, r.status)
		}
	}
	if r := h.do(h.withMe, "GET", "/accounts", "", map[string]string{"X-Request-Id": "a-Z_0:9"}); r.status != http.StatusOK {
		t.Errorf("valid X-Request-Id: %d", r.status)
	}
	r := h.get("/nothing/here")
	var g GatewayError
	r.json(t, &g)
	if r.status != http.StatusNotFound || g.HTTPCode != "404" {
		t.Errorf("unknown path: %d %s", r.status, r.body)
	}
}

func TestRateLimitHeadersAndPerSecondLimit(t *testing.T) {
	h := newHarness(t, nil)
	r := h.get("/accounts")
	want := map[string]string{"X-RateLimit-Limit-Second": "10", "X-RateLimit-Limit-Day": "5000",
		"X-RateLimit-Remaining-Second": "9", "X-RateLimit-Remaining-Day": "4999"}
	for k, v := range want {
		if got := r.header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	for i := 2; i <= 10; i++ {
		if r := h.get("/accounts"); r.status != http.StatusOK {
			t.Fatalf("request %d: %d", i, r.status)
		}
	}
	r = h.get("/accounts")
	if r.status != http.StatusTooManyRequests || r.errCode(t) != "TOO_MANY_REQUESTS" {
		t.Fatalf("11th request: %d %s", r.status, r.body)
	}
	if r.header.Get("X-RateLimit-Remaining-Second") != "0" || r.header.Get("X-RateLimit-Remaining-Day") != "4990" {
		t.Errorf("429 headers: %v", r.header)
	}
	if r.header.Get("Retry-After") != "" {
		t.Error("Retry-After is not documented")
	}
	// Limits are per operation: the balance operation has its own budget.
	if r := h.get("/accounts/6760653036/balance"); r.status != http.StatusOK || r.header.Get("X-RateLimit-Remaining-Second") != "9" {
		t.Errorf("other operation: %d %v", r.status, r.header.Get("X-RateLimit-Remaining-Second"))
	}
	// The window slides.
	h.clk.Advance(999 * time.Millisecond)
	if r := h.get("/accounts"); r.status != http.StatusTooManyRequests {
		t.Errorf("within the second: %d", r.status)
	}
	h.clk.Advance(time.Millisecond)
	if r := h.get("/accounts"); r.status != http.StatusOK || r.header.Get("X-RateLimit-Remaining-Day") != "4989" {
		t.Errorf("after the second: %d %v", r.status, r.header.Get("X-RateLimit-Remaining-Day"))
	}
}

func TestSlidingDayWindowScaled(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.PerDay = 5; c.DayWindow = 10 * time.Second })
	for i := range 5 {
		if r := h.get("/accounts"); r.status != http.StatusOK {
			t.Fatalf("request %d: %d", i, r.status)
		}
		h.clk.Advance(time.Second)
	}
	r := h.get("/accounts")
	if r.status != http.StatusTooManyRequests || r.header.Get("X-RateLimit-Remaining-Day") != "0" || r.header.Get("X-RateLimit-Limit-Day") != "5" {
		t.Fatalf("over the day limit: %d %v", r.status, r.header)
	}
	// The first request (t0) leaves the window at t0+10s; now is t0+5s.
	h.clk.Advance(4 * time.Second)
	if r := h.get("/accounts"); r.status != http.StatusTooManyRequests {
		t.Fatalf("before the window slides: %d", r.status)
	}
	h.clk.Advance(time.Second)
	if r := h.get("/accounts"); r.status != http.StatusOK || r.header.Get("X-RateLimit-Remaining-Day") != "0" {
		t.Fatalf("after the window slides: %d %v", r.status, r.header.Get("X-RateLimit-Remaining-Day"))
	}
}

func TestConcurrentRequestsRespectLimit(t *testing.T) {
	h := newHarness(t, nil)
	var wg sync.WaitGroup
	var mu sync.Mutex
	counts := map[int]int{}
	for i := range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("GET", h.srv.URL+"/rbcz/premium/api/fxrates", nil)
			req.Header.Set("X-IBM-Client-Id", clientID)
			req.Header.Set("X-Request-Id", fmt.Sprintf("c-%d", i))
			resp, err := h.withMe.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			mu.Lock()
			counts[resp.StatusCode]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if counts[200] != 10 || counts[429] != 20 {
		t.Fatalf("statuses %v, want 10×200 and 20×429", counts)
	}
}

func TestDownloadStatementLimitsAndBody(t *testing.T) {
	h := newHarness(t, nil)
	var list StatementList
	r := h.do(h.withMe, "POST", "/accounts/statements", `{"accountNumber":"6760653036"}`, nil)
	r.json(t, &list)
	if r.status != http.StatusOK || len(list.Statements) != 3 || list.TotalSize != 3 || !list.First || !list.Last {
		t.Fatalf("statements: %d %s", r.status, r.body)
	}
	st := list.Statements[0]
	body := fmt.Sprintf(`{"accountNumber":"6760653036","statementId":%q,"statementFormat":"pdf"}`, st.StatementID)
	r = h.do(h.withMe, "POST", "/accounts/statements/download", body, map[string]string{"Accept-Language": "cs"})
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/pdf" || len(r.body) == 0 {
		t.Fatalf("download: %d %v %s", r.status, r.header.Get("Content-Type"), r.body)
	}
	if r.header.Get("X-RateLimit-Limit-Second") != "5" || r.header.Get("X-RateLimit-Limit-Day") != "1500" {
		t.Errorf("download limits: %v", r.header)
	}
	for i := 2; i <= 5; i++ {
		h.do(h.withMe, "POST", "/accounts/statements/download", body, map[string]string{"Accept-Language": "en"})
	}
	if r := h.do(h.withMe, "POST", "/accounts/statements/download", body, map[string]string{"Accept-Language": "en"}); r.status != http.StatusTooManyRequests {
		t.Errorf("6th download in a second: %d", r.status)
	}
	h.clk.Advance(time.Second)
	if r := h.do(h.withMe, "POST", "/accounts/statements/download", body, nil); r.status != http.StatusBadRequest {
		t.Errorf("no Accept-Language: %d", r.status)
	}
	r = h.do(h.withMe, "POST", "/accounts/statements/download", strings.Replace(body, "pdf", "MT940", 1), map[string]string{"Accept-Language": "en"})
	if r.status != http.StatusNotFound {
		t.Errorf("format not offered: %d %s", r.status, r.body)
	}
	r = h.do(h.withMe, "POST", "/accounts/statements/download", strings.Replace(body, "pdf", "xml", 1), map[string]string{"Accept-Language": "en-GB"})
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/xml" {
		t.Errorf("xml: %d %v", r.status, r.header.Get("Content-Type"))
	}
	// Filters and paging.
	r = h.do(h.withMe, "POST", "/accounts/statements?size=2&page=2", `{"accountNumber":"6760653036","currency":"CZK"}`, nil)
	list = StatementList{}
	r.json(t, &list)
	if len(list.Statements) != 1 || list.Page != 2 || list.TotalPages != 2 || !list.Last || list.First {
		t.Errorf("page 2: %s", r.body)
	}
	if r := h.do(h.withMe, "POST", "/accounts/statements", `{"accountNumber":"6760653036","currency":"USD"}`, nil); r.status != http.StatusNoContent {
		t.Errorf("no statements: %d", r.status)
	}
	if r := h.do(h.withMe, "POST", "/accounts/statements", `{"accountNumber":"6760653036","dateFrom":"1.1.2024"}`, nil); r.status != http.StatusBadRequest || r.errCode(t) != "DT01" {
		t.Errorf("bad date: %d %s", r.status, r.body)
	}
	if r := h.do(h.withMe, "POST", "/accounts/statements", `{}`, nil); r.status != http.StatusBadRequest {
		t.Errorf("no account: %d", r.status)
	}
}

func TestAccountsPaging(t *testing.T) {
	h := newHarness(t, nil)
	var l AccountList
	r := h.get("/accounts?size=1")
	r.json(t, &l)
	if len(l.Accounts) != 1 || l.Page != 1 || l.Size != 1 || !l.First || l.Last || l.TotalPages != 2 || l.TotalSize != 2 {
		t.Fatalf("page 1: %s", r.body)
	}
	l = AccountList{}
	h.get("/accounts?size=1&page=2").json(t, &l)
	if len(l.Accounts) != 1 || !l.Last || l.First || l.Accounts[0].AccountNumber != "6760653044" {
		t.Fatalf("page 2: %+v", l)
	}
	if r := h.get("/accounts?size=1&page=3"); r.status != http.StatusNoContent || len(r.body) != 0 {
		t.Errorf("page past the end: %d %s", r.status, r.body)
	}
	if r := h.get("/accounts?page=0"); r.status != http.StatusBadRequest {
		t.Errorf("page 0: %d", r.status)
	}
	l = AccountList{}
	h.get("/accounts").json(t, &l)
	if l.Size != 15 || len(l.Accounts) != 2 {
		t.Errorf("default size: %+v", l)
	}
}

func TestBalance(t *testing.T) {
	h := newHarness(t, nil)
	var b AccountBalance
	r := h.get("/accounts/6760653036/balance")
	r.json(t, &b)
	if b.NumberPart2 != "6760653036" || b.BankCode != "5500" || len(b.CurrencyFolders) != 1 || b.CurrencyFolders[0].Balances[0].BalanceType != "CLAB" {
		t.Fatalf("%s", r.body)
	}
	if r := h.get("/accounts/1/balance"); r.status != http.StatusNotFound || r.errCode(t) != "ID_NOT_FOUND" {
		t.Errorf("unknown account: %d %s", r.status, r.body)
	}
}

func TestTransactions(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.TransactionPageSize = 10 })
	from := t0.AddDate(0, 0, -90).Format(time.DateOnly)
	to := t0.Format(time.DateOnly)
	path := "/accounts/6760653036/CZK/transactions?from=" + from + "&to=" + to
	var tl TransactionList
	r := h.get(path)
	r.json(t, &tl)
	if r.status != http.StatusOK || len(tl.Transactions) != 10 || tl.LastPage {
		t.Fatalf("page 1: %d %d last=%v", r.status, len(tl.Transactions), tl.LastPage)
	}
	if !tl.Transactions[0].BookingDate.Before(tl.Transactions[9].BookingDate) {
		t.Error("transactions are not in booking order")
	}
	tl = TransactionList{}
	h.get(path+"&page=3").json(t, &tl)
	if len(tl.Transactions) != 10 || !tl.LastPage {
		t.Fatalf("page 3: %d last=%v", len(tl.Transactions), tl.LastPage)
	}
	if r := h.get(path + "&page=4"); r.status != http.StatusNoContent {
		t.Errorf("page 4: %d", r.status)
	}
	// Lower-case currency and a date-time window.
	tl = TransactionList{}
	win := "/accounts/6760653036/czk/transactions?from=" + t0.AddDate(0, 0, -5).Format(time.RFC3339) + "&to=" + t0.Format(time.RFC3339)
	h.get(win).json(t, &tl)
	if len(tl.Transactions) != 2 || !tl.LastPage {
		t.Errorf("5-day window: %d", len(tl.Transactions))
	}
	if r := h.get("/accounts/6760653036/CZK/transactions?from=" + t0.AddDate(0, 0, -91).Format(time.DateOnly) + "&to=" + to); r.status != http.StatusBadRequest || r.errCode(t) != "DT01" {
		t.Errorf("older than 90 days: %d %s", r.status, r.body)
	}
	for _, q := range []string{"?from=" + from, "?to=" + to, "?from=yesterday&to=" + to, "?from=" + to + "&to=" + from} {
		if r := h.get("/accounts/6760653036/CZK/transactions" + q); r.status != http.StatusBadRequest {
			t.Errorf("%s: %d", q, r.status)
		}
	}
	h.clk.Advance(time.Second) // stay under 10 requests per second
	if r := h.get("/accounts/6760653036/USD/transactions?from=" + from + "&to=" + to); r.status != http.StatusNotFound {
		t.Errorf("unknown currency folder: %d", r.status)
	}
	if r := h.get("/accounts/6760653036/CZK/transactions?from=" + to + "&to=" + to); r.status != http.StatusNoContent {
		t.Errorf("empty window: %d", r.status)
	}
}

func TestCertificateBlockAndRestriction(t *testing.T) {
	h := newHarness(t, nil)
	h.fake.BlockCertificate(100)
	if r := h.get("/accounts"); r.status != http.StatusUnauthorized || r.errCode(t) != "UNAUTHORISED" {
		t.Fatalf("blocked: %d %s", r.status, r.body)
	}
	if r := h.get("/fxrates"); r.status != http.StatusOK {
		t.Errorf("FX with a blocked certificate: %d", r.status)
	}
	h.fake.UnblockCertificate(100)
	h.fake.RestrictCertificate(100, "6760653044")
	var l AccountList
	h.get("/accounts").json(t, &l)
	if len(l.Accounts) != 1 || l.Accounts[0].AccountNumber != "6760653044" {
		t.Errorf("restricted list: %+v", l.Accounts)
	}
	if r := h.get("/accounts/6760653036/balance"); r.status != http.StatusForbidden || r.errCode(t) != "INSUFFICIENT_RIGHTS" {
		t.Errorf("restricted account: %d %s", r.status, r.body)
	}
	if r := h.get("/accounts/6760653044/balance"); r.status != http.StatusOK {
		t.Errorf("permitted account: %d", r.status)
	}
}

func TestPayments(t *testing.T) {
	h := newHarness(t, nil)
	hdr := map[string]string{"Batch-Import-Format": "ABO-KPC", "Content-Type": "text/plain"}
	r := h.do(h.withMe, "POST", "/payments/batches", "UHL1...", hdr)
	var c BatchCreated
	r.json(t, &c)
	if r.status != http.StatusOK || c.BatchFileID == 0 {
		t.Fatalf("import: %d %s", r.status, r.body)
	}
	if r := h.do(h.withMe, "POST", "/payments/batches", "UHL1...", hdr); r.errCode(t) != "BATCH_ALREADY_IMPORTED" {
		t.Errorf("duplicate: %s", r.body)
	}
	if r := h.do(h.withMe, "POST", "/payments/batches", "x", map[string]string{"Batch-Import-Format": "CSV"}); r.errCode(t) != "INVALID_BATCH_IMPORT_FORMAT" {
		t.Errorf("format: %s", r.body)
	}
	if r := h.do(h.withMe, "POST", "/payments/batches", "", hdr); r.errCode(t) != "BATCH_CONTENT_INVALID" {
		t.Errorf("empty: %s", r.body)
	}
	var d BatchDetail
	r = h.get(fmt.Sprintf("/payments/batches/%d", c.BatchFileID))
	r.json(t, &d)
	if d.BatchName != "ImportApi_10032025" || d.CreateDate != "2025-03-10" {
		t.Errorf("detail: %s", r.body)
	}
	if r := h.get("/payments/batches/999999"); r.status != http.StatusNotFound {
		t.Errorf("unknown batch: %d", r.status)
	}
}

func TestFXRates(t *testing.T) {
	h := newHarness(t, nil)
	var l CurrencyListSimple
	h.get("/fxrates?date=2025-03-01").json(t, &l)
	if len(l.ExchangeRateLists) != 1 || len(l.ExchangeRateLists[0].ExchangeRates) != 4 || l.ExchangeRateLists[0].TradingDate.Format(time.DateOnly) != "2025-03-01" {
		t.Fatalf("%+v", l)
	}
	l = CurrencyListSimple{}
	h.get("/fxrates/usd").json(t, &l)
	if len(l.ExchangeRateLists[0].ExchangeRates) != 1 || l.ExchangeRateLists[0].ExchangeRates[0].CurrencyFrom != "USD" {
		t.Fatalf("%+v", l)
	}
	if r := h.get("/fxrates/XXX"); r.status != http.StatusNotFound {
		t.Errorf("unknown currency: %d", r.status)
	}
	if r := h.get("/fxrates?date=03/01/2025"); r.status != http.StatusBadRequest {
		t.Errorf("bad date: %d", r.status)
	}
}

func TestInjectedUndocumented5xxAndRecording(t *testing.T) {
	h := newHarness(t, nil)
	h.fake.InjectResponse("/rbcz/premium/api/accounts", http.StatusBadGateway, http.Header{"Content-Type": {"text/html"}}, "<html>Bad Gateway</html>")
	if r := h.get("/accounts"); r.status != http.StatusBadGateway || string(r.body) != "<html>Bad Gateway</html>" || r.header.Get("Content-Type") != "text/html" {
		t.Fatalf("%d %s", r.status, r.body)
	}
	h.fake.InjectStatus(1, http.StatusTooManyRequests, http.Header{"X-RateLimit-Remaining-Second": {"0"}})
	if r := h.get("/fxrates"); r.status != http.StatusTooManyRequests || r.errCode(t) != "TOO_MANY_REQUESTS" || r.header.Get("X-RateLimit-Remaining-Second") != "0" {
		t.Fatalf("injected 429: %d %v %s", r.status, r.header, r.body)
	}
	h.fake.InjectStatus(1, http.StatusServiceUnavailable, nil)
	var g GatewayError
	if r := h.get("/fxrates"); r.status != http.StatusServiceUnavailable || json.Unmarshal(r.body, &g) != nil || g.HTTPCode != "503" {
		t.Fatalf("injected 503: %d %s", r.status, r.body)
	}
	if r := h.get("/accounts"); r.status != http.StatusOK {
		t.Fatalf("after injection: %d", r.status)
	}
	reqs := h.fake.Requests()
	if len(reqs) != 4 || reqs[0].Header.Get("X-IBM-Client-Id") != clientID || reqs[3].Path != "/rbcz/premium/api/accounts" {
		t.Fatalf("recorded %+v", reqs)
	}
}

func TestSandboxBasePath(t *testing.T) {
	cfg := DefaultConfig()
	cfg.BasePath = "/rbcz/premium/mock"
	srv := httptest.NewServer(New(cfg))
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/rbcz/premium/mock/fxrates", nil)
	req.Header.Set("X-IBM-Client-Id", clientID)
	req.Header.Set("X-Request-Id", "sandbox-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%d", resp.StatusCode)
	}
}

package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/apigen-go/apigen/generated/raiffeisen"
	"github.com/apigen-go/apigen/generator"
	"github.com/apigen-go/apigen/internal/fakes/fakeutil"
	fake "github.com/apigen-go/apigen/internal/fakes/raiffeisen"
	"github.com/apigen-go/apigen/runtime/apierror"
	"github.com/apigen-go/apigen/runtime/auth"
	"github.com/apigen-go/apigen/runtime/opt"
	"github.com/apigen-go/apigen/runtime/ratelimit"
	"github.com/apigen-go/apigen/runtime/secret"
)

const (
	raiffeisenClientID = "raiffeisen-demo-client-id"
	raiffeisenP12Pass  = "heslo-k-certifikatu"
	raiffeisenSerial   = 100
)

// raiffeisenBank is a fake bank behind mutual TLS: a CA generated at run
// time issues the server's certificate and the client's, and the client
// certificate is handed to the generated client as a password-protected
// PKCS#12 file, as Internet Banking hands it out.
type raiffeisenBank struct {
	fake *fake.Server
	srv  *httptest.Server
	ca   *fake.CA
	p12  string // path of the client's .p12

	mu       sync.Mutex
	statuses map[int]int // statuses answered
	serials  []string    // client certificate serial per request ("" none)
	conns    atomic.Int64
}

// raiffeisenSetup starts the fake over mTLS; clientAuth 0 asks for a
// client certificate but lets the handler refuse requests without one.
func raiffeisenSetup(t *testing.T, mutate func(*fake.Config), clientAuth tls.ClientAuthType) *raiffeisenBank {
	t.Helper()
	cfg := fake.DefaultConfig()
	if mutate != nil {
		mutate(&cfg)
	}
	b := &raiffeisenBank{fake: fake.New(cfg), statuses: map[int]int{}}
	now := time.Now()
	ca, err := fake.NewCA("Fake Raiffeisenbank CA", now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	b.ca = ca
	serverCert, err := ca.IssueServer(2, now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		serial := ""
		if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
			serial = r.TLS.PeerCertificates[0].SerialNumber.String()
		}
		b.mu.Lock()
		b.serials = append(b.serials, serial)
		b.mu.Unlock()
		b.fake.ServeHTTP(&raiffeisenStatus{ResponseWriter: w, bank: b}, r)
	})
	// As fake.NewTLSServer, plus a connection count and quiet handshake
	// errors (some subtests provoke them on purpose).
	b.srv = httptest.NewUnstartedServer(h)
	if clientAuth == tls.NoClientCert {
		clientAuth = tls.VerifyClientCertIfGiven // FX works without a certificate (§8.2)
	}
	b.srv.TLS = &tls.Config{ClientAuth: clientAuth, ClientCAs: ca.Pool(), Certificates: []tls.Certificate{serverCert}, MinVersion: tls.VersionTLS12}
	b.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	b.srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			b.conns.Add(1)
		}
	}
	b.srv.StartTLS()
	t.Cleanup(b.srv.Close)
	b.p12 = raiffeisenWriteP12(t, ca, raiffeisenSerial, now.Add(-time.Hour), now.Add(24*time.Hour), raiffeisenP12Pass)
	return b
}

// raiffeisenWriteP12 issues a client certificate and writes it with its
// key and CA chain to a .p12 file protected by password.
func raiffeisenWriteP12(t *testing.T, ca *fake.CA, serial int64, notBefore, notAfter time.Time, password string) string {
	t.Helper()
	cert, err := ca.IssueClient(fmt.Sprintf("client %d", serial), serial, notBefore, notAfter)
	if err != nil {
		t.Fatal(err)
	}
	data, err := pkcs12.Modern.Encode(cert.PrivateKey, cert.Leaf, []*x509.Certificate{ca.Cert}, password)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), fmt.Sprintf("client-%d.p12", serial))
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// raiffeisenStatus counts the status of a response before any of it is
// sent, so that a client never sees an answer that is not counted yet.
type raiffeisenStatus struct {
	http.ResponseWriter
	bank  *raiffeisenBank
	wrote bool
}

func (w *raiffeisenStatus) WriteHeader(code int) {
	if !w.wrote {
		w.wrote = true
		w.bank.mu.Lock()
		w.bank.statuses[code]++
		w.bank.mu.Unlock()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *raiffeisenStatus) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(p)
}

func (b *raiffeisenBank) url() string { return b.srv.URL + "/rbcz/premium/api" }

func (b *raiffeisenBank) creds() raiffeisen.Credentials {
	return raiffeisen.Credentials{CertFile: b.p12, CertPassword: secret.New(raiffeisenP12Pass), ClientID: secret.New(raiffeisenClientID)}
}

func (b *raiffeisenBank) client(t *testing.T, creds raiffeisen.Credentials, opts ...raiffeisen.Option) *raiffeisen.Client {
	t.Helper()
	opts = append([]raiffeisen.Option{raiffeisen.WithCredentials(creds), raiffeisen.WithRootCAs(b.ca.Pool())}, opts...)
	c, err := raiffeisen.New(b.url(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (b *raiffeisenBank) status(code int) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.statuses[code]
}

var raiffeisenSeq atomic.Int64

// raiffeisenReqID returns a fresh X-Request-Id.
func raiffeisenReqID() string {
	return fmt.Sprintf("e2e-%d-%d", time.Now().UnixNano()%1e9, raiffeisenSeq.Add(1))
}

// TestRaiffeisen_MutualTLSFromPKCS12 calls every kind of operation with
// the certificate from the .p12 file, and checks what reached the bank:
// the certificate, X-IBM-Client-Id and the X-Request-Id of each call.
func TestRaiffeisen_MutualTLSFromPKCS12(t *testing.T) {
	b := raiffeisenSetup(t, nil, 0)
	c := b.client(t, b.creds())
	ctx := context.Background()
	var ids []string
	id := func() string { s := raiffeisenReqID(); ids = append(ids, s); return s }

	// Accounts, one per page: the iterator walks pages 1, 2, ... until
	// the page marked last.
	var accounts []raiffeisen.Account
	for a, err := range c.GetAccountsAll(ctx, &raiffeisen.GetAccountsParams{XRequestID: id(), Size: opt.Some[int32](1)}) {
		if err != nil {
			t.Fatal(err)
		}
		accounts = append(accounts, a)
	}
	if len(accounts) != 2 {
		t.Fatalf("%d accounts, the fake has 2", len(accounts))
	}
	acc := accounts[0]

	bal, err := c.GetBalance(ctx, acc.AccountNumber, &raiffeisen.GetBalanceParams{XRequestID: id()})
	if err != nil {
		t.Fatal(err)
	}
	if bal.NumberPart2 != acc.AccountNumber || len(bal.CurrencyFolders) == 0 || len(bal.CurrencyFolders[0].Balances) == 0 {
		t.Fatalf("balance %+v", bal)
	}
	cur := bal.CurrencyFolders[0].Currency

	from := time.Now().AddDate(0, 0, -30).Format(time.DateOnly)
	to := time.Now().Format(time.DateOnly)
	n := 0
	for tx, err := range c.GetTransactionListAll(ctx, acc.AccountNumber, cur, &raiffeisen.GetTransactionListParams{XRequestID: id(), From: from, To: to}) {
		if err != nil {
			t.Fatal(err)
		}
		if tx.Amount.Currency != cur || !tx.CreditDebitIndication.IsKnown() {
			t.Fatalf("transaction %+v", tx)
		}
		n++
	}
	if n == 0 {
		t.Fatal("no transactions in the last 30 days")
	}

	stmts, err := c.GetStatements(ctx, &raiffeisen.GetStatementsParams{XRequestID: id()}, &raiffeisen.StatementQuery{AccountNumber: acc.AccountNumber})
	if err != nil {
		t.Fatal(err)
	}
	if len(stmts.Statements) == 0 {
		t.Fatal("no statements")
	}
	dl, err := c.DownloadStatement(ctx, &raiffeisen.DownloadStatementParams{XRequestID: id(), AcceptLanguage: raiffeisen.DownloadStatementAcceptLanguage("cs")},
		&raiffeisen.StatementDownload{AccountNumber: acc.AccountNumber, StatementID: stmts.Statements[0].StatementID, StatementFormat: raiffeisen.StatementDownloadStatementFormat("pdf")})
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ := io.ReadAll(dl.Body)
	dl.Body.Close()
	if dl.ContentType != "application/pdf" || !strings.Contains(string(pdf), "PDF statement") {
		t.Fatalf("download %q: %q", dl.ContentType, pdf)
	}

	batch, err := c.ImportPayments(ctx, &raiffeisen.ImportPaymentsParams{XRequestID: id(), BatchImportFormat: raiffeisen.ImportPaymentsBatchImportFormat("SEPA-XML"), BatchName: opt.Some("e2e batch")}, "<Document>e2e</Document>")
	if err != nil {
		t.Fatal(err)
	}
	detail, err := c.GetBatchDetail(ctx, batch.BatchFileID, &raiffeisen.GetBatchDetailParams{XRequestID: id()})
	if err != nil {
		t.Fatal(err)
	}
	if detail.BatchName.Or("") != "e2e batch" {
		t.Fatalf("batch %+v", detail)
	}
	fx, err := c.GetFxRates(ctx, "EUR", &raiffeisen.GetFxRatesParams{XRequestID: id()})
	if err != nil {
		t.Fatal(err)
	}
	if len(fx.ExchangeRateLists) != 1 || len(fx.ExchangeRateLists[0].ExchangeRates) != 1 || fx.ExchangeRateLists[0].ExchangeRates[0].CurrencyFrom.Or("") != "EUR" {
		t.Fatalf("fx %+v", fx)
	}

	// On the wire: every request presented the certificate from the .p12
	// and the client id, and carried the X-Request-Id of its call; an
	// iterator's later pages are requests of their own, with fresh ids.
	reqs := b.fake.Requests()
	seen := map[string]int{}
	for _, r := range reqs {
		if got := r.Header.Get("X-IBM-Client-Id"); got != raiffeisenClientID {
			t.Errorf("%s: X-IBM-Client-Id = %q", r.Path, got)
		}
		rid := r.Header.Get("X-Request-Id")
		if !slices.Contains(ids, rid) && (seen[rid] > 0 || len(rid) != 36) {
			t.Errorf("%s: X-Request-Id %q is neither a call's id nor a fresh one", r.Path, rid)
		}
		seen[rid]++
	}
	b.mu.Lock()
	serials := slices.Clone(b.serials)
	b.mu.Unlock()
	if len(serials) != len(reqs) {
		t.Errorf("%d TLS requests, %d recorded", len(serials), len(reqs))
	}
	for _, serial := range serials {
		if serial != fmt.Sprint(raiffeisenSerial) {
			t.Errorf("a request presented client certificate serial %q, want %d", serial, raiffeisenSerial)
		}
	}
	for _, rid := range ids {
		if seen[rid] == 0 {
			t.Errorf("X-Request-Id %q never reached the bank", rid)
		}
	}
	if n := b.status(http.StatusTooManyRequests) + b.status(http.StatusUnauthorized) + b.status(http.StatusBadRequest); n != 0 {
		t.Errorf("%d requests were refused: %v", n, b.statuses)
	}
}

// TestRaiffeisen_FXRatesWithClientIDOnly: without a certificate the FX
// operations work with the client id alone, and the others fail before
// anything is sent.
func TestRaiffeisen_FXRatesWithClientIDOnly(t *testing.T) {
	b := raiffeisenSetup(t, nil, 0)
	// No certificate, so no mTLS transport: the test CA is trusted
	// through the caller's HTTP client (WithRootCAs is for mTLS).
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: b.ca.Pool(), MinVersion: tls.VersionTLS12}
	c := b.client(t, raiffeisen.Credentials{ClientID: secret.New(raiffeisenClientID)}, raiffeisen.WithHTTPClient(&http.Client{Transport: tr}))
	ctx := context.Background()
	list, err := c.GetFxRatesList(ctx, &raiffeisen.GetFxRatesListParams{XRequestID: raiffeisenReqID()})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.ExchangeRateLists) == 0 || len(list.ExchangeRateLists[0].ExchangeRates) < 2 {
		t.Fatalf("fx list %+v", list)
	}
	reqs := b.fake.Requests()
	b.mu.Lock()
	serials := slices.Clone(b.serials)
	b.mu.Unlock()
	if len(reqs) != 1 || reqs[0].Header.Get("X-IBM-Client-Id") != raiffeisenClientID || serials[0] != "" {
		t.Fatalf("FX request: %d requests, client id %q, certificate %q", len(reqs), reqs[0].Header.Get("X-IBM-Client-Id"), serials[0])
	}

	// Left empty, X-Request-Id is a fresh UUID on every call.
	for range 2 {
		if _, err := c.GetFxRatesList(ctx, nil); err != nil {
			t.Fatal(err)
		}
	}
	reqs = b.fake.Requests()
	id1, id2 := reqs[1].Header.Get("X-Request-Id"), reqs[2].Header.Get("X-Request-Id")
	if len(id1) != 36 || len(id2) != 36 || id1 == id2 {
		t.Fatalf("generated X-Request-Ids %q and %q: want two different UUIDs", id1, id2)
	}

	_, err = c.GetAccounts(ctx, &raiffeisen.GetAccountsParams{XRequestID: raiffeisenReqID()})
	var mce *auth.MissingCredentialsError
	if !errors.As(err, &mce) {
		t.Fatalf("GetAccounts without a certificate: err = %v, want *auth.MissingCredentialsError", err)
	}
	if n := len(b.fake.Requests()); n != 3 {
		t.Fatalf("the bank saw %d requests; the certificate-less GetAccounts must not be sent", n)
	}
}

// TestRaiffeisen_CertificateProblems: a blocked certificate (the yearly
// block), a handshake the bank refuses, an expired bundle and a wrong
// password are distinct, user-facing errors.
func TestRaiffeisen_CertificateProblems(t *testing.T) {
	ctx := context.Background()
	t.Run("blocked", func(t *testing.T) {
		b := raiffeisenSetup(t, nil, 0)
		c := b.client(t, b.creds())
		b.fake.BlockCertificate(raiffeisenSerial)
		_, err := c.GetAccounts(ctx, &raiffeisen.GetAccountsParams{XRequestID: raiffeisenReqID()})
		var ae *apierror.APIError
		if !errors.As(err, &ae) || ae.StatusCode != http.StatusUnauthorized || ae.Code != "UNAUTHORISED" {
			t.Fatalf("err = %v, want 401 UNAUTHORISED", err)
		}
		if n := len(b.fake.Requests()); n != 1 {
			t.Fatalf("%d requests; a 401 must not be retried", n)
		}
		b.fake.UnblockCertificate(raiffeisenSerial)
		if _, err := c.GetAccounts(ctx, &raiffeisen.GetAccountsParams{XRequestID: raiffeisenReqID()}); err != nil {
			t.Fatalf("after unblocking: %v", err)
		}
	})
	t.Run("handshake refused", func(t *testing.T) {
		b := raiffeisenSetup(t, nil, tls.RequireAndVerifyClientCert)
		other, err := fake.NewCA("Some other CA", time.Now().Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		creds := b.creds()
		creds.CertFile = raiffeisenWriteP12(t, other, 7, time.Now().Add(-time.Hour), time.Now().Add(time.Hour), raiffeisenP12Pass)
		c := b.client(t, creds)
		_, err = c.GetAccounts(ctx, &raiffeisen.GetAccountsParams{XRequestID: raiffeisenReqID()})
		if !errors.Is(err, auth.ErrCertificateRejected) {
			t.Fatalf("err = %v, want auth.ErrCertificateRejected", err)
		}
		if n := len(b.fake.Requests()); n != 0 {
			t.Fatalf("the handler saw %d requests", n)
		}
		if n := b.conns.Load(); n != 1 {
			t.Fatalf("%d connections; a refused certificate must not be retried", n)
		}
	})
	t.Run("expired", func(t *testing.T) {
		b := raiffeisenSetup(t, nil, 0)
		creds := b.creds()
		creds.CertFile = raiffeisenWriteP12(t, b.ca, 8, time.Now().AddDate(-5, 0, -1), time.Now().AddDate(0, 0, -1), raiffeisenP12Pass)
		_, err := raiffeisen.New(b.url(), raiffeisen.WithCredentials(creds), raiffeisen.WithRootCAs(b.ca.Pool()))
		if !errors.Is(err, auth.ErrCertificateExpired) {
			t.Fatalf("err = %v, want auth.ErrCertificateExpired", err)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		b := raiffeisenSetup(t, nil, 0)
		creds := b.creds()
		creds.CertPassword = secret.New("spatne-heslo")
		_, err := raiffeisen.New(b.url(), raiffeisen.WithCredentials(creds), raiffeisen.WithRootCAs(b.ca.Pool()))
		if err == nil {
			t.Fatal("a wrong .p12 password was accepted")
		}
		if strings.Contains(err.Error(), "spatne-heslo") {
			t.Fatalf("the error reveals the password: %v", err)
		}
	})
}

// raiffeisenScaled returns the spec's limits with the day window scaled
// to day and dayLimit (download: downloadDay), for fake and client alike.
func raiffeisenScaled(t *testing.T, day time.Duration, dayLimit, downloadDay int) ratelimit.Limiter {
	t.Helper()
	rc := raiffeisen.RateLimitConfig()
	for i, w := range rc.Windows {
		if w.Per == 24*time.Hour {
			rc.Windows[i] = ratelimit.Window{Limit: dayLimit, Per: day}
		}
	}
	for i, h := range rc.Headers {
		if h.Per == 24*time.Hour {
			rc.Headers[i].Per = day
		}
	}
	ops := map[string]ratelimit.Override{}
	for k, o := range rc.Operations {
		var ws []ratelimit.Window
		for _, w := range o.Windows {
			if w.Per == 24*time.Hour {
				w = ratelimit.Window{Limit: downloadDay, Per: day}
			}
			ws = append(ws, w)
		}
		o.Windows = ws
		ops[k] = o
	}
	rc.Operations = ops
	// The margin absorbs the time between the limiter granting a slot and
	// the bank counting the request. Under -race on a loaded 2-core machine,
	// with new mTLS connections, that exceeds the 50 ms default, and the
	// scaled 2 s day leaves no slack of its own.
	rc.Margin = 300 * time.Millisecond
	l, err := ratelimit.New(rc)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// raiffeisenMaxIn returns the largest number of times within any interval
// shorter than d.
func raiffeisenMaxIn(times []time.Time, d time.Duration) int {
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	best := 0
	for i := range times {
		j := i
		for j < len(times) && times[j].Sub(times[i]) < d {
			j++
		}
		best = max(best, j-i)
	}
	return best
}

func raiffeisenTimes(reqs []fakeutil.Request, pathSuffix string) []time.Time {
	var out []time.Time
	for _, r := range reqs {
		if strings.HasSuffix(r.Path, pathSuffix) {
			out = append(out, r.Time)
		}
	}
	return out
}

// TestRaiffeisen_RateLimitsNoTooManyRequests: bursts far over 10/s and the
// (scaled) day limit, on an ordinary operation and on Download Statement
// with its stricter limits, wait for their slots and never meet a 429.
func TestRaiffeisen_RateLimitsNoTooManyRequests(t *testing.T) {
	const day = 2 * time.Second // the sliding day, scaled
	b := raiffeisenSetup(t, func(c *fake.Config) {
		c.DayWindow = day
		c.PerDay = 15
		c.DownloadPerDay = 7
	}, 0)
	c := b.client(t, b.creds(), raiffeisen.WithRateLimiter(raiffeisenScaled(t, day, 15, 7)))
	ctx := context.Background()
	accs := fake.DemoAccounts(time.Now())
	acc := accs[0]
	stmt := acc.Statements[0]

	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.GetBalance(ctx, acc.AccountNumber, &raiffeisen.GetBalanceParams{XRequestID: raiffeisenReqID()})
			errs <- err
		}()
	}
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dl, err := c.DownloadStatement(ctx, &raiffeisen.DownloadStatementParams{XRequestID: raiffeisenReqID(), AcceptLanguage: "en"},
				&raiffeisen.StatementDownload{AccountNumber: acc.AccountNumber, StatementID: stmt.StatementID, StatementFormat: "xml"})
			if err == nil {
				_, err = io.Copy(io.Discard, dl.Body)
				dl.Body.Close()
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	elapsed := time.Since(start)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := b.status(http.StatusTooManyRequests); n != 0 {
		t.Fatalf("%d answers were 429", n)
	}
	reqs := b.fake.Requests()
	bal := raiffeisenTimes(reqs, "/balance")
	dls := raiffeisenTimes(reqs, "/statements/download")
	if len(bal) != 30 || len(dls) != 10 {
		t.Fatalf("the bank saw %d balance and %d download requests, want 30 and 10 (no retries)", len(bal), len(dls))
	}
	for _, x := range []struct {
		name          string
		times         []time.Time
		perSec, inDay int
	}{{"getBalance", bal, 10, 15}, {"downloadStatement", dls, 5, 7}} {
		if n := raiffeisenMaxIn(x.times, time.Second); n > x.perSec {
			t.Errorf("%s: %d requests within one second, limit %d", x.name, n, x.perSec)
		}
		if n := raiffeisenMaxIn(x.times, day); n > x.inDay {
			t.Errorf("%s: %d requests within one (scaled) day, limit %d", x.name, n, x.inDay)
		}
	}
	// 30 requests at 15 per 2 s cannot all go within the first window.
	if elapsed < day {
		t.Errorf("finished in %v: the day window did not hold requests back", elapsed)
	}
}

// TestRaiffeisen_RemainingHeadersRespected: another process (a second
// client with the same client id) has spent most of the day's budget. This
// client knows nothing of it until the X-RateLimit-Remaining-Day header
// says so; then it waits for the sliding day to free a slot instead of
// sending a request the bank would refuse.
func TestRaiffeisen_RemainingHeadersRespected(t *testing.T) {
	const day = 2 * time.Second
	const perDay = 12
	b := raiffeisenSetup(t, func(c *fake.Config) {
		c.DayWindow = day
		c.PerDay = perDay
	}, 0)
	ctx := context.Background()
	acc := fake.DemoAccounts(time.Now())[0].AccountNumber
	balance := func(c *raiffeisen.Client) error {
		_, err := c.GetBalance(ctx, acc, &raiffeisen.GetBalanceParams{XRequestID: raiffeisenReqID()})
		return err
	}

	other := b.client(t, b.creds(), raiffeisen.WithRateLimiter(raiffeisenScaled(t, day, perDay, 7)))
	for range perDay - 2 {
		if err := balance(other); err != nil {
			t.Fatal(err)
		}
	}
	// Let the per-second window pass (the other process went quiet);
	// the day window still holds its requests.
	time.Sleep(1100 * time.Millisecond)

	c := b.client(t, b.creds(), raiffeisen.WithRateLimiter(raiffeisenScaled(t, day, perDay, 7)))
	start := time.Now()
	for i := range 4 {
		if err := balance(c); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	elapsed := time.Since(start)
	t.Logf("4 calls took %v", elapsed)
	if n := b.status(http.StatusTooManyRequests); n != 0 {
		t.Fatalf("%d answers were 429: the Remaining-Day header was not respected", n)
	}
	// Two calls fit the budget left; the third had to wait for the other
	// process's requests to leave the sliding day.
	if elapsed < day*3/4 {
		t.Fatalf("4 calls took %v; the third should have waited for the day window", elapsed)
	}
	times := raiffeisenTimes(b.fake.Requests(), "/balance")
	if n := raiffeisenMaxIn(times, day); n > perDay {
		t.Fatalf("%d requests within one (scaled) day, limit %d", n, perDay)
	}
}

// TestRaiffeisen_Undocumented5xxNotRetriedForImport: the bank warns of
// undocumented 5xx bodies. A non-JSON 500 on the payment import (not
// idempotent) is returned once with its raw body, never retried.
func TestRaiffeisen_Undocumented5xxNotRetriedForImport(t *testing.T) {
	b := raiffeisenSetup(t, nil, 0)
	c := b.client(t, b.creds())
	b.fake.InjectResponse("/rbcz/premium/api/payments/batches", http.StatusInternalServerError, http.Header{"Content-Type": {"text/html"}}, "<html><body>Backend unavailable</body></html>")
	_, err := c.ImportPayments(context.Background(), &raiffeisen.ImportPaymentsParams{XRequestID: raiffeisenReqID(), BatchImportFormat: "ABO-KPC"}, "UHL1...")
	var ae *apierror.APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusInternalServerError || !strings.Contains(string(ae.Body), "Backend unavailable") {
		t.Fatalf("err = %v, want a 500 APIError with the raw body", err)
	}
	if n := len(b.fake.Requests()); n != 1 {
		t.Fatalf("the bank saw %d imports; a non-idempotent POST must not be retried after it was sent", n)
	}
}

// TestRaiffeisen_BankSwaggerGeneratesAndBuilds generates a client from the
// bank's own published Swagger 2.0 file into a temporary module and builds
// it.
func TestRaiffeisen_BankSwaggerGeneratesAndBuilds(t *testing.T) {
	_, self, _, _ := runtime.Caller(0)
	root := filepath.Dir(filepath.Dir(self))
	corpus := os.Getenv("APIGEN_CORPUS")
	if corpus == "" {
		corpus = filepath.Join(root, "..", "shared", "corpus")
	}
	spec := filepath.Join(corpus, "providers", "raiffeisenbank-cz-premium.yaml")
	if _, err := os.Stat(spec); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("bank spec not found at %s (set APIGEN_CORPUS): %v", spec, err)
		}
		t.Skipf("bank spec not found at %s (set APIGEN_CORPUS to the corpus directory); skipping", spec)
	}
	res, err := generator.Generate(generator.Config{Spec: spec, Out: "rbcz", Package: "rbcz"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.API.Operations) != 9 {
		t.Errorf("%d operations generated from the bank's spec, want its 9", len(res.API.Operations))
	}
	dir := t.TempDir()
	gomod := "module example.com/rbczcheck\n\ngo 1.25\n\nrequire github.com/apigen-go/apigen v0.0.0\n\nreplace github.com/apigen-go/apigen => " + root + "\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := generator.Write(filepath.Join(dir, "rbcz"), res.Files); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "build", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build of the client generated from the bank's spec: %v\n%s", err, out)
	}
}

// Transactions page as the published spec says: page from 1, a page size
// the bank chooses (scaled to 4 here), lastPage on each page and 204 past
// the end. The walk covers at least three pages in order and stops at the
// page marked lastPage, without spending a request on the 204 after it.
func TestRaiffeisen_TransactionsWalkThreePages(t *testing.T) {
	b := raiffeisenSetup(t, func(c *fake.Config) { c.TransactionPageSize = 4 }, 0)
	c := b.client(t, b.creds())
	ctx := context.Background()
	acc := fake.DemoAccounts(time.Now())[0]
	cur := acc.Folders[0].Currency
	params := &raiffeisen.GetTransactionListParams{
		From: time.Now().AddDate(0, 0, -30).Format(time.DateOnly), To: time.Now().Format(time.DateOnly),
	}
	n := 0
	for _, err := range c.GetTransactionListAll(ctx, acc.AccountNumber, cur, params) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	pages := (n + 3) / 4
	if pages < 3 {
		t.Fatalf("%d transactions are %d pages of 4; the test needs 3", n, pages)
	}
	var seen []string
	for _, r := range b.fake.Requests() {
		if strings.HasSuffix(r.Path, "/transactions") {
			q, _ := url.ParseQuery(r.Query)
			seen = append(seen, q.Get("page"))
		}
	}
	var want []string
	for p := 1; p <= pages; p++ {
		want = append(want, strconv.Itoa(p))
	}
	if !slices.Equal(seen, want) {
		t.Errorf("pages requested %v, want %v", seen, want)
	}
	for p, last := range map[int32]bool{1: false, int32(pages): true} {
		list, err := c.GetTransactionList(ctx, acc.AccountNumber, cur, &raiffeisen.GetTransactionListParams{From: params.From, To: params.To, Page: opt.Some(p)})
		if err != nil || list.LastPage.Or(!last) != last {
			t.Errorf("page %d: lastPage %+v, err %v; want %v", p, list, err, last)
		}
	}
}
